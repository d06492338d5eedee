/*
 * file.c — read a whole file (or stdin) into a strbuf, with a size cap;
 * where feedsift's caches live (fs_cache_dir).
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fs_code fs_read_file(const char *path, struct strbuf *sb, size_t max,
                     fs_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));
    char chunk[65536];
    size_t n;
    fs_code rc = FS_OK;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (max && sb->len + n > max) {
            rc = fs_error_set(err, FS_ELIMIT, "%s: larger than %zu bytes",
                              path, max);
            break;
        }
        strbuf_add(sb, chunk, n);
    }
    if (rc == FS_OK && ferror(f))
        rc = fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));
    if (!is_stdin)
        fclose(f);
    return rc;
}

char *fs_cache_dir(void)
{
    const char *own = getenv("FEEDSIFT_CACHE_DIR");
    if (own)
        return *own ? fs_strdup(own) : NULL; /* "": caching is off */
    /* XDG: a relative $XDG_CACHE_HOME is invalid and must be ignored */
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/')
        return fs_asprintf("%s/feedsift", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return fs_asprintf("%s/.cache/feedsift", home);
    return NULL;
}
