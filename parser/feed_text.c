/*
 * feed_text.c — the values of feed elements, as feedparser defines them,
 * and the node helpers they need (namespace classes, base URIs).
 *
 * A text construct is one of:
 *   plain  the character data, unescaped ("1 &lt; 2" gives "1 < 2");
 *   HTML   the character data is markup (escaped HTML, CDATA);
 *   XHTML  inline child elements, serialized back to markup (Atom
 *          type="xhtml" without its wrapping div, Atom 0.3 mode="xml",
 *          and any element children found where text was expected);
 *   base64 Atom 0.3 mode="base64" and Atom 1.0 non-text MIME types.
 * HTML results get their relative URIs (a href, img src, ...) resolved
 * against the element's base: the document URL, then every xml:base on the
 * way down, each resolved against its parent (RFC 3986 via libcurl).
 *
 * Invariants: every string that leaves this file went through
 * feed_clean_string() (valid UTF-8; U+0080..U+009F, which only come from
 * Windows-1252 text mislabelled or "&#146;"-style references, mapped to
 * the Windows-1252 characters).  Only internal entities whose value is
 * plain text are ever expanded, so no entity can load a file or explode.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- cleaning -------------------------------------------------------- */

/* Windows-1252 0x80..0x9F; 0 where it has no character. */
static const unsigned short text_cp1252[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* How many of the 32 bytes at p are printable ASCII before the first
 * that is not (high bit set, or below 0x20): 32 when all are.  Four
 * words at once; the lowest flagged byte is exact (a borrow in the
 * subtraction only ever flags bytes above a truly flagged one). */
static size_t text_ascii_prefix32(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t high = 0x8080808080808080ULL;
    const uint64_t space = 0x2020202020202020ULL;
    uint64_t w[4];
    memcpy(w, p, 32);
    for (size_t k = 0; k < 4; k++) {
        uint64_t bad = (w[k] | ((w[k] - space) & ~w[k])) & high;
        if (bad)
            return k * 8 + (size_t)(__builtin_ctzll(bad) >> 3);
    }
    return 32;
#else
    (void)p;
    return 0; /* byte by byte */
#endif
}

size_t feed_utf8_span(const char *s, size_t len, int stop_c1)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (i + 32 <= len) {
            size_t ok = text_ascii_prefix32(p + i);
            i += ok;
            if (ok == 32)
                continue;
        }
        /* One character that is not printable ASCII (or the tail).  Each
         * sequence length has its own test of the lead and the second
         * byte (what makes a form overlong, a surrogate, beyond U+10FFFF
         * or a C1 control): feeds are full of 2- and 3-byte characters
         * between ASCII words. */
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80) {
            i++;
            continue;
        }
        if (c < 0x20) {
            if (c != '\t' && c != '\n' && c != '\r')
                return i;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 2 > len || (p[i + 1] & 0xC0) != 0x80 ||
                (stop_c1 && c == 0xC2 && p[i + 1] <= 0x9F))
                return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 3 > len || (p[i + 1] & 0xC0) != 0x80 ||
                (p[i + 2] & 0xC0) != 0x80 || (c == 0xE0 && p[i + 1] < 0xA0) ||
                (c == 0xED && p[i + 1] >= 0xA0))
                return i;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 4 > len || (p[i + 1] & 0xC0) != 0x80 ||
                (p[i + 2] & 0xC0) != 0x80 || (p[i + 3] & 0xC0) != 0x80 ||
                (c == 0xF0 && p[i + 1] < 0x90) ||
                (c == 0xF4 && p[i + 1] >= 0x90))
                return i;
            i += 4;
        } else {
            return i;
        }
    }
    return len;
}

void feed_utf8_append(struct strbuf *out, const char *s, size_t len)
{
    if (feed_utf8_span(s, len, 0) == len)
        strbuf_add(out, s, len);
    else
        fs_utf8_sanitize(out, s, len);
}

