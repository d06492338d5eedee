/*
 * feed.c — feed_parse(): RSS 0.9x / 1.0 (RDF) / 2.0 and Atom 0.3 / 1.0
 * documents into struct feed, plus its JSON form and stable item keys.
 * A document whose first non-space byte is '{' is a JSON Feed and goes to
 * feed_json.c instead.
 *
 * Pipeline: feed_decode() (encoding, HTML entities) -> libxml2 DOM in
 * recover mode, without entity substitution, DTD loading or network
 * (so no XXE and no entity expansion bomb) -> a walk over the channel /
 * feed element and its items / entries.  The DOM comes from libxml2's
 * push parser on text whose escaped runs are CDATA (feed_cdata.c), which
 * is much faster on feeds; a document that parser finds broken is read
 * again by the pull parser, as before (feed_read_xml, feed_parse).  The
 * push parser makes no text nodes directly inside the feed's skeleton
 * (root, channel, items: the walk reads only elements there), and for
 * the crawl (FEED_PARSE_CONTENT_IF_NO_SUMMARY) it is not even given the
 * content bodies of items that have a summary (feed_cdata.c, "eliding";
 * the walk checks the guess and parses again without when it was wrong,
 * feed_parse_elide).
 *
 * Elements are matched by namespace URI class and local name
 * (feed_node_is), never by prefix; RSS and Atom namespaces form one
 * "core" class, as in feedparser, so atom:link inside RSS 2.0 works.
 * When several elements feed one text field (title and dc:title), the
 * first one in document order wins; for dates the last parseable one
 * does (feedparser's rule, see feed_set_date).  Every libxml2 error,
 * fixed entity, encoding problem or unparseable date becomes one line in
 * feed->errors; a field whose value is unusable is NULL / FS_TIME_NONE.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h> /* xmlSwitchEncoding */
#include <stdlib.h>
#include <string.h>

#define FEED_MAX_XML_ERRORS 5

/* What the walk finds out about elided content elements (feed_cdata.c):
 * how many it met as children of items with a summary, and whether one
 * was anywhere else (the parse is then done again without eliding). */
struct feed_elide_check {
    size_t claimed;
    int failed;
};

struct feed_walk {
    struct feed *feed;
    const char *doc_url;
    int atom;   /* the document is Atom: unqualified elements are Atom */
    int atom03;
    unsigned flags; /* FEED_PARSE_* */
    struct feed_elide_check *elide;
};

/* node->_private of an element whose body feed_cdata.c elided: the
 * address is the mark, the value means nothing. */
static const char feed_elided_mark;
/* node->_private of an element of the feed's skeleton, or of one that is
 * not (see feed_sax_characters): worked out once per element. */
static const char feed_skeleton_yes, feed_skeleton_no;

/* ---- libxml2 errors -------------------------------------------------- */

struct feed_xml_errors {
    struct feed *feed;
    int count;
    int bad_char; /* XML_ERR_INVALID_CHAR: not UTF-8, or a forbidden char */
    int elide;    /* the text has elided bodies: mark their elements */
    size_t marks; /* elements marked */
};

/* Structured error callback: keep the first few parser messages. */
static void feed_xml_error(void *data, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = data;
    struct feed_xml_errors *xe = ctxt->_private;
    if (!xe || e->level < XML_ERR_ERROR)
        return;
    if (e->code == XML_ERR_INVALID_CHAR)
        xe->bad_char = 1;
    if (xe->count++ >= FEED_MAX_XML_ERRORS)
        return;
    struct strbuf msg = STRBUF_INIT;
    strbuf_addstr(&msg, e->message ? e->message : "XML error");
    strbuf_trim(&msg);
    feed_add_error(xe->feed, "line %d: %s", e->line, msg.buf);
    strbuf_release(&msg);
}

/* CDATA for the push parser.  The pull parser reads line ends in CDATA
 * as everywhere else (CR LF and a lone CR become LF, XML 1.0 2.11); the
 * push parser hands the section over as it is in the input, so the line
 * ends are normalised here, making the tree the same as the pull
 * parser's. */
static void feed_sax_cdata(void *ctx, const xmlChar *value, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    if (len > XML_MAX_TEXT_LENGTH && !(ctxt->options & XML_PARSE_HUGE)) {
        /* The pull parser refuses a section this big ("CData section too
         * big"), the push parser would take it: count the document as
         * broken, so that feed_parse reads it with the pull parser. */
        ctxt->wellFormed = 0;
        return;
    }
    const xmlChar *cr = memchr(value, '\r', (size_t)len);
    if (!cr) {
        xmlSAX2CDataBlock(ctx, value, len);
        return;
    }
    struct strbuf sb = STRBUF_INIT;
    strbuf_grow(&sb, (size_t)len);
    const xmlChar *p = value, *end = value + len;
    while (cr) {
        strbuf_add(&sb, (const char *)p, (size_t)(cr - p));
        strbuf_addch(&sb, '\n');
        p = cr + 1;
        if (p < end && *p == '\n')
            p++;
        cr = memchr(p, '\r', (size_t)(end - p));
    }
    strbuf_add(&sb, (const char *)p, (size_t)(end - p));
    xmlSAX2CDataBlock(ctx, (const xmlChar *)sb.buf, (int)sb.len);
    strbuf_release(&sb);
}

/* Processing instructions for the push parser: the one feed_cdata.c puts
 * in place of an elided body marks its element (no node is made); any
 * other is libxml2's.  feed_cdata.c elides nothing in a document that
 * holds such an instruction itself. */
