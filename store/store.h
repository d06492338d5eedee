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

/* The connection settings store_open() applies after switching to WAL
 * (SQL: PRAGMA statements).  For benchmarks that compare store/ with a
 * bare SQLite connection, which must run with the same settings. */
const char *store_connection_pragmas(void);

/* store_begin() takes the write lock at once (BEGIN IMMEDIATE); no
 * nesting.  After a failed store_commit() call store_rollback(), which is
 * always safe to call (no-op outside a transaction).  Every other store
 * function also works in autocommit mode and is then atomic on its own.
 * Inside store_begin() a function that fails may leave part of its writes:
 * the caller must store_rollback() the whole transaction (no savepoint per
 * call: they made FTS5 flush its index once per item). */
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

/* ---- reclassify and explain (tags.c) --------------------------------- */

/* The text the rules look at, for one stored item (feed: its display
 * name). */
struct store_item_text {
    int64_t id;
    const char *title, *summary, *body, *link, *feed;
};
/* Call cb for every item (in id order) whose time (published, else
 * updated, else first seen) is >= since (FS_TIME_NONE: all items); cb
 * returns non-zero to stop and may write tags (batches run inside one
 * transaction each). */
fs_code store_items_each_text(struct store *st, int64_t since,
                              int (*cb)(const struct store_item_text *,
                                        void *),
                              void *ud, fs_error *err);
/* One item's text (owned: release with store_item_text_release);
 * FS_EINVAL when there is no such item. */
fs_code store_item_text_get(struct store *st, int64_t item_id,
                            struct store_item_text *out, fs_error *err);
void store_item_text_release(struct store_item_text *t);
/* An item's stored (tag, rule) rows with evidence, by tag then rule;
 * versions[i] is the rule-set version that wrote tags[i] (may be NULL).
 * Owned by the caller: store_tag_list_release(). */
struct store_tag_list {
    struct store_tag *tags;
    char **versions;
    size_t n, alloc_versions;
};
fs_code store_item_tags_get(struct store *st, int64_t item_id,
                            struct store_tag_list *out, fs_error *err);
void store_tag_list_release(struct store_tag_list *l);

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
    /* Added with stories and search (schema v4): */
    const char *query;         /* FTS5 query over title/summary/body */
    int marked;                /* 0 any, 1 only marked, -1 only unmarked */
    size_t offset;             /* rows (stories) to skip first */
    int all_items;             /* 1: every item; 0: one row per story */
};

struct store_list_row {
    int64_t id;
    const char *title;
    const char *link;
    const char *feed;          /* feed name, else title, else URL */
    int64_t published;         /* published, else updated, else first_seen */
    const char *const *tags;   /* distinct tags, sorted (of the whole
                                  story unless all_items) */
    size_t n_tags;
    int64_t story_id;          /* the story (cluster) the item belongs to */
    int64_t n_sources;         /* distinct feeds that carried the story */
    const char *mark;          /* "relevant", "irrelevant" or NULL */
};

/* Items newest first; unless q->all_items, one row per story: its newest
 * item that passes the filters (limit/offset count stories).  FS_EINVAL
 * when q->query is not valid FTS5 syntax.  cb returns non-zero to stop. */
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

/* ---- stories, search and review (story.c, search.c, review.c) ---------
 *
 * Every item belongs to a story (items.story_id, the id of the story's
 * first item).  Items join a story when they share a URL key (canonical
 * URL, else the link, normalised) or when the simhash of their normalised
 * title + summary (+ body once fetched) is within a few bits of a story
 * member's published within a week.  store_item_upsert() and
 * store_item_set_body() place items; nothing else has to.  An item that
 * is already clustered with others keeps its story. */

/* Full-text search (FTS5 over title, summary, body), best bm25 first. */
struct store_search_query {
    const char *match;         /* FTS5 query syntax */
    const char *tag;           /* optional filters, as in store_list_query */
    const char *feed;
    int64_t since;             /* FS_TIME_NONE: no bound */
    int64_t until;
    size_t limit;              /* 0: no limit */
    size_t offset;
};
struct store_search_row {
    int64_t id;
    int64_t story_id;
    const char *title;
    const char *link;
    const char *feed;
    int64_t published;
    double rank;               /* bm25: lower is better */
    const char *snippet;       /* matched terms wrapped in ** ** */
    const char *const *tags;
    size_t n_tags;
};
/* FS_EINVAL "search query: ..." when match is not valid FTS5 syntax. */
fs_code store_search(struct store *st, const struct store_search_query *q,
                     int (*cb)(const struct store_search_row *, void *),
                     void *ud, fs_error *err);

