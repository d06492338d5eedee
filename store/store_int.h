/*
 * store_int.h — what the files of store/ share and nobody else sees:
 * struct store, the cache of prepared statements and the SQLite error
 * mapping.
 *
 * Invariants:
 *  - Every SQL text that runs more than once per command has a slot in
 *    the statement cache (enum store_stmt_id) and is prepared at most once
 *    per connection, lazily, by store_stmt().  The SQL text stays at the
 *    one call site that binds and reads it; each slot has exactly one
 *    call site, so a slot always holds the same SQL.
 *  - A cached statement is handed out reset with its bindings cleared, and
 *    every user resets it again when done (store_stmt_done), so no cached
 *    statement keeps a read snapshot open in WAL mode between calls.
 *  - All values go through bound parameters; no SQL text is ever built
 *    from data.
 */
#ifndef FEEDSIFT_STORE_INT_H
#define FEEDSIFT_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/* Slots of the statement cache, one per call site. */
enum store_stmt_id {
    STMT_FEED_FIND,
    STMT_FEED_INSERT,
    STMT_FEED_SET_NAME,
    STMT_FEED_GET,
    STMT_FEEDS_ALL,
    STMT_FEED_CHECK_OK,
    STMT_FEED_CHECK_NOT_MODIFIED,
    STMT_FEED_CHECK_FAILED,
    STMT_FEED_ALIAS_ADD,
    STMT_FEED_SET_URL,
    STMT_FEED_FIND_ANY,
    STMT_FEED_SET_DISABLED,
    STMT_ITEM_FIND,
    STMT_ITEM_INSERT,
    STMT_ITEM_UPDATE,
    STMT_ITEM_SET_BODY,
    STMT_ITEMS_PENDING,
    STMT_TAGS_OF_ITEM,
    STMT_TAG_INSERT,
    STMT_TAG_UPDATE,
    STMT_TAG_DELETE,
    STMT_TAG_NAMES,
    STMT_RUN_BEGIN,
    STMT_RUN_FINISH,
    STMT_COUNTS,
    /* stories, search and review (story.c, search.c, review.c) */
    STMT_STORY_BY_URL,
    STMT_STORY_WEEK_SCAN,
    STMT_STORY_UNSET,
    STMT_FTS_PENDING,
    STMT_FTS_REPLAY,
    STMT_FTS_CLEAR,
    STMT_FTS_UNINDEX,
    STMT_FTS_INDEX,
    STMT_STORY_OF_ITEM,
    STMT_STORY_SIZE,
    STMT_STORY_ITEM_TEXT,
    STMT_STORY_SET,
    STMT_ITEM_VERSION_SAVE,
    STMT_ITEM_MAX_ID,
    STMT_LIST_STORY_INFO,
    STMT_LIST_STORY_TAGS,
    STMT_MARK_PUT,
    STMT_MARK_DELETE,
    STMT_ITEM_EXISTS,
    STMT_WATCH_ADD,
    STMT_WATCH_REMOVE,
    STMT_WATCH_LIST,
    STMT_ALERT_ITEM,
    STMT_ALERT_KEY_FIND,
    STMT_ALERT_KEY_ADD,
    STMT_ALERT_SOURCE_ADD,
    STMT_ALERT_INSERT,
    STMT_ALERT_EVIDENCE,
    STMT_ALERT_SOURCES,
    STMT_ALERTS_LIST,
    STMT_ALERT_SENT,
    STMT_ALERT_FAILED,
    STMT_ALERT_ACK,
    STMT_ALERT_RETRY,
    STMT_LIST_TAG_COMMON,
    STMT_LIST_MAX_ITEM,
    STMT_DATA_VERSION,
    STMT_STORY_WEEK_ITEMS,
    STMT_COUNT_ /* number of statements */
};

struct store {
    sqlite3 *db;
    char *path;                 /* for messages */
    int version;                /* PRAGMA user_version after migration */
    int busy_ms;                /* busy timeout in effect */
    int caller_txn;             /* inside store_begin(): see store_atomic_begin */
    sqlite3_stmt *stmts[STMT_COUNT_];
    struct story_index *story_index; /* story_index.c; NULL until used */
    /* The item item_insert added last: no tag can reference it yet, so
     * the first store_item_set_tags of it skips reading its old tags.
     * Every end of a transaction forgets it (the commit and rollback
     * hooks, store.c): after ours another connection may tag the item,
     * or, after a rollback, be given its id. */
    int64_t fresh_item;
};

/* The schema version this build writes and the PRAGMA application_id that
 * marks a file as ours ('FSFT'). */
