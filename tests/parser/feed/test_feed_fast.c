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
 * content skipped exactly where a summary exists, nothing else changed;
 * and its eliding of content bodies (feed_cdata.c): which bodies the
 * rewrite elides, and that the parse comes out the same as without,
 * errors and line numbers included, whether the walk keeps the elided
 * parse or sends it back.
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
    /* The push parser keeps no character data directly inside the
     * skeleton (root, channel, items): nothing reads it.  An item
     * element anywhere else is no skeleton. */
    same_both_ways(
        "<rss version=\"2.0\">stray text\n<channel>\n  chan &amp; text"
        "<title>C</title>\n<item>\n  loose &lt;text&gt; <title>a <item>"
        "nested &amp; kept</item> b</title>\n<description>d <entry> e "
        "</entry> f</description>\n</item>\n</channel>\n</rss>",
        "RSS: text directly in channel and items, items inside fields");
    same_both_ways(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:x=\"urn:x\">"
        "\n<entry> t <x:entry> other <x:b>ns</x:b> </x:entry><title "
        "type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
        "<entry> in <b>xhtml</b> </entry></div></title><author>\n<name>"
        "n</name> </author></entry>\n</feed>",
        "Atom: entries of other namespaces, in XHTML, and authors");
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
    size_t n_elided;
    int r = feed_cdata_rewrite(text, strlen(text), 0, &out, &n_elided);
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

/* feed_cdata_rewrite(text, elide) as a string and the bodies elided. */
static char *rewrite_elide(const char *text, size_t *n_elided)
{
    struct strbuf out = STRBUF_INIT;
    int r = feed_cdata_rewrite(text, strlen(text), 1, &out, n_elided);
    char *s = fs_strdup(r ? out.buf : "");
    strbuf_release(&out);
    return s;
}

static void check_elide(const char *in, const char *want, size_t want_n,
                        const char *what)
{
    size_t n = 99;
    char *got = rewrite_elide(in, &n);
    is_str(got, want, what);
    is_int((long long)n, (long long)want_n, what);
    free(got);
}

#define PI "<?" FEED_CDATA_ELIDED_PI "?>"

/* Which content bodies the rewrite elides for the crawl, and what it
 * leaves: the guess goes by raw names, the walk checks it (below). */
static void test_elide_rewrite(void)
{
    check_elide("<feed><entry><summary>s</summary><content>a &amp; b\nc"
                "</content></entry></feed>",
                "<feed><entry><summary>s</summary><content>" PI "\n"
                "</content></entry></feed>",
                1, "summary first: body elided, its line feed kept");
    check_elide("<feed><entry><content>a &amp; b, long enough to be worth"
                "</content>\n<summary>s</summary></entry></feed>",
                "<feed><entry><content>" PI "</content>\n<summary>s"
                "</summary></entry></feed>",
                1, "summary after the content: elided at the item's end");
    check_elide("<feed><entry><content>a &amp; b</content>\n<summary>s"
                "</summary></entry></feed>",
                "<feed><entry><content><![CDATA[a & b]]></content>\n"
                "<summary>s</summary></entry></feed>",
                0, "a body shorter than the PI: left");
    check_elide("<feed><entry><content>a &amp; b</content></entry></feed>",
                "<feed><entry><content><![CDATA[a & b]]></content></entry>"
                "</feed>",
                0, "no summary: the content is rewritten as usual");
    check_elide("<rss><channel><item><description/><c:encoded><![CDATA["
                "<p>x</p>]]></c:encoded></item></channel></rss>",
                "<rss><channel><item><description/><c:encoded>" PI
                "</c:encoded></item></channel></rss>",
                1, "empty summary, CDATA body, any prefix");
    check_elide("<feed><entry><summary>s</summary><content type=\"xhtml\">"
                "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p class='a'>"
                "x<br/></p></div></content></entry></feed>",
                "<feed><entry><summary>s</summary><content type=\"xhtml\">"
                PI "</content></entry></feed>",
                1, "inline XHTML of the subset: elided");
    static const char *const kept[] = {
        "<a\nhref=\"x\">y</a>",    /* a line break inside a tag */
        "<p a=\"1\" a=\"2\">x</p>", /* an attribute twice */
        "<x:p>y</x:p>",             /* a prefix */
        "<p>y</div>",               /* mismatched */
        "<!-- c -->y",              /* a comment */
        "<?pi?>y",                  /* a PI */
        "x ]]> y",                  /* ]]> in text */
        "&nbsp;",                   /* an entity libxml2 does not know */
        "a\x01",                    /* a control character */
        "\xEF\xBF\xBE",             /* U+FFFE */
        "\xC0\x80",                 /* an overlong form */
        "<p xmlns=\"urn:x\">y</p>", /* another namespace */
        "<p a=\"x>y\">z</p>",       /* '>' in a value */
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
        char *doc = fs_asprintf("<feed><entry><summary>s</summary><content>"
                                "%s</content></entry></feed>",
                                kept[i]);
        size_t n = 99;
        char *got = rewrite_elide(doc, &n);
        char what[120];
        snprintf(what, sizeof(what), "body kept: case %zu", i);
        is_int((long long)n, 0, what);
        ok(!strstr(got, PI), what);
        free(got);
        free(doc);
    }
    check_elide("<feed><entry><summary>s</summary><content>x</content>"
                "<?feedsift-elided?></entry></feed>",
                "", 0, "the document holds the PI itself: nothing elided");
}

