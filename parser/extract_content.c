/*
 * extract_content.c — find the main text of a news page (readability-style).
 *
 * The method follows Mozilla Readability's: strip what is never content
 * (scripts, navigation, hidden and "unlikely" blocks such as sidebars and
 * cookie banners), score every paragraph (length, commas) and credit its
 * ancestors, discount link-heavy candidates, pick the best container, add
 * siblings that look like more of the same article, clean the result
 * conditionally (link-dense lists, share bars, widget blocks) and print
 * the paragraphs.  When that yields under CHAR_THRESHOLD characters the
 * pass is retried with fewer heuristics, keeping the longest result.
 *
 * Beyond Readability, for precision: comment threads, captions and photo
 * credits, date lines, screen-reader text and repeats of the headline are
 * dropped in every pass but the last-resort one; one-link paragraphs and
 * link-dense lists are dropped from the chosen content; embedded social
 * posts quoted by the article are kept.  Only generic signals are used:
 * no site-specific rules.
 *
 * Invariants: each pass cuts up the tree it works on: the first the
 * caller's document, the fallback passes (one page in ten) a fresh parse
 * of the page, cheaper than copying every page's tree in case a fallback
 * is needed; per-node scores live in node->_private and are owned by the
 * pass's struct scorer (left dangling in the cut-up tree, which nobody
 * reads again: xmlFreeDoc() ignores _private); every walk is iterative.
 */
#include "extract_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    FLAG_STRIP_UNLIKELY = 1,
    FLAG_WEIGHT_CLASSES = 2,
    FLAG_CLEAN_CONDITIONALLY = 4,
    FLAG_STRIP_NEVER_TEXT = 8,   /* comments, captions, title repeats */
};

#define CHAR_THRESHOLD 500
#define N_TOP_CANDIDATES 5
#define SCORE_ANCESTOR_LEVELS 5

/* Small math without libm (the parser library links no -lm). */
static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }
static double dfloor_pos(double a) { return (double)(long long)a; }

struct node_score {
    double score;
};

struct scorer {
    unsigned flags;
    xmlNode **to_score;
    size_t n_to_score, alloc_to_score;
    xmlNode **candidates;          /* nodes whose _private holds a score */
    struct node_score **scores;    /* owned, parallel to candidates */
    size_t n_candidates, alloc_candidates, alloc_scores;
    char *byline;                  /* first byline seen in the body */
};

static const char *const HEADINGS[] = {"h1", "h2", "h3", "h4", "h5", "h6",
                                       NULL};

/* ---- class/id hints ----------------------------------------------------- */

static const char *const UNLIKELY[] = {
    "-ad-", "ai2html", "banner", "breadcrumbs", "combx", "comment",
    "community", "cover-wrap", "disqus", "extra", "footer", "gdpr", "header",
    "legends", "menu", "related", "remark", "replies", "rss", "shoutbox",
    "sidebar", "skyscraper", "social", "sponsor", "supplemental", "ad-break",
    "agegate", "pagination", "pager", "popup", "yom-remote", "cookie",
    "consent", "newsletter", NULL};
static const char *const MAYBE_CANDIDATE[] = {
    "and", "article", "body", "column", "content", "main", "mathjax",
    "shadow", NULL};
static const char *const POSITIVE[] = {
    "article", "body", "content", "entry", "hentry", "h-entry", "main",
    "page", "pagination", "post", "text", "blog", "story", NULL};
static const char *const NEGATIVE[] = {
    "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact",
    "footer", "gdpr", "masthead", "media", "meta", "outbrain", "promo",
    "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper",
    "sponsor", "shopping", "tags", "widget", "cookie", "newsletter",
    "subscribe", NULL};
static const char *const BYLINE_HINTS[] = {
    "byline", "author", "dateline", "writtenby", "p-author", NULL};
static const char *const UNLIKELY_ROLES[] = {
    "menu", "menubar", "complementary", "navigation", "alert",
    "alertdialog", "dialog", NULL};

/* Lower-case "class id" of n into buf (truncated to size). */
static const char *class_and_id(const xmlNode *n, char *buf, size_t size)
{
    const char *c = dom_attr(n, "class"), *id = dom_attr(n, "id");
    size_t w = 0;
    buf[0] = '\0';
    for (int k = 0; k < 2; k++) {
        const char *s = k ? id : c;
        if (!s)
            continue;
        if (w && w + 1 < size)
            buf[w++] = ' ';
        for (; *s && w + 1 < size; s++)
            buf[w++] = (char)tolower((unsigned char)*s);
    }
    buf[w] = '\0';
    return buf;
}

static int contains_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strstr(s, *words))
            return 1;
    return 0;
}

/* Is s (lower case) the word w or does it hold w as a token delimited by
 * non-letters, as Readability's "(\b|_)share(\b|_)"? */
static int has_token(const char *s, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = strstr(s, w); p; p = strstr(p + 1, w)) {
        int before = p == s || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[wl]);
        if (before && after)
            return 1;
    }
    return 0;
}

/* Ad containers that Readability's "-ad-" misses: class/id tokens such as
 * "ad", "ads", "advert", "ad-slot", "dfp". */
