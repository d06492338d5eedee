/*
 * extract_meta.c — article metadata from an HTML page: title, byline,
 * publication date, canonical URL, site name, language.
 *
 * Sources, best first for each field: JSON-LD (schema.org Article and
 * its subtypes, read with jansson), Open Graph / article:* properties,
 * other <meta> names, <link rel=canonical>, <html lang>, <title>.  The
 * first value found for a field at a given rank wins.
 *
 * Invariants: every string stored in struct article is malloc'd, valid
 * UTF-8 with whitespace collapsed; JSON-LD is walked with a depth cap.
 */
#include "extract_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSONLD_MAX_DEPTH 16

/* Candidate values per field, by rank (lower index = better source). */
enum { RANK_JSONLD, RANK_OG, RANK_META, RANK_HTML, N_RANKS };
enum { F_TITLE, F_BYLINE, F_PUBLISHED, F_CANONICAL, F_SITE, F_LANG,
       N_FIELDS };

struct meta {
    char *v[N_FIELDS][N_RANKS];
};

/* Keep the first non-empty value for (field, rank); takes s. */
static void meta_offer(struct meta *m, int field, int rank, char *s)
{
    if (s && *s && !m->v[field][rank]) {
        m->v[field][rank] = s;
        return;
    }
    free(s);
}

static char *meta_take(struct meta *m, int field)
{
    char *r = NULL;
    for (int k = 0; k < N_RANKS; k++) {
        if (!r && m->v[field][k]) {
            r = m->v[field][k];
            m->v[field][k] = NULL;
        }
        free(m->v[field][k]);
        m->v[field][k] = NULL;
    }
    return r;
}

/* ---- JSON-LD ------------------------------------------------------------- */

static int is_article_type(const char *t)
{
    static const char *const TYPES[] = {
        "Article", "NewsArticle", "ReportageNewsArticle",
        "AnalysisNewsArticle", "OpinionNewsArticle", "BackgroundNewsArticle",
        "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report",
        "TechArticle", "ScholarlyArticle", "SocialMediaPosting", NULL};
    if (!t)
        return 0;
    if (fs_startswith(t, "http://schema.org/"))
        t += 18;
    else if (fs_startswith(t, "https://schema.org/"))
        t += 19;
    for (const char *const *p = TYPES; *p; p++)
        if (strcmp(t, *p) == 0)
            return 1;
    return 0;
}

static int has_article_type(json_t *obj)
{
    json_t *t = json_object_get(obj, "@type");
    if (json_is_string(t))
        return is_article_type(json_string_value(t));
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v)
        if (is_article_type(json_string_value(v)))
            return 1;
    return 0;
}

/* "name" of an object, or the string itself. */
static const char *name_of(json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    return json_string_value(json_object_get(v, "name"));
}

static char *jsonld_authors(json_t *author)
{
    struct strbuf sb = STRBUF_INIT;
    if (json_is_array(author)) {
        size_t i;
        json_t *a;
        json_array_foreach(author, i, a) {
            const char *n = name_of(a);
            if (!n || !*n)
                continue;
            if (sb.len)
                strbuf_addstr(&sb, ", ");
            strbuf_addstr(&sb, n);
        }
    } else {
        strbuf_addstr(&sb, name_of(author));
    }
    char *r = text_clean(sb.buf);
    strbuf_release(&sb);
    return r;
}

static void jsonld_article(struct meta *m, json_t *obj)
{
    const char *headline = json_string_value(json_object_get(obj, "headline"));
    if (!headline)
        headline = json_string_value(json_object_get(obj, "name"));
    meta_offer(m, F_TITLE, RANK_JSONLD, text_clean(headline));
    json_t *author = json_object_get(obj, "author");
    if (author)
        meta_offer(m, F_BYLINE, RANK_JSONLD, jsonld_authors(author));
    meta_offer(m, F_PUBLISHED, RANK_JSONLD,
               text_clean(json_string_value(
                   json_object_get(obj, "datePublished"))));
    meta_offer(m, F_SITE, RANK_JSONLD,
               text_clean(name_of(json_object_get(obj, "publisher"))));
    meta_offer(m, F_LANG, RANK_META,
               text_clean(name_of(json_object_get(obj, "inLanguage"))));
}

