/*
 * extract.c — article_extract(): HTML page bytes to main text + metadata.
 *
 * Decoding: a BOM wins, then <meta charset> / http-equiv Content-Type in
 * the first bytes, else UTF-8.  UTF-8 input is repaired (invalid bytes to
 * U+FFFD) before libxml2 sees it, because libxml2 2.9 silently switches
 * a document to Latin-1 at the first invalid byte.  libxml2 runs with
 * HTML_PARSE_NONET (no fetches) in recover mode; its depth limit (256)
 * bounds the tree, and our own walks are iterative anyway.  No
 * HTML_PARSE_NOBLANKS: the blank text between two inline elements
 * ("<b>rare</b> <i>earth</i>") is the space between two words.
 *
 * Invariant: on return every string in *out is NULL or valid UTF-8.
 */
#include "extract_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHARSET_SNIFF_BYTES 4096

/* Copy the charset name starting at p (after "charset=") into out. */
static void read_charset(const char *p, const char *end, char *out,
                         size_t size)
{
    while (p < end && (*p == '"' || *p == '\'' || isspace((unsigned char)*p)))
        p++;
    size_t w = 0;
    while (p < end && w + 1 < size &&
           (isalnum((unsigned char)*p) || *p == '-' || *p == '_' ||
            *p == '.' || *p == ':'))
        out[w++] = *p++;
    out[w] = '\0';
}

/* The charset declared by a <meta> among the first bytes, or "". */
static void sniff_charset(const char *html, size_t len, char *out,
                          size_t size)
{
    size_t n = len < CHARSET_SNIFF_BYTES ? len : CHARSET_SNIFF_BYTES;
    const char *end = html + n;
    out[0] = '\0';
    for (const char *p = html; p + 5 < end; p++) {
        if (*p != '<' || strncasecmp(p + 1, "meta", 4) != 0)
            continue;
        const char *tag_end = memchr(p, '>', (size_t)(end - p));
        if (!tag_end)
            return;
        for (const char *q = p; q + 8 <= tag_end; q++) {
            if (strncasecmp(q, "charset", 7) != 0)
                continue;
            q += 7;
            while (q < tag_end && isspace((unsigned char)*q))
                q++;
            if (q < tag_end && *q == '=') {
                read_charset(q + 1, tag_end, out, size);
                if (*out)
                    return;
            }
        }
        p = tag_end;
    }
}

static int is_utf8_name(const char *cs)
{
    return !*cs || fs_strcaseeq(cs, "utf-8") || fs_strcaseeq(cs, "utf8") ||
           /* pages served as UTF-8 often say so wrongly; and libxml2
            * cannot read UTF-16 claims on 8-bit bytes */
           fs_strcaseeq(cs, "unicode") || fs_startswith(cs, "utf-16") ||
           fs_startswith(cs, "UTF-16");
}

htmlDocPtr extract_parse_html(const char *html, size_t len)
{
    const int opts = HTML_PARSE_RECOVER | HTML_PARSE_NONET |
                     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                     HTML_PARSE_COMPACT;
    char charset[64];
    const char *encoding = NULL;

    if (len >= 3 && memcmp(html, "\xEF\xBB\xBF", 3) == 0) {
        html += 3;
        len -= 3;
        charset[0] = '\0';
    } else if (len >= 2 && (memcmp(html, "\xFF\xFE", 2) == 0 ||
                            memcmp(html, "\xFE\xFF", 2) == 0)) {
        encoding = html[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE";
        if (len - 2 > INT_MAX)
            return NULL;
        return htmlReadMemory(html + 2, (int)(len - 2), NULL, encoding,
                              opts);
    } else {
        sniff_charset(html, len, charset, sizeof(charset));
    }

    htmlDocPtr doc = NULL;
    if (!is_utf8_name(charset) && len <= INT_MAX) {
        doc = htmlReadMemory(html, (int)len, NULL, charset, opts);
        if (doc)
            return doc;
        /* unknown charset name: fall through to UTF-8 */
    }
    if (feed_utf8_span(html, len, 0) == len) /* nothing to repair */
        return len <= INT_MAX
                   ? htmlReadMemory(html, (int)len, NULL, "UTF-8", opts)
                   : NULL;
    struct strbuf clean = STRBUF_INIT;
    feed_utf8_append(&clean, html, len);
    if (clean.len <= INT_MAX)
        doc = htmlReadMemory(clean.buf, (int)clean.len, NULL, "UTF-8", opts);
    strbuf_release(&clean);
    return doc;
}

/* Looks like text at all?  Binary data (many NULs or control bytes in
 * the first KiB) is not an HTML document. */
static int looks_binary(const char *data, size_t len)
{
    size_t n = len < 1024 ? len : 1024, bad = 0;
    if (len >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 ||
                     memcmp(data, "\xFE\xFF", 2) == 0))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
                       c != '\f'))
            bad++;
    }
    return bad * 10 > n;
}

fs_code article_extract(const char *html, size_t len, const char *base_url,
                        struct article *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    out->published = FS_TIME_NONE;
    size_t blank = 0;
    while (html && blank < len && isspace((unsigned char)html[blank]))
        blank++;
    if (!html || blank == len) {
        out->text = fs_strdup("");
        return FS_OK; /* an empty page is an empty article */
    }
    if (looks_binary(html, len)) {
        out->text = fs_strdup("");
        return fs_error_set(err, FS_EPARSE, "not an HTML document "
                            "(binary data)");
    }
    htmlDocPtr doc = extract_parse_html(html, len);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        out->text = fs_strdup("");
        return fs_error_set(err, FS_EPARSE, "not an HTML document");
    }
    article_meta_extract(doc, base_url, out);

    struct strbuf text = STRBUF_INIT;
    char *body_byline = NULL;
    article_content_extract(doc, out->title, &text, &body_byline);
    out->text = strbuf_detach(&text, NULL);
    if (!out->byline && body_byline) {
        char *b = body_byline;
        if (strncasecmp(b, "by ", 3) == 0)
            b += 3;
        out->byline = text_clean(b);
    }
    free(body_byline);
    xmlFreeDoc(doc); /* article_content_extract() has cut it up */
    return FS_OK;
}

void article_release(struct article *a)
{
    if (!a)
        return;
    free(a->text);
    free(a->title);
    free(a->byline);
    free(a->published_raw);
    free(a->canonical_url);
    free(a->site_name);
    free(a->language);
    memset(a, 0, sizeof(*a));
    a->published = FS_TIME_NONE;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *article_to_json(const struct article *a)
{
    json_t *o = json_object();
    if (!o)
        fs_oom();
    char when[32];
    fs_time_rfc3339(a->published, when);
    json_object_set_new(o, "title", str_or_null(a->title));
    json_object_set_new(o, "byline", str_or_null(a->byline));
    json_object_set_new(o, "published",
                        a->published == FS_TIME_NONE ? json_null()
                                                     : json_string(when));
    json_object_set_new(o, "published_raw", str_or_null(a->published_raw));
    json_object_set_new(o, "canonical_url", str_or_null(a->canonical_url));
    json_object_set_new(o, "site_name", str_or_null(a->site_name));
    json_object_set_new(o, "language", str_or_null(a->language));
    json_object_set_new(o, "text", str_or_null(a->text ? a->text : ""));
    return o;
}
