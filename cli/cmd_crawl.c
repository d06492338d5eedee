/*
 * cmd_crawl.c — `feedsift crawl`: the whole pipeline for one scheduled run.
 *
 *   1. read the feed list, load the rules, open the store, take the lock;
 *   2. fetch every feed concurrently (conditional GET); as each arrives,
 *      parse it and store its items in ONE transaction per feed, so a crash
 *      loses at most the feed in flight.  New items with a link are stored
 *      with body_state PENDING;
 *   3. fetch the article page of every PENDING item (this run's and any a
 *      crashed run left behind), extract the main text, classify title +
 *      summary + body, and store body and tags in one transaction per item.
 *
 * Items without a link are classified in step 2 from the feed text alone.
 * A failing feed or page is recorded and reported; it never stops the
 * others.  Exit status: 0 all fine, 3 some feeds/pages failed, 4 another
 * crawl holds the lock, 1/5 the run itself could not proceed.
 */
#include "classifier.h"
#include "cli.h"
#include "fetcher.h"
#include "parser.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char crawl_help[] =
    "usage: feedsift crawl [OPTIONS]\n"
    "\n"
    "Fetch every feed in the feed list, parse it, fetch the article page of\n"
    "each new item, extract its main text, classify it and store it all.\n"
    "\n"
    "Options:\n"
    "  --feeds FILE         feed list: text (URL [name] per line) or OPML\n"
    "                       (default: $FEEDSIFT_FEEDS, else ./feeds.txt)\n"
    "  --db PATH            database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --rules FILE         rules file (default: $FEEDSIFT_RULES, else the\n"
    "                       shipped rules/default.rules)\n"
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
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 all feeds and pages fine; 3 the run completed but some\n"
    "feeds or pages failed (see stderr); 4 another crawl on the same database\n"
    "is running; 5 the database cannot be used; 1 other errors; 2 usage;\n"
    "130/143 stopped by SIGINT/SIGTERM (what was complete is stored).\n";

