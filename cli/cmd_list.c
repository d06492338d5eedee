/*
 * cmd_list.c — `feedsift list`: stored headlines, newest first, one row per
 * story (with how many feeds carried it) unless --all, with their tags, as
 * a table, CSV or JSON lines.  Also the small helpers the other reading
 * commands share (cli.h, "Helpers of the reading commands").
 *
 * list only reads: it opens the database with store_open_existing(), so a
 * mistyped --db path is an error rather than a new empty database.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers -------------------------------------------------- */

int cli_open_store(const char *cmd, const char *db, struct store **st)
{
    fs_error err = {0};
    if (store_open_existing(cli_db_path(db), st, &err) != FS_OK)
        return cli_fail(cmd, &err);
    return 0;
}

void cli_table_time(int64_t t, char out[32])
{
    fs_time_rfc3339(t, out);
    if (strlen(out) >= 16) {
        out[10] = ' ';
        out[16] = '\0';
    }
}

int cli_parse_count(const char *cmd, const char *opt, const char *arg,
                    int allow_zero, size_t *out)
{
    char *end;
    long long n = strtoll(arg, &end, 10);
    if (end == arg || *end || n < 0 || (n == 0 && !allow_zero))
        return cli_usage_error(cmd, "%s wants a %s number, not '%s'", opt,
                               allow_zero ? "non-negative" : "positive", arg);
    *out = (size_t)n;
    return 0;
}

int cli_parse_when(const char *cmd, const char *arg, int64_t *out)
{
    fs_error err = {0};
    if (fs_time_parse_when(arg, fs_time_now(), out, &err) != FS_OK)
        return cli_usage_error(cmd, "%s", err.msg);
    return 0;
}

json_t *cli_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *cli_json_time(int64_t t)
{
    char buf[32];
    if (t == FS_TIME_NONE)
        return json_null();
    fs_time_rfc3339(t, buf);
    return json_string(buf);
}

json_t *cli_json_strv(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* ---- list ------------------------------------------------------------ */

static const char list_help[] =
    "usage: feedsift list [OPTIONS]\n"
    "\n"
    "Print stored headlines, newest first (by published date, else updated\n"
    "date, else when first seen), with their tags.  Items that are one\n"
    "story (same canonical URL or link, or near-identical text) are one\n"
    "row, its newest item, with the number of feeds that carried it.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --tag TAG        only items tagged TAG or a tag below it\n"
    "                   (--tag markets also matches markets/metals)\n"
    "  --feed FEED      only items of the feed with this URL or name\n"
    "  --since WHEN     only items at or after WHEN\n"
    "  --until WHEN     only items before WHEN\n"
    "  --query TEXT     only items matching TEXT (full-text, FTS5 syntax)\n"
    "  --marked         only items an analyst marked (see 'feedsift mark')\n"
    "  --unmarked       only items nobody marked\n"
    "  --all            one row per item instead of one per story\n"
    "  --limit N        at most N rows (default: all)\n"
    "  --offset N       skip the first N rows (paging)\n"
    "  --format FMT     table (default), csv or json (one object per line)\n"
    "  -h, --help       this help\n"
    "\n"
    "WHEN is a duration back from now (30m, 2h, 7d, 2w), a date\n"
    "(2025-04-20, UTC) or an RFC 3339 date-time.\n"
    "\n"
    "Exit status: 0 ok, 1 no such database or other failure, 2 bad usage\n"
    "(including an invalid --query), 5 database corrupt, foreign, too new\n"
    "or locked.\n";

enum { OPT_DB = 256, OPT_TAG, OPT_FEED, OPT_SINCE, OPT_UNTIL, OPT_LIMIT,
       OPT_FORMAT, OPT_QUERY, OPT_MARKED, OPT_UNMARKED, OPT_ALL,
       OPT_OFFSET };

struct list_opts {
    const char *db;
    enum cli_format format;
    struct store_list_query q;
};

struct list_ctx {
    struct cli_out out;
    enum cli_format format;
    int started;        /* header written: only once a row or the end came,
                           so a bad --query prints nothing on stdout */
    struct strbuf tags; /* scratch: tags joined with commas */
};

static void list_start(struct list_ctx *ctx)
{
    static const char *const table_cols[] = {"published", "feed", "sources",
                                             "tags", "title"};
    static const char *const csv_cols[] = {
        "id",   "published", "feed",    "tags", "title",
        "link", "story",     "sources", "mark"};
    if (ctx->started)
        return;
    ctx->started = 1;
    if (ctx->format == CLI_FORMAT_CSV)
        cli_out_begin(&ctx->out, ctx->format, stdout, csv_cols, 9);
    else
        cli_out_begin(&ctx->out, ctx->format, stdout, table_cols, 5);
}

static json_t *row_json(const struct store_list_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "published", cli_json_time(r->published));
    json_object_set_new(o, "feed", cli_json_str(r->feed));
    json_object_set_new(o, "title", cli_json_str(r->title));
    json_object_set_new(o, "link", cli_json_str(r->link));
    json_object_set_new(o, "tags", cli_json_strv(r->tags, r->n_tags));
    json_object_set_new(o, "story", json_integer(r->story_id));
    json_object_set_new(o, "sources", json_integer(r->n_sources));
    json_object_set_new(o, "mark", cli_json_str(r->mark));
    return o;
}

