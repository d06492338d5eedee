/*
 * cmd_crawl.c — `feedsift crawl`: one scheduled run of the whole pipeline,
 * or a long-lived service with --loop.
 *
 * A run:
 *   1. read the feed list and the rules, open the store (the lock is
 *      taken once, before the first run);
 *   2. fetch the due feeds and store their items (crawl_feeds.c);
 *   3. fetch, extract and classify the article pages of new items
 *      (crawl_articles.c).
 *
 * Exit status: 0 all fine, 3 some feeds/pages failed, 4 another crawl
 * holds the lock, 5 the database cannot be used, 1 other failures, 2
 * usage, 128+signal after SIGINT/SIGTERM (what was complete is stored).
 * With --loop, a run's failure to read the feed list or rules is logged
 * and retried at the next round, so a typo does not kill the service;
 * database errors still end it (the service manager restarts it).
 */
#include "cli.h"
#include "crawl.h"
#include "parser.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static const char crawl_help[] =
    "usage: feedsift crawl [OPTIONS]\n"
    "\n"
    "Fetch the feeds of the feed list that are due, parse them, fetch the\n"
    "article page of each new item, extract its main text, classify it and\n"
    "store it all.  Each feed's next check is scheduled from how often it\n"
    "publishes; errors back off; 410 Gone disables a feed.\n"
    "\n"
    "Options:\n"
    "  --feeds FILE         feed list: text (URL [name] per line) or OPML\n"
    "                       (default: $FEEDSIFT_FEEDS, else ./feeds.txt)\n"
    "  --db PATH            database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --rules FILE         rules file (default: $FEEDSIFT_RULES, else the\n"
    "                       shipped rules/default.rules)\n"
    "  --all                poll every enabled feed, due or not\n"
    "  --loop INTERVAL      run forever: a crawl every INTERVAL (e.g. 5m)\n"
    "  --min-interval DUR   poll a feed at most this often (default 5m)\n"
    "  --max-interval DUR   and at least this often (default 6h)\n"
    "  --contact URL        contact URL or mail address put in the\n"
    "                       User-Agent (default: $FEEDSIFT_CONTACT)\n"
    "  --ca-file FILE       trust the CAs in this PEM file for https, instead\n"
    "                       of the system's (default: $FEEDSIFT_CA_FILE)\n"
    "  --concurrency N      transfers in flight at once (default 32)\n"
    "  --per-host N         connections per host (default 4)\n"
    "  --timeout SECONDS    whole-transfer timeout (default 60)\n"
    "  --max-size BYTES     largest response accepted, after decompression\n"
    "                       (default 16777216)\n"
    "  --no-articles        store feed items only, do not fetch article pages\n"
    "  --article-delay MS   least time between two article pages fetched\n"
    "                       from one host (default 250)\n"
    "  --allow-file         allow file:// feed URLs (never on redirects)\n"
    "  --format text|json   summary format on stdout (default text)\n"
    ALERT_HELP
    "  -h, --help           this help\n"
    "\n"
    "Durations: 90s, 30m, 2h, 1d.  Proxies come from the usual environment\n"
    "variables (http_proxy, https_proxy, no_proxy).  The rules' compiled\n"
    "prefilter is cached in $FEEDSIFT_CACHE_DIR (default\n"
    "$XDG_CACHE_HOME/feedsift, else ~/.cache/feedsift; empty: no cache).\n"
    "\n"
    "Exit status: 0 all feeds and pages fine; 3 the run completed but some\n"
    "feeds or pages failed (see stderr); 4 another crawl on the same database\n"
    "is running; 5 the database cannot be used; 1 other errors; 2 usage;\n"
    "130/143 stopped by SIGINT/SIGTERM (what was complete is stored).\n";

/* What the command line asked for, beyond struct crawl. */
struct crawl_args {
    const char *feeds_path;
    const char *db;
    const char *rules_path;
    int json;
    int64_t loop;             /* seconds between runs, 0: run once */
};

