/*
 * test_feed.c — feed_parse() on RSS 2.0, RSS 1.0, Atom 1.0 and 0.3
 * samples, xml:base, encodings, malformed and hostile documents, plus
 * feed_to_json() and feed_item_key().
 */
#include "parser.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static fs_code parse_fixture(const char *name, const char *base,
                             const char *charset, struct feed *feed)
{
    struct strbuf data = STRBUF_INIT;
    char path[512];
    fs_error err = {0};
    snprintf(path, sizeof(path), "%s/%s", FEED_FIXTURES, name);
    if (fs_read_file(path, &data, 0, &err) != FS_OK) {
        printf("# %s\n", err.msg);
        exit(1);
    }
    fs_code rc = feed_parse(data.buf, data.len, base, charset, feed, &err);
    strbuf_release(&data);
    return rc;
}

static const char *date_str(int64_t t, char buf[32])
{
    if (t == FS_TIME_NONE)
        return NULL;
    fs_time_rfc3339(t, buf);
    return buf;
}

static int errors_mention(const struct feed *f, const char *needle)
{
    for (size_t i = 0; i < f->n_errors; i++)
        if (strstr(f->errors[i], needle))
            return 1;
    return 0;
}

static void test_rss20(void)
{
    struct feed f;
    char d[32];
    ok(parse_fixture("rss20.xml", "http://base.example/dir/feed.xml", NULL,
                     &f) == FS_OK, "rss20: parses");
    is_str(feed_format_name(f.format), "rss20", "rss20: format");
    is_str(f.title, "Metals & Mining", "rss20: entity in title decoded");
    is_str(f.link, "https://news.example.com/",
           "rss20: channel link, atom:link rel=self ignored");
    is_str(f.description, "Daily <b>metals</b> news",
           "rss20: escaped HTML description is markup");
    is_str(f.language, "en-gb", "rss20: language");
    is_str(date_str(f.updated, d), "2025-04-20T10:00:00Z",
           "rss20: lastBuildDate to UTC");
    is_int(f.n_items, 2, "rss20: two items");
    struct feed_item *it = &f.items[0];
    is_str(it->id, "tag:news.example.com,2025:1", "rss20: guid is id");
    is_str(it->link, "http://base.example/2025/04/quotas",
           "rss20: relative link resolved against the document URL");
    is_str(it->author, "Jane Doe", "rss20: dc:creator");
    is_str(date_str(it->published, d), "2025-04-20T10:00:00Z",
           "rss20: pubDate");
    is_str(it->summary,
           "<p>Mining &amp; smelting <a href=\"http://base.example/more\">"
           "quotas</a></p>",
           "rss20: CDATA description kept as HTML, href resolved");
    is_str(it->content,
           "<p>Full text with <img src=\"http://base.example/dir/img/q.png\">"
           "</p>",
           "rss20: content:encoded, img src resolved");
    is_int(it->n_categories, 2, "rss20: two categories");
    is_str(it->n_categories > 1 ? it->categories[1] : NULL, "China",
           "rss20: categories in document order");
    is_int(it->n_enclosures, 1, "rss20: enclosure");
    if (it->n_enclosures) {
        is_str(it->enclosures[0].url, "https://cdn.example.com/a.mp3",
               "rss20: enclosure url");
        is_str(it->enclosures[0].type, "audio/mpeg", "rss20: enclosure type");
        is_int(it->enclosures[0].length, 12345, "rss20: enclosure length");
    }
    it = &f.items[1];
    is_str(it->title, "1 < 2", "rss20: plain-text title unescaped");
    is_str(it->link, "https://news.example.com/guid-link",
           "rss20: permalink guid becomes the link");
    ok(it->published == FS_TIME_NONE, "rss20: bad pubDate is none, not now");
    ok(errors_mention(&f, "not a date"), "rss20: bad pubDate is an error");

    char *key = feed_item_key(&f.items[0]);
    is_str(key, "tag:news.example.com,2025:1", "key: id first");
    free(key);

    json_t *j = feed_to_json(&f);
    is_str(json_string_value(json_object_get(j, "format")), "rss20",
           "json: format");
    json_t *item = json_array_get(json_object_get(j, "items"), 0);
    is_str(json_string_value(json_object_get(item, "published")),
           "2025-04-20T10:00:00Z", "json: RFC 3339 date");
    ok(json_is_null(json_object_get(item, "updated")),
       "json: absent date is null");
    json_t *enc = json_array_get(json_object_get(item, "enclosures"), 0);
    is_int(json_integer_value(json_object_get(enc, "length")), 12345,
           "json: enclosure length is a number");
    is_int(json_array_size(json_object_get(j, "errors")), 1,
           "json: errors listed");
    json_decref(j);
    feed_release(&f);
}

