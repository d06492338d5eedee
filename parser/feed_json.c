/*
 * feed_json.c — JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)
 * into struct feed, read with jansson like all JSON in the project.
 *
 * feed_parse() sends a document here when its first non-space byte is
 * '{' (no XML document can start so).  The object must then carry a
 * "version" naming https://jsonfeed.org/version/ (http:// tolerated);
 * "…/1" is FEED_FORMAT_JSON10, "…/1.1" and any later version
 * FEED_FORMAT_JSON11 (later ones with an entry in errors).
 *
 * Invariants kept for the rest of the parser:
 *   - every string handed out is cleaned by feed_clean_string (valid
 *     UTF-8, no NUL: "\u0000" is accepted by the parser and replaced);
 *   - summary and content are HTML, as for RSS/Atom: content_html is used
 *     as is (relative href/src resolved), the plain-text members
 *     (summary, content_text) are escaped, line breaks in content_text
 *     becoming <br>;
 *   - relative URLs resolve against the document URL, else the feed's
 *     own feed_url (the document URL wins: it is where the bytes really
 *     came from);
 *   - members of the wrong JSON type are ignored with an entry in errors;
 *     only JSON that does not parse at all, or is not a JSON Feed, is
 *     FS_EPARSE (the message has jansson's line:column).
 */
#include "feed_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FEED_JSON_VERSION_HTTPS "https://jsonfeed.org/version/"
#define FEED_JSON_VERSION_HTTP "http://jsonfeed.org/version/"

struct feed_json_walk {
    struct feed *feed;
    char *base;          /* base for relative URLs, may be NULL */
    char *feed_authors;  /* top-level authors, inherited by items */
};

static size_t feed_json_skip_bom_space(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' ||
                       data[i] == '\r'))
        i++;
    return i;
}

int feed_json_detect(const char *data, size_t len)
{
    size_t i = feed_json_skip_bom_space(data, len);
    return i < len && data[i] == '{';
}

/* ---- members --------------------------------------------------------- */

/* A string member, cleaned; NULL when absent or null, and an error when
 * it has another type. */
static char *feed_json_string(const struct feed_json_walk *w,
                              const json_t *obj, const char *key,
                              const char *where)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        feed_add_error(w->feed, "%s.%s: not a string", where, key);
        return NULL;
    }
    return feed_clean_string(json_string_value(v), json_string_length(v));
}

/* A URL member resolved against the base. */
static char *feed_json_url(const struct feed_json_walk *w, const json_t *obj,
                           const char *key, const char *where)
{
    char *raw = feed_json_string(w, obj, key, where);
    if (!raw)
        return NULL;
    char *url = feed_resolve(w->base, raw);
    free(raw);
    char *clean = feed_clean_string(url, strlen(url));
    free(url);
    return clean;
}

/* Plain text as HTML: & < > escaped, and with br_lines each line break
 * a <br>, so html_to_text and a browser both see the text as written. */
static char *feed_json_text_as_html(const char *s, int br_lines)
{
    struct strbuf sb = STRBUF_INIT;
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_addstr(&sb, "&amp;"); break;
        case '<': strbuf_addstr(&sb, "&lt;"); break;
        case '>': strbuf_addstr(&sb, "&gt;"); break;
        case '\r':
            if (br_lines && s[1] == '\n')
                break; /* CRLF: the LF makes the break */
            /* fall through */
        case '\n':
            if (br_lines) {
                strbuf_addstr(&sb, "<br>\n");
                break;
            }
            /* fall through */
        default: strbuf_addch(&sb, *s); break;
        }
    }
    return strbuf_detach(&sb, NULL);
}

static void feed_json_date(const struct feed_json_walk *w, const json_t *obj,
                           const char *key, const char *where, int64_t *out)
{
    char *s = feed_json_string(w, obj, key, where);
    if (!s)
        return;
    int64_t t;
    if (feed_date_parse(s, &t) == FS_OK)
        *out = t;
    else if (*s)
        feed_add_error(w->feed, "%s.%s: not a date: '%s'", where, key, s);
    free(s);
}

/* Authors as one string: names joined with ", " (an author without a
 * name counts by its url).  1.1 has "authors" (an array), 1.0 "author"
 * (one object); either is read in both versions, authors first. */
