/*
 * test_decode.c — Content-Encoding decoding (fetcher/decode.c) against
 * independent encoders: zlib for gzip and deflate (zlib-wrapped and raw),
 * libbrotlienc, libzstd.  Every input is fed in random pieces, as the
 * network hands it over, and must come out byte for byte; bombs stop at
 * the cap, cut or corrupt streams fail with a message naming the coding.
 */
#include "fetch_int.h"
#include "tap.h"
#include "testrand.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static unsigned long long seed = TEST_RAND_SEED;

struct bytes {
    unsigned char *p;
    size_t n;
};

/* zlib: windowBits 31 gzip, 15 zlib ("deflate"), -15 raw deflate. */
static struct bytes zlib_encode(const struct bytes in, int window_bits)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    struct bytes out = {malloc(deflateBound(&z, in.n) + 64), 0};
    z.next_in = in.p;
    z.avail_in = (uInt)in.n;
    z.next_out = out.p;
    z.avail_out = (uInt)(deflateBound(&z, in.n) + 64);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    out.n = z.total_out;
    deflateEnd(&z);
    return out;
}

static struct bytes br_encode(const struct bytes in)
{
    size_t n = BrotliEncoderMaxCompressedSize(in.n) + 64;
    struct bytes out = {malloc(n), n};
    if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                               in.n, in.p, &out.n, out.p))
        abort();
    return out;
}

/* window_log 0: the library's choice; else that window, content size
 * unknown (streamed), so the frame header declares it. */
static struct bytes zstd_encode(const struct bytes in, int window_log)
{
    size_t n = ZSTD_compressBound(in.n) + 64;
    struct bytes out = {malloc(n), 0};
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
    if (window_log)
        ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
    ZSTD_inBuffer ib = {in.p, in.n, 0};
    ZSTD_outBuffer ob = {out.p, n, 0};
    if (window_log) {
        while (ib.pos < ib.size)
            ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue);
    }
    if (ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end) != 0)
        abort();
    out.n = ob.pos;
    ZSTD_freeCCtx(c);
    return out;
}

/* in encoded as a server sends `coding` (the names of tests/lib/server.py:
 * deflate is zlib-wrapped, deflate-raw is raw deflate sent as deflate). */
static struct bytes encode_as(const char *coding, const struct bytes in)
{
    if (!strcmp(coding, "gzip"))
        return zlib_encode(in, 31);
    if (!strcmp(coding, "deflate"))
        return zlib_encode(in, 15);
    if (!strcmp(coding, "deflate-raw"))
        return zlib_encode(in, -15);
    if (!strcmp(coding, "br"))
        return br_encode(in);
    if (!strcmp(coding, "zstd"))
        return zstd_encode(in, 0);
    abort();
}

static struct bytes concat(const struct bytes a, const struct bytes b)
{
    struct bytes out = {malloc(a.n + b.n + 1), a.n + b.n};
    if (a.n)
        memcpy(out.p, a.p, a.n);
    if (b.n)
        memcpy(out.p + a.n, b.p, b.n);
    return out;
}

/* Feed `in` to a decoder for `encodings` in random pieces of 1..max_piece
 * bytes; the decoded body in *body.  The first error, else the end's. */
static fs_code decode_pieces(const char *encodings, const struct bytes in,
                             size_t max_piece, size_t cap,
                             struct strbuf *body, fs_error *err)
{
    struct fetch_decoder *d = NULL;
    strbuf_reset(body);
    fs_code rc = fetch_decoder_new(encodings, &d, err);
    if (rc != FS_OK)
        return rc;
    if (!d)
        return fs_error_set(err, FS_EINVAL, "no decoder");
    for (size_t at = 0; rc == FS_OK && at < in.n;) {
        size_t piece = 1 + test_rand(&seed, (unsigned)max_piece);
        if (piece > in.n - at)
            piece = in.n - at;
        rc = fetch_decoder_write(d, in.p + at, piece, body, cap, err);
        at += piece;
    }
    if (rc == FS_OK)
        rc = fetch_decoder_end(d, err);
    fetch_decoder_free(d);
    return rc;
}

static int same(const struct strbuf *body, const struct bytes want)
{
    return body->len == want.n && memcmp(body->buf, want.p, want.n) == 0;
}

