/*
 * extract_int.h — internals shared by the article extractor's files
 * (extract.c, extract_dom.c, extract_meta.c, extract_content.c).
 * Not part of the public parser API.
 *
 * Invariant: every tree walk here is iterative (dom_next) so that hostile
 * nesting cannot exhaust the C stack, whatever depth libxml2 lets through.
 */
#ifndef FEEDSIFT_EXTRACT_INT_H
#define FEEDSIFT_EXTRACT_INT_H

#include "parser.h"
#include "feed_internal.h" /* feed_utf8_append */

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

/* ---- DOM helpers (extract_dom.c) -------------------------------------- */

/* Is n an element named name (ASCII, case-insensitive)? */
int dom_is(const xmlNode *n, const char *name);
/* Is n an element whose name is one of the NULL-terminated names? */
int dom_is_any(const xmlNode *n, const char *const *names);
/* The value of attribute name, borrowed from the tree, or NULL. */
const char *dom_attr(const xmlNode *n, const char *name);
/* Pre-order successor of n inside root; descend = 0 skips n's subtree. */
xmlNode *dom_next(xmlNode *n, const xmlNode *root, int descend);
/* The first element child of n, or NULL; the next element sibling. */
xmlNode *dom_first_element(const xmlNode *n);
xmlNode *dom_next_element(const xmlNode *n);
/* Does n have an ancestor named name within max_depth levels (0: any)? */
int dom_has_ancestor(const xmlNode *n, const char *name, int max_depth);
/* Append n's text content (all text nodes, raw) to out. */
void dom_text(const xmlNode *n, struct strbuf *out);
/* Length of n's text in characters (code points), whitespace runs
 * counted as one, leading/trailing whitespace not counted. */
size_t dom_text_len(const xmlNode *n);
/* The same, but stops counting once past max (the result is then > max
 * but not exact): for "is it short?" tests on big subtrees. */
size_t dom_text_len_max(const xmlNode *n, size_t max);
/* Unlink and free n. */
void dom_remove(xmlNode *n);
/* Count elements named name in n's subtree (n excluded). */
size_t dom_count(const xmlNode *n, const char *name);
/* Append the whitespace-collapsed, trimmed text of n to out as valid
 * UTF-8 (for metadata values). */
void dom_text_clean(const xmlNode *n, struct strbuf *out);
/* Collapse whitespace in s and sanitize it into a malloc'd UTF-8 string;
 * NULL in, NULL out. */
char *text_clean(const char *s);

/* ---- parsing (extract.c) ---------------------------------------------- */

/* The page as libxml2's HTML tree, charset sniffed (BOM, <meta>, else
 * UTF-8 with invalid bytes repaired); NULL if libxml2 gives nothing. */
htmlDocPtr extract_parse_html(const char *html, size_t len);

/* ---- metadata (extract_meta.c) ---------------------------------------- */

/* Fill title, byline, published*, canonical_url, site_name, language. */
void article_meta_extract(xmlDoc *doc, const char *base_url,
                          struct article *out);

/* ---- main text (extract_content.c) ------------------------------------ */

/* Find the main content of doc and append its text to text (paragraphs
 * separated by blank lines).  title (may be NULL) is the headline from the
 * metadata: blocks repeating it are not body text.  *byline receives a
 * malloc'd byline found in the page body, or NULL.  doc is left cut up
 * (the caller still frees it); the rare fallback passes start from doc as
 * it was, by undoing the previous pass's recorded edits. */
void article_content_extract(xmlDoc *doc, const char *title,
                             struct strbuf *text, char **byline);

#endif /* FEEDSIFT_EXTRACT_INT_H */