static int looks_like_ad(const char *ci)
{
    static const char *const ADS[] = {"ad", "ads", "advert", "advertisement",
                                      "adslot", "ad-slot", "dfp", NULL};
    for (const char *const *a = ADS; *a; a++)
        if (has_token(ci, *a))
            return 1;
    return 0;
}

static int weight_of(const char *s)
{
    int w = 0;
    if (!*s)
        return 0;
    if (contains_any(s, NEGATIVE) || has_token(s, "hid"))
        w -= 25;
    if (contains_any(s, POSITIVE))
        w += 25;
    return w;
}

static int class_weight(const struct scorer *sc, const xmlNode *n)
{
    if (!(sc->flags & FLAG_WEIGHT_CLASSES))
        return 0;
    char buf[256];
    const char *c = dom_attr(n, "class"), *id = dom_attr(n, "id");
    int w = 0;
    if (c) {
        size_t i = 0;
        for (; c[i] && i + 1 < sizeof(buf); i++)
            buf[i] = (char)tolower((unsigned char)c[i]);
        buf[i] = '\0';
        w += weight_of(buf);
    }
    if (id) {
        size_t i = 0;
        for (; id[i] && i + 1 < sizeof(buf); i++)
            buf[i] = (char)tolower((unsigned char)id[i]);
        buf[i] = '\0';
        w += weight_of(buf);
    }
    return w;
}

/* ---- node measures ------------------------------------------------------- */

static double link_density(const xmlNode *n)
{
    size_t total = dom_text_len(n);
    if (!total)
        return 0;
    double links = 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c;) {
        if (dom_is(c, "a")) {
            const char *href = dom_attr(c, "href");
            double coef = href && href[0] == '#' ? 0.3 : 1;
            links += coef * (double)dom_text_len(c);
            c = dom_next(c, n, 0);
        } else {
            c = dom_next(c, n, 1);
        }
    }
    return links / (double)total;
}

/* Commas in one text node's content. */
static size_t comma_count_text(const unsigned char *s)
{
    /* ',' and the Arabic / CJK / fullwidth forms Readability counts; the
     * multi-byte ones all start with 0xD8, 0xE2 or 0xEF. */
    static const char *const COMMAS[] = {"\xD8\x8C", "\xEF\xB9\x90",
                                         "\xEF\xB8\x90", "\xEF\xB8\x91",
                                         "\xE2\xB9\x81", "\xE2\xB8\xB4",
                                         "\xE2\xB8\xB2", "\xEF\xBC\x8C",
                                         NULL};
    size_t count = 0;
    for (; *s; s++) {
        if (*s == ',') {
            count++;
            continue;
        }
        if (*s != 0xD8 && *s != 0xE2 && *s != 0xEF)
            continue;
        for (const char *const *c = COMMAS; *c; c++) {
            size_t l = strlen(*c);
            if (strncmp((const char *)s, *c, l) == 0) {
                count++;
                s += l - 1;
                break;
            }
        }
    }
    return count;
}

/* Commas in n's text.  Counted node by node, without building the text:
 * a UTF-8 sequence never spans two text nodes. */
static size_t comma_count(const xmlNode *n)
{
    size_t count = 0;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        return n->content ? comma_count_text(n->content) : 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c; c = dom_next(c, n, 1))
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            c->content)
            count += comma_count_text(c->content);
    return count;
}

static int is_whitespace_text(const xmlNode *n)
{
    if (n->type != XML_TEXT_NODE)
        return 0;
    for (const unsigned char *s = n->content; s && *s; s++)
        if (!isspace(*s))
            return 0;
    return 1;
}

/* No text and only <br>/<hr> children (Readability's
 * _isElementWithoutContent). */
static int is_without_content(const xmlNode *n)
{
    if (dom_text_len_max(n, 0)) /* any text at all: stop counting there */
        return 0;
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !dom_is(c, "br") &&
            !dom_is(c, "hr"))
            return 0;
    return 1;
}

static const char *const BLOCK_IN_DIV[] = {
    "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul",
    "figure", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
    NULL};

static int has_block_descendant(const xmlNode *n)
{
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c; c = dom_next(c, n, 1))
        if (dom_is_any(c, BLOCK_IN_DIV))
            return 1;
    return 0;
}

static const char *const PHRASING[] = {
    "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data",
    "datalist", "dfn", "em", "embed", "i", "img", "input", "kbd", "label",
    "mark", "math", "meter", "noscript", "object", "output", "progress", "q",
    "ruby", "samp", "script", "select", "small", "span", "strong", "sub",
    "sup", "textarea", "time", "var", "wbr", "a", "del", "ins", "font",
    "u", "s", "strike", "big", "tt", NULL};

static int is_phrasing(const xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        return 1;
    if (!dom_is_any(n, PHRASING))
        return 0;
    /* a, del, ins and friends are phrasing only without blocks inside. */
    return !has_block_descendant(n);
}

/* ---- scores -------------------------------------------------------------- */

static struct node_score *score_of(const xmlNode *n)
{
    return n ? (struct node_score *)n->_private : NULL;
}

