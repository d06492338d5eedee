/*
 * cmd_alerts.c — `feedsift alerts`: the alert outbox and watched tags.
 *
 *   alerts list [--status S] [--since WHEN]   what was alerted, and how
 *   alerts watch TAG | unwatch TAG | watched   tags to alert on
 *   alerts deliver [CHANNELS]                  deliver the due alerts now
 *   alerts retry [ID...] [CHANNELS]            failed (or given) alerts
 *                                              due again, then deliver
 *   alerts ack ID...                           never deliver these again
 *   alerts digest --since WHEN [--format text|html]
 *
 * Alerts are created by `crawl` (in the transaction that stores the
 * item's tags) and delivered at the end of each crawl; this command
 * inspects and steers them.
 */
#include "alert_deliver.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char alerts_help[] =
    "usage: feedsift alerts list [--status S] [--since WHEN] [--format F]\n"
    "       feedsift alerts watch TAG | unwatch TAG | watched\n"
    "       feedsift alerts deliver [CHANNELS]\n"
    "       feedsift alerts retry [ID...] [CHANNELS]\n"
    "       feedsift alerts ack ID...\n"
    "       feedsift alerts digest [--since WHEN] [--format text|html]\n"
    "\n"
    "One alert per new story carrying a watched tag: a tag of a rule with\n"
    "`alert`, or a tag watched here (a watched tag covers its children).\n"
    "`crawl` creates alerts and delivers them over the channels below;\n"
    "failed deliveries are retried in later runs with backoff.\n"
    "\n"
    "  list      every alert, oldest first: id, status, attempts, tags,\n"
    "            title, last error (--status pending|sent|failed|acked)\n"
    "  deliver   deliver every due alert now\n"
    "  retry     make failed alerts (or the given ones) due now, then\n"
    "            deliver them when a channel is given\n"
    "  ack       mark alerts as handled: never delivered again\n"
    "  digest    the alerts since WHEN (default 1d) grouped by tag, as text\n"
    "            or one self-contained HTML page, for a daily mail\n"
    "\n"
    "Options:\n"
    "  --db PATH            database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --status S           list: only alerts with this status\n"
    "  --since WHEN         list, digest: created at or after WHEN (30m, 2h,\n"
    "                       7d, 2025-04-20, RFC 3339)\n"
    "  --format FMT         list: table, csv or json; digest: text or html\n"
    ALERT_HELP
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 ok; 1 failure (or some alerts not delivered); 2 usage;\n"
    "5 database corrupt, foreign, too new or locked.\n";

struct alerts_opts {
    const char *db;
    const char *format;
    int status;                /* -1: any */
    int64_t since;
    struct alert_channels ch;
};

/* ---- list ------------------------------------------------------------ */

static int list_row(const struct store_alert *a, void *ud)
{
    struct cli_out *out = ud;
    if (out->format == CLI_FORMAT_JSON) {
        json_t *o = alert_payload(a);
        json_object_set_new(o, "status",
                            json_string(store_alert_status_name(a->status)));
        json_object_set_new(o, "attempts", json_integer(a->attempts));
        json_object_set_new(o, "last_error", a->last_error
                                                 ? json_string(a->last_error)
                                                 : json_null());
        char sent[32];
        fs_time_rfc3339(a->sent, sent);
        json_object_set_new(o, "sent", *sent ? json_string(sent) : json_null());
        cli_out_row(out, NULL, o);
        return 0;
    }
    char id[32], attempts[16], created[32], sources[16];
    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    snprintf(attempts, sizeof(attempts), "%d", a->attempts);
    snprintf(sources, sizeof(sources), "%zu", a->n_sources);
    fs_time_rfc3339(a->created, created);
    const char *cells[] = {id,       created, store_alert_status_name(a->status),
                           attempts, sources, a->tags,
                           a->title, a->last_error};
    cli_out_row(out, cells, NULL);
    return 0;
}

static int alerts_list(struct store *st, const struct alerts_opts *o)
{
    static const char *const cols[] = {"id",      "created", "status",
                                       "attempts", "sources", "tags",
                                       "title",   "last error"};
    enum cli_format format = CLI_FORMAT_TABLE;
    if (o->format && cli_parse_format(o->format, &format))
        return cli_usage_error("alerts", "--format is table, csv or json");
    struct cli_out out;
    cli_out_begin(&out, format, stdout, cols, 8);
    struct store_alert_query q = {.status = o->status, .since = o->since};
    fs_error err = {0};
    fs_code rc = store_alerts_each(st, &q, list_row, &out, &err);
    cli_out_end(&out);
    return rc == FS_OK ? EXIT_OK : cli_fail("alerts", &err);
}