void feed_clean_append(struct strbuf *out, const char *s, size_t len)
{
    if (feed_utf8_span(s, len, 1) == len) { /* nothing to clean */
        strbuf_add(out, s, len);
        return;
    }
    struct strbuf tmp = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] != 0xC2 || p[i + 1] < 0x80 || p[i + 1] > 0x9F)
            continue;
        unsigned cp = text_cp1252[p[i + 1] - 0x80];
        strbuf_add(&tmp, s + start, i - start);
        if (cp) {
            strbuf_addch(&tmp, (char)(0xE0 | (cp >> 12)));
            strbuf_addch(&tmp, (char)(0x80 | ((cp >> 6) & 0x3F)));
            strbuf_addch(&tmp, (char)(0x80 | (cp & 0x3F)));
        }
        start = i + 2;
        i++;
    }
    if (start == 0) {
        fs_utf8_sanitize(out, s, len);
        return;
    }
    strbuf_add(&tmp, s + start, len - start);
    fs_utf8_sanitize(out, tmp.buf, tmp.len);
    strbuf_release(&tmp);
}

char *feed_clean_string(const char *s, size_t len)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_init(&sb, len);
    feed_clean_append(&sb, s, len);
    return strbuf_detach(&sb, NULL);
}

/* ---- names and namespaces -------------------------------------------- */

/* The URI's length goes first: most lookups fail on it, cheaply. */
#define TEXT_NS(uri, ns) {sizeof(uri) - 1, uri, ns}
static const struct {
    size_t len;
    const char *uri;
    enum feed_ns ns;
} text_namespaces[] = {
    TEXT_NS("http://purl.org/rss/1.0/", FEED_NS_CORE),
    TEXT_NS("http://my.netscape.com/rdf/simple/0.9/", FEED_NS_CORE),
    TEXT_NS("http://backend.userland.com/rss", FEED_NS_CORE),
    TEXT_NS("http://backend.userland.com/rss2", FEED_NS_CORE),
    TEXT_NS("http://blogs.law.harvard.edu/tech/rss", FEED_NS_CORE),
    TEXT_NS("http://purl.org/rss/1.0/modules/rss091#", FEED_NS_CORE),
    TEXT_NS("http://purl.org/net/rss1.1#", FEED_NS_CORE),
    TEXT_NS("http://www.w3.org/2005/Atom", FEED_NS_CORE),
    TEXT_NS("http://purl.org/atom/ns#", FEED_NS_CORE),
    TEXT_NS("http://example.com/newformat#", FEED_NS_CORE),
    TEXT_NS("http://example.com/necho", FEED_NS_CORE),
    TEXT_NS("http://purl.org/echo/", FEED_NS_CORE),
    TEXT_NS("uri/of/echo/namespace#", FEED_NS_CORE),
    TEXT_NS("http://purl.org/pie/", FEED_NS_CORE),
    TEXT_NS("http://purl.org/dc/elements/1.1/", FEED_NS_DC),
    TEXT_NS("http://purl.org/dc/elements/1.0/", FEED_NS_DC),
    TEXT_NS("http://purl.org/dc/terms/", FEED_NS_DCTERMS),
    TEXT_NS("http://purl.org/rss/1.0/modules/content/", FEED_NS_CONTENT),
    TEXT_NS("http://www.w3.org/1999/xhtml", FEED_NS_XHTML),
    TEXT_NS("http://www.w3.org/1999/02/22-rdf-syntax-ns#", FEED_NS_RDF),
    TEXT_NS("http://purl.org/rss/1.0/modules/syndication/", FEED_NS_SY),
};

/* Prefixes we accept when a feed forgot to declare them. */
static const struct {
    const char *prefix;
    enum feed_ns ns;
} text_prefixes[] = {
    {"dc", FEED_NS_DC},           {"dcterms", FEED_NS_DCTERMS},
    {"content", FEED_NS_CONTENT}, {"atom", FEED_NS_CORE},
    {"xhtml", FEED_NS_XHTML},     {"rdf", FEED_NS_RDF},
    {"sy", FEED_NS_SY},
};