static void feed_sax_pi(void *ctx, const xmlChar *target,
                        const xmlChar *data)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct feed_xml_errors *xe = ctxt->_private;
    if (xe && xe->elide && !data && ctxt->node &&
        !strcmp((const char *)target, FEED_CDATA_ELIDED_PI)) {
        ctxt->node->_private = (void *)&feed_elided_mark;
        xe->marks++;
        return;
    }
    xmlSAX2ProcessingInstruction(ctx, target, data);
}

/* The feed's skeleton: the root (rss, RDF, feed, channel), the channel and
 * the items, each the child of another.  The walk reads only elements
 * there (feed_walk_channel, feed_add_item), never character data: a text
 * node directly inside is read by no one.  An item anywhere else (inside
 * a title, say) is not skeleton: its text may be read. */
static int feed_skeleton(const xmlNode *node)
{
    if (node->_private == &feed_skeleton_yes)
        return 1;
    if (node->_private)
        return 0; /* not skeleton, or an elided content element */
    int yes = node->parent == NULL ||
              node->parent->type == XML_DOCUMENT_NODE ||
              (node->parent->type == XML_ELEMENT_NODE &&
               feed_skeleton(node->parent));
    if (yes) { /* the names first: most elements here are item fields */
        const char *n = feed_local_name(node);
        int rdf = !strcmp(n, "RDF");
        yes = (rdf || !strcmp(n, "item") || !strcmp(n, "entry") ||
               !strcmp(n, "channel") || !strcmp(n, "feed") ||
               !strcmp(n, "rss")) &&
              feed_node_ns(node) == (rdf ? FEED_NS_RDF : FEED_NS_CORE);
    }
    ((xmlNode *)node)->_private =
        (void *)(yes ? &feed_skeleton_yes : &feed_skeleton_no);
    return yes;
}

/* Character data for the push parser: none is kept directly inside the
 * skeleton (the line feeds between the elements of an item, mostly: a
 * node, its allocation and its freeing each, for nothing). */
static void feed_sax_characters(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    if (ctxt->node && feed_skeleton(ctxt->node))
        return;
    xmlSAX2Characters(ctx, ch, len);
}

#define FEED_XML_OPTIONS                                                  \
    (XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |             \
     XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT)

/* Parse text (UTF-8); *bad_char tells whether libxml2 met a byte
 * sequence it could not read as UTF-8 (or a character XML forbids).
 *
 * push selects libxml2's push parser, fed the whole text as one final
 * chunk.  It builds the same tree as the pull parser (xmlCtxtReadMemory),
 * but reads CDATA sections a block at a time (one search for "]]>" and
 * one UTF-8 check) where libxml2 2.9's pull parser decodes them a
 * character at a time: CDATA holds most of the bytes of real feeds, and
 * that loop alone was a third of the pull parse's time.  Where the two
 * parsers differ is on broken documents: the push parser stops the whole
 * document at an invalid or forbidden character inside CDATA (the pull
 * parser drops that section and goes on), and recovers differently from
 * a document cut short.  So a push parse that meets a bad character or
 * finds the document not well-formed is thrown away (NULL, *redo set)
 * and the caller starts over, errors and all, with the pull parser:
 * every broken document comes out exactly as the pull parser reads it.
 * (Namespace errors, such as an undeclared prefix, are the same in both
 * parsers and do not count.)
 *
 * Both parsers get the same options and the same safety: no
 * XML_PARSE_NOENT / XML_PARSE_DTDLOAD (entities stay references and
 * nothing external is ever read), no XML_PARSE_HUGE (libxml2's depth,
 * name and text size limits hold).  XML_PARSE_COMPACT keeps short text
 * inside its node (fewer allocations): fine, as the tree is only ever
 * read. */
static xmlDocPtr feed_read_xml(const char *text, size_t len,
                               const char *base_url, struct feed *feed,
                               int push, int elide, size_t *marks,
                               int *bad_char, int *redo)
{
    *redo = 0;
    xmlParserCtxtPtr ctxt =
        push ? xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, base_url)
             : xmlNewParserCtxt();
    if (!ctxt)
        fs_oom();
    struct feed_xml_errors xe = {feed, 0, 0, elide, 0};
    *marks = 0;
    ctxt->_private = &xe;
    ctxt->sax->serror = feed_xml_error;
    xmlDocPtr doc;
    if (push) {
        ctxt->sax->cdataBlock = feed_sax_cdata;
        ctxt->sax->processingInstruction = feed_sax_pi;
        /* the same handler for both: libxml2 then never guesses which
         * white space is ignorable (it keeps all, as before) */
        ctxt->sax->characters = feed_sax_characters;
        ctxt->sax->ignorableWhitespace = feed_sax_characters;
        xmlCtxtUseOptions(ctxt, FEED_XML_OPTIONS);
        /* feed_decode made it UTF-8 without a declaration: no sniffing */
        xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
        xmlParseChunk(ctxt, text, (int)len, 1);
        doc = ctxt->myDoc;
        ctxt->myDoc = NULL;
        if (xe.bad_char || !ctxt->wellFormed) {
            /* see above: the pull parser does it again */
            xmlFreeDoc(doc);
            ctxt->_private = NULL;
            xmlFreeParserCtxt(ctxt);
            *bad_char = xe.bad_char;
            *redo = 1;
            return NULL;
        }
    } else {
        doc = xmlCtxtReadMemory(ctxt, text, (int)len, base_url, "UTF-8",
                                FEED_XML_OPTIONS);
    }
    if (xe.count > FEED_MAX_XML_ERRORS)
        feed_add_error(feed, "... and %d more XML errors",
                       xe.count - FEED_MAX_XML_ERRORS);
    if (xe.count == 0 && (!ctxt->wellFormed || !ctxt->nsWellFormed))
        feed_add_error(feed, "document is not well-formed XML");
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    *bad_char = xe.bad_char;
    *marks = xe.marks;
    return doc;
}

