/*
 * fuzz_fs_url_resolve.c — URL resolution and splitting on arbitrary text.
 *
 * The input is "BASE\nREF" (no newline: the whole input is REF against no
 * base).  The resolved URL is then split the way robots.txt and the
 * per-host queues do (fs_url_origin_path, fs_url_host).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *s = fuzz_cstring(data, size);
    const char *base = NULL, *ref = s;
    char *nl = memchr(s, '\n', size);
    if (nl) {
        *nl = '\0';
        base = s;
        ref = nl + 1;
    }
    char *abs = fs_url_resolve(base, ref);
    if (!abs) {
        fprintf(stderr, "fuzz: fs_url_resolve returned NULL\n");
        abort();
    }
    char *origin = NULL, *path = NULL;
    if (fs_url_origin_path(abs, &origin, &path) == FS_OK) {
        if (!origin || !path) {
            fprintf(stderr, "fuzz: fs_url_origin_path OK without parts\n");
            abort();
        }
    }
    free(origin);
    free(path);
    free(fs_url_host(abs));
    free(abs);
    free(s);
    return 0;
}