struct crawl {
    struct store *store;
    struct rule_set *rules;
    struct fetch_options fopt;
    struct store_run_stats stats;
    int64_t *feed_ids;        /* parallel to the feed list */
    char **feed_names;        /* display name per feed, for classification */
    size_t n_feeds;
    size_t feeds_done;
    int progress;             /* draw a progress line on stderr */
    int no_articles;          /* classify from the feed text right away */
    long article_delay_ms;    /* between two article pages on one host */
    int articles_skipped;     /* refused by robots.txt */
    int fatal;                /* a store error: stop writing */
    fs_error fatal_err;
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

/* ---- helpers --------------------------------------------------------- */

/* The charset parameter of a Content-Type value, malloc'd, or NULL. */
static char *content_type_charset(const char *ctype)
{
    if (!ctype)
        return NULL;
    const char *p = strcasestr(ctype, "charset=");
    if (!p)
        return NULL;
    p += 8;
    if (*p == '"')
        p++;
    size_t n = strcspn(p, "\"; \t");
    return n ? fs_strndup(p, n) : NULL;
}

static char *plain_text(const char *html)
{
    if (!html)
        return NULL;
    struct strbuf sb = STRBUF_INIT;
    html_to_text(&sb, html, strlen(html));
    return strbuf_detach(&sb, NULL);
}

static void progress_line(struct crawl *c, const char *phase, size_t done,
                          size_t total)
{
    if (!c->progress)
        return;
    fprintf(stderr, "\r\033[K%s %zu/%zu  new %d  updated %d  errors %d",
            phase, done, total, c->stats.items_new, c->stats.items_updated,
            c->stats.feeds_failed + c->stats.articles_failed);
    fflush(stderr);
}

static void progress_clear(struct crawl *c)
{
    if (c->progress)
        fputs("\r\033[K", stderr);
}

/* Classify and replace an item's tags.  Warnings (a pattern that hit the
 * match limit) are logged, never fatal. */
static fs_code classify_and_tag(struct crawl *c, int64_t item_id,
                                const struct classify_input *in,
                                fs_error *err)
{
    struct classification cls = {0};
    fs_code rc = rule_set_match(c->rules, in, &cls, err);
    if (rc != FS_OK)
        return rc;
    for (size_t i = 0; i < cls.n_warnings; i++)
        fs_log(FS_LOG_WARN, "item %lld: %s", (long long)item_id,
               cls.warnings[i]);
    struct store_tag *tags = fs_calloc(cls.n_hits ? cls.n_hits : 1,
                                       sizeof(*tags));
    for (size_t i = 0; i < cls.n_hits; i++) {
        tags[i].tag = cls.hits[i].tag;
        tags[i].rule_id = cls.hits[i].rule_id;
        tags[i].field = cls.hits[i].field;
        tags[i].matched = cls.hits[i].matched;
        tags[i].alert = cls.hits[i].alert;
    }
    size_t added = 0;
    rc = store_item_set_tags(c->store, item_id, tags, cls.n_hits,
                             rule_set_version(c->rules), &added, err);
    if (rc == FS_OK)
        c->stats.tags_added += (int)added;
    free(tags);
    classification_release(&cls);
    return rc;
}

/* ---- phase 2: feeds -------------------------------------------------- */

static fs_code store_feed_items(struct crawl *c, size_t idx,
                                const struct feed *feed, fs_error *err)
{
    int64_t feed_id = c->feed_ids[idx];
    for (size_t i = 0; i < feed->n_items; i++) {
        const struct feed_item *fi = &feed->items[i];
        char *guid = feed_item_key(fi);
        char *title = plain_text(fi->title);
        char *summary = plain_text(fi->summary ? fi->summary : fi->content);
        struct store_item it = {
            .feed_id = feed_id,
            .guid = guid,
            .title = title,
            .link = fi->link,
            .author = fi->author,
            .summary = summary,
            .body_state = fi->link && *fi->link ? STORE_BODY_PENDING
                                                : STORE_BODY_NONE,
            .published = fi->published,
            .updated = fi->updated,
            .first_seen = c->stats.started_at,
        };
        int64_t item_id = 0;
        enum store_upsert_result ur = STORE_ITEM_UNCHANGED;
        fs_code rc = store_item_upsert(c->store, &it, &item_id, &ur, err);
        if (rc == FS_OK && ur != STORE_ITEM_UNCHANGED) {
            if (ur == STORE_ITEM_NEW)
                c->stats.items_new++;
            else
                c->stats.items_updated++;
            if (it.body_state == STORE_BODY_PENDING && !c->no_articles) {
                /* Refetch the page of an edited item: its text changed too. */
                if (ur == STORE_ITEM_UPDATED)
                    rc = store_item_set_body(c->store, item_id,
                                             STORE_BODY_PENDING, NULL, NULL,
                                             NULL, err);
            } else {
                struct classify_input in = {.title = title,
                                            .summary = summary,
                                            .link = fi->link,
                                            .feed = c->feed_names[idx]};
                rc = classify_and_tag(c, item_id, &in, err);
            }
        }
        free(guid);
        free(title);
        free(summary);
        if (rc != FS_OK)
            return rc;
    }
    return FS_OK;
}

static void record_feed_failure(struct crawl *c, size_t idx, const char *msg)
{
    fs_error err = {0};
    struct store_feed_check chk = {.checked_at = fs_time_now(), .ok = 0,
                                   .error = msg};
    c->stats.feeds_failed++;
    fs_log(FS_LOG_WARN, "%s", msg);
    if (store_feed_record_check(c->store, c->feed_ids[idx], &chk, &err) !=
        FS_OK) {
        c->fatal = 1;
        c->fatal_err = err;
    }
}

static void on_feed_done(struct fetch_result *res, void *ud)
{
    struct crawl *c = ud;
    size_t idx = (size_t)(uintptr_t)res->request->user;
    c->feeds_done++;
    progress_line(c, "feeds", c->feeds_done, c->n_feeds);
    if (c->fatal)
        return;
    if (res->code != FS_OK) {
        record_feed_failure(c, idx, res->error);
        return;
    }
    fs_error err = {0};
    struct store_feed_check chk = {.checked_at = fs_time_now(), .ok = 1};
    if (res->not_modified) {
        c->stats.feeds_not_modified++;
        chk.not_modified = 1;
        if (store_feed_record_check(c->store, c->feed_ids[idx], &chk, &err))
            goto store_failed;
        return;
    }

    char *charset = content_type_charset(res->content_type);
    struct feed feed = {0};
    fs_code rc = feed_parse(res->body, res->body_len, res->effective_url,
                            charset, &feed, &err);
    free(charset);
    if (rc != FS_OK || feed.format == FEED_FORMAT_UNKNOWN) {
        char *msg = fs_asprintf("%s: not a feed: %s", res->request->url,
                                rc != FS_OK ? err.msg
                                : feed.n_errors ? feed.errors[0]
                                                : "unknown format");
        feed_release(&feed);
        record_feed_failure(c, idx, msg);
        free(msg);
        return;
    }
    for (size_t i = 0; i < feed.n_errors; i++)
        fs_log(FS_LOG_INFO, "%s: %s", res->request->url, feed.errors[i]);

    chk.etag = res->etag;
    chk.last_modified = res->last_modified;
    chk.title = feed.title;
    int before_new = c->stats.items_new, before_upd = c->stats.items_updated;
    if (store_begin(c->store, &err) != FS_OK)
        goto store_failed_feed;
    if (store_feed_items(c, idx, &feed, &err) != FS_OK ||
        store_feed_record_check(c->store, c->feed_ids[idx], &chk, &err) !=
            FS_OK ||
        store_commit(c->store, &err) != FS_OK) {
        store_rollback(c->store);
        c->stats.items_new = before_new;
        c->stats.items_updated = before_upd;
        goto store_failed_feed;
    }
    c->stats.feeds_ok++;
    fs_log(FS_LOG_INFO, "%s: %zu items", res->request->url, feed.n_items);
    feed_release(&feed);
    return;

store_failed_feed:
    feed_release(&feed);
store_failed:
    c->fatal = 1;
    c->fatal_err = err;
}

struct feed_cache_ctx {
    char *etag;
    char *last_modified;
};

static void copy_feed_cache(const struct store_feed *f, void *ud)
{
    struct feed_cache_ctx *fc = ud;
    fc->etag = fs_strdup(f->etag);
    fc->last_modified = fs_strdup(f->last_modified);
}

static fs_code crawl_feeds(struct crawl *c, const struct feed_list *list,
                           fs_error *err)
{
    struct fetch_request *reqs = fs_calloc(list->n_entries, sizeof(*reqs));
    struct feed_cache_ctx *cache = fs_calloc(list->n_entries, sizeof(*cache));
    fs_code rc = FS_OK;
    for (size_t i = 0; i < list->n_entries; i++) {
        rc = store_feed_get(c->store, c->feed_ids[i], copy_feed_cache,
                            &cache[i], err);
        if (rc != FS_OK)
            goto out;
        reqs[i].url = list->entries[i].url;
        reqs[i].etag = cache[i].etag;
        reqs[i].last_modified = cache[i].last_modified;
        reqs[i].user = (void *)(uintptr_t)i;
    }
    rc = fetch_all(&c->fopt, reqs, list->n_entries, on_feed_done, c, err);
out:
    for (size_t i = 0; i < list->n_entries; i++) {
        free(cache[i].etag);
        free(cache[i].last_modified);
    }
    free(cache);
    free(reqs);
    return rc;
}

/* ---- phase 3: article pages ------------------------------------------ */

struct pending_item {
    int64_t id;
    int64_t feed_id;
    char *link;
    char *title;
    char *summary;
    char *origin;             /* scheme://host[:port] of link */
    char *path;               /* path?query of link, for robots.txt */
};

struct pending_list {
    struct pending_item *items;
    size_t n, alloc;
};

static int collect_pending(const struct store_item *it, void *ud)
{
    struct pending_list *pl = ud;
    FS_GROW(pl->items, pl->n + 1, pl->alloc);
    struct pending_item *p = &pl->items[pl->n++];
    p->id = it->id;
    p->feed_id = it->feed_id;
    p->link = fs_strdup(it->link);
    p->title = fs_strdup(it->title);
    p->summary = fs_strdup(it->summary);
    if (fs_url_origin_path(it->link, &p->origin, &p->path) != FS_OK) {
        p->origin = fs_strdup("");
        p->path = fs_strdup("/");
    }
    return 0;
}

/* ---- robots.txt: fetched once per origin per run -------------------- */

struct robots_entry {
    char *origin;
    char *url;
    struct robots *rules;
};

struct robots_cache {
    struct robots_entry *e;
    size_t n;
};

static int cmp_robots(const void *a, const void *b)
{
    return strcmp(((const struct robots_entry *)a)->origin,
                  ((const struct robots_entry *)b)->origin);
}

static void on_robots_done(struct fetch_result *res, void *ud)
{
    struct robots_entry *e = res->request->user;
    (void)ud;
    /* RFC 9309: a 4xx robots.txt means no rules; an unreachable one (5xx,
     * network error) means the whole site is off limits for now. */
    if (res->code == FS_OK && !res->not_modified)
        e->rules = robots_parse(res->body, res->body_len, "feedsift");
    else if (res->code == FS_EHTTP && res->status >= 400 && res->status < 500)
        e->rules = robots_new(0);
    else
        e->rules = robots_new(1);
}

static void robots_cache_fill(struct robots_cache *rc,
                              const struct pending_list *pl,
                              const struct fetch_options *fopt)
{
    rc->e = fs_calloc(pl->n ? pl->n : 1, sizeof(*rc->e));
    for (size_t i = 0; i < pl->n; i++)
        rc->e[rc->n++].origin = pl->items[i].origin;
    qsort(rc->e, rc->n, sizeof(*rc->e), cmp_robots);
    size_t w = 0; /* unique origins */
    for (size_t i = 0; i < rc->n; i++)
        if (!w || strcmp(rc->e[w - 1].origin, rc->e[i].origin))
            rc->e[w++] = rc->e[i];
    rc->n = w;
    struct fetch_request *reqs = fs_calloc(rc->n ? rc->n : 1, sizeof(*reqs));
    for (size_t i = 0; i < rc->n; i++) {
        rc->e[i].origin = fs_strdup(rc->e[i].origin);
        rc->e[i].url = fs_asprintf("%s/robots.txt", rc->e[i].origin);
        reqs[i].url = rc->e[i].url;
        reqs[i].user = &rc->e[i];
    }
    struct fetch_options ropt = *fopt;
    ropt.max_body = 512 * 1024; /* RFC 9309 asks for at least 500 KiB */
    fs_error err = {0};
    if (fetch_all(&ropt, reqs, rc->n, on_robots_done, NULL, &err) != FS_OK)
        fs_log(FS_LOG_WARN, "robots.txt: %s", err.msg);
    free(reqs);
}

static int robots_cache_allows(const struct robots_cache *rc,
                               const struct pending_item *p)
{
    struct robots_entry key = {.origin = p->origin};
    const struct robots_entry *e =
        bsearch(&key, rc->e, rc->n, sizeof(*rc->e), cmp_robots);
    return !e || !e->rules ? 1 : robots_allowed(e->rules, p->path);
}

static void robots_cache_release(struct robots_cache *rc)
{
    for (size_t i = 0; i < rc->n; i++) {
        free(rc->e[i].origin);
        free(rc->e[i].url);
        robots_free(rc->e[i].rules);
    }
    free(rc->e);
}

struct article_ctx {
    struct crawl *c;
    size_t done, total;
};

static const char *feed_name_of(struct crawl *c, int64_t feed_id)
{
    for (size_t i = 0; i < c->n_feeds; i++)
        if (c->feed_ids[i] == feed_id)
            return c->feed_names[i];
    return NULL;
}

/* Store the outcome for one pending item: its article text (res is the
 * page) or the failure (res NULL: refused before fetching, see refusal). */
static void article_store(struct crawl *c, const struct pending_item *p,
                          struct fetch_result *res, const char *refusal)
{
    fs_error err = {0};
    struct article art = {0};
    char *failure = NULL;
    if (!res) {
        failure = fs_asprintf("%s: %s", p->link, refusal);
    } else if (res->code != FS_OK) {
        failure = fs_strdup(res->error);
    } else if (article_extract(res->body, res->body_len, res->effective_url,
                               &art, &err) != FS_OK) {
        failure = fs_asprintf("%s: %s", p->link, err.msg);
    }
    if (failure && res) {
        c->stats.articles_failed++;
        fs_log(FS_LOG_WARN, "article %s", failure);
    } else if (!failure) {
        c->stats.articles_ok++;
    }