/* A feed-like text, compressible, with some random bytes in it. */
static struct bytes sample(size_t n)
{
    static const char *const words[] = {
        "rare", "earth", "quota", "<item>", "</item>", "smelting", "China",
        "2025", "export", "&amp;", "\xc3\xa9t\xc3\xa9", "\n"};
    struct bytes s = {malloc(n + 1), n};
    for (size_t i = 0; i < n;) {
        if (test_rand(&seed, 50) == 0) {
            s.p[i++] = (unsigned char)test_rand(&seed, 256);
            continue;
        }
        const char *w = words[test_rand(&seed, 12)];
        for (size_t k = 0; w[k] && i < n; k++)
            s.p[i++] = (unsigned char)w[k];
        if (i < n)
            s.p[i++] = ' ';
    }
    return s;
}

static void test_round_trips(struct strbuf *body)
{
    static const size_t sizes[] = {0, 1, 100, 70000, 1 << 20};
    static const size_t pieces[] = {1, 7, 1500, 65536};
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        struct bytes plain = sample(sizes[si]);
        static const struct {
            const char *enc, *how; /* Content-Encoding, encode_as() */
        } cases[] = {
            {"gzip", "gzip"}, {"x-gzip", "gzip"}, {"deflate", "deflate"},
            {"deflate", "deflate-raw"}, /* raw, as servers send */
            {"br", "br"}, {"zstd", "zstd"}, {"GZip ", "gzip"},
        };
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            struct bytes data = encode_as(cases[c].how, plain);
            for (size_t pi = 0; pi < sizeof(pieces) / sizeof(pieces[0]);
                 pi++) {
                if (sizes[si] >= (1 << 20) && pieces[pi] < 1500)
                    continue; /* a megabyte a byte at a time: slow, no news */
                fs_error err = {0};
                fs_code rc = decode_pieces(cases[c].enc, data, pieces[pi],
                                           0, body, &err);
                char what[160];
                snprintf(what, sizeof(what), "%s (%s), %zu bytes in pieces "
                         "of up to %zu: decoded exactly", cases[c].enc,
                         cases[c].how, sizes[si], pieces[pi]);
                if (!ok(rc == FS_OK && same(body, plain), what))
                    printf("#   rc %d len %zu: %s\n", rc, body->len,
                           err.msg);
            }
            free(data.p);
        }
        free(plain.p);
    }
}

static void test_stacks(struct strbuf *body)
{
    struct bytes plain = sample(50000);
    /* Applied in the order listed: gzip first, then br. */
    struct bytes gz = zlib_encode(plain, 31);
    struct bytes gz_br = br_encode(gz);
    fs_error err = {0};
    ok(decode_pieces("gzip, br", gz_br, 999, 0, body, &err) == FS_OK &&
           same(body, plain),
       "gzip, br: both undone, br first");
    struct bytes z = zlib_encode(plain, 15);
    struct bytes z_zstd = zstd_encode(z, 0);
    struct bytes z_zstd_gz = zlib_encode(z_zstd, 31);
    ok(decode_pieces("deflate,zstd , gzip", z_zstd_gz, 333, 0, body,
                     &err) == FS_OK && same(body, plain),
       "three codings stacked, odd spacing");
    ok(decode_pieces("identity, gzip", gz, 999, 0, body, &err) == FS_OK &&
           same(body, plain),
       "identity in the list changes nothing");
    ok(decode_pieces("br, gzip", gz_br, 999, 0, body, &err) != FS_OK,
       "codings undone in the wrong order fail");
    /* The cap applies to the innermost output. */
    ok(decode_pieces("gzip, br", gz_br, 999, 1000, body, &err) ==
               FS_ELIMIT && body->len <= 1001,
       "a stack's cap counts decoded bytes");
    free(gz.p);
    free(gz_br.p);
    free(z.p);
    free(z_zstd.p);
    free(z_zstd_gz.p);
    free(plain.p);
}