static void test_atom10(void)
{
    struct feed f;
    char d[32];
    ok(parse_fixture("atom10.xml", NULL, NULL, &f) == FS_OK, "atom10: parses");
    is_str(feed_format_name(f.format), "atom10", "atom10: format");
    is_str(f.title, "A <em>blog</em>", "atom10: type=html title");
    is_str(f.description, "x < y", "atom10: type=text subtitle unescaped");
    is_str(f.link, "http://example.org/blog/index.html",
           "atom10: alternate link resolved against xml:base");
    is_str(f.language, "fr", "atom10: xml:lang of the feed");
    is_str(date_str(f.updated, d), "2025-04-20T08:00:00Z",
           "atom10: fractional seconds and offset");
    struct feed_item *it = &f.items[0];
    is_str(it->id, "urn:uuid:1", "atom10: id");
    is_str(it->link, "http://example.org/blog/posts/one.html",
           "atom10: nested xml:base");
    is_str(it->author, "Ann (ann@example.org)", "atom10: Name (email)");
    is_str(date_str(it->published, d), "2025-04-19T00:00:00Z",
           "atom10: date-only published");
    is_str(it->summary,
           "See <a href=\"http://example.org/blog/posts/two.html\">two</a> "
           "&amp; more",
           "atom10: xhtml summary without its div, href resolved");
    is_str(it->content, "<p>Hello</p>", "atom10: type=html content");
    is_str(it->n_categories ? it->categories[0] : NULL, "metals",
           "atom10: category term");
    is_str(it->n_enclosures ? it->enclosures[0].url : NULL,
           "http://example.org/blog/posts/ep1.ogg",
           "atom10: link rel=enclosure");
    is_int(f.n_errors, 0, "atom10: no errors");
    feed_release(&f);
}

static void test_atom03_rdf(void)
{
    struct feed f;
    char d[32];
    ok(parse_fixture("atom03.xml", NULL, NULL, &f) == FS_OK, "atom03: parses");
    is_str(feed_format_name(f.format), "atom03", "atom03: format");
    is_str(f.title, "<b>Old</b> Atom", "atom03: escaped text/html title");
    is_str(f.description, "plain & simple", "atom03: tagline");
    is_str(f.items[0].content, "<p>Hi</p>", "atom03: base64 content decoded");
    is_str(f.items[0].summary, "<div><b>bold</b></div>",
           "atom03: mode=xml keeps the div");
    is_str(date_str(f.items[0].published, d), "2004-01-01T05:00:00Z",
           "atom03: issued");
    feed_release(&f);

    ok(parse_fixture("rdf.xml", NULL, NULL, &f) == FS_OK, "rdf: parses");
    is_str(feed_format_name(f.format), "rss10", "rdf: format");
    is_str(f.language, "de", "rdf: dc:language");
    is_str(date_str(f.updated, d), "2004-07-09T04:56:58Z", "rdf: dc:date");
    is_int(f.n_items, 1, "rdf: items outside the channel");
    is_str(f.items[0].id, "http://example.com/1", "rdf: rdf:about is id");
    is_str(date_str(f.items[0].updated, d), "2004-07-09T10:00:00Z",
           "rdf: item dc:date is updated");
    is_str(date_str(f.items[0].published, d), "2004-07-08T00:00:00Z",
           "rdf: dcterms:issued is published");
    is_str(f.items[0].n_categories ? f.items[0].categories[0] : NULL, "topic",
           "rdf: dc:subject");
    feed_release(&f);
}