enum feed_ns feed_node_ns(const xmlNode *node)
{
    if (node->ns && node->ns->href) {
        const char *uri = (const char *)node->ns->href;
        size_t len = strlen(uri);
        for (size_t i = 0; i < sizeof(text_namespaces) /
                                   sizeof(*text_namespaces); i++)
            if (text_namespaces[i].len == len &&
                !strcasecmp(uri, text_namespaces[i].uri))
                return text_namespaces[i].ns;
        /* An unknown default namespace (rss2.1 variants, home-grown
         * URIs) still holds the feed's own elements, as for feedparser,
         * which goes by the prefix the document uses. */
        return node->ns->prefix ? FEED_NS_OTHER : FEED_NS_CORE;
    }
    const char *name = (const char *)node->name;
    const char *colon = strchr(name, ':');
    if (!colon)
        return FEED_NS_CORE;
    for (size_t i = 0; i < sizeof(text_prefixes) / sizeof(*text_prefixes);
         i++)
        if (strlen(text_prefixes[i].prefix) == (size_t)(colon - name) &&
            !strncmp(name, text_prefixes[i].prefix, (size_t)(colon - name)))
            return text_prefixes[i].ns;
    return FEED_NS_OTHER;
}

const char *feed_local_name(const xmlNode *node)
{
    const char *name = (const char *)node->name;
    const char *colon = node->ns ? NULL : strchr(name, ':');
    return colon ? colon + 1 : name;
}

int feed_node_is(const xmlNode *node, enum feed_ns ns, const char *local)
{
    return node->type == XML_ELEMENT_NODE && feed_node_ns(node) == ns &&
           !strcmp(feed_local_name(node), local);
}

/* Keep IRIs readable: curl percent-encodes non-ASCII bytes, feeds (and
 * feedparser) keep them, so undo exactly that encoding when the reference
 * had no percent sign of its own. */
static void text_unescape_high(char *url)
{
    char *w = url;
    for (const char *r = url; *r; r++) {
        unsigned v;
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
            isxdigit((unsigned char)r[2]) && sscanf(r + 1, "%2x", &v) == 1 &&
            v >= 0x80) {
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

char *feed_resolve(const char *base, const char *ref)
{
    const char *p = ref;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p && base) /* RFC 3986 5.2.2: an empty reference is the base */
        return fs_strdup(base);
    char *url = fs_url_resolve(base, ref);
    int high = 0;
    for (p = ref; *p; p++)
        high |= (unsigned char)*p >= 0x80;
    if (high && !strchr(ref, '%'))
        text_unescape_high(url);
    return url;
}

char *feed_node_base(const xmlNode *node, const char *doc_url)
{
    /* Collect the chain root..node, then resolve downwards. */
    const xmlNode *chain[256];
    size_t n = 0;
    for (const xmlNode *p = node; p && p->type == XML_ELEMENT_NODE;
         p = p->parent)
        if (n < sizeof(chain) / sizeof(*chain))
            chain[n++] = p;
    char *base = fs_strdup(doc_url && *doc_url ? doc_url : NULL);
    while (n-- > 0) {
        xmlChar *xb = xmlGetNsProp(chain[n], (const xmlChar *)"base",
                                   XML_XML_NAMESPACE);
        if (!xb)
            continue;
        char *next = feed_resolve(base, (const char *)xb);
        xmlFree(xb);
        free(base);
        base = next;
    }
    return base;
}

/* ---- character data -------------------------------------------------- */

/* An internal entity whose value is plain text (feedparser's "safe"
 * entities); NULL for anything else, which we never expand. */
static const char *text_safe_entity(const xmlNode *ref)
{
    xmlEntityPtr ent = xmlGetDocEntity(ref->doc, ref->name);
    if (!ent || ent->etype != XML_INTERNAL_GENERAL_ENTITY || !ent->content)
        return NULL;
    const char *v = (const char *)ent->content;
    return strpbrk(v, "&<") ? NULL : v;
}

void feed_node_text(const xmlNode *node, struct strbuf *out)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                strbuf_addstr(out, (const char *)c->content);
            break;
        case XML_ENTITY_REF_NODE: {
            const char *v = text_safe_entity(c);
            if (v)
                strbuf_addstr(out, v);
            break;
        }
        case XML_ELEMENT_NODE:
            feed_node_text(c, out);
            break;
        default:
            break;
        }
    }
}

