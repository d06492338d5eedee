/*
 * cmd_search.c — `feedsift search QUERY`: full-text search over title,
 * summary and article text, best match (bm25) first, with a snippet whose
 * matched terms are wrapped in ** **.
 *
 * QUERY is FTS5 syntax, passed through as one bound value; an invalid
 * query is a usage error (exit 2) with SQLite's explanation.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char search_help[] =
    "usage: feedsift search [OPTIONS] QUERY\n"
    "\n"
    "Full-text search over titles, summaries and article text, best match\n"
    "first (bm25; a match in the title weighs most).  QUERY uses SQLite\n"
    "FTS5 syntax:\n"
    "  rare earth          both words, anywhere\n"
    "  \"rare earth\"        the phrase\n"
    "  quota*              a prefix\n"
    "  tariff OR levy      either;  tariff NOT steel  the first without\n"
    "  title:quotas        in one field (title, summary, body)\n"
    "  NEAR(china quotas, 5)  within 5 words\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --tag TAG        only items tagged TAG or below it\n"
    "  --feed FEED      only items of this feed (URL or name)\n"
    "  --since WHEN     only items at or after WHEN (30m, 2h, 7d, date)\n"
    "  --until WHEN     only items before WHEN\n"
    "  --limit N        at most N results (default 20)\n"
    "  --offset N       skip the first N results\n"
    "  --format FMT     table (default), csv or json (one object per line)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok (also when nothing matches), 1 failure, 2 bad usage\n"
    "or invalid QUERY, 5 database unusable.\n";

enum { OPT_DB = 256, OPT_TAG, OPT_FEED, OPT_SINCE, OPT_UNTIL, OPT_LIMIT,
       OPT_OFFSET, OPT_FORMAT };

struct search_ctx {
    struct cli_out out;
    enum cli_format format;
    int started;
    struct strbuf tags;
};

static void search_start(struct search_ctx *ctx)
{
    static const char *const table_cols[] = {"id", "published", "feed",
                                             "title", "snippet"};
    static const char *const csv_cols[] = {"id",    "published", "feed",
                                           "title", "link",      "tags",
                                           "rank",  "snippet"};
    if (ctx->started)
        return;
    ctx->started = 1;
    if (ctx->format == CLI_FORMAT_CSV)
        cli_out_begin(&ctx->out, ctx->format, stdout, csv_cols, 8);
    else
        cli_out_begin(&ctx->out, ctx->format, stdout, table_cols, 5);
}

static int search_row(const struct store_search_row *r, void *ud)
{
    struct search_ctx *ctx = ud;
    char id[32], published[32], rank[32];
    search_start(ctx);
    snprintf(id, sizeof(id), "%lld", (long long)r->id);
    snprintf(rank, sizeof(rank), "%.4f", r->rank);
    strbuf_reset(&ctx->tags);
    for (size_t i = 0; i < r->n_tags; i++) {
        if (i)
            strbuf_addch(&ctx->tags, ',');
        strbuf_addstr(&ctx->tags, r->tags[i]);
    }
    if (ctx->format == CLI_FORMAT_TABLE) {
        cli_table_time(r->published, published);
        const char *cells[] = {id, published, r->feed, r->title, r->snippet};
        cli_out_row(&ctx->out, cells, NULL);
    } else if (ctx->format == CLI_FORMAT_CSV) {
        fs_time_rfc3339(r->published, published);
        const char *cells[] = {id,      published,     r->feed, r->title,
                               r->link, ctx->tags.buf, rank,    r->snippet};
        cli_out_row(&ctx->out, cells, NULL);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(r->id));
        json_object_set_new(o, "published", cli_json_time(r->published));
        json_object_set_new(o, "feed", cli_json_str(r->feed));
        json_object_set_new(o, "title", cli_json_str(r->title));
        json_object_set_new(o, "link", cli_json_str(r->link));
        json_object_set_new(o, "tags", cli_json_strv(r->tags, r->n_tags));
        json_object_set_new(o, "story", json_integer(r->story_id));
        json_object_set_new(o, "rank", json_real(r->rank));
        json_object_set_new(o, "snippet", cli_json_str(r->snippet));
        cli_out_row(&ctx->out, NULL, o);
    }
    return 0;
}

int cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"tag", required_argument, NULL, OPT_TAG},
        {"feed", required_argument, NULL, OPT_FEED},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"offset", required_argument, NULL, OPT_OFFSET},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct store_search_query q = {.since = FS_TIME_NONE,
                                   .until = FS_TIME_NONE, .limit = 20};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL;
    int c, rc = 0;

    optind = 0;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(search_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_TAG:
            if (!*optarg)
                return cli_usage_error("search", "--tag needs a tag name");
            q.tag = optarg;
            break;
        case OPT_FEED:
            q.feed = optarg;
            break;
        case OPT_SINCE:
            rc = cli_parse_when("search", optarg, &q.since);
            break;
        case OPT_UNTIL:
            rc = cli_parse_when("search", optarg, &q.until);
            break;
        case OPT_LIMIT:
            rc = cli_parse_count("search", "--limit", optarg, 0, &q.limit);
            break;
        case OPT_OFFSET:
            rc = cli_parse_count("search", "--offset", optarg, 1, &q.offset);
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "search", "unknown format '%s' (table, csv or json)",
                    optarg);
            break;
        case ':':
            return cli_usage_error("search", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("search", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind + 1 != argc)
        return cli_usage_error("search", optind == argc
                                             ? "QUERY is missing"
                                             : "one QUERY only (quote it)");
    q.match = argv[optind];
    if (!*q.match)
        return cli_usage_error("search", "QUERY is empty");

    struct store *st;
    if ((rc = cli_open_store("search", db, &st)))
        return rc;
    fs_error err = {0};
    struct search_ctx ctx = {.format = format, .tags = STRBUF_INIT};
    fs_code frc = store_search(st, &q, search_row, &ctx, &err);
    if (frc == FS_OK)
        search_start(&ctx);
    if (ctx.started)
        cli_out_end(&ctx.out);
    strbuf_release(&ctx.tags);
    store_close(st);
    if (frc == FS_EINVAL)
        return cli_usage_error("search", "%s", err.msg);
    return frc == FS_OK ? EXIT_OK : cli_fail("search", &err);
}
