/*
 * test_feed_fast.c — the fast path of feed_parse(): libxml2's push parser
 * on text whose escaped runs feed_cdata_rewrite() turned into CDATA, with
 * the pull parser as the fallback for broken documents.
 *
 * The fast path must give exactly what the pull parser gives.  The pull
 * parser is reached by breaking a document at its very end (an unclosed
 * root: not well-formed, so feed_parse falls back), which leaves every
 * item before the break as it was; so each sample is parsed whole (fast
 * path) and broken (pull parser) and the items must be the same, field
 * for field.  Then feed_cdata_rewrite() itself: what it rewrites, what it
 * must leave alone.  Last, the crawl's FEED_PARSE_CONTENT_IF_NO_SUMMARY:
 * content skipped exactly where a summary exists, nothing else changed.
 */
#include "feed_internal.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* The items of doc as JSON text (errors and format left out).  The
 * samples below must stay well-formed as a whole: a broken one would take
 * the pull parser both ways and test nothing. */
static char *items_json(const char *doc, size_t len)
{
    struct feed f;
    fs_error err = {0};
    feed_parse(doc, len, "http://base.example/feeds/x.xml", NULL, &f, &err);
    json_t *j = feed_to_json(&f);
    char *s = json_dumps(json_object_get(j, "items"), JSON_SORT_KEYS);
    json_decref(j);
    feed_release(&f);
    return s;
}

static int has_error(const char *doc, size_t len, const char *needle)
{
    struct feed f;
    fs_error err = {0};
    feed_parse(doc, len, NULL, NULL, &f, &err);
    int found = 0;
    for (size_t i = 0; i < f.n_errors; i++)
        found |= strstr(f.errors[i], needle) != NULL;
    feed_release(&f);
    return found;
}

/* doc ends with "</rss>" (or "</feed>"); cut there, the pull parser
 * reads it, and the items must not change. */
static void same_both_ways(const char *doc, const char *what)
{
    size_t len = strlen(doc);
    const char *close = strrchr(doc, '<');
    char *whole = items_json(doc, len);
    char *cut = items_json(doc, (size_t)(close - doc));
    char name[200];
    snprintf(name, sizeof(name), "%s: push and pull parsers agree", what);
    if (!is_str(whole, cut, name))
        printf("# (first: fast path, second: pull parser)\n");
    free(whole);
    free(cut);
}

static void test_equivalence(void)
{
    same_both_ways(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<rss version=\"2.0\" xmlns:content="
        "\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n"
        "<title>T &amp; U</title>\n<item>\n"
        "<title>Caf\xC3\xA9 &#8212; &lt;b&gt;bold&lt;/b&gt; &#x2013; "
        "&quot;q&quot; &apos;a&apos;</title>\n"
        "<link>/news/1?a=1&amp;b=2</link>\n"
        "<description>&lt;p&gt;r\xC3\xA9sum\xC3\xA9 &amp;amp; "
        "&lt;a href=\"/x\"&gt;rel&lt;/a&gt;&lt;/p&gt;</description>\n"
        "<content:encoded><![CDATA[<p>line1\r\nline2\rline3</p>"
        "<img src=\"img/a.png\">]]></content:encoded>\n"
        "<pubDate>Sat, 05 Apr 2025 12:10:22 +0200</pubDate>\n"
        "<category>A &amp; B</category>\n"
        "</item>\n<item><title>x]]&gt;y</title>"
        "<description>tab&#9;and&#10;newline&#13;cr</description></item>\n"
        "<item><title>  &#x1F600; &#128512; </title>"
        "<description>&#0000000065; &#65;</description></item>\n"
        "</channel>\n</rss>",
        "RSS: references, CDATA with CR LF, refused runs");
    same_both_ways(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n"
        "<title type=\"html\">&lt;i&gt;Wire&lt;/i&gt;</title>\n"
        "<entry xml:base=\"http://other.example/dir/\">\n"
        "<title>A &amp; B</title>\n"
        "<link href=\"story?a=1&amp;b=2\"/>\n"
        "<id>tag:x,2025:1</id>\n"
        "<updated>2025-04-17T13:24:10+02:00</updated>\n"
        "<summary type=\"html\">&lt;p&gt;S\xC3\xBC&lt;/p&gt;</summary>\n"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
        "<p>x &amp; y <b>z</b> &lt;not a tag&gt;</p></div></content>\n"
        "<!-- a comment &amp; more -->\n"
        "</entry>\n<entry><title type=\"text\">&lt;plain&gt;</title>"
        "<content type=\"text/plain\"> 1 &lt; 2 </content></entry>\n"
        "</feed>",
        "Atom: text, html, xhtml and xml:base");
}