/* ---- signals ----------------------------------------------------------- */

/* SIGINT/SIGTERM: stop starting transfers, abandon those in flight, keep
 * every feed and page already committed, record the run and exit 128+sig.
 * SA_RESETHAND makes a second signal kill at once, for the impatient. */
static volatile sig_atomic_t crawl_signal;

static void on_signal(int sig)
{
    crawl_signal = sig;
    fetch_interrupt();
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- group commit ---------------------------------------------------- */

/* Committing each feed or page on its own cost ~2,000 + 40,000 WAL commits
 * (and their checkpoints) per bench crawl; one transaction per
 * CRAWL_BATCH_MS keeps each unit atomic and bounds what a crash loses. */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

fs_code crawl_batch_begin(struct crawl *c, fs_error *err)
{
    if (c->batch_open)
        return FS_OK;
    fs_code rc = store_begin(c->store, err);
    if (rc != FS_OK)
        return rc;
    c->batch_open = 1;
    c->batch_units = 0;
    c->batch_started_ms = mono_ms();
    return FS_OK;
}

void crawl_batch_flush(struct crawl *c)
{
    if (!c->batch_open)
        return;
    c->batch_open = 0;
    fs_error err = {0};
    if (store_commit(c->store, &err) != FS_OK) {
        store_rollback(c->store);
        if (!c->fatal) {
            c->fatal = 1;
            c->fatal_err = err;
        }
    }
}

void crawl_batch_abort(struct crawl *c)
{
    if (c->batch_open)
        store_rollback(c->store);
    c->batch_open = 0;
}

void crawl_batch_unit_done(struct crawl *c)
{
    if (!c->batch_open)
        return;
    if (++c->batch_units >= CRAWL_BATCH_MAX ||
        mono_ms() - c->batch_started_ms >= CRAWL_BATCH_MS)
        crawl_batch_flush(c);
}

void crawl_batch_idle(void *crawl)
{
    struct crawl *c = crawl;
    if (c->batch_open && mono_ms() - c->batch_started_ms >= CRAWL_BATCH_MS)
        crawl_batch_flush(c);
}

/* ---- shared by the phases -------------------------------------------- */

/* The progress line is redrawn in place (\r, erase line) at most every
 * PROGRESS_MS and at the end of a phase: 40,000 redraws would be 40,000
 * writes to the terminal. */
#define PROGRESS_MS 100

void crawl_progress(struct crawl *c, const char *phase, size_t done,
                    size_t total)
{
    if (!c->progress)
        return;
    int64_t now = mono_ms();
    if (done < total && c->progress_drawn &&
        now - c->progress_at < PROGRESS_MS)
        return;
    c->progress_at = now;
    c->progress_drawn = 1;
    fprintf(stderr, "\r\033[K%s %zu/%zu  new %d  updated %d  errors %d",
            phase, done, total, c->stats.items_new, c->stats.items_updated,
            c->stats.feeds_failed + c->stats.articles_failed);
    fflush(stderr);
}

void crawl_progress_break(struct crawl *c)
{
    if (c->progress && c->progress_drawn)
        fputs("\r\033[K", stderr);
    c->progress_drawn = 0;
}

static void progress_clear(struct crawl *c)
{
    crawl_progress_break(c);
}

const char *crawl_feed_name(const struct crawl *c, int64_t feed_id)
{
    for (size_t i = 0; i < c->n_feeds; i++)
        if (c->feeds[i].id == feed_id)
            return c->feeds[i].name;
    return NULL;
}

/* Is tag watched: by `alerts watch` of itself or an ancestor? */
static int tag_watched(const struct crawl *c, const char *tag)
{
    for (size_t i = 0; i < c->n_watched; i++)
        if (tag_matches(tag, c->watched[i]))
            return 1;
    return 0;
}

/* The distinct watched tags among the hits (borrowed strings). */
static size_t alert_tags(const struct crawl *c,
                         const struct classification *cls, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < cls->n_hits; i++) {
        const char *tag = cls->hits[i].tag;
        if (!cls->hits[i].alert && !tag_watched(c, tag))
            continue;
        size_t j = 0;
        while (j < n && strcmp(out[j], tag))
            j++;
        if (j == n)
            out[n++] = tag;
    }
    return n;
}