/* ---- serializing inline XHTML ---------------------------------------- */

static void text_escape(struct strbuf *out, const char *s, int attr)
{
    while (*s) {
        size_t run = strcspn(s, attr ? "&<>\"" : "&<>");
        strbuf_add(out, s, run); /* the plain run in one piece */
        s += run;
        switch (*s) {
        case '&': strbuf_addstr(out, "&amp;"); break;
        case '<': strbuf_addstr(out, "&lt;"); break;
        case '>': strbuf_addstr(out, "&gt;"); break;
        case '"': strbuf_addstr(out, "&quot;"); break;
        default: return; /* the end of s */
        }
        s++;
    }
}

static int text_is_void(const char *name)
{
    static const char *const voids[] = {
        "area", "base", "br", "col", "embed", "hr", "img", "input",
        "link", "meta", "param", "source", "track", "wbr",
    };
    for (size_t i = 0; i < sizeof(voids) / sizeof(*voids); i++)
        if (fs_strcaseeq(name, voids[i]))
            return 1;
    return 0;
}

static void text_serialize_children(const xmlNode *node, struct strbuf *out,
                                    int depth);

static void text_serialize_element(const xmlNode *el, struct strbuf *out,
                                   int depth)
{
    const char *name = feed_local_name(el);
    strbuf_addf(out, "<%s", name);
    for (const xmlAttr *a = el->properties; a; a = a->next) {
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        int is_xml = a->ns && a->ns->href &&
                     !strcmp((const char *)a->ns->href,
                             (const char *)XML_XML_NAMESPACE);
        strbuf_addf(out, " %s%s=\"", is_xml ? "xml:" : "",
                    (const char *)a->name);
        text_escape(out, v ? (const char *)v : "", 1);
        strbuf_addch(out, '"');
        xmlFree(v);
    }
    if (!el->children && text_is_void(name)) {
        strbuf_addstr(out, " />");
        return;
    }
    strbuf_addch(out, '>');
    text_serialize_children(el, out, depth + 1);
    strbuf_addf(out, "</%s>", name);
}

static void text_serialize_children(const xmlNode *node, struct strbuf *out,
                                    int depth)
{
    if (depth > 256) /* libxml2 caps depth too; this just bounds recursion */
        return;
    for (const xmlNode *c = node->children; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                text_escape(out, (const char *)c->content, 0);
            break;
        case XML_ENTITY_REF_NODE: {
            const char *v = text_safe_entity(c);
            if (v)
                text_escape(out, v, 0);
            break;
        }
        case XML_ELEMENT_NODE:
            text_serialize_element(c, out, depth);
            break;
        default:
            break;
        }
    }
}

static int text_has_elements(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* The single <div> wrapping inline content (Atom xhtml), else NULL. */
static const xmlNode *text_wrapper_div(const xmlNode *node)
{
    const xmlNode *div = NULL;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (div || strcmp(feed_local_name(c), "div") != 0)
                return NULL;
            div = c;
        } else if (c->type == XML_TEXT_NODE ||
                   c->type == XML_CDATA_SECTION_NODE) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (!isspace(*p))
                    return NULL;
        }
    }
    return div;
}

/* ---- relative URIs in HTML ------------------------------------------- */

