/*
 * cmd_export.c — `feedsift export`: items with every field, oldest first,
 * as CSV or JSON lines, to take them elsewhere.
 *
 * `export --marked --format jsonl` writes the analysts' verdicts as a
 * labeled set in the format of tests/data/labeled.jsonl, which
 * `feedsift rules eval` reads: {"title", "summary", "tags": [...]} per
 * line.  A "relevant" item keeps its tags (each with the tags above it:
 * a child tag implies its parents, as in the labeled set); an
 * "irrelevant" one gets [] — the rules should not have tagged it.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char export_help[] =
    "usage: feedsift export [OPTIONS]\n"
    "\n"
    "Write stored items with all their fields, oldest first.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --since WHEN     only items at or after WHEN (30m, 2h, 7d, date)\n"
    "  --until WHEN     only items before WHEN\n"
    "  --tag TAG        only items tagged TAG or below it\n"
    "  --marked         only marked items, as a labeled set for\n"
    "                   'feedsift rules eval' (with --format jsonl):\n"
    "                   {\"title\",\"summary\",\"tags\":[...]} per line;\n"
    "                   irrelevant items get \"tags\": []\n"
    "  --body           include the article text (csv and jsonl)\n"
    "  --format FMT     jsonl (default; also 'json') or csv\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 5 database unusable.\n";

struct export_ctx {
    struct cli_out out;
    int labeled;            /* --marked --format jsonl */
    int body;
    struct strbuf tags;
};

/* The tags with every ancestor ("a/b/c" gives a, a/b, a/b/c), distinct,
 * in first-seen order (the input is sorted, so the output is too). */
static json_t *tags_with_parents(const char *const *tags, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        for (const char *p = tags[i];; p++) {
            if (*p && *p != '/')
                continue;
            char *prefix = fs_strndup(tags[i], (size_t)(p - tags[i]));
            int have = 0;
            for (size_t k = 0; k < json_array_size(a) && !have; k++)
                have = !strcmp(json_string_value(json_array_get(a, k)),
                               prefix);
            if (!have && *prefix)
                json_array_append_new(a, json_string(prefix));
            free(prefix);
            if (!*p)
                break;
        }
    }
    return a;
}

static json_t *full_json(const struct export_ctx *ctx,
                         const struct store_export_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "story", json_integer(r->story_id));
    json_object_set_new(o, "feed", cli_json_str(r->feed));
    json_object_set_new(o, "feed_url", cli_json_str(r->feed_url));
    json_object_set_new(o, "guid", cli_json_str(r->guid));
    json_object_set_new(o, "title", cli_json_str(r->title));
    json_object_set_new(o, "link", cli_json_str(r->link));
    json_object_set_new(o, "canonical_url", cli_json_str(r->canonical_url));
    json_object_set_new(o, "author", cli_json_str(r->author));
    json_object_set_new(o, "published", cli_json_time(r->published));
    json_object_set_new(o, "updated", cli_json_time(r->updated));
    json_object_set_new(o, "first_seen", cli_json_time(r->first_seen));
    json_object_set_new(o, "summary", cli_json_str(r->summary));
    if (ctx->body)
        json_object_set_new(o, "body", cli_json_str(r->body));
    json_object_set_new(o, "tags", cli_json_strv(r->tags, r->n_tags));
    json_object_set_new(o, "mark", cli_json_str(store_mark_name(r->mark)));
    json_object_set_new(o, "note", cli_json_str(r->mark_note));
    return o;
}

static int export_row(const struct store_export_row *r, void *ud)
{
    struct export_ctx *ctx = ud;
    if (ctx->labeled) {
        json_t *o = json_object();
        json_object_set_new(o, "title", cli_json_str(r->title));
        if (r->summary)
            json_object_set_new(o, "summary", json_string(r->summary));
        json_object_set_new(o, "tags",
                            r->mark == STORE_MARK_RELEVANT
                                ? tags_with_parents(r->tags, r->n_tags)
                                : json_array());
        cli_out_row(&ctx->out, NULL, o);
        return 0;
    }
    if (ctx->out.format == CLI_FORMAT_JSON) {
        cli_out_row(&ctx->out, NULL, full_json(ctx, r));
        return 0;
    }
    char id[32], story[32], pub[32], upd[32], seen[32];
    snprintf(id, sizeof(id), "%lld", (long long)r->id);
    snprintf(story, sizeof(story), "%lld", (long long)r->story_id);
    fs_time_rfc3339(r->published, pub);
    fs_time_rfc3339(r->updated, upd);
    fs_time_rfc3339(r->first_seen, seen);
    strbuf_reset(&ctx->tags);
    for (size_t i = 0; i < r->n_tags; i++) {
        if (i)
            strbuf_addch(&ctx->tags, ',');
        strbuf_addstr(&ctx->tags, r->tags[i]);
    }
    const char *cells[] = {id,        story,           r->feed,
                           r->feed_url, r->guid,       r->title,
                           r->link,   r->canonical_url, r->author,
                           pub,       upd,             seen,
                           r->summary, ctx->tags.buf,  store_mark_name(r->mark),
                           r->mark_note, ctx->body ? r->body : NULL};
    cli_out_row(&ctx->out, cells, NULL);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_SINCE, OPT_UNTIL, OPT_TAG, OPT_MARKED, OPT_BODY,
           OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"tag", required_argument, NULL, OPT_TAG},
        {"marked", no_argument, NULL, OPT_MARKED},
        {"body", no_argument, NULL, OPT_BODY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const csv_cols[] = {
        "id",       "story",     "feed",    "feed_url",  "guid",
        "title",    "link",      "canonical_url", "author", "published",
        "updated",  "first_seen", "summary", "tags",     "mark",
        "note",     "body"};
    struct store_export_query q = {.since = FS_TIME_NONE,
                                   .until = FS_TIME_NONE};
    enum cli_format format = CLI_FORMAT_JSON;
    const char *db = NULL;
    int c, rc = 0, body = 0;

    optind = 0;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(export_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_SINCE:
            rc = cli_parse_when("export", optarg, &q.since);
            break;
        case OPT_UNTIL:
            rc = cli_parse_when("export", optarg, &q.until);
            break;
        case OPT_TAG:
            if (!*optarg)
                return cli_usage_error("export", "--tag needs a tag name");
            q.tag = optarg;
            break;
        case OPT_MARKED:
            q.marked_only = 1;
            break;
        case OPT_BODY:
            body = 1;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
                format = CLI_FORMAT_JSON;
            else if (!strcmp(optarg, "csv"))
                format = CLI_FORMAT_CSV;
            else
                return cli_usage_error(
                    "export", "unknown format '%s' (jsonl or csv)", optarg);
            break;
        case ':':
            return cli_usage_error("export", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("export", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'",
                               argv[optind]);

    struct store *st;
    if ((rc = cli_open_store("export", db, &st)))
        return rc;
    fs_error err = {0};
    struct export_ctx ctx = {
        .labeled = q.marked_only && format == CLI_FORMAT_JSON,
        .body = body,
        .tags = STRBUF_INIT,
    };
    cli_out_begin(&ctx.out, format, stdout, csv_cols,
                  sizeof(csv_cols) / sizeof(csv_cols[0]));
    fs_code frc = store_export(st, &q, export_row, &ctx, &err);
    cli_out_end(&ctx.out);
    strbuf_release(&ctx.tags);
    store_close(st);
    return frc == FS_OK ? EXIT_OK : cli_fail("export", &err);
}