static void test_bombs(struct strbuf *body)
{
    struct bytes zeros = {calloc(1, 64u << 20), 64u << 20};
    static const char *const encs[] = {"gzip", "deflate", "br", "zstd"};
    for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
        struct bytes bomb = encode_as(encs[i], zeros);
        fs_error err = {0};
        fs_code rc = decode_pieces(encs[i], bomb, 4096, 1000000, body,
                                   &err);
        char what[160];
        snprintf(what, sizeof(what), "%s bomb (64 MB in %zu bytes) stops "
                 "at the 1,000,000-byte cap, one byte past it at most",
                 encs[i], bomb.n);
        if (!ok(rc == FS_ELIMIT && body->len <= 1000001 &&
                    strstr(err.msg, "larger than 1000000"), what))
            printf("#   rc %d len %zu: %s\n", rc, body->len, err.msg);
        /* A body exactly at the cap is fine. */
        if (i == 0) {
            struct bytes exact = {zeros.p, 1000000};
            struct bytes gz = zlib_encode(exact, 31);
            ok(decode_pieces("gzip", gz, 4096, 1000000, body, &err) ==
                       FS_OK && body->len == 1000000,
               "a body of exactly the cap is accepted");
            free(gz.p);
        }
        free(bomb.p);
    }
    free(zeros.p);
}

static void test_bad_streams(struct strbuf *body)
{
    struct bytes plain = sample(40000);
    const char *encs[] = {"gzip", "deflate", "br", "zstd"};
    for (size_t i = 0; i < 4; i++) {
        struct bytes data = encode_as(encs[i], plain);
        fs_error err = {0};
        char what[160];
        struct bytes cut = {data.p, data.n / 2};
        fs_code rc = decode_pieces(encs[i], cut, 1000, 0, body, &err);
        snprintf(what, sizeof(what), "%s cut in half: an error naming %s",
                 encs[i], encs[i]);
        if (!ok(rc == FS_EPARSE && strstr(err.msg, encs[i]), what))
            printf("#   rc %d: %s\n", rc, err.msg);

        /* Flip bytes in the middle: every coding here carries a checksum
         * or structure that catches it (zstd frames from libzstd carry
         * no checksum by default, so its test is structural only). */
        struct bytes bad = concat(data, (struct bytes){NULL, 0});
        for (size_t k = bad.n / 3; k < bad.n / 3 + 16; k++)
            bad.p[k] ^= 0x5a;
        rc = decode_pieces(encs[i], bad, 1000, 0, body, &err);
        snprintf(what, sizeof(what), "%s with 16 corrupt bytes: rejected "
                 "(%.80s)", encs[i], rc == FS_EPARSE ? err.msg : "accepted");
        ok(rc == FS_EPARSE && strstr(err.msg, encs[i]), what);
        free(bad.p);

        /* Bytes after the end of the stream: ignored, as libcurl does
         * (for zstd they must be another frame). */
        if (i != 3) {
            struct bytes junk = {(unsigned char *)"trailing junk\n", 14};
            struct bytes more = concat(data, junk);
            snprintf(what, sizeof(what), "%s: bytes after the stream's end "
                     "are ignored", encs[i]);
            ok(decode_pieces(encs[i], more, 1000, 0, body, &err) == FS_OK &&
                   same(body, plain), what);
            free(more.p);
        }
        free(data.p);
    }

    /* zstd: two frames make one body; a frame asking for a 32 MB window
     * (over RFC 9659's 8 MB) is refused before anything is allocated. */
    struct bytes half1 = {plain.p, plain.n / 2};
    struct bytes half2 = {plain.p + plain.n / 2, plain.n - plain.n / 2};
    struct bytes f1 = zstd_encode(half1, 0), f2 = zstd_encode(half2, 0);
    struct bytes two = concat(f1, f2);
    fs_error err = {0};
    ok(decode_pieces("zstd", two, 777, 0, body, &err) == FS_OK &&
           same(body, plain),
       "zstd: two frames decode to one body");
    struct bytes wide = zstd_encode(plain, 25);
    fs_code rc = decode_pieces("zstd", wide, 777, 0, body, &err);
    if (!ok(rc == FS_EPARSE && strstr(err.msg, "zstd"),
            "zstd: a frame asking for a 32 MB window is refused"))
        printf("#   rc %d: %s\n", rc, err.msg);
    struct bytes narrow = zstd_encode(plain, 23);
    ok(decode_pieces("zstd", narrow, 777, 0, body, &err) == FS_OK &&
           same(body, plain),
       "zstd: an 8 MB window is accepted");
    free(f1.p);
    free(f2.p);
    free(two.p);
    free(wide.p);
    free(narrow.p);

    /* A deflate body of one byte: neither zlib nor raw, and cut short. */
    struct bytes one = {(unsigned char *)"x", 1};
    ok(decode_pieces("deflate", one, 1, 0, body, &err) == FS_EPARSE,
       "deflate: a one-byte body is cut short");
    free(plain.p);
}

