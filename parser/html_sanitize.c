/*
 * html_sanitize.c — html_sanitize(): an HTML fragment from a feed made
 * safe to show in a web page, and feed_fill_content_html() which gives
 * every item its sanitised content.
 *
 * The fragment goes through libxml2's HTML parser (recover mode, no
 * network, entities decoded, tag soup repaired: unclosed tags are
 * closed), the tree is filtered against allow-lists, and libxml2's HTML
 * serialiser writes the result, so what a browser parses is exactly the
 * tree that was checked (attribute values and text are re-escaped by the
 * serialiser, never copied from the input).
 *
 * Policy (README, "content_html"):
 *   - elements in html_sanitize_keep stay, with only their allowed
 *     attributes; elements in html_sanitize_drop go with everything
 *     inside them (script, style, iframe, object, embed, svg, math, form
 *     controls, ...); any other element is unwrapped: its tag goes, its
 *     content is filtered in its place (font, span-like custom tags,
 *     form, html/body);
 *   - comments, processing instructions and doctype go (IE conditional
 *     comments are markup);
 *   - no event handler (on*), style, class, id or target attribute is
 *     ever kept: nothing is on the allow-list but the attributes below;
 *   - URL attributes (href, src, cite, poster) lose ASCII tab/newline
 *     and leading/trailing controls and spaces (as a browser's URL parser
 *     does, so "jav&#x09;ascript:" is caught), are resolved against
 *     base_url, and are kept only with the schemes http, https, mailto
 *     (href only) or data:image/{png,gif,jpeg,webp} (img src only: a
 *     raster image runs no code; SVG data URLs are refused); a URL that
 *     stays relative (no base_url) is kept, since it cannot name a
 *     scheme; anything else drops the attribute, and an img without src
 *     is dropped;
 *   - srcset is dropped (its candidates would each need the checks above;
 *     src is always there).
 *
 * Invariant: appends valid UTF-8 without NUL to out; never fails (input
 * that does not parse yields nothing).  The tree walk is iterative.
 */
#include "feed_internal.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <stdlib.h>
#include <string.h>

/* ---- policy tables --------------------------------------------------- */

static const char *const html_sanitize_keep[] = {
    "a", "abbr", "acronym", "address", "article", "aside", "audio", "b",
    "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl",
    "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main",
    "mark", "nav", "ol", "p", "picture", "pre", "q", "rp", "rt", "ruby",
    "s", "samp", "section", "small", "source", "span", "strike", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "tt", "u", "ul", "var", "video", "wbr",
};

/* Gone with their whole content: active content, things that only make
 * sense with scripts or CSS, document metadata, form controls. */
static const char *const html_sanitize_drop[] = {
    "applet", "base", "basefont", "button", "canvas", "datalist", "embed",
    "frame", "frameset", "head", "iframe", "input", "isindex", "keygen",
    "link", "map", "math", "meta", "noembed", "noframes", "noscript",
    "object", "optgroup", "option", "param", "script", "select", "style",
    "svg", "template", "textarea", "title", "xml",
};

/* element "*" = any kept element. */
static const struct {
    const char *element;
    const char *attr;
} html_sanitize_attrs[] = {
    {"*", "title"},       {"*", "lang"},        {"*", "dir"},
    {"a", "href"},        {"a", "hreflang"},    {"img", "src"},
    {"img", "alt"},       {"img", "width"},     {"img", "height"},
    {"blockquote", "cite"}, {"q", "cite"},      {"del", "cite"},
    {"ins", "cite"},      {"del", "datetime"},  {"ins", "datetime"},
    {"time", "datetime"}, {"td", "colspan"},    {"td", "rowspan"},
    {"th", "colspan"},    {"th", "rowspan"},    {"th", "scope"},
    {"td", "headers"},    {"th", "headers"},    {"col", "span"},
    {"colgroup", "span"}, {"ol", "start"},      {"ol", "reversed"},
    {"ol", "type"},       {"ul", "type"},       {"li", "value"},
    {"details", "open"},  {"audio", "src"},     {"audio", "controls"},
    {"video", "src"},     {"video", "poster"},  {"video", "controls"},
    {"video", "width"},   {"video", "height"},  {"source", "src"},
    {"source", "type"},
};

static int html_sanitize_in(const char *const *list, size_t n,
                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            return 1;
    return 0;
}

