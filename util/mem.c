/*
 * mem.c — allocation wrappers that never return NULL.
 *
 * Out of memory is not recoverable for a crawler run in any useful way, so
 * it aborts with a message instead of threading ENOMEM through every path.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fs_oom(void)
{
    fputs("feedsift: out of memory\n", stderr);
    abort();
}

void *fs_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fs_oom();
    return p;
}

void *fs_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fs_oom();
    return p;
}

void *fs_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        fs_oom();
    return q;
}

char *fs_strdup(const char *s)
{
    return s ? fs_strndup(s, strlen(s)) : NULL;
}

char *fs_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = fs_malloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *fs_asprintf(const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    return strbuf_detach(&sb, NULL);
}

void fs_grow(void **array, size_t elsize, size_t need, size_t *alloc)
{
    if (need <= *alloc)
        return;
    size_t n = *alloc ? *alloc : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elsize)
            fs_oom();
        n *= 2;
    }
    *array = fs_realloc(*array, n * elsize);
    *alloc = n;
}

void fs_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}
