/*
 * test_extract_filter.c — what article_extract() never builds: script
 * and style bodies taken out before libxml2 reads them (strip_raw_text),
 * and comments, scripts (but JSON-LD), styles, SVG, noscript and the like
 * never made nodes (the SAX filter).  Neither may change what comes out:
 * each page here is extracted with such junk and without it, and text and
 * metadata must be the same.  Then hostile nesting of dropped elements:
 * libxml2's depth limit must still hold (else end tags that match nothing
 * scan a deep element stack each: quadratic, caught by the timeout).
 */
#include "parser.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define PARA1                                                              \
    "The regional council approved the new water plan on Tuesday after"   \
    " months of debate, committing funds to repair old pipes, build two"  \
    " reservoirs and cap the price households pay for the first cubic"    \
    " metres they use each month, officials said."
#define PARA2                                                              \
    "Farmers, who use most of the water, will pay more from next year,"   \
    " while a fund will help them switch to drip irrigation, which the"   \
    " council says could save a fifth of what the region uses today."

static const char *const HEAD_CLEAN =
    "<html lang=\"en\"><head><title>Water plan approved - Daily</title>"
    "<meta property=\"og:site_name\" content=\"Daily\">"
    "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
    "\"headline\":\"Water plan approved\",\"author\":{\"name\":"
    "\"Jane Doe\"},\"datePublished\":\"2025-04-01T10:00:00Z\"}</script>"
    "</head><body>";

static char *page(const char *head_junk, const char *junk, const char *tail)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_addstr(&sb, HEAD_CLEAN);
    /* head junk goes inside <head>: before its closing tag */
    char *close = strstr(sb.buf, "</head>");
    size_t at = (size_t)(close - sb.buf);
    struct strbuf out = STRBUF_INIT;
    strbuf_add(&out, sb.buf, at);
    strbuf_addstr(&out, head_junk);
    strbuf_addstr(&out, sb.buf + at);
    strbuf_addf(&out, "<div class=\"main\"><article><h1>Water plan</h1>%s"
                      "<p>%s</p>%s<p>%s</p>%s</article></div>%s"
                      "</body></html>",
                junk, PARA1, junk, PARA2, junk, tail);
    strbuf_release(&sb);
    return strbuf_detach(&out, NULL);
}

static void extract(const char *html, struct article *a)
{
    fs_error err = {0};
    if (article_extract(html, strlen(html), "https://daily.example/a",
                        a, &err) != FS_OK)
        printf("# extract: %s\n", err.msg);
}

static void same_as_clean(const char *head_junk, const char *junk,
                          const char *tail, const char *what)
{
    char *clean = page("", "", ""), *dirty = page(head_junk, junk, tail);
    struct article a, b;
    extract(clean, &a);
    extract(dirty, &b);
    char name[256];
    snprintf(name, sizeof(name), "%s: same text", what);
    is_str(b.text, a.text, name);
    snprintf(name, sizeof(name), "%s: same title, byline, date", what);
    ok(a.title && b.title && !strcmp(a.title, b.title) && a.byline &&
           b.byline && !strcmp(a.byline, b.byline) &&
           a.published == b.published,
       name);
    article_release(&a);
    article_release(&b);
    free(clean);
    free(dirty);
}

static void test_clean_page(void)
{
    char *clean = page("", "", "");
    struct article a;
    extract(clean, &a);
    ok(a.text && strstr(a.text, PARA1) && strstr(a.text, PARA2),
       "clean page: both paragraphs");
    is_str(a.title, "Water plan approved", "clean page: JSON-LD headline");
    is_str(a.byline, "Jane Doe", "clean page: JSON-LD author");
    article_release(&a);
    free(clean);
}

static void test_junk(void)
{
    same_as_clean("<script>var s = \"</div><p>never text</p>\";"
                  " if (a < b && c > d) {}</script>",
                  "<script>document.write('<p>written</p>');</script>", "",
                  "inline scripts with markup in strings");
    same_as_clean("<style>p > a { color: red } /* <script> */</style>",
                  "<style>.x::after { content: \"</p>\" }</style>", "",
                  "style sheets");
    same_as_clean("<!-- <script> never closed in a comment -->",
                  "<!-- a comment <p>with a paragraph</p> -->", "",
                  "comments, one holding <script>");
    same_as_clean("", "<svg viewBox=\"0 0 1 1\"><title>icon</title>"
                      "<path d=\"M0 0\"/></svg>", "", "inline SVG");
    same_as_clean("", "<noscript><p>Please enable JavaScript to read the"
                      " full story and comments on this page.</p>"
                      "</noscript>", "", "noscript");
    same_as_clean("", "<div data-x=\"a>b<script>\" title='<style>'>"
                      "</div>", "", "'>' and '<script>' in quoted values");
    same_as_clean("", "<SCRIPT TYPE=\"text/javascript\">"
                      "document.write('<script src=x></scr' + 'ipt>');"
                      "</SCRIPT >", "", "upper case, a script in a string");
    same_as_clean("", "<template><p>A template paragraph that is long"
                      " enough to count as text if it were built.</p>"
                      "</template><select><option>One</option></select>"
                      "<button>Share</button><iframe src=\"x\"></iframe>",
                  "", "template, select, button, iframe");
    same_as_clean("", "<script\ttype = 'text/javascript' >x</script\n>", "",
                  "blanks around '=' and in the end tag");
}

