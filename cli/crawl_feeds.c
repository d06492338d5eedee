/*
 * crawl_feeds.c — phase 2 of a crawl: the feeds.
 *
 * Only due feeds are fetched (next_due passed, or never checked; --all
 * takes every enabled feed), concurrently, with conditional GET.  As each
 * arrives it is parsed and its items, its check result and its next due
 * time are written together into the run's open batch (group commit,
 * crawl.h): a feed is stored whole or not at all, and a crash loses at
 * most the feeds of the last batch (~1 s), which are due again.
 * Fetching, parsing and classifying run on a second thread (feed_prepare,
 * see crawl_pipe.c); everything that writes runs on the calling thread
 * (feed_commit), in completion order.  New items with a link are stored
 * with body_state PENDING for phase 3; items without one (and all items
 * with --no-articles) are classified from the feed text.
 *
 * What a check teaches the scheduler (policy in fetcher/schedule.c):
 * new items and their dates, the feed's ttl / sy:updatePeriod,
 * Cache-Control max-age, Retry-After, consecutive errors, 410 Gone.  A
 * 301/308 chain moves the feed to its new URL (the old one stays an
 * alias, so the feed list may keep naming it).
 */
#include "cli.h"
#include "crawl.h"
#include "parser.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* What the fetch thread works out for each item (crawl_pipe.c): its key,
 * its title and summary as plain text and, for an item classified from
 * the feed text (no page to fetch), its classification. */
struct item_text {
    char *guid;
    char *title;
    char *summary;
    struct crawl_verdict verdict;
};

/* Is this item classified from the feed text (else from its page)? */
static int classify_from_feed(const struct crawl *c,
                              const struct feed_item *fi)
{
    return c->no_articles || !fi->link || !*fi->link;
}

/* What an item is classified from when it has no page to wait for. */
static struct classify_input item_input(const struct crawl_feed *cf,
                                        const struct feed_item *fi,
                                        const struct item_text *tx)
{
    return (struct classify_input){.title = tx->title,
                                   .summary = tx->summary,
                                   .link = fi->link,
                                   .feed = cf->name};
}

static fs_code store_feed_items(struct crawl *c, const struct crawl_feed *cf,
                                const struct feed *feed,
                                struct item_text *texts, fs_error *err)
{
    for (size_t i = 0; i < feed->n_items; i++) {
        const struct feed_item *fi = &feed->items[i];
        struct item_text *tx = &texts[i];
        struct store_item it = {
            .feed_id = cf->id,
            .guid = tx->guid,
            .title = tx->title,
            .link = fi->link,
            .author = fi->author,
            .summary = tx->summary,
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
            if (!classify_from_feed(c, fi)) {
                /* Refetch the page of an edited item: its text changed too. */
                if (ur == STORE_ITEM_UPDATED)
                    rc = store_item_set_body(c->store, item_id,
                                             STORE_BODY_PENDING, NULL, NULL,
                                             NULL, err);
            } else {
                struct classify_input in = item_input(cf, fi, tx);
                rc = crawl_verdict_store(c, item_id, &in, &tx->verdict, err);
            }
        }
        if (rc != FS_OK)
            return rc;
    }
    return FS_OK;
}

static void set_fatal(struct crawl *c, const fs_error *err)
{
    c->fatal = 1;
    c->fatal_err = *err;
}

/* A failed check: count it, back off (or disable on 410), tell the user. */
static void record_feed_failure(struct crawl *c, const struct crawl_feed *cf,
                                const struct fetch_result *res,
                                const char *msg)
{
    fs_error err = {0};
    int gone = res && res->status == 410;
    struct schedule_input in = {
        .now = fs_time_now(),
        .outcome = gone ? SCHEDULE_GONE : SCHEDULE_ERROR,
        .prev_interval = cf->poll_interval,
        .max_age = -1,
        .retry_after = res ? res->retry_after : -1,
        .consecutive_errors = cf->consecutive_errors + 1,
    };
    struct schedule_decision d;
    schedule_next(&c->policy, &in, &d);
    struct store_feed_check chk = {.checked_at = in.now, .ok = 0,
                                   .error = msg,
                                   .http_status = res ? res->status : 0,
                                   .next_due = d.next_due,
                                   .poll_interval = d.interval,
                                   .disable = d.disable};
    c->stats.feeds_failed++;
    crawl_progress_break(c);
    if (gone) {
        c->feeds_gone++;
        fs_log(FS_LOG_WARN, "%s; feed disabled (resume it with 'feedsift "
                            "feeds enable %s')", msg, cf->url);
    } else {
        char when[32];
        fs_time_rfc3339(d.next_due, when);
        fs_log(FS_LOG_WARN, "%s (error %d in a row, next try %s)", msg,
               in.consecutive_errors, when);
    }
    if (crawl_batch_begin(c, &err) != FS_OK ||
        store_feed_record_check(c->store, cf->id, &chk, &err) != FS_OK) {
        crawl_batch_abort(c);
        set_fatal(c, &err);
        return;
    }
    crawl_batch_unit_done(c);
}