/* Documents the push parser must not take: they go to the pull parser
 * and come out as it reads them (its messages show it). */
static void test_fallbacks(void)
{
    const char *trunc = "<rss version=\"2.0\"><channel><title>T</title>"
                        "<item><title>a &lt;b&gt;</title><description>x";
    ok(has_error(trunc, strlen(trunc), "Premature end of data"),
       "truncated document: read by the pull parser");
    const char bad[] = "<rss version=\"2.0\"><channel><item><title>a</title>"
                       "<description><![CDATA[bad \x01 char]]></description>"
                       "</item></channel></rss>";
    ok(has_error(bad, sizeof(bad) - 1, "CData section not finished"),
       "control character in CDATA: read by the pull parser");

    /* A CDATA section over libxml2's 10 MB text limit: the pull parser
     * refuses it, and so does feed_parse still. */
    struct strbuf big = STRBUF_INIT;
    strbuf_addstr(&big, "<rss version=\"2.0\"><channel><item><title>a</title>"
                        "<description><![CDATA[");
    char chunk[1000];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 10000001 / 1000 + 1; i++)
        strbuf_add(&big, chunk, sizeof(chunk));
    strbuf_addstr(&big, "]]></description></item></channel></rss>");
    ok(has_error(big.buf, big.len, "CData section too big"),
       "CDATA over 10 MB: still refused (pull parser)");
    strbuf_release(&big);
}

/* feed_cdata_rewrite(text) as a string; "" when it declines. */
static char *rewrite(const char *text)
{
    struct strbuf out = STRBUF_INIT;
    int r = feed_cdata_rewrite(text, strlen(text), &out);
    char *s = fs_strdup(r ? out.buf : "");
    strbuf_release(&out);
    return s;
}

static void check_rewrite(const char *in, const char *want, const char *what)
{
    char *got = rewrite(in);
    is_str(got, want, what);
    free(got);
}

static void test_rewrite(void)
{
    check_rewrite("<a>x &amp; &lt;y&gt; &#233;&#x2014;</a>",
                  "<a><![CDATA[x & <y> \xC3\xA9\xE2\x80\x94]]></a>",
                  "references become the characters, in CDATA");
    check_rewrite("<a t=\"&amp;\" u='&lt;'>&quot;</a>",
                  "<a t=\"&amp;\" u='&lt;'><![CDATA[\"]]></a>",
                  "attribute values are left alone");
    check_rewrite("<a>plain</a>", "", "nothing to rewrite: declined");
    check_rewrite("<a>&nbsp;</a>", "", "other entities: left alone");
    check_rewrite("<a>a&#10;b</a>", "", "a line feed reference: left alone");
    check_rewrite("<a>a&#13;b</a>", "", "a CR reference: left alone");
    check_rewrite("<a>&#1;</a>", "", "a reference XML forbids: left alone");
    check_rewrite("<a>&#X41;</a>", "", "&#X (libxml2 reads no X): alone");
    check_rewrite("<a>&#000000065;</a>", "", "nine digits: left alone");
    check_rewrite("<a>]]&gt;</a>", "", "a run holding ]]>: left alone");
    check_rewrite("<a>x & y</a>", "", "a bare ampersand: left alone");
    check_rewrite("<!DOCTYPE a [<!ENTITY lt \"x\">]><a>&lt;</a>", "",
                  "a DOCTYPE: nothing rewritten");
    check_rewrite("&amp;<a>&amp;</a>&amp;",
                  "&amp;<a><![CDATA[&]]></a>&amp;",
                  "only inside the root element");
    check_rewrite("<a><!-- &amp; --><?p &amp;?><![CDATA[&amp;]]>&amp;</a>",
                  "<a><!-- &amp; --><?p &amp;?><![CDATA[&amp;]]>"
                  "<![CDATA[&]]></a>",
                  "comments, PIs and CDATA are copied");
    check_rewrite("<a><b/>&amp;<c x=\"a>b\">&gt;</c></a>",
                  "<a><b/><![CDATA[&]]><c x=\"a>b\"><![CDATA[>]]></c></a>",
                  "self-closed tags, '>' in a quoted value");
    check_rewrite("<a>x]&amp;</a>", "<a><![CDATA[x]&]]></a>",
                  "a run ending in ']' still closes right");
    check_rewrite("<a>&amp;<b x=\"unclosed>&amp;</b></a>",
                  "<a><![CDATA[&]]><b x=\"unclosed>&amp;</b></a>",
                  "an unclosed tag: the rest is copied");
}

