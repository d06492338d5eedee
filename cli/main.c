/*
 * main.c — the feedsift command: global options and subcommand dispatch.
 */
#include "cli.h"
#include "fetcher.h"
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"crawl", cmd_crawl, "fetch feeds and articles, classify, store"},
    {"feeds", cmd_feeds, "list feeds with status and schedule; enable/disable"},
    {"list", cmd_list, "list stored headlines with their tags"},
    {"alerts", cmd_alerts, "alerts on watched tags: list, watch, deliver, digest"},
    {"search", cmd_search, "full-text search, best match first"},
    {"show", cmd_show, "one item in full: sources, versions, evidence"},
    {"mark", cmd_mark, "mark an item relevant or irrelevant"},
    {"tags", cmd_tags, "items per tag per day or week"},
    {"stats", cmd_stats, "what the database holds"},
    {"export", cmd_export, "items as JSON lines or CSV; labeled sets"},
    {"report", cmd_report, "HTML page of tagged headlines by tag"},
    {"prune", cmd_prune, "delete old items"},
    {"classify", cmd_classify, "tag a piece of text and show the evidence"},
    {"rules", cmd_rules, "rules files: check, test examples, eval on labels"},
    {"explain", cmd_explain, "why a stored item has its tags, highlighted"},
    {"reclassify", cmd_reclassify, "re-tag stored items with the current rules"},
    {"parse-feed", cmd_parse_feed, "parse one feed file, print JSON"},
    {"extract", cmd_extract, "print the main text of an HTML page"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: feedsift [-v|-q] [--config FILE] COMMAND [ARGS...]\n\n"
                "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\nGlobal options:\n"
                "  -v, --verbose  more diagnostics on stderr (repeat for debug)\n"
                "  -q, --quiet    errors only\n"
                "  --config FILE  settings file (default $FEEDSIFT_CONFIG, else\n"
                "                 ~/.config/feedsift/config when it exists)\n"
                "  --version      print the version\n"
                "  -h, --help     this help\n\n"
                "'feedsift COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    const char *config = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--version")) {
            printf("feedsift %s\n", FEEDSIFT_VERSION);
            printf("classifier: %s\n", classifier_engine());
            return EXIT_OK;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            enum fs_log_level l = fs_log_get_level();
            if (l < FS_LOG_DEBUG)
                fs_log_set_level(l + 1);
        } else if (!strcmp(a, "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (!strncmp(a, "--config=", 9)) {
            config = a + 9;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            fs_log_set_level(FS_LOG_ERROR);
        } else {
            fprintf(stderr, "feedsift: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
        if (strcmp(argv[i], commands[c].name) != 0)
            continue;
        int rc = cli_config_load(config);
        if (rc)
            return rc;
        fs_error err = {0};
        if (fetch_global_init(&err) != FS_OK) {
            fprintf(stderr, "feedsift: %s\n", err.msg);
            return EXIT_FAILURE_;
        }
        rc = commands[c].fn(argc - i, argv + i);
        fflush(stdout);
        if (ferror(stdout)) {
            fprintf(stderr, "feedsift: error writing to standard output\n");
            rc = rc ? rc : EXIT_FAILURE_;
        }
        fetch_global_cleanup();
        return rc;
    }
    fprintf(stderr, "feedsift: '%s' is not a command; see 'feedsift --help'\n",
            argv[i]);
    return EXIT_USAGE;
}