/* ---- digest ---------------------------------------------------------- */

struct digest {
    struct strbuf out;
    int html;
    char **tags;              /* distinct tags, in order of first alert */
    size_t n_tags, alloc_tags;
    const char *current;      /* the tag being written */
    size_t count;
};

static void digest_tag(struct digest *d, const char *tag)
{
    for (size_t i = 0; i < d->n_tags; i++)
        if (!strcmp(d->tags[i], tag))
            return;
    FS_GROW(d->tags, d->n_tags + 1, d->alloc_tags);
    d->tags[d->n_tags++] = fs_strdup(tag);
}

static int collect_tags(const struct store_alert *a, void *ud)
{
    struct digest *d = ud;
    for (const char *p = a->tags; p && *p;) {
        size_t n = strcspn(p, " ");
        char *tag = fs_strndup(p, n);
        digest_tag(d, tag);
        free(tag);
        p += n + (p[n] == ' ');
    }
    return 0;
}

/* Does the alert carry exactly this tag among its watched tags? */
static int has_tag(const char *tags, const char *tag)
{
    size_t tl = strlen(tag);
    for (const char *p = tags; p && *p;) {
        size_t n = strcspn(p, " ");
        if (n == tl && !strncmp(p, tag, n))
            return 1;
        p += n + (p[n] == ' ');
    }
    return 0;
}

static int digest_row(const struct store_alert *a, void *ud)
{
    struct digest *d = ud;
    if (!has_tag(a->tags, d->current))
        return 0;
    char when[32];
    fs_time_rfc3339(a->published, when);
    d->count++;
    if (!d->html) {
        strbuf_addf(&d->out, "  - %s\n    %s | %s | %s\n",
                    a->title ? a->title : "(untitled)", when,
                    a->feed ? a->feed : "", a->link ? a->link : "");
        for (size_t i = 0; i < a->n_evidence; i++)
            if (!strcmp(a->evidence[i].tag, d->current))
                strbuf_addf(&d->out, "    why: %s matched \"%s\" in %s\n",
                            a->evidence[i].rule_id, a->evidence[i].matched,
                            a->evidence[i].field);
        if (a->n_sources > 1)
            strbuf_addf(&d->out, "    also in %zu other source(s)\n",
                        a->n_sources - 1);
        return 0;
    }
    strbuf_addstr(&d->out, "<li><a href=\"");
    cli_html_escape(&d->out, a->link ? a->link : "");
    strbuf_addstr(&d->out, "\">");
    cli_html_escape(&d->out, a->title ? a->title : "(untitled)");
    strbuf_addstr(&d->out, "</a><div class=meta>");
    cli_html_escape(&d->out, when);
    strbuf_addstr(&d->out, " &middot; ");
    cli_html_escape(&d->out, a->feed ? a->feed : "");
    for (size_t i = 1; i < a->n_sources; i++) {
        strbuf_addstr(&d->out, " &middot; also <a href=\"");
        cli_html_escape(&d->out, a->sources[i].link);
        strbuf_addstr(&d->out, "\">");
        cli_html_escape(&d->out, a->sources[i].feed);
        strbuf_addstr(&d->out, "</a>");
    }
    strbuf_addstr(&d->out, "</div>");
    for (size_t i = 0; i < a->n_evidence; i++) {
        if (strcmp(a->evidence[i].tag, d->current))
            continue;
        strbuf_addstr(&d->out, "<div class=why>");
        cli_html_escape(&d->out, a->evidence[i].rule_id);
        strbuf_addstr(&d->out, " matched <mark>");
        cli_html_escape(&d->out, a->evidence[i].matched);
        strbuf_addstr(&d->out, "</mark> in ");
        cli_html_escape(&d->out, a->evidence[i].field);
        strbuf_addstr(&d->out, "</div>");
    }
    strbuf_addstr(&d->out, "</li>\n");
    return 0;
}

static const char digest_css[] =
    "body{font:15px/1.45 system-ui,sans-serif;max-width:50em;margin:2em auto;"
    "padding:0 1em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;"
    "border-bottom:1px solid #ccc}li{margin:.6em 0}.meta,.why{color:#555;"
    "font-size:.9em}mark{background:#fe6}";

