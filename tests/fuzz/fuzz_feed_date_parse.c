/*
 * fuzz_feed_date_parse.c — feed_date_parse() on arbitrary strings.
 *
 * A date that parses must format as RFC 3339 (fs_time_rfc3339 must not
 * overflow its 32-byte buffer for any value the parser hands out).
 */
#include "fuzz.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)  /* dates are short; longer inputs only slow the fuzzer */
        return 0;
    char *s = fuzz_cstring(data, size);
    int64_t t;
    if (feed_date_parse(s, &t) == FS_OK) {
        char out[32];
        fs_time_rfc3339(t, out);
        fuzz_check_utf8("formatted date", out);
    }
    free(s);
    return 0;
}
