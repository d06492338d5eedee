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
 * Cost: every pass is linear in the number of nodes (times the depth
 * libxml2 allows, 256, in a few ancestor walks).  Readability re-walks a
 * candidate's subtree for each measure (text length, link text, counts of
 * <p>, <img>, ...), which is quadratic on deep or wide pages.  Here each
 * node carries a struct ninfo (node->_private, from a per-pass pool) with
 * its subtree's measures, computed bottom-up once and cached:
 *   - a measure is "valid" when it matches the node's current subtree;
 *   - every tree edit invalidates the edited node's ancestors, stopping at
 *     the first one already invalid (or without an info), so the invalid
 *     nodes always form ancestor-closed set and each edit costs O(1)
 *     amortized;
 *   - measure() recomputes a node by walking only its invalid
 *     descendants (and their direct children).
 * Ancestor facts (inside a table, <code>, <pre>, <figure>, a data table)
 * are propagated top-down during the walks that need them.
 *
 * Fallback passes start from the tree as parsed: every edit of a pass
 * (unlink, move, create, rename) is recorded in a journal, removed nodes
 * are only unlinked, and the journal is undone before the next pass —
 * much cheaper than parsing the page again (one page in ten needs a
 * fallback; re-parsing them cost a fifth of the corpus's bytes again).
 *
 * Invariants: node->_private points into the running pass's pool (struct
 * scorer); forget_infos() clears it before another pass, and xmlFreeDoc()
 * ignores it; every node created here gets its info at once (invalid) and
 * a journal record; moves never merge text nodes (xmlAddChild() would,
 * which cannot be undone); journal_free() frees each removed subtree once
 * when the edits are kept (removed subtrees are disjoint); every walk is iterative.
 */
#include "extract_int.h"

#include <ctype.h>
#include <stdint.h>
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
/* A block repeating the headline is a few words of markup: bigger
 * subtrees are not compared (bounds that check's cost per node). */
#define TITLE_MAX_NODES 256

/* Small math without libm (the parser library links no -lm). */
static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }
static double dfloor_pos(double a) { return (double)(long long)a; }

/* ---- tags ---------------------------------------------------------------- */

/* Tag sets, as bits of a per-tag mask (one table lookup per node instead
 * of string compares against lists in every walk). */
enum {
    F_PHRASING = 1u << 0,      /* phrasing content (wrapped into <p>) */
    F_BLOCK_IN_DIV = 1u << 1,  /* a div holding one is not a paragraph */
    F_NEVER_CONTENT = 1u << 2, /* scripts, forms controls, ... */
    F_CHROME = 1u << 3,        /* nav, aside, header, footer, menu */
    F_HEADING = 1u << 4,       /* h1..h6 */
    F_EMIT_BLOCK = 1u << 5,    /* ends a paragraph in the text output */
    F_TO_SCORE = 1u << 6,      /* scored as a paragraph */
    F_EMPTY_DROP = 1u << 7,    /* dropped when without content */
    F_TITLE_BLOCK = 1u << 8,   /* may repeat the headline */
    F_LINK_LINE = 1u << 9,     /* dropped when it is one link */
    F_DATE_LINE = 1u << 10,    /* may be a date line */
    F_PLUS3 = 1u << 11,        /* initial scores */
    F_MINUS3 = 1u << 12,
    F_MINUS5 = 1u << 13,
    F_FORMS = 1u << 14,        /* cleaned conditionally first */
    F_JUNK = 1u << 15,         /* removed from the chosen content */
    F_CLEAN = 1u << 16,        /* cleaned conditionally */
    F_LIST = 1u << 17,         /* ul, ol */
};

#define F_H (F_HEADING | F_EMIT_BLOCK | F_EMPTY_DROP | F_TITLE_BLOCK | \
             F_BLOCK_IN_DIV | F_MINUS5)
#define F_H26 (F_H | F_TO_SCORE | F_LINK_LINE)

