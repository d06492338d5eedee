/*
 * extract.c — article_extract(): HTML page bytes to main text + metadata.
 *
 * Decoding: a BOM wins, then <meta charset> / http-equiv Content-Type in
 * the first bytes, else UTF-8.  UTF-8 input is repaired (invalid bytes to
 * U+FFFD) before libxml2 sees it, because libxml2 2.9 silently switches
 * a document to Latin-1 at the first invalid byte.  libxml2 runs with
 * HTML_PARSE_NONET (no fetches) in recover mode; its depth limit (256)
 * bounds the tree, and our own walks are iterative anyway.  Script and
 * style bodies are taken out before parsing and what extraction never
 * reads gets no nodes (see "the filtered tree" below): the same tree as
 * far as extraction can tell, for a fraction of the parse.  No
 * HTML_PARSE_NOBLANKS: the blank text between two inline elements
 * ("<b>rare</b> <i>earth</i>") is the space between two words.
 *
 * Invariant: on return every string in *out is NULL or valid UTF-8.
 */
#include "extract_int.h"

#include <libxml/parserInternals.h> /* xmlParserMaxDepth */

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

/* ---- the filtered tree ------------------------------------------------ */

/*
 * The tree is built through a SAX filter that never creates what no step
 * of extraction reads: comments, and <script> (except JSON-LD, which the
 * metadata reads), <style>, <svg>, <noscript>, <template>, <iframe>,
 * <select>, <textarea>, <button>, <canvas>, <object> and <embed> with
 * everything inside them.  The content passes cut all of these first
 * thing anyway (strip_never_content: comments and F_NEVER_CONTENT tags),
 * and the metadata walk reads only <meta>, <link>, <title> outside <svg>,
 * and JSON-LD scripts.  Not building them saves their allocation, their
 * free, and one walk over them in every pass.
 *
 * The parser itself is untouched: it keeps its own element stack, so
 * implied and auto-closed elements come out as before, and libxml2 calls
 * endElement once for every startElement (the tree builder relies on
 * that too), which keeps the skip depth exact.
 */
struct html_filter {
    int skip;                      /* depth inside a dropped element */
    startElementSAXFunc start;     /* libxml2's tree builder */
    endElementSAXFunc end;
    charactersSAXFunc characters;
    charactersSAXFunc cdata;
    ignorableWhitespaceSAXFunc blanks;
};

static int filter_drops(const xmlChar *name, const xmlChar **atts)
{
    static const char *const DROPPED[] = {
        "style", "svg", "noscript", "template", "iframe", "select",
        "textarea", "button", "canvas", "object", "embed", NULL};
    const char *n = (const char *)name;
    for (const char *const *d = DROPPED; *d; d++)
        if (fs_strcaseeq(n, *d))
            return 1;
    if (!fs_strcaseeq(n, "script"))
        return 0;
    /* the first type= counts, as in dom_attr (libxml2 drops repeats) */
    for (size_t i = 0; atts && atts[i]; i += 2)
        if (fs_strcaseeq((const char *)atts[i], "type"))
            return !(atts[i + 1] &&
                     fs_strcaseeq((const char *)atts[i + 1],
                                  "application/ld+json"));
    return 1;
}

static struct html_filter *filter_of(void *ctx)
{
    return ((htmlParserCtxtPtr)ctx)->_private;
}

static void filter_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    htmlParserCtxtPtr ctxt = ctx;
    struct html_filter *f = filter_of(ctx);
    if (f->skip || filter_drops(name, atts)) {
        /* libxml2 stops a document deeper than xmlParserMaxDepth when it
         * builds the node; dropped elements count as if built, so the
         * limit (and the linear cost it guarantees) stays as it was. */
        if ((unsigned)ctxt->nodeNr + (unsigned)f->skip > xmlParserMaxDepth) {
            xmlStopParser(ctxt);
            return;
        }
        f->skip++;
    } else {
        f->start(ctx, name, atts);
    }
}

static void filter_end(void *ctx, const xmlChar *name)
{
    struct html_filter *f = filter_of(ctx);
    if (f->skip)
        f->skip--;
    else
        f->end(ctx, name);
}

static void filter_characters(void *ctx, const xmlChar *ch, int len)
{
    struct html_filter *f = filter_of(ctx);
    if (!f->skip)
        f->characters(ctx, ch, len);
}

static void filter_cdata(void *ctx, const xmlChar *ch, int len)
{
    struct html_filter *f = filter_of(ctx);
    if (!f->skip)
        f->cdata(ctx, ch, len);
}

