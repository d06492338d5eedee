/*
 * html_text.c — html_to_text(): the plain text of an HTML fragment, for
 * classification and storage of feed titles and summaries.
 *
 * Markup goes through libxml2's HTML parser (no network, no error output,
 * recover mode), which decodes every HTML entity and repairs tag soup.
 * script, style, template and similar invisible elements are dropped;
 * block elements and <br> become line breaks; runs of whitespace collapse
 * to one space (or one '\n' where a line break was), and the result is
 * trimmed.  Input without any tag is plain text: only its entities are
 * decoded, its characters (including line breaks) are kept.  Numeric
 * references to C1 controls (&#146;) read as Windows-1252, as browsers do.
 * Simple markup (most feed summaries) skips libxml2: html_fast_walk gives
 * exactly what the parser and html_walk would (see "the fast path").
 *
 * Invariant: appends valid UTF-8 to out; never fails.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int html_is_hidden(const char *name)
{
    static const char *const hidden[] = {"script", "style", "template",
                                         "noscript", "head", "title",
                                         "iframe", "object", "svg"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++)
        if (fs_strcaseeq(name, hidden[i]))
            return 1;
    return 0;
}

static int html_is_block(const char *name)
{
    static const char *const blocks[] = {
        "address", "article", "aside", "blockquote", "br", "dd", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "tr", "td", "th",
        "ul", "caption", "details", "summary", "body", "html",
    };
    for (size_t i = 0; i < sizeof(blocks) / sizeof(*blocks); i++)
        if (fs_strcaseeq(name, blocks[i]))
            return 1;
    return 0;
}

static void html_walk(const xmlNode *node, struct strbuf *sb, int depth)
{
    if (depth > 512)
        return;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            /* source line breaks are mere spaces in HTML; only block
             * elements break lines */
            for (const char *p = (const char *)c->content; p && *p;) {
                size_t run = strcspn(p, "\n\r\t");
                strbuf_add(sb, p, run); /* the rest at once */
                p += run;
                if (*p) {
                    strbuf_addch(sb, ' ');
                    p++;
                }
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)c->name;
            if (html_is_hidden(name))
                continue;
            int block = html_is_block(name);
            if (block)
                strbuf_addch(sb, '\n');
            html_walk(c, sb, depth + 1);
            if (block)
                strbuf_addch(sb, '\n');
        }
    }
}