/* The crawl's parse with eliding must give what it gives without,
 * errors and line numbers included; kept says whether the elided parse
 * was the one used (1) or the walk sent it back (0). */
static void same_elided(const char *doc, size_t want_kept, const char *what)
{
    struct feed a, b;
    fs_error err = {0};
    size_t kept = 99;
    const char *url = "http://base.example/feeds/x.xml";
    feed_parse_elide(doc, strlen(doc), url, NULL,
                     FEED_PARSE_CONTENT_IF_NO_SUMMARY, 1, &kept, &a, &err);
    feed_parse_elide(doc, strlen(doc), url, NULL,
                     FEED_PARSE_CONTENT_IF_NO_SUMMARY, 0, NULL, &b, &err);
    json_t *ja = feed_to_json(&a), *jb = feed_to_json(&b);
    char *sa = json_dumps(ja, JSON_SORT_KEYS);
    char *sb = json_dumps(jb, JSON_SORT_KEYS);
    char name[160];
    snprintf(name, sizeof(name), "%s: same as without eliding", what);
    is_str(sa, sb, name);
    snprintf(name, sizeof(name), "%s: elided bodies kept", what);
    is_int((long long)(kept > 0), (long long)want_kept, name);
    free(sa);
    free(sb);
    json_decref(ja);
    json_decref(jb);
    feed_release(&a);
    feed_release(&b);
}

#define ATOM "<feed xmlns=\"http://www.w3.org/2005/Atom\" "                 \
             "xmlns:atom=\"http://www.w3.org/2005/Atom\" "                  \
             "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<title>F"     \
             "</title>\n"

