/* test_util.c — strbuf, the arena, UTF-8 repair, time formatting and URL
 * resolution. */
#include "tap.h"
#include "util.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

static void test_strbuf(void)
{
    struct strbuf sb = STRBUF_INIT;
    is_str(sb.buf, "", "fresh strbuf is the empty string");
    for (int i = 0; i < 1000; i++)
        strbuf_addf(&sb, "%d,", i);
    ok(sb.len == strlen(sb.buf), "len tracks the string");
    strbuf_reset(&sb);
    strbuf_addstr(&sb, "  a \n\n  b\t c  ");
    strbuf_squeeze_spaces(&sb);
    strbuf_trim(&sb);
    is_str(sb.buf, "a\nb c", "squeeze keeps one newline, one space");
    size_t len;
    char *d = strbuf_detach(&sb, &len);
    is_int(len, 5, "detach returns the length");
    is_str(sb.buf, "", "detached strbuf is empty again");
    free(d);
    strbuf_release(&sb);
}

/* Blocks stay where they were put, aligned, through small and big
 * allocations (ASan and valgrind see any overlap or leak); release empties
 * the arena for reuse. */
static void test_arena(void)
{
    struct fs_arena a = {.chunk = 256};
    char *first = fs_arena_strdup(&a, "first");
    char *kept[300];
    int aligned = 1, intact = 1;
    for (int i = 0; i < 300; i++) {
        char s[16];
        snprintf(s, sizeof(s), "s%d", i);
        kept[i] = fs_arena_strdup(&a, s);
        if (i % 50 == 0) /* a block bigger than a quarter of a chunk */
            memset(fs_arena_alloc(&a, 1000), 'x', 1000);
        void *p = fs_arena_alloc(&a, 3);
        aligned &= (uintptr_t)p % alignof(max_align_t) == 0;
    }
    for (int i = 0; i < 300; i++) {
        char s[16];
        snprintf(s, sizeof(s), "s%d", i);
        intact &= strcmp(kept[i], s) == 0;
    }
    ok(intact && strcmp(first, "first") == 0,
       "arena: 300 strings across chunks and big blocks stay intact");
    ok(aligned, "arena: every block aligned for any type");
    ok(fs_arena_strdup(&a, NULL) == NULL, "arena: NULL copies as NULL");
    fs_arena_release(&a);
    ok(a.chunks == NULL, "arena: release empties it");
    is_str(fs_arena_strdup(&a, "again"), "again", "arena: usable after "
           "release");
    fs_arena_release(&a);
}

static void test_utf8(void)
{
    struct strbuf sb = STRBUF_INIT;
    const char bad[] = "a\xff" "b\0c\xc3\xa9\xe2\x82";
    fs_utf8_sanitize(&sb, bad, sizeof(bad) - 1);
    is_str(sb.buf, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD",
           "invalid bytes and NUL become U+FFFD");
    ok(fs_utf8_valid(sb.buf, sb.len), "sanitized text is valid UTF-8");
    ok(!fs_utf8_valid("\xed\xa0\x80", 3), "surrogates are invalid");
    ok(!fs_utf8_valid("\xc0\xaf", 2), "overlong forms are invalid");
    strbuf_release(&sb);
}

static void test_time(void)
{
    char buf[32];
    fs_time_rfc3339(0, buf);
    is_str(buf, "1970-01-01T00:00:00Z", "epoch");
    fs_time_rfc3339(1745143200, buf);
    is_str(buf, "2025-04-20T10:00:00Z", "2025 date");
    fs_time_rfc3339(951782400, buf);
    is_str(buf, "2000-02-29T00:00:00Z", "leap day");
    int64_t t;
    ok(fs_time_parse_when("2d", 1000000, &t, NULL) == FS_OK &&
           t == 1000000 - 2 * 86400, "2d is two days back");
    ok(fs_time_parse_when("2025-04-20", 0, &t, NULL) == FS_OK &&
           t == 1745107200, "plain date is midnight UTC");
    ok(fs_time_parse_when("2025-04-20T10:00:00Z", 0, &t, NULL) == FS_OK &&
           t == 1745143200, "RFC 3339 date-time");
    fs_error err = {0};
    ok(fs_time_parse_when("yesterday", 0, &t, &err) == FS_EINVAL &&
           strstr(err.msg, "yesterday"), "bad value is named in the error");
}

static void test_url(void)
{
    char *u = fs_url_resolve("http://example.com/a/b/feed.xml", "../c?x=1");
    is_str(u, "http://example.com/a/c?x=1", "relative path");
    free(u);
    u = fs_url_resolve("http://example.com/a/", "//other.org/x");
    is_str(u, "http://other.org/x", "scheme-relative");
    free(u);
    u = fs_url_resolve(NULL, " /rel ");
    is_str(u, "/rel", "no base keeps the reference, trimmed");
    free(u);
    u = fs_url_resolve("http://example.com/", "https://abs.example/x");
    is_str(u, "https://abs.example/x", "absolute stays");
    free(u);
    char *h = fs_url_host("http://Example.COM:8080/x");
    ok(h && fs_strcaseeq(h, "example.com"), "host");
    free(h);
}

int main(void)
{
    test_strbuf();
    test_arena();
    test_utf8();
    test_time();
    test_url();
    return tap_done();
}
