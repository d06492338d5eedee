/*
 * cmd_extract.c — `feedsift extract [--base-url URL] [--json] FILE|-`:
 * print the main article text of one HTML page (or its metadata and text
 * as one JSON object).
 *
 * Plain output is the text alone, paragraphs separated by blank lines, so
 * it can be piped or diffed; an empty article prints nothing and exits 0.
 */
#include "cli.h"
#include "parser.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Pages larger than this are not articles; refuse rather than swap. */
#define EXTRACT_MAX_BYTES (64u * 1024 * 1024)

static const char EXTRACT_HELP[] =
    "usage: feedsift extract [--base-url URL] [--json] FILE|-\n"
    "\n"
    "Print the main article text of an HTML page (FILE, or - for stdin),\n"
    "without navigation, ads, share bars, comments or related headlines.\n"
    "Paragraphs are separated by blank lines.\n"
    "\n"
    "Options:\n"
    "  --base-url URL  the page's address (resolves a relative canonical URL)\n"
    "  --json          print one JSON object: title, byline, published\n"
    "                  (RFC 3339 UTC), published_raw, canonical_url,\n"
    "                  site_name, language, text\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 ok (also for a page without article text), 1 the file\n"
    "cannot be read or is not HTML, 2 bad command line.\n";

int cmd_extract(int argc, char **argv)
{
    static const struct option opts[] = {
        {"base-url", required_argument, NULL, 'b'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *base_url = NULL;
    int json = 0, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            base_url = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            return cli_help(EXTRACT_HELP);
        default:
            return cli_usage_error("extract", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("extract", "expected one FILE (or - for "
                               "stdin)");
    const char *path = argv[optind];

    fs_error err = {0};
    struct strbuf page = STRBUF_INIT;
    if (fs_read_file(path, &page, EXTRACT_MAX_BYTES, &err) != FS_OK) {
        strbuf_release(&page);
        return cli_fail("extract", &err);
    }
    struct article art;
    fs_code rc = article_extract(page.buf, page.len, base_url, &art, &err);
    strbuf_release(&page);
    if (rc != FS_OK) {
        fs_error named;
        fs_error_set(&named, rc, "%s: %s",
                     strcmp(path, "-") == 0 ? "(stdin)" : path, err.msg);
        article_release(&art);
        return cli_fail("extract", &named);
    }
    if (json) {
        json_t *o = article_to_json(&art);
        cli_print_json(stdout, o, 0);
        json_decref(o);
    } else if (art.text && *art.text) {
        fputs(art.text, stdout);
        fputc('\n', stdout);
    }
    article_release(&art);
    return EXIT_OK;
}
