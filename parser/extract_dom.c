/*
 * extract_dom.c — small read/modify helpers over libxml2's HTML tree for
 * the article extractor.
 *
 * Invariants: walks are iterative (parent/next pointers), never recursive,
 * so document depth cannot overflow the stack.  Strings returned by
 * dom_attr() are borrowed from the tree and die with it.
 */
#include "extract_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ASCII lower case, without the locale lookup of tolower(). */
static int dom_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive name compare; the first letters decide most calls
 * before any function call (these run hundreds of thousands of times a
 * page). */
static int dom_name_eq(const char *a, const char *b)
{
    return dom_lower((unsigned char)a[0]) == dom_lower((unsigned char)b[0]) &&
           strcasecmp(a, b) == 0;
}

int dom_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name &&
           dom_name_eq((const char *)n->name, name);
}

int dom_is_any(const xmlNode *n, const char *const *names)
{
    if (!n || n->type != XML_ELEMENT_NODE || !n->name)
        return 0;
    for (; *names; names++)
        if (dom_name_eq((const char *)n->name, *names))
            return 1;
    return 0;
}

const char *dom_attr(const xmlNode *n, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE)
        return NULL;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name || strcasecmp((const char *)a->name, name) != 0)
            continue;
        /* HTML attribute values are one text node (or none when empty). */
        if (a->children && a->children->content)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

xmlNode *dom_next(xmlNode *n, const xmlNode *root, int descend)
{
    if (descend && n->type == XML_ELEMENT_NODE && n->children)
        return n->children;
    if (descend && n->type == XML_DOCUMENT_NODE && n->children)
        return n->children;
    if (descend && n->type == XML_HTML_DOCUMENT_NODE && n->children)
        return n->children;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

xmlNode *dom_first_element(const xmlNode *n)
{
    xmlNode *c = n ? n->children : NULL;
    while (c && c->type != XML_ELEMENT_NODE)
        c = c->next;
    return c;
}

xmlNode *dom_next_element(const xmlNode *n)
{
    xmlNode *c = n ? n->next : NULL;
    while (c && c->type != XML_ELEMENT_NODE)
        c = c->next;
    return c;
}

int dom_has_ancestor(const xmlNode *n, const char *name, int max_depth)
{
    int depth = 0;
    for (const xmlNode *p = n ? n->parent : NULL; p; p = p->parent) {
        if (max_depth > 0 && ++depth > max_depth)
            return 0;
        if (dom_is(p, name))
            return 1;
    }
    return 0;
}

static int is_text(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

void dom_text(const xmlNode *n, struct strbuf *out)
{
    if (!n)
        return;
    if (is_text(n)) {
        strbuf_addstr(out, (const char *)n->content);
        return;
    }
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c; c = dom_next(c, n, 1))
        if (is_text(c) && c->content)
            strbuf_addstr(out, (const char *)c->content);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Count code points of s with whitespace runs as one.  *state carries
 * across text nodes: 2 nothing seen yet (leading space is not counted),
 * 1 space pending after a word, 0 inside a word. */
static size_t count_chars(const unsigned char *s, int *state)
{
    size_t n = 0;
    int st = *state;
    for (unsigned char c; (c = *s); s++) {
        if (c > ' ') { /* the usual case: part of a word */
            if ((c & 0xC0) == 0x80)
                continue; /* UTF-8 continuation byte */
            n += 1 + (st == 1);
            st = 0;
        } else if (is_space(c)) {
            if (st == 0)
                st = 1;
        } else { /* another control character counts as a character */
            n += 1 + (st == 1);
            st = 0;
        }
    }
    *state = st;
    return n;
}

size_t dom_text_len_max(const xmlNode *n, size_t max)
{
    if (!n)
        return 0;
    int state = 2;
    size_t total = 0;
    if (is_text(n))
        return n->content ? count_chars(n->content, &state) : 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c && total <= max;
         c = dom_next(c, n, 1))
        if (is_text(c) && c->content)
            total += count_chars(c->content, &state);
    return total;
}

size_t dom_text_len(const xmlNode *n)
{
    return dom_text_len_max(n, SIZE_MAX);
}

void dom_remove(xmlNode *n)
{
    if (!n)
        return;
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

size_t dom_count(const xmlNode *n, const char *name)
{
    size_t count = 0;
    if (!n)
        return 0;
    for (xmlNode *c = dom_next((xmlNode *)n, n, 1); c; c = dom_next(c, n, 1))
        if (dom_is(c, name))
            count++;
    return count;
}

char *text_clean(const char *s)
{
    if (!s)
        return NULL;
    struct strbuf raw = STRBUF_INIT, out = STRBUF_INIT;
    feed_utf8_append(&raw, s, strlen(s));
    strbuf_grow(&out, raw.len);
    /* Non-breaking spaces are layout, not content, in metadata values. */
    for (size_t i = 0; i < raw.len;) {
        size_t run = strcspn(raw.buf + i, "\xC2\n\r\t");
        strbuf_add(&out, raw.buf + i, run); /* ordinary bytes at once */
        i += run;
        if (i >= raw.len)
            break;
        if ((unsigned char)raw.buf[i] == 0xC2 && i + 1 < raw.len &&
            (unsigned char)raw.buf[i + 1] == 0xA0) {
            strbuf_addch(&out, ' ');
            i += 2;
        } else {
            strbuf_addch(&out, raw.buf[i] == (char)0xC2 ? raw.buf[i] : ' ');
            i++;
        }
    }
    strbuf_release(&raw);
    strbuf_squeeze_spaces(&out);
    strbuf_trim(&out);
    return strbuf_detach(&out, NULL);
}

void dom_text_clean(const xmlNode *n, struct strbuf *out)
{
    /* Line breaks and block boundaries separate words ("Jane Doe<br>
     * Associated Press"); inline markup does not ("<b>W</b>ord"). */
    static const char *const BREAKS[] = {"br", "p", "div", "li", "td",
                                         "h1", "h2", "h3", "h4", "h5", "h6",
                                         "section", "article", "header",
                                         "footer", "time", NULL};
    struct strbuf raw = STRBUF_INIT;
    if (n && is_text(n) && n->content)
        strbuf_addstr(&raw, (const char *)n->content);
    for (xmlNode *c = n ? dom_next((xmlNode *)n, n, 1) : NULL; c;
         c = dom_next(c, n, 1)) {
        if (is_text(c) && c->content)
            strbuf_addstr(&raw, (const char *)c->content);
        else if (dom_is_any(c, BREAKS))
            strbuf_addch(&raw, ' ');
    }
    char *s = text_clean(raw.buf);
    strbuf_addstr(out, s);
    free(s);
    strbuf_release(&raw);
}