/* Analyst marks: kept apart from what the crawler stores. */
enum store_mark { STORE_MARK_NONE = 0, STORE_MARK_RELEVANT = 1,
                  STORE_MARK_IRRELEVANT = 2 };
const char *store_mark_name(enum store_mark m);   /* NULL for NONE */
/* Set (or with STORE_MARK_NONE remove) the mark of an item; note may be
 * NULL.  FS_EINVAL when there is no such item. */
fs_code store_mark_set(struct store *st, int64_t item_id, enum store_mark m,
                       const char *note, fs_error *err);

/* Everything about one item, for `show`.  Owned by the caller, released
 * with store_item_detail_free(). */
struct store_source {          /* one item of the story */
    int64_t item_id;
    const char *feed;
    const char *title;
    const char *link;
    int64_t published;
};
struct store_version {         /* feed text an update replaced */
    int64_t replaced;          /* when it was replaced */
    const char *title, *link, *author, *summary;
    int64_t published, updated;
};
struct store_tag_row {         /* a (tag, rule) pair with its evidence */
    const char *tag, *rule_id, *field, *matched, *rules_version;
    int alert;
    int64_t created;
};
struct store_item_detail {
    struct store_item item;
    const char *feed;          /* name, else title, else URL */
    const char *feed_url;
    int64_t changed;
    int64_t story_id;
    const char *url_key;
    struct store_source *sources;     /* the story's items, oldest first */
    size_t n_sources;
    struct store_version *versions;   /* newest first */
    size_t n_versions;
    struct store_tag_row *tags;       /* by tag, rule */
    size_t n_tags;
    enum store_mark mark;
    const char *mark_note;
    int64_t mark_time;
    struct fs_arena strings_;         /* owns every string above */
};
/* FS_EINVAL when there is no such item. */
fs_code store_item_detail_get(struct store *st, int64_t item_id,
                              struct store_item_detail **out, fs_error *err);
void store_item_detail_free(struct store_item_detail *d);

/* Items with all their fields, oldest first (by item time, then id). */
struct store_export_query {
    int64_t since, until;      /* FS_TIME_NONE: no bound */
    const char *tag;           /* with children; NULL: all */
    int marked_only;
};
struct store_export_row {
    int64_t id, story_id, feed_id;
    const char *feed, *feed_url, *guid, *title, *link, *canonical_url,
        *author, *summary, *body;
    int64_t published, updated, first_seen;
    const char *const *tags;   /* distinct, sorted */
    size_t n_tags;
    enum store_mark mark;
    const char *mark_note;
    int64_t mark_time;
};
fs_code store_export(struct store *st, const struct store_export_query *q,
                     int (*cb)(const struct store_export_row *, void *),
                     void *ud, fs_error *err);

/* Items per tag per period (bucket_seconds long, counted from origin),
 * newest period first, then by tag. */
struct store_tag_count {
    const char *tag;
    int64_t period;            /* start of the period */
    int64_t items;
};
fs_code store_tag_counts(struct store *st, int64_t since, int64_t until,
                         const char *tag, int64_t bucket_seconds,
                         int64_t origin,
                         int (*cb)(const struct store_tag_count *, void *),
                         void *ud, fs_error *err);

/* Tagged items with their evidence, for the report: by tag, newest first,
 * one row per (tag, story).  field_text is the text the rule matched in. */
struct store_tagged_row {
    const char *tag, *rule_id, *field, *matched, *field_text;
    int alert;
    int64_t item_id, story_id, n_sources;
    const char *title, *link, *feed;
    int64_t published;
};
fs_code store_tagged_each(struct store *st, int64_t since, int64_t until,
                          const char *tag,
                          int (*cb)(const struct store_tagged_row *, void *),
                          void *ud, fs_error *err);

struct store_stats {
    int schema_version;
    int64_t feeds, feeds_disabled, items, stories, tagged_items, tag_rows,
        distinct_tags, marked_relevant, marked_irrelevant, versions;
    int64_t body_none, body_pending, body_ok, body_failed;
    int64_t oldest, newest;    /* item times; FS_TIME_NONE when empty */
    int64_t runs, last_run_started, last_run_finished;
    int64_t db_bytes;          /* page_count * page_size */
};
fs_code store_stats(struct store *st, struct store_stats *out,
                    fs_error *err);