#define HTML_SANITIZE_IN(list, name) \
    html_sanitize_in(list, sizeof(list) / sizeof(*list), name)

static int html_sanitize_attr_allowed(const char *element, const char *attr)
{
    for (size_t i = 0;
         i < sizeof(html_sanitize_attrs) / sizeof(*html_sanitize_attrs); i++)
        if (!strcmp(html_sanitize_attrs[i].attr, attr) &&
            (html_sanitize_attrs[i].element[0] == '*' ||
             !strcmp(html_sanitize_attrs[i].element, element)))
            return 1;
    return 0;
}

static int html_sanitize_is_url_attr(const char *attr)
{
    return !strcmp(attr, "href") || !strcmp(attr, "src") ||
           !strcmp(attr, "cite") || !strcmp(attr, "poster");
}

/* ---- URLs ------------------------------------------------------------ */

/* The scheme of url, lower-cased into buf, or "" when it has none (a
 * relative reference).  A scheme is ALPHA *( ALPHA / DIGIT / + - . )
 * followed by ':'. */
static const char *html_sanitize_scheme(const char *url, char buf[16])
{
    size_t n = 0;
    buf[0] = '\0';
    if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
        return buf;
    for (;; n++) {
        char c = url[n];
        if (c == ':')
            break;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
            return buf; /* no scheme: a relative reference */
    }
    if (n >= 16) /* a scheme, but longer than any we allow */
        return strcpy(buf, "?");
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]);
    buf[n] = '\0';
    return buf;
}

static int html_sanitize_data_image(const char *url)
{
    static const char *const types[] = {"png", "gif", "jpeg", "webp"};
    const char *p = url + 5; /* after "data:" */
    if (strncasecmp(p, "image/", 6))
        return 0;
    p += 6;
    for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
        size_t n = strlen(types[i]);
        if (!strncasecmp(p, types[i], n) && (p[n] == ';' || p[n] == ','))
            return 1;
    }
    return 0;
}

/* The safe, absolute form of a URL attribute value, or NULL when the
 * attribute must go.  malloc'd. */
static char *html_sanitize_url(const char *element, const char *attr,
                               const char *value, const char *base_url)
{
    /* What a browser's URL parser does first: strip leading/trailing C0
     * controls and spaces, remove every tab and newline. */
    struct strbuf sb = STRBUF_INIT;
    for (const char *p = value; *p; p++)
        if (*p != '\t' && *p != '\n' && *p != '\r')
            strbuf_addch(&sb, *p);
    size_t start = 0, end = sb.len;
    while (start < end && (unsigned char)sb.buf[start] <= 0x20)
        start++;
    while (end > start && (unsigned char)sb.buf[end - 1] <= 0x20)
        end--;
    char *url = fs_strndup(sb.buf + start, end - start);
    strbuf_release(&sb);
    if (!*url) {
        free(url);
        return NULL;
    }

    char scheme[16];
    html_sanitize_scheme(url, scheme);
    if (!*scheme && base_url) {
        char *abs = feed_resolve(base_url, url);
        free(url);
        url = abs;
        html_sanitize_scheme(url, scheme);
    }
    int ok = !*scheme || !strcmp(scheme, "http") || !strcmp(scheme, "https") ||
             (!strcmp(scheme, "mailto") && !strcmp(attr, "href")) ||
             (!strcmp(scheme, "data") && !strcmp(element, "img") &&
              !strcmp(attr, "src") && html_sanitize_data_image(url));
    if (!ok) {
        free(url);
        return NULL;
    }
    return url;
}

/* ---- the tree walk --------------------------------------------------- */

/* Keep only allowed attributes of a kept element, URL values made safe.
 * Returns 0 when the element itself must go (an img without src). */
static int html_sanitize_attributes(xmlNode *el, const char *base_url)
{
    const char *name = (const char *)el->name;
    int has_src = 0;
    xmlAttr *next;
    for (xmlAttr *a = el->properties; a; a = next) {
        next = a->next;
        const char *an = (const char *)a->name;
        if (a->ns || !html_sanitize_attr_allowed(name, an)) {
            xmlRemoveProp(a);
            continue;
        }
        if (!html_sanitize_is_url_attr(an))
            continue;
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        char *safe = v ? html_sanitize_url(name, an, (const char *)v, base_url)
                       : NULL;
        xmlFree(v);
        if (!safe) {
            xmlRemoveProp(a);
            continue;
        }
        xmlSetProp(el, a->name, (const xmlChar *)safe);
        free(safe);
        has_src |= !strcmp(an, "src");
    }
    return strcmp(name, "img") || has_src;
}