static void test_encodings(void)
{
    struct feed f;
    parse_fixture("latin1.xml", NULL, NULL, &f);
    is_str(f.title, "Caf\xC3\xA9 \xE2\x80\x9C" "cr\xC3\xA8me\xE2\x80\x9D",
           "latin-1 declared, C1 bytes read as Windows-1252");
    is_int(f.n_errors, 0, "latin-1: no errors");
    feed_release(&f);

    parse_fixture("cp1252.xml", NULL, NULL, &f);
    is_str(f.title, "5 \xE2\x82\xAC \xE2\x80\x93 \xE2\x80\x9Cok\xE2\x80\x9D",
           "windows-1252");
    feed_release(&f);

    parse_fixture("utf16.xml", NULL, NULL, &f);
    is_str(f.title, "UTF-16 caf\xC3\xA9 \xE6\x96\xB0\xE8\x81\x9E",
           "UTF-16LE with BOM");
    is_int(f.n_errors, 0, "UTF-16: no errors");
    feed_release(&f);

    /* UTF-16BE with neither BOM nor declaration: "<rss><channel><title>
     * caf\u00e9</title>..." */
    static const char u16[] =
        "\0<\0r\0s\0s\0>\0<\0t\0i\0t\0l\0e\0>\0c\0a\0f\0\xE9"
        "\0<\0/\0t\0i\0t\0l\0e\0>\0<\0/\0r\0s\0s\0>";
    fs_error err = {0};
    feed_parse(u16, sizeof(u16) - 1, NULL, NULL, &f, &err);
    is_str(f.title, "caf\xC3\xA9",
           "UTF-16BE sniffed without BOM or declaration");
    feed_release(&f);

    parse_fixture("koi8.xml", NULL, "koi8-r", &f);
    is_str(f.title,
           "\xD0\x9D\xD0\xBE\xD0\xB2\xD0\xBE\xD1\x81\xD1\x82\xD0\xB8",
           "HTTP charset wins over the XML declaration");
    feed_release(&f);

    parse_fixture("koi8.xml", NULL, NULL, &f);
    ok(f.n_errors > 0, "wrong declared encoding is an error");
    ok(f.title && fs_utf8_valid(f.title, strlen(f.title)),
       "wrong declared encoding still gives valid UTF-8");
    feed_release(&f);
}

