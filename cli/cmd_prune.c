/*
 * cmd_prune.c — `feedsift prune --older-than D`: delete old items (with
 * their tags, marks, versions and search entries), optionally keeping the
 * tagged or marked ones, optionally compacting the file afterwards.
 *
 * It writes in short transactions, so it can run while a crawl does.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char prune_help[] =
    "usage: feedsift prune --older-than D [OPTIONS]\n"
    "\n"
    "Delete the items older than D: both their time (published, else\n"
    "updated, else first seen) and when feedsift first saw them are more\n"
    "than D ago.  Their tags, marks, previous versions and search entries\n"
    "go with them.  An item its feed still carries comes back (as new) on\n"
    "the next crawl.\n"
    "\n"
    "Options:\n"
    "  --db PATH         database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --older-than D    a duration: 30m, 12h, 90d, 8w (required)\n"
    "  --keep-tagged     keep items that have a tag\n"
    "  --keep-marked     keep items an analyst marked\n"
    "  --vacuum          compact the database file afterwards (VACUUM; needs\n"
    "                    free disk space about the size of the file)\n"
    "  --format FMT      table (default), csv or json: what was deleted\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 5 database unusable or\n"
    "locked.\n";

int cmd_prune(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_OLDER, OPT_KEEP_TAGGED, OPT_KEEP_MARKED,
           OPT_VACUUM, OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"older-than", required_argument, NULL, OPT_OLDER},
        {"keep-tagged", no_argument, NULL, OPT_KEEP_TAGGED},
        {"keep-marked", no_argument, NULL, OPT_KEEP_MARKED},
        {"vacuum", no_argument, NULL, OPT_VACUUM},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const cols[] = {"deleted", "cutoff"};
    struct store_prune_opts o = {.cutoff = FS_TIME_NONE};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL;
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(prune_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_OLDER: {
            /* A duration only: a date here is too easy to get wrong. */
            size_t n = strlen(optarg);
            if (n < 2 || !strchr("mhdw", optarg[n - 1]) ||
                strspn(optarg, "0123456789") != n - 1)
                return cli_usage_error("prune", "--older-than wants a "
                                                "duration such as 90d, not "
                                                "'%s'", optarg);
            int rc = cli_parse_when("prune", optarg, &o.cutoff);
            if (rc)
                return rc;
            break;
        }
        case OPT_KEEP_TAGGED:
            o.keep_tagged = 1;
            break;
        case OPT_KEEP_MARKED:
            o.keep_marked = 1;
            break;
        case OPT_VACUUM:
            o.vacuum = 1;
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "prune", "unknown format '%s' (table, csv or json)",
                    optarg);
            break;
        case ':':
            return cli_usage_error("prune", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("prune", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("prune", "unexpected argument '%s'",
                               argv[optind]);
    if (o.cutoff == FS_TIME_NONE)
        return cli_usage_error("prune", "--older-than is required");

    struct store *st;
    int rc;
    if ((rc = cli_open_store("prune", db, &st)))
        return rc;
    fs_error err = {0};
    int64_t deleted = 0;
    fs_code frc = store_prune(st, &o, &deleted, &err);
    store_close(st);
    if (frc != FS_OK) {
        fprintf(stderr, "feedsift prune: %lld items deleted before the "
                        "error\n", (long long)deleted);
        return cli_fail("prune", &err);
    }
    struct cli_out out;
    char n[32], cutoff[32];
    snprintf(n, sizeof(n), "%lld", (long long)deleted);
    fs_time_rfc3339(o.cutoff, cutoff);
    json_t *j = NULL;
    if (format == CLI_FORMAT_JSON) {
        j = json_object();
        json_object_set_new(j, "deleted", json_integer(deleted));
        json_object_set_new(j, "cutoff", json_string(cutoff));
    }
    const char *cells[] = {n, cutoff};
    cli_out_begin(&out, format, stdout, cols, 2);
    cli_out_row(&out, cells, j);
    cli_out_end(&out);
    return EXIT_OK;
}
