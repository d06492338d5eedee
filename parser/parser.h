/*
 * parser.h — turn bytes into clean structs: feeds (RSS/Atom), article pages
 * (main-text extraction), feed lists (text or OPML), dates.
 *
 * Everything here is pure: no network, no database.  libxml2 is always
 * called with XML_PARSE_NONET and without entity substitution or DTD
 * loading (no XXE, no entity bombs), in recover mode for broken input.
 *
 * Ownership: feed_parse()/article_extract()/feed_list_parse() fill a
 * caller-provided struct whose strings and arrays it owns; release them
 * with the matching *_release().  All strings are valid UTF-8, NUL-free,
 * or NULL when the source had no such value ("" when present but empty).
 */
#ifndef FEEDSIFT_PARSER_H
#define FEEDSIFT_PARSER_H

#include "util.h"

#include <jansson.h>

/* ---- feeds ----------------------------------------------------------- */

enum feed_format {
    FEED_FORMAT_UNKNOWN = 0,
    FEED_FORMAT_RSS20,
    FEED_FORMAT_RSS10,
    FEED_FORMAT_RSS09X,
    FEED_FORMAT_ATOM10,
    FEED_FORMAT_ATOM03,
    FEED_FORMAT_JSON10,    /* JSON Feed 1.0 */
    FEED_FORMAT_JSON11,    /* JSON Feed 1.1 */
};

struct feed_enclosure {
    char *url;
    char *type;
    long long length;      /* -1 when unknown */
};

struct feed_item {
    char *id;              /* guid / atom:id / rdf:about, NULL if none */
    char *title;           /* as in the feed: may hold HTML markup */
    char *link;            /* absolute */
    char *author;          /* "Name (email)" when both are given */
    char *summary;         /* description / summary, may hold HTML */
    char *content;         /* content:encoded / atom:content, may hold HTML */
    /* content (else summary) as sanitised HTML, safe to show in a page
     * (see html_sanitize); NULL until feed_fill_content_html() is called,
     * and NULL when the item has neither. */
    char *content_html;
    int64_t published;     /* FS_TIME_NONE when absent or unparseable */
    int64_t updated;
    char **categories;
    size_t n_categories;
    struct feed_enclosure *enclosures;
    size_t n_enclosures;
};

struct feed {
    enum feed_format format;
    char *title;
    char *link;
    char *description;
    char *language;
    int64_t updated;
    /* How often the publisher says to poll, in seconds: RSS <ttl> (minutes)
     * or sy:updatePeriod / sy:updateFrequency; 0 when the feed gives no
     * hint.  The crawler's scheduler treats it as a lower bound. */
    int64_t update_interval;
    struct feed_item *items;
    size_t n_items;
    char **errors;         /* recoverable problems ("bozo" reasons) */
    size_t n_errors;
};

/*
 * Parse a feed document.  base_url (may be NULL) is the document's URL,
 * used with xml:base to resolve relative links.  http_charset (may be
 * NULL) is the charset parameter of the HTTP Content-Type, which takes
 * precedence over the XML declaration.  Returns FS_EPARSE only when
 * nothing at all could be recovered; *out is then still valid (empty,
 * with errors) and must be released.
 */
fs_code feed_parse(const char *data, size_t len, const char *base_url,
                   const char *http_charset, struct feed *out, fs_error *err);
/* feed_parse_opts() flags. */
enum {
    /* Build an item's content only when the item has no summary (else
     * content stays NULL): for a caller that reads summary, else content,
     * and nothing more (the crawl's feed phase).  The content's HTML is
     * most of a feed's bytes, and cleaning it and resolving its URIs is
     * most of the walk's time.  Such content is not even handed to
     * libxml2 when it can be told apart beforehand (feed_cdata.c). */
    FEED_PARSE_CONTENT_IF_NO_SUMMARY = 1u << 0,
};
/* feed_parse() with flags (0: exactly feed_parse()). */
fs_code feed_parse_opts(const char *data, size_t len, const char *base_url,
                        const char *http_charset, unsigned flags,
                        struct feed *out, fs_error *err);
void feed_release(struct feed *feed);
const char *feed_format_name(enum feed_format format);
/* Fill every item's content_html from its content (else summary) with
 * html_sanitize().  Separate from feed_parse() because it costs another
 * HTML parse per item: call it when the sanitised HTML is wanted (display,
 * storage), not for classification. */
void feed_fill_content_html(struct feed *feed);
/* The parse-feed JSON contract (see README, "parse-feed"). New reference. */
json_t *feed_to_json(const struct feed *feed);

/* A stable id for an item: id, else link, else a hash of title + date.
 * malloc'd. */
char *feed_item_key(const struct feed_item *item);

/* ---- dates ----------------------------------------------------------- */

/* Parse any date format seen in feeds (RFC 822 family, RFC 3339 / ISO 8601
 * / W3CDTF) into UTC seconds.  FS_EPARSE when it is not a date. */
fs_code feed_date_parse(const char *s, int64_t *out);

/* ---- text ------------------------------------------------------------ */

/* Append the plain text of an HTML fragment (tags dropped, entities
 * decoded, block elements as line breaks, whitespace collapsed) to out. */
void html_to_text(struct strbuf *out, const char *html, size_t len);

/* Append a sanitised copy of an HTML fragment to out, safe to embed in a
 * web page: only allow-listed elements and attributes survive (no script,
 * style, iframe, object, embed, svg, form controls, event handlers, style
 * or class attributes), URL attributes keep only http(s), mailto (links)
 * and data:image/{png,gif,jpeg,webp} (img src) and are resolved against
 * base_url (may be NULL), comments go, tags are balanced.  Always valid
 * UTF-8; never fails. */
void html_sanitize(struct strbuf *out, const char *html, size_t len,
                   const char *base_url);

/* ---- article pages --------------------------------------------------- */

struct article {
    char *text;            /* main article text, paragraphs split by "\n\n" */
    char *title;
    char *byline;
    char *published_raw;   /* as found in the page */
    int64_t published;     /* FS_TIME_NONE when unknown */
    char *canonical_url;   /* absolute */
    char *site_name;
    char *language;
};

/* Extract the main text and metadata of an HTML page.  base_url (may be
 * NULL) resolves the canonical URL.  FS_EPARSE when the bytes are not an
 * HTML document at all; an empty article is not an error. */
fs_code article_extract(const char *html, size_t len, const char *base_url,
                        struct article *out, fs_error *err);
void article_release(struct article *article);
json_t *article_to_json(const struct article *article);

/* ---- feed lists ------------------------------------------------------ */

struct feed_list_entry {
    char *url;
    char *name;            /* may be NULL */
    int line;              /* line in the source file, for messages */
};

struct feed_list {
    struct feed_list_entry *entries;
    size_t n_entries;
};

/* Parse a feed list: OPML (detected by content) or text, one URL per line
 * with an optional name after whitespace, '#' comments.  path is only used
 * in error messages ("feeds.txt:12: not an http(s) URL"). */
fs_code feed_list_parse(const char *data, size_t len, const char *path,
                        struct feed_list *out, fs_error *err);
void feed_list_release(struct feed_list *list);

#endif /* FEEDSIFT_PARSER_H */