static void test_malformed(void)
{
    struct feed f;
    ok(parse_fixture("malformed.xml", NULL, NULL, &f) == FS_OK,
       "malformed: recovered");
    is_str(f.title, "Broken \xC2\xA0" "feed \xC3\xA9 &bogus; AT&T",
           "malformed: HTML entities decoded, unknown kept, bare & kept");
    ok(errors_mention(&f, "&nbsp;"), "malformed: HTML entity reported");
    ok(f.n_items >= 1, "malformed: items recovered");
    is_str(f.n_items ? f.items[0].link : NULL, "http://example.com/?a=1&b=2",
           "malformed: bare ampersand in link");
    feed_release(&f);

    ok(parse_fixture("undeclared-ns.xml", NULL, NULL, &f) == FS_OK,
       "undeclared prefix: recovered");
    ok(f.n_errors > 0, "undeclared prefix: is an error");
    is_str(f.n_items ? f.items[0].author : NULL, "Bob",
           "undeclared prefix: dc:creator still read");
    feed_release(&f);

    fs_error err = {0};
    static const char charref[] =
        "<rss version=\"2.0\"><channel><title>a &#1114112; b &#xD800; c "
        "&#1; d &#146;</title></channel></rss>";
    is_int(feed_parse(charref, sizeof(charref) - 1, NULL, NULL, &f, &err),
           FS_OK, "bad character references: parsed");
    is_str(f.title,
           "a \xEF\xBF\xBD b \xEF\xBF\xBD c \xEF\xBF\xBD d \xE2\x80\x99",
           "bad character references are U+FFFD, &#146; is cp1252");
    ok(f.n_errors > 0, "bad character references: reported");
    feed_release(&f);

    static const char rel[] =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
        "<link rel=\"related\">http://x.example/related</link>"
        "<link rel=\"enclosure\" href=\"e.mp3\"/>"
        "<link rel=\"alternate\">http://x.example/alt</link></entry></feed>";
    feed_parse(rel, sizeof(rel) - 1, "http://x.example/feed", NULL, &f, &err);
    is_str(f.n_items ? f.items[0].link : NULL, "http://x.example/alt",
           "atom: only an alternate link (even without href) is the link");
    is_str(f.n_items && f.items[0].n_enclosures
               ? f.items[0].enclosures[0].url : NULL,
           "http://x.example/e.mp3", "atom: enclosure href resolved");
    feed_release(&f);

    is_int(feed_parse("", 0, NULL, NULL, &f, &err), FS_EPARSE,
           "empty document: FS_EPARSE");
    ok(f.n_errors > 0 && err.msg[0], "empty document: error recorded");
    feed_release(&f);

    is_int(feed_parse("<html><body>hi</body></html>", 28, NULL, NULL, &f,
                      &err), FS_OK, "HTML page: parsed");
    is_str(feed_format_name(f.format), "unknown", "HTML page: not a feed");
    ok(f.n_errors > 0, "HTML page: error says so");
    feed_release(&f);

    static const char nul[] = "<rss version=\"2.0\"><channel><title>a\0b"
                              "</title></channel></rss>";
    feed_parse(nul, sizeof(nul) - 1, NULL, NULL, &f, &err);
    ok(f.n_errors > 0, "NUL byte: reported");
    ok(!f.title || fs_utf8_valid(f.title, strlen(f.title)),
       "NUL byte: title still valid UTF-8");
    feed_release(&f);
}

