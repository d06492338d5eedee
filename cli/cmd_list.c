/*
 * cmd_list.c — `feedsift list`: stored headlines, newest first, with their
 * tags, as a table, CSV or JSON lines.
 *
 * list only reads: it opens the database with store_open_existing(), so a
 * mistyped --db path is an error rather than a new empty database.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char list_help[] =
    "usage: feedsift list [OPTIONS]\n"
    "\n"
    "Print stored headlines, newest first (by published date, else updated\n"
    "date, else when first seen), with their tags.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --tag TAG        only items tagged TAG or a tag below it\n"
    "                   (--tag markets also matches markets/metals)\n"
    "  --feed FEED      only items of the feed with this URL or name\n"
    "  --since WHEN     only items at or after WHEN\n"
    "  --until WHEN     only items before WHEN\n"
    "  --limit N        at most N items (default: all)\n"
    "  --format FMT     table (default), csv or json (one object per line)\n"
    "  -h, --help       this help\n"
    "\n"
    "WHEN is a duration back from now (30m, 2h, 7d, 2w), a date\n"
    "(2025-04-20, UTC) or an RFC 3339 date-time.\n"
    "\n"
    "Exit status: 0 ok, 1 no such database or other failure, 2 bad usage,\n"
    "5 database corrupt, foreign, too new or locked.\n";

enum { OPT_DB = 256, OPT_TAG, OPT_FEED, OPT_SINCE, OPT_UNTIL, OPT_LIMIT,
       OPT_FORMAT };

struct list_opts {
    const char *db;
    enum cli_format format;
    struct store_list_query q;
};

struct list_ctx {
    struct cli_out out;
    struct strbuf tags; /* scratch: tags joined with commas */
};

/* "2025-04-20T10:00:00Z" -> "2025-04-20 10:00" for the table. */
static void table_time(int64_t t, char out[32])
{
    fs_time_rfc3339(t, out);
    if (strlen(out) >= 16) {
        out[10] = ' ';
        out[16] = '\0';
    }
}

static json_t *row_json(const struct store_list_row *r, const char *published)
{
    json_t *tags = json_array();
    for (size_t i = 0; i < r->n_tags; i++)
        json_array_append_new(tags, json_string(r->tags[i]));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "published",
                        *published ? json_string(published) : json_null());
    json_object_set_new(o, "feed", r->feed ? json_string(r->feed) : json_null());
    json_object_set_new(o, "title",
                        r->title ? json_string(r->title) : json_null());
    json_object_set_new(o, "link", r->link ? json_string(r->link) : json_null());
    json_object_set_new(o, "tags", tags);
    return o;
}

static int list_row(const struct store_list_row *r, void *ud)
{
    struct list_ctx *ctx = ud;
    char published[32], id[32];

    strbuf_reset(&ctx->tags);
    for (size_t i = 0; i < r->n_tags; i++) {
        if (i)
            strbuf_addch(&ctx->tags, ',');
        strbuf_addstr(&ctx->tags, r->tags[i]);
    }
    switch (ctx->out.format) {
    case CLI_FORMAT_TABLE: {
        table_time(r->published, published);
        const char *cells[] = {published, r->feed, ctx->tags.buf, r->title};
        cli_out_row(&ctx->out, cells, NULL);
        break;
    }
    case CLI_FORMAT_CSV: {
        fs_time_rfc3339(r->published, published);
        snprintf(id, sizeof(id), "%lld", (long long)r->id);
        const char *cells[] = {id,           published, r->feed,
                               ctx->tags.buf, r->title, r->link};
        cli_out_row(&ctx->out, cells, NULL);
        break;
    }
    case CLI_FORMAT_JSON:
        fs_time_rfc3339(r->published, published);
        cli_out_row(&ctx->out, NULL, row_json(r, published));
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
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t now = fs_time_now();
    fs_error err = {0};
    char *end;
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
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
        case OPT_SINCE:
        case OPT_UNTIL:
            if (fs_time_parse_when(optarg, now,
                                   c == OPT_SINCE ? &o->q.since : &o->q.until,
                                   &err) != FS_OK)
                return cli_usage_error("list", "%s", err.msg);
            break;
        case OPT_LIMIT: {
            long long n = strtoll(optarg, &end, 10);
            if (end == optarg || *end || n <= 0)
                return cli_usage_error(
                    "list", "--limit wants a positive number, not '%s'",
                    optarg);
            o->q.limit = (size_t)n;
            break;
        }
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
    if (optind < argc)
        return cli_usage_error("list", "unexpected argument '%s'",
                               argv[optind]);
    return 0;
}

int cmd_list(int argc, char **argv)
{
    static const char *const table_cols[] = {"published", "feed", "tags",
                                             "title"};
    static const char *const csv_cols[] = {"id",   "published", "feed",
                                           "tags", "title",     "link"};
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
    if (store_open_existing(cli_db_path(o.db), &st, &err) != FS_OK)
        return cli_fail("list", &err);

    struct list_ctx ctx = {.tags = STRBUF_INIT};
    if (o.format == CLI_FORMAT_CSV)
        cli_out_begin(&ctx.out, o.format, stdout, csv_cols, 6);
    else
        cli_out_begin(&ctx.out, o.format, stdout, table_cols, 4);
    fs_code rc = store_list(st, &o.q, list_row, &ctx, &err);
    cli_out_end(&ctx.out);
    strbuf_release(&ctx.tags);
    store_close(st);
    return rc == FS_OK ? EXIT_OK : cli_fail("list", &err);
}