static void html_add_utf8(struct strbuf *sb, unsigned long cp)
{
    if (cp < 0x80) {
        strbuf_addch(sb, (char)cp);
    } else if (cp < 0x800) {
        strbuf_addch(sb, (char)(0xC0 | (cp >> 6)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        strbuf_addch(sb, (char)(0xE0 | (cp >> 12)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    } else {
        strbuf_addch(sb, (char)(0xF0 | (cp >> 18)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    }
}

/* The named reference "name;" at s[*j] (just after its '&'): the
 * character libxml2's HTML entity table gives it, with *j moved to the
 * ';', or 0 when it is not one (*j unmoved).  No table entry is 0. */
static unsigned long html_named_ref(const char *s, size_t len, size_t *j)
{
    char name[33];
    size_t n = 0, k = *j;
    while (k < len && n < 32 && isalnum((unsigned char)s[k]))
        name[n++] = s[k++];
    name[n] = '\0';
    if (!n || k >= len || s[k] != ';')
        return 0;
    const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
    if (!e)
        return 0;
    *j = k;
    return e->value;
}

/* Plain text: decode "&name;", "&#N;", "&#xN;" and keep the rest. */
static void html_decode_entities(struct strbuf *sb, const char *s, size_t len)
{
    strbuf_grow(sb, len); /* references only ever shrink */
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '&') { /* the run up to the next '&' in one piece */
            const char *amp = memchr(s + i, '&', len - i);
            size_t n = amp ? (size_t)(amp - (s + i)) : len - i;
            strbuf_add(sb, s + i, n);
            i += n - 1;
            continue;
        }
        size_t j = i + 1;
        unsigned long cp = 0;
        int ok = 0;
        if (j < len && s[j] == '#') {
            int hex = j + 1 < len && (s[j + 1] == 'x' || s[j + 1] == 'X');
            j += hex ? 2 : 1;
            size_t d = j;
            while (j < len && j - d < 8 &&
                   (hex ? isxdigit((unsigned char)s[j])
                        : isdigit((unsigned char)s[j])))
                j++;
            if (j > d && j < len && s[j] == ';') {
                cp = strtoul(s + d, NULL, hex ? 16 : 10);
                ok = cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
            }
        } else {
            cp = html_named_ref(s, len, &j);
            ok = cp != 0;
        }
        if (!ok) {
            strbuf_addch(sb, '&');
            continue;
        }
        html_add_utf8(sb, cp);
        i = j;
    }
}

/* ---- the fast path: simple fragments without libxml2 ------------------
 *
 * Most summaries are a few paragraphs of text with a little inline markup
 * ("<p>text <b>bold</b> &amp; more</p>"), and building a libxml2 HTML
 * document for each costs several times more than reading it.  For a
 * fragment in the small subset below, the tree libxml2 would build is
 * exactly the tags as written, so html_walk's output can be produced in
 * one pass over the text: its characters (references decoded, tab / line
 * ends as spaces) and a '\n' at every block tag.  Anything outside the
 * subset returns 0 and goes to libxml2, as before.  The subset:
 *   - valid UTF-8 without controls (other than tab, LF, CR) and without
 *     U+FFFE / U+FFFF, which libxml2 drops;
 *   - tags only from html_fast_tags, properly nested, all closed, end tags
 *     written "</name>", void ones (br) never closed; attributes name=
 *     "value" / 'value' (no '<' or '>' inside) or bare names;
 *   - no start tag that libxml2 would take as closing an open element
 *     (its htmlStartClose: a block inside p, a heading or an inline one,
 *     li outside ul / ol, a inside a): every element of the subset may
 *     hold text and whitespace (libxml2's allowPCData), so no text node is
 *     dropped and none is moved;
 *   - references only "&name;" known to htmlEntityLookup, "&#N;" and
 *     "&#xH;" naming a character XML allows; comments, "<!", "<?", and a
 *     '<' not starting a tag are left to libxml2.
 * test_html_text.c checks this path against libxml2's on generated
 * fragments (html_to_text_libxml). */

enum html_fast_kind { FAST_INLINE, FAST_BLOCK, FAST_CONTAINER, FAST_LIST,
                      FAST_ITEM, FAST_VOID };

static const struct {
    const char *name;
    enum html_fast_kind kind;
} html_fast_tags[] = {
    {"a", FAST_INLINE},          {"b", FAST_INLINE},
    {"i", FAST_INLINE},          {"em", FAST_INLINE},
    {"strong", FAST_INLINE},     {"span", FAST_INLINE},
    {"p", FAST_BLOCK},           {"h1", FAST_BLOCK},
    {"h2", FAST_BLOCK},          {"h3", FAST_BLOCK},
    {"h4", FAST_BLOCK},          {"h5", FAST_BLOCK},
    {"h6", FAST_BLOCK},          {"div", FAST_CONTAINER},
    {"blockquote", FAST_CONTAINER}, {"ul", FAST_LIST},
    {"ol", FAST_LIST},           {"li", FAST_ITEM},
    {"br", FAST_VOID},
};

#define HTML_FAST_DEPTH 32

/* Index in html_fast_tags of the name s[0..n) (any case), or -1. */
static int html_fast_tag(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(html_fast_tags) / sizeof(*html_fast_tags);
         i++)
        if (strlen(html_fast_tags[i].name) == n &&
            !strncasecmp(s, html_fast_tags[i].name, n))
            return (int)i;
    return -1;
}

/* The reference at s[0] == '&', decoded onto sb as libxml2's HTML parser
 * would; bytes consumed, 0 when it is not one the fast path takes. */
static size_t html_fast_reference(const char *s, size_t len, struct strbuf *sb)
{
    size_t j = 1;
    unsigned long cp = 0;
    if (j < len && s[j] == '#') {
        int hex = j + 1 < len && s[j + 1] == 'x';
        j += hex ? 2 : 1;
        size_t d = j;
        while (j < len && j - d < 7 &&
               (hex ? isxdigit((unsigned char)s[j])
                    : isdigit((unsigned char)s[j])))
            cp = cp * (hex ? 16 : 10) +
                 (unsigned long)(isdigit((unsigned char)s[j])
                                     ? s[j++] - '0'
                                     : (tolower((unsigned char)s[j++]) - 'a' +
                                        10));
        if (j == d || j >= len || s[j] != ';')
            return 0;
        /* what XML (and so libxml2's HTML parser) takes as a character */
        if (!(cp == 0x9 || cp == 0xA || cp == 0xD ||
              (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
              (cp >= 0x10000 && cp <= 0x10FFFF)))
            return 0;
    } else {
        cp = html_named_ref(s, len, &j);
        if (!cp)
            return 0;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r')
        cp = ' '; /* as html_walk writes them */
    html_add_utf8(sb, cp);
    return j + 1;
}

/* The attributes and end of a start tag at s (after its name): bytes up to
 * and including '>', 0 when they are not simple; *self_closed for "/>". */
static size_t html_fast_attrs(const char *s, size_t len, int *self_closed)
{
    size_t i = 0;
    *self_closed = 0;
    for (;;) {
        size_t ws = i;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                           s[i] == '\r'))
            i++;
        if (i >= len)
            return 0;
        if (s[i] == '>')
            return i + 1;
        if (s[i] == '/' && i + 1 < len && s[i + 1] == '>') {
            *self_closed = 1;
            return i + 2;
        }
        if (i == ws || !isalpha((unsigned char)s[i]))
            return 0; /* attributes are separated by space */
        while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
                           s[i] == '_' || s[i] == ':'))
            i++;
        if (i < len && s[i] == '=') {
            i++;
            if (i >= len || (s[i] != '"' && s[i] != '\''))
                return 0;
            char q = s[i++];
            while (i < len && s[i] != q && s[i] != '<' && s[i] != '>')
                i++;
            if (i >= len || s[i] != q)
                return 0;
            i++;
        }
    }
}

/* html_walk's output for html[0..len) onto sb (empty), or 0 (sb emptied)
 * when the fragment is not in the subset above. */
static int html_fast_walk(struct strbuf *sb, const char *html, size_t len)
{
    if (feed_utf8_span(html, len, 0) != len ||
        memmem(html, len, "\xEF\xBF\xBE", 3) ||
        memmem(html, len, "\xEF\xBF\xBF", 3))
        return 0;
    int stack[HTML_FAST_DEPTH];
    size_t depth = 0;
    size_t i = 0;
    while (i < len) {
        size_t run = i, text = 0;
        while (run < len && html[run] != '<' && html[run] != '&' &&
               html[run] != '\t' && html[run] != '\n' && html[run] != '\r')
            text |= html[run++] != ' ';
        strbuf_add(sb, html + i, run - i);
        i = run;
        int in_list =
            depth && html_fast_tags[stack[depth - 1]].kind == FAST_LIST;
        if (in_list && (text || (i < len && html[i] == '&')))
            goto slow; /* text right inside ul / ol */
        if (i >= len)
            break;
        char c = html[i];
        if (c == '\t' || c == '\n' || c == '\r') {
            strbuf_addch(sb, ' ');
            i++;
            continue;
        }
        if (c == '&') {
            size_t n = html_fast_reference(html + i, len - i, sb);
            if (!n)
                goto slow;
            i += n;
            continue;
        }
        /* a tag */
        int end = i + 1 < len && html[i + 1] == '/';
        size_t ns = i + 1 + (size_t)end, ne = ns;
        while (ne < len && isalnum((unsigned char)html[ne]))
            ne++;
        int t = html_fast_tag(html + ns, ne - ns);
        if (t < 0)
            goto slow;
        enum html_fast_kind kind = html_fast_tags[t].kind;
        enum html_fast_kind inner =
            depth ? html_fast_tags[stack[depth - 1]].kind : FAST_CONTAINER;
        if (end) {
            if (ne >= len || html[ne] != '>' || kind == FAST_VOID ||
                !depth || stack[depth - 1] != t)
                goto slow;
            depth--;
            if (kind != FAST_INLINE)
                strbuf_addch(sb, '\n');
            i = ne + 1;
            continue;
        }
        int self_closed;
        size_t n = html_fast_attrs(html + ne, len - ne, &self_closed);
        if (!n || (self_closed && kind != FAST_VOID))
            goto slow;
        i = ne + n;
        if (kind == FAST_VOID) { /* <br>: an empty block element */
            if (in_list)
                goto slow;
            strbuf_addstr(sb, "\n\n");
            continue;
        }
        /* nothing libxml2 would close on this start tag (see above) */
        if (kind == FAST_INLINE) {
            if (in_list)
                goto slow;
            if (!strcmp(html_fast_tags[t].name, "a")) /* a inside a */
                for (size_t k = 0; k < depth; k++)
                    if (stack[k] == t)
                        goto slow;
        } else if (kind == FAST_ITEM ? inner != FAST_LIST
                                     : inner != FAST_CONTAINER &&
                                           inner != FAST_ITEM) {
            goto slow;
        }
        if (kind != FAST_INLINE)
            for (size_t k = 0; k < depth; k++) /* no block in inline */
                if (html_fast_tags[stack[k]].kind == FAST_INLINE ||
                    html_fast_tags[stack[k]].kind == FAST_BLOCK)
                    goto slow;
        if (depth == HTML_FAST_DEPTH)
            goto slow;
        stack[depth++] = t;
        if (kind != FAST_INLINE)
            strbuf_addch(sb, '\n');
    }
    if (depth)
        goto slow;
    return 1;
slow:
    strbuf_reset(sb);
    return 0;
}

void html_to_text(struct strbuf *out, const char *html, size_t len)
{
    struct strbuf sb = STRBUF_INIT;
    if (memchr(html, '<', len)) {
        strbuf_grow(&sb, len);
        if (html_fast_walk(&sb, html, len)) {
            strbuf_squeeze_spaces(&sb);
            strbuf_trim(&sb);
            feed_clean_append(out, sb.buf, sb.len);
            strbuf_release(&sb);
            return;
        }
        strbuf_release(&sb);
    }
    html_to_text_libxml(out, html, len);
}

void html_to_text_libxml(struct strbuf *out, const char *html, size_t len)
{
    struct strbuf sb = STRBUF_INIT;
    if (!memchr(html, '<', len)) {
        html_decode_entities(&sb, html, len);
        strbuf_trim(&sb);
        feed_clean_append(out, sb.buf, sb.len);
        strbuf_release(&sb);
        return;
    }
    /* Wrap the fragment so that leading text and stray end tags land in
     * one body, whatever the fragment starts with. */
    struct strbuf doc = STRBUF_INIT;
    strbuf_addstr(&doc, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                        "</head><body>");
    feed_utf8_append(&doc, html, len);
    strbuf_addstr(&doc, "</body></html>");
    htmlDocPtr d = doc.len <= (size_t)INT32_MAX
                       ? htmlReadMemory(doc.buf, (int)doc.len, NULL, "UTF-8",
                                        HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                            HTML_PARSE_NOWARNING |
                                            HTML_PARSE_RECOVER)
                       : NULL;
    strbuf_release(&doc);
    xmlNode *root = d ? xmlDocGetRootElement(d) : NULL;
    if (root)
        html_walk(root, &sb, 0);
    xmlFreeDoc(d);
    strbuf_squeeze_spaces(&sb);
    strbuf_trim(&sb);
    feed_clean_append(out, sb.buf, sb.len);
    strbuf_release(&sb);
}
