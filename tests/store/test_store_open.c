/*
 * test_store_open.c — opening databases: create, reopen, migrate an empty
 * file, refuse garbage / foreign / newer files without changing a byte,
 * never create a file from store_open_existing(), and locking in WAL mode
 * (a reader works while a writer holds a transaction; a second writer
 * gets FS_EBUSY naming the file once the busy timeout expires).
 */
#include "store.h"
#include "tap.h"
#include "testdb.h"

#include <sys/stat.h>
#include <time.h>

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

static void test_create_reopen(void)
{
    char *path = testdb_path("fresh.db");
    struct store *st = NULL;
    fs_error err = {0};
    struct store_counts c;

    is_int(store_open(path, &st, &err), FS_OK, "create a new database");
    ok(st && store_schema_version(st) >= 1, "schema version set");
    int version = st ? store_schema_version(st) : -1;
    is_int(store_counts(st, &c, &err), FS_OK, "counts on a new database");
    ok(c.feeds == 0 && c.items == 0 && c.tags == 0 && c.runs == 0,
       "new database is empty");
    int64_t fid;
    is_int(store_feed_ensure(st, "https://example.com/feed", "ex", &fid, &err),
           FS_OK, "add a feed");
    store_close(st);

    is_int(store_open(path, &st, &err), FS_OK, "reopen");
    is_int(store_schema_version(st), version, "same version on reopen");
    store_counts(st, &c, &err);
    is_int(c.feeds, 1, "data survives reopen");
    store_close(st);

    sqlite3 *db = testdb_raw_open(path);
    is_int(testdb_int(db, "PRAGMA application_id"), 0x46534654,
           "application_id marks the file as feedsift's");
    is_int(testdb_int(db, "PRAGMA user_version"), version,
           "user_version is the schema version");
    char *mode = testdb_text(db, "PRAGMA journal_mode");
    is_str(mode, "wal", "database is in WAL mode");
    free(mode);
    sqlite3_close(db);
    free(path);
}

static void test_empty_file_migrates(void)
{
    char *path = testdb_path("empty.db");
    struct store *st = NULL;
    fs_error err = {0};
    testdb_write(path, "", 0);
    is_int(store_open(path, &st, &err), FS_OK,
           "an empty file is migrated from version 0");
    ok(st && store_schema_version(st) >= 1, "empty file now has a schema");
    store_close(st);
    free(path);
}

/* Open must fail with `code`, name the file, and leave it unchanged. */
static void expect_refused(const char *name, fs_code code, const char *why,
                           const char *what)
{
    char *path = testdb_path(name);
    struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
    struct store *st = (struct store *)1;
    fs_error err = {0};
    char label[256];

    testdb_slurp(path, &before);
    fs_code rc = store_open(path, &st, &err);
    snprintf(label, sizeof(label), "%s: refused with %s", what,
             fs_code_name(code));
    is_int(rc, code, label);
    snprintf(label, sizeof(label), "%s: no handle returned", what);
    ok(st == NULL, label);
    snprintf(label, sizeof(label), "%s: message names the file", what);
    ok(contains(err.msg, path), label);
    if (why) {
        snprintf(label, sizeof(label), "%s: message says why", what);
        if (!ok(contains(err.msg, why), label))
            printf("#   message: %s\n", err.msg);
    }
    testdb_slurp(path, &after);
    snprintf(label, sizeof(label), "%s: file bytes unchanged", what);
    ok(before.len == after.len && !memcmp(before.buf, after.buf, before.len),
       label);
    if (rc == FS_OK)
        store_close(st);
    strbuf_release(&before);
    strbuf_release(&after);
    free(path);
}

static void test_refuse_garbage(void)
{
    char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7 + 13);
    char *path = testdb_path("garbage.db");
    testdb_write(path, junk, sizeof(junk));
    free(path);
    expect_refused("garbage.db", FS_ECORRUPT, NULL, "garbage file");

    path = testdb_path("text.db");
    testdb_write(path, "hello, world\n", 13);
    free(path);
    expect_refused("text.db", FS_ECORRUPT, NULL, "short text file");
}

static void test_refuse_foreign(void)
{
    char *path = testdb_path("foreign.db");
    sqlite3 *db = testdb_raw_open(path);
    testdb_exec(db, "CREATE TABLE contacts (name TEXT, phone TEXT);"
                    "INSERT INTO contacts VALUES ('Ada', '555');");
    sqlite3_close(db);
    free(path);
    expect_refused("foreign.db", FS_ECORRUPT, "not a feedsift database",
                   "foreign SQLite database with tables");

    path = testdb_path("otherapp.db");
    db = testdb_raw_open(path);
    testdb_exec(db, "PRAGMA application_id = 42;");
    sqlite3_close(db);
    free(path);
    expect_refused("otherapp.db", FS_ECORRUPT, "not a feedsift database",
                   "SQLite database of another application");

    path = testdb_path("versioned.db");
    db = testdb_raw_open(path);
    testdb_exec(db, "PRAGMA user_version = 3;");
    sqlite3_close(db);
    free(path);
    expect_refused("versioned.db", FS_ECORRUPT, "not a feedsift database",
                   "versioned SQLite database without our id");
}

static void test_refuse_newer(void)
{
    char *path = testdb_path("newer.db");
    struct store *st;
    fs_error err = {0};
    store_open(path, &st, &err);
    store_close(st);
    sqlite3 *db = testdb_raw_open(path);
    /* Back to rollback-journal mode so the whole database is in the main
     * file and the byte comparison covers it. */
    testdb_exec(db, "PRAGMA user_version = 999; PRAGMA journal_mode = DELETE;");
    sqlite3_close(db);
    free(path);
    expect_refused("newer.db", FS_EDB, "newer", "database from a newer feedsift");
}

