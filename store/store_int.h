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
    STMT_COUNT_ /* number of statements */
};

struct store {
    sqlite3 *db;
    char *path;                 /* for messages */
    int version;                /* PRAGMA user_version after migration */
    int busy_ms;                /* busy timeout in effect */
    sqlite3_stmt *stmts[STMT_COUNT_];
};

/* The schema version this build writes and the PRAGMA application_id that
 * marks a file as ours ('FSFT'). */
#define STORE_APPLICATION_ID 0x46534654
int store_schema_latest(void);

/* schema.c: bring a freshly opened, identified database up to date. */
fs_code store_schema_migrate(struct store *st, fs_error *err);

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