/* ---- small field helpers --------------------------------------------- */

/* strbuf_trim's notion of space */
static int feed_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* An attribute's value, trimmed and cleaned; NULL when absent.  Trimmed
 * in place of xmlGetProp's copy (one allocation less per attribute). */
static char *feed_prop(const xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *b = (const char *)v, *e = b + strlen(b);
    while (b < e && feed_is_space((unsigned char)*b))
        b++;
    while (e > b && feed_is_space((unsigned char)e[-1]))
        e--;
    char *s = feed_clean_string(b, (size_t)(e - b));
    xmlFree(v);
    return s;
}

/* Trimmed character data of node, cleaned. */
static char *feed_plain(const xmlNode *node)
{
    struct strbuf sb = STRBUF_INIT;
    feed_node_text(node, &sb);
    strbuf_trim(&sb);
    char *s = feed_clean_string(sb.buf, sb.len);
    strbuf_release(&sb);
    return s;
}

/* A URL value (text or attribute) resolved against node's base. */
static char *feed_url(const struct feed_walk *w, const xmlNode *node,
                      const char *value)
{
    char *base = feed_node_base(node, w->doc_url);
    char *url = feed_resolve(base, value);
    free(base);
    char *clean = feed_clean_string(url, strlen(url));
    free(url);
    return clean;
}

#define FEED_ATOM10_NS "http://www.w3.org/2005/Atom"
#define FEED_ATOM03_NS "http://purl.org/atom/ns#"

static const char *feed_ns_uri(const xmlNode *node)
{
    return node->ns && node->ns->href ? (const char *)node->ns->href : NULL;
}

/* Which text-construct rules apply to a core element: Atom's for Atom
 * elements (also inside RSS), else the RSS default given. */
static enum feed_text_kind feed_kind(const struct feed_walk *w,
                                     const xmlNode *node,
                                     enum feed_text_kind rss_kind)
{
    const char *uri = feed_ns_uri(node);
    if (uri && (!strcmp(uri, FEED_ATOM10_NS) || !strcmp(uri, FEED_ATOM03_NS)))
        return FEED_TEXT_ATOM;
    return w->atom && feed_node_ns(node) == FEED_NS_CORE ? FEED_TEXT_ATOM
                                                        : rss_kind;
}

/* Atom 0.3 rules (type="text/plain" default, mode=) for this element? */
static int feed_is_atom03_node(const struct feed_walk *w, const xmlNode *node)
{
    const char *uri = feed_ns_uri(node);
    if (uri && !strcmp(uri, FEED_ATOM10_NS))
        return 0;
    if (uri && !strcmp(uri, FEED_ATOM03_NS))
        return 1;
    return w->atom03;
}

static void feed_set_text(const struct feed_walk *w, char **field,
                          const xmlNode *node, enum feed_text_kind rss_kind)
{
    if (*field)
        return;
    *field = feed_text_construct(node, feed_kind(w, node, rss_kind),
                                 feed_is_atom03_node(w, node), w->doc_url);
}

/* Dates are the exception to "first wins": a later element overrides an
 * earlier one (feedparser's behaviour, which feeds rely on when they give
 * both issued and published); an unparseable or empty one overrides
 * nothing. */
static void feed_set_date(const struct feed_walk *w, int64_t *field,
                          const xmlNode *node)
{
    char *s = feed_plain(node);
    int64_t t;
    if (feed_date_parse(s, &t) == FS_OK) {
        *field = t;
    } else if (*s) { /* an empty element is no date, not a wrong one */
        feed_add_error(w->feed, "line %ld: <%s>: not a date: '%s'",
                       xmlGetLineNo(node), feed_local_name(node), s);
    }
    free(s);
}

/* ---- links ----------------------------------------------------------- */

static int feed_type_is_html(const char *type)
{
    return !type || !*type || fs_strcaseeq(type, "text/html") ||
           fs_strcaseeq(type, "application/xhtml+xml");
}

/* rel of a link element, "alternate" when absent (Atom's default). */
static char *feed_link_rel(const xmlNode *node)
{
    char *rel = feed_prop(node, "rel");
    if (!rel || !*rel) {
        free(rel);
        rel = fs_strdup("alternate");
    }
    return rel;
}

/* Offer a link element for the alternate link: an HTML alternate beats
 * any earlier non-HTML alternate, otherwise the first one wins. */
static void feed_offer_link(const struct feed_walk *w, const xmlNode *node,
                            char **link, int *link_is_html)
{
    if (*link && *link_is_html)
        return;
    char *href = feed_prop(node, "href");
    if (!href) { /* RSS style (or a broken Atom link): the URL is the text */
        char *rel = feed_link_rel(node);
        int alternate = fs_strcaseeq(rel, "alternate");
        free(rel);
        if (!*link && alternate) {
            char *text = feed_plain(node);
            *link = feed_url(w, node, text);
            *link_is_html = 1;
            free(text);
        }
        return;
    }
    char *rel = feed_link_rel(node);
    char *type = feed_prop(node, "type");
    if (fs_strcaseeq(rel, "alternate")) {
        int html = feed_type_is_html(type);
        if (!*link || html) {
            free(*link);
            *link = feed_url(w, node, href);
            *link_is_html = html;
        }
    }
    free(type);
    free(rel);
    free(href);
}

