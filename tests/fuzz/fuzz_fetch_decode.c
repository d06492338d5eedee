/*
 * fuzz_fetch_decode.c — Content-Encoding decoding of arbitrary bytes.
 *
 * Input: one byte choosing the codings (a stack from the table below),
 * one byte choosing the piece size, then the body as it would arrive.
 * Checked: the body never passes the cap by more than one byte, an error
 * always says something, and a decoder is freed whatever happened (the
 * sanitizers and valgrind see leaks).
 */
#include "fuzz.h"
#include "fetch_int.h"

#define FUZZ_CAP (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const stacks[] = {
        "gzip", "deflate", "br", "zstd", "gzip, br", "zstd, gzip",
        "deflate, deflate", "br, zstd, gzip", "x-gzip", "identity, br",
    };
    if (size < 2)
        return 0;
    const char *enc = stacks[data[0] % (sizeof(stacks) / sizeof(stacks[0]))];
    size_t piece = 1 + data[1] * 37u;
    data += 2;
    size -= 2;
    struct fetch_decoder *d = NULL;
    fs_error err = {0};
    struct strbuf body = STRBUF_INIT;
    fs_code rc = fetch_decoder_new(enc, &d, &err);
    if (rc != FS_OK || !d) {
        fprintf(stderr, "fuzz: no decoder for %s: %s\n", enc, err.msg);
        abort();
    }
    for (size_t at = 0; rc == FS_OK && at < size; at += piece) {
        size_t n = size - at < piece ? size - at : piece;
        rc = fetch_decoder_write(d, data + at, n, &body, FUZZ_CAP, &err);
    }
    if (rc == FS_OK)
        rc = fetch_decoder_end(d, &err);
    if (body.len > FUZZ_CAP + 1 || (rc != FS_OK && !err.msg[0]) ||
        (rc == FS_ELIMIT && body.len <= FUZZ_CAP)) {
        fprintf(stderr, "fuzz: %s: rc %d, %zu bytes: %s\n", enc, rc,
                body.len, err.msg);
        abort();
    }
    fetch_decoder_free(d);
    strbuf_release(&body);
    return 0;
}