#define STORE_APPLICATION_ID 0x46534654
int store_schema_latest(void);

/* schema.c: bring a freshly opened, identified database up to date. */
fs_code store_schema_migrate(struct store *st, fs_error *err);
/* Tests only: when > 0, migrate no further than this version (to build a
 * database as an older feedsift left it). */
extern int store_schema_test_limit;

/* story.c.  The migration that adds stories and search, and the fill of
 * item_story for the items that have no story (run by the last migration
 * step of an open, with this build's tables: schema.c). */
#define STORE_STORY_MIGRATION 4
/* The schema version that queues search index changes (schema.c). */
fs_code store_story_backfill(struct store *st, fs_error *err);

/* search.c.  The schema version from which the items triggers queue
 * search index changes in items_fts_pending, and the replay of that queue
 * into items_fts (one statement; the queue is then empty).  Every commit
 * of a write transaction calls it first (store_commit, store_atomic_end,
 * migrations), so committed data is always searchable. */
#define STORE_FTS_QUEUE_MIGRATION 5
/* The schema version from which the queue holds one row per changed
 * item, with the values the index holds for it (schema.c). */
#define STORE_FTS_ROWID_QUEUE_MIGRATION 8
fs_code store_fts_flush(struct store *st, fs_error *err);

/* Near-duplicate bands (story.c, story_index.c).  A signed item_story row
 * (simhash not NULL) is filed under the week of its time and under each
 * of its signature's four 16-bit bands, 65536 * k + bits 16k..16k+15. */
#define STORY_BAND_WEEK (7 * 86400)
/* Candidates read per band and week (see story_by_simhash). */
#define STORY_BAND_CANDIDATES 64

static inline int64_t story_week(int64_t at)
{
    /* C and SQLite both truncate toward zero, as the v6 migration's
     * `at / 604800` did; it never decreases with `at`, so the weeks from
     * week(from) to week(to) hold every item of a window. */
    return at / STORY_BAND_WEEK;
}

/* The times whose story_week() is week: [*lo, *hi]. */
static inline void story_week_bounds(int64_t week, int64_t *lo, int64_t *hi)
{
    *lo = week > 0 ? week * STORY_BAND_WEEK
                   : (week - 1) * STORY_BAND_WEEK + 1;
    *hi = week < 0 ? week * STORY_BAND_WEEK
                   : (week + 1) * STORY_BAND_WEEK - 1;
}

static inline int64_t story_band_of(int64_t simhash, int k)
{
    return 65536 * (int64_t)k +
           (int64_t)(((uint64_t)simhash >> (16 * k)) & 0xffff);
}

/* story_index.c: the bands of the weeks story.c reads, in memory.
 * story_index_check() once per lookup (it drops what a rollback, another
 * connection's commit or a delete elsewhere may have made stale), then
 * story_index_week() per week: for each band k of simhash, the signed
 * items of the week in [from, to] other than self_id that share it,
 * newest first (ties by item_id, descending), at most
 * STORY_BAND_CANDIDATES, into out[k][0..n[k]); *held 0 means the week is
 * not held: story.c scans.  Every signed item_story row this connection
 * inserts goes through story_index_add_item(), and story.c's delete of
 * an item_story row runs between story_index_own_delete(st, 1) and
 * (st, 0) and then removes it with story_index_remove_item(). */
struct story_candidate {
    int64_t item_id, simhash;
};
fs_code story_index_check(struct store *st, fs_error *err);
fs_code story_index_week(struct store *st, int64_t week, int64_t simhash,
                         int64_t from, int64_t to, int64_t self_id,
                         struct story_candidate out[4][STORY_BAND_CANDIDATES],
                         int n[4], int *held, fs_error *err);
void story_index_add_item(struct store *st, int64_t at, int64_t item_id,
                          int64_t simhash);
void story_index_remove_item(struct store *st, int64_t at, int64_t item_id,
                             int64_t simhash);
void story_index_own_delete(struct store *st, int on);
/* After a rollback to a savepoint (a full rollback resets it by itself). */
void story_index_reset(struct store *st);
/* A transaction ended (store.c's commit and rollback hooks). */
void story_index_txn_end(struct store *st, int rolled_back);
void story_index_free(struct store *st);
/* Tests only: when > 0, the most rows held instead of the default; when
 * >= 0, the lookups of a week answered by a scan before it is loaded. */
extern size_t story_index_test_max_rows;
extern int story_index_test_load_after;