/* Published (else updated) times of the document's items, for the
 * scheduler's estimate of how often the feed publishes. */
static int64_t *item_times(const struct feed *feed)
{
    int64_t *t = fs_calloc(feed->n_items ? feed->n_items : 1, sizeof(*t));
    for (size_t i = 0; i < feed->n_items; i++)
        t[i] = feed->items[i].published != FS_TIME_NONE
                   ? feed->items[i].published
                   : feed->items[i].updated;
    return t;
}

/* A successful check: schedule it and record it (inside the caller's
 * transaction when there is one). */
static fs_code record_feed_success(struct crawl *c, struct crawl_feed *cf,
                                   const struct fetch_result *res,
                                   const struct feed *feed, int new_items,
                                   fs_error *err)
{
    int64_t *times = feed ? item_times(feed) : NULL;
    struct schedule_input in = {
        .now = fs_time_now(),
        .outcome = feed ? SCHEDULE_OK : SCHEDULE_NOT_MODIFIED,
        .prev_interval = cf->poll_interval,
        .new_items = new_items,
        .item_times = times,
        .n_item_times = feed ? feed->n_items : 0,
        .feed_hint = feed ? feed->update_interval : 0,
        .max_age = res->max_age,
        .retry_after = -1,
    };
    struct schedule_decision d;
    schedule_next(&c->policy, &in, &d);
    free(times);
    struct store_feed_check chk = {
        .checked_at = in.now,
        .ok = 1,
        .not_modified = res->not_modified,
        .etag = res->not_modified ? NULL : res->etag,
        .last_modified = res->not_modified ? NULL : res->last_modified,
        .title = feed ? feed->title : NULL,
        .http_status = res->status,
        .next_due = d.next_due,
        .poll_interval = d.interval,
    };
    return store_feed_record_check(c->store, cf->id, &chk, err);
}

/* A 301/308 chain: from now on the feed lives at its new URL. */
static fs_code record_feed_move(struct crawl *c, struct crawl_feed *cf,
                                const char *new_url, fs_error *err)
{
    int moved = 0;
    fs_code rc = store_feed_move(c->store, cf->id, new_url, &moved, err);
    if (rc != FS_OK)
        return rc;
    crawl_progress_break(c);
    if (moved) {
        c->feeds_moved++;
        fs_log(FS_LOG_WARN, "%s: moved permanently to %s; stored under the "
                            "new URL", cf->url, new_url);
    } else {
        fs_log(FS_LOG_WARN, "%s: moved permanently to %s, which is already "
                            "another feed; not merged", cf->url, new_url);
    }
    return FS_OK;
}

/* One finished feed transfer, parsed on the fetch thread. */
struct feed_job {
    struct crawl_feed *cf;
    struct fetch_result *res;     /* owned copy, no body */
    char *failure;                /* the check failed: why */
    int parsed;                   /* feed and texts are set */
    struct feed feed;
    struct item_text *texts;      /* feed.n_items */
};

/* Fetch thread: parse the feed and its items' texts and, while the store
 * thread is behind (crawl_classify_here), classify the items that have no
 * page to wait for; no store access.  An unchanged item's classification
 * is thrown away by feed_store(): a feed that changed carries few of
 * those. */
