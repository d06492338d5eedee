/*
 * crawl_feeds.c — phase 2 of a crawl: the feeds.
 *
 * Only due feeds are fetched (next_due passed, or never checked; --all
 * takes every enabled feed), concurrently, with conditional GET.  As each
 * arrives it is parsed and its items, its check result and its next due
 * time are stored in ONE transaction, so a crash loses at most the feeds
 * in flight.  New items with a link are stored with body_state PENDING
 * for phase 3; items without one are classified here from the feed text.
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

static fs_code store_feed_items(struct crawl *c, const struct crawl_feed *cf,
                                const struct feed *feed, fs_error *err)
{
    for (size_t i = 0; i < feed->n_items; i++) {
        const struct feed_item *fi = &feed->items[i];
        char *guid = feed_item_key(fi);
        char *title = plain_text(fi->title);
        char *summary = plain_text(fi->summary ? fi->summary : fi->content);
        struct store_item it = {
            .feed_id = cf->id,
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
                                            .feed = cf->name};
                rc = crawl_classify_and_tag(c, item_id, &in, err);
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
    if (store_feed_record_check(c->store, cf->id, &chk, &err) != FS_OK)
        set_fatal(c, &err);
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

static void on_feed_done(struct fetch_result *res, void *ud)
{
    struct crawl *c = ud;
    struct crawl_feed *cf = res->request->user;
    c->feeds_done++;
    crawl_progress(c, "feeds", c->feeds_done, c->n_due);
    if (c->fatal)
        return;
    if (res->code != FS_OK) {
        record_feed_failure(c, cf, res, res->error);
        return;
    }
    fs_error err = {0};
    if (res->not_modified) {
        c->stats.feeds_not_modified++;
        if (record_feed_success(c, cf, res, NULL, 0, &err) != FS_OK)
            set_fatal(c, &err);
        return;
    }

    char *charset = content_type_charset(res->content_type);
    struct feed feed = {0};
    fs_code rc = feed_parse(res->body, res->body_len, res->effective_url,
                            charset, &feed, &err);
    free(charset);
    if (rc != FS_OK || feed.format == FEED_FORMAT_UNKNOWN) {
        char *msg = fs_asprintf("%s: not a feed: %s", cf->url,
                                rc != FS_OK ? err.msg
                                : feed.n_errors ? feed.errors[0]
                                                : "unknown format");
        feed_release(&feed);
        record_feed_failure(c, cf, res, msg);
        free(msg);
        return;
    }
    for (size_t i = 0; i < feed.n_errors; i++)
        fs_log(FS_LOG_INFO, "%s: %s", cf->url, feed.errors[i]);

    int before_new = c->stats.items_new, before_upd = c->stats.items_updated;
    int before_moved = c->feeds_moved;
    if (store_begin(c->store, &err) != FS_OK ||
        store_feed_items(c, cf, &feed, &err) != FS_OK ||
        record_feed_success(c, cf, res, &feed,
                            c->stats.items_new - before_new, &err) != FS_OK ||
        (res->permanent_url &&
         record_feed_move(c, cf, res->permanent_url, &err) != FS_OK) ||
        store_commit(c->store, &err) != FS_OK) {
        store_rollback(c->store);
        c->stats.items_new = before_new;
        c->stats.items_updated = before_upd;
        c->feeds_moved = before_moved;
        set_fatal(c, &err);
    } else {
        c->stats.feeds_ok++;
        fs_log(FS_LOG_INFO, "%s: %zu items", cf->url, feed.n_items);
    }
    feed_release(&feed);
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
    fs_code rc = fetch_all(&c->fopt, reqs, n, on_feed_done, c, err);
    free(reqs);
    return rc;
}