/* Where an item goes: its URL key (canonical URL, else link, normalised;
 * NULL without either), its simhash (has_hash 0 when the text is too short
 * to compare) and its story (the id of an item it duplicates, or 0 when
 * it starts a story). */
struct story_place {
    char *url_key;
    int64_t simhash;
    int has_hash;
    int64_t story_id;
};
/* Compute url_key and simhash of the text and find the story of an item
 * with these fields (self_id: the item itself, 0 when not stored yet). */
fs_code store_story_find(struct store *st, int64_t self_id,
                         const char *link, const char *canonical_url,
                         const char *title, const char *summary,
                         const char *body, int64_t when,
                         struct story_place *out, fs_error *err);
void story_place_release(struct story_place *p);
/* Place a new item (just inserted with id item_id; when = its time). */
fs_code store_story_place_new(struct store *st, int64_t item_id,
                              const struct store_item *it, int64_t when,
                              fs_error *err);
/* Re-place a stored item after its text or URLs changed: keeps its story
 * when it shares it with other items, else looks for one. */
fs_code store_story_replace(struct store *st, int64_t item_id,
                            fs_error *err);
/* Normalise a URL into a dedup key (exposed for tests): scheme and "www."
 * dropped, host lower-cased, default port, fragment, tracking parameters
 * (utm_*, fbclid, gclid, ...) and a trailing slash removed. */
void store_url_key(const char *url, struct strbuf *out);
/* 64-bit near-duplicate signature of the normalised words of the texts
 * (16 b-bit MinHashes of 4 bits, see story.c; the schema calls it
 * simhash); returns the number of distinct words, counted up to
 * STORE_SIMHASH_WORDS_CAP (too few words make no useful signature). */
#define STORE_SIMHASH_WORDS_CAP 32
size_t store_simhash(const char *const *texts, size_t n, uint64_t *out);
/* How many of the 16 MinHash nibbles two signatures share (0..16). */
int store_simhash_agree(uint64_t a, uint64_t b);

/* query.c: helpers shared by the readers. */
void store_bind_named_text(sqlite3_stmt *stmt, const char *name,
                           const char *v);
void store_bind_named_int(sqlite3_stmt *stmt, const char *name, int64_t v);
/* Distinct tags of an item (or, with story, of its whole story), sorted,
 * appended as owned strings to *tags. */
fs_code store_item_tag_names(struct store *st, int64_t id, int story,
                             char ***tags, size_t *n, size_t *alloc,
                             fs_error *err);
/* SQL for "tag is T or below it" on column col, binding :tag :lo :hi. */
void store_tag_filter_sql(struct strbuf *sql, const char *col);
void store_tag_filter_bind(sqlite3_stmt *stmt, const char *tag);
/* An FTS5 MATCH error (bad query syntax) as FS_EINVAL. */
fs_code store_match_error(struct store *st, int rc, const char *what,
                          fs_error *err);

/* Map an SQLite result code to fs_code and fill err with a message that
 * names the database file and what was being done. */
fs_code store_sql_error(struct store *st, int rc, const char *what,
                        fs_error *err);

/* Get the statement in slot id (preparing sql the first time), reset and
 * unbound. */
fs_code store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
                   sqlite3_stmt **out, fs_error *err);
/* Reset a statement after use (releases its read snapshot). */
void store_stmt_done(sqlite3_stmt *stmt);
/* Step a statement that returns no rows, then reset it. */
fs_code store_step_done(struct store *st, sqlite3_stmt *stmt,
                        const char *what, fs_error *err);

/* Make a group of writes atomic in either mode: in autocommit mode a
 * BEGIN IMMEDIATE transaction, inside the caller's transaction a
 * savepoint.  *own remembers which, for store_atomic_end(). */
fs_code store_atomic_begin(struct store *st, int *own, fs_error *err);
/* Commit/release when rc is FS_OK, else roll back; returns rc, or the
 * commit error. */
fs_code store_atomic_end(struct store *st, int own, fs_code rc,
                         fs_error *err);

/* Run SQL without results (BEGIN, SAVEPOINT, schema steps). */
fs_code store_exec(struct store *st, const char *sql, const char *what,
                   fs_error *err);

/* Bind helpers: NULL text and FS_TIME_NONE become SQL NULL. */
int store_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
int store_bind_time(sqlite3_stmt *stmt, int idx, int64_t t);
/* Column helpers: SQL NULL becomes NULL / FS_TIME_NONE. */
const char *store_col_text(sqlite3_stmt *stmt, int col);
int64_t store_col_time(sqlite3_stmt *stmt, int col);

#endif /* FEEDSIFT_STORE_INT_H */