static void test_elide_parse(void)
{
    same_elided(ATOM "<entry><title>t</title>\n<content type=\"html\">"
                "&lt;p&gt;a\nb\nc&lt;/p&gt;</content>\n<summary>s</summary>"
                "\n<updated>not a date</updated></entry>\n</feed>",
                1, "summary after content, a date error after it");
    same_elided(ATOM "<entry><summary/><content>x\n\n</content>"
                "<updated>bad</updated></entry><entry><title>2</title>"
                "<content>no summary &amp; kept</content></entry></feed>",
                1, "empty summary; an item without one keeps its content");
    same_elided(ATOM "<entry><atom:summary>s</atom:summary>\n<atom:content "
                "type=\"html\">&lt;b&gt;x&lt;/b&gt;\n</atom:content>\n"
                "<dc:date>never</dc:date></entry></feed>",
                1, "namespaced prefixes for summary and content");
    same_elided(ATOM "<entry><summary>s</summary><content type=\"xhtml\">"
                "<div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p>x &amp; "
                "<b>y</b></p>\n</div></content>\n<undeclared:x/>"
                "<published>no</published></entry></feed>",
                1, "XHTML body, a namespace error after it");
    same_elided(ATOM "<entry><foo:summary xmlns:foo=\"urn:x\">s</foo:summary>"
                "<content type=\"html\">&lt;i&gt;c&lt;/i&gt;</content>"
                "</entry></feed>",
                0, "a 'summary' in another namespace: parsed again");
    same_elided(ATOM "<summary>feed</summary><content>channel level"
                "</content><entry><title>t</title></entry></feed>",
                0, "content beside a summary outside any item: again");
    same_elided(ATOM "<entry><author><name>n</name><summary>s</summary>"
                "<content>deeper</content></author><summary>s</summary>"
                "</entry></feed>",
                0, "content inside an author: again");
    same_elided(ATOM "<entry><summary>s</summary><content>x"
                "<?feedsift-elided?>y</content></entry></feed>",
                0, "the document holds the PI itself");
    same_elided(ATOM "<entry><summary>s</summary><content>bad \x01 char"
                "</content></entry></feed>",
                0, "a control character in the body: pull parser");
    same_elided(ATOM "<entry><summary>s</summary><content>x</content>"
                "<bad attr=noquote/></entry></feed>",
                0, "a broken document: pull parser");
    same_elided("<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/"
                "1.0/modules/content/\"><channel><title>C</title>\n<item>"
                "<content:encoded><![CDATA[<p>x</p>\r\n<p>y</p>]]>"
                "</content:encoded>\n<description>d</description>\n"
                "<pubDate>junk</pubDate></item>\n<item><description>e"
                "</description><content:encoded>&lt;p&gt;z&lt;/p&gt;"
                "</content:encoded></item></channel></rss>",
                1, "RSS content:encoded, both orders");
}

/* A plain decoder of what feed_utf8_span lets through: XML's C0 rule,
 * strict UTF-8 (no overlong forms, surrogates or code points beyond
 * U+10FFFF) and, with stop_c1, no U+0080..U+009F. */
static size_t ref_span(const unsigned char *p, size_t len, int stop_c1)
{
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned long cp;
        if (c < 0x80) {
            if (c < 0x20 && c != 9 && c != 10 && c != 13)
                return i;
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + n > len)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
            (stop_c1 && cp >= 0x80 && cp <= 0x9F))
            return i;
        i += n;
    }
    return len;
}

/* feed_utf8_span (what eliding and every cleaner rely on) against the
 * plain decoder: every lead and second byte, with the bytes after them
 * from a set of edge values, alone and after 30 ASCII bytes (its block
 * path). */
static void test_utf8_span(void)
{
    static const unsigned char edge[] = {0x00, 0x0A, 0x1F, 0x20, 0x41, 0x7F,
                                         0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                         0xC0, 0xFF};
    const size_t ne = sizeof(edge);
    unsigned char buf[40];
    memset(buf, 'a', 30);
    long cases = 0, bad = 0;
    for (unsigned b0 = 0; b0 < 256; b0++)
        for (unsigned b1 = 0; b1 < 256; b1++)
            for (size_t k = 0; k < ne * ne; k++) {
                if (b0 < 0xE0 && k >= ne)
                    break; /* a third and fourth byte matter from 0xE0 */
                unsigned char seq[4] = {(unsigned char)b0, (unsigned char)b1,
                                        edge[k % ne], edge[k / ne]};
                for (size_t len = 1; len <= 4; len++)
                    for (int c1 = 0; c1 < 2; c1++) {
                        size_t at = (b1 + k + len) % 7 ? 0 : 30;
                        memcpy(buf + at, seq, len);
                        cases++;
                        bad += feed_utf8_span((char *)buf, at + len, c1) !=
                               ref_span(buf, at + len, c1);
                    }
            }
    printf("# %ld sequences\n", cases);
    is_int(bad, 0, "feed_utf8_span agrees with a plain UTF-8 decoder");
}

int main(void)
{
    test_utf8_span();
    test_equivalence();
    test_fallbacks();
    test_rewrite();
    test_content_if_no_summary();
    test_elide_rewrite();
    test_elide_parse();
    return tap_done();
}