static int list_row(const struct store_list_row *r, void *ud)
{
    struct list_ctx *ctx = ud;
    char published[32], id[32], story[32], sources[32];

    list_start(ctx);
    strbuf_reset(&ctx->tags);
    for (size_t i = 0; i < r->n_tags; i++) {
        if (i)
            strbuf_addch(&ctx->tags, ',');
        strbuf_addstr(&ctx->tags, r->tags[i]);
    }
    snprintf(sources, sizeof(sources), "%lld", (long long)r->n_sources);
    switch (ctx->out.format) {
    case CLI_FORMAT_TABLE: {
        cli_table_time(r->published, published);
        const char *cells[] = {published, r->feed, sources, ctx->tags.buf,
                               r->title};
        cli_out_row(&ctx->out, cells, NULL);
        break;
    }
    case CLI_FORMAT_CSV: {
        fs_time_rfc3339(r->published, published);
        snprintf(id, sizeof(id), "%lld", (long long)r->id);
        snprintf(story, sizeof(story), "%lld", (long long)r->story_id);
        const char *cells[] = {id,       published, r->feed, ctx->tags.buf,
                               r->title, r->link,   story,   sources,
                               r->mark};
        cli_out_row(&ctx->out, cells, NULL);
        break;
    }
    case CLI_FORMAT_JSON:
        cli_out_row(&ctx->out, NULL, row_json(r));
        break;
    }
    return 0;
}

static int list_parse(int argc, char **argv, struct list_opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"tag", required_argument, NULL, OPT_TAG},
        {"feed", required_argument, NULL, OPT_FEED},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"offset", required_argument, NULL, OPT_OFFSET},
        {"query", required_argument, NULL, OPT_QUERY},
        {"marked", no_argument, NULL, OPT_MARKED},
        {"unmarked", no_argument, NULL, OPT_UNMARKED},
        {"all", no_argument, NULL, OPT_ALL},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;

    optind = 0;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return -1;
        case OPT_DB:
            o->db = optarg;
            break;
        case OPT_TAG:
            if (!*optarg)
                return cli_usage_error("list", "--tag needs a tag name");
            o->q.tag = optarg;
            break;
        case OPT_FEED:
            o->q.feed = optarg;
            break;
        case OPT_QUERY:
            if (!*optarg)
                return cli_usage_error("list", "--query needs some text");
            o->q.query = optarg;
            break;
        case OPT_MARKED:
        case OPT_UNMARKED:
            if (o->q.marked)
                return cli_usage_error(
                    "list", "--marked and --unmarked exclude each other");
            o->q.marked = c == OPT_MARKED ? 1 : -1;
            break;
        case OPT_ALL:
            o->q.all_items = 1;
            break;
        case OPT_SINCE:
            rc = cli_parse_when("list", optarg, &o->q.since);
            break;
        case OPT_UNTIL:
            rc = cli_parse_when("list", optarg, &o->q.until);
            break;
        case OPT_LIMIT:
            rc = cli_parse_count("list", "--limit", optarg, 0, &o->q.limit);
            break;
        case OPT_OFFSET:
            rc = cli_parse_count("list", "--offset", optarg, 1, &o->q.offset);
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &o->format))
                return cli_usage_error(
                    "list", "unknown format '%s' (table, csv or json)", optarg);
            break;
        case ':':
            return cli_usage_error("list", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("list", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("list", "unexpected argument '%s'",
                               argv[optind]);
    return 0;
}

int cmd_list(int argc, char **argv)
{
    struct list_opts o = {
        .format = CLI_FORMAT_TABLE,
        .q = {.since = FS_TIME_NONE, .until = FS_TIME_NONE},
    };
    int prc = list_parse(argc, argv, &o);
    if (prc < 0)
        return cli_help(list_help);
    if (prc)
        return prc;

    fs_error err = {0};
    struct store *st;
    if ((prc = cli_open_store("list", o.db, &st)))
        return prc;

    struct list_ctx ctx = {.format = o.format, .tags = STRBUF_INIT};
    fs_code rc = store_list(st, &o.q, list_row, &ctx, &err);
    if (rc == FS_OK)
        list_start(&ctx);
    if (ctx.started)
        cli_out_end(&ctx.out);
    strbuf_release(&ctx.tags);
    store_close(st);
    if (rc == FS_EINVAL)
        return cli_usage_error("list", "%s", err.msg);
    return rc == FS_OK ? EXIT_OK : cli_fail("list", &err);
}
