/*
 * store.c — opening and closing the database, connection settings,
 * transactions, the statement cache and SQLite error mapping.
 *
 * Opening is careful not to harm files that are not ours: before anything
 * is written (even the switch to WAL, which rewrites the header) the file
 * is identified by its PRAGMA application_id, user_version and whether it
 * has any schema objects.  Only an empty file or a feedsift database of a
 * version we understand is configured and migrated; anything else is
 * reported and left byte-for-byte as it was.
 *
 * Invariants: a struct store always has an open connection with foreign
 * keys on and a busy timeout; store_close() finalizes every cached
 * statement before closing the connection.
 */
#include "store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- errors ---------------------------------------------------------- */

fs_code store_sql_error(struct store *st, int rc, const char *what,
                        fs_error *err)
{
    const char *detail = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fs_error_set(err, FS_EBUSY,
                            "%s: database is locked by another process "
                            "(waited %d ms) while %s",
                            st->path, st->busy_ms, what);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return fs_error_set(err, FS_ECORRUPT,
                            "%s: database file is corrupt or not an SQLite "
                            "database (%s) while %s",
                            st->path, detail, what);
    default:
        return fs_error_set(err, FS_EDB, "%s: %s: %s", st->path, what,
                            detail);
    }
}

/* ---- statements ------------------------------------------------------ */

fs_code store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
                   sqlite3_stmt **out, fs_error *err)
{
    sqlite3_stmt *stmt = st->stmts[id];
    if (!stmt) {
        int rc = sqlite3_prepare_v3(st->db, sql, -1,
                                    SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK)
            return store_sql_error(st, rc, "preparing a query", err);
        st->stmts[id] = stmt;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    *out = stmt;
    return FS_OK;
}

void store_stmt_done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
}

fs_code store_step_done(struct store *st, sqlite3_stmt *stmt,
                        const char *what, fs_error *err)
{
    int rc = sqlite3_step(stmt);
    fs_code frc = FS_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        frc = store_sql_error(st, rc, what, err); /* before reset */
    sqlite3_reset(stmt);
    return frc;
}

fs_code store_exec(struct store *st, const char *sql, const char *what,
                   fs_error *err)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_sql_error(st, rc, what, err);
    return FS_OK;
}

int store_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(stmt, idx);
    return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC);
}

int store_bind_time(sqlite3_stmt *stmt, int idx, int64_t t)
{
    if (t == FS_TIME_NONE)
        return sqlite3_bind_null(stmt, idx);
    return sqlite3_bind_int64(stmt, idx, t);
}

const char *store_col_text(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

int64_t store_col_time(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return FS_TIME_NONE;
    return sqlite3_column_int64(stmt, col);
}

/* One integer from a one-row query such as "PRAGMA user_version". */
static fs_code query_int(struct store *st, const char *sql, const char *what,
                         int64_t *out, fs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(stmt, 0);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(stmt);
    }
    if (rc != SQLITE_OK)
        return store_sql_error(st, rc, what, err);
    return FS_OK;
}

/* ---- opening --------------------------------------------------------- */

/* Decide whether this file is ours to configure and migrate.  Reads only:
 * nothing may be written to a file we do not recognise. */
static fs_code store_identify(struct store *st, fs_error *err)
{
    int64_t app_id = 0, version = 0, n_objects = 0;
    const char *what = "reading the database header";
    fs_code rc = query_int(st, "PRAGMA application_id", what, &app_id, err);
    if (rc == FS_OK)
        rc = query_int(st, "PRAGMA user_version", what, &version, err);
    if (rc == FS_OK)
        rc = query_int(st, "SELECT count(*) FROM sqlite_master", what,
                       &n_objects, err);
    if (rc != FS_OK)
        return rc;

    if (app_id == STORE_APPLICATION_ID) {
        if (version > store_schema_latest())
            return fs_error_set(err, FS_EDB,
                                "%s: database schema version %lld is newer "
                                "than this feedsift %s understands (%d); "
                                "upgrade feedsift, the file was not changed",
                                st->path, (long long)version,
                                FEEDSIFT_VERSION, store_schema_latest());
        return FS_OK;
    }
    if (app_id == 0 && version == 0 && n_objects == 0)
        return FS_OK; /* empty database: created by us in a moment */
    return fs_error_set(err, FS_ECORRUPT,
                        "%s: not a feedsift database (application_id %lld, "
                        "user_version %lld, %lld schema objects); the file "
                        "was not changed",
                        st->path, (long long)app_id, (long long)version,
                        (long long)n_objects);
}