static long long feed_length(const char *s)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    return strtoll(s, NULL, 10);
}

static void feed_add_enclosure(const struct feed_walk *w,
                               struct feed_item *item, const xmlNode *node,
                               const char *url_attr)
{
    char *url = feed_prop(node, url_attr);
    if (!url)
        return;
    struct feed_enclosure *e;
    item->enclosures = fs_realloc(item->enclosures,
                                  (item->n_enclosures + 1) * sizeof(*e));
    e = &item->enclosures[item->n_enclosures++];
    e->url = feed_url(w, node, url);
    e->type = feed_prop(node, "type");
    char *len = feed_prop(node, "length");
    e->length = feed_length(len);
    free(len);
    free(url);
}

static void feed_add_category(struct feed_item *item, char *term)
{
    if (!term)
        return;
    item->categories = fs_realloc(
        item->categories, (item->n_categories + 1) * sizeof(char *));
    item->categories[item->n_categories++] = term;
}

/* ---- items ----------------------------------------------------------- */

/* Atom person construct "Name (email)", or the plain text of RSS. */
static char *feed_author(const xmlNode *node)
{
    char *name = NULL, *email = NULL;
    int has_elements = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        has_elements = 1;
        if (!name && feed_node_is(c, FEED_NS_CORE, "name"))
            name = feed_plain(c);
        else if (!email && feed_node_is(c, FEED_NS_CORE, "email"))
            email = feed_plain(c);
    }
    if (!has_elements)
        return feed_plain(node);
    char *out;
    if (name && *name && email && *email)
        out = fs_asprintf("%s (%s)", name, email);
    else if (name && *name)
        out = fs_strdup(name);
    else
        out = email ? fs_strdup(email) : NULL;
    free(name);
    free(email);
    return out;
}

/* What an item walk remembers besides the item itself. */
struct feed_item_state {
    char *guid_link;  /* a permalink guid, the link if there is no other */
    int link_is_html; /* it->link came from an HTML alternate link */
    /* With FEED_PARSE_CONTENT_IF_NO_SUMMARY: the first content element,
     * built at the end of the item if the item has no summary.  The first
     * one is the one that would have won (feed_set_text), and building
     * it later gives the same value: it depends on the node alone. */
    const xmlNode *content;
    enum feed_text_kind content_kind;
    size_t elided; /* children whose body feed_cdata.c elided */
};

/* A content element: built now, or remembered for the end of the item
 * (see feed_item_state). */
static void feed_set_content(const struct feed_walk *w, struct feed_item *it,
                             const xmlNode *c, struct feed_item_state *st,
                             enum feed_text_kind rss_kind)
{
    if (!(w->flags & FEED_PARSE_CONTENT_IF_NO_SUMMARY)) {
        feed_set_text(w, &it->content, c, rss_kind);
    } else if (!st->content) {
        st->content = c;
        st->content_kind = rss_kind;
    }
}

static void feed_item_field(const struct feed_walk *w, struct feed_item *it,
                            const xmlNode *c, struct feed_item_state *st)
{
    enum feed_ns ns = feed_node_ns(c);
    const char *n = feed_local_name(c);

    if (ns == FEED_NS_CORE) {
        if (!strcmp(n, "title"))
            feed_set_text(w, &it->title, c, FEED_TEXT_PLAIN);
        else if (!strcmp(n, "link")) {
            char *rel = feed_link_rel(c);
            if (fs_strcaseeq(rel, "enclosure"))
                feed_add_enclosure(w, it, c, "href");
            else
                feed_offer_link(w, c, &it->link, &st->link_is_html);
            free(rel);
        } else if (!strcmp(n, "guid") || !strcmp(n, "id")) {
            if (it->id)
                return;
            it->id = feed_plain(c);
            char *perma = feed_prop(c, "isPermaLink");
            if (!strcmp(n, "guid") && !fs_strcaseeq(perma, "false") &&
                !st->guid_link && *it->id)
                st->guid_link = feed_url(w, c, it->id);
            free(perma);
        } else if (!strcmp(n, "description") || !strcmp(n, "summary"))
            feed_set_text(w, &it->summary, c, FEED_TEXT_HTML);
        else if (!strcmp(n, "content"))
            feed_set_content(w, it, c, st, FEED_TEXT_HTML);
        else if (!strcmp(n, "author")) {
            if (!it->author)
                it->author = feed_author(c);
        } else if (!strcmp(n, "pubDate") || !strcmp(n, "published") ||
                   !strcmp(n, "issued"))
            feed_set_date(w, &it->published, c);
        else if (!strcmp(n, "updated") || !strcmp(n, "modified"))
            feed_set_date(w, &it->updated, c);
        else if (!strcmp(n, "category")) {
            char *term = feed_prop(c, "term");
            feed_add_category(it, term ? term : feed_plain(c));
        } else if (!strcmp(n, "enclosure"))
            feed_add_enclosure(w, it, c, "url");
    } else if (ns == FEED_NS_DC) {
        if (!strcmp(n, "title"))
            feed_set_text(w, &it->title, c, FEED_TEXT_PLAIN);
        else if (!strcmp(n, "creator") || !strcmp(n, "author")) {
            if (!it->author)
                it->author = feed_plain(c);
        } else if (!strcmp(n, "description"))
            feed_set_text(w, &it->summary, c, FEED_TEXT_HTML);
        else if (!strcmp(n, "date"))
            feed_set_date(w, &it->updated, c);
        else if (!strcmp(n, "subject"))
            feed_add_category(it, feed_plain(c));
    } else if (ns == FEED_NS_DCTERMS) {
        if (!strcmp(n, "issued"))
            feed_set_date(w, &it->published, c);
        else if (!strcmp(n, "modified"))
            feed_set_date(w, &it->updated, c);
    } else if (ns == FEED_NS_CONTENT && !strcmp(n, "encoded")) {
        feed_set_content(w, it, c, st, FEED_TEXT_HTML);
    } else if (ns == FEED_NS_XHTML && !strcmp(n, "body")) {
        feed_set_content(w, it, c, st, FEED_TEXT_XHTML);
    }
}