static int alerts_digest(struct store *st, const struct alerts_opts *o)
{
    struct digest d = {.out = STRBUF_INIT};
    if (o->format && strcmp(o->format, "text") && strcmp(o->format, "html"))
        return cli_usage_error("alerts", "digest --format is text or html");
    d.html = o->format && !strcmp(o->format, "html");
    int64_t since = o->since != FS_TIME_NONE ? o->since
                                             : fs_time_now() - 86400;
    struct store_alert_query q = {.status = -1, .since = since};
    fs_error err = {0};
    fs_code rc = store_alerts_each(st, &q, collect_tags, &d, &err);
    char from[32];
    fs_time_rfc3339(since, from);
    if (d.html) {
        strbuf_addf(&d.out, "<!DOCTYPE html>\n<html><head><meta charset=utf-8>"
                            "<title>feedsift alerts since %s</title><style>%s"
                            "</style></head><body>\n<h1>feedsift alerts "
                            "since %s</h1>\n", from, digest_css, from);
    } else {
        strbuf_addf(&d.out, "feedsift alerts since %s\n", from);
    }
    for (size_t i = 0; rc == FS_OK && i < d.n_tags; i++) {
        d.current = d.tags[i];
        size_t mark = d.out.len;
        if (d.html) {
            strbuf_addstr(&d.out, "<h2>");
            cli_html_escape(&d.out, d.current);
            strbuf_addstr(&d.out, "</h2>\n<ul>\n");
        } else {
            strbuf_addf(&d.out, "\n%s\n", d.current);
        }
        d.count = 0;
        rc = store_alerts_each(st, &q, digest_row, &d, &err);
        if (d.count == 0)
            strbuf_setlen(&d.out, mark);
        else if (d.html)
            strbuf_addstr(&d.out, "</ul>\n");
    }
    if (rc == FS_OK && d.n_tags == 0)
        strbuf_addstr(&d.out, d.html ? "<p>No alerts.</p>\n" : "\nNo alerts.\n");
    if (d.html)
        strbuf_addstr(&d.out, "</body></html>\n");
    if (rc == FS_OK)
        fwrite(d.out.buf, 1, d.out.len, stdout);
    fs_strv_free(d.tags, d.n_tags);
    strbuf_release(&d.out);
    return rc == FS_OK ? EXIT_OK : cli_fail("alerts", &err);
}

/* ---- the rest -------------------------------------------------------- */

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return cli_usage_error("alerts", "'%s' is not an alert id", s);
    *id = v;
    return 0;
}

static int deliver(struct store *st, const struct alerts_opts *o)
{
    struct alert_delivery_stats ds;
    fs_error err = {0};
    if (alerts_deliver_due(st, &o->ch, &ds, &err) != FS_OK)
        return cli_fail("alerts", &err);
    fprintf(stderr, "feedsift alerts: %d delivered, %d failed\n", ds.sent,
            ds.failed);
    return ds.failed ? EXIT_FAILURE_ : EXIT_OK;
}

struct failed_ids {
    int64_t *ids;
    size_t n, alloc;
};

static int collect_failed(const struct store_alert *a, void *ud)
{
    struct failed_ids *f = ud;
    FS_GROW(f->ids, f->n + 1, f->alloc);
    f->ids[f->n++] = a->id;
    return 0;
}

static int retry_or_ack(struct store *st, const struct alerts_opts *o,
                        int ack, int n, char **ids)
{
    struct failed_ids f = {0};
    fs_error err = {0};
    fs_code rc = FS_OK;
    for (int i = 0; i < n; i++) {
        int64_t id = 0;
        if (parse_id(ids[i], &id)) {
            free(f.ids);
            return EXIT_USAGE;
        }
        FS_GROW(f.ids, f.n + 1, f.alloc);
        f.ids[f.n++] = id;
    }
    if (ack && f.n == 0)
        return cli_usage_error("alerts", "ack wants alert ids");
    if (f.n == 0) {
        struct store_alert_query q = {.status = STORE_ALERT_FAILED,
                                      .since = FS_TIME_NONE};
        rc = store_alerts_each(st, &q, collect_failed, &f, &err);
    }
    for (size_t i = 0; rc == FS_OK && i < f.n; i++)
        rc = ack ? store_alert_ack(st, f.ids[i], &err)
                 : store_alert_retry(st, f.ids[i], &err);
    size_t done = f.n;
    free(f.ids);
    if (rc != FS_OK)
        return cli_fail("alerts", &err);
    fprintf(stderr, "feedsift alerts: %zu alert(s) %s\n", done,
            ack ? "acknowledged" : "due again");
    if (!ack && alert_channels_any(&o->ch))
        return deliver(st, o);
    return EXIT_OK;
}