static char *feed_json_authors(const struct feed_json_walk *w,
                               const json_t *obj, const char *where)
{
    const json_t *list = json_object_get(obj, "authors");
    const json_t *one = json_object_get(obj, "author");
    struct strbuf sb = STRBUF_INIT;
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    if (list && !json_is_array(list) && !json_is_null(list))
        feed_add_error(w->feed, "%s.authors: not an array", where);
    if (n == 0 && json_is_object(one)) {
        list = NULL;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *a = list ? json_array_get(list, i) : one;
        if (!json_is_object(a))
            continue;
        char *name = feed_json_string(w, a, "name", where);
        if (!name || !*name) {
            free(name);
            name = feed_json_string(w, a, "url", where);
        }
        if (name && *name) {
            if (sb.len)
                strbuf_addstr(&sb, ", ");
            strbuf_addstr(&sb, name);
        }
        free(name);
    }
    if (!sb.len) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb, NULL);
}

/* A non-negative integral size, else -1 (JSON numbers may be reals). */
static long long feed_json_size(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (isfinite(d) && d >= 0 && d < 9e18 && d == (double)(long long)d)
            return (long long)d;
    }
    return -1;
}

/* ---- items ----------------------------------------------------------- */

/* The item id must be a string, but readers are told to coerce numbers
 * (and anything else) to one. */
static char *feed_json_id(const json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return feed_clean_string(json_string_value(v), json_string_length(v));
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s)
        fs_oom();
    char *id = feed_clean_string(s, strlen(s));
    free(s);
    return id;
}

static void feed_json_tags(const struct feed_json_walk *w, const json_t *obj,
                           struct feed_item *it, const char *where)
{
    const json_t *tags = json_object_get(obj, "tags");
    if (!tags || json_is_null(tags))
        return;
    if (!json_is_array(tags)) {
        feed_add_error(w->feed, "%s.tags: not an array", where);
        return;
    }
    size_t i;
    const json_t *t;
    json_array_foreach(tags, i, t) {
        if (!json_is_string(t))
            continue;
        it->categories = fs_realloc(
            it->categories, (it->n_categories + 1) * sizeof(char *));
        it->categories[it->n_categories++] =
            feed_clean_string(json_string_value(t), json_string_length(t));
    }
}

static void feed_json_attachments(const struct feed_json_walk *w,
                                  const json_t *obj, struct feed_item *it,
                                  const char *where)
{
    const json_t *atts = json_object_get(obj, "attachments");
    if (!atts || json_is_null(atts))
        return;
    if (!json_is_array(atts)) {
        feed_add_error(w->feed, "%s.attachments: not an array", where);
        return;
    }
    size_t i;
    const json_t *a;
    json_array_foreach(atts, i, a) {
        if (!json_is_object(a))
            continue;
        char *url = feed_json_url(w, a, "url", where);
        if (!url) /* url is the one required member */
            continue;
        it->enclosures = fs_realloc(
            it->enclosures, (it->n_enclosures + 1) * sizeof(*it->enclosures));
        struct feed_enclosure *e = &it->enclosures[it->n_enclosures++];
        e->url = url;
        e->type = feed_json_string(w, a, "mime_type", where);
        e->length = feed_json_size(json_object_get(a, "size_in_bytes"));
    }
}

/* Text members: content is content_html (URLs resolved) else the escaped
 * content_text; summary is the escaped summary. */
static void feed_json_item_text(const struct feed_json_walk *w,
                                const json_t *obj, struct feed_item *it,
                                const char *where)
{
    char *html = feed_json_string(w, obj, "content_html", where);
    char *text = feed_json_string(w, obj, "content_text", where);
    char *summary = feed_json_string(w, obj, "summary", where);
    if (html) {
        struct strbuf sb = STRBUF_INIT;
        feed_resolve_html(html, strlen(html), w->base, &sb);
        it->content = strbuf_detach(&sb, NULL);
    } else if (text) {
        it->content = feed_json_text_as_html(text, 1);
    }
    if (summary)
        it->summary = feed_json_text_as_html(summary, 0);
    free(html);
    free(text);
    free(summary);
}

static void feed_json_add_item(struct feed_json_walk *w, const json_t *obj,
                               size_t index)
{
    char where[48];
    snprintf(where, sizeof(where), "items[%zu]", index);
    if (!json_is_object(obj)) {
        feed_add_error(w->feed, "%s: not an object", where);
        return;
    }
    struct feed *f = w->feed;
    f->items = fs_realloc(f->items, (f->n_items + 1) * sizeof(*f->items));
    struct feed_item *it = &f->items[f->n_items++];
    memset(it, 0, sizeof(*it));
    it->published = it->updated = FS_TIME_NONE;

    it->id = feed_json_id(json_object_get(obj, "id"));
    it->link = feed_json_url(w, obj, "url", where);
    if (!it->link)
        it->link = feed_json_url(w, obj, "external_url", where);
    it->title = feed_json_string(w, obj, "title", where);
    feed_json_item_text(w, obj, it, where);
    feed_json_date(w, obj, "date_published", where, &it->published);
    feed_json_date(w, obj, "date_modified", where, &it->updated);
    it->author = feed_json_authors(w, obj, where);
    if (!it->author && w->feed_authors)
        it->author = fs_strdup(w->feed_authors);
    feed_json_tags(w, obj, it, where);
    feed_json_attachments(w, obj, it, where);
}

