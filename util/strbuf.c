/*
 * strbuf.c — growable string buffer (after git's strbuf).
 *
 * Invariant: sb->buf is always a valid NUL-terminated string, even for a
 * fresh STRBUF_INIT buffer (it points at the shared empty strbuf_slopbuf
 * until the first allocation), and sb->buf[sb->len] == '\0'.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
    sb->buf = strbuf_slopbuf;
    sb->len = sb->alloc = 0;
    if (hint)
        strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
    if (sb->alloc)
        free(sb->buf);
    strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
    if (!sb->alloc)
        strbuf_grow(sb, 0);
    char *r = sb->buf;
    if (len)
        *len = sb->len;
    strbuf_init(sb, 0);
    return r;
}

void strbuf_reset(struct strbuf *sb)
{
    strbuf_setlen(sb, 0);
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->len)
        fs_oom();
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return;
    size_t n = sb->alloc ? sb->alloc : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            fs_oom();
        n *= 2;
    }
    if (!sb->alloc) {
        sb->buf = fs_malloc(n);
        sb->buf[0] = '\0';
    } else {
        sb->buf = fs_realloc(sb->buf, n);
    }
    sb->alloc = n;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
    if (!sb->alloc && !len)
        return; /* slopbuf is already "" */
    if (len >= sb->alloc) {
        /* A caller's bug: it wrote past what strbuf_grow() made room for. */
        fprintf(stderr, "strbuf_setlen(%zu) past the allocation (%zu)\n",
                len, sb->alloc);
        abort();
    }
    sb->len = len;
    sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    strbuf_grow(sb, len);
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
    if (s)
        strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
    strbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char probe[1];
    int n = vsnprintf(probe, sizeof(probe), fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

void strbuf_trim(struct strbuf *sb)
{
    if (!sb->alloc)
        return;
    size_t b = 0, e = sb->len;
    while (b < e && is_space((unsigned char)sb->buf[b]))
        b++;
    while (e > b && is_space((unsigned char)sb->buf[e - 1]))
        e--;
    memmove(sb->buf, sb->buf + b, e - b);
    sb->len = e - b;
    sb->buf[sb->len] = '\0';
}

void strbuf_squeeze_spaces(struct strbuf *sb)
{
    if (!sb->alloc)
        return;
    size_t w = 0;
    int pending = 0; /* 0 none, 1 space, 2 newline */
    for (size_t r = 0; r < sb->len; r++) {
        unsigned char c = (unsigned char)sb->buf[r];
        if (is_space(c)) {
            if (c == '\n')
                pending = 2;
            else if (!pending)
                pending = 1;
            continue;
        }
        if (pending && w > 0)
            sb->buf[w++] = pending == 2 ? '\n' : ' ';
        pending = 0;
        sb->buf[w++] = (char)c;
    }
    sb->len = w;
    sb->buf[w] = '\0';
}