static int print_watched(struct store *st)
{
    char **tags;
    size_t n;
    fs_error err = {0};
    if (store_watched_tags(st, &tags, &n, &err) != FS_OK)
        return cli_fail("alerts", &err);
    for (size_t i = 0; i < n; i++)
        printf("%s\n", tags[i]);
    fs_strv_free(tags, n);
    return EXIT_OK;
}

static int watch(struct store *st, int add, const char *tag)
{
    fs_error err = {0};
    int removed = 1;
    if (!*tag || tag[0] == '/' || tag[strlen(tag) - 1] == '/' ||
        strpbrk(tag, " \t\n"))
        return cli_usage_error("alerts", "'%s' is not a tag (like "
                                         "rare-earths/quotas)", tag);
    fs_code rc = add ? store_watch_add(st, tag, &err)
                     : store_watch_remove(st, tag, &removed, &err);
    if (rc != FS_OK)
        return cli_fail("alerts", &err);
    if (!removed) {
        fprintf(stderr, "feedsift alerts: %s was not watched\n", tag);
        return EXIT_FAILURE_;
    }
    return EXIT_OK;
}

static int run(struct store *st, struct alerts_opts *o, const char *verb,
               int n, char **args)
{
    if (!strcmp(verb, "list") && n == 0)
        return alerts_list(st, o);
    if (!strcmp(verb, "digest") && n == 0)
        return alerts_digest(st, o);
    if (!strcmp(verb, "watched") && n == 0)
        return print_watched(st);
    if ((!strcmp(verb, "watch") || !strcmp(verb, "unwatch")) && n == 1)
        return watch(st, !strcmp(verb, "watch"), args[0]);
    if (!strcmp(verb, "deliver") && n == 0) {
        if (!alert_channels_any(&o->ch))
            return cli_usage_error("alerts", "deliver needs a channel "
                                             "(--alert-exec, --alert-webhook "
                                             "or --alert-stdout)");
        return deliver(st, o);
    }
    if (!strcmp(verb, "retry"))
        return retry_or_ack(st, o, 0, n, args);
    if (!strcmp(verb, "ack"))
        return retry_or_ack(st, o, 1, n, args);
    return cli_usage_error("alerts", "unknown action '%s' or wrong number of "
                                     "arguments", verb);
}

int cmd_alerts(int argc, char **argv)
{
    enum { O_DB = 256, O_STATUS, O_SINCE, O_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, O_DB},
        {"status", required_argument, NULL, O_STATUS},
        {"since", required_argument, NULL, O_SINCE},
        {"format", required_argument, NULL, O_FORMAT},
        ALERT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct alerts_opts o = {.status = -1, .since = FS_TIME_NONE};
    const char *db_opt = NULL;
    alert_channels_init(&o.ch);
    int opt, rc = EXIT_OK;
    optind = 1;
    while (rc == EXIT_OK &&
           (opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        enum store_alert_status s;
        fs_error err = {0};
        switch (opt) {
        case O_DB: db_opt = optarg; break;
        case O_FORMAT: o.format = optarg; break;
        case O_STATUS:
            if (store_alert_status_parse(optarg, &s) != FS_OK)
                rc = cli_usage_error("alerts", "--status is pending, sent, "
                                               "failed or acked");
            o.status = (int)s;
            break;
        case O_SINCE:
            if (fs_time_parse_when(optarg, fs_time_now(), &o.since, &err) !=
                FS_OK)
                rc = cli_usage_error("alerts", "%s", err.msg);
            break;
        case 'h': rc = cli_help(alerts_help); goto out;
        default: {
            int r = alert_channels_option(&o.ch, opt, optarg);
            if (r < 0)
                rc = cli_usage_error("alerts", "unknown option");
            else if (r > 0)
                rc = r;
        }
        }
    }
    if (rc == EXIT_OK)
        rc = alert_channels_finish(&o.ch);
    if (rc != EXIT_OK)
        goto out;
    if (optind >= argc) {
        rc = cli_usage_error("alerts", "which action? (list, watch, "
                                       "unwatch, watched, deliver, retry, "
                                       "ack, digest)");
        goto out;
    }
    struct store *st;
    fs_error err = {0};
    if (store_open_existing(cli_db_path(db_opt), &st, &err) != FS_OK) {
        rc = cli_fail("alerts", &err);
        goto out;
    }
    rc = run(st, &o, argv[optind], argc - optind - 1, argv + optind + 1);
    store_close(st);
out:
    alert_channels_release(&o.ch);
    return rc;
}