/* Delete items whose time and first_seen are both before cutoff, in short
 * transactions (a crawl may run meanwhile).  Tags, marks, versions and
 * the search index go with them. */
struct store_prune_opts {
    int64_t cutoff;
    int keep_tagged;           /* keep items with any tag */
    int keep_marked;           /* keep items with a mark */
    int vacuum;                /* VACUUM afterwards */
};
fs_code store_prune(struct store *st, const struct store_prune_opts *o,
                    int64_t *deleted, fs_error *err);

/* ---- alerts (store/alerts.c) ----------------------------------------- */

/* Tags watched with `feedsift alerts watch` (besides rules with `alert`).
 * A watched tag covers its children. */
fs_code store_watch_add(struct store *st, const char *tag, fs_error *err);
/* *removed: 0 when the tag was not watched. */
fs_code store_watch_remove(struct store *st, const char *tag, int *removed,
                           fs_error *err);
/* Every watched tag, sorted: an owned array of owned strings
 * (release with fs_strv_free()). */
fs_code store_watched_tags(struct store *st, char ***tags, size_t *n,
                           fs_error *err);

/* Item item_id carries the watched tags `tags`: create its story's alert
 * (status pending, due now) or, when the story already has one, attach
 * the item to it as another source.  A story is known by the item, its
 * canonical URL, its link and its normalised title, so a re-crawl, an
 * edit, a reclassify or another feed carrying it never makes a second
 * alert.  Call it in the transaction that stores the item's tags: the
 * alert exists exactly when the tags do.  *created is 1 for a new alert. */
fs_code store_alert_enqueue(struct store *st, int64_t item_id,
                            const char *const *tags, size_t n_tags,
                            int64_t now, int *created, fs_error *err);

enum store_alert_status {
    STORE_ALERT_PENDING,
    STORE_ALERT_SENT,
    STORE_ALERT_FAILED,       /* will be retried at next_attempt */
    STORE_ALERT_ACKED,        /* never delivered again */
};
const char *store_alert_status_name(enum store_alert_status s);
/* FS_EINVAL for an unknown name. */
fs_code store_alert_status_parse(const char *name,
                                 enum store_alert_status *out);

struct store_alert_evidence {
    const char *tag;
    const char *rule_id;
    const char *field;
    const char *matched;
};

struct store_alert_source {
    int64_t item_id;
    const char *feed;          /* name, else title, else URL */
    const char *title;
    const char *link;
};

struct store_alert {
    int64_t id;
    const char *idempotency_key;
    const char *tags;          /* space-separated */
    enum store_alert_status status;
    int attempts;
    int64_t created;
    int64_t next_attempt;
    int64_t sent;              /* FS_TIME_NONE until delivered */
    const char *last_error;
    /* the story's first item (NULL/FS_TIME_NONE when pruned) */
    int64_t item_id;
    const char *title;
    const char *link;
    const char *canonical_url;
    const char *feed;
    int64_t published;
    const struct store_alert_evidence *evidence;  /* for the watched tags */
    size_t n_evidence;
    const struct store_alert_source *sources;     /* every item, first first */
    size_t n_sources;
};

struct store_alert_query {
    int due_only;              /* pending/failed with next_attempt <= now */
    int64_t now;
    int status;                /* an enum store_alert_status, or -1: any */
    int64_t since;             /* created at or after; FS_TIME_NONE: any */
    int64_t id;                /* one alert; 0: any */
    size_t limit;              /* 0: all */
};
/* Alerts oldest first.  Rows are read before the first call, so cb may
 * write to the store (mark deliveries).  cb returns non-zero to stop. */
fs_code store_alerts_each(struct store *st, const struct store_alert_query *q,
                          int (*cb)(const struct store_alert *, void *),
                          void *ud, fs_error *err);

/* A delivery attempt: sent, or failed with error and the next try (use
 * FS_TIME_NONE to stop retrying). */
fs_code store_alert_record_attempt(struct store *st, int64_t id, int ok,
                                   const char *error, int64_t next_attempt,
                                   fs_error *err);
/* Acknowledge (never deliver again) or retry now (status pending, due
 * now, attempts kept).  FS_EINVAL when there is no such alert. */
fs_code store_alert_ack(struct store *st, int64_t id, fs_error *err);
fs_code store_alert_retry(struct store *st, int64_t id, fs_error *err);

#endif /* FEEDSIFT_STORE_H */
