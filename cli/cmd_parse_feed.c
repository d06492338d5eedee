/*
 * cmd_parse_feed.c — `feedsift parse-feed [--base-url URL] FILE|-`: parse
 * one RSS/Atom/JSON Feed document and print it as one JSON object, with
 * each item's sanitised content_html (the contract in
 * the README, "parse-feed"), for debugging feeds and for the feedparser
 * conformance suite.
 *
 * The JSON is printed even when the document could not be parsed at all
 * (then with "errors" filled and no items), so scripts always get an
 * object; the exit status tells whether anything was recovered.
 */
#include "cli.h"
#include "parser.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The crawler caps feeds well below this; a file this big is no feed. */
#define PARSE_FEED_MAX_BYTES (256u * 1024 * 1024)

static const char PARSE_FEED_HELP[] =
    "usage: feedsift parse-feed [--base-url URL] [--charset NAME] [--pretty]"
    " FILE|-\n"
    "\n"
    "Parse an RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.0/1.1 feed\n"
    "(FILE, or - for stdin) and print it as one JSON object: format, title,\n"
    "link, description, language, updated, update_interval, errors[],\n"
    "items[] (id, title, link, published, updated, author, summary,\n"
    "content, content_html, categories[], enclosures[]).\n"
    "Dates are RFC 3339 UTC; absent values are null.  content_html is the\n"
    "content (else summary) sanitised for display.\n"
    "\n"
    "Options:\n"
    "  --base-url URL  the feed's address, to resolve relative links\n"
    "                  (an empty URL means none)\n"
    "  --charset NAME  the charset of the HTTP Content-Type, which overrides\n"
    "                  the XML declaration\n"
    "  --pretty        indent the JSON\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 parsed (errors[] lists recovered problems), 1 the file\n"
    "cannot be read or holds no feed at all (JSON is still printed for the\n"
    "latter), 2 bad command line.\n";

int cmd_parse_feed(int argc, char **argv)
{
    static const struct option opts[] = {
        {"base-url", required_argument, NULL, 'b'},
        {"charset", required_argument, NULL, 'c'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *base_url = NULL, *charset = NULL;
    int pretty = 0, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            base_url = *optarg ? optarg : NULL;
            break;
        case 'c':
            charset = *optarg ? optarg : NULL;
            break;
        case 'p':
            pretty = 1;
            break;
        case 'h':
            return cli_help(PARSE_FEED_HELP);
        default:
            return cli_usage_error(argv[0], "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(argv[0], "expected one FILE (or -)");
    const char *path = argv[optind];

    fs_error err = {0};
    struct strbuf data = STRBUF_INIT;
    if (fs_read_file(path, &data, PARSE_FEED_MAX_BYTES, &err) != FS_OK) {
        strbuf_release(&data);
        return cli_fail(argv[0], &err);
    }
    struct feed feed;
    fs_code rc = feed_parse(data.buf, data.len, base_url, charset, &feed,
                            &err);
    strbuf_release(&data);
    /* Nothing recovered, or not a feed at all (an HTML page): fail, but
     * the JSON with its errors still goes out first. */
    if (rc == FS_OK && feed.format == FEED_FORMAT_UNKNOWN)
        rc = FS_EPARSE;
    if (rc != FS_OK)
        fs_error_set(&err, rc, "%s: not a feed: %s", path,
                     feed.n_errors ? feed.errors[0] : "unknown format");
    feed_fill_content_html(&feed);
    json_t *json = feed_to_json(&feed);
    cli_print_json(stdout, json, pretty);
    json_decref(json);
    feed_release(&feed);
    return rc == FS_OK ? EXIT_OK : cli_fail(argv[0], &err);
}
