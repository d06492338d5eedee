/*
 * fuzz_article_extract.c — article_extract() on arbitrary bytes.
 *
 * Every string of the article must be valid UTF-8 and the JSON rendering
 * must work.
 */
#include "fuzz.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct article a;
    fs_error err;
    (void)article_extract((const char *)data, size,
                          "http://example.com/news/story.html", &a, &err);
    fuzz_check_utf8("text", a.text);
    fuzz_check_utf8("title", a.title);
    fuzz_check_utf8("byline", a.byline);
    fuzz_check_utf8("published_raw", a.published_raw);
    fuzz_check_utf8("canonical_url", a.canonical_url);
    fuzz_check_utf8("site_name", a.site_name);
    fuzz_check_utf8("language", a.language);
    json_t *j = article_to_json(&a);
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) {
        fprintf(stderr, "fuzz: article_to_json() gave JSON that cannot be dumped\n");
        abort();
    }
    free(s);
    json_decref(j);
    article_release(&a);
    return 0;
}