static void filter_blanks(void *ctx, const xmlChar *ch, int len)
{
    struct html_filter *f = filter_of(ctx);
    if (!f->skip)
        f->blanks(ctx, ch, len);
}

static void filter_comment(void *ctx, const xmlChar *value)
{
    (void)ctx;
    (void)value;
}

/* ---- script and style bodies ------------------------------------------ */

/*
 * Inline scripts and style sheets are half the bytes of a news page, and
 * libxml2 reads their bodies a character at a time only for the filter
 * above to throw them away.  strip_raw_text() copies the page without the
 * bodies of <script> (but JSON-LD) and <style> elements, keeping both
 * tags: the tree is the same, the parser has far less to read.
 *
 * It finds them the way libxml2 2.9's HTML parser does: comments end at
 * "-->", other "<!" and "<?" markup at the next '>', an end tag at the
 * '>' after its name ("</" not followed by a name is text), a start tag
 * at the first '>' outside a quoted attribute value (a quote opens a
 * value only right after '=', see raw_tag_end), and a script or style
 * body at the first "</" followed by the element's name in any case.
 * Wherever the page leaves any doubt (a NUL byte, an unclosed tag,
 * comment or value, a quote in a DOCTYPE, a self-closed script, a body
 * that never ends or ends in "</scriptfoo"), the rest of the page is
 * copied as it is: libxml2 then reads it as before.
 * Bodies of scripts whose start tag mentions ld+json anywhere are kept
 * (the filter, which sees the parsed type=, decides about those).
 */
static int raw_is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '-' || c == '_' ||
           c == '.';
}

static int raw_is_name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || c == ':' || c == '.';
}

/* Index after the '>' ending a start tag whose attributes begin at s[i],
 * read as htmlParseStartTag() reads them: an attribute is a name, then
 * optionally '=' and a value, quoted (to the matching quote) or not (to
 * a blank or '>'); anything else is skipped to a blank, '>' or "/>".  0
 * when the tag does not end.  *self_closed: it ends with "/>". */
static size_t raw_tag_end(const char *s, size_t len, size_t i,
                          int *self_closed)
{
#define RAW_SLASH_GT(k) (s[k] == '/' && (k) + 1 < len && s[(k) + 1] == '>')
    *self_closed = 0;
    while (i < len && feed_xml_space(s[i]))
        i++;
    while (i < len && s[i] != '>' && !RAW_SLASH_GT(i)) {
        if (raw_is_name_start(s[i])) {
            while (i < len && raw_is_name_char(s[i]))
                i++;
            while (i < len && feed_xml_space(s[i]))
                i++;
            if (i < len && s[i] == '=') {
                i++;
                while (i < len && feed_xml_space(s[i]))
                    i++;
                if (i < len && (s[i] == '"' || s[i] == '\'')) {
                    const char *q = memchr(s + i + 1, s[i], len - i - 1);
                    if (!q)
                        return 0;
                    i = (size_t)(q - s) + 1;
                } else {
                    while (i < len && !feed_xml_space(s[i]) && s[i] != '>')
                        i++;
                }
            }
        } else { /* a bogus attribute */
            while (i < len && !feed_xml_space(s[i]) && s[i] != '>' &&
                   !RAW_SLASH_GT(i))
                i++;
        }
        while (i < len && feed_xml_space(s[i]))
            i++;
    }
    if (i >= len)
        return 0;
    if (s[i] == '/') {
        *self_closed = 1;
        return i + 2;
    }
    return i + 1;
#undef RAW_SLASH_GT
}

/* Start of the "</name" ending a raw text body that starts at s[i], or
 * len when there is none.  libxml2 ends the body at "</" and the name's
 * letters whatever follows, but then reads a longer name ("</scripts>")
 * as an end tag that closes nothing and goes on in the body: len then
 * too (the caller gives up). */
static size_t raw_body_end(const char *s, size_t len, size_t i,
                           const char *name, size_t nl)
{
    while (i + 1 < len) {
        const char *lt = memchr(s + i, '<', len - i - 1);
        if (!lt)
            break;
        size_t k = (size_t)(lt - s);
        if (s[k + 1] == '/' && len - k - 2 >= nl &&
            !strncasecmp(s + k + 2, name, nl))
            return k + 2 + nl < len && raw_is_name_char(s[k + 2 + nl])
                       ? len
                       : k;
        i = k + 1;
    }
    return len;
}

static int raw_mentions_ld_json(const char *s, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if (!strncasecmp(s + i, "ld+json", 7))
            return 1;
    return 0;
}