/* The page with junk as libxml2 itself reads it: text that must (or must
 * not) come out.  These are the places where a script or style body does
 * not end where a naive reader would end it. */
static void reads_like_libxml2(const char *junk, const char *want,
                               const char *unwanted, const char *what)
{
    char *dirty = page("", junk, "");
    struct article a;
    extract(dirty, &a);
    ok(a.text && (!want || strstr(a.text, want)) &&
           (!unwanted || !strstr(a.text, unwanted)),
       what);
    if (a.text && want && !strstr(a.text, want))
        printf("#   text: %s\n", a.text);
    article_release(&a);
    free(dirty);
}

static void test_libxml2_reading(void)
{
    /* "</scriptfoo>" ends the body in libxml2 but closes nothing: the
     * script goes on to the real "</script>", "<style>" inside it is
     * script text, and the paragraph after it is content */
    reads_like_libxml2("<script>x</scriptfoo><style>a</script><p>visible"
                       "</p></style>",
                       "visible", NULL, "a body cut by </scriptfoo>");
    reads_like_libxml2("<script src=\"a.js\"/><p>self-closed</p>",
                       "self-closed", NULL,
                       "a self-closed script has no body");
    reads_like_libxml2("<script a=b/>hidden body</script><p>after</p>",
                       "after", "hidden body",
                       "<script a=b/> is not self-closed (value \"b/\")");
    reads_like_libxml2("<div a=b=\"c>d\"><script>hidden js</script></div>",
                       "d\">", "hidden js",
                       "an unquoted value (b=\"c) ends at '>'");
    reads_like_libxml2("<p>a < b and c </ d, 3 <4></p>", "a < b", NULL,
                       "'<' that is text stays text");
    reads_like_libxml2("<!-- <script> --><p>after a comment</p>",
                       "after a comment", NULL, "<script> in a comment");
    reads_like_libxml2("<div title=\"<script>\">in div</div>", "in div",
                       NULL, "<script> in a quoted value");
}

static void test_jsonld_kept(void)
{
    const char *html =
        "<html><head><SCRIPT type=\"APPLICATION/LD+JSON\">"
        "{\"@type\":\"NewsArticle\",\"headline\":\"Kept </p> headline\","
        "\"author\":{\"name\":\"A. Writer\"}}</SCRIPT>"
        "<script>var x = '<script type=\"application/ld+json\">';</script>"
        "</head><body><article><p>" PARA1 "</p></article></body></html>";
    struct article a;
    extract(html, &a);
    is_str(a.title, "Kept </p> headline", "JSON-LD in upper case: read");
    is_str(a.byline, "A. Writer", "JSON-LD author read");
    ok(a.text && !strstr(a.text, "var x"), "script text never in the text");
    article_release(&a);
}

/* 50,000 nested dropped elements, then 50,000 end tags that match none:
 * with libxml2's depth limit the parse stops at depth 256, without it
 * every stray end tag scans the whole element stack. */
static void test_deep_dropped(void)
{
    static const char *const TAGS[] = {"svg", "noscript", "template"};
    for (size_t t = 0; t < 3; t++) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_addstr(&sb, "<html><body><p>" PARA1 "</p>");
        for (int i = 0; i < 50000; i++)
            strbuf_addf(&sb, "<%s>", TAGS[t]);
        for (int i = 0; i < 50000; i++)
            strbuf_addstr(&sb, "</x>");
        strbuf_addstr(&sb, "</body></html>");
        struct article a;
        fs_error err = {0};
        fs_code rc = article_extract(sb.buf, sb.len, NULL, &a, &err);
        char name[128];
        snprintf(name, sizeof(name),
                 "50,000 nested <%s>: extracted, the paragraph kept",
                 TAGS[t]);
        ok(rc == FS_OK && a.text && strstr(a.text, PARA1), name);
        article_release(&a);
        strbuf_release(&sb);
    }
}

int main(void)
{
    test_clean_page();
    test_junk();
    test_libxml2_reading();
    test_jsonld_kept();
    test_deep_dropped();
    return tap_done();
}