/* Replace an item's tags with a classification; when a watched tag is
 * among them, create the story's alert in the same transaction.  Warnings
 * (a pattern that hit the match limit) are logged, never fatal. */
static fs_code store_tags(struct crawl *c, int64_t item_id,
                         const struct classification *cls, fs_error *err)
{
    for (size_t i = 0; i < cls->n_warnings; i++)
        fs_log(FS_LOG_WARN, "item %lld: %s", (long long)item_id,
               cls->warnings[i]);
    size_t n = cls->n_hits ? cls->n_hits : 1;
    struct store_tag *tags = fs_calloc(n, sizeof(*tags));
    const char **watched = fs_calloc(n, sizeof(*watched));
    for (size_t i = 0; i < cls->n_hits; i++) {
        tags[i].tag = cls->hits[i].tag;
        tags[i].rule_id = cls->hits[i].rule_id;
        tags[i].field = cls->hits[i].field;
        tags[i].matched = cls->hits[i].matched;
        tags[i].alert = cls->hits[i].alert;
    }
    size_t added = 0;
    fs_code rc = store_item_set_tags(c->store, item_id, tags, cls->n_hits,
                                     rule_set_version(c->rules), &added, err);
    if (rc == FS_OK)
        c->stats.tags_added += (int)added;
    size_t n_watched = alert_tags(c, cls, watched);
    int created = 0;
    if (rc == FS_OK && n_watched)
        rc = store_alert_enqueue(c->store, item_id, watched, n_watched,
                                 fs_time_now(), &created, err);
    c->alerts_new += created;
    free(watched);
    free(tags);
    return rc;
}

void crawl_verdict_make(const struct crawl *c, const struct classify_input *in,
                        struct crawl_verdict *v)
{
    v->done = 1;
    v->rc = rule_set_match(c->rules, in, &v->cls, &v->err);
}

fs_code crawl_verdict_store(struct crawl *c, int64_t item_id,
                            const struct classify_input *in,
                            struct crawl_verdict *v, fs_error *err)
{
    if (!v->done)
        crawl_verdict_make(c, in, v);
    if (v->rc != FS_OK) {
        *err = v->err;
        return v->rc;
    }
    return store_tags(c, item_id, &v->cls, err);
}

void crawl_verdict_release(struct crawl_verdict *v)
{
    classification_release(&v->cls);
}

/* ---- setup ----------------------------------------------------------- */

/* An advisory lock next to the database, so overlapping cron runs on the
 * same database exit at once instead of crawling twice.  flock() is
 * released by the kernel when the process dies, so a crash never leaves a
 * stale lock behind. */
static int take_lock(const char *db, int *fd_out, fs_error *err)
{
    char *path = fs_asprintf("%s.lock", db);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fs_error_set(err, FS_EBUSY,
                     "another crawl is running on %s (lock %s held)", db,
                     path);
        close(fd);
        free(path);
        return 1;
    }
    free(path);
    *fd_out = fd;
    return 0;
}

static void copy_feed_state(const struct store_feed *f, void *ud)
{
    struct crawl_feed *cf = ud;
    cf->url = fs_strdup(f->url);
    cf->etag = fs_strdup(f->etag);
    cf->last_modified = fs_strdup(f->last_modified);
    cf->poll_interval = f->poll_interval;
    cf->next_due = f->next_due;
    cf->consecutive_errors = f->consecutive_errors;
    cf->due = !f->disabled;
}

