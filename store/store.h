/*
 * store.h — everything feedsift keeps, in one SQLite file.
 *
 * All SQL lives in store/.  Callers see named operations on plain structs,
 * so that another backend (PostgreSQL for many crawler machines) can slot
 * in behind this header without touching the CLI.
 *
 * Invariants:
 *  - The schema is owned by store/schema.c; PRAGMA user_version is its
 *    version and store_open() migrates forward, one step at a time, each in
 *    a transaction.  A file that is not SQLite, or an SQLite file that is
 *    not a feedsift database, is reported (FS_ECORRUPT) and never touched.
 *  - WAL mode, a busy timeout, foreign keys on.
 *  - Writers group work with store_begin()/store_commit(): the crawler
 *    commits once per feed, so a crash loses at most the feed in flight.
 *  - Items are unique per (feed, guid).  Storing an item whose content is
 *    unchanged writes nothing.
 *
 * Ownership: store_open() hands out a struct store closed with
 * store_close().  Rows passed to callbacks are valid only during the call.
 */
#ifndef FEEDSIFT_STORE_H
#define FEEDSIFT_STORE_H

#include "util.h"

struct store;

/* Open (creating it if missing) and migrate the database at path.
 * FS_ECORRUPT: not SQLite, or SQLite but not feedsift's (file untouched);
 * FS_EDB: written by a newer feedsift (untouched) or other SQLite error;
 * FS_EBUSY: locked by another process beyond the busy timeout. */
fs_code store_open(const char *path, struct store **out, fs_error *err);
/* Like store_open() but never creates the file: a missing file is FS_EIO
 * "PATH: no such database (run 'feedsift crawl' first)".  For readers. */
fs_code store_open_existing(const char *path, struct store **out,
                            fs_error *err);
void store_close(struct store *st);
int store_schema_version(const struct store *st);

/* How long a statement waits for another process's lock before failing
 * with FS_EBUSY.  Default STORE_BUSY_TIMEOUT_MS, or the environment
 * variable FEEDSIFT_BUSY_TIMEOUT_MS read by store_open(). */
#define STORE_BUSY_TIMEOUT_MS 5000
void store_set_busy_timeout(struct store *st, int ms);

/* store_begin() takes the write lock at once (BEGIN IMMEDIATE); no
 * nesting.  After a failed store_commit() call store_rollback(), which is
 * always safe to call (no-op outside a transaction).  Every other store
 * function also works in autocommit mode and is atomic on its own. */
fs_code store_begin(struct store *st, fs_error *err);
fs_code store_commit(struct store *st, fs_error *err);
void store_rollback(struct store *st);

/* ---- feeds ----------------------------------------------------------- */

/* What the store knows about a feed, for conditional GET and listings. */
struct store_feed {
    int64_t id;
    const char *url;
    const char *name;          /* from the feed list, may be NULL */
    const char *title;         /* from the feed itself, may be NULL */
    const char *etag;
    const char *last_modified;
    int64_t last_checked;      /* FS_TIME_NONE if never */
    int64_t last_success;
    int consecutive_errors;
    const char *last_error;
    int64_t n_items;
    /* Scheduling (see fetcher/schedule.h for the policy). */
    int64_t next_due;          /* FS_TIME_NONE: due now (never checked) */
    int64_t poll_interval;     /* seconds, 0 before the first success */
    long last_status;          /* HTTP status of the last check, 0 if none */
    int disabled;              /* 410 Gone or by hand: not polled */
};

/* Find or create the feed with this URL (or a URL it was known under
 * before a permanent redirect); updates its name if given. */
fs_code store_feed_ensure(struct store *st, const char *url, const char *name,
                          int64_t *feed_id, fs_error *err);
/* Call cb for the feed (by id).  FS_EINVAL if no such feed. */
fs_code store_feed_get(struct store *st, int64_t feed_id,
                       void (*cb)(const struct store_feed *, void *), void *ud,
                       fs_error *err);
/* Call cb for every feed, by name/url. cb returns non-zero to stop.
 * Rows are read before the first call, so cb may write to the store. */
fs_code store_feeds_each(struct store *st,
                         int (*cb)(const struct store_feed *, void *),
                         void *ud, fs_error *err);

/* The outcome of one fetch of a feed. */
struct store_feed_check {
    int64_t checked_at;
    int ok;                    /* fetched and parsed (or 304) */
    int not_modified;          /* 304 */
    const char *etag;          /* new validators when ok (NULL keeps old) */
    const char *last_modified;
    const char *title;         /* feed title when parsed */
    const char *error;         /* message when !ok */
    long http_status;          /* 0 when there was no HTTP response */
    int64_t next_due;          /* when to poll next (FS_TIME_NONE: now) */
    int64_t poll_interval;     /* seconds; 0 keeps the stored one */
    int disable;               /* stop polling (410 Gone) */
};
/* Any success (including 304) sets last_checked and last_success and
 * resets consecutive_errors; a 304 keeps etag, last_modified and title.
 * A failure sets last_checked and last_error and counts up. */