/* ---- document -------------------------------------------------------- */

/* Format from "version"; FEED_FORMAT_UNKNOWN when it is no JSON Feed. */
static enum feed_format feed_json_version(struct feed *feed, const json_t *root)
{
    const char *v = json_string_value(json_object_get(root, "version"));
    const char *num = NULL;
    if (v && fs_startswith(v, FEED_JSON_VERSION_HTTPS))
        num = v + strlen(FEED_JSON_VERSION_HTTPS);
    else if (v && fs_startswith(v, FEED_JSON_VERSION_HTTP))
        num = v + strlen(FEED_JSON_VERSION_HTTP);
    if (!num)
        return FEED_FORMAT_UNKNOWN;
    if (!strcmp(num, "1"))
        return FEED_FORMAT_JSON10;
    if (strcmp(num, "1.1"))
        feed_add_error(feed, "unknown JSON Feed version '%s', read as 1.1",
                       num);
    return FEED_FORMAT_JSON11;
}

/* Load the JSON; invalid UTF-8 is repaired first (and reported) so one
 * bad byte does not cost the whole feed. */
static json_t *feed_json_load(const char *data, size_t len, struct feed *out,
                              json_error_t *jerr)
{
    size_t skip = feed_json_skip_bom_space(data, len);
    data += skip;
    len -= skip;
    if (fs_utf8_valid(data, len))
        return json_loadb(data, len, JSON_ALLOW_NUL, jerr);
    feed_add_error(out, "invalid UTF-8 replaced with U+FFFD");
    struct strbuf sb = STRBUF_INIT;
    fs_utf8_sanitize(&sb, data, len);
    json_t *root = json_loadb(sb.buf, sb.len, JSON_ALLOW_NUL, jerr);
    strbuf_release(&sb);
    return root;
}

fs_code feed_json_parse(const char *data, size_t len, const char *base_url,
                        struct feed *out, fs_error *err)
{
    const char *what = base_url ? base_url : "feed";
    json_error_t jerr;
    json_t *root = feed_json_load(data, len, out, &jerr);
    if (!root) {
        feed_add_error(out, "line %d, column %d: %s", jerr.line, jerr.column,
                       jerr.text);
        return fs_error_set(err, FS_EPARSE,
                            "%s: invalid JSON at line %d, column %d: %s",
                            what, jerr.line, jerr.column, jerr.text);
    }
    out->format = feed_json_version(out, root);
    if (out->format == FEED_FORMAT_UNKNOWN) {
        json_decref(root);
        feed_add_error(out, "JSON without a jsonfeed.org \"version\"");
        return fs_error_set(err, FS_EPARSE, "%s: not a feed: JSON without "
                            "a jsonfeed.org \"version\"", what);
    }

    struct feed_json_walk w = {out, NULL, NULL};
    char *feed_url = feed_json_string(&w, root, "feed_url", "feed");
    if (base_url)
        w.base = fs_strdup(base_url);
    else if (feed_url)
        w.base = feed_resolve(NULL, feed_url);
    free(feed_url);

    out->title = feed_json_string(&w, root, "title", "feed");
    out->link = feed_json_url(&w, root, "home_page_url", "feed");
    char *desc = feed_json_string(&w, root, "description", "feed");
    if (desc) {
        out->description = feed_json_text_as_html(desc, 0);
        free(desc);
    }
    out->language = feed_json_string(&w, root, "language", "feed");
    w.feed_authors = feed_json_authors(&w, root, "feed");

    const json_t *items = json_object_get(root, "items");
    if (json_is_array(items)) {
        size_t i;
        const json_t *item;
        json_array_foreach(items, i, item)
            feed_json_add_item(&w, item, i);
    } else {
        feed_add_error(out, "feed.items: %s",
                       items ? "not an array" : "missing");
    }
    free(w.feed_authors);
    free(w.base);
    json_decref(root);
    return FS_OK;
}
