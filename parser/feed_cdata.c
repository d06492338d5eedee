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
 *
 * Eliding content (elide, the crawl's FEED_PARSE_CONTENT_IF_NO_SUMMARY):
 * the crawl reads an item's content only when the item has no summary,
 * and the content is most of a feed's bytes, so the body of a content
 * element that has a summary element beside it is not handed to libxml2
 * at all: it becomes the processing instruction <?feedsift-elided?>
 * (feed.c's SAX handler marks the element instead of making a node) and
 * as many line feeds as the body held.  Why the tree is otherwise the
 * same, errors and line numbers included:
 *   - only a body that libxml2 reads without a word is elided: character
 *     data and CDATA sections (and inline XHTML of a strict subset, see
 *     cdata_subset_tag), valid UTF-8 of XML characters, no "]]>" outside
 *     CDATA, every reference one cdata_reference takes, at most
 *     FEED_CDATA_MAX_RUN bytes, and then the matching end tag;
 *   - a body before its summary is written as usual and cut out when the
 *     parent closes (cdata_settle); one shorter than the PI stays;
 *   - libxml2 counts lines by the line feeds, and they all stay;
 *   - which elements are elided is guessed from raw names (local name
 *     "content" or "encoded" beside "summary" or "description", any
 *     prefix); the walk checks the guess on the tree, where namespaces
 *     are known: every marked element must be a child of an item that
 *     got a summary (so the content was never going to be read), else
 *     feed.c parses again without eliding;
 *   - a document that already holds such a processing instruction is
 *     rewritten without eliding.
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

/* The reference at s[0] == '&' (n bytes available) appended to out (when
 * not NULL) as its character; bytes consumed, 0 when it is not one we
 * rewrite. */
static size_t cdata_reference(const char *s, size_t n, struct strbuf *out)
{
    if (n >= 2 && s[1] != '#') {
        for (size_t k = 0; k < 5; k++) {
            size_t l = cdata_predefined[k].len;
            /* first letters differ but for amp / apos: test it first */
            if (s[1] == cdata_predefined[k].name[0] && n >= 1 + l &&
                !memcmp(s + 1, cdata_predefined[k].name, l)) {
                if (out)
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
    if (out)
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

/* ---- eliding content bodies ------------------------------------------ */

/* Open elements whose children are tracked for eliding: an item sits at
 * depth 2 (Atom) or 3 (RSS); deeper ones are simply not looked at. */
#define FEED_CDATA_ELIDE_DEPTH 16

#define FEED_CDATA_PI "<?" FEED_CDATA_ELIDED_PI "?>"

/* A content body that may be elided once its parent closes. */
struct cdata_candidate {
    long depth;               /* depth of its parent's children */
    size_t out_start, out_end; /* the body as written to out */
    size_t lines;             /* line feeds in the body */
};

struct cdata_scan {
    struct strbuf *out;
    int elide;
    /* summary[d]: the element open at depth d has a child named like a
     * summary (d < FEED_CDATA_ELIDE_DEPTH) */
    unsigned char summary[FEED_CDATA_ELIDE_DEPTH];
    struct cdata_candidate *cand; /* a stack: innermost parents last */
    size_t n_cand, cap_cand;
    size_t n_elided;
    int marker_seen; /* the document has a <?feedsift-elided PI itself */
};

/* s[0..n) is UTF-8 of XML characters (2.2 Char): what libxml2 reads in
 * character data and CDATA without complaint.  feed_utf8_span takes the
 * UTF-8 and the C0 rule; U+FFFE and U+FFFF are left. */
static int cdata_chars_clean(const char *s, size_t n)
{
    if (feed_utf8_span(s, n, 0) != n)
        return 0;
    const char *end = s + n;
    for (const char *p = memchr(s, 0xEF, n); p;
         p = memchr(p + 1, 0xEF, (size_t)(end - p - 1))) {
        if (end - p >= 3 && (unsigned char)p[1] == 0xBF &&
            ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF))
            return 0;
    }
    return 1;
}

/* Character data s[0..n) (no '<') that libxml2 reads without a word,
 * whether it stays text or cdata_run makes it CDATA: clean characters,
 * no "]]>", and only references cdata_reference takes. */
static int cdata_text_clean(const char *s, size_t n)
{
    if (!cdata_chars_clean(s, n) || cdata_find(s, n, "]]>", 3))
        return 0;
    const char *end = s + n;
    for (const char *a = memchr(s, '&', n); a;
         a = memchr(a, '&', (size_t)(end - a))) {
        size_t used = cdata_reference(a, (size_t)(end - a), NULL);
        if (!used)
            return 0;
        a += used;
    }
    return 1;
}

/* Inline XHTML in a body (Atom type="xhtml" content) is elided only in
 * a small subset that libxml2 reads without a word whatever the rest of
 * the document: names of ASCII letters, digits and "._-" (no prefixes),
 * quoted attribute values of clean characters and references, no
 * attribute twice, xmlns only as the XHTML namespace, no line break
 * inside a tag (libxml2 counts lines there too), no comments or PIs. */
#define FEED_CDATA_BODY_DEPTH 32
#define FEED_CDATA_BODY_ATTRS 16
#define FEED_CDATA_NAME_MAX 64

static int cdata_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int cdata_name_char(char c)
{
    return cdata_name_start(c) || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

/* Length of the subset name at s[0..n), 0 when there is none. */
static size_t cdata_name(const char *s, size_t n)
{
    if (!n || !cdata_name_start(s[0]))
        return 0;
    size_t k = 1;
    while (k < n && k <= FEED_CDATA_NAME_MAX && cdata_name_char(s[k]))
        k++;
    return k > FEED_CDATA_NAME_MAX ? 0 : k;
}

static int cdata_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A start tag of the subset at text[k] == '<' (k + 1 < len): sets *next
 * past its '>', *name / *nl and *empty ("/>"); 0 when outside it. */
static int cdata_subset_tag(const char *text, size_t len, size_t k,
                            size_t *next, size_t *name, size_t *nl,
                            int *empty)
{
    static const char xhtml[] = "http://www.w3.org/1999/xhtml";
    size_t j = k + 1, an[FEED_CDATA_BODY_ATTRS], al[FEED_CDATA_BODY_ATTRS];
    size_t n_attr = 0;
    *name = j;
    if (!(*nl = cdata_name(text + j, len - j)))
        return 0;
    j += *nl;
    for (;;) {
        size_t sp = j;
        while (j < len && cdata_blank(text[j]))
            j++;
        if (j >= len)
            return 0;
        if (text[j] == '>' || (text[j] == '/' && j + 1 < len &&
                               text[j + 1] == '>')) {
            *empty = text[j] == '/';
            *next = j + 1 + (size_t)*empty;
            return 1;
        }
        size_t l = cdata_name(text + j, len - j);
        if (j == sp || !l || n_attr == FEED_CDATA_BODY_ATTRS)
            return 0;
        for (size_t a = 0; a < n_attr; a++)
            if (al[a] == l && !memcmp(text + an[a], text + j, l))
                return 0; /* an attribute twice */
        an[n_attr] = j;
        al[n_attr++] = l;
        size_t aname = j;
        j += l;
        while (j < len && cdata_blank(text[j]))
            j++;
        if (j >= len || text[j] != '=')
            return 0;
        j++;
        while (j < len && cdata_blank(text[j]))
            j++;
        if (j >= len || (text[j] != '"' && text[j] != '\''))
            return 0;
        const char *q = memchr(text + j + 1, text[j], len - j - 1);
        if (!q)
            return 0;
        const char *v = text + j + 1;
        size_t vl = (size_t)(q - v);
        if (memchr(v, '<', vl) || memchr(v, '>', vl) || memchr(v, '\n', vl) ||
            memchr(v, '\r', vl) || !cdata_text_clean(v, vl))
            return 0;
        if (l == 5 && !memcmp(text + aname, "xmlns", 5) &&
            (vl != sizeof(xhtml) - 1 || memcmp(v, xhtml, vl)))
            return 0;
        j = (size_t)(q - text) + 1;
    }
}

/* The body starting at text[start] (just after a start tag named
 * name[0..nl)) when libxml2 reads it without a word (clean character
 * data, CDATA sections, inline XHTML of the subset above) and it ends
 * with the matching end tag "</name>": sets *end (the '<' of the end
 * tag) and *lines (its line feeds), returns 1; else 0. */
static int cdata_body(const char *text, size_t len, size_t start,
                      const char *name, size_t nl, size_t *end,
                      size_t *lines)
{
    size_t k = start, open[FEED_CDATA_BODY_DEPTH][2], depth = 0;
    for (;;) {
        const char *lt = memchr(text + k, '<', len - k);
        if (!lt)
            return 0;
        size_t r = (size_t)(lt - text);
        if (r - start > FEED_CDATA_MAX_RUN ||
            (r > k && !cdata_text_clean(text + k, r - k)) || len - r < 2)
            return 0;
        k = r;
        if (len - k >= 9 && !memcmp(text + k, "<![CDATA[", 9)) {
            const char *e = cdata_find(text + k + 9, len - k - 9, "]]>", 3);
            if (!e ||
                !cdata_chars_clean(text + k + 9, (size_t)(e - text) - k - 9))
                return 0;
            k = (size_t)(e - text) + 3;
        } else if (text[k + 1] == '/' && depth) {
            /* "</" name S? ">" closing the innermost open element */
            size_t l = open[depth - 1][1], j = k + 2 + l;
            if (len - k - 2 < l || memcmp(text + k + 2, text + open[depth - 1][0], l))
                return 0;
            while (j < len && cdata_blank(text[j]))
                j++;
            if (j >= len || text[j] != '>')
                return 0;
            depth--;
            k = j + 1;
        } else if (text[k + 1] == '/') {
            break; /* the body's own end tag, checked below */
        } else {
            size_t next, tn, tl;
            int empty;
            if (!cdata_subset_tag(text, len, k, &next, &tn, &tl, &empty))
                return 0;
            if (!empty) {
                if (depth == FEED_CDATA_BODY_DEPTH)
                    return 0;
                open[depth][0] = tn;
                open[depth++][1] = tl;
            }
            k = next;
        }
    }
    if (k - start > FEED_CDATA_MAX_RUN || len - k < nl + 3 ||
        memcmp(text + k + 2, name, nl))
        return 0;
    size_t j = k + 2 + nl;
    while (j < len && feed_xml_space(text[j]))
        j++;
    if (j >= len || text[j] != '>')
        return 0;
    size_t n = 0;
    for (const char *p = memchr(text + start, '\n', k - start); p;
         p = memchr(p + 1, '\n', (size_t)(text + k - p - 1)))
        n++;
    *end = k;
    *lines = n;
    return 1;
}

/* Append the body text[start..end) (checked by cdata_body) to out as the
 * main loop would: runs with references through cdata_run, CDATA
 * sections and tags as they are.  Sets *changed when a run was rewritten. */
static void cdata_emit(const char *text, size_t start, size_t end,
                       struct strbuf *out, int *changed)
{
    size_t k = start;
    while (k < end) {
        const char *lt = memchr(text + k, '<', end - k);
        size_t r = lt ? (size_t)(lt - text) : end;
        if (r > k) {
            if (memchr(text + k, '&', r - k) && cdata_run(text + k, r - k, out))
                *changed = 1;
            else
                strbuf_add(out, text + k, r - k);
        }
        if (!lt)
            break;
        /* a CDATA section or a tag (no '>' in its values: cdata_body) */
        const char *e = end - r >= 9 && !memcmp(text + r, "<![CDATA[", 9)
                            ? cdata_find(text + r + 9, end - r - 9, "]]>", 3) + 2
                            : memchr(text + r, '>', end - r);
        size_t ce = (size_t)(e - text) + 1; /* there is one: cdata_body */
        strbuf_add(out, text + r, ce - r);
        k = ce;
    }
}

struct cdata_word {
    const char *s;
    size_t n;
};

static const struct cdata_word cdata_summary_names[] = {
    {"summary", 7}, {"description", 11}, {NULL, 0}};
static const struct cdata_word cdata_content_names[] = {
    {"content", 7}, {"encoded", 7}, {NULL, 0}};

/* Local part of a raw element name is one of the words in list (called
 * for every start tag: lengths first). */
static int cdata_local_is(const char *name, size_t nl,
                          const struct cdata_word *list)
{
    const char *colon = memchr(name, ':', nl);
    if (colon) {
        nl -= (size_t)(colon + 1 - name);
        name = colon + 1;
    }
    for (; list->s; list++)
        if (list->n == nl && !memcmp(name, list->s, nl))
            return 1;
    return 0;
}

/* The element whose children sit at depth closes: elide its candidates
 * if one of those children was a summary; forget deeper ones (left open
 * in a broken document). */
static void cdata_settle(struct cdata_scan *sc, long depth)
{
    static const size_t pi_len = sizeof(FEED_CDATA_PI) - 1;
    while (sc->n_cand && sc->cand[sc->n_cand - 1].depth >= depth) {
        struct cdata_candidate *c = &sc->cand[--sc->n_cand];
        size_t keep = pi_len + c->lines, body = c->out_end - c->out_start;
        if (c->depth != depth || !sc->summary[depth] || body < keep)
            continue;
        /* candidates are popped last first: the later bodies are gone
         * already and the earlier offsets still hold */
        struct strbuf *out = sc->out;
        memcpy(out->buf + c->out_start, FEED_CDATA_PI, pi_len);
        memset(out->buf + c->out_start + pi_len, '\n', c->lines);
        memmove(out->buf + c->out_start + keep, out->buf + c->out_end,
                out->len - c->out_end);
        strbuf_setlen(out, out->len - (body - keep));
        sc->n_elided++;
    }
}

/* A start tag at text[i] (its '>' at gt): note summaries, and take a
 * content body as a candidate.  depth is that of the tag's parent's
 * children.  Returns the index to go on from when the body was written
 * (to *copied), else 0. */
static size_t cdata_start_tag(struct cdata_scan *sc, const char *text,
                              size_t len, size_t i, size_t gt, long depth,
                              size_t *copied, int *changed)
{
    if (depth < 1 || depth >= FEED_CDATA_ELIDE_DEPTH)
        return 0;
    const char *name = text + i + 1;
    size_t nl = 0;
    while (i + 1 + nl < gt && !feed_xml_space(name[nl]) && name[nl] != '/')
        nl++;
    if (cdata_local_is(name, nl, cdata_summary_names)) {
        sc->summary[depth] = 1;
        return 0;
    }
    size_t end, lines;
    if (text[gt - 1] == '/' || !cdata_local_is(name, nl, cdata_content_names) ||
        !cdata_body(text, len, gt + 1, name, nl, &end, &lines))
        return 0;
    strbuf_add(sc->out, text + *copied, gt + 1 - *copied);
    *copied = end;
    if (sc->summary[depth]) {
        /* the usual order, summary first: elided right away */
        strbuf_add(sc->out, FEED_CDATA_PI, sizeof(FEED_CDATA_PI) - 1);
        for (size_t k = 0; k < lines; k++)
            strbuf_addch(sc->out, '\n');
        sc->n_elided++;
        return end;
    }
    /* written as it is, and elided when a summary follows (cdata_settle) */
    size_t start = sc->out->len;
    cdata_emit(text, gt + 1, end, sc->out, changed);
    if (sc->n_cand == sc->cap_cand) {
        sc->cap_cand = sc->cap_cand ? 2 * sc->cap_cand : 8;
        sc->cand = fs_realloc(sc->cand, sc->cap_cand * sizeof(*sc->cand));
    }
    sc->cand[sc->n_cand++] =
        (struct cdata_candidate){depth, start, sc->out->len, lines};
    return end;
}

int feed_cdata_rewrite(const char *text, size_t len, int elide,
                       struct strbuf *out, size_t *n_elided)
{
    size_t i = 0, copied = 0;
    long depth = 0;
    int changed = 0;
    struct cdata_scan sc = {.out = out, .elide = elide};
    *n_elided = 0;
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
            if (left >= 2 + strlen(FEED_CDATA_ELIDED_PI) &&
                !memcmp(p + 2, FEED_CDATA_ELIDED_PI,
                        strlen(FEED_CDATA_ELIDED_PI)))
                sc.marker_seen = 1;
            next = cdata_skip(text, len, i, "?>", 2);
        } else if (left >= 2 && p[1] == '!') {
            free(sc.cand);
            strbuf_reset(out); /* DOCTYPE or worse: leave it all alone */
            return 0;
        } else if (left >= 2 && p[1] == '/') {
            const char *gt = memchr(p, '>', left);
            next = gt ? (size_t)(gt - text) + 1 : 0;
            if (elide && depth >= 1 && depth < FEED_CDATA_ELIDE_DEPTH)
                cdata_settle(&sc, depth);
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
                size_t body_end =
                    elide ? cdata_start_tag(&sc, text, len, i, j, depth,
                                            &copied, &changed)
                          : 0;
                if (text[j - 1] != '/') {
                    depth++;
                    if (depth >= 1 && depth < FEED_CDATA_ELIDE_DEPTH)
                        sc.summary[depth] = 0; /* a new element */
                }
                if (body_end)
                    next = body_end; /* written: on to its end tag */
            } else {
                next = 0;
            }
        }
        if (!next)
            break; /* unclosed markup: the rest as it is */
        i = next;
    }
    free(sc.cand);
    if (sc.marker_seen && elide) /* see above: no eliding */
        return feed_cdata_rewrite(text, len, 0, out, n_elided);
    *n_elided = sc.n_elided;
    if (!changed && !sc.n_elided) {
        strbuf_reset(out);
        return 0;
    }
    strbuf_add(out, text + copied, len - copied);
    return 1;
}