/* Does feed id already have an entry among the first n? */
static int feed_listed(const struct crawl *c, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (c->feeds[i].id == id)
            return 1;
    return 0;
}

/* Make sure every listed feed is stored, and load what the run needs to
 * know about each: URL, validators, schedule. */
static fs_code load_feeds(struct crawl *c, const struct feed_list *list,
                          fs_error *err)
{
    int64_t now = fs_time_now();
    c->feeds = fs_calloc(list->n_entries ? list->n_entries : 1,
                         sizeof(*c->feeds));
    fs_code rc = store_begin(c->store, err);
    for (size_t i = 0; rc == FS_OK && i < list->n_entries; i++) {
        const struct feed_list_entry *e = &list->entries[i];
        int64_t id;
        rc = store_feed_ensure(c->store, e->url, e->name, &id, err);
        if (rc != FS_OK || feed_listed(c, c->n_feeds, id))
            continue;
        struct crawl_feed *cf = &c->feeds[c->n_feeds++];
        cf->id = id;
        cf->name = fs_strdup(e->name ? e->name : e->url);
        rc = store_feed_get(c->store, id, copy_feed_state, cf, err);
        if (!cf->due)
            c->n_disabled++;
        else if (!c->all && cf->next_due != FS_TIME_NONE &&
                 cf->next_due > now)
            cf->due = 0;
        c->n_due += cf->due;
    }
    if (rc == FS_OK)
        return store_commit(c->store, err);
    store_rollback(c->store);
    return rc;
}

static void release_feeds(struct crawl *c)
{
    for (size_t i = 0; i < c->n_feeds; i++) {
        free(c->feeds[i].url);
        free(c->feeds[i].name);
        free(c->feeds[i].etag);
        free(c->feeds[i].last_modified);
    }
    free(c->feeds);
    c->feeds = NULL;
    c->n_feeds = c->n_due = c->n_disabled = c->feeds_done = 0;
}

static void print_summary(const struct crawl *c, int json)
{
    const struct store_run_stats *s = &c->stats;
    size_t not_due = c->n_feeds - c->n_due - c->n_disabled;
    if (json) {
        json_t *o = json_pack(
            "{s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
            "s:i, s:i, s:i, s:i, s:i, s:I}",
            "feeds_due", (json_int_t)c->n_due, "feeds_not_due",
            (json_int_t)not_due, "feeds_disabled", (json_int_t)c->n_disabled,
            "feeds_ok", s->feeds_ok, "feeds_not_modified",
            s->feeds_not_modified, "feeds_failed", s->feeds_failed,
            "feeds_moved", c->feeds_moved, "feeds_gone", c->feeds_gone,
            "items_new", s->items_new, "items_updated", s->items_updated,
            "articles_ok", s->articles_ok, "articles_failed",
            s->articles_failed, "articles_robots", c->articles_skipped,
            "tags_added", s->tags_added, "alerts_new", c->alerts_new,
            "alerts_delivered", c->delivered.sent, "alerts_failed",
            c->delivered.failed, "seconds",
            (json_int_t)(s->finished_at - s->started_at));
        if (!o)
            fs_oom();
        cli_print_json(stdout, o, 0);
        json_decref(o);
        fflush(stdout);
        return;
    }
    printf("feeds: %zu due (%zu not due, %zu disabled): %d ok, %d not "
           "modified, %d failed; items: %d new, %d updated; articles: %d "
           "ok, %d failed, %d refused by robots.txt; tags: %d added; "
           "alerts: %d new, %d delivered, %d failed\n",
           c->n_due, not_due, c->n_disabled, s->feeds_ok,
           s->feeds_not_modified, s->feeds_failed, s->items_new,
           s->items_updated, s->articles_ok, s->articles_failed,
           c->articles_skipped, s->tags_added, c->alerts_new,
           c->delivered.sent, c->delivered.failed);
    fflush(stdout);
}

/* ---- one run --------------------------------------------------------- */