/* Sizes where the output fills the body buffer or a layer's 32 KB chunk
 * exactly: zstd reports the end of a frame in the call that filled it,
 * and the next call (no input) must not take the end back. */
static void test_exact_fills(struct strbuf *body)
{
    static const size_t sizes[] = {32767, 32768, 32769, 65535, 65536,
                                   131071, 131072};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct bytes plain = sample(sizes[i]);
        struct bytes z = zstd_encode(plain, 0);
        struct bytes gz = zlib_encode(plain, 31);
        struct bytes gz_z = zstd_encode(gz, 0);
        struct bytes br = br_encode(plain);
        fs_error err = {0};
        char what[128];
        snprintf(what, sizeof(what), "%zu bytes: zstd, br and gzip-in-zstd "
                 "decode exactly, capped or not", sizes[i]);
        int good = 1;
        /* a fresh body each time: its room must be what a transfer's is */
        for (size_t cap = 0; cap <= sizes[i] + 1; cap += sizes[i] + 1)
            for (size_t piece = 4096; piece <= (1u << 24); piece <<= 12) {
                strbuf_release(body);
                good &= decode_pieces("zstd", z, piece, cap, body, &err) ==
                            FS_OK && same(body, plain);
                strbuf_release(body);
                good &= decode_pieces("br", br, piece, cap, body, &err) ==
                            FS_OK && same(body, plain);
                strbuf_release(body);
                good &= decode_pieces("gzip, zstd", gz_z, piece, cap, body,
                                      &err) == FS_OK && same(body, plain);
            }
        if (!ok(good, what))
            printf("#   %s\n", err.msg);
        /* the inner gzip stream itself of an exact chunk size */
        free(plain.p);
        free(z.p);
        free(gz.p);
        free(gz_z.p);
        free(br.p);
    }
}

/* Stacks cannot be made to work without bound: a layer that is not the
 * innermost hands on little more than the cap, and stops once the layer
 * after it has ended. */
static void test_stack_bombs(struct strbuf *body)
{
    fs_error err = {0};
    /* gzip("hello" gzipped, then 64 MB of zeros): the inner stream ends
     * after 5 bytes; the zeros after it are never inflated. */
    struct bytes hello = {(unsigned char *)"hello", 5};
    struct bytes inner = zlib_encode(hello, 31);
    struct bytes zeros = {calloc(1, 64u << 20), 64u << 20};
    struct bytes padded = concat(inner, zeros);
    struct bytes outer = zlib_encode(padded, 31);
    struct fetch_decoder *d = NULL;
    strbuf_reset(body);
    fs_code rc = fetch_decoder_new("gzip, gzip", &d, &err);
    size_t at = 0;
    while (rc == FS_OK && at < outer.n &&
           fetch_decoder_ignored(d) == 0) {
        size_t piece = outer.n - at < 1000 ? outer.n - at : 1000;
        rc = fetch_decoder_write(d, outer.p + at, piece, body, 1000000,
                                 &err);
        at += piece;
    }
    if (rc == FS_OK)
        rc = fetch_decoder_end(d, &err);
    ok(rc == FS_OK && body->len == 5 && !memcmp(body->buf, "hello", 5) &&
           fetch_decoder_ignored(d) > 0 && at < outer.n,
       "gzip, gzip: the outer layer stops once the inner stream ended, and "
       "says bytes were left (the caller stops reading)");
    fetch_decoder_free(d);
    /* deflate (zlib) of endless empty stored blocks, gzipped: decodes to
     * nothing, so only the budget of the outer layer stops it. */
    size_t n_blocks = 4u << 20;
    struct bytes blocks = {malloc(2 + 5 * n_blocks), 2 + 5 * n_blocks};
    blocks.p[0] = 0x78;
    blocks.p[1] = 0x01;
    for (size_t i = 0; i < n_blocks; i++)
        memcpy(blocks.p + 2 + 5 * i, "\x00\x00\x00\xff\xff", 5);
    struct bytes gz_blocks = zlib_encode(blocks, 31);
    rc = decode_pieces("deflate, gzip", gz_blocks, 4096, 1000000, body,
                       &err);
    if (!ok(rc == FS_ELIMIT && body->len == 0 && strstr(err.msg,
                                                        "larger than"),
            "deflate, gzip: 20 MB of empty deflate blocks stop at the "
            "outer layer's budget"))
        printf("#   rc %d: %s\n", rc, err.msg);
    free(inner.p);
    free(zeros.p);
    free(padded.p);
    free(outer.p);
    free(blocks.p);
    free(gz_blocks.p);
}