/* Sorted by name (tag_lookup() bisects). */
#define TAG_LIST(X)                                                        \
    X(a, F_PHRASING | F_TITLE_BLOCK)                                       \
    X(abbr, F_PHRASING)                                                    \
    X(address, F_EMIT_BLOCK | F_MINUS3)                                    \
    X(article, F_BLOCK_IN_DIV | F_EMIT_BLOCK)                              \
    X(aside, F_CHROME | F_JUNK)                                            \
    X(audio, F_PHRASING)                                                   \
    X(b, F_PHRASING)                                                       \
    X(bdo, F_PHRASING)                                                     \
    X(big, F_PHRASING)                                                     \
    X(blockquote, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_PLUS3)                 \
    X(body, 0)                                                             \
    X(br, F_PHRASING)                                                      \
    X(button, F_PHRASING | F_NEVER_CONTENT)                                \
    X(canvas, F_NEVER_CONTENT)                                             \
    X(caption, 0)                                                          \
    X(center, F_EMIT_BLOCK)                                                \
    X(cite, F_PHRASING)                                                    \
    X(code, F_PHRASING)                                                    \
    X(data, F_PHRASING)                                                    \
    X(datalist, F_PHRASING)                                                \
    X(dd, F_EMIT_BLOCK | F_MINUS3)                                         \
    X(del, F_PHRASING)                                                     \
    X(details, F_EMIT_BLOCK)                                               \
    X(dfn, F_PHRASING)                                                     \
    X(dialog, F_NEVER_CONTENT)                                             \
    X(div, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_EMPTY_DROP | F_TITLE_BLOCK |  \
           F_DATE_LINE | F_CLEAN)                                          \
    X(dl, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_MINUS3)                        \
    X(dt, F_EMIT_BLOCK | F_MINUS3)                                         \
    X(em, F_PHRASING)                                                      \
    X(embed, F_PHRASING | F_NEVER_CONTENT)                                 \
    X(fieldset, F_EMIT_BLOCK | F_FORMS)                                    \
    X(figcaption, F_NEVER_CONTENT)                                         \
    X(figure, F_BLOCK_IN_DIV | F_EMIT_BLOCK)                               \
    X(font, F_PHRASING)                                                    \
    X(footer, F_CHROME | F_EMIT_BLOCK | F_JUNK)                            \
    X(form, F_EMIT_BLOCK | F_MINUS3 | F_FORMS)                             \
    X(h1, F_H | F_JUNK)                                                    \
    X(h2, F_H26)                                                           \
    X(h3, F_H26)                                                           \
    X(h4, F_H26)                                                           \
    X(h5, F_H26)                                                           \
    X(h6, F_H26)                                                           \
    X(head, F_NEVER_CONTENT)                                               \
    X(header, F_CHROME | F_EMIT_BLOCK | F_EMPTY_DROP)                      \
    X(hr, F_EMIT_BLOCK)                                                    \
    X(html, 0)                                                             \
    X(i, F_PHRASING)                                                       \
    X(iframe, F_NEVER_CONTENT)                                             \
    X(img, F_PHRASING | F_BLOCK_IN_DIV)                                    \
    X(input, F_PHRASING | F_NEVER_CONTENT)                                 \
    X(ins, F_PHRASING)                                                     \
    X(kbd, F_PHRASING)                                                     \
    X(label, F_PHRASING)                                                   \
    X(li, F_EMIT_BLOCK | F_MINUS3)                                         \
    X(link, F_NEVER_CONTENT)                                               \
    X(main, F_EMIT_BLOCK)                                                  \
    X(mark, F_PHRASING)                                                    \
    X(math, F_PHRASING)                                                    \
    X(menu, F_CHROME)                                                      \
    X(meta, F_NEVER_CONTENT)                                               \
    X(meter, F_PHRASING)                                                   \
    X(nav, F_CHROME)                                                       \
    X(noscript, F_PHRASING | F_NEVER_CONTENT)                              \
    X(object, F_PHRASING | F_NEVER_CONTENT)                                \
    X(ol, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_MINUS3 | F_CLEAN | F_LIST)     \
    X(output, F_PHRASING)                                                  \
    X(p, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_TO_SCORE | F_TITLE_BLOCK |      \
         F_LINK_LINE | F_DATE_LINE)                                        \
    X(picture, 0)                                                          \
    X(pre, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_TO_SCORE | F_PLUS3)           \
    X(progress, F_PHRASING)                                                \
    X(q, F_PHRASING)                                                       \
    X(ruby, F_PHRASING)                                                    \
    X(s, F_PHRASING)                                                       \
    X(samp, F_PHRASING)                                                    \
    X(script, F_PHRASING | F_NEVER_CONTENT)                                \
    X(section, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_TO_SCORE | F_EMPTY_DROP | \
               F_CLEAN)                                                    \
    X(select, F_PHRASING | F_NEVER_CONTENT)                                \
    X(small, F_PHRASING)                                                   \
    X(span, F_PHRASING | F_TITLE_BLOCK | F_DATE_LINE)                      \
    X(strike, F_PHRASING)                                                  \
    X(strong, F_PHRASING)                                                  \
    X(style, F_NEVER_CONTENT)                                              \
    X(sub, F_PHRASING)                                                     \
    X(summary, F_EMIT_BLOCK)                                               \
    X(sup, F_PHRASING)                                                     \
    X(svg, F_NEVER_CONTENT)                                                \
    X(table, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_CLEAN)                      \
    X(td, F_EMIT_BLOCK | F_TO_SCORE | F_PLUS3)                             \
    X(template, F_NEVER_CONTENT)                                           \
    X(textarea, F_PHRASING | F_NEVER_CONTENT)                              \
    X(th, F_EMIT_BLOCK | F_MINUS5)                                         \
    X(thead, 0)                                                            \
    X(time, F_PHRASING)                                                    \
    X(title, F_NEVER_CONTENT)                                              \
    X(tr, F_EMIT_BLOCK)                                                    \
    X(tt, F_PHRASING)                                                      \
    X(u, F_PHRASING)                                                       \
    X(ul, F_BLOCK_IN_DIV | F_EMIT_BLOCK | F_MINUS3 | F_CLEAN | F_LIST)     \
    X(var, F_PHRASING)                                                     \
    X(wbr, F_PHRASING)

#define TAG_ENUM(name, flags) T_##name,
enum tag { T_NONE, TAG_LIST(TAG_ENUM) T_COUNT };
#define TAG_ROW(name, flags) {#name, flags},
static const struct {
    const char *name;
    uint32_t flags;
} TAGS[] = {{"", 0}, TAG_LIST(TAG_ROW)};

/* The tag of an element's name (ASCII case-insensitive), T_NONE when it
 * is none of ours. */
