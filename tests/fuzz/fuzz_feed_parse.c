/*
 * fuzz_feed_parse.c — feed_parse() on arbitrary bytes.
 *
 * The first byte picks the HTTP charset handed in (none, utf-8, a legacy
 * single-byte one, utf-16, a bogus name), the rest is the document.  Every
 * string of the result must be valid UTF-8, and the JSON rendering and
 * item keys must work on whatever came out.  Then the crawl's parse
 * (FEED_PARSE_CONTENT_IF_NO_SUMMARY), which elides content bodies
 * (feed_cdata.c), must give exactly what it gives without eliding.
 */
#include "feed_internal.h"
#include "fuzz.h"
#include "parser.h"

static const char *const charsets[] = {
    NULL, "utf-8", "iso-8859-1", "utf-16", "koi8-r", "no-such-charset",
};

static void check_item(const struct feed_item *it)
{
    fuzz_check_utf8("item id", it->id);
    fuzz_check_utf8("item title", it->title);
    fuzz_check_utf8("item link", it->link);
    fuzz_check_utf8("item author", it->author);
    fuzz_check_utf8("item summary", it->summary);
    fuzz_check_utf8("item content", it->content);
    for (size_t i = 0; i < it->n_categories; i++)
        fuzz_check_utf8("item category", it->categories[i]);
    for (size_t i = 0; i < it->n_enclosures; i++) {
        fuzz_check_utf8("enclosure url", it->enclosures[i].url);
        fuzz_check_utf8("enclosure type", it->enclosures[i].type);
    }
    free(feed_item_key(it));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *charset = NULL;
    if (size) {
        charset = charsets[data[0] % (sizeof(charsets) / sizeof(*charsets))];
        data++;
        size--;
    }
    struct feed feed;
    fs_error err;
    (void)feed_parse((const char *)data, size, "http://example.com/feeds/a.xml",
                     charset, &feed, &err);
    fuzz_check_utf8("feed title", feed.title);
    fuzz_check_utf8("feed link", feed.link);
    fuzz_check_utf8("feed description", feed.description);
    fuzz_check_utf8("feed language", feed.language);
    for (size_t i = 0; i < feed.n_items; i++)
        check_item(&feed.items[i]);
    for (size_t i = 0; i < feed.n_errors; i++)
        fuzz_check_utf8("feed error", feed.errors[i]);
    json_t *j = feed_to_json(&feed);
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) {
        fprintf(stderr, "fuzz: feed_to_json() gave JSON that cannot be dumped\n");
        abort();
    }
    free(s);
    json_decref(j);
    feed_release(&feed);

    char *with[2];
    for (int elide = 0; elide < 2; elide++) {
        (void)feed_parse_elide((const char *)data, size,
                               "http://example.com/feeds/a.xml", charset,
                               FEED_PARSE_CONTENT_IF_NO_SUMMARY, elide, NULL,
                               &feed, &err);
        j = feed_to_json(&feed);
        with[elide] = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        feed_release(&feed);
    }
    if (!with[0] || !with[1] || strcmp(with[0], with[1])) {
        fprintf(stderr, "fuzz: eliding content changed the crawl's parse\n");
        abort();
    }
    free(with[0]);
    free(with[1]);
    return 0;
}
