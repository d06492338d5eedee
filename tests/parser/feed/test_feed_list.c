/*
 * test_feed_list.c — feed_list_parse(): text lists (names, comments, bad
 * schemes with path:line) and OPML (nested outlines, title/text names).
 */
#include "parser.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static fs_code parse_fixture(const char *name, struct feed_list *list,
                             fs_error *err)
{
    struct strbuf data = STRBUF_INIT;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", FEED_FIXTURES, name);
    if (fs_read_file(path, &data, 0, err) != FS_OK) {
        printf("# %s\n", err->msg);
        exit(1);
    }
    fs_code rc = feed_list_parse(data.buf, data.len, name, list, err);
    strbuf_release(&data);
    return rc;
}

int main(void)
{
    struct feed_list l;
    fs_error err = {0};

    is_int(parse_fixture("feeds.txt", &l, &err), FS_OK, "text: parses");
    is_int(l.n_entries, 3, "text: comments and blank lines skipped");
    if (l.n_entries == 3) {
        is_str(l.entries[0].url, "https://www.miningweekly.com/rss",
               "text: url");
        is_str(l.entries[0].name, "Mining Weekly", "text: name after spaces");
        is_int(l.entries[0].line, 2, "text: line number");
        is_str(l.entries[1].url, "http://example.com/feed.xml",
               "text: leading whitespace");
        is_str(l.entries[1].name, NULL, "text: no name is NULL");
        is_int(l.entries[1].line, 4, "text: line counts blank lines");
        is_str(l.entries[2].url, "file:///tmp/local.xml", "text: file URL");
        is_str(l.entries[2].name, "Local file  feed", "text: name kept whole");
    }
    feed_list_release(&l);

    is_int(parse_fixture("feeds-bad.txt", &l, &err), FS_EINVAL,
           "text: ftp URL refused");
    ok(strstr(err.msg, "feeds-bad.txt:4:") != NULL,
       "text: error names path:line");
    is_int(l.n_entries, 0, "text: nothing half-parsed on error");
    feed_list_release(&l);

    is_int(feed_list_parse("example.com/rss\n", 16, "x.txt", &l, &err),
           FS_EINVAL, "text: URL without scheme refused");
    feed_list_release(&l);

    static const char bom_crlf[] = "\xEF\xBB\xBFhttps://a.example/rss\r\n"
                                   "# c\r\nhttp://b.example/ B\r\n";
    is_int(feed_list_parse(bom_crlf, sizeof(bom_crlf) - 1, "w.txt", &l, &err),
           FS_OK, "text: BOM and CRLF accepted");
    is_int(l.n_entries, 2, "text: BOM/CRLF entries");
    if (l.n_entries == 2) {
        is_str(l.entries[0].url, "https://a.example/rss", "text: BOM skipped");
        is_str(l.entries[1].name, "B", "text: CR not in the name");
    }
    feed_list_release(&l);

    is_int(feed_list_parse("", 0, "empty.txt", &l, &err), FS_OK,
           "text: empty list is fine");
    is_int(l.n_entries, 0, "text: empty list has no entries");
    feed_list_release(&l);

    is_int(parse_fixture("feeds.opml", &l, &err), FS_OK, "opml: parses");
    is_int(l.n_entries, 3, "opml: every outline with xmlUrl, nested too");
    if (l.n_entries == 3) {
        is_str(l.entries[0].url, "https://www.miningweekly.com/rss",
               "opml: url");
        is_str(l.entries[0].name, "Mining Weekly News", "opml: title wins");
        is_str(l.entries[1].name, "Reuters Commodities", "opml: else text");
        is_str(l.entries[2].url, "http://example.org/top.rss",
               "opml: xmlurl in any case");
        is_str(l.entries[2].name, NULL, "opml: no name is NULL");
        ok(l.entries[0].line > 1, "opml: line number recorded");
    }
    feed_list_release(&l);

    static const char bad_opml[] =
        "<opml><body><outline xmlUrl=\"javascript:alert(1)\"/></body></opml>";
    is_int(feed_list_parse(bad_opml, sizeof(bad_opml) - 1, "bad.opml", &l,
                           &err),
           FS_EINVAL, "opml: bad scheme refused");
    ok(strstr(err.msg, "bad.opml:1:") != NULL, "opml: error names path:line");
    feed_list_release(&l);

    static const char broken[] = "<opml><body><outline xmlUrl=\"http://a/\">";
    is_int(feed_list_parse(broken, sizeof(broken) - 1, "b.opml", &l, &err),
           FS_OK, "opml: truncated file recovered");
    is_int(l.n_entries, 1, "opml: truncated file keeps its outline");
    feed_list_release(&l);
    return tap_done();
}