/* (element, attribute) pairs holding URIs, as feedparser resolves them. */
/* Lengths first: most lookups fail on them, cheaply. */
#define TEXT_URI(tag, attr) {tag, sizeof(tag) - 1, attr, sizeof(attr) - 1}
static const struct {
    const char *tag;
    size_t tl;
    const char *attr;
    size_t al;
} text_uri_attrs[] = {
    TEXT_URI("a", "href"),
    TEXT_URI("applet", "codebase"),
    TEXT_URI("area", "href"),
    TEXT_URI("audio", "src"),
    TEXT_URI("blockquote", "cite"),
    TEXT_URI("body", "background"),
    TEXT_URI("del", "cite"),
    TEXT_URI("form", "action"),
    TEXT_URI("frame", "longdesc"),
    TEXT_URI("frame", "src"),
    TEXT_URI("iframe", "longdesc"),
    TEXT_URI("iframe", "src"),
    TEXT_URI("head", "profile"),
    TEXT_URI("img", "longdesc"),
    TEXT_URI("img", "src"),
    TEXT_URI("img", "usemap"),
    TEXT_URI("input", "src"),
    TEXT_URI("input", "usemap"),
    TEXT_URI("ins", "cite"),
    TEXT_URI("link", "href"),
    TEXT_URI("object", "classid"),
    TEXT_URI("object", "codebase"),
    TEXT_URI("object", "data"),
    TEXT_URI("object", "usemap"),
    TEXT_URI("q", "cite"),
    TEXT_URI("script", "src"),
    TEXT_URI("source", "src"),
    TEXT_URI("video", "poster"),
    TEXT_URI("video", "src"),
};

static int text_is_uri_attr(const char *tag, size_t tl, const char *attr,
                            size_t al)
{
    for (size_t i = 0; i < sizeof(text_uri_attrs) / sizeof(*text_uri_attrs);
         i++)
        if (text_uri_attrs[i].tl == tl && text_uri_attrs[i].al == al &&
            !strncasecmp(tag, text_uri_attrs[i].tag, tl) &&
            !strncasecmp(attr, text_uri_attrs[i].attr, al))
            return 1;
    return 0;
}

/* Can a start tag of this name hold a URI (attribute or srcset)? */
static int text_tag_has_uris(const char *tag, size_t tl)
{
    for (size_t i = 0; i < sizeof(text_uri_attrs) / sizeof(*text_uri_attrs);
         i++)
        if (text_uri_attrs[i].tl == tl &&
            !strncasecmp(tag, text_uri_attrs[i].tag, tl))
            return 1;
    return 0; /* (srcset is on img and source, both in the table) */
}

/* Length of the rest of a start tag at s up to its '>' (excluded), with
 * quoted attribute values skipped whole. */
static size_t text_tag_rest(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] != '>') {
        if (s[i++] != '=')
            continue;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i < len && (s[i] == '"' || s[i] == '\'')) {
            const char *q = memchr(s + i + 1, s[i], len - i - 1);
            i = q ? (size_t)(q - s) + 1 : len;
        }
    }
    return i;
}

static int text_is_srcset(const char *tag, size_t tl, const char *attr,
                          size_t al)
{
    return al == 6 && !strncasecmp(attr, "srcset", 6) &&
           ((tl == 3 && !strncasecmp(tag, "img", 3)) ||
            (tl == 6 && !strncasecmp(tag, "source", 6)));
}

/* "a.png, b.png 2x": resolve the URL of every comma-separated candidate,
 * keep its descriptor. */
static char *text_resolve_srcset(const char *base, const char *srcset)
{
    struct strbuf out = STRBUF_INIT;
    const char *p = srcset;
    while (*p) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        size_t ul = strcspn(p, " \t\r\n,");
        char *url = fs_strndup(p, ul);
        char *abs = feed_resolve(base, url);
        p += ul;
        size_t dl = strcspn(p, ",");
        if (out.len)
            strbuf_addstr(&out, ", ");
        strbuf_addstr(&out, abs);
        struct strbuf desc = STRBUF_INIT;
        strbuf_add(&desc, p, dl);
        strbuf_trim(&desc);
        if (desc.len) {
            strbuf_addch(&out, ' ');
            strbuf_addstr(&out, desc.buf);
        }
        strbuf_release(&desc);
        p += dl;
        free(abs);
        free(url);
    }
    return strbuf_detach(&out, NULL);
}

/* Copy the attributes of a start tag at s (after the name), resolving URI
 * values; returns bytes consumed (up to and including '>'). */
