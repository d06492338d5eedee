/*
 * feed_cdata.c — feed_cdata_rewrite(): the document text handed to the
 * push parser, with every run of character data that holds references
 * (&lt;p&gt;, &amp;, &#8212;) turned into one CDATA section holding the
 * characters themselves.
 *
 * Why: most bytes of real feeds are escaped HTML (RSS description, Atom
 * type="html").  libxml2 2.9 reads such text slowly: every reference is a
 * separate call into the tree builder, and after the first non-ASCII byte
 * the rest of a run is decoded a character at a time.  The push parser
 * reads a CDATA section as one block (one search for "]]>", one UTF-8
 * check, one node), so the rewritten document parses in about a third of
 * the time of the original, and gives the same tree: the feed code reads
 * text and CDATA nodes alike (feed_node_text, feed_text_construct), and
 * the characters are exactly those the references stood for.
 *
 * Invariants (what keeps the tree the same):
 *   - only runs between a start tag and the matching end tag (depth > 0)
 *     that contain a '&' are rewritten; attribute values, comments, PIs,
 *     existing CDATA sections and runs without references are copied;
 *   - a run is rewritten only when every reference in it is one libxml2
 *     substitutes by itself: the five predefined entities and character
 *     references ("&#123;", "&#x7b;", at most 8 digits) to characters XML
 *     allows; references to other entities, "&#X..", or anything else
 *     leave the whole run as it was;
 *   - no run is rewritten whose characters would hold "]]>" (it would end
 *     the section), a line feed or carriage return from a reference (line
 *     numbers, used in error messages, and line-end normalisation must
 *     stay), or more than FEED_CDATA_MAX_RUN bytes (libxml2's text size
 *     limit must keep applying as before);
 *   - a document with a DOCTYPE (whose entities could mean anything) or
 *     any other "<!" markup is not rewritten at all.
 * Well-formed documents are rewritten exactly; for broken ones the caller
 * (feed.c) throws the push parse away and parses the original text with
 * the pull parser, so nothing here has to be right for them.
 */
#include "feed_internal.h"

#include <string.h>

/* A rewritten run's size limit: far below libxml2's 10 MB text limit, so
 * anything near it is left to libxml2's own checks. */
#define FEED_CDATA_MAX_RUN (1u << 20)

static const struct {
    const char *name; /* "lt;" */
    size_t len;
    char c;
} cdata_predefined[] = {
    {"lt;", 3, '<'},   {"gt;", 3, '>'},    {"amp;", 4, '&'},
    {"quot;", 5, '"'}, {"apos;", 5, '\''},
};

