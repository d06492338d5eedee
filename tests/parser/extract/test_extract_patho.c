/*
 * test_extract_patho.c — article_extract() on generated pathological
 * pages: deep nesting (20,000 divs, spans, sections), very wide siblings
 * (50,000 <p>, <li>, <a>), nested tables and lists each level also wide,
 * candidates, unlikely blocks and headline repeats stacked hundreds of
 * levels deep.
 *
 * The extractor once re-walked each candidate's subtree for every measure
 * and climbed every ancestor table to ask whether it held a <th>: nested
 * tables made that cubic and a fuzzer found pages that hung it.  Every
 * pass is now linear (times libxml2's depth cap); this test asserts the
 * results, not the time: a regression shows up as the meson timeout
 * (30 s) while a healthy run takes about a second (the CPU time of each
 * page is printed as a TAP comment).
 */
#include "parser.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void repeat(struct strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        strbuf_addstr(sb, s);
}

/* Extract page; the CPU time goes to the TAP stream as a comment (a
 * diagnostic for whoever reads the log, never asserted). */
static fs_code run(const struct strbuf *page, struct article *art)
{
    fs_error err = {0};
    clock_t t0 = clock();
    fs_code rc = article_extract(page->buf, page->len, NULL, art, &err);
    printf("# %zu bytes in %.3f s CPU\n", page->len,
           (double)(clock() - t0) / CLOCKS_PER_SEC);
    return rc;
}

/* Occurrences of needle in text, by hand: ASan's strstr() interceptor
 * measures the whole rest of the haystack on every call, which made
 * counting in these multi-megabyte texts quadratic under the sanitizer. */
static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0, m = strlen(needle);
    if (!text || !m)
        return 0;
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < m && p[i] == needle[i])
            i++;
        if (i == m) {
            n++;
            p += m - 1; /* non-overlapping */
        }
    }
    return n;
}

/* Paragraphs (blank-line separated blocks) in text. */
static size_t paragraphs(const char *text)
{
    if (!text || !*text)
        return 0;
    return 1 + occurrences(text, "\n\n");
}

static void test_deep(void)
{
    static const char *const OPEN[] = {"<div>", "<span>", "<section>",
                                       "<div class=\"sidebar\">"};
    static const char *const CLOSE[] = {"</div>", "</span>", "</section>",
                                        "</div>"};
    for (size_t k = 0; k < sizeof(OPEN) / sizeof(OPEN[0]); k++) {
        struct strbuf page = STRBUF_INIT;
        struct article art;
        strbuf_addstr(&page, "<html><body><table><tr><td>");
        repeat(&page, OPEN[k], 20000);
        strbuf_addstr(&page, "The well is deep, dark and quiet tonight.");
        repeat(&page, CLOSE[k], 20000);
        strbuf_addstr(&page, "</td></tr></table></body></html>");
        char what[96];
        snprintf(what, sizeof(what), "20,000 nested %s: extracted", OPEN[k]);
        is_int(run(&page, &art), FS_OK, what);
        /* libxml2 caps the depth (and drops what lies below the cap):
         * whatever survives must be well-formed text. */
        ok(art.text != NULL, "deep: text present");
        article_release(&art);
        strbuf_release(&page);
    }
}

static void test_wide(void)
{
    struct strbuf page = STRBUF_INIT;
    struct article art;

    strbuf_addstr(&page, "<html><body><div class=\"article\">");
    repeat(&page, "<p>A plain paragraph, with a comma, long enough to "
                  "count as text.</p>", 50000);
    strbuf_addstr(&page, "</div></body></html>");
    is_int(run(&page, &art), FS_OK, "50,000 sibling <p>: extracted");
    is_int((long long)paragraphs(art.text), 50000,
           "50,000 sibling <p>: every paragraph kept");
    article_release(&art);

    strbuf_reset(&page);
    strbuf_addstr(&page, "<html><body><div>");
    /* Long enough (500 characters) for the first pass to be kept. */
    repeat(&page, "<p>The story itself is a story, with commas, and words "
                  "enough to make a paragraph of it.</p>", 8);
    strbuf_addstr(&page, "</div><ul>");
    repeat(&page, "<li><a href=\"/other\">Another headline</a></li>", 50000);
    strbuf_addstr(&page, "</ul></body></html>");
    is_int(run(&page, &art), FS_OK, "50,000 linked <li>: extracted");
    is_int((long long)occurrences(art.text, "The story itself"), 8,
           "50,000 linked <li>: the story is found");
    is_int((long long)occurrences(art.text, "Another headline"), 0,
           "50,000 linked <li>: the headline list is dropped");
    article_release(&art);

    strbuf_reset(&page);
    strbuf_addstr(&page, "<html><body><p>Links:");
    repeat(&page, " <a href=\"#x\">x</a>", 50000);
    strbuf_addstr(&page, "</p><p>Then a real paragraph of the article, "
                         "with enough words to be one.</p></body></html>");
    is_int(run(&page, &art), FS_OK, "50,000 sibling <a>: extracted");
    ok(art.text && strstr(art.text, "Then a real paragraph"),
       "50,000 sibling <a>: the paragraph is found");
    article_release(&art);
    strbuf_release(&page);
}

