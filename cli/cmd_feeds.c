/*
 * cmd_feeds.c — `feedsift feeds`: every stored feed with its health and
 * schedule; `feeds enable|disable FEED` to resume or stop polling one.
 *
 * Reading opens the database with store_open_existing(), so a mistyped
 * --db is an error rather than a new empty file.  Times print in UTC.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char feeds_help[] =
    "usage: feedsift feeds [OPTIONS]\n"
    "       feedsift feeds enable|disable [--db PATH] FEED\n"
    "\n"
    "List every feed in the database with its status: last check, last\n"
    "success, next due, consecutive errors, last error, number of items.\n"
    "`enable` resumes polling of a feed (disabled by hand or by a 410 Gone)\n"
    "and makes it due now; `disable` stops polling it.  FEED is the feed's\n"
    "URL (also an old URL it had before a permanent redirect) or its name.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --format FMT     table (default), csv or json (one object per line)\n"
    "  -h, --help       this help\n"
    "\n"
    "Status: new (never checked), ok, error (the last check failed),\n"
    "disabled.\n"
    "\n"
    "Exit status: 0 ok, 1 no such database or feed, 2 bad usage, 5\n"
    "database corrupt, foreign, too new or locked.\n";

static const char *feed_status(const struct store_feed *f)
{
    if (f->disabled)
        return "disabled";
    if (f->last_checked == FS_TIME_NONE)
        return "new";
    return f->consecutive_errors ? "error" : "ok";
}

/* "2025-04-20T10:00:00Z" -> "2025-04-20 10:00" for the table. */
static void table_time(int64_t t, char out[32])
{
    fs_time_rfc3339(t, out);
    if (strlen(out) >= 16) {
        out[10] = ' ';
        out[16] = '\0';
    }
}

static json_t *json_time(int64_t t)
{
    char buf[32];
    fs_time_rfc3339(t, buf);
    return *buf ? json_string(buf) : json_null();
}

static json_t *json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *feed_json(const struct store_feed *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(f->id));
    json_object_set_new(o, "url", json_str(f->url));
    json_object_set_new(o, "name", json_str(f->name));
    json_object_set_new(o, "title", json_str(f->title));
    json_object_set_new(o, "status", json_string(feed_status(f)));
    json_object_set_new(o, "http_status",
                        f->last_status ? json_integer(f->last_status)
                                       : json_null());
    json_object_set_new(o, "last_checked", json_time(f->last_checked));
    json_object_set_new(o, "last_success", json_time(f->last_success));
    json_object_set_new(o, "next_due",
                        f->disabled ? json_null() : json_time(f->next_due));
    json_object_set_new(o, "poll_interval",
                        f->poll_interval ? json_integer(f->poll_interval)
                                         : json_null());
    json_object_set_new(o, "consecutive_errors",
                        json_integer(f->consecutive_errors));
    json_object_set_new(o, "last_error", json_str(f->last_error));
    json_object_set_new(o, "items", json_integer(f->n_items));
    return o;
}

static int feed_row(const struct store_feed *f, void *ud)
{
    struct cli_out *out = ud;
    char checked[32], success[32], due[32], errors[16], items[32], id[32],
        interval[32], status[16];
    snprintf(errors, sizeof(errors), "%d", f->consecutive_errors);
    snprintf(items, sizeof(items), "%lld", (long long)f->n_items);
    if (out->format == CLI_FORMAT_JSON) {
        cli_out_row(out, NULL, feed_json(f));
        return 0;
    }
    if (out->format == CLI_FORMAT_TABLE) {
        table_time(f->last_checked, checked);
        table_time(f->last_success, success);
        if (f->disabled)
            strcpy(due, "-");
        else if (f->next_due == FS_TIME_NONE)
            strcpy(due, "now");
        else
            table_time(f->next_due, due);
        const char *cells[] = {feed_status(f), f->name ? f->name : f->url,
                               items,          checked,
                               success,        due,
                               errors,         f->last_error};
        cli_out_row(out, cells, NULL);
        return 0;
    }
    fs_time_rfc3339(f->last_checked, checked);
    fs_time_rfc3339(f->last_success, success);
    fs_time_rfc3339(f->disabled ? FS_TIME_NONE : f->next_due, due);
    snprintf(id, sizeof(id), "%lld", (long long)f->id);
    snprintf(interval, sizeof(interval), "%lld", (long long)f->poll_interval);
    snprintf(status, sizeof(status), "%ld", f->last_status);
    const char *cells[] = {id,      f->url,   f->name, feed_status(f),
                           status,  checked,  success, due,
                           interval, errors,  f->last_error, items};
    cli_out_row(out, cells, NULL);
    return 0;
}

static int feeds_list(const char *db, enum cli_format format)
{
    static const char *const table_cols[] = {
        "status", "feed", "items", "last check", "last success", "next due",
        "errors", "last error"};
    static const char *const csv_cols[] = {
        "id", "url", "name", "status", "http_status", "last_checked",
        "last_success", "next_due", "poll_interval", "consecutive_errors",
        "last_error", "items"};
    struct store *st;
    fs_error err = {0};
    if (store_open_existing(db, &st, &err) != FS_OK)
        return cli_fail("feeds", &err);
    struct cli_out out;
    if (format == CLI_FORMAT_TABLE)
        cli_out_begin(&out, format, stdout, table_cols, 8);
    else
        cli_out_begin(&out, format, stdout, csv_cols, 12);
    fs_code rc = store_feeds_each(st, feed_row, &out, &err);
    cli_out_end(&out);
    store_close(st);
    return rc == FS_OK ? EXIT_OK : cli_fail("feeds", &err);
}

static int feeds_set_disabled(const char *db, const char *feed, int disabled)
{
    struct store *st;
    fs_error err = {0};
    int64_t id;
    if (store_open_existing(db, &st, &err) != FS_OK)
        return cli_fail("feeds", &err);
    fs_code rc = store_feed_find(st, feed, &id, &err);
    if (rc == FS_OK)
        rc = store_feed_set_disabled(st, id, disabled, &err);
    store_close(st);
    if (rc != FS_OK)
        return cli_fail("feeds", &err);
    fprintf(stderr, "feedsift feeds: %s %s\n", feed,
            disabled ? "disabled" : "enabled, due now");
    return EXIT_OK;
}

int cmd_feeds(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL;
    enum cli_format format = CLI_FORMAT_TABLE;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (o) {
        case OPT_DB: db_opt = optarg; break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error("feeds", "--format is table, csv or "
                                                "json, not '%s'", optarg);
            break;
        case 'h': return cli_help(feeds_help);
        default: return cli_usage_error("feeds", "unknown option");
        }
    }
    const char *db = cli_db_path(db_opt);
    if (optind == argc)
        return feeds_list(db, format);
    const char *verb = argv[optind];
    if (strcmp(verb, "enable") && strcmp(verb, "disable"))
        return cli_usage_error("feeds", "unknown action '%s' (enable or "
                                        "disable)", verb);
    if (argc - optind != 2)
        return cli_usage_error("feeds", "%s wants exactly one FEED", verb);
    return feeds_set_disabled(db, argv[optind + 1], !strcmp(verb, "disable"));
}
