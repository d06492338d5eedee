/*
 * feed_internal.h — what the feed_*.c files share (not a public API).
 *
 *   feed_decode.c  raw bytes -> UTF-8 XML text: BOM / HTTP charset / XML
 *                  declaration, undefined HTML entities made well-formed.
 *   feed_text.c    text constructs (plain, escaped HTML, inline XHTML,
 *                  base64), relative URI resolution inside HTML, cleaning
 *                  strings to the UTF-8 the public structs promise, and
 *                  the node helpers: namespace classes, xml:base.
 *   feed.c         the document walk (RSS 0.9x/1.0/2.0, Atom 0.3/1.0),
 *                  release, JSON, item keys.
 *   feed_json.c    JSON Feed 1.0 / 1.1 documents (jansson).
 * The UTF-8 helpers are shared with html_text.c, html_sanitize.c and the
 * article extractor.
 */
#ifndef FEEDSIFT_FEED_INTERNAL_H
#define FEEDSIFT_FEED_INTERNAL_H

#include "parser.h"

/* XML's white space (2.3 S), what separates names and attributes inside
 * markup: for the scanners that read raw markup before libxml2 does
 * (feed_cdata.c, extract.c's script filter). */
static inline int feed_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#include <libxml/tree.h>

/* Namespaces we understand, identified by URI (never by prefix). */
enum feed_ns {
    FEED_NS_OTHER = 0,
    FEED_NS_CORE,     /* no namespace, RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 */
    FEED_NS_DC,
    FEED_NS_DCTERMS,
    FEED_NS_CONTENT,
    FEED_NS_XHTML,
    FEED_NS_RDF,
    FEED_NS_SY,       /* RSS 1.0 syndication module (update period) */
};

/* Append a recoverable problem ("bozo" reason) to feed->errors. */
void feed_add_error(struct feed *feed, const char *fmt, ...) FS_PRINTF(2, 3);

/* Turn raw feed bytes into UTF-8 XML text with no XML declaration, ready
 * for xmlReadMemory(..., "UTF-8", ...).  Problems (unknown or wrong
 * encoding, HTML entities, bare ampersands) go to feed->errors.  Returns
 * the text and its length in *out_len: a pointer into data when the bytes
 * need no change (the usual case: no copy), else into scratch.  With
 * trust_utf8, bytes labelled UTF-8 are passed on unchecked and *trusted
 * is set: the caller must decode again without trust_utf8 if the XML
 * parser finds them invalid. */
const char *feed_decode(const char *data, size_t len,
                        const char *http_charset, int trust_utf8,
                        int *trusted, struct feed *feed,
                        struct strbuf *scratch, size_t *out_len);

/* The document text for the push parser (see feed_cdata.c): runs of
 * character data holding only predefined or character references become
 * CDATA sections of the same characters.  With elide, the body of a
 * content element beside a summary becomes <?feedsift-elided?> and its
 * line feeds (the caller must check the guess on the tree, see
 * feed_cdata.c); *n_elided counts them.  Returns 1 with the new text in
 * out, or 0 (out empty) when the text is best parsed as it is. */
#define FEED_CDATA_ELIDED_PI "feedsift-elided"
int feed_cdata_rewrite(const char *text, size_t len, int elide,
                       struct strbuf *out, size_t *n_elided);

/* feed_parse_opts() with eliding (feed_cdata.c) chosen by the caller:
 * feed_parse_opts elides exactly when flags has
 * FEED_PARSE_CONTENT_IF_NO_SUMMARY.  elide = 0 is the reference the tests
 * hold eliding to.  *kept (when kept is not NULL): bodies elided in the
 * parse that made out, 0 when the walk found one where it is read and
 * the document was parsed again without eliding. */
fs_code feed_parse_elide(const char *data, size_t len, const char *base_url,
                         const char *http_charset, unsigned flags, int elide,
                         size_t *kept, struct feed *out, fs_error *err);

/* A string as the public structs hold it: valid UTF-8, C1 controls read
 * as the Windows-1252 characters they almost always are.  malloc'd. */
char *feed_clean_string(const char *s, size_t len);
/* The same, in place on a strbuf appended to out. */
void feed_clean_append(struct strbuf *out, const char *s, size_t len);
/* fs_utf8_sanitize() with a fast path: text that needs no repair (the
 * usual case) is copied in one piece. */
void feed_utf8_append(struct strbuf *out, const char *s, size_t len);
/* Length of the prefix of s that is valid UTF-8 without NUL or C0
 * controls other than tab, LF, CR (and, with stop_c1, without
 * U+0080..U+009F): what the cleaners above may copy unchanged.  Reads
 * eight ASCII bytes at a time. */
size_t feed_utf8_span(const char *s, size_t len, int stop_c1);

/* html_to_text() without its fast path for simple markup (html_text.c):
 * markup always goes through libxml2's HTML parser.  The reference the
 * tests hold the fast path to. */
void html_to_text_libxml(struct strbuf *out, const char *html, size_t len);

/* Namespace class of an element or attribute, with a fallback on the
 * well-known prefix when the prefix was never declared (recovered). */
enum feed_ns feed_node_ns(const xmlNode *node);
/* node is an element of class ns named local. */
int feed_node_is(const xmlNode *node, enum feed_ns ns, const char *local);
/* Local name without any undeclared "prefix:". */
const char *feed_local_name(const xmlNode *node);

/* fs_url_resolve() that keeps non-ASCII characters as they were and
 * resolves an empty reference to the base itself.  malloc'd. */
char *feed_resolve(const char *base, const char *ref);
/* Append html to out with the URI attributes of every start tag (href,
 * src, srcset, ...) resolved against base. */
void feed_resolve_html(const char *html, size_t len, const char *base,
                       struct strbuf *out);
/* Base URI of node: doc_url, then every xml:base from the root down. */
char *feed_node_base(const xmlNode *node, const char *doc_url);

/* Character data of node's subtree (text, CDATA, safe entities). */
void feed_node_text(const xmlNode *node, struct strbuf *out);

enum feed_text_kind {
    FEED_TEXT_PLAIN, /* RSS title and the like: text, may look like HTML */
    FEED_TEXT_HTML,  /* RSS description, content:encoded */
    FEED_TEXT_ATOM,  /* Atom: type= (and mode= in 0.3) decide */
    FEED_TEXT_XHTML, /* xhtml:body: inline markup */
};

/* The value of a text construct, feedparser's way (see the conformance
 * README): plain text unescaped, HTML as markup with relative URIs
 * resolved against the element's base.  atom03 selects Atom 0.3 rules.
 * malloc'd, trimmed, cleaned. */
char *feed_text_construct(const xmlNode *node, enum feed_text_kind kind,
                          int atom03, const char *doc_url);

/* Parse a JSON Feed document (feed_parse() detected it by content:
 * see feed_json_detect).  Same contract as feed_parse(). */
fs_code feed_json_parse(const char *data, size_t len, const char *base_url,
                        struct feed *out, fs_error *err);
/* The bytes are JSON, not XML: the first non-space byte (after a UTF-8
 * BOM) is '{'.  feed_json_parse() then requires a jsonfeed.org
 * "version" member. */
int feed_json_detect(const char *data, size_t len);

#endif /* FEEDSIFT_FEED_INTERNAL_H */