    struct classify_input in = {.title = p->title,
                                .summary = p->summary,
                                .body = failure ? NULL : art.text,
                                .link = p->link,
                                .feed = feed_name_of(c, p->feed_id)};
    if (store_begin(c->store, &err) != FS_OK)
        goto fatal;
    if (store_item_set_body(c->store, p->id,
                            failure ? STORE_BODY_FAILED : STORE_BODY_OK,
                            failure ? NULL : art.text,
                            failure ? NULL : art.canonical_url, failure,
                            &err) != FS_OK ||
        classify_and_tag(c, p->id, &in, &err) != FS_OK ||
        store_commit(c->store, &err) != FS_OK) {
        store_rollback(c->store);
        goto fatal;
    }
    free(failure);
    article_release(&art);
    return;
fatal:
    free(failure);
    article_release(&art);
    c->fatal = 1;
    c->fatal_err = err;
}

static void on_article_done(struct fetch_result *res, void *ud)
{
    struct article_ctx *ac = ud;
    struct crawl *c = ac->c;
    ac->done++;
    progress_line(c, "articles", ac->done, ac->total);
    if (!c->fatal)
        article_store(c, res->request->user, res, NULL);
}

static fs_code crawl_articles(struct crawl *c, fs_error *err)
{
    struct pending_list pl = {0};
    fs_code rc = store_items_pending_body(c->store, 0, collect_pending, &pl,
                                          err);
    if (rc == FS_OK && pl.n) {
        /* Article pages are never file:// even when feeds may be. */
        struct fetch_options aopt = c->fopt;
        aopt.allow_file = 0;
        aopt.per_host_delay_ms = c->article_delay_ms;
        struct robots_cache robots = {0};
        robots_cache_fill(&robots, &pl, &aopt);
        struct fetch_request *reqs = fs_calloc(pl.n, sizeof(*reqs));
        size_t n = 0;
        for (size_t i = 0; i < pl.n && !c->fatal; i++) {
            if (robots_cache_allows(&robots, &pl.items[i])) {
                reqs[n].url = pl.items[i].link;
                reqs[n++].user = &pl.items[i];
            } else {
                c->articles_skipped++;
                fs_log(FS_LOG_INFO, "%s: disallowed by robots.txt",
                       pl.items[i].link);
                article_store(c, &pl.items[i], NULL,
                              "disallowed by robots.txt");
            }
        }
        struct article_ctx ac = {.c = c, .total = n};
        if (!c->fatal)
            rc = fetch_all(&aopt, reqs, n, on_article_done, &ac, err);
        free(reqs);
        robots_cache_release(&robots);
    }
    for (size_t i = 0; i < pl.n; i++) {
        free(pl.items[i].link);
        free(pl.items[i].title);
        free(pl.items[i].summary);
        free(pl.items[i].origin);
        free(pl.items[i].path);
    }
    free(pl.items);
    return rc;
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

static fs_code register_feeds(struct crawl *c, const struct feed_list *list,
                              fs_error *err)
{
    c->n_feeds = list->n_entries;
    c->feed_ids = fs_calloc(c->n_feeds, sizeof(int64_t));
    c->feed_names = fs_calloc(c->n_feeds, sizeof(char *));
    fs_code rc = store_begin(c->store, err);
    for (size_t i = 0; rc == FS_OK && i < list->n_entries; i++) {
        const struct feed_list_entry *e = &list->entries[i];
        rc = store_feed_ensure(c->store, e->url, e->name, &c->feed_ids[i],
                               err);
        c->feed_names[i] = fs_strdup(e->name ? e->name : e->url);
    }
    if (rc == FS_OK)
        return store_commit(c->store, err);
    store_rollback(c->store);
    return rc;
}

static void print_summary(const struct crawl *c, int json)
{
    const struct store_run_stats *s = &c->stats;
    if (json) {
        json_t *o = json_pack(
            "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I}", "feeds_ok",
            s->feeds_ok, "feeds_not_modified", s->feeds_not_modified,
            "feeds_failed", s->feeds_failed, "items_new", s->items_new,
            "items_updated", s->items_updated, "articles_ok", s->articles_ok,
            "articles_failed", s->articles_failed, "articles_robots",
            c->articles_skipped, "tags_added",
            s->tags_added, "seconds",
            (json_int_t)(s->finished_at - s->started_at));
        cli_print_json(stdout, o, 0);
        json_decref(o);
        return;
    }
    printf("feeds: %d ok, %d not modified, %d failed; items: %d new, %d "
           "updated; articles: %d ok, %d failed, %d refused by robots.txt; "
           "tags: %d added\n",
           s->feeds_ok, s->feeds_not_modified, s->feeds_failed, s->items_new,
           s->items_updated, s->articles_ok, s->articles_failed,
           c->articles_skipped, s->tags_added);
}

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

int cmd_crawl(int argc, char **argv)
{
    enum { O_FEEDS = 256, O_DB, O_RULES, O_CONC, O_PERHOST, O_TIMEOUT,
           O_MAXSIZE, O_NOART, O_DELAY, O_FILE, O_FORMAT };
    static const struct option longopts[] = {
        {"feeds", required_argument, NULL, O_FEEDS},
        {"db", required_argument, NULL, O_DB},
        {"rules", required_argument, NULL, O_RULES},
        {"concurrency", required_argument, NULL, O_CONC},
        {"per-host", required_argument, NULL, O_PERHOST},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"max-size", required_argument, NULL, O_MAXSIZE},
        {"no-articles", no_argument, NULL, O_NOART},
        {"article-delay", required_argument, NULL, O_DELAY},
        {"allow-file", no_argument, NULL, O_FILE},
        {"format", required_argument, NULL, O_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *feeds_path = getenv("FEEDSIFT_FEEDS");
    const char *db_opt = NULL, *rules_opt = NULL;
    int json = 0;
    struct crawl c;
    memset(&c, 0, sizeof(c));
    fetch_options_default(&c.fopt);
    c.article_delay_ms = 250;

    optind = 1;
    int o;
    long long v;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (o) {
        case O_FEEDS: feeds_path = optarg; break;
        case O_DB: db_opt = optarg; break;
        case O_RULES: rules_opt = optarg; break;
        case O_CONC:
            if (parse_count("crawl", "--concurrency", optarg, 1024, &v))
                return EXIT_USAGE;
            c.fopt.max_concurrency = (int)v;
            break;
        case O_PERHOST:
            if (parse_count("crawl", "--per-host", optarg, 64, &v))
                return EXIT_USAGE;
            c.fopt.max_per_host = (int)v;
            break;
        case O_TIMEOUT:
            if (parse_count("crawl", "--timeout", optarg, 86400, &v))
                return EXIT_USAGE;
            c.fopt.timeout_ms = (long)v * 1000;
            break;
        case O_MAXSIZE:
            if (parse_count("crawl", "--max-size", optarg, 1LL << 32, &v))
                return EXIT_USAGE;
            c.fopt.max_body = (size_t)v;
            break;
        case O_NOART: c.no_articles = 1; break;
        case O_DELAY:
            if (!strcmp(optarg, "0"))
                c.article_delay_ms = 0;
            else if (parse_count("crawl", "--article-delay", optarg, 60000,
                                 &v))
                return EXIT_USAGE;
            else
                c.article_delay_ms = (long)v;
            break;
        case O_FILE: c.fopt.allow_file = 1; break;
        case O_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "json"))
                return cli_usage_error("crawl", "--format is text or json");
            json = !strcmp(optarg, "json");
            break;
        case 'h': return cli_help(crawl_help);
        default: return cli_usage_error("crawl", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("crawl", "unexpected argument '%s'",
                               argv[optind]);
    if (!feeds_path || !*feeds_path)
        feeds_path = "feeds.txt";
    const char *db = cli_db_path(db_opt);

    fs_error err = {0};
    int rc = EXIT_OK, lock_fd = -1;
    struct strbuf data = STRBUF_INIT;
    struct feed_list list = {0};

    if (fs_read_file(feeds_path, &data, 16u << 20, &err) != FS_OK ||
        feed_list_parse(data.buf, data.len, feeds_path, &list, &err) !=
            FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    if (list.n_entries == 0) {
        fprintf(stderr, "feedsift crawl: %s: no feeds listed\n", feeds_path);
        rc = EXIT_FAILURE_;
        goto out;
    }
    if (rule_set_load(cli_rules_path(rules_opt), &c.rules, &err) != FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    int locked = take_lock(db, &lock_fd, &err);
    if (locked) {
        fprintf(stderr, "feedsift crawl: %s\n", err.msg);
        rc = locked > 0 ? EXIT_LOCKED : EXIT_FAILURE_;
        goto out;
    }
    if (store_open(db, &c.store, &err) != FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    c.progress = isatty(STDERR_FILENO) && fs_log_get_level() < FS_LOG_INFO;
    c.stats.started_at = fs_time_now();
    int64_t run_id = 0;
    install_signal_handlers();
    fs_code frc = FS_OK;
    if (store_run_begin(c.store, c.stats.started_at, &run_id, &err) != FS_OK ||
        register_feeds(&c, &list, &err) != FS_OK ||
        ((frc = crawl_feeds(&c, &list, &err)) != FS_OK && frc != FS_EINTR) ||
        (frc == FS_OK && !c.fatal && !c.no_articles &&
         (frc = crawl_articles(&c, &err)) != FS_OK && frc != FS_EINTR)) {
        progress_clear(&c);
        rc = cli_fail("crawl", &err);
        goto out;
    }
    progress_clear(&c);
    if (frc == FS_EINTR)
        fprintf(stderr, "feedsift crawl: %s; what was complete is stored\n",
                err.msg);
    if (c.fatal) {
        rc = cli_fail("crawl", &c.fatal_err);
        goto out;
    }
    c.stats.finished_at = fs_time_now();
    if (store_run_finish(c.store, run_id, &c.stats, &err) != FS_OK) {
        rc = cli_fail("crawl", &err);
        goto out;
    }
    print_summary(&c, json);
    if (crawl_signal)
        rc = 128 + crawl_signal;
    else if (c.stats.feeds_failed || c.stats.articles_failed)
        rc = EXIT_PARTIAL;

out:
    store_close(c.store);
    rule_set_free(c.rules);
    for (size_t i = 0; i < c.n_feeds; i++)
        free(c.feed_names[i]);
    free(c.feed_names);
    free(c.feed_ids);
    feed_list_release(&list);
    strbuf_release(&data);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}