static void test_open_existing(void)
{
    char *path = testdb_path("missing.db");
    struct store *st = (struct store *)1;
    fs_error err = {0};
    struct stat sb;
    is_int(store_open_existing(path, &st, &err), FS_EIO,
           "open_existing: missing file is an error");
    ok(st == NULL, "open_existing: no handle");
    ok(contains(err.msg, path) && contains(err.msg, "no such database"),
       "open_existing: message names the file");
    ok(stat(path, &sb) != 0, "open_existing: file not created");

    store_open(path, &st, &err);
    store_close(st);
    is_int(store_open_existing(path, &st, &err), FS_OK,
           "open_existing: opens a database that exists");
    store_close(st);
    free(path);
}

/* A database whose pages (after the header page) are overwritten. */
static void test_corrupt_pages(void)
{
    char *path = testdb_path("pages.db");
    struct store *st;
    fs_error err = {0};
    store_open(path, &st, &err);
    int64_t fid;
    store_feed_ensure(st, "https://example.com/a", NULL, &fid, &err);
    store_close(st);
    sqlite3 *db = testdb_raw_open(path);
    testdb_exec(db, "PRAGMA journal_mode = DELETE;");
    sqlite3_close(db);

    struct strbuf sb = STRBUF_INIT;
    testdb_slurp(path, &sb);
    for (size_t i = 4096; i < sb.len; i++)
        sb.buf[i] = (char)0xA5;
    testdb_write(path, sb.buf, sb.len);

    fs_code rc = store_open(path, &st, &err);
    if (rc == FS_OK) {
        struct store_counts c;
        rc = store_counts(st, &c, &err);
        store_close(st);
    }
    is_int(rc, FS_ECORRUPT, "overwritten pages are reported as corrupt");
    ok(contains(err.msg, path), "corruption message names the file");
    strbuf_release(&sb);
    free(path);
}

static int count_rows(const struct store_list_row *row, void *ud)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static double elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 +
           (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void test_locking(void)
{
    char *path = testdb_path("locks.db");
    struct store *writer, *reader;
    fs_error err = {0};
    int64_t fid, iid;
    enum store_upsert_result res;
    struct store_list_query q = {.since = FS_TIME_NONE, .until = FS_TIME_NONE};
    struct store_item it = {.guid = "committed", .title = "one",
                            .published = 1000, .updated = FS_TIME_NONE,
                            .first_seen = FS_TIME_NONE};

    store_open(path, &writer, &err);
    store_feed_ensure(writer, "https://example.com/feed", NULL, &fid, &err);
    it.feed_id = fid;
    store_item_upsert(writer, &it, &iid, &res, &err);

    is_int(store_begin(writer, &err), FS_OK, "writer begins a transaction");
    is_int(store_begin(writer, &err), FS_EINVAL, "transactions do not nest");
    it.guid = "uncommitted";
    store_item_upsert(writer, &it, &iid, &res, &err);

    is_int(store_open(path, &reader, &err), FS_OK,
           "open succeeds while a writer holds a transaction");
    int n = 0;
    is_int(store_list(reader, &q, count_rows, &n, &err), FS_OK,
           "reader lists while the writer holds a transaction");
    is_int(n, 1, "reader sees only committed items");

    store_set_busy_timeout(reader, 150);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fs_code rc = store_begin(reader, &err);
    double waited = elapsed_ms(&t0);
    is_int(rc, FS_EBUSY, "second writer gets FS_EBUSY after the timeout");
    ok(contains(err.msg, path) && contains(err.msg, "locked"),
       "busy message names the file");
    ok(waited >= 100, "second writer waited for the busy timeout");

    /* The environment variable sets the timeout for new connections. */
    setenv("FEEDSIFT_BUSY_TIMEOUT_MS", "20", 1);
    struct store *quick;
    store_open(path, &quick, &err);
    unsetenv("FEEDSIFT_BUSY_TIMEOUT_MS");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    is_int(store_begin(quick, &err), FS_EBUSY,
           "FEEDSIFT_BUSY_TIMEOUT_MS: busy");
    ok(elapsed_ms(&t0) < 2000, "FEEDSIFT_BUSY_TIMEOUT_MS shortens the wait");
    ok(contains(err.msg, "20 ms"), "message gives the timeout");
    store_close(quick);

    is_int(store_commit(writer, &err), FS_OK, "writer commits");
    n = 0;
    store_list(reader, &q, count_rows, &n, &err);
    is_int(n, 2, "reader sees the commit");
    is_int(store_begin(reader, &err), FS_OK, "second writer proceeds after");
    it.guid = "rolled back";
    store_item_upsert(reader, &it, &iid, &res, &err);
    store_rollback(reader);
    store_rollback(reader); /* harmless outside a transaction */
    n = 0;
    store_list(writer, &q, count_rows, &n, &err);
    is_int(n, 2, "rollback discards the transaction");

    store_close(reader);
    store_close(writer);
    free(path);
}

int main(void)
{
    testdb_mkdir();
    test_create_reopen();
    test_empty_file_migrates();
    test_refuse_garbage();
    test_refuse_foreign();
    test_refuse_newer();
    test_open_existing();
    test_corrupt_pages();
    test_locking();
    testdb_cleanup();
    return tap_done();
}