static void feed_add_item(const struct feed_walk *w, const xmlNode *node)
{
    struct feed *f = w->feed;
    f->items = fs_realloc(f->items, (f->n_items + 1) * sizeof(*f->items));
    struct feed_item *it = &f->items[f->n_items++];
    memset(it, 0, sizeof(*it));
    it->published = it->updated = FS_TIME_NONE;
    struct feed_item_state st = {NULL, 0, NULL, FEED_TEXT_PLAIN, 0};

    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->_private == &feed_elided_mark)
            st.elided++;
        feed_item_field(w, it, c, &st);
    }
    /* An elided body is fine where the item has a summary: no content
     * is read then (feed_set_content), whatever the element turned out
     * to be.  Anywhere else the parse is done again (feed_parse_elide). */
    if (st.elided) {
        if (it->summary)
            w->elide->claimed += st.elided;
        else
            w->elide->failed = 1;
    }
    if (st.content && !it->summary && !w->elide->failed)
        feed_set_text(w, &it->content, st.content, st.content_kind);

    if (!it->id) { /* RSS 1.0: the item's rdf:about */
        xmlChar *about = xmlGetNsProp(
            node, (const xmlChar *)"about",
            (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        if (about) {
            it->id = feed_clean_string((const char *)about,
                                       strlen((const char *)about));
            xmlFree(about);
        }
    }
    if (!it->link) {
        it->link = st.guid_link;
        st.guid_link = NULL;
    }
    free(st.guid_link);
}

/* ---- channel / feed -------------------------------------------------- */

/* What a channel walk remembers besides the feed itself. */
struct feed_channel_state {
    int link_is_html;      /* feed->link came from an HTML alternate link */
    int64_t ttl;           /* RSS <ttl> in seconds, 0 when absent or bad */
    int64_t sy_period;     /* sy:updatePeriod in seconds, 0 likewise */
    int64_t sy_frequency;  /* sy:updateFrequency, -1 absent, 0 bad */
};

/* Longest poll interval a feed may ask for; anything longer is taken as
 * garbage (and keeps the arithmetic far from overflow). */
#define FEED_MAX_INTERVAL ((int64_t)366 * 24 * 3600)

/* A positive decimal integer of at most 9 digits, surrounding space
 * allowed; 0 for anything else. */
static int64_t feed_positive_int(const xmlNode *node)
{
    char *s = feed_plain(node);
    int64_t v = 0;
    size_t n = strlen(s);
    if (n > 0 && n <= 9 && strspn(s, "0123456789") == n)
        v = strtoll(s, NULL, 10);
    free(s);
    return v;
}

/* sy:updatePeriod names a period; case and surrounding space are
 * forgiven, since feeds write "Hourly" as often as "hourly". */
static int64_t feed_sy_period(const xmlNode *node)
{
    static const struct {
        const char *name;
        int64_t seconds;
    } periods[] = {
        {"hourly", 3600},           {"daily", 86400},
        {"weekly", 7 * 86400},      {"monthly", 30 * 86400},
        {"yearly", 365 * 86400},
    };
    char *s = feed_plain(node);
    int64_t v = 0;
    for (size_t i = 0; i < sizeof(periods) / sizeof(*periods); i++)
        if (fs_strcaseeq(s, periods[i].name))
            v = periods[i].seconds;
    free(s);
    return v;
}

/* The publisher's polling hint: <ttl> wins (it is the RSS 2.0 core
 * element and states minutes directly), else period / frequency, the
 * frequency defaulting to 1 when absent.  A frequency given but not a
 * positive integer spoils the hint rather than being guessed at. */
static int64_t feed_update_interval(const struct feed_channel_state *st)
{
    int64_t v = 0;
    if (st->ttl > 0)
        v = st->ttl;
    else if (st->sy_period > 0 && st->sy_frequency != 0)
        v = st->sy_period / (st->sy_frequency < 0 ? 1 : st->sy_frequency);
    return v > 0 && v <= FEED_MAX_INTERVAL ? v : 0;
}

static void feed_channel_field(const struct feed_walk *w, const xmlNode *c,
                               struct feed_channel_state *st)
{
    struct feed *f = w->feed;
    enum feed_ns ns = feed_node_ns(c);
    const char *n = feed_local_name(c);

    if (ns == FEED_NS_CORE) {
        if (!strcmp(n, "title"))
            feed_set_text(w, &f->title, c, FEED_TEXT_PLAIN);
        else if (!strcmp(n, "link"))
            feed_offer_link(w, c, &f->link, &st->link_is_html);
        else if (!strcmp(n, "description") || !strcmp(n, "subtitle") ||
                 !strcmp(n, "tagline"))
            feed_set_text(w, &f->description, c, FEED_TEXT_HTML);
        else if (!strcmp(n, "language")) {
            if (!f->language)
                f->language = feed_plain(c);
        } else if (!strcmp(n, "lastBuildDate") || !strcmp(n, "updated") ||
                   !strcmp(n, "modified"))
            feed_set_date(w, &f->updated, c);
        else if (!strcmp(n, "ttl") && !st->ttl)
            st->ttl = feed_positive_int(c) * 60;
    } else if (ns == FEED_NS_DC) {
        if (!strcmp(n, "title"))
            feed_set_text(w, &f->title, c, FEED_TEXT_PLAIN);
        else if (!strcmp(n, "description"))
            feed_set_text(w, &f->description, c, FEED_TEXT_HTML);
        else if (!strcmp(n, "language")) {
            if (!f->language)
                f->language = feed_plain(c);
        } else if (!strcmp(n, "date"))
            feed_set_date(w, &f->updated, c);
    } else if (ns == FEED_NS_DCTERMS && !strcmp(n, "modified")) {
        feed_set_date(w, &f->updated, c);
    } else if (ns == FEED_NS_SY) {
        if (!strcmp(n, "updatePeriod"))
            st->sy_period = feed_sy_period(c);
        else if (!strcmp(n, "updateFrequency"))
            st->sy_frequency = feed_positive_int(c);
    }
}

/* An RSS item or an Atom entry: feedparser (and feeds in the wild) mix
 * the two names freely, so either is an item in any format. */
static int feed_is_item(const xmlNode *node)
{
    return feed_node_is(node, FEED_NS_CORE, "item") ||
           feed_node_is(node, FEED_NS_CORE, "entry");
}

/* The document language when no element states it: xml:lang (or a bare
 * lang) on the root element, else inherited by the channel; "en_US" is
 * read as "en-US". */
static char *feed_xml_lang(const xmlNode *channel)
{
    const xmlNode *root = xmlDocGetRootElement(channel->doc);
    xmlChar *lang = xmlGetNsProp(root, (const xmlChar *)"lang",
                                 XML_XML_NAMESPACE);
    if (!lang)
        lang = xmlGetNoNsProp(root, (const xmlChar *)"lang");
    if (!lang)
        lang = xmlNodeGetLang(channel);
    if (!lang)
        return NULL;
    char *out = NULL;
    if (*lang) {
        out = feed_clean_string((const char *)lang, strlen((const char *)lang));
        for (char *p = out; *p; p++)
            if (*p == '_')
                *p = '-';
    }
    xmlFree(lang);
    return out;
}

static void feed_walk_channel(const struct feed_walk *w,
                              const xmlNode *channel)
{
    struct feed_channel_state st = {0, 0, 0, -1};
    for (const xmlNode *c = channel->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (feed_is_item(c))
            feed_add_item(w, c);
        else
            feed_channel_field(w, c, &st);
    }
    w->feed->update_interval = feed_update_interval(&st);
    if (!w->feed->language)
        w->feed->language = feed_xml_lang(channel);
}

static const xmlNode *feed_child(const xmlNode *node, enum feed_ns ns,
                                 const char *local)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (feed_node_is(c, ns, local))
            return c;
    return NULL;
}