fs_code store_feed_record_check(struct store *st, int64_t feed_id,
                                const struct store_feed_check *chk,
                                fs_error *err);

/* A permanent redirect moved the feed to new_url: store it under that
 * URL and keep the old one as an alias.  When another feed already has
 * new_url, nothing changes and *moved is 0 (feeds are never merged
 * silently). */
fs_code store_feed_move(struct store *st, int64_t feed_id, const char *new_url,
                        int *moved, fs_error *err);
/* Find a feed by URL, alias or name.  FS_EINVAL "no feed ..." when none. */
fs_code store_feed_find(struct store *st, const char *url_or_name,
                        int64_t *feed_id, fs_error *err);
/* Enable or disable polling of a feed; enabling makes it due now and
 * clears its error count. */
fs_code store_feed_set_disabled(struct store *st, int64_t feed_id,
                                int disabled, fs_error *err);

/* ---- items ----------------------------------------------------------- */

enum store_body_state {
    STORE_BODY_NONE = 0,       /* no article page to fetch (no link) */
    STORE_BODY_PENDING = 1,    /* article page still to be fetched */
    STORE_BODY_OK = 2,         /* body holds the extracted article text */
    STORE_BODY_FAILED = 3,     /* fetch or extraction failed: see body_error */
};

struct store_item {
    int64_t id;                /* set by the store */
    int64_t feed_id;
    const char *guid;          /* feed_item_key(): never NULL */
    const char *title;         /* plain text */
    const char *link;
    const char *canonical_url; /* from the article page, may be NULL */
    const char *author;
    const char *summary;       /* plain text */
    const char *body;          /* plain text of the article, may be NULL */
    enum store_body_state body_state;
    const char *body_error;
    int64_t published;         /* FS_TIME_NONE when unknown */
    int64_t updated;
    int64_t first_seen;
};

enum store_upsert_result {
    STORE_ITEM_UNCHANGED = 0,
    STORE_ITEM_NEW = 1,
    STORE_ITEM_UPDATED = 2,
};

/* Insert an item from a feed, or update it when its (title, link, summary,
 * published, updated, author) changed.  Existing body/canonical URL are
 * kept.  *item_id gets the row id. */
fs_code store_item_upsert(struct store *st, const struct store_item *item,
                          int64_t *item_id, enum store_upsert_result *result,
                          fs_error *err);

/* Record the article page of an item. */
fs_code store_item_set_body(struct store *st, int64_t item_id,
                            enum store_body_state state, const char *body,
                            const char *canonical_url, const char *error,
                            fs_error *err);

/* Items whose article page is still to be fetched (body_state PENDING),
 * oldest first, at most limit (0: all).  cb returns non-zero to stop.
 * Rows are read before the first call, so cb may write to the store. */
fs_code store_items_pending_body(struct store *st, size_t limit,
                                 int (*cb)(const struct store_item *, void *),
                                 void *ud, fs_error *err);

/* ---- tags ------------------------------------------------------------ */

struct store_tag {
    const char *tag;
    const char *rule_id;
    const char *field;
    const char *matched;
    int alert;
};

/* Replace the tags of an item with this set (produced by rule set version
 * `rules_version`).  *added gets how many (tag, rule) pairs are new. */
fs_code store_item_set_tags(struct store *st, int64_t item_id,
                            const struct store_tag *tags, size_t n_tags,
                            const char *rules_version, size_t *added,
                            fs_error *err);

/* ---- crawl runs ------------------------------------------------------ */

struct store_run_stats {
    int64_t started_at;
    int64_t finished_at;
    int feeds_ok;
    int feeds_failed;
    int feeds_not_modified;
    int items_new;
    int items_updated;
    int articles_ok;
    int articles_failed;
    int tags_added;
};
fs_code store_run_begin(struct store *st, int64_t started_at, int64_t *run_id,
                        fs_error *err);
fs_code store_run_finish(struct store *st, int64_t run_id,
                         const struct store_run_stats *stats, fs_error *err);

/* ---- queries --------------------------------------------------------- */

struct store_list_query {
    const char *tag;           /* includes children: "markets" = markets and below */
    const char *feed;          /* feed URL or name, NULL for all */
    int64_t since;             /* FS_TIME_NONE for no bound */
    int64_t until;
    size_t limit;              /* 0: no limit */
};

struct store_list_row {
    int64_t id;
    const char *title;
    const char *link;
    const char *feed;          /* feed name, else title, else URL */
    int64_t published;         /* published, else updated, else first_seen */
    const char *const *tags;   /* distinct tags, sorted */
    size_t n_tags;
};

/* Items newest first.  cb returns non-zero to stop. */
fs_code store_list(struct store *st, const struct store_list_query *q,
                   int (*cb)(const struct store_list_row *, void *), void *ud,
                   fs_error *err);

/* Counts for tests and `stats`. */
struct store_counts {
    int64_t feeds;
    int64_t items;
    int64_t tags;              /* distinct (item, tag) pairs */
    int64_t runs;
};
fs_code store_counts(struct store *st, struct store_counts *out,
                     fs_error *err);

#endif /* FEEDSIFT_STORE_H */