static struct node_score *score_init(struct scorer *sc, xmlNode *n)
{
    struct node_score *s = score_of(n);
    if (s)
        return s;
    s = fs_calloc(1, sizeof(*s));
    FS_GROW(sc->candidates, sc->n_candidates + 1, sc->alloc_candidates);
    FS_GROW(sc->scores, sc->n_candidates + 1, sc->alloc_scores);
    sc->candidates[sc->n_candidates] = n;
    sc->scores[sc->n_candidates++] = s;
    n->_private = s;

    static const char *const PLUS3[] = {"pre", "td", "blockquote", NULL};
    static const char *const MINUS3[] = {"address", "ol", "ul", "dl", "dd",
                                         "dt", "li", "form", NULL};
    static const char *const MINUS5[] = {"h1", "h2", "h3", "h4", "h5", "h6",
                                         "th", NULL};
    if (dom_is(n, "div"))
        s->score = 5;
    else if (dom_is_any(n, PLUS3))
        s->score = 3;
    else if (dom_is_any(n, MINUS3))
        s->score = -3;
    else if (dom_is_any(n, MINUS5))
        s->score = -5;
    s->score += class_weight(sc, n);
    return s;
}

static void scorer_release(struct scorer *sc)
{
    for (size_t i = 0; i < sc->n_candidates; i++)
        free(sc->scores[i]);
    free(sc->scores);
    free(sc->candidates);
    free(sc->to_score);
    free(sc->byline);
    memset(sc, 0, sizeof(*sc));
}

/* ---- pre-cleaning -------------------------------------------------------- */

static const char *const NEVER_CONTENT[] = {
    "script", "style", "noscript", "template", "iframe", "svg", "canvas",
    "object", "embed", "button", "input", "select", "textarea", "link",
    "meta", "figcaption", "dialog", "head", "title", NULL};
static const char *const PAGE_CHROME[] = {"nav", "aside", "footer", "header",
                                          "menu", NULL};

/* Hidden by the page itself: hidden attribute, inline display:none or
 * visibility:hidden, aria-hidden, screen-reader-only classes. */
static int is_hidden(const xmlNode *n)
{
    if (dom_attr(n, "hidden"))
        return 1;
    const char *aria = dom_attr(n, "aria-hidden");
    if (aria && fs_strcaseeq(aria, "true"))
        return 1;
    /* Accessibility helpers: text for screen readers, not for readers. */
    static const char *const SCREEN_READER[] = {
        "screen-reader-text", "sr-only", "visually-hidden", "visuallyhidden",
        "skip-link", NULL};
    const char *cls = dom_attr(n, "class");
    if (cls && contains_any(cls, SCREEN_READER))
        return 1;
    const char *style = dom_attr(n, "style");
    if (style) {
        char buf[256];
        size_t w = 0;
        for (; *style && w + 1 < sizeof(buf); style++)
            if (!isspace((unsigned char)*style))
                buf[w++] = (char)tolower((unsigned char)*style);
        buf[w] = '\0';
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden"))
            return 1;
    }
    return 0;
}

static int is_byline(const xmlNode *n, const char *ci)
{
    const char *rel = dom_attr(n, "rel");
    const char *itemprop = dom_attr(n, "itemprop");
    if (!(rel && fs_strcaseeq(rel, "author")) &&
        !(itemprop && strstr(itemprop, "author")) &&
        !contains_any(ci, BYLINE_HINTS))
        return 0;
    size_t len = dom_text_len_max(n, 100);
    return len > 0 && len < 100;
}

/* An embedded social post (the standard tweet/Instagram/TikTok embed
 * code is a <blockquote> with such a class): quoted material the article
 * is about, kept even inside wrappers whose class says "social". */
static int has_embedded_post(const xmlNode *n)
{
    char ci[256];
    for (xmlNode *c = (xmlNode *)n; c; c = dom_next(c, n, 1)) {
        if (!dom_is(c, "blockquote"))
            continue;
        class_and_id(c, ci, sizeof(ci));
        if (strstr(ci, "tweet") || strstr(ci, "instagram") ||
            strstr(ci, "tiktok"))
            return 1;
    }
    return 0;
}

/* Move runs of phrasing children of div into new <p> elements, so text
 * written straight into a div is scored like a paragraph. */
static void wrap_phrasing(xmlNode *div)
{
    xmlNode *c = div->children, *p = NULL;
    while (c) {
        xmlNode *next = c->next;
        if (is_phrasing(c)) {
            if (!p) {
                if (is_whitespace_text(c)) {
                    c = next;
                    continue;
                }
                p = xmlNewDocNode(div->doc, NULL, BAD_CAST "p", NULL);
                if (!p)
                    fs_oom();
                xmlAddPrevSibling(c, p);
            }
            xmlUnlinkNode(c);
            xmlAddChild(p, c); /* may merge text nodes: c then freed */
        } else {
            p = NULL;
        }
        c = next;
    }
}

static void push_to_score(struct scorer *sc, xmlNode *n)
{
    FS_GROW(sc->to_score, sc->n_to_score + 1, sc->alloc_to_score);
    sc->to_score[sc->n_to_score++] = n;
}

/* Remove what is never article text, whatever the flags. */
static void strip_never_content(xmlNode *root)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
            n->type == XML_DTD_NODE || dom_is_any(n, NEVER_CONTENT) ||
            (n->type == XML_ELEMENT_NODE && is_hidden(n))) {
            xmlNode *next = dom_next(n, root, 0);
            dom_remove(n);
            n = next;
            continue;
        }
        n = dom_next(n, root, 1);
    }
}