/* The page without script (but JSON-LD) and style bodies into out;
 * 0 (out untouched) when nothing was taken out. */
static int strip_raw_text(const char *s, size_t len, struct strbuf *out)
{
    if (memchr(s, 0, len))
        return 0;
    size_t i = 0, copied = 0;
    int changed = 0;
    while (i < len) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - s);
        size_t left = len - i;
        if (left >= 4 && !memcmp(s + i, "<!--", 4)) {
            const char *e =
                left > 4 ? memmem(s + i + 4, left - 4, "-->", 3) : NULL;
            if (!e)
                break;
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (left >= 2 && (s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', left);
            if (!gt || memchr(s + i, '"', (size_t)(gt - (s + i))) ||
                memchr(s + i, '\'', (size_t)(gt - (s + i))))
                break;
            i = (size_t)(gt - s) + 1;
            continue;
        }
        if (left >= 2 && s[i + 1] == '/') {
            if (left >= 3 && (isalpha((unsigned char)s[i + 2]) ||
                              s[i + 2] == '_' || s[i + 2] == ':' ||
                              s[i + 2] == '.')) {
                const char *gt = memchr(s + i, '>', left);
                if (!gt)
                    break;
                i = (size_t)(gt - s) + 1;
            } else {
                i += 2; /* "</" and text */
            }
            continue;
        }
        if (left < 2 || !(isalpha((unsigned char)s[i + 1]) ||
                          s[i + 1] == '_' || s[i + 1] == ':')) {
            i++; /* a '<' that is text */
            continue;
        }
        size_t n = i + 1;
        while (n < len && raw_is_name_char(s[n]))
            n++;
        size_t nl = n - (i + 1);
        int self_closed = 0;
        size_t end = raw_tag_end(s, len, n, &self_closed);
        if (!end)
            break;
        int script = nl == 6 && !strncasecmp(s + i + 1, "script", 6);
        int style = nl == 5 && !strncasecmp(s + i + 1, "style", 5);
        if (!script && !style) {
            i = end;
            continue;
        }
        if (self_closed)
            break;
        size_t body_end = raw_body_end(s, len, end, s + i + 1, nl);
        if (body_end == len)
            break;
        if (body_end > end &&
            (style || !raw_mentions_ld_json(s + n, end - n))) {
            if (!changed)
                strbuf_grow(out, len / 2);
            strbuf_add(out, s + copied, end - copied);
            copied = body_end;
            changed = 1;
        }
        i = body_end;
    }
    if (!changed)
        return 0;
    strbuf_add(out, s + copied, len - copied);
    return 1;
}

/* htmlReadMemory() through the filter above. */
static htmlDocPtr read_html(const char *buf, int len, const char *encoding,
                            int opts)
{
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt)
        fs_oom();
    htmlSAXHandler *sax = ctxt->sax;
    struct html_filter f = {0, sax->startElement, sax->endElement,
                            sax->characters, sax->cdataBlock,
                            sax->ignorableWhitespace};
    /* every one of them is set in libxml2's HTML tree builder */
    if (f.start && f.end && f.characters && f.cdata && f.blanks) {
        ctxt->_private = &f;
        sax->startElement = filter_start;
        sax->endElement = filter_end;
        sax->characters = filter_characters;
        sax->cdataBlock = filter_cdata;
        sax->ignorableWhitespace = filter_blanks;
        sax->comment = filter_comment;
    }
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, buf, len, NULL, encoding, opts);
    ctxt->_private = NULL;
    htmlFreeParserCtxt(ctxt);
    return doc;
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
        return read_html(html + 2, (int)(len - 2), encoding, opts);
    } else {
        sniff_charset(html, len, charset, sizeof(charset));
    }

    htmlDocPtr doc = NULL;
    if (!is_utf8_name(charset) && len <= INT_MAX) {
        doc = read_html(html, (int)len, charset, opts);
        if (doc)
            return doc;
        /* unknown charset name: fall through to UTF-8 */
    }
    struct strbuf clean = STRBUF_INIT, lean = STRBUF_INIT;
    if (feed_utf8_span(html, len, 0) != len) { /* repair */
        feed_utf8_append(&clean, html, len);
        html = clean.buf;
        len = clean.len;
    }
    if (strip_raw_text(html, len, &lean)) {
        html = lean.buf;
        len = lean.len;
    }
    if (len <= INT_MAX)
        doc = read_html(html, (int)len, "UTF-8", opts);
    strbuf_release(&lean);
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
