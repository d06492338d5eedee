/*
 * crawl.h — what the files of `feedsift crawl` share: the state of one
 * crawl run.  cmd_crawl.c parses options, takes the lock and runs the
 * phases (once, or forever with --loop); crawl_feeds.c fetches the due
 * feeds and schedules their next check; crawl_articles.c fetches the
 * article pages of new items.
 *
 * Invariants: feeds[] holds each feed of the feed list once (two list
 * entries naming the same stored feed, e.g. its old and new URL after a
 * permanent redirect, share one entry); a store error sets `fatal` and
 * stops all further writes of the run.
 */
#ifndef FEEDSIFT_CLI_CRAWL_H
#define FEEDSIFT_CLI_CRAWL_H

#include "alert_deliver.h"
#include "classifier.h"
#include "fetcher.h"
#include "store.h"

/* One feed of the run, as the store knew it when the run started. */
struct crawl_feed {
    int64_t id;
    char *url;                /* stored URL (follows permanent redirects) */
    char *name;               /* display name, for classification */
    char *etag;
    char *last_modified;
    int64_t poll_interval;
    int64_t next_due;
    int consecutive_errors;
    int due;                  /* fetched in this run */
};

struct crawl {
    struct store *store;
    struct rule_set *rules;
    struct fetch_options fopt;
    struct schedule_policy policy;
    struct store_run_stats stats;
    struct crawl_feed *feeds;
    size_t n_feeds;
    size_t n_due;
    size_t n_disabled;
    size_t feeds_done;
    int all;                  /* --all: poll feeds that are not due yet */
    int progress;             /* draw a progress line on stderr */
    int no_articles;          /* classify from the feed text right away */
    long article_delay_ms;    /* between two article pages on one host */
    int articles_skipped;     /* refused by robots.txt */
    int feeds_moved;          /* permanent redirects recorded */
    int feeds_gone;           /* disabled by 410 in this run */
    int fatal;                /* a store error: stop writing */
    fs_error fatal_err;
    /* alerting */
    char **watched;           /* `alerts watch` tags, loaded per run */
    size_t n_watched;
    struct alert_channels channels;
    int alerts_new;
    struct alert_delivery_stats delivered;
};

/* crawl_feeds.c: fetch the due feeds, store their items, schedule them. */
fs_code crawl_feeds(struct crawl *c, fs_error *err);

/* crawl_articles.c: fetch, extract and classify every pending article. */
fs_code crawl_articles(struct crawl *c, fs_error *err);

/* cmd_crawl.c: shared by both phases. */
void crawl_progress(struct crawl *c, const char *phase, size_t done,
                    size_t total);
fs_code crawl_classify_and_tag(struct crawl *c, int64_t item_id,
                               const struct classify_input *in,
                               fs_error *err);
const char *crawl_feed_name(const struct crawl *c, int64_t feed_id);

#endif /* FEEDSIFT_CLI_CRAWL_H */