/* Does the class/id string have a token (split on non-alphanumerics)
 * starting with prefix?  "comments-area" has one for "comment". */
static int has_token_prefix(const char *ci, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (const char *p = ci; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        if (strncmp(p, prefix, pl) == 0)
            return 1;
        while (isalnum((unsigned char)*p))
            p++;
    }
    return 0;
}

/* "has-comments", "comments-open": a post's state, put on the article
 * wrapper itself; and wrappers that also say they are the article. */
static int is_comment_state_flag(const char *ci)
{
    static const char *const FLAGS[] = {
        "has-comment", "comments-open", "comments-closed", "no-comment",
        "article", "entry", "story", "main", NULL};
    return contains_any(ci, FLAGS);
}

/* Blocks that are never article text whatever the pass, judged by class
 * or id: comment threads, image captions and credits, date lines.  Kept
 * when long: a container with such a class that holds real text is a
 * badly named article wrapper, not a caption. */
static int is_never_text_block(const xmlNode *n)
{
    char ci[512];
    class_and_id(n, ci, sizeof(ci));
    if (!*ci && !dom_is(n, "figure"))
        return 0;
    if ((has_token_prefix(ci, "comment") && !strstr(ci, "commentar") &&
         !is_comment_state_flag(ci)) ||
        strstr(ci, "disqus"))
        return !dom_is(n, "body") && !dom_is(n, "html") &&
               !dom_is(n, "article");
    if (strstr(ci, "caption") || strstr(ci, "credit") ||
        has_token(ci, "timestamp") || has_token(ci, "date") ||
        has_token(ci, "dateline") || has_token(ci, "published") ||
        has_token(ci, "pubdate"))
    {
        size_t len = dom_text_len_max(n, 1000);
        return len < 300 || (len < 1000 && dom_count(n, "p") < 2);
    }
    /* An image box: a picture plus a line or two of caption. */
    if ((dom_is(n, "figure") || has_token_prefix(ci, "image") ||
         has_token_prefix(ci, "img") || has_token_prefix(ci, "photo") ||
         has_token_prefix(ci, "picture") || has_token_prefix(ci, "figure")) &&
        (dom_count(n, "img") > 0 || dom_count(n, "picture") > 0))
        return dom_text_len_max(n, 400) < 400 && dom_count(n, "p") < 2;
    return 0;
}

/* A short line made of a <time> and a word or two ("Updated <time>"). */
static int is_date_line(const xmlNode *n)
{
    static const char *const LINES[] = {"p", "div", "span", NULL};
    if (!dom_is_any(n, LINES))
        return 0;
    size_t len = dom_text_len_max(n, 100);
    if (!len || len > 100)
        return 0;
    size_t time_len = 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c; c = dom_next(c, n, 1))
        if (dom_is(c, "time"))
            time_len += dom_text_len(c);
    return time_len * 2 > len;
}

static void strip_never_text(xmlNode *root)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_ELEMENT_NODE &&
            (is_never_text_block(n) || is_date_line(n))) {
            xmlNode *next = dom_next(n, root, 0);
            dom_remove(n);
            n = next;
            continue;
        }
        n = dom_next(n, root, 1);
    }
}

/* The headline is metadata, not body text: drop short blocks that
 * repeat it (Readability does this for h1/h2; templates also use <p> or
 * <div class="title">). */
static void strip_title_repeats(xmlNode *root, const char *title)
{
    static const char *const TITLE_BLOCKS[] = {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "a", NULL};
    size_t title_len = title ? strlen(title) : 0;
    if (title_len < 10)
        return; /* too short to tell a headline from an ordinary phrase */
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (dom_is_any(n, TITLE_BLOCKS) &&
            dom_text_len_max(n, title_len) <= title_len) {
            struct strbuf t = STRBUF_INIT;
            dom_text_clean(n, &t);
            int same = strcmp(t.buf, title) == 0;
            strbuf_release(&t);
            if (same) {
                xmlNode *next = dom_next(n, root, 0);
                dom_remove(n);
                n = next;
                continue;
            }
        }
        n = dom_next(n, root, 1);
    }
}

/* Page chrome (nav, header, aside, footer) goes unless it holds most of
 * the page's text: some sites wrap the whole page in <header> or <aside>. */
static void strip_chrome(xmlNode *root)
{
    size_t total = dom_text_len(root);
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (dom_is_any(n, PAGE_CHROME) &&
            dom_text_len_max(n, total / 2) * 2 < total) {
            xmlNode *next = dom_next(n, root, 0);
            dom_remove(n);
            n = next;
            continue;
        }
        n = dom_next(n, root, 1);
    }
}

/* Readability's first walk: drop unlikely blocks and bylines, turn
 * paragraph-like divs into <p>, collect the elements to score. */
