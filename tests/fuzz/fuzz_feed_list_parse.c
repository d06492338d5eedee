/*
 * fuzz_feed_list_parse.c — feed lists (text and OPML) on arbitrary bytes.
 *
 * Every entry the parser accepts must have a URL; URLs and names must be
 * valid UTF-8.
 */
#include "fuzz.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_list list;
    fs_error err;
    memset(&list, 0, sizeof(list));
    if (feed_list_parse((const char *)data, size, "fuzz-feeds.txt", &list,
                        &err) == FS_OK) {
        for (size_t i = 0; i < list.n_entries; i++) {
            if (!list.entries[i].url) {
                fprintf(stderr, "fuzz: feed list entry without a URL\n");
                abort();
            }
            fuzz_check_utf8("feed list url", list.entries[i].url);
            fuzz_check_utf8("feed list name", list.entries[i].name);
        }
    }
    feed_list_release(&list);
    return 0;
}