static enum tag tag_lookup(const xmlChar *name)
{
    char low[12];
    size_t i = 0;
    for (; name[i]; i++) {
        if (i + 1 >= sizeof(low))
            return T_NONE;
        unsigned char c = name[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    low[i] = '\0';
    size_t lo = 1, hi = T_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(low, TAGS[mid].name);
        if (!cmp)
            return (enum tag)mid;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return T_NONE;
}

/* ---- per-node information -------------------------------------------- */

/* Counts of descendants (the node itself excluded) kept per node. */
enum {
    C_P, C_IMG, C_LI, C_INPUT, C_OBJECT, C_EMBED, C_IFRAME, C_TH, C_CAPTION,
    C_THEAD, C_PICTURE,
    C_BLOCK,  /* F_BLOCK_IN_DIV elements */
    C_EPOST,  /* embedded social posts (see has_embedded_post) */
    C_NODES,  /* all nodes */
    C_COUNT
};

/* Ancestor facts (strict ancestors), set top-down by the walks. */
enum {
    A_TABLE = 1, A_CODE = 2, A_PRE = 4, A_FIGURE = 8, A_DATA_TABLE = 16,
};

struct ninfo {
    /* subtree measures, meaningful while valid */
    uint32_t cnt[C_COUNT];
    uint32_t len;       /* dom_text_len() of the node */
    uint32_t commas;    /* commas in its text */
    uint32_t link;      /* text of <a> descendants (outermost ones) */
    uint32_t hash_link; /* the same for <a href="#..."> (weighs 0.3) */
    uint32_t head;      /* text of heading descendants (outermost) */
    uint32_t list;      /* text of ul/ol descendants (outermost) */
    uint32_t time;      /* text of <time> descendants (all) */
    uint8_t has;        /* text has a non-space character */
    uint8_t lead;       /* a space before the first one (all: any space) */
    uint8_t trail;      /* a space after the last one */
    uint8_t valid;
    /* the node's own facts */
    uint8_t tag;        /* enum tag */
    uint8_t epost;      /* an embedded social post blockquote */
    uint8_t hash_href;  /* an <a href="#..."> */
    uint8_t anc;        /* A_* of its ancestors, as of the last walk */
    uint8_t scored;     /* score below is a candidate's score */
    uint8_t cw_done;    /* cw below is computed */
    uint8_t mark;       /* pick_top(): alternatives under this node */
    int16_t cw;         /* class_weight() */
    double score;
};

/* ninfo records per chunk of a pass's arena. */
#define INFO_CHUNK 128

/* The edits of a pass, so that the next pass can undo them instead of
 * parsing the page again (see article_content_extract()). */
enum { J_UNLINK, J_NEW, J_RENAME };
struct jrec {
    int op;
    xmlNode *n;
    xmlNode *parent, *prev; /* J_UNLINK: where n was */
    int cut;                /* J_UNLINK: removed for good, not moved */
    xmlChar *name;          /* J_RENAME: n's old name (owned) */
};
struct journal {
    struct jrec *r;
    size_t n, alloc;
};

#define TAG_CACHE 64

struct scorer {
    unsigned flags;
    /* Element names are interned in the document's dictionary: the tag
     * of a name pointer is looked up once, then cached here. */
    const xmlChar *tc_name[TAG_CACHE];
    uint8_t tc_tag[TAG_CACHE];
    struct journal *journal;       /* the caller's, records every edit */
    struct fs_arena pool;          /* every ninfo of this pass */
    xmlNode **to_score;
    size_t n_to_score, alloc_to_score;
    xmlNode **candidates;          /* nodes with a score, in scoring order */
    size_t n_candidates, alloc_candidates;
    char *byline;                  /* first byline seen in the body */
};

static int is_text(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

static const char *class_and_id(const xmlNode *n, char *buf, size_t size);

static enum tag tag_of_name(struct scorer *sc, const xmlNode *n)
{
    /* Without a dictionary a name could be freed and its address reused
     * for another one: no caching then. */
    if (!n->doc || !n->doc->dict)
        return tag_lookup(n->name);
    size_t h = ((uintptr_t)n->name >> 3) % TAG_CACHE;
    if (sc->tc_name[h] != n->name) {
        sc->tc_name[h] = n->name;
        sc->tc_tag[h] = (uint8_t)tag_lookup(n->name);
    }
    return (enum tag)sc->tc_tag[h];
}

static struct ninfo *info_new(struct scorer *sc, xmlNode *n)
{
    struct ninfo *in = fs_arena_alloc(&sc->pool, sizeof(*in));
    memset(in, 0, sizeof(*in));
    n->_private = in;
    if (n->type == XML_ELEMENT_NODE && n->name) {
        in->tag = (uint8_t)tag_of_name(sc, n);
        if (in->tag == T_a) {
            const char *href = dom_attr(n, "href");
            in->hash_href = href && href[0] == '#';
        } else if (in->tag == T_blockquote) {
            /* The standard tweet/Instagram/TikTok embed code. */
            char ci[256];
            class_and_id(n, ci, sizeof(ci));
            in->epost = strstr(ci, "tweet") || strstr(ci, "instagram") ||
                        strstr(ci, "tiktok");
        }
    }
    return in;
}

static struct ninfo *info(struct scorer *sc, xmlNode *n)
{
    return n->_private ? (struct ninfo *)n->_private : info_new(sc, n);
}

static enum tag tag_of(struct scorer *sc, xmlNode *n)
{
    return (enum tag)info(sc, n)->tag;
}

static uint32_t tflags(struct scorer *sc, xmlNode *n)
{
    return TAGS[info(sc, n)->tag].flags;
}

static int is_tag(struct scorer *sc, xmlNode *n, enum tag t)
{
    return n->type == XML_ELEMENT_NODE && tag_of(sc, n) == t;
}

/* The tree changed under n (or n itself): its measures and its
 * ancestors' are stale.  Stops at the first node already invalid (its
 * ancestors are too) or never measured (nor are its ancestors). */
static void invalidate(xmlNode *n)
{
    for (; n; n = n->parent) {
        struct ninfo *in = n->_private;
        if (!in || !in->valid)
            return;
        in->valid = 0;
    }
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Commas in one text node's content. */
static uint32_t comma_count_text(const unsigned char *s)
{
    /* ',' and the Arabic / CJK / fullwidth forms Readability counts; the
     * multi-byte ones all start with 0xD8, 0xE2 or 0xEF. */
    static const char *const COMMAS[] = {"\xD8\x8C", "\xEF\xB9\x90",
                                         "\xEF\xB8\x90", "\xEF\xB8\x91",
                                         "\xE2\xB9\x81", "\xE2\xB8\xB4",
                                         "\xE2\xB8\xB2", "\xEF\xBC\x8C",
                                         NULL};
    uint32_t count = 0;
    for (; *s; s++) {
        if (*s == ',') {
            count++;
            continue;
        }
        if (*s != 0xD8 && *s != 0xE2 && *s != 0xEF)
            continue;
        for (const char *const *c = COMMAS; *c; c++) {
            if (s[1] == (unsigned char)(*c)[1] &&
                (!(*c)[2] || s[2] == (unsigned char)(*c)[2]) &&
                s[0] == (unsigned char)(*c)[0]) {
                count++;
                s += strlen(*c) - 1;
                break;
            }
        }
    }
    return count;
}

/* Measures of a text node: code points with whitespace runs as one,
 * leading and trailing whitespace not counted (as dom_text_len()), plus
 * what joining it to its neighbours needs (has, lead, trail). */
static void measure_text(struct ninfo *in, const unsigned char *text)
{
    const unsigned char *s = text;
    uint32_t n = 0;
    int st = 2; /* 2 nothing yet, 1 space pending after a word, 0 word */
    int lead = 0;
    for (unsigned char c; s && (c = *s); s++) {
        if (c > ' ' || !is_space(c)) {
            if ((c & 0xC0) == 0x80)
                continue; /* UTF-8 continuation byte */
            n += 1 + (st == 1);
            st = 0;
        } else if (st == 0) {
            st = 1;
        } else if (st == 2) {
            lead = 1;
        }
    }
    in->len = n;
    in->has = st != 2;
    in->lead = (uint8_t)lead;
    in->trail = st == 1 || (st == 2 && lead);
    in->commas = text ? comma_count_text(text) : 0;
}

/* Recompute the measures of x from its children's (all valid). */
static void combine(struct scorer *sc, xmlNode *x)
{
    struct ninfo *in = info(sc, x);
    memset(in->cnt, 0, sizeof(in->cnt));
    in->len = in->commas = in->link = in->hash_link = 0;
    in->head = in->list = in->time = 0;
    in->has = in->lead = in->trail = 0;
    for (xmlNode *c = x->children; c; c = c->next) {
        struct ninfo *ci = c->_private;
        for (int k = 0; k < C_COUNT; k++)
            in->cnt[k] += ci->cnt[k];
        in->cnt[C_NODES]++;
        in->commas += ci->commas;
        in->time += ci->time;
        /* Text lengths join as the text does: one space between two
         * words separated by whitespace on either side. */
        if (!ci->has) {
            if (in->has)
                in->trail |= ci->lead;
            else
                in->lead = in->trail = in->lead | ci->lead;
        } else if (!in->has) {
            in->lead |= ci->lead;
            in->len = ci->len;
            in->has = 1;
            in->trail = ci->trail;
        } else {
            in->len += ci->len + (in->trail || ci->lead);
            in->trail = ci->trail;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        uint32_t f = TAGS[ci->tag].flags;
        switch (ci->tag) {
        case T_p: in->cnt[C_P]++; break;
        case T_img: in->cnt[C_IMG]++; break;
        case T_li: in->cnt[C_LI]++; break;
        case T_input: in->cnt[C_INPUT]++; break;
        case T_object: in->cnt[C_OBJECT]++; break;
        case T_embed: in->cnt[C_EMBED]++; break;
        case T_iframe: in->cnt[C_IFRAME]++; break;
        case T_th: in->cnt[C_TH]++; break;
        case T_caption: in->cnt[C_CAPTION]++; break;
        case T_thead: in->cnt[C_THEAD]++; break;
        case T_picture: in->cnt[C_PICTURE]++; break;
        case T_time: in->time += ci->len; break;
        default: break;
        }
        if (f & F_BLOCK_IN_DIV)
            in->cnt[C_BLOCK]++;
        in->cnt[C_EPOST] += ci->epost;
        if (ci->tag == T_a) {
            if (ci->hash_href)
                in->hash_link += ci->len;
            else
                in->link += ci->len;
        } else {
            in->link += ci->link;
            in->hash_link += ci->hash_link;
        }
        in->head += f & F_HEADING ? ci->len : ci->head;
        in->list += f & F_LIST ? ci->len : ci->list;
    }
    in->valid = 1;
}

/* Make n's measures valid: a post-order walk over n's invalid
 * descendants only (valid subtrees are taken as they are). */
static struct ninfo *measure(struct scorer *sc, xmlNode *n)
{
    struct ninfo *ni = info(sc, n);
    if (ni->valid)
        return ni;
    if (is_text(n)) {
        measure_text(ni, n->content);
        ni->valid = 1;
        return ni;
    }
    xmlNode *x = n, *c = n->children;
    for (;;) {
        while (c) {
            struct ninfo *ci = info(sc, c);
            if (ci->valid) {
                c = c->next;
            } else if (c->type == XML_ELEMENT_NODE && c->children) {
                x = c; /* descend */
                c = c->children;
            } else {
                if (is_text(c))
                    measure_text(ci, c->content);
                else if (c->type == XML_ELEMENT_NODE)
                    combine(sc, c); /* no children: zeros */
                else { /* comments and the like: no text */
                    memset(ci->cnt, 0, sizeof(ci->cnt));
                    ci->len = ci->commas = ci->time = 0;
                    ci->has = ci->lead = ci->trail = 0;
                }
                ci->valid = 1;
                c = c->next;
            }
        }
        combine(sc, x);
        if (x == n)
            return ni;
        c = x->next;
        x = x->parent;
    }
}

/* Subtree measures as the old walks computed them. */
static size_t text_len(struct scorer *sc, xmlNode *n)
{
    return measure(sc, n)->len;
}

static size_t count_of(struct scorer *sc, xmlNode *n, int which)
{
    return measure(sc, n)->cnt[which];
}

static double link_density(struct scorer *sc, xmlNode *n)
{
    struct ninfo *in = measure(sc, n);
    if (!in->len)
        return 0;
    double links = (double)in->link + 0.3 * (double)in->hash_link;
    return links / (double)in->len;
}

static int has_block_descendant(struct scorer *sc, xmlNode *n)
{
    return count_of(sc, n, C_BLOCK) > 0;
}

/* An embedded social post (the standard tweet/Instagram/TikTok embed
 * code is a <blockquote> with such a class), n itself included: quoted
 * material the article is about, kept even inside wrappers whose class
 * says "social". */
static int has_embedded_post(struct scorer *sc, xmlNode *n)
{
    return info(sc, n)->epost || count_of(sc, n, C_EPOST) > 0;
}

/* Ancestor facts of a walk's root, found by climbing once. */
static uint8_t anc_bits(struct scorer *sc, xmlNode *p, int data_tables);

static void set_root_anc(struct scorer *sc, xmlNode *root)
{
    uint8_t anc = 0;
    for (xmlNode *p = root->parent; p && p->type == XML_ELEMENT_NODE;
         p = p->parent)
        anc |= anc_bits(sc, p, 1);
    info(sc, root)->anc = anc;
}

/* n's ancestor facts from its parent's (set earlier in the same walk). */
static void set_anc(struct scorer *sc, xmlNode *n, int data_tables)
{
    xmlNode *p = n->parent;
    info(sc, n)->anc = info(sc, p)->anc | anc_bits(sc, p, data_tables);
}

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

/* Readability's class weight (0 when classes are not weighed in this
 * pass), computed once per node per pass. */
static int class_weight(struct scorer *sc, xmlNode *n)
{
    if (!(sc->flags & FLAG_WEIGHT_CLASSES))
        return 0;
    struct ninfo *in = info(sc, n);
    if (in->cw_done)
        return in->cw;
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
    in->cw = (int16_t)w;
    in->cw_done = 1;
    return w;
}

/* ---- node tests ---------------------------------------------------------- */

static int is_data_table(struct scorer *sc, xmlNode *t)
{
    const char *role = dom_attr(t, "role");
    if (role && fs_strcaseeq(role, "presentation"))
        return 0;
    struct ninfo *in = measure(sc, t);
    return in->cnt[C_TH] > 0 || in->cnt[C_CAPTION] > 0 ||
           in->cnt[C_THEAD] > 0;
}

/* The A_* facts that p gives its descendants (A_DATA_TABLE only when
 * data_tables: it measures p). */
static uint8_t anc_bits(struct scorer *sc, xmlNode *p, int data_tables)
{
    switch (tag_of(sc, p)) {
    case T_table:
        return A_TABLE |
               (data_tables && is_data_table(sc, p) ? A_DATA_TABLE : 0);
    case T_code: return A_CODE;
    case T_pre: return A_PRE;
    case T_figure: return A_FIGURE;
    default: return 0;
    }
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
static int is_without_content(struct scorer *sc, xmlNode *n)
{
    if (text_len(sc, n))
        return 0;
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !is_tag(sc, c, T_br) &&
            !is_tag(sc, c, T_hr))
            return 0;
    return 1;
}

static int is_phrasing(struct scorer *sc, xmlNode *n)
{
    if (is_text(n))
        return 1;
    if (n->type != XML_ELEMENT_NODE || !(tflags(sc, n) & F_PHRASING))
        return 0;
    /* a, del, ins and friends are phrasing only without blocks inside. */
    return !has_block_descendant(sc, n);
}

/* ---- journaled edits ------------------------------------------------------
 * Every edit of the tree goes through these, recorded in sc->journal:
 * removed nodes are only unlinked (freed by journal_free() or put back by
 * journal_undo()), moves never merge text nodes (xmlAddChild() would, and
 * that cannot be undone), created nodes are recorded to be freed again. */

static struct jrec *journal_add(struct scorer *sc, int op, xmlNode *n)
{
    struct journal *j = sc->journal;
    FS_GROW(j->r, j->n + 1, j->alloc);
    struct jrec *r = &j->r[j->n++];
    memset(r, 0, sizeof(*r));
    r->op = op;
    r->n = n;
    return r;
}

/* Link the detached n into parent after prev (first when prev is NULL). */
static void link_after(xmlNode *n, xmlNode *parent, xmlNode *prev)
{
    n->parent = parent;
    n->prev = prev;
    n->next = prev ? prev->next : parent->children;
    if (prev)
        prev->next = n;
    else
        parent->children = n;
    if (n->next)
        n->next->prev = n;
    else
        parent->last = n;
}

/* Unlink n, to be moved elsewhere (cut 0) or removed for good (cut 1:
 * then it stays detached, and is freed by journal_free() unless put
 * back). */
static void j_unlink(struct scorer *sc, xmlNode *n, int cut)
{
    struct jrec *r = journal_add(sc, J_UNLINK, n);
    r->parent = n->parent;
    r->prev = n->prev;
    r->cut = cut;
    xmlUnlinkNode(n);
}

/* A new element named name, recorded, not linked yet. */
static xmlNode *j_new(struct scorer *sc, xmlDoc *doc, const char *name)
{
    xmlNode *n = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
    if (!n)
        fs_oom();
    journal_add(sc, J_NEW, n);
    return n;
}

static void j_rename(struct scorer *sc, xmlNode *n, const char *name)
{
    struct jrec *r = journal_add(sc, J_RENAME, n);
    r->name = xmlStrdup(n->name);
    if (!r->name)
        fs_oom();
    xmlNodeSetName(n, BAD_CAST name);
}

/* Put the tree back as it was before the recorded edits, newest first. */
static void journal_undo(struct journal *j)
{
    for (size_t i = j->n; i-- > 0;) {
        struct jrec *r = &j->r[i];
        switch (r->op) {
        case J_UNLINK:
            if (r->n->parent)
                xmlUnlinkNode(r->n);
            link_after(r->n, r->parent, r->prev);
            break;
        case J_NEW: /* emptied by the undos after it */
            xmlUnlinkNode(r->n);
            xmlFreeNode(r->n);
            break;
        case J_RENAME:
            xmlNodeSetName(r->n, r->name);
            xmlFree(r->name);
            break;
        }
    }
    j->n = 0;
}

/* Keep the edits: free what they removed and the journal.  Removed
 * subtrees are disjoint (a walk never visits a detached node again), so
 * each is freed once. */
static void journal_free(struct journal *j)
{
    for (size_t i = 0; i < j->n; i++) {
        struct jrec *r = &j->r[i];
        if (r->op == J_RENAME)
            xmlFree(r->name);
        else if (r->op == J_UNLINK && r->cut && !r->n->parent)
            xmlFreeNode(r->n);
    }
    free(j->r);
    memset(j, 0, sizeof(*j));
}

/* Remove n (and its subtree) from the tree; its ancestors' measures go
 * stale. */
static void cut(struct scorer *sc, xmlNode *n)
{
    invalidate(n->parent);
    j_unlink(sc, n, 1);
}

/* ---- scores -------------------------------------------------------------- */

static struct ninfo *score_of(const xmlNode *n)
{
    struct ninfo *in = n ? n->_private : NULL;
    return in && in->scored ? in : NULL;
}

static struct ninfo *score_init(struct scorer *sc, xmlNode *n)
{
    struct ninfo *s = info(sc, n);
    if (s->scored)
        return s;
    s->scored = 1;
    FS_GROW(sc->candidates, sc->n_candidates + 1, sc->alloc_candidates);
    sc->candidates[sc->n_candidates++] = n;
    uint32_t f = TAGS[s->tag].flags;
    if (s->tag == T_div)
        s->score = 5;
    else if (f & F_PLUS3)
        s->score = 3;
    else if (f & F_MINUS3)
        s->score = -3;
    else if (f & F_MINUS5)
        s->score = -5;
    else
        s->score = 0;
    s->score += class_weight(sc, n);
    return s;
}

static void scorer_release(struct scorer *sc)
{
    fs_arena_release(&sc->pool);
    free(sc->candidates);
    free(sc->to_score);
    free(sc->byline);
    memset(sc, 0, sizeof(*sc));
}

/* ---- pre-cleaning -------------------------------------------------------- */

/* The value of attribute a as dom_attr() gives it. */
static const char *attr_value(const xmlAttr *a)
{
    return a->children && a->children->content
               ? (const char *)a->children->content : "";
}

/* Hidden by the page itself: hidden attribute, inline display:none or
 * visibility:hidden, aria-hidden, screen-reader-only classes.  One walk
 * over the attributes (this runs on every element of every page). */
static int is_hidden(const xmlNode *n)
{
    /* Accessibility helpers: text for screen readers, not for readers. */
    static const char *const SCREEN_READER[] = {
        "screen-reader-text", "sr-only", "visually-hidden", "visuallyhidden",
        "skip-link", NULL};
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        if (!name)
            continue;
        switch (name[0] | 0x20) {
        case 'h':
            if (fs_strcaseeq(name, "hidden"))
                return 1;
            break;
        case 'a':
            if (fs_strcaseeq(name, "aria-hidden") &&
                fs_strcaseeq(attr_value(a), "true"))
                return 1;
            break;
        case 'c':
            if (fs_strcaseeq(name, "class") &&
                contains_any(attr_value(a), SCREEN_READER))
                return 1;
            break;
        case 's':
            if (fs_strcaseeq(name, "style")) {
                const char *style = attr_value(a);
                char buf[256];
                size_t w = 0;
                for (; *style && w + 1 < sizeof(buf); style++)
                    if (!isspace((unsigned char)*style))
                        buf[w++] = (char)tolower((unsigned char)*style);
                buf[w] = '\0';
                if (strstr(buf, "display:none") ||
                    strstr(buf, "visibility:hidden"))
                    return 1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int is_byline(struct scorer *sc, xmlNode *n, const char *ci)
{
    const char *rel = dom_attr(n, "rel");
    const char *itemprop = dom_attr(n, "itemprop");
    if (!(rel && fs_strcaseeq(rel, "author")) &&
        !(itemprop && strstr(itemprop, "author")) &&
        !contains_any(ci, BYLINE_HINTS))
        return 0;
    size_t len = text_len(sc, n);
    return len > 0 && len < 100;
}

/* Move runs of phrasing children of div into new <p> elements, so text
 * written straight into a div is scored like a paragraph. */
static void wrap_phrasing(struct scorer *sc, xmlNode *div)
{
    xmlNode *c = div->children, *p = NULL;
    int changed = 0;
    while (c) {
        xmlNode *next = c->next;
        if (is_phrasing(sc, c)) {
            if (!p) {
                if (is_whitespace_text(c)) {
                    c = next;
                    continue;
                }
                if (!changed) {
                    invalidate(div);
                    changed = 1;
                }
                p = j_new(sc, div->doc, "p");
                info_new(sc, p);
                link_after(p, div, c->prev);
            }
            j_unlink(sc, c, 0);
            link_after(c, p, p->last); /* text nodes stay unmerged */
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
static void strip_never_content(struct scorer *sc, xmlNode *root)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
            n->type == XML_DTD_NODE ||
            (n->type == XML_ELEMENT_NODE &&
             ((tflags(sc, n) & F_NEVER_CONTENT) || is_hidden(n)))) {
            xmlNode *next = dom_next(n, root, 0);
            cut(sc, n);
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

/* Does ci hold one of the words is_never_text_block() looks for at all?
 * One scan instead of a dozen strstr() calls. */
static int has_never_text_word(const char *ci)
{
#define AT(w) (strncmp(p, w, sizeof(w) - 1) == 0)
    for (const char *p = ci; *p; p++) {
        switch (*p) {
        case 'c':
            if (AT("comment") || AT("caption") || AT("credit"))
                return 1;
            break;
        case 'd':
            if (AT("disqus") || AT("date"))
                return 1;
            break;
        case 't':
            if (AT("timestamp"))
                return 1;
            break;
        case 'p':
            if (AT("published") || AT("pubdate") || AT("photo") ||
                AT("picture"))
                return 1;
            break;
        case 'i':
            if (AT("image") || AT("img"))
                return 1;
            break;
        case 'f':
            if (AT("figure"))
                return 1;
            break;
        default:
            break;
        }
    }
    return 0;
#undef AT
}

/* Blocks that are never article text whatever the pass, judged by class
 * or id: comment threads, image captions and credits, date lines.  Kept
 * when long: a container with such a class that holds real text is a
 * badly named article wrapper, not a caption. */
static int is_never_text_block(struct scorer *sc, xmlNode *n)
{
    char ci[512];
    enum tag t = tag_of(sc, n);
    if (!n->properties && t != T_figure)
        return 0;
    class_and_id(n, ci, sizeof(ci));
    if (t != T_figure && !has_never_text_word(ci))
        return 0; /* the usual case, decided in one scan */
    if ((has_token_prefix(ci, "comment") && !strstr(ci, "commentar") &&
         !is_comment_state_flag(ci)) ||
        strstr(ci, "disqus"))
        return t != T_body && t != T_html && t != T_article;
    if (strstr(ci, "caption") || strstr(ci, "credit") ||
        has_token(ci, "timestamp") || has_token(ci, "date") ||
        has_token(ci, "dateline") || has_token(ci, "published") ||
        has_token(ci, "pubdate"))
    {
        size_t len = text_len(sc, n);
        return len < 300 || (len < 1000 && count_of(sc, n, C_P) < 2);
    }
    /* An image box: a picture plus a line or two of caption. */
    if ((t == T_figure || has_token_prefix(ci, "image") ||
         has_token_prefix(ci, "img") || has_token_prefix(ci, "photo") ||
         has_token_prefix(ci, "picture") || has_token_prefix(ci, "figure")) &&
        (count_of(sc, n, C_IMG) > 0 || count_of(sc, n, C_PICTURE) > 0))
        return text_len(sc, n) < 400 && count_of(sc, n, C_P) < 2;
    return 0;
}

/* A short line made of a <time> and a word or two ("Updated <time>"). */
static int is_date_line(struct scorer *sc, xmlNode *n)
{
    if (!(tflags(sc, n) & F_DATE_LINE))
        return 0;
    struct ninfo *in = measure(sc, n);
    if (!in->len || in->len > 100)
        return 0;
    return (size_t)in->time * 2 > in->len;
}

static void strip_never_text(struct scorer *sc, xmlNode *root)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_ELEMENT_NODE &&
            (is_never_text_block(sc, n) || is_date_line(sc, n))) {
            xmlNode *next = dom_next(n, root, 0);
            cut(sc, n);
            n = next;
            continue;
        }
        n = dom_next(n, root, 1);
    }
}

/* The first byte of n's text that dom_text_clean() keeps (whitespace
 * and no-break spaces are trimmed), 0 when there is none: most short
 * blocks differ from the headline there, before any text is built. */
static unsigned char first_char(xmlNode *n)
{
    for (xmlNode *c = dom_next(n, n, 1); c; c = dom_next(c, n, 1)) {
        if (!is_text(c) || !c->content)
            continue;
        for (const unsigned char *s = c->content; *s; s++) {
            if (*s == 0xC2 && s[1] == 0xA0)
                s++;
            else if (!isspace(*s))
                return *s;
        }
    }
    return 0;
}

/* The headline is metadata, not body text: drop short blocks that
 * repeat it (Readability does this for h1/h2; templates also use <p> or
 * <div class="title">). */
static void strip_title_repeats(struct scorer *sc, xmlNode *root,
                                const char *title)
{
    size_t title_len = title ? strlen(title) : 0;
    if (title_len < 10)
        return; /* too short to tell a headline from an ordinary phrase */
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_ELEMENT_NODE &&
            (tflags(sc, n) & F_TITLE_BLOCK)) {
            struct ninfo *in = measure(sc, n);
            /* An element whose only child is another title block says
             * the same as that child, which is checked next: comparing
             * once bounds the work on deep nesting. */
            xmlNode *only = n->children && !n->children->next
                                ? n->children : NULL;
            int same_as_child = only && only->type == XML_ELEMENT_NODE &&
                                (tflags(sc, only) & F_TITLE_BLOCK);
            if (in->len && in->len <= title_len && !same_as_child &&
                in->cnt[C_NODES] <= TITLE_MAX_NODES &&
                first_char(n) == (unsigned char)title[0]) {
                struct strbuf t = STRBUF_INIT;
                dom_text_clean(n, &t);
                int same = strcmp(t.buf, title) == 0;
                strbuf_release(&t);
                if (same) {
                    xmlNode *next = dom_next(n, root, 0);
                    cut(sc, n);
                    n = next;
                    continue;
                }
            }
        }
        n = dom_next(n, root, 1);
    }
}

/* Page chrome (nav, header, aside, footer) goes unless it holds most of
 * the page's text: some sites wrap the whole page in <header> or <aside>. */
static void strip_chrome(struct scorer *sc, xmlNode *root)
{
    size_t total = text_len(sc, root);
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_ELEMENT_NODE && (tflags(sc, n) & F_CHROME) &&
            text_len(sc, n) * 2 < total) {
            xmlNode *next = dom_next(n, root, 0);
            cut(sc, n);
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
    char ci[512];
    set_root_anc(sc, body);
    for (xmlNode *n = dom_next(body, body, 1); n;) {
        if (n->type != XML_ELEMENT_NODE) {
            n = dom_next(n, body, 1);
            continue;
        }
        set_anc(sc, n, 0);
        enum tag t = tag_of(sc, n);
        uint32_t f = TAGS[t].flags;
        if (n->properties)
            class_and_id(n, ci, sizeof(ci));
        else
            ci[0] = '\0';
        xmlNode *skip = dom_next(n, body, 0);
        if (n->properties && is_byline(sc, n, ci)) {
            if (!sc->byline) {
                struct strbuf b = STRBUF_INIT;
                dom_text_clean(n, &b);
                sc->byline = strbuf_detach(&b, NULL);
            }
            cut(sc, n);
            n = skip;
            continue;
        }
        if ((sc->flags & FLAG_STRIP_UNLIKELY) && n->properties) {
            const char *role = dom_attr(n, "role");
            uint8_t anc = info(sc, n)->anc;
            int unlikely =
                (contains_any(ci, UNLIKELY) || looks_like_ad(ci)) &&
                !contains_any(ci, MAYBE_CANDIDATE) && t != T_body &&
                t != T_a && t != T_html && !(anc & (A_TABLE | A_CODE)) &&
                !has_embedded_post(sc, n);
            int bad_role = 0;
            for (const char *const *r = UNLIKELY_ROLES; role && *r; r++)
                bad_role |= fs_strcaseeq(role, *r);
            if (unlikely || bad_role) {
                cut(sc, n);
                n = skip;
                continue;
            }
        }
        if ((f & F_EMPTY_DROP) && is_without_content(sc, n)) {
            cut(sc, n);
            n = skip;
            continue;
        }
        if (f & F_TO_SCORE)
            push_to_score(sc, n);
        if (t == T_div) {
            wrap_phrasing(sc, n);
            xmlNode *only = dom_first_element(n);
            if (only && !dom_next_element(only) && is_tag(sc, only, T_p) &&
                link_density(sc, n) < 0.25 &&
                text_len(sc, only) == text_len(sc, n)) {
                /* A div around a single paragraph is that paragraph. */
                invalidate(n);
                info(sc, only)->anc = info(sc, n)->anc;
                xmlNode *parent = n->parent, *prev = n->prev;
                j_unlink(sc, only, 0);
                j_unlink(sc, n, 1);
                link_after(only, parent, prev);
                push_to_score(sc, only);
                n = dom_next(only, body, 1);
                continue;
            } else if (!has_block_descendant(sc, n)) {
                invalidate(n);
                j_rename(sc, n, "p");
                info(sc, n)->tag = T_p;
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
        struct ninfo *in = measure(sc, e);
        size_t len = in->len;
        if (len < 25)
            continue;
        double score = 1 + (double)in->commas +
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
        struct ninfo *s = score_of(c);
        s->score *= 1 - link_density(sc, c);
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
     * split into sections, take the ancestor.  Each alternative marks its
     * ancestors once, so finding the lowest ancestor of best holding three
     * of them is one climb, not a climb per pair. */
    double best_score = score_of(best)->score;
    xmlNode *alts[N_TOP_CANDIDATES];
    int n_alts = 0;
    for (int t = 1; t < N_TOP_CANDIDATES && top[t]; t++)
        if (score_of(top[t])->score / best_score >= 0.75)
            alts[n_alts++] = top[t];
    if (n_alts >= 3) {
        for (int k = 0; k < n_alts; k++)
            for (xmlNode *q = alts[k]->parent; q; q = q->parent)
                info(sc, q)->mark++;
        for (xmlNode *p = best->parent; p && p != body &&
                                        p->type == XML_ELEMENT_NODE;
             p = p->parent) {
            if (info(sc, p)->mark >= 3) {
                best = p;
                break;
            }
        }
        for (int k = 0; k < n_alts; k++)
            for (xmlNode *q = alts[k]->parent; q; q = q->parent)
                info(sc, q)->mark = 0;
    }
    if (!score_of(best))
        score_init(sc, best);

    /* Climb while the parent scores better: the paragraphs may be split
     * between the candidate and its siblings. */
    double last = score_of(best)->score, threshold = last / 3;
    for (xmlNode *p = best->parent; p && p != body &&
                                    p->type == XML_ELEMENT_NODE;
         p = p->parent) {
        struct ninfo *ps = score_of(p);
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

static xmlNode *gather_article(struct scorer *sc, xmlNode *top, xmlNode *body)
{
    /* Broken markup can put <body> inside another element (libxml2 nests
     * "<head><x><div><body>" that way): a candidate holding body cannot be
     * moved under a container that is then appended to body — that would
     * make a parent-pointer cycle and every later walk would never end. */
    if (is_ancestor_or_self(top, body))
        return top;
    xmlNode *article = j_new(sc, body->doc, "div");
    info_new(sc, article);
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
            struct ninfo *ss = score_of(s);
            if (ss && ss->score + bonus >= threshold) {
                append = 1;
            } else if (is_tag(sc, s, T_p)) {
                double ld = link_density(sc, s);
                size_t len = text_len(sc, s);
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
            invalidate(s->parent);
            j_unlink(sc, s, 0);
            link_after(s, article, article->last);
        }
        if (!parent)
            break;
        s = next;
    }
    invalidate(body);
    link_after(article, body, body->last);
    return article;
}

/* ---- cleaning the chosen content ----------------------------------------- */

/* The elements under root with one of the tag flags, in document order;
 * sets every element's ancestor facts on the way. */
static size_t collect(struct scorer *sc, xmlNode *root, uint32_t flags,
                      xmlNode ***out, size_t *alloc)
{
    size_t n = 0;
    set_root_anc(sc, root);
    for (xmlNode *c = dom_next(root, root, 1); c; c = dom_next(c, root, 1)) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        set_anc(sc, c, 1);
        if (tflags(sc, c) & flags) {
            FS_GROW(*out, n + 1, *alloc);
            (*out)[n++] = c;
        }
    }
    return n;
}

/* Readability's _cleanConditionally, plus: link-dense lists go too (a
 * list of headlines is never article text).  n's ancestor facts were set
 * by collect(): a data table keeps all of its descendants, so its
 * "data"-ness cannot change while the list is worked through. */
static int should_remove(struct scorer *sc, xmlNode *n)
{
    struct ninfo *in = measure(sc, n);
    enum tag t = (enum tag)in->tag;
    int is_list = t == T_ul || t == T_ol;
    size_t content_len = in->len;
    if (!is_list && content_len)
        is_list = (double)in->list / (double)content_len > 0.9;
    if (t == T_table && is_data_table(sc, n))
        return 0;
    if (in->anc & (A_DATA_TABLE | A_CODE | A_PRE))
        return 0;
    if (has_embedded_post(sc, n))
        return 0;
    int weight = class_weight(sc, n);
    if (weight < 0)
        return 1;
    if (in->commas >= 10)
        return 0;
    double p = (double)in->cnt[C_P];
    double img = (double)in->cnt[C_IMG];
    double li = (double)in->cnt[C_LI] - 100;
    double input = (double)in->cnt[C_INPUT];
    double heading_density =
        content_len ? (double)in->head / (double)content_len : 0;
    double embeds = (double)(in->cnt[C_OBJECT] + in->cnt[C_EMBED] +
                             in->cnt[C_IFRAME]);
    double ld = link_density(sc, n);
    int in_figure = (in->anc & A_FIGURE) != 0;
    return (img > 1 && p / img < 0.5 && !in_figure) ||
           (!is_list && li > p) || (input > dfloor_pos(p / 3)) ||
           (!is_list && heading_density < 0.9 && content_len < 25 &&
            (img == 0 || img > 2) && !in_figure) ||
           (!is_list && weight < 25 && ld > 0.2) ||
           (weight >= 25 && ld > 0.5) || (is_list && ld > 0.5) ||
           (embeds == 1 && content_len < 75) || embeds > 1;
}

static void clean_conditionally(struct scorer *sc, xmlNode *root,
                                uint32_t flags)
{
    if (!(sc->flags & FLAG_CLEAN_CONDITIONALLY))
        return;
    xmlNode **list = NULL;
    size_t alloc = 0, n = collect(sc, root, flags, &list, &alloc);
    /* Backwards: descendants are judged (and maybe freed) before their
     * ancestors, so no pointer in list is used after being freed; and an
     * ancestor is measured once, after its descendants' removals. */
    for (size_t i = n; i-- > 0;)
        if (should_remove(sc, list[i]))
            cut(sc, list[i]);
    free(list);
}

static void remove_all(struct scorer *sc, xmlNode *root, uint32_t flags)
{
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        if (n->type == XML_ELEMENT_NODE && (tflags(sc, n) & flags)) {
            xmlNode *next = dom_next(n, root, 0);
            cut(sc, n);
            n = next;
        } else {
            n = dom_next(n, root, 1);
        }
    }
}

/* Share bars, and headings whose class says they are not content. */
static void remove_by_class(struct scorer *sc, xmlNode *root)
{
    char ci[512];
    for (xmlNode *n = dom_next(root, root, 1); n;) {
        xmlNode *next = NULL;
        if (n->type == XML_ELEMENT_NODE && n != root) {
            enum tag t = tag_of(sc, n);
            int share = 0;
            if (n->properties) {
                class_and_id(n, ci, sizeof(ci));
                share = (has_token(ci, "share") ||
                         has_token(ci, "sharedaddy")) &&
                        text_len(sc, n) < CHAR_THRESHOLD;
            }
            int bad_heading = (t == T_h1 || t == T_h2) &&
                              class_weight(sc, n) < 0;
            /* A paragraph that is one link ("READ MORE: <a>headline</a>")
             * points elsewhere; it is not this article's text. */
            int link_line = (TAGS[t].flags & F_LINK_LINE) &&
                            text_len(sc, n) < 200 &&
                            link_density(sc, n) > 0.8;
            if (share || bad_heading || link_line) {
                next = dom_next(n, root, 0);
                cut(sc, n);
                n = next;
                continue;
            }
        }
        n = dom_next(n, root, 1);
    }
}

static void prepare_article(struct scorer *sc, xmlNode *article)
{
    clean_conditionally(sc, article, F_FORMS);
    remove_all(sc, article, F_JUNK);
    remove_by_class(sc, article);
    clean_conditionally(sc, article, F_CLEAN);
}

/* ---- text output --------------------------------------------------------- */

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

/* Append text with whitespace (and no-break spaces) collapsed; runs of
 * ordinary bytes are copied at once. */
static void emit_text(struct emitter *em, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p && !isspace(*p) && !(*p == 0xC2 && p[1] == 0xA0))
            p++;
        if (p > run)
            strbuf_add(&em->para, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        if (*p == 0xC2)
            p++;
        p++;
        if (em->para.len && em->para.buf[em->para.len - 1] != ' ' &&
            em->para.buf[em->para.len - 1] != '\n')
            strbuf_addch(&em->para, ' ');
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

static int heading_level(struct scorer *sc, xmlNode *n)
{
    enum tag t = tag_of(sc, n);
    return TAGS[t].flags & F_HEADING ? (int)(t - T_h1) + 1 : 0;
}

static int is_emit_block(struct scorer *sc, xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE && (tflags(sc, n) & F_EMIT_BLOCK);
}

static void emit_article(struct scorer *sc, xmlNode *root, struct strbuf *out)
{
    struct emitter em = {out, STRBUF_INIT, STRBUF_INIT, 0};
    xmlNode *n = root->children;
    while (n) {
        if (is_text(n)) {
            if (n->content)
                emit_text(&em, (const char *)n->content);
        } else if (is_tag(sc, n, T_br)) {
            emit_br(&em);
        } else if (is_emit_block(sc, n)) {
            emit_flush(&em, 0);
        }
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        /* Leaving n (and maybe its ancestors): close their blocks. */
        while (n && n != root) {
            if (is_emit_block(sc, n))
                emit_flush(&em, heading_level(sc, n));
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
                         struct journal *journal, struct strbuf *out,
                         char **byline)
{
    xmlNode *body = find_body(doc);
    if (!body)
        return;
    struct scorer sc = {.flags = flags, .journal = journal,
                        .pool = {.chunk = INFO_CHUNK * sizeof(struct ninfo)}};
    strip_never_content(&sc, body);
    if (flags & FLAG_STRIP_NEVER_TEXT) {
        strip_never_text(&sc, body);
        strip_title_repeats(&sc, body, title);
    }
    if (flags & FLAG_STRIP_UNLIKELY)
        strip_chrome(&sc, body);
    prepare_and_collect(&sc, body);
    score_paragraphs(&sc);
    xmlNode *top = pick_top(&sc, body);
    xmlNode *article = top ? gather_article(&sc, top, body) : body;
    prepare_article(&sc, article);
    emit_article(&sc, article, out);
    if (byline && !*byline && sc.byline && *sc.byline) {
        *byline = sc.byline;
        sc.byline = NULL;
    }
    /* The pool dies here: the nodes' _private pointers dangle until
     * forget_infos() (before another pass) or xmlFreeDoc(), which does
     * not read them. */
    scorer_release(&sc);
}

/* Clear every node's _private (pointers into a finished pass's pool). */
static void forget_infos(xmlDoc *doc)
{
    xmlNode *root = (xmlNode *)doc;
    for (xmlNode *n = root; n; n = dom_next(n, root, 1))
        n->_private = NULL;
}

void article_content_extract(xmlDoc *doc, const char *title,
                             struct strbuf *text, char **byline)
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
    struct journal journal = {0};
    *byline = NULL;
    for (size_t i = 0; i < n_passes; i++) {
        if (i == n_passes - 1 && best.len)
            break;
        strbuf_reset(&attempt);
        if (i > 0) {
            /* A fallback pass (one page in ten) starts from the tree as
             * parsed: undoing the last pass's edits is much cheaper than
             * parsing the page again (or copying every page's tree in
             * case a fallback is needed). */
            journal_undo(&journal);
            forget_infos(doc);
        }
        grab_article(doc, title, PASSES[i], &journal, &attempt, byline);
        if (attempt.len > best.len) {
            struct strbuf t = best;
            best = attempt;
            attempt = t;
        }
        if (best.len >= CHAR_THRESHOLD)
            break;
    }
    journal_free(&journal);
    feed_utf8_append(text, best.buf, best.len);
    strbuf_release(&best);
    strbuf_release(&attempt);
}