static size_t text_rewrite_attrs(const char *s, size_t len, const char *tag,
                                 size_t tl, const char *base,
                                 struct strbuf *out)
{
    size_t i = 0;
    while (i < len && s[i] != '>') {
        if (isspace((unsigned char)s[i]) || s[i] == '/') {
            strbuf_addch(out, s[i++]);
            continue;
        }
        size_t an = i;
        while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=' &&
               s[i] != '>' && s[i] != '/')
            i++;
        size_t al = i - an;
        if (al == 0) { /* stray '=' */
            strbuf_addch(out, s[i++]);
            continue;
        }
        strbuf_add(out, s + an, al);
        size_t ws = i;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len || s[i] != '=') {
            strbuf_add(out, s + ws, i - ws);
            continue;
        }
        i++;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        char quote = i < len && (s[i] == '"' || s[i] == '\'') ? s[i] : 0;
        size_t vs = quote ? i + 1 : i, ve = vs;
        while (ve < len && (quote ? s[ve] != quote
                                  : !isspace((unsigned char)s[ve]) &&
                                        s[ve] != '>'))
            ve++;
        char *value = fs_strndup(s + vs, ve - vs);
        i = quote && ve < len ? ve + 1 : ve;
        char *resolved = text_is_uri_attr(tag, tl, s + an, al)
                             ? feed_resolve(base, value)
                         : text_is_srcset(tag, tl, s + an, al)
                             ? text_resolve_srcset(base, value)
                             : NULL;
        strbuf_addstr(out, "=\"");
        const char *v = resolved ? resolved : value;
        while (*v) { /* runs without '"' at once */
            size_t run = strcspn(v, "\"");
            strbuf_add(out, v, run);
            v += run;
            if (*v) {
                strbuf_addstr(out, "&quot;");
                v++;
            }
        }
        strbuf_addch(out, '"');
        free(resolved);
        free(value);
    }
    return i;
}

void feed_resolve_html(const char *html, size_t len, const char *base,
                       struct strbuf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *p = html + i;
        if (p[0] == '<' && len - i >= 4 && !memcmp(p, "<!--", 4)) {
            const char *e = memmem(p + 4, len - i - 4, "-->", 3);
            size_t n = e ? (size_t)(e - p) + 3 : len - i;
            strbuf_add(out, p, n);
            i += n;
            continue;
        }
        if (p[0] != '<' || !isalpha((unsigned char)p[1])) {
            /* copy up to the next '<' in one piece */
            const char *lt = memchr(p + 1, '<', len - i - 1);
            size_t n = lt ? (size_t)(lt - p) : len - i;
            strbuf_add(out, p, n);
            i += n;
            continue;
        }
        size_t tl = 1;
        while (i + tl < len && (isalnum((unsigned char)p[tl]) ||
                                p[tl] == ':' || p[tl] == '-'))
            tl++;
        if (!text_tag_has_uris(p + 1, tl - 1)) {
            /* <p>, <li>, ...: nothing to resolve, copy the tag as is */
            tl += text_tag_rest(p + tl, len - i - tl);
            strbuf_add(out, p, tl);
            i += tl;
            continue;
        }
        strbuf_add(out, p, tl);
        i += tl;
        i += text_rewrite_attrs(html + i, len - i, p + 1, tl - 1, base, out);
    }
}

/* ---- feedparser's "does this plain text look like HTML?" -------------- */

static int text_acceptable_element(const char *name, size_t n)
{
    static const char *const elements[] = {
        "a", "abbr", "acronym", "address", "area", "article", "aside",
        "audio", "b", "big", "blockquote", "br", "button", "canvas",
        "caption", "center", "cite", "code", "col", "colgroup", "command",
        "datagrid", "datalist", "dd", "del", "details", "dfn", "dialog",
        "dir", "div", "dl", "dt", "em", "event-source", "fieldset",
        "figcaption", "figure", "footer", "font", "form", "header", "h1",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins",
        "keygen", "kbd", "label", "legend", "li", "m", "map", "menu",
        "meter", "multicol", "nav", "nextid", "ol", "output", "optgroup",
        "option", "p", "pre", "progress", "q", "s", "samp", "section",
        "select", "small", "sound", "source", "spacer", "span", "strike",
        "strong", "sub", "sup", "table", "tbody", "td", "textarea", "time",
        "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "video",
        "noscript",
    };
    for (size_t i = 0; i < sizeof(elements) / sizeof(*elements); i++)
        if (strlen(elements[i]) == n && !strncasecmp(name, elements[i], n))
            return 1;
    return 0;
}