static enum feed_format feed_rss_version(const xmlNode *root)
{
    char *v = feed_prop(root, "version");
    enum feed_format f = v && fs_startswith(v, "0.9") ? FEED_FORMAT_RSS09X
                                                      : FEED_FORMAT_RSS20;
    free(v);
    return f;
}

/* Identify the format and walk the document. */
static void feed_walk_document(struct feed_walk *w, const xmlNode *root)
{
    const char *name = feed_local_name(root);
    enum feed_ns ns = feed_node_ns(root);
    const xmlNode *channel;

    if (ns == FEED_NS_CORE && !strcmp(name, "feed")) {
        /* Atom 1.0 only in its namespace; 0.3 and the earlier drafts
         * (necho, pie, echo, or no namespace with a version) are atom03 */
        const char *href = feed_ns_uri(root);
        char *version = feed_prop(root, "version");
        w->atom = 1;
        w->atom03 = href ? strcmp(href, FEED_ATOM10_NS) != 0 : version != NULL;
        free(version);
        w->feed->format = w->atom03 ? FEED_FORMAT_ATOM03 : FEED_FORMAT_ATOM10;
        feed_walk_channel(w, root);
    } else if (ns == FEED_NS_RDF && !strcmp(name, "RDF")) {
        channel = feed_child(root, FEED_NS_CORE, "channel");
        const char *href = channel && channel->ns
                               ? (const char *)channel->ns->href : "";
        w->feed->format =
            !strcmp(href, "http://my.netscape.com/rdf/simple/0.9/")
                ? FEED_FORMAT_RSS09X
                : FEED_FORMAT_RSS10;
        if (channel)
            feed_walk_channel(w, channel);
        /* RSS 0.90 / 1.0 items are siblings of the channel. */
        for (const xmlNode *c = root->children; c; c = c->next)
            if (feed_is_item(c))
                feed_add_item(w, c);
    } else if (ns == FEED_NS_CORE && !strcmp(name, "rss")) {
        w->feed->format = feed_rss_version(root);
        channel = feed_child(root, FEED_NS_CORE, "channel");
        feed_walk_channel(w, channel ? channel : root);
        if (channel) /* some feeds put items after </channel> */
            for (const xmlNode *c = root->children; c; c = c->next)
                if (feed_is_item(c))
                    feed_add_item(w, c);
    } else if (ns == FEED_NS_CORE && !strcmp(name, "channel")) {
        w->feed->format = FEED_FORMAT_RSS09X; /* 0.9x without <rss> */
        feed_walk_channel(w, root);
    } else {
        feed_add_error(w->feed, "root element <%s> is not RSS, RDF or Atom",
                       name);
    }
}

