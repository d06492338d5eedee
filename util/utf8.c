/*
 * utf8.c — UTF-8 validation and repair, ASCII string helpers.
 *
 * Everything feedsift stores or prints passes fs_utf8_sanitize() somewhere
 * on its way in, so downstream code (JSON output, SQLite, PCRE2 with
 * PCRE2_UTF) may assume valid UTF-8 without NULs.
 */
#include "util.h"

#include <ctype.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int fs_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t l = utf8_seq(p + i, len - i);
        if (!l || p[i] == 0)
            return 0;
        i += l;
    }
    return 1;
}

void fs_utf8_sanitize(struct strbuf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    strbuf_grow(out, len);
    while (i < len) {
        size_t l = utf8_seq(p + i, len - i);
        if (l == 1 && p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
            p[i] != '\r') {
            if (p[i] == 0)
                strbuf_addstr(out, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        if (!l) {
            strbuf_addstr(out, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        strbuf_add(out, p + i, l);
        i += l;
    }
}

int fs_strcaseeq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *b) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        a++;
        b++;
    }
    return *a == *b;
}

int fs_startswith(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}