/* Read the feed list and the rules.  On failure err says which file and
 * line, and the run does not start. */
static fs_code load_inputs(struct crawl *c, const struct crawl_args *a,
                           struct feed_list *list, fs_error *err)
{
    struct strbuf data = STRBUF_INIT;
    fs_code rc = fs_read_file(a->feeds_path, &data, 16u << 20, err);
    if (rc == FS_OK)
        rc = feed_list_parse(data.buf, data.len, a->feeds_path, list, err);
    strbuf_release(&data);
    if (rc == FS_OK && list->n_entries == 0)
        rc = fs_error_set(err, FS_EINVAL, "%s: no feeds listed",
                          a->feeds_path);
    if (rc == FS_OK)
        rc = rule_set_load(cli_rules_path(a->rules_path), &c->rules, err);
    if (rc == FS_OK) { /* the prefilter from the cache, or compiled now */
        char *cache = fs_cache_dir();
        rule_set_prefilter_prepare(c->rules, cache);
        free(cache);
    }
    return rc;
}

/* Everything of one run after its inputs are loaded.  Returns the exit
 * status of the run. */
static int crawl_run(struct crawl *c, const struct crawl_args *a,
                     const struct feed_list *list)
{
    fs_error err = {0};
    int64_t run_id = 0;
    fs_code frc = FS_OK;
    memset(&c->stats, 0, sizeof(c->stats));
    memset(&c->delivered, 0, sizeof(c->delivered));
    c->articles_skipped = c->feeds_moved = c->feeds_gone = 0;
    c->alerts_new = 0;
    fs_strv_free(c->watched, c->n_watched);
    c->watched = NULL;
    c->n_watched = 0;
    c->stats.started_at = fs_time_now();
    if (store_run_begin(c->store, c->stats.started_at, &run_id, &err) !=
            FS_OK ||
        store_watched_tags(c->store, &c->watched, &c->n_watched, &err) !=
            FS_OK ||
        load_feeds(c, list, &err) != FS_OK ||
        ((frc = crawl_feeds(c, &err)) != FS_OK && frc != FS_EINTR) ||
        (frc == FS_OK && !c->fatal && !c->no_articles &&
         (frc = crawl_articles(c, &err)) != FS_OK && frc != FS_EINTR)) {
        progress_clear(c);
        return cli_fail("crawl", &err);
    }
    progress_clear(c);
    if (frc == FS_EINTR)
        fprintf(stderr, "feedsift crawl: %s; what was complete is stored\n",
                err.msg);
    if (c->fatal)
        return cli_fail("crawl", &c->fatal_err);
    /* After every commit: an alert exists only once its story is stored,
     * and one left undelivered by a crash goes out now. */
    if (!crawl_signal &&
        alerts_deliver_due(c->store, &c->channels, &c->delivered, &err) !=
            FS_OK)
        return cli_fail("crawl", &err);
    c->stats.finished_at = fs_time_now();
    if (store_run_finish(c->store, run_id, &c->stats, &err) != FS_OK)
        return cli_fail("crawl", &err);
    print_summary(c, a->json);
    if (crawl_signal)
        return 128 + crawl_signal;
    if (c->stats.feeds_failed || c->stats.articles_failed ||
        c->delivered.failed)
        return EXIT_PARTIAL;
    return EXIT_OK;
}

