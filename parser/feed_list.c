/*
 * feed_list.c — feed_list_parse(): the list of feeds to crawl.
 *
 * Two formats, told apart by content (not by file name):
 *   OPML  any document whose root element is <opml>: every <outline> with
 *         an xmlUrl attribute, at any nesting depth (folders are just
 *         nesting), named by its title, else its text attribute.
 *   text  one feed per line: URL, then optionally whitespace and a name;
 *         '#' starts a comment line; blank lines are ignored.
 *
 * Invariant: every entry's URL is http, https or file (checked without
 * regard to case); anything else fails the whole list with FS_EINVAL and
 * "path:line: ..." so the user can fix the file, rather than silently
 * crawling less than asked.  On error *out is empty.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int list_url_ok(const char *url)
{
    return !strncasecmp(url, "http://", 7) ||
           !strncasecmp(url, "https://", 8) || !strncasecmp(url, "file:", 5);
}

static void list_add(struct feed_list *list, size_t *alloc, const char *url,
                     size_t url_len, const char *name, size_t name_len,
                     int line)
{
    FS_GROW(list->entries, list->n_entries + 1, *alloc);
    struct feed_list_entry *e = &list->entries[list->n_entries++];
    e->url = feed_clean_string(url, url_len);
    e->name = name_len ? feed_clean_string(name, name_len) : NULL;
    e->line = line;
}

static fs_code list_parse_text(const char *data, size_t len, const char *path,
                               struct feed_list *out, fs_error *err)
{
    size_t alloc = 0;
    int line = 0;
    const char *p = data, *end = data + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) /* editors add BOMs */
        p += 3;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if (!eol)
            eol = end;
        line++;
        while (p < eol && isspace((unsigned char)*p))
            p++;
        const char *e = eol;
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        if (p == e || *p == '#') {
            p = next;
            continue;
        }
        const char *u = p;
        while (p < e && !isspace((unsigned char)*p))
            p++;
        size_t ul = (size_t)(p - u);
        while (p < e && isspace((unsigned char)*p))
            p++;
        char *url = fs_strndup(u, ul);
        if (!list_url_ok(url)) {
            fs_error_set(err, FS_EINVAL,
                         "%s:%d: not an http(s) or file URL: '%s'", path, line,
                         url);
            free(url);
            feed_list_release(out);
            return FS_EINVAL;
        }
        list_add(out, &alloc, u, ul, p, (size_t)(e - p), line);
        free(url);
        p = next;
    }
    return FS_OK;
}

/* Outline attributes are case-insensitive in practice (xmlurl, xmlURL). */
static xmlChar *list_attr(const xmlNode *node, const char *name)
{
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (fs_strcaseeq((const char *)a->name, name))
            return xmlNodeListGetString(node->doc, a->children, 1);
    return NULL;
}

static fs_code list_walk_opml(const xmlNode *node, const char *path,
                              struct feed_list *out, size_t *alloc,
                              fs_error *err)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, "outline")) {
            xmlChar *url = list_attr(c, "xmlUrl");
            if (url) {
                struct strbuf u = STRBUF_INIT;
                strbuf_addstr(&u, (const char *)url);
                xmlFree(url);
                strbuf_trim(&u);
                int line = (int)xmlGetLineNo(c);
                if (!list_url_ok(u.buf)) {
                    fs_error_set(err, FS_EINVAL,
                                 "%s:%d: not an http(s) or file URL: '%s'",
                                 path, line, u.buf);
                    strbuf_release(&u);
                    return FS_EINVAL;
                }
                xmlChar *name = list_attr(c, "title");
                if (!name || !*name) {
                    xmlFree(name);
                    name = list_attr(c, "text");
                }
                struct strbuf n = STRBUF_INIT;
                if (name)
                    strbuf_addstr(&n, (const char *)name);
                xmlFree(name);
                strbuf_trim(&n);
                list_add(out, alloc, u.buf, u.len, n.buf, n.len, line);
                strbuf_release(&n);
                strbuf_release(&u);
            }
        }
        fs_code rc = list_walk_opml(c, path, out, alloc, err);
        if (rc != FS_OK)
            return rc;
    }
    return FS_OK;
}

static fs_code list_parse_opml(const char *data, size_t len, const char *path,
                               struct feed_list *out, fs_error *err)
{
    if (len > (size_t)INT32_MAX)
        return fs_error_set(err, FS_ELIMIT, "%s: too large", path);
    xmlDocPtr doc = xmlReadMemory(data, (int)len, NULL, NULL,
                                  XML_PARSE_RECOVER | XML_PARSE_NONET |
                                      XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "opml") != 0) {
        xmlFreeDoc(doc);
        return fs_error_set(err, FS_EPARSE, "%s: not an OPML document", path);
    }
    size_t alloc = 0;
    fs_code rc = list_walk_opml(root, path, out, &alloc, err);
    xmlFreeDoc(doc);
    if (rc != FS_OK)
        feed_list_release(out);
    return rc;
}

/* OPML when the first element (after declarations, comments and
 * whitespace) is <opml. */
static int list_is_opml(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len) {
        if (isspace((unsigned char)data[i])) {
            i++;
        } else if (data[i] == '<' && i + 1 < len &&
                   (data[i + 1] == '?' || data[i + 1] == '!')) {
            const void *gt = memchr(data + i, '>', len - i);
            if (!gt)
                return 0;
            i = (size_t)((const char *)gt - data) + 1;
        } else {
            return len - i >= 5 && !strncasecmp(data + i, "<opml", 5);
        }
    }
    return 0;
}

fs_code feed_list_parse(const char *data, size_t len, const char *path,
                        struct feed_list *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!path)
        path = "feed list";
    return list_is_opml(data, len)
               ? list_parse_opml(data, len, path, out, err)
               : list_parse_text(data, len, path, out, err);
}

void feed_list_release(struct feed_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n_entries; i++) {
        free(list->entries[i].url);
        free(list->entries[i].name);
    }
    free(list->entries);
    memset(list, 0, sizeof(*list));
}