/* A gzip header with every optional field (FEXTRA, FNAME, FCOMMENT,
 * FHCRC), fed in every split: ISA-L's own header reader failed with
 * FHCRC when the header came in pieces, so decode.c reads it. */
static void test_gzip_headers(struct strbuf *body)
{
    struct bytes plain = sample(3000);
    struct bytes raw = zlib_encode(plain, -15);
    static const unsigned char head[] = {
        0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3,
        4, 0, 'x', 'y', 2, 0,        /* FEXTRA: 4 bytes */
        'f', 'e', 'e', 'd', 0,       /* FNAME */
        'h', 'i', 0,                 /* FCOMMENT */
        0xab, 0xcd};                 /* FHCRC (not checked) */
    uLong crc = crc32(0, plain.p, (uInt)plain.n);
    unsigned char trailer[8];
    for (int i = 0; i < 4; i++) {
        trailer[i] = (unsigned char)(crc >> (8 * i));
        trailer[4 + i] = (unsigned char)(plain.n >> (8 * i));
    }
    struct bytes h = {(unsigned char *)head, sizeof(head)};
    struct bytes t = {trailer, 8};
    struct bytes hr = concat(h, raw);
    struct bytes gz = concat(hr, t);
    fs_error err = {0};
    int good = 1;
    for (size_t piece = 1; piece <= 40; piece++)
        good &= decode_pieces("gzip", gz, piece, 0, body, &err) == FS_OK &&
                same(body, plain);
    if (!ok(good, "gzip with FEXTRA, FNAME, FCOMMENT and FHCRC, in pieces "
                  "of 1 to 40 bytes"))
        printf("#   %s\n", err.msg);
    gz.p[gz.n - 8] ^= 1; /* the trailer's CRC */
    ok(decode_pieces("gzip", gz, 7, 0, body, &err) == FS_EPARSE &&
           strstr(err.msg, "checksum"),
       "gzip: a wrong trailer CRC is still caught");
    gz.p[0] = 0x1e;
    ok(decode_pieces("gzip", gz, 7, 0, body, &err) == FS_EPARSE &&
           strstr(err.msg, "not a gzip header"),
       "gzip: bad magic bytes are refused at once");
    /* a name without its NUL: refused past GZIP_HEADER_MAX */
    struct bytes endless = {malloc(100000), 100000};
    memcpy(endless.p, head, 10);
    endless.p[3] = 8; /* FNAME only */
    memset(endless.p + 10, 'n', endless.n - 10);
    ok(decode_pieces("gzip", endless, 4096, 0, body, &err) == FS_EPARSE &&
           strstr(err.msg, "header longer"),
       "gzip: a header name without end is refused");
    free(endless.p);
    free(plain.p);
    free(raw.p);
    free(hr.p);
    free(gz.p);
}

static void test_names(void)
{
    struct fetch_decoder *d = (struct fetch_decoder *)1;
    fs_error err = {0};
    ok(fetch_decoder_new("identity", &d, &err) == FS_OK && d == NULL,
       "identity: no decoder");
    ok(fetch_decoder_new("  ", &d, &err) == FS_OK && d == NULL,
       "an empty value: no decoder");
    fs_code rc = fetch_decoder_new("gzip, compress", &d, &err);
    ok(rc == FS_EPARSE && d == NULL && strstr(err.msg, "'compress'") &&
           strstr(err.msg, "gzip, deflate, br, zstd"),
       "an unsupported coding is named, with what is supported");
    rc = fetch_decoder_new("gzip,gzip,gzip,gzip,gzip,gzip", &d, &err);
    ok(rc == FS_EPARSE && d == NULL && strstr(err.msg, "more than 5"),
       "six codings stacked: refused (libcurl's limit is five)");
    rc = fetch_decoder_new("gzip,gzip,gzip,gzip,gzip", &d, &err);
    ok(rc == FS_OK && d != NULL, "five codings stacked: accepted");
    fetch_decoder_free(d);
}

int main(void)
{
    struct strbuf body = STRBUF_INIT;
    test_round_trips(&body);
    test_stacks(&body);
    test_bombs(&body);
    test_bad_streams(&body);
    test_exact_fills(&body);
    test_stack_bombs(&body);
    test_gzip_headers(&body);
    test_names();
    strbuf_release(&body);
    return tap_done();
}