fs_code feed_parse(const char *data, size_t len, const char *base_url,
                   const char *http_charset, struct feed *out, fs_error *err)
{
    return feed_parse_opts(data, len, base_url, http_charset, 0, out, err);
}

fs_code feed_parse_opts(const char *data, size_t len, const char *base_url,
                        const char *http_charset, unsigned flags,
                        struct feed *out, fs_error *err)
{
    /* Eliding content is worth it only for a caller that reads no
     * content beside a summary (see feed_cdata.c). */
    return feed_parse_elide(data, len, base_url, http_charset, flags,
                            (flags & FEED_PARSE_CONTENT_IF_NO_SUMMARY) != 0,
                            NULL, out, err);
}

/* One parse of an XML feed; *kept elided bodies in it; *again when
 * elided bodies turned up where they are read (out must then be released
 * and the parse done without eliding). */
static fs_code feed_parse_xml(const char *data, size_t len,
                              const char *base_url, const char *http_charset,
                              unsigned flags, int elide, struct feed *out,
                              fs_error *err, size_t *kept, int *again);

fs_code feed_parse_elide(const char *data, size_t len, const char *base_url,
                         const char *http_charset, unsigned flags, int elide,
                         size_t *kept, struct feed *out, fs_error *err)
{
    size_t n_kept = 0;
    if (kept)
        *kept = 0;
    memset(out, 0, sizeof(*out));
    out->updated = FS_TIME_NONE;
    if (base_url && !*base_url)
        base_url = NULL;
    if (feed_json_detect(data, len)) {
        fs_code rc = feed_json_parse(data, len, base_url, out, err);
        /* JSON Feed items are cheap to build: the flag only keeps its
         * contract here */
        if (flags & FEED_PARSE_CONTENT_IF_NO_SUMMARY) {
            for (size_t i = 0; i < out->n_items; i++) {
                if (out->items[i].summary) {
                    free(out->items[i].content);
                    out->items[i].content = NULL;
                }
            }
        }
        return rc;
    }
    int again = 0;
    fs_code rc = feed_parse_xml(data, len, base_url, http_charset, flags,
                                elide, out, err, &n_kept, &again);
    if (again) {
        feed_release(out);
        rc = feed_parse_xml(data, len, base_url, http_charset, flags, 0, out,
                            err, &n_kept, &again);
    }
    if (kept)
        *kept = n_kept;
    return rc;
}

static fs_code feed_parse_xml(const char *data, size_t len,
                              const char *base_url, const char *http_charset,
                              unsigned flags, int elide, struct feed *out,
                              fs_error *err, size_t *kept, int *again)
{
    *again = 0;
    *kept = 0;
    /* Bytes labelled UTF-8 are first parsed as they are: libxml2 checks
     * UTF-8 anyway, so checking them beforehand would read every byte
     * twice.  Only when libxml2 stumbles (an invalid sequence, or a
     * forbidden character) is the document decoded again with the check,
     * which picks feed_decode's fallback encodings.
     *
     * Attempt 0 is the fast push parse (see feed_read_xml).  When it meets
     * a bad character or a document that is not well-formed, everything
     * starts over with the pull parser: attempt 1 on the same text, then,
     * when that text was trusted and has a bad character, attempt 2 on
     * checked text.  So such documents come out exactly as the pull
     * parser reads them, at the cost of one more (thrown away) parse. */
    xmlDocPtr doc = NULL;
    size_t n_elided = 0, marks = 0; /* of the text that made doc */
    for (int attempt = 0; attempt < 3; attempt++) {
        int push = attempt == 0, trust_utf8 = attempt < 2;
        struct strbuf scratch = STRBUF_INIT;
        size_t text_len;
        int trusted = 0, bad_char = 0, redo = 0;
        const char *text = feed_decode(data, len, http_charset, trust_utf8,
                                       &trusted, out, &scratch, &text_len);
        if (text_len > (size_t)INT32_MAX) {
            strbuf_release(&scratch);
            feed_add_error(out, "document too large");
            return fs_error_set(err, FS_ELIMIT, "%s: feed too large",
                                base_url ? base_url : "feed");
        }
        /* The push parse reads escaped text as CDATA (feed_cdata.c) */
        struct strbuf cdata = STRBUF_INIT;
        n_elided = 0;
        if (push &&
            feed_cdata_rewrite(text, text_len, elide, &cdata, &n_elided)) {
            text = cdata.buf;
            text_len = cdata.len;
        }
        doc = feed_read_xml(text, text_len, base_url, out, push,
                            n_elided > 0, &marks, &bad_char, &redo);
        strbuf_release(&cdata);
        strbuf_release(&scratch);
        if (!redo && (!bad_char || !trusted))
            break;
        xmlFreeDoc(doc); /* start over, errors and all */
        doc = NULL;
        feed_release(out);
    }
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        if (!out->n_errors)
            feed_add_error(out, "empty document");
        return fs_error_set(err, FS_EPARSE, "%s: not a feed: %s",
                            base_url ? base_url : "feed", out->errors[0]);
    }
    struct feed_elide_check ec = {0, 0};
    struct feed_walk w = {out, base_url, 0, 0, flags, &ec};
    feed_walk_document(&w, root);
    xmlFreeDoc(doc);
    /* Every elided body must have turned up where it is not read (the
     * counts also catch one the walk never met). */
    if (ec.failed || ec.claimed != marks || marks != n_elided)
        *again = 1;
    else
        *kept = n_elided;
    return FS_OK;
}