/* The node after n's subtree in document order, not leaving top. */
static xmlNode *html_sanitize_following(xmlNode *n, const xmlNode *top)
{
    while (n && n != top) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

/* Replace el by its children, in place; returns the first of them (or
 * what followed el when it had none). */
static xmlNode *html_sanitize_unwrap(xmlNode *el, const xmlNode *top)
{
    xmlNode *first = el->children, *last = el->last, *parent = el->parent;
    if (!first) {
        xmlNode *after = html_sanitize_following(el, top);
        xmlUnlinkNode(el);
        xmlFreeNode(el);
        return after;
    }
    /* Splice by hand: xmlAddPrevSibling would merge adjacent text nodes
     * and free the node we are about to visit. */
    for (xmlNode *c = first; c; c = c->next)
        c->parent = parent;
    first->prev = el->prev;
    if (el->prev)
        el->prev->next = first;
    else
        parent->children = first;
    last->next = el->next;
    if (el->next)
        el->next->prev = last;
    else
        parent->last = last;
    el->children = el->last = el->next = el->prev = NULL;
    el->parent = NULL;
    xmlFreeNode(el);
    return first;
}

static xmlNode *html_sanitize_remove(xmlNode *n, const xmlNode *top)
{
    xmlNode *after = html_sanitize_following(n, top);
    xmlUnlinkNode(n);
    xmlFreeNode(n);
    return after;
}

static void html_sanitize_tree(xmlNode *top, const char *base_url)
{
    xmlNode *n = top->children;
    while (n) {
        if (n->type == XML_TEXT_NODE) {
            n = html_sanitize_following(n, top);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE) { /* comment, PI, DTD, CDATA */
            n = html_sanitize_remove(n, top);
            continue;
        }
        const char *name = (const char *)n->name;
        if (HTML_SANITIZE_IN(html_sanitize_drop, name)) {
            n = html_sanitize_remove(n, top);
        } else if (!HTML_SANITIZE_IN(html_sanitize_keep, name)) {
            n = html_sanitize_unwrap(n, top);
        } else if (!html_sanitize_attributes(n, base_url)) {
            n = html_sanitize_remove(n, top);
        } else {
            n = n->children ? n->children : html_sanitize_following(n, top);
        }
    }
}

void html_sanitize(struct strbuf *out, const char *html, size_t len,
                   const char *base_url)
{
    if (base_url && !*base_url)
        base_url = NULL;
    /* A complete document around the fragment: leading text then lands
     * in body (libxml2 would wrap it in an implied <p> otherwise). */
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
    if (!root) {
        xmlFreeDoc(d);
        return;
    }
    /* html and body are unwrapped like any element not on the list, head
     * is dropped: everything left hangs under root. */
    html_sanitize_tree(root, base_url);

    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
    if (!buf)
        fs_oom();
    for (xmlNode *c = root->children; c; c = c->next)
        htmlNodeDumpFormatOutput(buf, d, c, "UTF-8", 0);
    xmlOutputBufferFlush(buf);
    struct strbuf sb = STRBUF_INIT;
    strbuf_add(&sb, xmlOutputBufferGetContent(buf),
               xmlOutputBufferGetSize(buf));
    xmlOutputBufferClose(buf);
    xmlFreeDoc(d);
    strbuf_trim(&sb);
    feed_clean_append(out, sb.buf, sb.len);
    strbuf_release(&sb);
}

void feed_fill_content_html(struct feed *feed)
{
    for (size_t i = 0; i < feed->n_items; i++) {
        struct feed_item *it = &feed->items[i];
        const char *src = it->content ? it->content : it->summary;
        free(it->content_html);
        it->content_html = NULL;
        if (!src)
            continue;
        /* The parser already resolved URLs against the feed's bases; an
         * item link is no base for what is left. */
        struct strbuf sb = STRBUF_INIT;
        html_sanitize(&sb, src, strlen(src), NULL);
        it->content_html = strbuf_detach(&sb, NULL);
    }
}