/* Sleep until the next round of --loop; a signal cuts it short. */
static void loop_sleep(int64_t seconds)
{
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = 0};
    while (!crawl_signal && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int crawl_main(struct crawl *c, const struct crawl_args *a)
{
    fs_error err = {0};
    int lock_fd = -1, rc;
    struct feed_list list = {0};
    /* Inputs first: a typo in the feed list must not create a database. */
    if (load_inputs(c, a, &list, &err) != FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    int locked = take_lock(a->db, &lock_fd, &err);
    if (locked) {
        fprintf(stderr, "feedsift crawl: %s\n", err.msg);
        rc = locked > 0 ? EXIT_LOCKED : EXIT_FAILURE_;
        goto out;
    }
    if (store_open(a->db, &c->store, &err) != FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    c->progress = isatty(STDERR_FILENO) && fs_log_get_level() < FS_LOG_INFO;
    install_signal_handlers();
    for (;;) {
        rc = crawl_run(c, a, &list);
        release_feeds(c);
        feed_list_release(&list);
        rule_set_free(c->rules);
        c->rules = NULL;
        if (!a->loop || crawl_signal || rc == EXIT_DATABASE)
            break;
        /* Each round re-reads the feed list and the rules, so edits take
         * effect without a restart; a broken edit skips the round. */
        for (;;) {
            loop_sleep(a->loop);
            if (crawl_signal || load_inputs(c, a, &list, &err) == FS_OK)
                break;
            cli_fail("crawl", &err);
            fs_log(FS_LOG_WARN, "crawl: will try again in %lld s",
                   (long long)a->loop);
            feed_list_release(&list);
            rule_set_free(c->rules);
            c->rules = NULL;
        }
        if (crawl_signal) {
            rc = 128 + crawl_signal;
            break;
        }
    }
out:
    feed_list_release(&list);
    rule_set_free(c->rules);
    store_close(c->store);
    fs_strv_free(c->watched, c->n_watched);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}

/* ---- options --------------------------------------------------------- */

static int parse_count(const char *cmd, const char *opt, const char *s,
                       long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0 || v > max)
        return cli_usage_error(cmd, "%s wants a number from 1 to %lld, not "
                                    "'%s'", opt, max, s);
    *out = v;
    return 0;
}

static int parse_duration(const char *opt, const char *s, int64_t *out)
{
    if (fs_duration_parse(s, out) != FS_OK || *out <= 0)
        return cli_usage_error("crawl", "%s wants a duration such as 90s, "
                                        "30m, 2h or 1d, not '%s'", opt, s);
    return 0;
}

int cmd_crawl(int argc, char **argv)
{
    enum { O_FEEDS = 256, O_DB, O_RULES, O_CONC, O_PERHOST, O_TIMEOUT,
           O_MAXSIZE, O_NOART, O_DELAY, O_FILE, O_FORMAT, O_ALL, O_LOOP,
           O_MININT, O_MAXINT, O_CONTACT, O_CAFILE };
    static const struct option longopts[] = {
        {"feeds", required_argument, NULL, O_FEEDS},
        {"db", required_argument, NULL, O_DB},
        {"rules", required_argument, NULL, O_RULES},
        {"all", no_argument, NULL, O_ALL},
        {"loop", required_argument, NULL, O_LOOP},
        {"min-interval", required_argument, NULL, O_MININT},
        {"max-interval", required_argument, NULL, O_MAXINT},
        {"contact", required_argument, NULL, O_CONTACT},
        {"ca-file", required_argument, NULL, O_CAFILE},
        {"concurrency", required_argument, NULL, O_CONC},
        {"per-host", required_argument, NULL, O_PERHOST},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"max-size", required_argument, NULL, O_MAXSIZE},
        {"no-articles", no_argument, NULL, O_NOART},
        {"article-delay", required_argument, NULL, O_DELAY},
        {"allow-file", no_argument, NULL, O_FILE},
        {"format", required_argument, NULL, O_FORMAT},
        ALERT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct crawl_args a = {.feeds_path = getenv("FEEDSIFT_FEEDS")};
    const char *db_opt = NULL, *contact = getenv("FEEDSIFT_CONTACT");
    struct crawl c;
    memset(&c, 0, sizeof(c));
    fetch_options_default(&c.fopt);
    c.fopt.ca_file = getenv("FEEDSIFT_CA_FILE");
    if (c.fopt.ca_file && !*c.fopt.ca_file)
        c.fopt.ca_file = NULL;
    schedule_policy_default(&c.policy);
    alert_channels_init(&c.channels);
    c.article_delay_ms = 250;
    c.fopt.idle = crawl_batch_idle;
    c.fopt.idle_ud = &c;
    int rc = EXIT_OK;

    optind = 1;
    int o;
    long long v = 0;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (o) {
        case O_FEEDS: a.feeds_path = optarg; break;
        case O_DB: db_opt = optarg; break;
        case O_RULES: a.rules_path = optarg; break;
        case O_ALL: c.all = 1; break;
        case O_LOOP:
            if (parse_duration("--loop", optarg, &a.loop))
                goto usage;
            break;
        case O_MININT:
            if (parse_duration("--min-interval", optarg,
                               &c.policy.min_interval))
                goto usage;
            break;
        case O_MAXINT:
            if (parse_duration("--max-interval", optarg,
                               &c.policy.max_interval))
                goto usage;
            break;
        case O_CONTACT: contact = optarg; break;
        case O_CAFILE: c.fopt.ca_file = optarg; break;
        case O_CONC:
            if (parse_count("crawl", "--concurrency", optarg, 1024, &v))
                goto usage;
            c.fopt.max_concurrency = (int)v;
            break;
        case O_PERHOST:
            if (parse_count("crawl", "--per-host", optarg, 64, &v))
                goto usage;
            c.fopt.max_per_host = (int)v;
            break;
        case O_TIMEOUT:
            if (parse_count("crawl", "--timeout", optarg, 86400, &v))
                goto usage;
            c.fopt.timeout_ms = (long)v * 1000;
            break;
        case O_MAXSIZE:
            if (parse_count("crawl", "--max-size", optarg, 1LL << 32, &v))
                goto usage;
            c.fopt.max_body = (size_t)v;
            break;
        case O_NOART: c.no_articles = 1; break;
        case O_DELAY:
            if (!strcmp(optarg, "0"))
                c.article_delay_ms = 0;
            else if (parse_count("crawl", "--article-delay", optarg, 60000,
                                 &v))
                goto usage;
            else
                c.article_delay_ms = (long)v;
            break;
        case O_FILE: c.fopt.allow_file = 1; break;
        case O_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                cli_usage_error("crawl", "--format is text or json");
                goto usage;
            }
            a.json = !strcmp(optarg, "json");
            break;
        case 'h': rc = cli_help(crawl_help); goto out;
        default: {
            int r = alert_channels_option(&c.channels, o, optarg);
            if (r < 0)
                rc = cli_usage_error("crawl", "unknown option");
            else if (r > 0)
                rc = r;
        }
        }
        if (rc != EXIT_OK)
            goto out;
    }
    if (optind < argc) {
        cli_usage_error("crawl", "unexpected argument '%s'", argv[optind]);
        goto usage;
    }
    if ((rc = alert_channels_finish(&c.channels)) != EXIT_OK)
        goto out;
    if (c.policy.min_interval > c.policy.max_interval) {
        cli_usage_error("crawl", "--min-interval is longer than "
                                 "--max-interval");
        goto usage;
    }
    if (c.policy.default_interval < c.policy.min_interval)
        c.policy.default_interval = c.policy.min_interval;
    if (c.policy.default_interval > c.policy.max_interval)
        c.policy.default_interval = c.policy.max_interval;
    if (!a.feeds_path || !*a.feeds_path)
        a.feeds_path = "feeds.txt";
    a.db = cli_db_path(db_opt);

    char *ua = fetch_user_agent(contact);
    c.fopt.user_agent = ua;
    c.channels.fopt.user_agent = ua;
    c.channels.fopt.ca_file = c.fopt.ca_file;
    rc = crawl_main(&c, &a);
    free(ua);
out:
    alert_channels_release(&c.channels);
    return rc;
usage:
    alert_channels_release(&c.channels);
    return EXIT_USAGE;
}
