/*
 * cmd_tags.c — `feedsift tags`: how many items each tag got per day or per
 * week (weeks start on Monday, UTC), newest period first.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char tags_help[] =
    "usage: feedsift tags [OPTIONS]\n"
    "\n"
    "Count the items of each tag per day or per week (UTC; weeks start on\n"
    "Monday), newest period first.  An item counts on its time (published,\n"
    "else updated, else first seen).\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --per day|week   period length (default: day)\n"
    "  --tag TAG        only TAG and the tags below it\n"
    "  --since WHEN     only items at or after WHEN (30m, 2h, 7d, date)\n"
    "  --until WHEN     only items before WHEN\n"
    "  --format FMT     table (default), csv or json (one object per line)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 5 database unusable.\n";

#define DAY 86400
#define MONDAY_1970_01_05 (4 * DAY)

static int tags_row(const struct store_tag_count *c, void *ud)
{
    struct cli_out *out = ud;
    char period[32], n[32];
    fs_time_rfc3339(c->period, period);
    period[10] = '\0'; /* the date */
    snprintf(n, sizeof(n), "%lld", (long long)c->items);
    json_t *o = NULL;
    if (out->format == CLI_FORMAT_JSON) {
        o = json_object();
        json_object_set_new(o, "period", json_string(period));
        json_object_set_new(o, "tag", json_string(c->tag));
        json_object_set_new(o, "items", json_integer(c->items));
    }
    const char *cells[] = {period, c->tag, n};
    cli_out_row(out, cells, o);
    return 0;
}

int cmd_tags(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_PER, OPT_TAG, OPT_SINCE, OPT_UNTIL, OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"per", required_argument, NULL, OPT_PER},
        {"tag", required_argument, NULL, OPT_TAG},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const cols[] = {"period", "tag", "items"};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL, *tag = NULL;
    int64_t since = FS_TIME_NONE, until = FS_TIME_NONE, len = DAY;
    int c, rc = 0;

    optind = 0;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(tags_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_PER:
            if (!strcmp(optarg, "day"))
                len = DAY;
            else if (!strcmp(optarg, "week"))
                len = 7 * DAY;
            else
                return cli_usage_error("tags", "--per wants day or week, "
                                               "not '%s'", optarg);
            break;
        case OPT_TAG:
            if (!*optarg)
                return cli_usage_error("tags", "--tag needs a tag name");
            tag = optarg;
            break;
        case OPT_SINCE:
            rc = cli_parse_when("tags", optarg, &since);
            break;
        case OPT_UNTIL:
            rc = cli_parse_when("tags", optarg, &until);
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "tags", "unknown format '%s' (table, csv or json)", optarg);
            break;
        case ':':
            return cli_usage_error("tags", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("tags", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("tags", "unexpected argument '%s'",
                               argv[optind]);

    struct store *st;
    if ((rc = cli_open_store("tags", db, &st)))
        return rc;
    fs_error err = {0};
    struct cli_out out;
    cli_out_begin(&out, format, stdout, cols, 3);
    fs_code frc = store_tag_counts(st, since, until, tag, len,
                                   len == DAY ? 0 : MONDAY_1970_01_05,
                                   tags_row, &out, &err);
    cli_out_end(&out);
    store_close(st);
    return frc == FS_OK ? EXIT_OK : cli_fail("tags", &err);
}