static void *feed_prepare(struct fetch_result *res, void *ud)
{
    const struct crawl *c = ud;
    struct feed_job *j = fs_calloc(1, sizeof(*j));
    j->cf = res->request->user;
    j->res = crawl_result_copy(res);
    if (res->code != FS_OK) {
        j->failure = fs_strdup(res->error);
        return j;
    }
    if (res->not_modified)
        return j;
    fs_error err = {0};
    char *charset = content_type_charset(res->content_type);
    /* Only the summary (else the content) is read below: the content of
     * an item with a summary is not even built. */
    fs_code rc = feed_parse_opts(res->body, res->body_len,
                                 res->effective_url, charset,
                                 FEED_PARSE_CONTENT_IF_NO_SUMMARY, &j->feed,
                                 &err);
    free(charset);
    if (rc != FS_OK || j->feed.format == FEED_FORMAT_UNKNOWN) {
        j->failure = fs_asprintf("%s: not a feed: %s", j->cf->url,
                                 rc != FS_OK ? err.msg
                                 : j->feed.n_errors ? j->feed.errors[0]
                                                    : "unknown format");
        feed_release(&j->feed);
        memset(&j->feed, 0, sizeof(j->feed));
        return j;
    }
    j->parsed = 1;
    size_t n = j->feed.n_items;
    int classify_here = crawl_classify_here(c);
    j->texts = fs_calloc(n ? n : 1, sizeof(*j->texts));
    for (size_t i = 0; i < n; i++) {
        const struct feed_item *fi = &j->feed.items[i];
        j->texts[i].guid = feed_item_key(fi);
        j->texts[i].title = plain_text(fi->title);
        j->texts[i].summary = plain_text(fi->summary ? fi->summary
                                                     : fi->content);
        if (classify_from_feed(c, fi) && classify_here) {
            struct classify_input in = item_input(j->cf, fi, &j->texts[i]);
            crawl_verdict_make(c, &in, &j->texts[i].verdict);
        }
    }
    return j;
}

static void feed_job_free(struct feed_job *j)
{
    if (j->parsed) {
        for (size_t i = 0; i < j->feed.n_items; i++) {
            free(j->texts[i].guid);
            free(j->texts[i].title);
            free(j->texts[i].summary);
            crawl_verdict_release(&j->texts[i].verdict);
        }
        feed_release(&j->feed);
    }
    free(j->texts);
    free(j->failure);
    crawl_result_free(j->res);
    free(j);
}

/* This thread: store what feed_prepare() found, in the open batch. */
static void feed_store(struct crawl *c, struct feed_job *j)
{
    struct crawl_feed *cf = j->cf;
    const struct fetch_result *res = j->res;
    if (j->failure) {
        record_feed_failure(c, cf, res, j->failure);
        return;
    }
    fs_error err = {0};
    if (res->not_modified) {
        c->stats.feeds_not_modified++;
        if (crawl_batch_begin(c, &err) != FS_OK ||
            record_feed_success(c, cf, res, NULL, 0, &err) != FS_OK) {
            crawl_batch_abort(c);
            set_fatal(c, &err);
            return;
        }
        crawl_batch_unit_done(c);
        return;
    }
    const struct feed *feed = &j->feed;
    for (size_t i = 0; i < feed->n_errors; i++)
        fs_log(FS_LOG_INFO, "%s: %s", cf->url, feed->errors[i]);

    int before_new = c->stats.items_new, before_upd = c->stats.items_updated;
    int before_moved = c->feeds_moved;
    if (crawl_batch_begin(c, &err) != FS_OK ||
        store_feed_items(c, cf, feed, j->texts, &err) != FS_OK ||
        record_feed_success(c, cf, res, feed,
                            c->stats.items_new - before_new, &err) != FS_OK ||
        (res->permanent_url &&
         record_feed_move(c, cf, res->permanent_url, &err) != FS_OK)) {
        crawl_batch_abort(c);
        c->stats.items_new = before_new;
        c->stats.items_updated = before_upd;
        c->feeds_moved = before_moved;
        set_fatal(c, &err);
    } else {
        c->stats.feeds_ok++;
        fs_log(FS_LOG_INFO, "%s: %zu items", cf->url, feed->n_items);
        crawl_batch_unit_done(c);
    }
}

static void feed_commit(void *job, void *ud)
{
    struct crawl *c = ud;
    struct feed_job *j = job;
    c->feeds_done++;
    if (!c->fatal)
        feed_store(c, j);
    crawl_progress(c, "feeds", c->feeds_done, c->n_due);
}

static void feed_job_release(void *job, void *ud)
{
    (void)ud;
    feed_job_free(job);
}

fs_code crawl_feeds(struct crawl *c, fs_error *err)
{
    struct fetch_request *reqs =
        fs_calloc(c->n_feeds ? c->n_feeds : 1, sizeof(*reqs));
    size_t n = 0;
    for (size_t i = 0; i < c->n_feeds; i++) {
        struct crawl_feed *cf = &c->feeds[i];
        if (!cf->due)
            continue;
        reqs[n].url = cf->url;
        reqs[n].etag = cf->etag;
        reqs[n].last_modified = cf->last_modified;
        reqs[n].user = cf;
        n++;
    }
    fs_code rc = crawl_fetch_pipelined(c, &c->fopt, reqs, n, feed_prepare,
                                       feed_commit, feed_job_release, c, err);
    /* Also after an interrupt: what was complete is stored. */
    crawl_batch_flush(c);
    free(reqs);
    return rc;
}
