/*
 * test_feed_json.c — JSON Feed 1.0 / 1.1 through feed_parse(): detection
 * by content, every mapped member, relative URLs (document URL, else
 * feed_url), members of the wrong type, and invalid JSON (FS_EPARSE with
 * jansson's line and column).
 */
#include "parser.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static fs_code parse_fixture(const char *name, const char *base,
                             struct feed *feed, fs_error *err)
{
    struct strbuf data = STRBUF_INIT;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", FEED_FIXTURES, name);
    if (fs_read_file(path, &data, 0, err) != FS_OK) {
        printf("# %s\n", err->msg);
        exit(1);
    }
    fs_code rc = feed_parse(data.buf, data.len, base, NULL, feed, err);
    strbuf_release(&data);
    return rc;
}

static fs_code parse_str(const char *doc, struct feed *f, fs_error *err)
{
    return feed_parse(doc, strlen(doc), NULL, NULL, f, err);
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

static void test_json11(void)
{
    struct feed f;
    fs_error err = {0};
    char d[32];
    ok(parse_fixture("jsonfeed11.json", "http://base.example/dir/feed.json",
                     &f, &err) == FS_OK, "1.1: parses");
    is_str(feed_format_name(f.format), "json11", "1.1: format");
    is_str(f.title, "Metals & Mining", "1.1: title is text, not escaped");
    is_str(f.link, "http://base.example/",
           "1.1: home_page_url resolved against the document URL");
    is_str(f.description, "Daily &lt;metals&gt; news",
           "1.1: plain-text description escaped as HTML");
    is_str(f.language, "en-GB", "1.1: language");
    ok(f.update_interval == 0, "1.1: no polling hint");
    is_int(f.n_items, 3, "1.1: three objects in items, a string skipped");
    ok(errors_mention(&f, "items[2]: not an object"),
       "1.1: the non-object item is reported");
    if (f.n_items != 3) {
        feed_release(&f);
        return;
    }

    struct feed_item *it = &f.items[0];
    is_str(it->id, "tag:news.example.com,2025:1", "item: id");
    is_str(it->link, "http://base.example/dir/2025/04/quotas",
           "item: relative url resolved");
    is_str(it->title, "China issues rare earth quotas", "item: title");
    is_str(it->content,
           "<p>Mining &amp; smelting <a href=\"http://base.example/more\">"
           "quotas</a> <img src=\"http://base.example/dir/img/q.png\"></p>",
           "item: content_html wins over content_text, URLs resolved");
    is_str(it->summary, "Quotas &lt; last year",
           "item: plain-text summary escaped as HTML");
    is_str(date_str(it->published, d), "2025-04-20T10:00:00Z",
           "item: date_published to UTC");
    is_str(date_str(it->updated, d), "2025-04-21T08:30:00Z",
           "item: date_modified");
    is_str(it->author, "Jane Doe, https://x.example/bob",
           "item: authors joined, url when no name");
    is_int(it->n_categories, 2, "item: string tags only");
    is_str(it->n_categories == 2 ? it->categories[1] : NULL, "China",
           "item: tags in order");
    is_int(it->n_enclosures, 2, "item: attachments without url skipped");
    if (it->n_enclosures == 2) {
        is_str(it->enclosures[0].url, "http://base.example/dir/audio/ep1.mp3",
               "attachment: url resolved");
        is_str(it->enclosures[0].type, "audio/mpeg", "attachment: mime_type");
        is_int(it->enclosures[0].length, 12345, "attachment: size_in_bytes");
        is_int(it->enclosures[1].length, -1,
               "attachment: fractional size is unknown");
    }

    it = &f.items[1];
    is_str(it->id, "12345", "numeric id coerced to a string");
    is_str(it->link, "https://elsewhere.example/story",
           "external_url is the link when there is no url");
    is_str(it->content, "Line one &amp; &lt;two&gt;<br>\nLine two",
           "content_text escaped, line breaks as <br>");
    ok(it->published == FS_TIME_NONE, "unparseable date is none");
    ok(errors_mention(&f, "items[1].date_published: not a date"),
       "unparseable date reported");
    is_str(it->author, "Desk", "top-level authors inherited");

    it = &f.items[2];
    is_str(it->title, "nul\xEF\xBF\xBD" "byte", "\\u0000 replaced, no NUL");
    ok(it->link == NULL && errors_mention(&f, "items[3].url: not a string"),
       "url of the wrong type ignored and reported");
    ok(it->n_categories == 0 &&
           errors_mention(&f, "items[3].tags: not an array"),
       "tags of the wrong type ignored and reported");

    json_t *j = feed_to_json(&f);
    is_str(json_string_value(json_object_get(j, "format")), "json11",
           "JSON: format json11");
    json_decref(j);
    feed_release(&f);

    /* Without a document URL, the feed's own feed_url is the base. */
    ok(parse_fixture("jsonfeed11.json", NULL, &f, &err) == FS_OK,
       "1.1 without base: parses");
    is_str(f.link, "https://feed-url.example/", "feed_url is the base");
    feed_release(&f);
}

static void test_json10(void)
{
    struct feed f;
    fs_error err = {0};
    ok(parse_fixture("jsonfeed10.json", NULL, &f, &err) == FS_OK,
       "1.0: parses");
    is_str(feed_format_name(f.format), "json10", "1.0: format");
    is_int(f.n_errors, 0, "1.0: clean");
    is_str(f.n_items ? f.items[0].author : NULL, "Old Style",
           "1.0: author object");
    is_str(f.n_items ? f.items[0].content : NULL, "text", "1.0: content_text");
    feed_release(&f);
}

static void test_invalid(void)
{
    struct feed f;
    fs_error err = {0};
    ok(parse_fixture("jsonfeed-invalid.json", "http://x.example/f.json", &f,
                     &err) == FS_EPARSE,
       "invalid JSON: FS_EPARSE");
    ok(strstr(err.msg, "http://x.example/f.json") != NULL,
       "invalid JSON: message names the URL");
    ok(strstr(err.msg, "line 4, column") != NULL,
       "invalid JSON: message has jansson's line and column");
    ok(f.n_errors == 1 && strstr(f.errors[0], "line 4"),
       "invalid JSON: also in errors");
    feed_release(&f);

    ok(parse_str("{\"title\": \"no version\", \"items\": []}", &f, &err) ==
           FS_EPARSE,
       "JSON without version: FS_EPARSE");
    ok(strstr(err.msg, "not a feed") != NULL, "... not a feed");
    feed_release(&f);

    ok(parse_str("{\"version\": \"https://example.com/version/1\"}", &f,
                 &err) == FS_EPARSE,
       "foreign version URL: FS_EPARSE");
    feed_release(&f);

    ok(parse_str("\xEF\xBB\xBF  \n{\"version\": \"http://jsonfeed.org/version/"
                 "1.2\", \"title\": \"caf\xE9\", \"items\": {}}",
                 &f, &err) == FS_OK,
       "BOM, http:// version, Latin-1 byte: still parsed");
    is_str(feed_format_name(f.format), "json11", "later version read as 1.1");
    ok(errors_mention(&f, "unknown JSON Feed version '1.2'"),
       "later version reported");
    ok(errors_mention(&f, "invalid UTF-8"), "invalid UTF-8 reported");
    is_str(f.title, "caf\xEF\xBF\xBD", "invalid byte replaced");
    ok(errors_mention(&f, "feed.items: not an array"), "items object reported");
    feed_release(&f);

    /* Deep nesting is jansson's problem, bounded by its depth limit. */
    struct strbuf deep = STRBUF_INIT;
    strbuf_addstr(&deep, "{\"version\":\"https://jsonfeed.org/version/1\","
                         "\"x\":");
    for (int i = 0; i < 100000; i++)
        strbuf_addch(&deep, '[');
    ok(feed_parse(deep.buf, deep.len, NULL, NULL, &f, &err) == FS_EPARSE,
       "100000 nested arrays: FS_EPARSE, no stack overflow");
    feed_release(&f);
    strbuf_release(&deep);

    ok(parse_str("  <rss><channel><title>{x}</title></channel></rss>", &f,
                 &err) == FS_OK &&
           f.format == FEED_FORMAT_RSS20,
       "XML is still XML");
    feed_release(&f);
}

int main(void)
{
    test_json11();
    test_json10();
    test_invalid();
    return tap_done();
}