/* Find article objects anywhere (top level, arrays, @graph, nested). */
static void jsonld_walk(struct meta *m, json_t *v, int depth)
{
    if (depth > JSONLD_MAX_DEPTH)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
            jsonld_walk(m, e, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    if (has_article_type(v)) {
        jsonld_article(m, v);
        return;
    }
    json_t *graph = json_object_get(v, "@graph");
    if (graph)
        jsonld_walk(m, graph, depth + 1);
    json_t *main = json_object_get(v, "mainEntity");
    if (main)
        jsonld_walk(m, main, depth + 1);
}

static void jsonld_script(struct meta *m, const xmlNode *script)
{
    struct strbuf src = STRBUF_INIT;
    dom_text(script, &src);
    json_error_t jerr;
    json_t *root = json_loadb(src.buf, src.len, JSON_DISABLE_EOF_CHECK, &jerr);
    if (root) {
        jsonld_walk(m, root, 0);
        json_decref(root);
    }
    strbuf_release(&src);
}

/* ---- <meta>, <link>, <title> ------------------------------------------- */

/* "en_US" (og:locale) to "en-US". */
static char *locale_to_lang(const char *s)
{
    char *r = text_clean(s);
    for (char *p = r; p && *p; p++)
        if (*p == '_')
            *p = '-';
    return r;
}

/* "By Jane Doe" -> "Jane Doe". */
static char *strip_by(char *s)
{
    if (s && (s[0] == 'B' || s[0] == 'b') && (s[1] == 'y' || s[1] == 'Y') &&
        s[2] == ' ')
        memmove(s, s + 3, strlen(s + 3) + 1);
    return s;
}

static void meta_tag(struct meta *m, const xmlNode *n)
{
    const char *key = dom_attr(n, "property");
    if (!key)
        key = dom_attr(n, "name");
    if (!key)
        key = dom_attr(n, "itemprop");
    const char *content = dom_attr(n, "content");
    const char *equiv = dom_attr(n, "http-equiv");
    if (equiv && content && fs_strcaseeq(equiv, "content-language")) {
        meta_offer(m, F_LANG, RANK_META, text_clean(content));
        return;
    }
    if (!key || !content)
        return;
    static const char *const DATES[] = {
        "date", "pubdate", "publishdate", "publish-date", "dc.date",
        "dc.date.issued", "dcterms.created", "sailthru.date",
        "parsely-pub-date", "datepublished", "article.published", NULL};
    static const char *const AUTHORS[] = {
        "author", "byl", "sailthru.author", "parsely-author", "dc.creator",
        "article:author", NULL};
    if (fs_strcaseeq(key, "og:title"))
        meta_offer(m, F_TITLE, RANK_OG, text_clean(content));
    else if (fs_strcaseeq(key, "twitter:title"))
        meta_offer(m, F_TITLE, RANK_META, text_clean(content));
    else if (fs_strcaseeq(key, "og:site_name"))
        meta_offer(m, F_SITE, RANK_OG, text_clean(content));
    else if (fs_strcaseeq(key, "application-name"))
        meta_offer(m, F_SITE, RANK_META, text_clean(content));
    else if (fs_strcaseeq(key, "article:published_time") ||
             fs_strcaseeq(key, "og:article:published_time"))
        meta_offer(m, F_PUBLISHED, RANK_OG, text_clean(content));
    else if (fs_strcaseeq(key, "og:url"))
        meta_offer(m, F_CANONICAL, RANK_OG, text_clean(content));
    else if (fs_strcaseeq(key, "og:locale"))
        meta_offer(m, F_LANG, RANK_HTML, locale_to_lang(content));
    else {
        for (const char *const *d = DATES; *d; d++)
            if (fs_strcaseeq(key, *d))
                meta_offer(m, F_PUBLISHED, RANK_META, text_clean(content));
        for (const char *const *a = AUTHORS; *a; a++)
            /* article:author is often a profile URL, not a name. */
            if (fs_strcaseeq(key, *a) && !strstr(content, "://"))
                meta_offer(m, F_BYLINE, RANK_META,
                           strip_by(text_clean(content)));
    }
}

static int rel_has(const char *rel, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = rel; p && *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *e = p;
        while (*e && !isspace((unsigned char)*e))
            e++;
        if ((size_t)(e - p) == wl && strncasecmp(p, word, wl) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static size_t word_count(const char *s, size_t len)
{
    size_t words = 0;
    int in_word = 0;
    for (size_t i = 0; i < len; i++) {
        int sp = isspace((unsigned char)s[i]);
        if (!sp && !in_word)
            words++;
        in_word = !sp;
    }
    return words;
}

/* <title> usually reads "Headline | Site" or "Headline - Site": keep the
 * part before the last separator, as Readability does, unless that
 * leaves under three words (then "Site | Headline": take what follows
 * the first separator). */
static void strip_site_suffix(char *title)
{
    static const char *const SEPS[] = {" | ", " - ", " \xE2\x80\x93 ",
                                       " \xE2\x80\x94 ", " \xC2\xBB ",
                                       " / ", " :: ", NULL};
    if (!title)
        return;
    const char *first = NULL, *last = NULL;
    size_t first_len = 0;
    for (const char *const *sep = SEPS; *sep; sep++) {
        size_t sl = strlen(*sep);
        for (const char *p = strstr(title, *sep); p; p = strstr(p + 1, *sep)) {
            if (!first || p < first) {
                first = p;
                first_len = sl;
            }
            if (!last || p > last)
                last = p;
        }
    }
    if (!last)
        return;
    if (word_count(title, (size_t)(last - title)) >= 3) {
        title[last - title] = '\0';
        return;
    }
    const char *rest = first + first_len;
    if (word_count(rest, strlen(rest)) >= 3)
        memmove(title, rest, strlen(rest) + 1);
}

/* The best-ranked date that parses to a plausible time: CMS templates
 * emit placeholders such as "0001-01-01T00:00:00Z".  When none parses,
 * published_raw keeps the best raw value and published stays unknown. */
static void take_published(struct meta *m, struct article *out)
{
    const int64_t min_plausible = 631152000; /* 1990-01-01, pre-web */
    out->published = FS_TIME_NONE;
    for (int k = 0; k < N_RANKS; k++) {
        int64_t t;
        char *raw = m->v[F_PUBLISHED][k];
        if (raw && feed_date_parse(raw, &t) == FS_OK && t >= min_plausible) {
            out->published = t;
            out->published_raw = raw;
            m->v[F_PUBLISHED][k] = NULL;
            break;
        }
    }
    char *first = meta_take(m, F_PUBLISHED);
    if (!out->published_raw)
        out->published_raw = first;
    else
        free(first);
}

void article_meta_extract(xmlDoc *doc, const char *base_url,
                          struct article *out)
{
    struct meta m = {0};
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root) {
        meta_offer(&m, F_LANG, RANK_OG, text_clean(dom_attr(root, "lang")));
        meta_offer(&m, F_LANG, RANK_OG,
                   text_clean(dom_attr(root, "xml:lang")));
    }
    for (xmlNode *n = root; n; n = dom_next(n, root, 1)) {
        /* Most nodes are text or other elements: one test rules them
         * out before any name compare. */
        if (n->type != XML_ELEMENT_NODE || !n->name)
            continue;
        int c0 = n->name[0] | 0x20;
        if (c0 != 'm' && c0 != 'l' && c0 != 't' && c0 != 's')
            continue;
        if (dom_is(n, "meta")) {
            meta_tag(&m, n);
        } else if (dom_is(n, "link")) {
            const char *rel = dom_attr(n, "rel");
            if (rel_has(rel, "canonical"))
                meta_offer(&m, F_CANONICAL, RANK_JSONLD,
                           text_clean(dom_attr(n, "href")));
        } else if (dom_is(n, "title") && !dom_has_ancestor(n, "svg", 0)) {
            struct strbuf t = STRBUF_INIT;
            dom_text_clean(n, &t);
            meta_offer(&m, F_TITLE, RANK_HTML, strbuf_detach(&t, NULL));
        } else if (dom_is(n, "script")) {
            const char *type = dom_attr(n, "type");
            if (type && fs_strcaseeq(type, "application/ld+json"))
                jsonld_script(&m, n);
        }
    }
    int title_from_html = !m.v[F_TITLE][RANK_JSONLD] &&
                          !m.v[F_TITLE][RANK_OG] && !m.v[F_TITLE][RANK_META];
    out->title = meta_take(&m, F_TITLE);
    if (title_from_html)
        strip_site_suffix(out->title);
    out->byline = strip_by(meta_take(&m, F_BYLINE));
    take_published(&m, out);
    char *canonical = meta_take(&m, F_CANONICAL);
    if (canonical) {
        out->canonical_url = fs_url_resolve(base_url, canonical);
        free(canonical);
    }
    out->site_name = meta_take(&m, F_SITE);
    out->language = meta_take(&m, F_LANG);
}