static void prepare_and_collect(struct scorer *sc, xmlNode *body)
{
    static const char *const TO_SCORE[] = {"section", "h2", "h3", "h4", "h5",
                                           "h6", "p", "td", "pre", NULL};
    static const char *const EMPTY_DROP[] = {"div", "section", "header", "h1",
                                             "h2", "h3", "h4", "h5", "h6",
                                             NULL};
    char ci[512];
    for (xmlNode *n = dom_next(body, body, 1); n;) {
        if (n->type != XML_ELEMENT_NODE) {
            n = dom_next(n, body, 1);
            continue;
        }
        class_and_id(n, ci, sizeof(ci));
        xmlNode *skip = dom_next(n, body, 0);
        if (is_byline(n, ci)) {
            if (!sc->byline) {
                struct strbuf b = STRBUF_INIT;
                dom_text_clean(n, &b);
                sc->byline = strbuf_detach(&b, NULL);
            }
            dom_remove(n);
            n = skip;
            continue;
        }
        if (sc->flags & FLAG_STRIP_UNLIKELY) {
            const char *role = dom_attr(n, "role");
            int unlikely =
                (contains_any(ci, UNLIKELY) || looks_like_ad(ci)) &&
                !contains_any(ci, MAYBE_CANDIDATE) && !dom_is(n, "body") &&
                !dom_is(n, "a") && !dom_is(n, "html") &&
                !dom_has_ancestor(n, "table", 0) &&
                !dom_has_ancestor(n, "code", 0) && !has_embedded_post(n);
            int bad_role = 0;
            for (const char *const *r = UNLIKELY_ROLES; role && *r; r++)
                bad_role |= fs_strcaseeq(role, *r);
            if (unlikely || bad_role) {
                dom_remove(n);
                n = skip;
                continue;
            }
        }
        if (dom_is_any(n, EMPTY_DROP) && is_without_content(n)) {
            dom_remove(n);
            n = skip;
            continue;
        }
        if (dom_is_any(n, TO_SCORE))
            push_to_score(sc, n);
        if (dom_is(n, "div")) {
            wrap_phrasing(n);
            xmlNode *only = dom_first_element(n);
            if (only && !dom_next_element(only) && dom_is(only, "p") &&
                link_density(n) < 0.25 && dom_text_len(only) ==
                dom_text_len(n)) {
                /* A div around a single paragraph is that paragraph. */
                xmlUnlinkNode(only);
                xmlReplaceNode(n, only);
                xmlFreeNode(n);
                push_to_score(sc, only);
                n = dom_next(only, body, 1);
                continue;
            } else if (!has_block_descendant(n)) {
                xmlNodeSetName(n, BAD_CAST "p");
                push_to_score(sc, n);
            }
        }
        n = dom_next(n, body, 1);
    }
}

/* ---- choosing the content ------------------------------------------------ */

static void score_paragraphs(struct scorer *sc)
{
    for (size_t i = 0; i < sc->n_to_score; i++) {
        xmlNode *e = sc->to_score[i];
        if (!e->parent || e->parent->type != XML_ELEMENT_NODE)
            continue;
        size_t len = dom_text_len(e);
        if (len < 25)
            continue;
        double score = 1 + (double)comma_count(e) +
                       dmin(dfloor_pos((double)len / 100), 3);
        xmlNode *a = e->parent;
        for (int level = 0; a && level < SCORE_ANCESTOR_LEVELS;
             level++, a = a->parent) {
            if (a->type != XML_ELEMENT_NODE || !a->parent ||
                a->parent->type != XML_ELEMENT_NODE)
                break;
            double divider = level == 0 ? 1 : level == 1 ? 2 : level * 3;
            score_init(sc, a)->score += score / divider;
        }
    }
}

static xmlNode *pick_top(struct scorer *sc, xmlNode *body)
{
    xmlNode *top[N_TOP_CANDIDATES] = {0};
    for (size_t i = 0; i < sc->n_candidates; i++) {
        xmlNode *c = sc->candidates[i];
        struct node_score *s = score_of(c);
        s->score *= 1 - link_density(c);
        for (int t = 0; t < N_TOP_CANDIDATES; t++) {
            if (!top[t] || s->score > score_of(top[t])->score) {
                memmove(top + t + 1, top + t,
                        (N_TOP_CANDIDATES - t - 1) * sizeof(*top));
                top[t] = c;
                break;
            }
        }
    }
    xmlNode *best = top[0];
    if (!best || best == body)
        return NULL;

    /* Several near-equal candidates under one ancestor: the article is
     * split into sections, take the ancestor. */
    double best_score = score_of(best)->score;
    xmlNode *alts[N_TOP_CANDIDATES];
    int n_alts = 0;
    for (int t = 1; t < N_TOP_CANDIDATES && top[t]; t++)
        if (score_of(top[t])->score / best_score >= 0.75)
            alts[n_alts++] = top[t];
    if (n_alts >= 3) {
        for (xmlNode *p = best->parent; p && p != body &&
                                        p->type == XML_ELEMENT_NODE;
             p = p->parent) {
            int containing = 0;
            for (int k = 0; k < n_alts; k++)
                for (xmlNode *q = alts[k]->parent; q; q = q->parent)
                    if (q == p) {
                        containing++;
                        break;
                    }
            if (containing >= 3) {
                best = p;
                break;
            }
        }
    }
    if (!score_of(best))
        score_init(sc, best);

    /* Climb while the parent scores better: the paragraphs may be split
     * between the candidate and its siblings. */
    double last = score_of(best)->score, threshold = last / 3;
    for (xmlNode *p = best->parent; p && p != body &&
                                    p->type == XML_ELEMENT_NODE;
         p = p->parent) {
        struct node_score *ps = score_of(p);
        if (!ps)
            continue;
        if (ps->score < threshold)
            break;
        if (ps->score > last) {
            best = p;
            break;
        }
        last = ps->score;
    }
    /* An only child says nothing: use the parent. */
    while (best->parent && best->parent != body &&
           best->parent->type == XML_ELEMENT_NODE &&
           dom_first_element(best->parent) == best && !dom_next_element(best))
        best = best->parent;
    if (!score_of(best))
        score_init(sc, best);
    return best;
}