/* The settings of every connection that are not stored in the file,
 * besides WAL mode (store_configure).  Kept here, in one place, so that
 * bench/bench_store's bare SQLite loop runs with exactly these. */
static const char connection_pragmas[] =
    "PRAGMA foreign_keys = ON;"
    /* In WAL mode NORMAL is still corruption-safe; a power loss may only
     * lose the last commits, which the next crawl fetches again. */
    "PRAGMA synchronous = NORMAL;"
    /* 16 MB of page cache instead of SQLite's 2 MB: a crawl's batch
     * dirties a few thousand pages (indexes, FTS segments), and with 2 MB
     * they spilled into the WAL mid-transaction and were read back.  On a
     * 2,000-feed crawl: WAL frames written 128,000 -> 46,000, pages read
     * back 264,000 -> 42,000, system CPU -65%; peak RSS +6 MB. */
    "PRAGMA cache_size = -16384;"
    /* Checkpoint every 8,000 WAL pages (32 MB) instead of 1,000: a page
     * that several commits rewrite is copied into the database once per
     * checkpoint, and each checkpoint syncs.  2,000-feed crawl: pages
     * copied 42,000 -> 16,000, fsyncs 98 -> 20. */
    "PRAGMA wal_autocheckpoint = 8000;";

const char *store_connection_pragmas(void)
{
    return connection_pragmas;
}

/* Every end of a write transaction, however it ends (store_commit,
 * store_atomic_end, a failed statement, sqlite3_close rolling back):
 * what this connection knows only within one transaction is forgotten
 * here, in one place. */
static int on_commit(void *arg)
{
    struct store *st = arg;
    st->fresh_item = 0;
    story_index_txn_end(st, 0);
    return 0; /* let it commit */
}

static void on_rollback(void *arg)
{
    struct store *st = arg;
    st->fresh_item = 0;
    story_index_txn_end(st, 1);
}

/* Connection settings that are not stored in the file (or, for WAL, that
 * are idempotent). */
static fs_code store_configure(struct store *st, fs_error *err)
{
    sqlite3_commit_hook(st->db, on_commit, st);
    sqlite3_rollback_hook(st->db, on_rollback, st);
    /* WAL: readers (list) never block the writer (crawl) and vice versa.
     * journal_mode answers with the mode in effect, which stays "memory"
     * for in-memory databases; that is fine. */
    sqlite3_stmt *stmt;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
                                 &stmt, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(stmt);
        if (src == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(stmt, 0);
            if (mode && strcmp(mode, "wal") != 0)
                fs_log(FS_LOG_DEBUG, "%s: journal mode is %s, not wal",
                       st->path, mode);
            src = SQLITE_OK;
        }
        sqlite3_finalize(stmt);
    }
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "switching to WAL mode", err);
    return store_exec(st, store_connection_pragmas(),
                      "configuring the connection", err);
}

static int busy_timeout_default(void)
{
    const char *env = getenv("FEEDSIFT_BUSY_TIMEOUT_MS");
    if (env && *env) {
        char *end;
        long ms = strtol(env, &end, 10);
        if (*end == '\0' && ms >= 0 && ms <= 24L * 3600 * 1000)
            return (int)ms;
        fs_log(FS_LOG_WARN, "ignoring invalid FEEDSIFT_BUSY_TIMEOUT_MS '%s'",
               env);
    }
    return STORE_BUSY_TIMEOUT_MS;
}

void store_set_busy_timeout(struct store *st, int ms)
{
    st->busy_ms = ms < 0 ? 0 : ms;
    sqlite3_busy_timeout(st->db, st->busy_ms);
}

/* SQLite creates DB-wal and DB-shm with the database file's mode.  When
 * a reader opened a read-only (0444) database, the files it left behind
 * stay 0444 after the database is made writable again, and every write
 * then fails with "attempt to write a readonly database".  Giving them
 * back the database's mode changes no byte in them, so it is safe; it is
 * done only when the database itself is writable for us and we own them. */
static void store_repair_sidecar_modes(const char *path)
{
    static const char *const suffixes[] = {"-wal", "-shm"};
    struct stat db, side;
    if (stat(path, &db) != 0 || access(path, W_OK) != 0)
        return;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char *side_path = fs_asprintf("%s%s", path, suffixes[i]);
        if (stat(side_path, &side) == 0 && access(side_path, W_OK) != 0 &&
            side.st_uid == geteuid() &&
            chmod(side_path, db.st_mode & 0666) == 0)
            fs_log(FS_LOG_INFO, "%s: made writable again like the "
                                "database (a read-only open left it so)",
                   side_path);
        free(side_path);
    }
}