static int text_looks_like_html(const char *s)
{
    int evidence = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '<' && (isalnum((unsigned char)p[1]) || p[1] == '_' ||
                            (p[1] == '/' && (isalnum((unsigned char)p[2]) ||
                                             p[2] == '_')))) {
            const char *n = p + 1 + (p[1] == '/');
            size_t l = 0;
            while (isalnum((unsigned char)n[l]) || n[l] == '_')
                l++;
            if (!text_acceptable_element(n, l))
                return 0;
            if (p[1] == '/' && n[l] == '>')
                evidence = 1;
        } else if (p[0] == '&') {
            const char *n = p + 1 + (p[1] == '#');
            size_t l = 0;
            while (isalnum((unsigned char)n[l]) || n[l] == '_')
                l++;
            if (l && n[l] == ';') {
                evidence = 1;
                if (p[1] != '#') {
                    char name[32];
                    if (l >= sizeof(name))
                        return 0;
                    memcpy(name, n, l);
                    name[l] = '\0';
                    if (!htmlEntityLookup((const xmlChar *)name))
                        return 0;
                }
            }
        }
    }
    return evidence;
}

/* ---- base64 ---------------------------------------------------------- */

static int text_base64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decode s into out; -1 (out untouched) when s is not base64. */
static int text_base64_decode(const char *s, struct strbuf *out)
{
    struct strbuf tmp = STRBUF_INIT;
    unsigned acc = 0;
    int bits = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (*s == '=')
            break;
        int v = text_base64_value((unsigned char)*s);
        if (v < 0) {
            strbuf_release(&tmp);
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            strbuf_addch(&tmp, (char)((acc >> bits) & 0xFF));
        }
    }
    strbuf_add(out, tmp.buf, tmp.len);
    strbuf_release(&tmp);
    return 0;
}

/* ---- text constructs ------------------------------------------------- */

enum text_mode { TEXT_MODE_PLAIN, TEXT_MODE_HTML, TEXT_MODE_XHTML,
                 TEXT_MODE_BASE64 };

static int text_type_is_html(const char *t)
{
    return fs_strcaseeq(t, "html") || fs_strcaseeq(t, "text/html") ||
           fs_strcaseeq(t, "xhtml") ||
           fs_strcaseeq(t, "application/xhtml+xml");
}

/* Mode of an Atom text construct; *payload_html tells whether base64 or
 * plain payloads are HTML. */
static enum text_mode text_atom_mode(const xmlNode *node, int atom03,
                                     int *payload_html, int *xml_type)
{
    xmlChar *type = xmlGetProp(node, (const xmlChar *)"type");
    xmlChar *mode = atom03 ? xmlGetProp(node, (const xmlChar *)"mode") : NULL;
    const char *t = type && *type ? (const char *)type
                    : atom03         ? "text/plain"
                                     : "text";
    enum text_mode m;
    size_t tlen = strlen(t);
    *payload_html = text_type_is_html(t);
    *xml_type = tlen >= 3 && !strcasecmp(t + tlen - 3, "xml");
    if (atom03 && mode && fs_strcaseeq((const char *)mode, "base64"))
        m = TEXT_MODE_BASE64;
    else if (atom03 && mode && fs_strcaseeq((const char *)mode, "xml"))
        m = TEXT_MODE_XHTML;
    else if (fs_strcaseeq(t, "text") || fs_strcaseeq(t, "text/plain"))
        m = TEXT_MODE_PLAIN;
    else if (fs_strcaseeq(t, "html") || fs_strcaseeq(t, "text/html"))
        m = TEXT_MODE_HTML;
    else if (fs_strcaseeq(t, "xhtml"))
        m = atom03 ? TEXT_MODE_HTML : TEXT_MODE_XHTML;
    else if (atom03)
        m = *payload_html ? TEXT_MODE_HTML : TEXT_MODE_PLAIN;
    else if (fs_startswith(t, "text/"))
        m = TEXT_MODE_PLAIN;
    else {
        size_t tl = strlen(t);
        int xml = (tl > 4 && !strcasecmp(t + tl - 4, "+xml")) ||
                  (tl > 4 && !strcasecmp(t + tl - 4, "/xml"));
        m = xml ? TEXT_MODE_XHTML : TEXT_MODE_BASE64;
    }
    xmlFree(type);
    xmlFree(mode);
    return m;
}