static void test_hostile(void)
{
    struct feed f;
    clock_t t0 = clock();
    parse_fixture("xxe.xml", NULL, NULL, &f);
    ok(f.title && !strstr(f.title, "root:"), "XXE: /etc/passwd not read");
    ok(f.n_items && (!f.items[0].summary ||
                     !strstr(f.items[0].summary, "root:")),
       "XXE: not in the description either");
    ok(f.title && strstr(f.title, "harmless text"),
       "internal plain-text entity expanded");
    ok(errors_mention(&f, "&xxe; is never loaded"),
       "XXE: the external entity is reported");
    feed_release(&f);

    parse_fixture("billion-laughs.xml", NULL, NULL, &f);
    size_t total = f.title ? strlen(f.title) : 0;
    for (size_t i = 0; i < f.n_items; i++)
        total += (f.items[i].title ? strlen(f.items[i].title) : 0) +
                 (f.items[i].summary ? strlen(f.items[i].summary) : 0);
    ok(total < 100000, "billion laughs: no expansion");
    ok(f.n_errors > 0, "billion laughs: reported");
    feed_release(&f);
    ok((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0,
       "hostile feeds parse quickly");
}

/* Parse an inline document (no base URL, no HTTP charset). */
static void parse_str(const char *doc, struct feed *f)
{
    fs_error err = {0};
    feed_parse(doc, strlen(doc), NULL, NULL, f, &err);
}

static void test_edge_cases(void)
{
    struct feed f;
    parse_str("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\" "
              "xml:lang=\"en_US\"><title xml:lang=\"fr\">t</title></feed>",
              &f);
    is_str(f.language, "en-US", "xml:lang of the root, _ read as -");
    feed_release(&f);

    parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><item><title>a"
              "</title></item><entry><title>b</title><image><title>no</title>"
              "</image></entry></feed>",
              &f);
    is_int(f.n_items, 2, "item and entry are both items");
    is_str(f.n_items == 2 ? f.items[1].title : NULL, "b",
           "only the entry's own title counts");
    feed_release(&f);

    parse_str("<r:rss version=\"2.0\" xmlns:r=\"http://backend.userland.com/"
              "rss2\" xmlns:x=\"http://x.example/\"><r:channel><r:item>"
              "<x:description>wrong</x:description><r:description>right"
              "</r:description></r:item></r:channel></r:rss>",
              &f);
    is_str(f.n_items ? f.items[0].summary : NULL, "right",
           "prefixed RSS namespace; same local name elsewhere ignored");
    feed_release(&f);

    parse_str("<rss xmlns=\"http://backend.userland.com/rss2.1\"><channel>"
              "<description>d</description></channel></rss>",
              &f);
    is_str(f.description, "d", "unknown default namespace is the feed's own");
    is_int(f.n_errors, 0, "unknown default namespace is no error");
    feed_release(&f);

    parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
              "<issued>2004-01-01T00:00:00Z</issued>"
              "<published>2010-01-01T00:00:00Z</published>"
              "<updated>bad</updated></entry></feed>",
              &f);
    char d[32];
    is_str(date_str(f.items[0].published, d), "2010-01-01T00:00:00Z",
           "a later date element overrides an earlier one");
    ok(f.items[0].updated == FS_TIME_NONE, "bad updated stays none");
    feed_release(&f);

    parse_str("<rss version=\"2.0\"><channel><item><title>t</title>"
              "<pubDate></pubDate></item></channel></rss>",
              &f);
    ok(f.items[0].published == FS_TIME_NONE && f.n_errors == 0,
       "empty pubDate: no date, no error");
    feed_release(&f);

    parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
              "<content type=\"html\"><div xmlns=\"http://www.w3.org/1999/"
              "xhtml\">Example &lt;b&gt;Atom&lt;/b&gt;</div></content>"
              "<title type=\"\">evil</title></entry></feed>",
              &f);
    is_str(f.items[0].content, "Example <b>Atom</b>",
           "TypePad: div around escaped HTML is a wrapper");
    is_str(f.items[0].title, "evil", "empty type means text");
    feed_release(&f);

    parse_str("<rss xmlns:content=\"http://purl.org/rss/1.0/modules/content/"
              "\" xml:base=\"http://any.test/\"><channel><item>"
              "<content:encoded>&lt;a href=&quot;&#192;&quot;&gt;u&lt;/a&gt;"
              "</content:encoded><description><p>naked <b>markup</b></p>"
              "</description></item></channel></rss>",
              &f);
    is_str(f.items[0].content, "<a href=\"http://any.test/\xC3\x80\">u</a>",
           "non-ASCII relative URI resolved and kept readable");
    is_str(f.items[0].summary, "<p>naked <b>markup</b></p>",
           "unescaped markup in description serialized");
    feed_release(&f);
}

/* update_interval: RSS <ttl> minutes, else sy:updatePeriod divided by
 * sy:updateFrequency; 0 for absent or garbage hints. */
static int64_t interval_of(const char *channel_children)
{
    struct strbuf doc = STRBUF_INIT;
    struct feed f;
    strbuf_addf(&doc,
                "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/"
                "modules/syndication/\"><channel><title>t</title>%s"
                "<item><title>i</title><ttl>999</ttl></item></channel></rss>",
                channel_children);
    parse_str(doc.buf, &f);
    int64_t v = f.update_interval;
    feed_release(&f);
    strbuf_release(&doc);
    return v;
}