/* FEED_PARSE_CONTENT_IF_NO_SUMMARY (the crawl's parse): an item with a
 * summary gets no content; every other field, and the content of an item
 * without a summary, is what feed_parse() gives.  Both orders of summary
 * and content, both content elements (the first wins either way), an
 * xml:base on the content, RSS and Atom. */
static void test_content_if_no_summary(void)
{
    static const char *const docs[] = {
        "<rss version=\"2.0\" xmlns:content="
        "\"http://purl.org/rss/1.0/modules/content/\"><channel><title>C"
        "</title>"
        "<item><title>with</title><description>&lt;p&gt;sum&lt;/p&gt;"
        "</description><content:encoded>&lt;a href=\"x\"&gt;c&lt;/a&gt;"
        "</content:encoded></item>"
        "<item><title>content first</title><content:encoded>first"
        "</content:encoded><description>d</description></item>"
        "<item><title>without</title><content:encoded>&lt;img src=\"i.png"
        "\"&gt;</content:encoded><content:encoded>second</content:encoded>"
        "</item></channel></rss>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title>"
        "<entry><title>with</title><summary>s</summary>"
        "<content type=\"html\">&lt;p&gt;c&lt;/p&gt;</content></entry>"
        "<entry><title>without</title><content type=\"html\" "
        "xml:base=\"http://other.example/d/\">&lt;a href=\"r\"&gt;x"
        "&lt;/a&gt;</content><content>later</content></entry>"
        "<entry><title>xhtml</title><content type=\"xhtml\"><div "
        "xmlns=\"http://www.w3.org/1999/xhtml\"><b>bold</b> "
        "<a href=\"q\">a</a></div></content></entry></feed>",
    };
    static const size_t has_summary[2][3] = {{1, 1, 0}, {1, 0, 0}};
    for (size_t d = 0; d < 2; d++) {
        struct feed full, crawl;
        fs_error err = {0};
        const char *url = "http://base.example/feeds/x.xml";
        feed_parse(docs[d], strlen(docs[d]), url, NULL, &full, &err);
        feed_parse_opts(docs[d], strlen(docs[d]), url, NULL,
                        FEED_PARSE_CONTENT_IF_NO_SUMMARY, &crawl, &err);
        is_int((long long)crawl.n_items, 3, "flag: all items");
        for (size_t i = 0; i < full.n_items && i < crawl.n_items; i++) {
            struct feed_item *f = &full.items[i], *c = &crawl.items[i];
            char what[96];
            snprintf(what, sizeof(what), "doc %zu item %zu: content", d, i);
            ok(f->content != NULL, "without the flag: content built");
            if (has_summary[d][i]) {
                ok(c->content == NULL, what);
            } else {
                is_str(c->content, f->content, what);
            }
            /* all the rest unchanged */
            free(f->content);
            free(c->content);
            f->content = c->content = NULL;
        }
        json_t *jf = feed_to_json(&full), *jc = feed_to_json(&crawl);
        char *sf = json_dumps(jf, JSON_SORT_KEYS);
        char *sc = json_dumps(jc, JSON_SORT_KEYS);
        is_str(sc, sf, "flag: every other field the same");
        free(sf);
        free(sc);
        json_decref(jf);
        json_decref(jc);
        feed_release(&full);
        feed_release(&crawl);
    }
}

int main(void)
{
    test_equivalence();
    test_fallbacks();
    test_rewrite();
    test_content_if_no_summary();
    return tap_done();
}