static int ends_like_sentence(const xmlNode *n)
{
    struct strbuf t = STRBUF_INIT;
    dom_text(n, &t);
    int r = strstr(t.buf, ". ") != NULL ||
            (t.len && t.buf[t.len - 1] == '.');
    strbuf_release(&t);
    return r;
}

/* Gather the top candidate and its qualifying siblings under a new <div>
 * appended to body. */
static int is_ancestor_or_self(const xmlNode *a, const xmlNode *n)
{
    for (; n; n = n->parent)
        if (n == a)
            return 1;
    return 0;
}

static xmlNode *gather_article(xmlNode *top, xmlNode *body)
{
    /* Broken markup can put <body> inside another element (libxml2 nests
     * "<head><x><div><body>" that way): a candidate holding body cannot be
     * moved under a container that is then appended to body — that would
     * make a parent-pointer cycle and every later walk would never end. */
    if (is_ancestor_or_self(top, body))
        return top;
    xmlNode *article = xmlNewDocNode(body->doc, NULL, BAD_CAST "div", NULL);
    if (!article)
        fs_oom();
    double top_score = score_of(top)->score;
    double threshold = dmax(10, top_score * 0.2);
    xmlNode *parent = top->parent;
    const char *top_class = dom_attr(top, "class");
    xmlNode *s = parent ? dom_first_element(parent) : top;
    while (s) {
        xmlNode *next = dom_next_element(s);
        int append = s == top;
        if (!append) {
            double bonus = 0;
            const char *cls = dom_attr(s, "class");
            if (cls && top_class && *cls && strcmp(cls, top_class) == 0)
                bonus += top_score * 0.2;
            struct node_score *ss = score_of(s);
            if (ss && ss->score + bonus >= threshold) {
                append = 1;
            } else if (dom_is(s, "p")) {
                double ld = link_density(s);
                size_t len = dom_text_len(s);
                if (len > 80 && ld < 0.25)
                    append = 1;
                else if (len < 80 && len > 0 && ld == 0 &&
                         ends_like_sentence(s))
                    append = 1;
            }
        }
        if (append && is_ancestor_or_self(s, body))
            append = 0; /* see above: never move body's own ancestors */
        if (append) {
            xmlUnlinkNode(s);
            xmlAddChild(article, s);
        }
        if (!parent)
            break;
        s = next;
    }
    xmlAddChild(body, article);
    return article;
}

/* ---- cleaning the chosen content ----------------------------------------- */

static size_t collect(xmlNode *root, const char *const *names,
                      xmlNode ***out, size_t *alloc)
{
    size_t n = 0;
    for (xmlNode *c = dom_next(root, root, 1); c; c = dom_next(c, root, 1))
        if (dom_is_any(c, names)) {
            FS_GROW(*out, n + 1, *alloc);
            (*out)[n++] = c;
        }
    return n;
}

static int is_data_table(const xmlNode *t)
{
    const char *role = dom_attr(t, "role");
    if (role && fs_strcaseeq(role, "presentation"))
        return 0;
    return dom_count(t, "th") > 0 || dom_count(t, "caption") > 0 ||
           dom_count(t, "thead") > 0;
}

static int in_data_table(const xmlNode *n)
{
    for (const xmlNode *p = n; p; p = p->parent)
        if (dom_is(p, "table") && is_data_table(p))
            return 1;
    return 0;
}

static size_t heading_text_len(const xmlNode *n)
{
    size_t len = 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c;) {
        if (dom_is_any(c, HEADINGS)) {
            len += dom_text_len(c);
            c = dom_next(c, n, 0);
        } else {
            c = dom_next(c, n, 1);
        }
    }
    return len;
}

/* Readability's _cleanConditionally, plus: link-dense lists go too (a
 * list of headlines is never article text). */