static void test_update_interval(void)
{
    is_int(interval_of(""), 0, "no hint: 0 (an item's ttl is not the feed's)");
    is_int(interval_of("<ttl>60</ttl>"), 3600, "ttl minutes to seconds");
    is_int(interval_of("<ttl> 15 </ttl>"), 900, "ttl with spaces");
    is_int(interval_of("<ttl>0</ttl>"), 0, "ttl 0: no hint");
    is_int(interval_of("<ttl>-5</ttl>"), 0, "negative ttl: garbage");
    is_int(interval_of("<ttl>1h</ttl>"), 0, "ttl with a unit: garbage");
    is_int(interval_of("<ttl>99999999999999999999</ttl>"), 0,
           "overflowing ttl: garbage");
    is_int(interval_of("<ttl>1000000</ttl>"), 0,
           "ttl of two years: beyond the cap, garbage");
    is_int(interval_of("<sy:updatePeriod>hourly</sy:updatePeriod>"), 3600,
           "sy:updatePeriod hourly, frequency defaults to 1");
    is_int(interval_of("<sy:updateFrequency>2</sy:updateFrequency>"
                       "<sy:updatePeriod> Daily </sy:updatePeriod>"),
           43200, "daily / 2 in either order, case forgiven");
    is_int(interval_of("<sy:updatePeriod>weekly</sy:updatePeriod>"),
           7 * 86400, "weekly");
    is_int(interval_of("<sy:updatePeriod>monthly</sy:updatePeriod>"),
           30 * 86400, "monthly is 30 days");
    is_int(interval_of("<sy:updatePeriod>yearly</sy:updatePeriod>"),
           365 * 86400, "yearly is 365 days");
    is_int(interval_of("<sy:updatePeriod>fortnightly</sy:updatePeriod>"), 0,
           "unknown period: garbage");
    is_int(interval_of("<sy:updatePeriod>hourly</sy:updatePeriod>"
                       "<sy:updateFrequency>zero</sy:updateFrequency>"),
           0, "garbage frequency spoils the hint");
    is_int(interval_of("<sy:updatePeriod>hourly</sy:updatePeriod>"
                       "<sy:updateFrequency>0</sy:updateFrequency>"),
           0, "frequency 0 (no division by zero)");
    is_int(interval_of("<sy:updatePeriod>hourly</sy:updatePeriod>"
                       "<sy:updateFrequency>7200</sy:updateFrequency>"),
           0, "more than once a second rounds to 0: no hint");
    is_int(interval_of("<sy:updatePeriod>daily</sy:updatePeriod>"
                       "<ttl>30</ttl>"),
           1800, "ttl wins over sy:");
    is_int(interval_of("<x:updatePeriod xmlns:x=\"http://other.example/\">"
                       "hourly</x:updatePeriod>"),
           0, "same local name in another namespace ignored");

    struct feed f;
    parse_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-"
              "ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:s=\"http://"
              "purl.org/rss/1.0/modules/syndication/\"><channel><title>t"
              "</title><s:updatePeriod>hourly</s:updatePeriod>"
              "<s:updateFrequency>4</s:updateFrequency></channel></rdf:RDF>",
              &f);
    is_int(f.update_interval, 900, "RSS 1.0, any prefix for the sy: URI");
    json_t *j = feed_to_json(&f);
    is_int(json_integer_value(json_object_get(j, "update_interval")), 900,
           "JSON update_interval");
    json_decref(j);
    feed_release(&f);
    parse_str("<rss><channel><title>t</title></channel></rss>", &f);
    j = feed_to_json(&f);
    ok(json_is_null(json_object_get(j, "update_interval")),
       "JSON update_interval null without a hint");
    json_decref(j);
    feed_release(&f);
}

/* UTF-8 is first trusted and parsed unchecked; a byte libxml2 cannot
 * read as UTF-8 makes feed_parse start over with the check, so the
 * Windows-1252 fallback and its single error apply as before. */