/* ---- release, names, JSON, keys -------------------------------------- */

static void feed_item_release(struct feed_item *it)
{
    free(it->id);
    free(it->title);
    free(it->link);
    free(it->author);
    free(it->summary);
    free(it->content);
    free(it->content_html);
    for (size_t i = 0; i < it->n_categories; i++)
        free(it->categories[i]);
    free(it->categories);
    for (size_t i = 0; i < it->n_enclosures; i++) {
        free(it->enclosures[i].url);
        free(it->enclosures[i].type);
    }
    free(it->enclosures);
}

void feed_release(struct feed *feed)
{
    if (!feed)
        return;
    free(feed->title);
    free(feed->link);
    free(feed->description);
    free(feed->language);
    for (size_t i = 0; i < feed->n_items; i++)
        feed_item_release(&feed->items[i]);
    free(feed->items);
    for (size_t i = 0; i < feed->n_errors; i++)
        free(feed->errors[i]);
    free(feed->errors);
    memset(feed, 0, sizeof(*feed));
    feed->updated = FS_TIME_NONE;
}

const char *feed_format_name(enum feed_format format)
{
    switch (format) {
    case FEED_FORMAT_RSS20: return "rss20";
    case FEED_FORMAT_RSS10: return "rss10";
    case FEED_FORMAT_RSS09X: return "rss09x";
    case FEED_FORMAT_ATOM10: return "atom10";
    case FEED_FORMAT_ATOM03: return "atom03";
    case FEED_FORMAT_JSON10: return "json10";
    case FEED_FORMAT_JSON11: return "json11";
    case FEED_FORMAT_UNKNOWN: break;
    }
    return "unknown";
}

static json_t *feed_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *feed_json_time(int64_t t)
{
    if (t == FS_TIME_NONE)
        return json_null();
    char buf[32];
    fs_time_rfc3339(t, buf);
    return json_string(buf);
}

static json_t *feed_item_json(const struct feed_item *it)
{
    json_t *cats = json_array(), *encs = json_array();
    for (size_t i = 0; i < it->n_categories; i++)
        json_array_append_new(cats, json_string(it->categories[i]));
    for (size_t i = 0; i < it->n_enclosures; i++) {
        const struct feed_enclosure *e = &it->enclosures[i];
        json_array_append_new(
            encs, json_pack("{s:o, s:o, s:o}", "url", feed_json_str(e->url),
                            "type", feed_json_str(e->type), "length",
                            e->length < 0 ? json_null()
                                          : json_integer(e->length)));
    }
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
        feed_json_str(it->id), "title", feed_json_str(it->title), "link",
        feed_json_str(it->link), "published", feed_json_time(it->published),
        "updated", feed_json_time(it->updated), "author",
        feed_json_str(it->author), "summary", feed_json_str(it->summary),
        "content", feed_json_str(it->content), "content_html",
        feed_json_str(it->content_html), "categories", cats, "enclosures",
        encs);
    if (!o)
        fs_oom(); /* json_pack fails only on allocation (formats are fixed) */
    return o;
}

json_t *feed_to_json(const struct feed *feed)
{
    json_t *errors = json_array(), *items = json_array();
    for (size_t i = 0; i < feed->n_errors; i++)
        json_array_append_new(errors, json_string(feed->errors[i]));
    for (size_t i = 0; i < feed->n_items; i++)
        json_array_append_new(items, feed_item_json(&feed->items[i]));
    json_t *o = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "format",
        feed_format_name(feed->format), "title", feed_json_str(feed->title),
        "link", feed_json_str(feed->link), "description",
        feed_json_str(feed->description), "language",
        feed_json_str(feed->language), "updated",
        feed_json_time(feed->updated), "errors", errors, "items", items);
    if (!o)
        fs_oom(); /* json_pack fails only on allocation (formats are fixed) */
    json_object_set_new(o, "update_interval",
                        feed->update_interval > 0
                            ? json_integer(feed->update_interval)
                            : json_null());
    return o;
}

/*
 * Key = id, else link, else "fnv1a64:" + 16 hex digits of the 64-bit
 * FNV-1a hash of title, a NUL byte, and the RFC 3339 form of published
 * (else updated; "" when neither).  FNV-1a is not cryptographic; it only
 * has to be stable across runs and platforms, which it is (fixed offset
 * basis 0xcbf29ce484222325 and prime 0x100000001b3).
 */
char *feed_item_key(const struct feed_item *item)
{
    if (item->id && *item->id)
        return fs_strdup(item->id);
    if (item->link && *item->link)
        return fs_strdup(item->link);
    char date[32];
    fs_time_rfc3339(item->published != FS_TIME_NONE ? item->published
                                                    : item->updated,
                    date);
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *title = item->title ? item->title : "";
    for (size_t i = 0, n = strlen(title) + 1; i < n; i++) /* incl. NUL */
        h = (h ^ (unsigned char)title[i]) * 0x100000001b3ULL;
    for (const char *p = date; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return fs_asprintf("fnv1a64:%016llx", (unsigned long long)h);
}
