/*
 * html_text.c — html_to_text(): the plain text of an HTML fragment, for
 * classification and storage of feed titles and summaries.
 *
 * Markup goes through libxml2's HTML parser (no network, no error output,
 * recover mode), which decodes every HTML entity and repairs tag soup.
 * script, style, template and similar invisible elements are dropped;
 * block elements and <br> become line breaks; runs of whitespace collapse
 * to one space (or one '\n' where a line break was), and the result is
 * trimmed.  Input without any tag is plain text: only its entities are
 * decoded, its characters (including line breaks) are kept.  Numeric
 * references to C1 controls (&#146;) read as Windows-1252, as browsers do.
 *
 * Invariant: appends valid UTF-8 to out; never fails.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>

static int html_is_hidden(const char *name)
{
    static const char *const hidden[] = {"script", "style", "template",
                                         "noscript", "head", "title",
                                         "iframe", "object", "svg"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++)
        if (fs_strcaseeq(name, hidden[i]))
            return 1;
    return 0;
}

static int html_is_block(const char *name)
{
    static const char *const blocks[] = {
        "address", "article", "aside", "blockquote", "br", "dd", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "tr", "td", "th",
        "ul", "caption", "details", "summary", "body", "html",
    };
    for (size_t i = 0; i < sizeof(blocks) / sizeof(*blocks); i++)
        if (fs_strcaseeq(name, blocks[i]))
            return 1;
    return 0;
}

static void html_walk(const xmlNode *node, struct strbuf *sb, int depth)
{
    if (depth > 512)
        return;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            /* source line breaks are mere spaces in HTML; only block
             * elements break lines */
            for (const char *p = (const char *)c->content; p && *p;) {
                size_t run = strcspn(p, "\n\r\t");
                strbuf_add(sb, p, run); /* the rest at once */
                p += run;
                if (*p) {
                    strbuf_addch(sb, ' ');
                    p++;
                }
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)c->name;
            if (html_is_hidden(name))
                continue;
            int block = html_is_block(name);
            if (block)
                strbuf_addch(sb, '\n');
            html_walk(c, sb, depth + 1);
            if (block)
                strbuf_addch(sb, '\n');
        }
    }
}

static void html_add_utf8(struct strbuf *sb, unsigned long cp)
{
    if (cp < 0x80) {
        strbuf_addch(sb, (char)cp);
    } else if (cp < 0x800) {
        strbuf_addch(sb, (char)(0xC0 | (cp >> 6)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        strbuf_addch(sb, (char)(0xE0 | (cp >> 12)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    } else {
        strbuf_addch(sb, (char)(0xF0 | (cp >> 18)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Plain text: decode "&name;", "&#N;", "&#xN;" and keep the rest. */
static void html_decode_entities(struct strbuf *sb, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '&') {
            strbuf_addch(sb, s[i]);
            continue;
        }
        size_t j = i + 1;
        unsigned long cp = 0;
        int ok = 0;
        if (j < len && s[j] == '#') {
            int hex = j + 1 < len && (s[j + 1] == 'x' || s[j + 1] == 'X');
            j += hex ? 2 : 1;
            size_t d = j;
            while (j < len && j - d < 8 &&
                   (hex ? isxdigit((unsigned char)s[j])
                        : isdigit((unsigned char)s[j])))
                j++;
            if (j > d && j < len && s[j] == ';') {
                cp = strtoul(s + d, NULL, hex ? 16 : 10);
                ok = cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
            }
        } else {
            char name[33];
            size_t n = 0;
            while (j < len && n < 32 && isalnum((unsigned char)s[j]))
                name[n++] = s[j++];
            name[n] = '\0';
            const htmlEntityDesc *e =
                n && j < len && s[j] == ';'
                    ? htmlEntityLookup((const xmlChar *)name)
                    : NULL;
            if (e) {
                cp = e->value;
                ok = 1;
            }
        }
        if (!ok) {
            strbuf_addch(sb, '&');
            continue;
        }
        html_add_utf8(sb, cp);
        i = j;
    }
}

void html_to_text(struct strbuf *out, const char *html, size_t len)
{
    struct strbuf sb = STRBUF_INIT;
    if (!memchr(html, '<', len)) {
        html_decode_entities(&sb, html, len);
        strbuf_trim(&sb);
        feed_clean_append(out, sb.buf, sb.len);
        strbuf_release(&sb);
        return;
    }
    /* Wrap the fragment so that leading text and stray end tags land in
     * one body, whatever the fragment starts with. */
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
    if (root)
        html_walk(root, &sb, 0);
    xmlFreeDoc(d);
    strbuf_squeeze_spaces(&sb);
    strbuf_trim(&sb);
    feed_clean_append(out, sb.buf, sb.len);
    strbuf_release(&sb);
}