static void test_utf8_retry(void)
{
    struct feed f;
    parse_str("<rss version=\"2.0\"><channel><title>caf\xE9 &amp; "
              "cr\xE8me</title><item><title>\x93quoted\x94</title></item>"
              "</channel></rss>",
              &f);
    is_str(f.title, "caf\xC3\xA9 & cr\xC3\xA8me",
           "invalid UTF-8: read again as Windows-1252");
    is_str(f.n_items ? f.items[0].title : NULL,
           "\xE2\x80\x9Cquoted\xE2\x80\x9D", "... smart quotes too");
    is_int(f.n_errors, 1, "one error, none left from the first attempt");
    ok(f.n_errors && strstr(f.errors[0], "not valid UTF-8"),
       "the error says the document is not UTF-8");
    feed_release(&f);

    parse_str("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\">"
              "<channel><title>ok \xC3\xA9</title><description>a\x01b"
              "</description></channel></rss>",
              &f);
    is_str(f.title, "ok \xC3\xA9", "valid UTF-8 with a C0 control: kept");
    ok(f.n_errors >= 1, "the forbidden control is reported");
    feed_release(&f);
}

static void test_srcset_and_size(void)
{
    struct feed f;
    fs_error err = {0};
    static const char srcset[] =
        "<rss><channel><item><description>&lt;img srcset=\"/a.png, "
        "b/c.png 2x\" src=x.png&gt;</description></item></channel></rss>";
    feed_parse(srcset, sizeof(srcset) - 1, "http://h.example/d/feed", NULL,
               &f, &err);
    is_str(f.n_items ? f.items[0].summary : NULL,
           "<img srcset=\"http://h.example/a.png, http://h.example/d/b/c.png "
           "2x\" src=\"http://h.example/d/x.png\">",
           "srcset candidates and unquoted src resolved");
    feed_release(&f);

    /* A big feed parses in linear time. */
    struct strbuf big = STRBUF_INIT;
    strbuf_addstr(&big, "<rss version=\"2.0\"><channel><title>big</title>");
    for (int i = 0; i < 5000; i++)
        strbuf_addf(&big,
                    "<item><title>Item %d &amp; more</title><link>/i/%d</link>"
                    "<pubDate>Sun, 20 Apr 2025 10:00:00 GMT</pubDate>"
                    "<description>&lt;p&gt;text %d&lt;/p&gt;</description>"
                    "</item>",
                    i, i, i);
    strbuf_addstr(&big, "</channel></rss>");
    clock_t t0 = clock();
    is_int(feed_parse(big.buf, big.len, "http://h.example/", NULL, &f, &err),
           FS_OK, "big feed: parses");
    is_int(f.n_items, 5000, "big feed: all items");
    is_str(f.n_items == 5000 ? f.items[4999].link : NULL,
           "http://h.example/i/4999", "big feed: last item intact");
    ok((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "big feed: fast");
    feed_release(&f);
    strbuf_release(&big);
}

static void test_item_key(void)
{
    struct feed_item a = {0}, b = {0};
    a.title = "Quotas";
    a.published = 1745143200;
    a.updated = FS_TIME_NONE;
    b = a;
    char *ka = feed_item_key(&a), *kb = feed_item_key(&b);
    ok(ka && !strncmp(ka, "fnv1a64:", 8), "key: hash when no id or link");
    is_str(ka, kb, "key: stable");
    b.published = 1745143201;
    char *kc = feed_item_key(&b);
    ok(strcmp(ka, kc) != 0, "key: depends on the date");
    free(ka);
    free(kb);
    free(kc);
    a.link = "https://x.example/1";
    ka = feed_item_key(&a);
    is_str(ka, "https://x.example/1", "key: link when no id");
    free(ka);
}

int main(void)
{
    test_rss20();
    test_atom10();
    test_atom03_rdf();
    test_encodings();
    test_malformed();
    test_hostile();
    test_edge_cases();
    test_update_interval();
    test_utf8_retry();
    test_srcset_and_size();
    test_item_key();
    return tap_done();
}