/* Nested containers, each level also holding many children: every
 * candidate's subtree is most of the page. */
static void test_nested_wide(void)
{
    struct strbuf page = STRBUF_INIT;
    struct article art;

    /* No <th> anywhere: every table is a layout table, and the old code
     * climbed them all, counting <th> in each one's subtree, for each
     * block (cubic: 50 levels took 17 s, 100 did not finish). */
    strbuf_addstr(&page, "<html><body>");
    for (int i = 0; i < 200; i++) {
        strbuf_addstr(&page, "<table><tr><td>");
        repeat(&page, "<div><ul><li>cell text</li></ul></div>", 50);
    }
    repeat(&page, "</td></tr></table>", 200);
    strbuf_addstr(&page, "</body></html>");
    is_int(run(&page, &art), FS_OK, "200 nested wide layout tables: "
                                    "extracted");
    ok(art.text != NULL, "200 nested wide layout tables: text present");
    article_release(&art);

    /* One <th> at the bottom: all 200 tables are data tables, which keep
     * everything in them. */
    strbuf_reset(&page);
    strbuf_addstr(&page, "<html><body>");
    for (int i = 0; i < 200; i++) {
        strbuf_addstr(&page, "<table><tr><td>");
        repeat(&page, "<div><ul><li>cell text</li></ul></div>", 50);
    }
    strbuf_addstr(&page, "<table><tr><th>head</th></tr></table>");
    repeat(&page, "</td></tr></table>", 200);
    strbuf_addstr(&page, "</body></html>");
    is_int(run(&page, &art), FS_OK, "200 nested wide data tables: "
                                    "extracted");
    ok(occurrences(art.text, "cell text") > 0,
       "200 nested wide data tables: cells kept");
    article_release(&art);

    strbuf_reset(&page);
    strbuf_addstr(&page, "<html><body>");
    for (int i = 0; i < 200; i++) {
        strbuf_addstr(&page, "<ul><li>");
        repeat(&page, "<ol><li><a href=\"/x\">item</a></li></ol>", 50);
    }
    repeat(&page, "</li></ul>", 200);
    strbuf_addstr(&page, "</body></html>");
    is_int(run(&page, &art), FS_OK, "200 nested wide lists: extracted");
    article_release(&art);

    strbuf_reset(&page);
    strbuf_addstr(&page, "<html><body>");
    for (int i = 0; i < 200; i++) {
        strbuf_addstr(&page, i % 3 ? "<div class=\"content\">"
                                   : "<div class=\"sidebar main\">");
        repeat(&page, "<p>Some words, then more words, then a few "
                      "more.</p>", 50);
    }
    repeat(&page, "</div>", 200);
    strbuf_addstr(&page, "</body></html>");
    is_int(run(&page, &art), FS_OK, "200 nested wide divs: extracted");
    ok(paragraphs(art.text) >= 5000,
       "200 nested wide divs: the paragraphs are kept");
    article_release(&art);
    strbuf_release(&page);
}

/* A headline repeated at the bottom of a deep chain (each level with a
 * second, empty child), under a title that the page's <title> gives. */
static void test_title_chain(void)
{
    struct strbuf page = STRBUF_INIT;
    struct article art;
    strbuf_addstr(&page, "<html><head><title>A Headline Of Some "
                         "Length</title></head><body>");
    repeat(&page, "<div><span></span>", 250);
    strbuf_addstr(&page, "A Headline Of Some Length");
    repeat(&page, "</div>", 250);
    for (int i = 0; i < 20; i++)
        strbuf_addstr(&page, "<p>The body of the story goes on, with "
                             "commas, for a while.</p>");
    strbuf_addstr(&page, "</body></html>");
    is_int(run(&page, &art), FS_OK, "deep headline chain: extracted");
    is_int((long long)occurrences(art.text, "The body of the story"), 20,
           "deep headline chain: the story is kept");
    article_release(&art);
    strbuf_release(&page);
}

int main(void)
{
    test_deep();
    test_wide();
    test_nested_wide();
    test_title_chain();
    return tap_done();
}