static int should_remove(struct scorer *sc, xmlNode *n)
{
    int is_list = dom_is(n, "ul") || dom_is(n, "ol");
    size_t content_len = dom_text_len(n);
    if (!is_list && content_len) {
        size_t list_len = 0;
        for (xmlNode *c = dom_next(n, n, 1); c;) {
            if (dom_is(c, "ul") || dom_is(c, "ol")) {
                list_len += dom_text_len(c);
                c = dom_next(c, n, 0);
            } else {
                c = dom_next(c, n, 1);
            }
        }
        is_list = (double)list_len / (double)content_len > 0.9;
    }
    if (dom_is(n, "table") && is_data_table(n))
        return 0;
    if (in_data_table(n) || dom_has_ancestor(n, "code", 0) ||
        dom_has_ancestor(n, "pre", 0))
        return 0;
    if (has_embedded_post(n))
        return 0;
    int weight = class_weight(sc, n);
    if (weight < 0)
        return 1;
    if (comma_count(n) >= 10)
        return 0;
    double p = (double)dom_count(n, "p");
    double img = (double)dom_count(n, "img");
    double li = (double)dom_count(n, "li") - 100;
    double input = (double)dom_count(n, "input");
    double heading_density =
        content_len ? (double)heading_text_len(n) / (double)content_len : 0;
    double embeds = (double)(dom_count(n, "object") + dom_count(n, "embed") +
                             dom_count(n, "iframe"));
    double ld = link_density(n);
    int in_figure = dom_has_ancestor(n, "figure", 0);
    return (img > 1 && p / img < 0.5 && !in_figure) ||
           (!is_list && li > p) || (input > dfloor_pos(p / 3)) ||
           (!is_list && heading_density < 0.9 && content_len < 25 &&
            (img == 0 || img > 2) && !in_figure) ||
           (!is_list && weight < 25 && ld > 0.2) ||
           (weight >= 25 && ld > 0.5) || (is_list && ld > 0.5) ||
           (embeds == 1 && content_len < 75) || embeds > 1;
}

static void clean_conditionally(struct scorer *sc, xmlNode *root,
                                const char *const *names)
{
    if (!(sc->flags & FLAG_CLEAN_CONDITIONALLY))
        return;
    xmlNode **list = NULL;
    size_t alloc = 0, n = collect(root, names, &list, &alloc);
    /* Backwards: descendants are judged (and maybe freed) before their
     * ancestors, so no pointer in list is used after being freed. */
    for (size_t i = n; i-- > 0;)
        if (should_remove(sc, list[i]))
            dom_remove(list[i]);
    free(list);
}

static void remove_all(xmlNode *root, const char *const *names)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (dom_is_any(n, names)) {
            xmlNode *next = dom_next(n, root, 0);
            dom_remove(n);
            n = next;
        } else {
            n = dom_next(n, root, 1);
        }
    }
}

static const char *const LINK_LINES[] = {"p", "h2", "h3", "h4", "h5", "h6",
                                         NULL};

/* Share bars, and headings whose class says they are not content. */
static void remove_by_class(struct scorer *sc, xmlNode *root)
{
    char ci[512];
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        xmlNode *next = NULL;
        if (n->type == XML_ELEMENT_NODE && n != root) {
            class_and_id(n, ci, sizeof(ci));
            int share = (has_token(ci, "share") ||
                         has_token(ci, "sharedaddy")) &&
                        dom_text_len_max(n, CHAR_THRESHOLD) < CHAR_THRESHOLD;
            int bad_heading = (dom_is(n, "h1") || dom_is(n, "h2")) &&
                              class_weight(sc, n) < 0;
            /* A paragraph that is one link ("READ MORE: <a>headline</a>")
             * points elsewhere; it is not this article's text. */
            int link_line = dom_is_any(n, LINK_LINES) &&
                            dom_text_len(n) < 200 && link_density(n) > 0.8;
            if (share || bad_heading || link_line) {
                next = dom_next(n, root, 0);
                dom_remove(n);
                n = next;
                continue;
            }
        }
        n = dom_next(n, root, 1);
    }
}

static void prepare_article(struct scorer *sc, xmlNode *article)
{
    static const char *const FORMS[] = {"form", "fieldset", NULL};
    static const char *const JUNK[] = {"footer", "aside", "h1", NULL};
    static const char *const BLOCKS[] = {"table", "ul", "ol", "div",
                                         "section", NULL};
    clean_conditionally(sc, article, FORMS);
    remove_all(article, JUNK);
    remove_by_class(sc, article);
    clean_conditionally(sc, article, BLOCKS);
}

/* ---- text output --------------------------------------------------------- */

static const char *const BLOCK_TAGS[] = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5",
    "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "table",
    "tr", "td", "th", "figure", "header", "footer", "address", "hr",
    "center", "form", "fieldset", "details", "summary", NULL};

/* Paragraphs go to out as they close, except headings: a heading is held
 * back until body text follows it, so a heading with nothing under it
 * ("You may also like" over an emptied widget, "Comments") is dropped. */
struct emitter {
    struct strbuf *out;
    struct strbuf para;
    struct strbuf heading;     /* held-back heading, "" when none */
    int heading_level;         /* its level, 1..6 */
};

static void emit_append(struct strbuf *out, const struct strbuf *para)
{
    if (out->len)
        strbuf_addstr(out, "\n\n");
    strbuf_add(out, para->buf, para->len);
}

/* level: 1..6 for h1..h6, 0 for body text.  A deeper heading under a
 * held one is a sub-section: both stay.  A heading of the same or a
 * higher rank replaces the held one, which had nothing under it. */
static void emit_flush(struct emitter *em, int level)
{
    strbuf_trim(&em->para);
    if (!em->para.len)
        return;
    if (level) {
        if (em->heading.len && level > em->heading_level)
            emit_append(em->out, &em->heading);
        strbuf_reset(&em->heading);
        strbuf_add(&em->heading, em->para.buf, em->para.len);
        em->heading_level = level;
    } else {
        if (em->heading.len)
            emit_append(em->out, &em->heading);
        strbuf_reset(&em->heading);
        emit_append(em->out, &em->para);
    }
    strbuf_reset(&em->para);
}

