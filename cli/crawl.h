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

#include <stdatomic.h>

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
    int progress_drawn;       /* it is on the screen now */
    int64_t progress_at;      /* monotonic ms of its last redraw */
    int no_articles;          /* classify from the feed text right away */
    long article_delay_ms;    /* between two article pages on one host */
    int articles_skipped;     /* refused by robots.txt */
    int feeds_moved;          /* permanent redirects recorded */
    int feeds_gone;           /* disabled by 410 in this run */
    int fatal;                /* a store error: stop writing */
    /* Jobs the fetch thread has queued for this one (crawl_pipe.c); the
     * fetch thread reads it to decide who classifies (crawl_classify_here). */
    atomic_int pipe_backlog;
    fs_error fatal_err;
    /* Group commit (cmd_crawl.c): the writes of several feeds or pages
     * share one transaction, committed once it is CRAWL_BATCH_MS old or
     * holds CRAWL_BATCH_MAX of them, when the network goes idle past that
     * age, and at the end of each phase. */
    int batch_open;
    int batch_units;
    int64_t batch_started_ms; /* monotonic */
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

/* cmd_crawl.c: group commit, shared by both phases.  A feed's (or a
 * page's) writes all go into the open batch, so each stays atomic; a store
 * error rolls back the whole batch and is fatal to the run, and the feeds
 * of a lost batch are simply due again at the next run (their check was
 * not recorded either).  A crash loses at most the last batch: about a
 * second of work.  Why a second and not less: each commit rewrites the
 * pages its batch touched (index leaves, FTS segments); 250 ms batches
 * wrote twice the WAL of 1 s ones on a 2,000-feed crawl. */
#define CRAWL_BATCH_MS 1000
#define CRAWL_BATCH_MAX 256
/* Open the batch unless it is open; FS_OK or the store error. */
fs_code crawl_batch_begin(struct crawl *c, fs_error *err);
/* One feed or page written: commit when the batch is old or full.  A
 * failed commit sets c->fatal. */
void crawl_batch_unit_done(struct crawl *c);
/* fetch_options.idle: commit a batch older than CRAWL_BATCH_MS. */
void crawl_batch_idle(void *crawl);
/* Commit the batch if open (end of a phase); a failure sets c->fatal. */
void crawl_batch_flush(struct crawl *c);
/* Roll the batch back after a store error (the caller sets c->fatal). */
void crawl_batch_abort(struct crawl *c);

/* crawl_pipe.c: run fetch_all() on a second thread.  prepare() runs on
 * that thread for each finished transfer and turns it into a job that owns
 * all it needs (parsing included: res is valid only during the call);
 * commit() runs on the calling thread, once per job in completion order,
 * and does every store write; release() then frees the job, on the fetch
 * thread when it can (see crawl_pipe.c), so it must touch nothing but the
 * job.  Returns fetch_all()'s code. */
typedef void *(*crawl_prepare_fn)(struct fetch_result *res, void *ud);
typedef void (*crawl_commit_fn)(void *job, void *ud);
typedef void (*crawl_release_fn)(void *job, void *ud);
fs_code crawl_fetch_pipelined(struct crawl *c, const struct fetch_options *opt,
                              const struct fetch_request *reqs, size_t n,
                              crawl_prepare_fn prepare,
                              crawl_commit_fn commit,
                              crawl_release_fn release, void *ud,
                              fs_error *err);
/* A copy of res that owns its strings, without the body. */
struct fetch_result *crawl_result_copy(const struct fetch_result *res);
void crawl_result_free(struct fetch_result *r);

/* cmd_crawl.c: shared by both phases. */
void crawl_progress(struct crawl *c, const char *phase, size_t done,
                    size_t total);
/* Erase the progress line before a message on stderr, so the message
 * starts its own line; the next crawl_progress() draws it again. */
void crawl_progress_break(struct crawl *c);
/* An item's classification, made ahead on the fetch thread or not yet
 * (done 0): a job carries one from prepare() to commit(). */
struct crawl_verdict {
    int done;
    fs_code rc;               /* rule_set_match()'s result, err its error */
    fs_error err;
    struct classification cls;
};
/* Classify into v (rule_set_match: any thread, the rule set is shared
 * read-only). */
void crawl_verdict_make(const struct crawl *c, const struct classify_input *in,
                        struct crawl_verdict *v);
/* Calling thread: classify now unless v is done, then replace the item's
 * tags and queue its alerts. */
fs_code crawl_verdict_store(struct crawl *c, int64_t item_id,
                            const struct classify_input *in,
                            struct crawl_verdict *v, fs_error *err);
void crawl_verdict_release(struct crawl_verdict *v);
/* Fetch thread: should prepare() classify this job's items itself?  Yes
 * while jobs wait in the queue (the store thread is the slower side); no
 * when the queue is (nearly) empty: then the store thread is waiting for
 * work and classifies on commit, so both threads stay busy. */
int crawl_classify_here(const struct crawl *c);
const char *crawl_feed_name(const struct crawl *c, int64_t feed_id);

#endif /* FEEDSIFT_CLI_CRAWL_H */