/* Characters XML 1.0 allows (2.2 Char), less LF and CR (see above). */
static int cdata_char_ok(unsigned long cp)
{
    if (cp < 0x20)
        return cp == 0x9;
    return (cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

static void cdata_add_utf8(struct strbuf *out, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    strbuf_add(out, b, n);
}

/* The reference at s[0] == '&' (n bytes available) appended to out as
 * its character; bytes consumed, 0 when it is not one we rewrite. */
static size_t cdata_reference(const char *s, size_t n, struct strbuf *out)
{
    if (n >= 2 && s[1] != '#') {
        for (size_t k = 0; k < 5; k++) {
            size_t l = cdata_predefined[k].len;
            /* first letters differ but for amp / apos: test it first */
            if (s[1] == cdata_predefined[k].name[0] && n >= 1 + l &&
                !memcmp(s + 1, cdata_predefined[k].name, l)) {
                strbuf_addch(out, cdata_predefined[k].c);
                return 1 + l;
            }
        }
        return 0;
    }
    /* "&#" digits ";" or "&#x" hex digits ";" (libxml2 takes no "&#X") */
    size_t i = 2;
    int hex = i < n && s[i] == 'x';
    if (hex)
        i++;
    size_t d = i;
    unsigned long cp = 0;
    for (; i < n && i - d < 9; i++) {
        char c = s[i];
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            v = (unsigned)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            v = (unsigned)(c - 'A' + 10);
        else
            break;
        cp = cp * (hex ? 16 : 10) + v;
    }
    if (i == d || i - d > 8 || i >= n || s[i] != ';' || !cdata_char_ok(cp))
        return 0;
    cdata_add_utf8(out, cp);
    return i + 1;
}

/* First term (2 or 3 bytes) in s[0..n), or NULL.  memchr for its first
 * byte, which is rare inside what is skipped (CDATA sections are most of
 * an RSS feed's bytes), is much faster here than memmem. */
static const char *cdata_find(const char *s, size_t n, const char *term,
                              size_t tl)
{
    const char *end = s + n;
    while ((s = memchr(s, term[0], (size_t)(end - s)))) {
        if ((size_t)(end - s) < tl)
            return NULL;
        if (!memcmp(s, term, tl))
            return s;
        s++;
    }
    return NULL;
}

/* Append run s[0..n) to out as a CDATA section; 0 (out unchanged) when
 * the run must stay as it is. */
static int cdata_run(const char *s, size_t n, struct strbuf *out)
{
    if (n > FEED_CDATA_MAX_RUN)
        return 0;
    size_t start = out->len;
    strbuf_add(out, "<![CDATA[", 9);
    size_t k = 0;
    while (k < n) {
        const char *amp = memchr(s + k, '&', n - k);
        size_t m = amp ? (size_t)(amp - (s + k)) : n - k;
        strbuf_add(out, s + k, m);
        k += m;
        if (!amp)
            break;
        size_t used = cdata_reference(s + k, n - k, out);
        if (!used) {
            strbuf_setlen(out, start);
            return 0;
        }
        k += used;
    }
    const char *body = out->buf + start + 9;
    size_t body_len = out->len - start - 9;
    if (cdata_find(body, body_len, "]]>", 3)) {
        strbuf_setlen(out, start);
        return 0;
    }
    strbuf_add(out, "]]>", 3);
    return 1;
}

/* End of the markup starting at s[i] (index after it), 0 when it is not
 * closed (the rest is copied as it is). */
static size_t cdata_skip(const char *s, size_t len, size_t i,
                         const char *term, size_t skip)
{
    size_t tl = strlen(term);
    if (len - i < skip)
        return 0;
    const char *e = cdata_find(s + i + skip, len - i - skip, term, tl);
    return e ? (size_t)(e - s) + tl : 0;
}

int feed_cdata_rewrite(const char *text, size_t len, struct strbuf *out)
{
    size_t i = 0, copied = 0;
    long depth = 0;
    int changed = 0;
    strbuf_reset(out);
    strbuf_grow(out, len + len / 16 + 64); /* references shrink, CDATA grows */
    while (i < len) {
        const char *lt = memchr(text + i, '<', len - i);
        size_t run_end = lt ? (size_t)(lt - text) : len;
        if (depth > 0 && run_end > i &&
            memchr(text + i, '&', run_end - i)) {
            size_t mark = out->len;
            strbuf_add(out, text + copied, i - copied);
            if (cdata_run(text + i, run_end - i, out)) {
                copied = run_end;
                changed = 1;
            } else {
                strbuf_setlen(out, mark); /* copied later, with the rest */
            }
        }
        if (!lt)
            break;
        i = run_end;
        const char *p = text + i;
        size_t left = len - i, next;
        if (left >= 4 && !memcmp(p, "<!--", 4)) {
            next = cdata_skip(text, len, i, "-->", 4);
        } else if (left >= 9 && !memcmp(p, "<![CDATA[", 9)) {
            next = cdata_skip(text, len, i, "]]>", 9);
        } else if (left >= 2 && p[1] == '?') {
            next = cdata_skip(text, len, i, "?>", 2);
        } else if (left >= 2 && p[1] == '!') {
            strbuf_reset(out); /* DOCTYPE or worse: leave it all alone */
            return 0;
        } else if (left >= 2 && p[1] == '/') {
            const char *gt = memchr(p, '>', left);
            next = gt ? (size_t)(gt - text) + 1 : 0;
            depth--;
        } else {
            /* a start tag: up to its '>', quoted values skipped whole */
            size_t j = i + 1;
            while (j < len && text[j] != '>') {
                if (text[j] == '"' || text[j] == '\'') {
                    const char *q = memchr(text + j + 1, text[j], len - j - 1);
                    if (!q)
                        break;
                    j = (size_t)(q - text);
                }
                j++;
            }
            if (j < len && text[j] == '>') {
                next = j + 1;
                if (text[j - 1] != '/')
                    depth++;
            } else {
                next = 0;
            }
        }
        if (!next)
            break; /* unclosed markup: the rest as it is */
        i = next;
    }
    if (!changed) {
        strbuf_reset(out);
        return 0;
    }
    strbuf_add(out, text + copied, len - copied);
    return 1;
}
