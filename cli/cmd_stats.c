/*
 * cmd_stats.c — `feedsift stats`: what the database holds, as (name,
 * value) rows, or one JSON object.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char stats_help[] =
    "usage: feedsift stats [OPTIONS]\n"
    "\n"
    "Print counts: feeds, items, stories (items after dedup), tags, marks,\n"
    "article states, the time span of the items, crawl runs and the\n"
    "database size.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --format FMT     table (default), csv or json (one object)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 5 database unusable.\n";

struct stat_entry {
    const char *name;
    const int64_t *n;        /* a count, or NULL with t */
    const int64_t *t;        /* a time */
};

int cmd_stats(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const cols[] = {"name", "value"};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL;
    int c, rc;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(stats_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "stats", "unknown format '%s' (table, csv or json)",
                    optarg);
            break;
        case ':':
            return cli_usage_error("stats", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("stats", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("stats", "unexpected argument '%s'",
                               argv[optind]);

    struct store *st;
    if ((rc = cli_open_store("stats", db, &st)))
        return rc;
    fs_error err = {0};
    struct store_stats s;
    fs_code frc = store_stats(st, &s, &err);
    store_close(st);
    if (frc != FS_OK)
        return cli_fail("stats", &err);

    int64_t version = s.schema_version;
    const struct stat_entry entries[] = {
        {"schema_version", &version, NULL},
        {"feeds", &s.feeds, NULL},
        {"feeds_disabled", &s.feeds_disabled, NULL},
        {"items", &s.items, NULL},
        {"stories", &s.stories, NULL},
        {"tagged_items", &s.tagged_items, NULL},
        {"tag_evidence_rows", &s.tag_rows, NULL},
        {"distinct_tags", &s.distinct_tags, NULL},
        {"marked_relevant", &s.marked_relevant, NULL},
        {"marked_irrelevant", &s.marked_irrelevant, NULL},
        {"previous_versions", &s.versions, NULL},
        {"articles_none", &s.body_none, NULL},
        {"articles_pending", &s.body_pending, NULL},
        {"articles_ok", &s.body_ok, NULL},
        {"articles_failed", &s.body_failed, NULL},
        {"oldest_item", NULL, &s.oldest},
        {"newest_item", NULL, &s.newest},
        {"crawl_runs", &s.runs, NULL},
        {"last_run_started", NULL, &s.last_run_started},
        {"last_run_finished", NULL, &s.last_run_finished},
        {"database_bytes", &s.db_bytes, NULL},
    };
    size_t n = sizeof(entries) / sizeof(entries[0]);
    if (format == CLI_FORMAT_JSON) {
        json_t *o = json_object();
        for (size_t i = 0; i < n; i++)
            json_object_set_new(o, entries[i].name,
                                entries[i].n ? json_integer(*entries[i].n)
                                             : cli_json_time(*entries[i].t));
        cli_print_json(stdout, o, 0);
        json_decref(o);
        return EXIT_OK;
    }
    struct cli_out out;
    cli_out_begin(&out, format, stdout, cols, 2);
    for (size_t i = 0; i < n; i++) {
        char v[32];
        if (entries[i].n)
            snprintf(v, sizeof(v), "%lld", (long long)*entries[i].n);
        else
            fs_time_rfc3339(*entries[i].t, v);
        const char *cells[] = {entries[i].name, v};
        cli_out_row(&out, cells, NULL);
    }
    cli_out_end(&out);
    return EXIT_OK;
}