/* Append text with whitespace (and no-break spaces) collapsed. */
static void emit_text(struct emitter *em, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int space = isspace(*p) || (*p == 0xC2 && p[1] == 0xA0);
        if (space) {
            if (*p == 0xC2)
                p++;
            if (em->para.len && em->para.buf[em->para.len - 1] != ' ' &&
                em->para.buf[em->para.len - 1] != '\n')
                strbuf_addch(&em->para, ' ');
            continue;
        }
        strbuf_addch(&em->para, (char)*p);
    }
}

/* One <br> is a line break; two in a row end the paragraph. */
static void emit_br(struct emitter *em)
{
    while (em->para.len && em->para.buf[em->para.len - 1] == ' ')
        strbuf_setlen(&em->para, em->para.len - 1);
    if (em->para.len && em->para.buf[em->para.len - 1] == '\n')
        emit_flush(em, 0);
    else if (em->para.len)
        strbuf_addch(&em->para, '\n');
}

static int heading_level(const xmlNode *n)
{
    return dom_is_any(n, HEADINGS) ? n->name[1] - '0' : 0;
}

static void emit_article(xmlNode *root, struct strbuf *out)
{
    struct emitter em = {out, STRBUF_INIT, STRBUF_INIT, 0};
    xmlNode *n = root->children;
    while (n) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                emit_text(&em, (const char *)n->content);
        } else if (dom_is(n, "br")) {
            emit_br(&em);
        } else if (dom_is_any(n, BLOCK_TAGS)) {
            emit_flush(&em, 0);
        }
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        /* Leaving n (and maybe its ancestors): close their blocks. */
        while (n && n != root) {
            if (dom_is_any(n, BLOCK_TAGS))
                emit_flush(&em, heading_level(n));
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
        if (n == root)
            break;
    }
    emit_flush(&em, 0);
    if (!out->len && em.heading.len) /* a lone heading beats nothing */
        emit_append(out, &em.heading);
    strbuf_release(&em.para);
    strbuf_release(&em.heading);
}

/* ---- one pass ------------------------------------------------------------ */

static xmlNode *find_body(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root; n; n = dom_next(n, root, 1))
        if (dom_is(n, "body"))
            return n;
    return root;
}

/* Run one extraction pass on doc, which it cuts up; text into out. */
static void grab_article(xmlDoc *doc, const char *title, unsigned flags,
                         struct strbuf *out, char **byline)
{
    xmlNode *body = find_body(doc);
    if (!body)
        return;
    struct scorer sc = {.flags = flags};
    strip_never_content(body);
    if (flags & FLAG_STRIP_NEVER_TEXT) {
        strip_never_text(body);
        strip_title_repeats(body, title);
    }
    if (flags & FLAG_STRIP_UNLIKELY)
        strip_chrome(body);
    prepare_and_collect(&sc, body);
    score_paragraphs(&sc);
    xmlNode *top = pick_top(&sc, body);
    xmlNode *article = top ? gather_article(top, body) : body;
    prepare_article(&sc, article);
    emit_article(article, out);
    if (byline && !*byline && sc.byline && *sc.byline) {
        *byline = sc.byline;
        sc.byline = NULL;
    }
    /* Some scored nodes were freed by the cleaning: release the scores
     * without touching the nodes; xmlFreeDoc() ignores _private. */
    scorer_release(&sc);
}

void article_content_extract(xmlDoc *doc, const char *html, size_t len,
                             const char *title, struct strbuf *text,
                             char **byline)
{
    /* Comment threads and captions stay out of the fallback passes: a
     * short article must not lose to its own (longer) comment section.
     * Only when all of those find nothing does the last pass, with no
     * heuristics at all, get a say. */
    static const unsigned PASSES[] = {
        FLAG_STRIP_NEVER_TEXT | FLAG_STRIP_UNLIKELY | FLAG_WEIGHT_CLASSES |
            FLAG_CLEAN_CONDITIONALLY,
        FLAG_STRIP_NEVER_TEXT | FLAG_WEIGHT_CLASSES |
            FLAG_CLEAN_CONDITIONALLY,
        FLAG_STRIP_NEVER_TEXT | FLAG_CLEAN_CONDITIONALLY,
        0,
    };
    const size_t n_passes = sizeof(PASSES) / sizeof(PASSES[0]);
    struct strbuf best = STRBUF_INIT, attempt = STRBUF_INIT;
    *byline = NULL;
    for (size_t i = 0; i < n_passes; i++) {
        if (i == n_passes - 1 && best.len)
            break;
        strbuf_reset(&attempt);
        if (i == 0) {
            grab_article(doc, title, PASSES[i], &attempt, byline);
        } else {
            xmlDoc *again = extract_parse_html(html, len);
            if (again)
                grab_article(again, title, PASSES[i], &attempt, byline);
            xmlFreeDoc(again);
        }
        if (attempt.len > best.len) {
            struct strbuf t = best;
            best = attempt;
            attempt = t;
        }
        if (best.len >= CHAR_THRESHOLD)
            break;
    }
    feed_utf8_append(text, best.buf, best.len);
    strbuf_release(&best);
    strbuf_release(&attempt);
}