/* The content of node's only child when that is a text or CDATA node. */
static const char *text_only_child(const xmlNode *node)
{
    const xmlNode *c = node->children;
    if (!c || c->next || !c->content ||
        (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE))
        return NULL;
    return (const char *)c->content;
}

char *feed_text_construct(const xmlNode *node, enum feed_text_kind kind,
                          int atom03, const char *doc_url)
{
    struct strbuf raw = STRBUF_INIT;
    const char *value = NULL; /* the text: raw.buf, or a node's content */
    size_t value_len = 0;
    int payload_html = 0, xml_type = 0, is_html;
    enum text_mode mode =
        kind == FEED_TEXT_ATOM
            ? text_atom_mode(node, atom03, &payload_html, &xml_type)
        : kind == FEED_TEXT_HTML  ? TEXT_MODE_HTML
        : kind == FEED_TEXT_XHTML ? TEXT_MODE_XHTML
                                  : TEXT_MODE_PLAIN;
    const xmlNode *div = text_wrapper_div(node);

    if (mode == TEXT_MODE_XHTML) {
        /* Atom 1.0 xhtml content is wrapped in a div that is not part of
         * the value; Atom 0.3 mode="xml" and xhtml:body keep theirs. */
        int strip = kind == FEED_TEXT_ATOM && !atom03 && div;
        text_serialize_children(strip ? div : node, &raw, 0);
        is_html = 1;
    } else if (mode != TEXT_MODE_BASE64 && text_has_elements(node) &&
               (xml_type || !div || text_has_elements(div))) {
        /* Markup where text was expected is inline XHTML.  Unless the
         * type says XML, a lone wrapping div is dropped (TypePad). */
        text_serialize_children(div && !xml_type ? div : node, &raw, 0);
        is_html = 1;
    } else {
        /* A lone div around text (TypePad) is a wrapper, not content. */
        const xmlNode *holder = div ? div : node;
        const char *only = text_only_child(holder);
        if (only && mode != TEXT_MODE_BASE64) {
            value = only; /* no copy for the usual single text node */
            value_len = strlen(only);
        } else {
            feed_node_text(holder, &raw);
        }
        if (mode == TEXT_MODE_BASE64) {
            struct strbuf dec = STRBUF_INIT;
            if (text_base64_decode(raw.buf, &dec) == 0) {
                strbuf_release(&raw);
                raw = dec;
            }
            is_html = payload_html;
        } else {
            is_html = mode == TEXT_MODE_HTML ||
                      (kind == FEED_TEXT_PLAIN &&
                       text_looks_like_html(value ? value : raw.buf));
        }
    }
    if (!value) {
        value = raw.buf;
        value_len = raw.len;
    }
    while (value_len && isspace((unsigned char)*value)) { /* trim */
        value++;
        value_len--;
    }
    while (value_len && isspace((unsigned char)value[value_len - 1]))
        value_len--;

    struct strbuf out = STRBUF_INIT;
    char *base = is_html ? feed_node_base(node, doc_url) : NULL;
    if (base && memchr(value, '<', value_len)) {
        strbuf_init(&out, value_len + value_len / 8);
        feed_resolve_html(value, value_len, base, &out);
        if (feed_utf8_span(out.buf, out.len, 1) != out.len) {
            struct strbuf clean = STRBUF_INIT;
            feed_clean_append(&clean, out.buf, out.len);
            strbuf_release(&out);
            out = clean;
        }
    } else {
        strbuf_init(&out, value_len);
        feed_clean_append(&out, value, value_len);
    }
    free(base);
    strbuf_release(&raw);
    return strbuf_detach(&out, NULL);
}