/* Once per process, before SQLite initialises itself: no memory
 * statistics, which cost a global mutex around every allocation and
 * which feedsift never reads. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static fs_code store_open_flags(const char *path, int flags,
                                struct store **out, fs_error *err)
{
    struct store *st = fs_calloc(1, sizeof(*st));
    st->path = fs_strdup(path);
    st->busy_ms = busy_timeout_default();
    *out = NULL;

    store_repair_sidecar_modes(path);
    pthread_once(&sqlite_once, sqlite_setup);
    /* A handle is used by one thread at a time (the crawl writes from one
     * thread; its fetch thread never touches the store), so SQLite's
     * per-connection mutexes are pure cost. */
    int rc = sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        fs_error_set(err, FS_EDB, "%s: cannot open database: %s", path,
                     st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        store_close(st);
        return FS_EDB;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, st->busy_ms);

    fs_code frc = store_identify(st, err);
    if (frc == FS_OK)
        frc = store_configure(st, err);
    if (frc == FS_OK)
        frc = store_schema_migrate(st, err);
    if (frc != FS_OK) {
        store_close(st);
        return frc;
    }
    *out = st;
    return FS_OK;
}

fs_code store_open(const char *path, struct store **out, fs_error *err)
{
    return store_open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            out, err);
}

fs_code store_open_existing(const char *path, struct store **out,
                            fs_error *err)
{
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return fs_error_set(err, FS_EIO,
                                "%s: no such database (run 'feedsift crawl' "
                                "first)",
                                path);
        return fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));
    }
    return store_open_flags(path, SQLITE_OPEN_READWRITE, out, err);
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < STMT_COUNT_; i++)
        sqlite3_finalize(st->stmts[i]);
    story_index_free(st);
    if (st->db && sqlite3_close(st->db) != SQLITE_OK)
        fs_log(FS_LOG_WARN, "%s: closing database: %s", st->path,
               sqlite3_errmsg(st->db));
    free(st->path);
    free(st);
}

int store_schema_version(const struct store *st)
{
    return st->version;
}

/* ---- transactions ---------------------------------------------------- */

fs_code store_begin(struct store *st, fs_error *err)
{
    if (!sqlite3_get_autocommit(st->db))
        return fs_error_set(err, FS_EINVAL,
                            "%s: a transaction is already open", st->path);
    /* IMMEDIATE takes the write lock now, under the busy timeout.  A
     * deferred transaction that later needs to write can fail at once with
     * SQLITE_BUSY_SNAPSHOT in WAL mode, whatever the timeout. */
    fs_code rc = store_exec(st, "BEGIN IMMEDIATE", "beginning a transaction",
                            err);
    st->caller_txn = rc == FS_OK;
    return rc;
}

fs_code store_commit(struct store *st, fs_error *err)
{
    fs_code rc = store_fts_flush(st, err);
    if (rc == FS_OK)
        rc = store_exec(st, "COMMIT", "committing", err);
    if (rc == FS_OK)
        st->caller_txn = 0;
    return rc;
}

void store_rollback(struct store *st)
{
    st->caller_txn = 0;
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

fs_code store_atomic_begin(struct store *st, int *own, fs_error *err)
{
    /* Inside the caller's store_begin() transaction a failed function
     * leaves its half-done writes for the caller's store_rollback() (the
     * contract in store.h): no savepoint per call.  That matters: FTS5
     * flushes its pending index at every savepoint, which cost a fifth of
     * the crawl's CPU when every item opened one. */
    if (st->caller_txn && !sqlite3_get_autocommit(st->db)) {
        *own = -1;
        return FS_OK;
    }
    *own = sqlite3_get_autocommit(st->db);
    if (*own)
        return store_exec(st, "BEGIN IMMEDIATE", "beginning a transaction",
                          err);
    return store_exec(st, "SAVEPOINT store_atomic", "opening a savepoint",
                      err);
}

fs_code store_atomic_end(struct store *st, int own, fs_code rc,
                         fs_error *err)
{
    if (own < 0)
        return rc; /* the caller's transaction: it rolls back on error */
    if (rc == FS_OK)
        rc = store_fts_flush(st, err);
    if (rc == FS_OK) {
        rc = store_exec(st, own ? "COMMIT" : "RELEASE store_atomic",
                        "committing", err);
        if (rc == FS_OK)
            return FS_OK;
    }
    if (own)
        store_rollback(st);
    else {
        sqlite3_exec(st->db,
                     "ROLLBACK TO store_atomic; RELEASE store_atomic", NULL,
                     NULL, NULL);
        story_index_reset(st); /* no rollback hook for this one */
    }
    return rc;
}
