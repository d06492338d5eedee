/*
 * test_store_story.c — schema migrations and story dedup.
 *
 *  - Migrations: a database is built as feedsift v1, v2 and v3 left it
 *    (store_schema_test_limit stops the migration there), filled with raw
 *    SQL in that version's tables, then opened with the current code: the
 *    data survives and the v4 features work on it (stories backfilled,
 *    old text searchable, versions, marks, alerts kept).
 *  - URL keys: the normalisation that makes one story of several URLs.
 *  - Simhash: small edits stay within the clustering distance, unrelated
 *    texts of the same shape do not.
 *  - Dedup levels through store_item_upsert / store_item_set_body.
 */
#include "store.h"
#include "store_int.h"
#include "tap.h"
#include "testdb.h"
#include "testrand.h"

static fs_error err;

/* ---- migrations ---------------------------------------------------------- */

/* Raw rows for a database at version v (1..3), in that version's columns. */
static void fill_old(sqlite3 *db, int v)
{
    testdb_exec(db,
        "INSERT INTO feeds (id, url, name, title, created) VALUES"
        " (1, 'http://a.example/rss', 'Wire A', NULL, 1700000000),"
        " (2, 'http://b.example/rss', NULL, 'Wire B title', 1700000000);"
        "INSERT INTO items (id, feed_id, guid, title, link, summary, body,"
        "  body_state, published, first_seen, changed, content_hash) VALUES"
        " (1, 1, 'g1', 'Old quota story', 'https://www.news.example/q?utm_medium=x',"
        "  'Beijing set rare earth quotas', 'Oldbodyword text here', 2,"
        "  1700000000, 1700000000, 1700000000, 11),"
        " (2, 2, 'g2', 'Old quota story again', 'http://news.example/q/',"
        "  'Beijing set rare earth quotas', NULL, 1,"
        "  1700000100, 1700000100, 1700000100, 12),"
        " (3, 1, 'g3', 'Unrelated wheat', NULL, 'Farm news', NULL, 0,"
        "  NULL, 1700000200, 1700000200, 13);"
        "INSERT INTO item_tags (item_id, tag, rule_id, field, matched, alert,"
        "  rules_version, created) VALUES"
        " (1, 'rare-earths/quotas', 'q', 'title', 'quota', 1, 'v1', 1700000000);"
        "INSERT INTO runs (started, finished, items_new) VALUES"
        " (1700000000, 1700000010, 3);");
    if (v >= 2)
        testdb_exec(db,
            "UPDATE feeds SET next_due = 1700003600, poll_interval = 3600,"
            " last_status = 200 WHERE id = 1;"
            "INSERT INTO feed_aliases (url, feed_id, created) VALUES"
            " ('http://old.a.example/rss', 1, 1700000000);");
    if (v >= 3)
        testdb_exec(db,
            "INSERT INTO watched_tags (tag, created) VALUES"
            " ('rare-earths', 1700000000);"
            "INSERT INTO alerts (id, item_id, tags, idempotency_key, created,"
            "  status, next_attempt) VALUES"
            " (1, 1, 'rare-earths/quotas', 'k1', 1700000000, 'sent', 0);"
            "INSERT INTO alert_keys (key, alert_id) VALUES ('item:1', 1);"
            "INSERT INTO alert_sources (alert_id, item_id) VALUES (1, 1);");
}

static int count_search(const struct store_search_row *r, void *ud)
{
    (void)r;
    ++*(int *)ud;
    return 0;
}

static void test_migrate_from(int v)
{
    char name[32], label[160];
    snprintf(name, sizeof(name), "v%d.db", v);
    char *path = testdb_path(name);
    struct store *st = NULL;

    store_schema_test_limit = v;
    fs_code rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    snprintf(label, sizeof(label), "v%d: database built at version %d", v, v);
    ok(rc == FS_OK && store_schema_version(st) == v, label);
    store_close(st);

    sqlite3 *raw = testdb_raw_open(path);
    fill_old(raw, v);
    sqlite3_close(raw);

    st = NULL;
    rc = store_open(path, &st, &err);
    snprintf(label, sizeof(label), "v%d: current code opens and migrates to %d",
             v, store_schema_latest());
    if (!ok(rc == FS_OK && store_schema_version(st) == store_schema_latest(),
            label))
        printf("# %s\n", err.msg);
    if (rc != FS_OK) {
        free(path);
        return;
    }
    raw = testdb_raw_open(path);
    snprintf(label, sizeof(label), "v%d: feeds, items, tags, runs survive", v);
    ok(testdb_int(raw, "SELECT count(*) FROM feeds") == 2 &&
       testdb_int(raw, "SELECT count(*) FROM items") == 3 &&
       testdb_int(raw, "SELECT count(*) FROM item_tags") == 1 &&
       testdb_int(raw, "SELECT count(*) FROM runs") == 1 &&
       testdb_int(raw, "SELECT body_state FROM items WHERE id = 1") == 2,
       label);
    if (v >= 2) {
        snprintf(label, sizeof(label), "v%d: schedule and aliases survive", v);
        ok(testdb_int(raw, "SELECT poll_interval FROM feeds WHERE id = 1") ==
               3600 &&
           testdb_int(raw, "SELECT count(*) FROM feed_aliases") == 1, label);
    }
    if (v >= 3) {
        snprintf(label, sizeof(label), "v%d: alerts survive", v);
        ok(testdb_int(raw, "SELECT count(*) FROM alerts WHERE status='sent'")
               == 1 &&
           testdb_int(raw, "SELECT count(*) FROM alert_keys") == 1 &&
           testdb_int(raw, "SELECT count(*) FROM watched_tags") == 1, label);
    }
    snprintf(label, sizeof(label),
             "v%d: every old item placed in a story (backfill)", v);
    ok(testdb_int(raw, "SELECT count(*) FROM item_story") == 3, label);
    snprintf(label, sizeof(label),
             "v%d: old items with one URL spelled two ways are one story", v);
    ok(testdb_int(raw, "SELECT story_id FROM item_story WHERE item_id = 2")
           == 1 &&
       testdb_int(raw, "SELECT story_id FROM item_story WHERE item_id = 3")
           == 3, label);
    sqlite3_close(raw);

    int n = 0;
    struct store_search_query q = {.match = "oldbodyword",
                                   .since = FS_TIME_NONE,
                                   .until = FS_TIME_NONE};
    rc = store_search(st, &q, count_search, &n, &err);
    snprintf(label, sizeof(label), "v%d: old bodies are searchable", v);
    ok(rc == FS_OK && n == 1, label);
    n = 0;
    q.match = "title:wheat";
    rc = store_search(st, &q, count_search, &n, &err);
    snprintf(label, sizeof(label), "v%d: old titles are searchable", v);
    ok(rc == FS_OK && n == 1, label);

    /* New features on old data: an update keeps a version, a mark. */
    struct store_item it = {
        .feed_id = 1, .guid = "g1", .title = "Old quota story, revised",
        .link = "https://www.news.example/q?utm_medium=x",
        .summary = "Beijing set rare earth quotas",
        .published = 1700000000, .updated = FS_TIME_NONE,
        .first_seen = 1700000000, .body_state = STORE_BODY_PENDING,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    rc = store_item_upsert(st, &it, &id, &r, &err);
    struct store_item_detail *d = NULL;
    if (rc == FS_OK)
        rc = store_mark_set(st, 1, STORE_MARK_RELEVANT, "kept", &err);
    if (rc == FS_OK)
        rc = store_item_detail_get(st, 1, &d, &err);
    snprintf(label, sizeof(label),
             "v%d: an old item updates with a version, takes a mark", v);
    ok(rc == FS_OK && id == 1 && r == STORE_ITEM_UPDATED && d &&
       d->n_versions == 1 &&
       !strcmp(d->versions[0].title, "Old quota story") &&
       d->mark == STORE_MARK_RELEVANT && d->n_sources == 2 &&
       d->item.body && !strcmp(d->item.body, "Oldbodyword text here"),
       label);
    if (rc != FS_OK)
        printf("# %s\n", err.msg);
    store_item_detail_free(d);
    store_close(st);

    raw = testdb_raw_open(path);
    snprintf(label, sizeof(label), "v%d: FTS index consistent after update",
             v);
    char *msg = NULL;
    ok(sqlite3_exec(raw,
                    "INSERT INTO items_fts(items_fts, rank) "
                    "VALUES ('integrity-check', 1)",
                    NULL, NULL, &msg) == SQLITE_OK,
       label);
    sqlite3_free(msg);
    sqlite3_close(raw);
    free(path);
}

static int search_count(struct store *st, const char *match)
{
    int n = 0;
    struct store_search_query q = {.match = match, .since = FS_TIME_NONE,
                                   .until = FS_TIME_NONE};
    if (store_search(st, &q, count_search, &n, &err) != FS_OK)
        return -1;
    return n;
}

/* v4 -> v5: the search index, written by v4's direct triggers, is kept by
 * v5's queue (items_fts_pending, replayed before each commit): old items
 * stay findable, changes through store/ reach the index, and a committed
 * database has an empty queue and a consistent index. */
static void test_migrate_fts_queue(void)
{
    char *path = testdb_path("v4fts.db");
    struct store *st = NULL;
    store_schema_test_limit = 4;
    fs_code rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    ok(rc == FS_OK && store_schema_version(st) == 4,
       "v4: database built at version 4");
    store_close(st);
    sqlite3 *raw = testdb_raw_open(path);
    fill_old(raw, 3);
    sqlite3_close(raw);

    st = NULL;
    rc = store_open(path, &st, &err);
    ok(rc == FS_OK && store_schema_version(st) == store_schema_latest() &&
       search_count(st, "oldbodyword") == 1,
       "v4: migrated; what v4 indexed is still found");
    if (rc != FS_OK) {
        printf("# %s\n", err.msg);
        free(path);
        return;
    }
    rc = store_item_set_body(st, 1, STORE_BODY_OK, "Newbodyword text", NULL,
                             NULL, &err);
    struct store_item it = {
        .feed_id = 2, .guid = "g9", .title = "Fresh tungsten story",
        .summary = "Tungsten quotas", .published = 1700000500,
        .updated = FS_TIME_NONE, .first_seen = 1700000500,
        .body_state = STORE_BODY_NONE,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    if (rc == FS_OK)
        rc = store_item_upsert(st, &it, &id, &r, &err);
    ok(rc == FS_OK && search_count(st, "oldbodyword") == 0 &&
       search_count(st, "newbodyword") == 1 &&
       search_count(st, "tungsten") == 1,
       "v5: an updated body and a new item are searchable at once");

    /* Inside one caller transaction: many changes to one item, then a
     * rollback of another batch; the index follows what was committed. */
    rc = store_begin(st, &err);
    for (int k = 0; rc == FS_OK && k < 5; k++) {
        char body[64];
        snprintf(body, sizeof(body), "Draft%dword text", k);
        rc = store_item_set_body(st, 1, STORE_BODY_OK, body, NULL, NULL,
                                 &err);
    }
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    if (rc == FS_OK)
        rc = store_begin(st, &err);
    if (rc == FS_OK)
        rc = store_item_set_body(st, 1, STORE_BODY_OK, "Lostword text", NULL,
                                 NULL, &err);
    store_rollback(st);
    ok(rc == FS_OK && search_count(st, "draft4word") == 1 &&
       search_count(st, "draft3word") == 0 &&
       search_count(st, "newbodyword") == 0 &&
       search_count(st, "lostword") == 0,
       "v5: five edits in one transaction, then a rolled-back one");
    if (rc != FS_OK)
        printf("# %s\n", err.msg);
    store_close(st);

    raw = testdb_raw_open(path);
    char *msg = NULL;
    ok(sqlite3_exec(raw,
                    "INSERT INTO items_fts(items_fts, rank) "
                    "VALUES ('integrity-check', 1)",
                    NULL, NULL, &msg) == SQLITE_OK &&
       testdb_int(raw, "SELECT count(*) FROM items_fts_pending") == 0,
       "v5: index consistent, queue empty after commits");
    if (msg)
        printf("# %s\n", msg);
    sqlite3_free(msg);
    sqlite3_close(raw);
    free(path);
}

/* v5 -> v6: the bands move to the week-keyed table; only each item's
 * current signature comes along (v5 left a re-placed item's old bands
 * behind).  v6 -> v7: the band table goes, item_story is indexed by time,
 * and near-duplicate lookups work on the migrated rows. */
static void test_migrate_bands(void)
{
    char *path = testdb_path("v5bands.db");
    struct store *st = NULL;
    store_schema_test_limit = 5;
    fs_code rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    ok(rc == FS_OK && store_schema_version(st) == 5,
       "v5: database built at version 5");
    store_close(st);
    const char *wire =
        "Officials confirmed the new export licensing regime for gallium "
        "and germanium products will take effect next month covering "
        "eight categories of materials used in chip making";
    uint64_t h = 0;
    const char *texts[] = {"Gallium export licences", wire};
    store_simhash(texts, 2, &h);
    sqlite3 *raw = testdb_raw_open(path);
    fill_old(raw, 3);
    char sql[1024];
    /* item 1 placed with its current signature h, plus one stale band
     * row of an earlier signature (h ^ 0xffff: another band 0 value) */
    snprintf(sql, sizeof(sql),
             "UPDATE items SET title = 'Gallium export licences',"
             " summary = '%s', published = 1700000000 WHERE id = 1;"
             "INSERT INTO item_story (item_id, story_id, url_key, simhash, at)"
             " VALUES (1, 1, 'news.example/q', %lld, 1700000000);"
             "INSERT INTO item_simhash_bands (band, at, item_id, simhash)"
             " VALUES (%lld, 1700000000, 1, %lld), (%lld, 1700000000, 1, %lld),"
             " (%lld, 1700000000, 1, %lld), (%lld, 1700000000, 1, %lld),"
             " (%lld, 1700000000, 1, %lld);",
             wire, (long long)h,
             (long long)(h & 0xffff), (long long)h,
             (long long)(65536 + ((h >> 16) & 0xffff)), (long long)h,
             (long long)(131072 + ((h >> 32) & 0xffff)), (long long)h,
             (long long)(196608 + ((h >> 48) & 0xffff)), (long long)h,
             (long long)((h ^ 0xffff) & 0xffff), (long long)(h ^ 0xffff));
    testdb_exec(raw, sql);
    sqlite3_close(raw);

    st = NULL;
    store_schema_test_limit = 6;
    rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    raw = testdb_raw_open(path);
    ok(rc == FS_OK && store_schema_version(st) == 6 &&
       testdb_int(raw, "SELECT count(*) FROM item_simhash_bands"
                       " WHERE item_id = 1") == 4 &&
       testdb_int(raw, "SELECT count(*) FROM item_simhash_bands"
                       " WHERE week = 1700000000 / 604800 AND item_id = 1"
                       " AND simhash = (SELECT simhash FROM item_story"
                       " WHERE item_id = 1)") == 4,
       "v6: the current signature's four bands moved, the stale one gone");
    if (rc != FS_OK)
        printf("# %s\n", err.msg);
    /* items 2 and 3 of the old data got stories at the last step */
    ok(testdb_int(raw, "SELECT count(*) FROM item_story") == 3,
       "v6: the old items without a story were placed");
    store_close(st);
    st = NULL;
    rc = store_open(path, &st, &err);
    ok(rc == FS_OK && store_schema_version(st) == store_schema_latest() &&
       testdb_int(raw, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                       " ('item_simhash_bands', 'item_story_bands_delete')")
           == 0 &&
       testdb_int(raw, "SELECT count(*) FROM sqlite_schema"
                       " WHERE name = 'item_story_by_time'") == 1 &&
       testdb_int(raw, "SELECT count(*) FROM item_story") == 3,
       "v7: the band table and its trigger are gone, item_story is indexed "
       "by time");
    struct store_item it = {
        .feed_id = 2, .guid = "dup", .title = "Gallium export licences",
        .link = "https://elsewhere.example/x", .summary = wire,
        .published = 1700000000 + 3 * 86400, .updated = FS_TIME_NONE,
        .first_seen = 1700000000 + 3 * 86400,
        .body_state = STORE_BODY_PENDING,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    if (rc == FS_OK)
        rc = store_item_upsert(st, &it, &id, &r, &err);
    char q[96];
    snprintf(q, sizeof(q),
             "SELECT story_id FROM item_story WHERE item_id = %lld",
             (long long)id);
    ok(rc == FS_OK && testdb_int(raw, q) == 1,
       "v7: a near-duplicate three days later, in the next week, joins");
    sqlite3_close(raw);
    store_close(st);
    free(path);
}

/* The search index checked against items: FTS5's own integrity check
 * (an external-content 'delete' given other values than were indexed
 * fails it) and an empty queue. */
static int fts_consistent(sqlite3 *db)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db,
                          "INSERT INTO items_fts(items_fts, rank) "
                          "VALUES ('integrity-check', 1)",
                          NULL, NULL, &msg);
    if (msg)
        printf("# %s\n", msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK &&
           testdb_int(db, "SELECT count(*) FROM items_fts_pending") == 0;
}

/* One item by raw SQL (the triggers fire as for any writer). */
static void raw_item(sqlite3 *db, int64_t id, const char *title,
                     const char *body)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO items (id, feed_id, guid, title, summary, body,"
        " first_seen, changed, content_hash)"
        " VALUES (%lld, 1, 'raw%lld-%q', %Q, 'Plain summary', %Q,"
        " 1700000000, 1700000000, 0)",
        (long long)id, (long long)id, title ? title : "", title, body);
    testdb_exec(db, sql);
    sqlite3_free(sql);
}

/* v7 -> v8: the queue holds one row per changed item with what the index
 * has for it, and the flush indexes the current text from items.  A v7
 * queue left by a writer that never flushed is replayed by the step; then
 * inserts, updates, deletes, a reused rowid and a changed rowid, within
 * one transaction and across transactions, by store/ and by a raw writer
 * that commits without flushing, leave the index equal to items. */
static void test_fts_rowid_queue(void)
{
    char *path = testdb_path("v7fts.db");
    struct store *st = NULL;
    store_schema_test_limit = 7;
    fs_code rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    ok(rc == FS_OK && store_schema_version(st) == 7,
       "v7: database built at version 7");
    store_close(st);
    sqlite3 *raw = testdb_raw_open(path);
    fill_old(raw, 3); /* v7 triggers queue these; nobody flushes */
    testdb_exec(raw, "UPDATE items SET title = 'Renamed wheat'"
                     " WHERE id = 3;"
                     "DELETE FROM items WHERE id = 2;");
    ok(testdb_int(raw, "SELECT count(*) FROM items_fts_pending") == 6,
       "v7: a raw writer left six changes queued");
    sqlite3_close(raw);

    st = NULL;
    rc = store_open(path, &st, &err);
    if (!ok(rc == FS_OK && store_schema_version(st) == 8 &&
                store_schema_latest() >= 8,
            "v8: migrated"))
        printf("# %s\n", err.msg);
    if (rc != FS_OK) {
        free(path);
        return;
    }
    raw = testdb_raw_open(path);
    ok(search_count(st, "oldbodyword") == 1 &&
       search_count(st, "renamed") == 1 && search_count(st, "unrelated") == 0
       && search_count(st, "again") == 0 && fts_consistent(raw),
       "v8: the left v7 queue was applied by the step");

    /* One transaction of store/: an insert edited twice, an insert then
     * deleted, an old item edited twice then deleted, an old item deleted
     * and its rowid reused, an old item moved to another rowid. */
    raw_item(st->db, 10, "Zinc alpha", "Tenbody text");
    raw_item(st->db, 11, "Zinc beta", "Elevenbody text");
    raw_item(st->db, 12, "Zinc gamma", "Twelvebody text");
    raw_item(st->db, 13, "Zinc delta", "Thirteenbody text");
    ok(search_count(st, "zinc") == 0 &&
       testdb_int(raw, "SELECT count(*) FROM items_fts_pending") == 4,
       "v8: raw inserts on store/'s connection queue one row each");
    rc = store_begin(st, &err);
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    ok(rc == FS_OK && search_count(st, "zinc") == 4 &&
       search_count(st, "tenbody") == 1 && fts_consistent(raw),
       "v8: the next commit indexes them");

    rc = store_begin(st, &err);
    raw_item(st->db, 20, "Copper first", "Firstdraft text");
    testdb_exec(st->db,
                "UPDATE items SET title = 'Copper second' WHERE id = 20;"
                "UPDATE items SET body = 'Finaldraft text' WHERE id = 20;");
    raw_item(st->db, 21, "Copper ghost", "Ghostbody text");
    testdb_exec(st->db,
                "DELETE FROM items WHERE id = 21;"
                "UPDATE items SET title = 'Zinc alpha two' WHERE id = 10;"
                "UPDATE items SET title = 'Zinc alpha three' WHERE id = 10;"
                "DELETE FROM items WHERE id = 10;"
                "DELETE FROM items WHERE id = 11;");
    raw_item(st->db, 11, "Nickel reborn", "Rebornbody text");
    testdb_exec(st->db,
                "UPDATE items SET id = 99 WHERE id = 12;"
                "UPDATE items SET summary = 'Moved summary', id = 98"
                " WHERE id = 13;");
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    ok(rc == FS_OK && search_count(st, "copper") == 1 &&
       search_count(st, "second") == 1 && search_count(st, "first") == 0 &&
       search_count(st, "finaldraft") == 1 &&
       search_count(st, "firstdraft") == 0 &&
       search_count(st, "ghost") == 0 && search_count(st, "ghostbody") == 0 &&
       search_count(st, "alpha") == 0 && search_count(st, "tenbody") == 0 &&
       search_count(st, "beta") == 0 && search_count(st, "elevenbody") == 0 &&
       search_count(st, "reborn") == 1 && search_count(st, "gamma") == 1 &&
       search_count(st, "moved") == 1 && search_count(st, "delta") == 1 &&
       fts_consistent(raw),
       "v8: one transaction of inserts, edits, deletes, a reused and a "
       "moved rowid");
    if (rc != FS_OK)
        printf("# %s\n", err.msg);
    sqlite3_stmt *q;
    int moved_ok = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT rowid FROM items_fts"
                           " WHERE items_fts MATCH 'gamma OR delta'"
                           " ORDER BY rowid", -1, &q, NULL) == SQLITE_OK) {
        moved_ok = sqlite3_step(q) == SQLITE_ROW &&
                   sqlite3_column_int64(q, 0) == 98 &&
                   sqlite3_step(q) == SQLITE_ROW &&
                   sqlite3_column_int64(q, 0) == 99 &&
                   sqlite3_step(q) == SQLITE_DONE;
        sqlite3_finalize(q);
    }
    ok(moved_ok, "v8: moved items are found under their new rowids");

    /* Across transactions: insert, then edit, then delete, each committed
     * by store/; then a raw writer's commits (no flush) and a rollback. */
    struct store_item it = {
        .feed_id = 1, .guid = "across", .title = "Cobalt opening",
        .summary = "Cobalt summary", .published = 1700000500,
        .updated = FS_TIME_NONE, .first_seen = 1700000500,
        .body_state = STORE_BODY_NONE,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    rc = store_item_upsert(st, &it, &id, &r, &err);
    int found1 = search_count(st, "opening");
    it.title = "Cobalt closing";
    if (rc == FS_OK)
        rc = store_item_upsert(st, &it, &id, &r, &err);
    ok(rc == FS_OK && found1 == 1 && search_count(st, "opening") == 0 &&
       search_count(st, "closing") == 1 && fts_consistent(raw),
       "v8: an insert and an update, each its own transaction");
    testdb_exec(raw, "BEGIN IMMEDIATE;");
    raw_item(raw, 30, "Lithium raw", "Rawbody text");
    testdb_exec(raw, "COMMIT; UPDATE items SET title = 'Lithium edited'"
                     " WHERE id = 30;");
    testdb_exec(raw, "DELETE FROM items WHERE id = 20;");
    rc = store_begin(st, &err);
    if (rc == FS_OK)
        rc = store_item_set_body(st, id, STORE_BODY_OK, "Rolledbody text",
                                 NULL, NULL, &err);
    store_rollback(st);
    rc = store_begin(st, &err);
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    ok(rc == FS_OK && search_count(st, "lithium") == 1 &&
       search_count(st, "edited") == 1 && search_count(st, "raw") == 0 &&
       search_count(st, "copper") == 0 && search_count(st, "rolledbody") == 0
       && search_count(st, "closing") == 1 && fts_consistent(raw),
       "v8: a raw writer's commits are indexed by the next store/ commit; "
       "a rolled-back edit is not");
    sqlite3_close(raw);
    store_close(st);
    free(path);
}

/* A migration that fails leaves the database at its whole old version. */
static void test_migration_atomic(void)
{
    char *path = testdb_path("atomic.db");
    struct store *st = NULL;
    store_schema_test_limit = 3;
    fs_code rc = store_open(path, &st, &err);
    store_schema_test_limit = 0;
    store_close(st);
    sqlite3 *raw = testdb_raw_open(path);
    /* Make step 4 fail: a table with the name it creates. */
    testdb_exec(raw, "CREATE TABLE marks (x)");
    sqlite3_close(raw);
    st = NULL;
    rc = store_open(path, &st, &err);
    ok(rc != FS_OK && st == NULL, "a failing step 4 is reported");
    raw = testdb_raw_open(path);
    ok(testdb_int(raw, "PRAGMA user_version") == 3 &&
       testdb_int(raw, "SELECT count(*) FROM sqlite_master WHERE "
                       "name = 'item_story'") == 0,
       "the database stays at version 3, no half-applied step");
    sqlite3_close(raw);
    free(path);
}

/* ---- URL keys -------------------------------------------------------- */

static void url_is(const char *url, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    store_url_key(url, &sb);
    char label[256];
    snprintf(label, sizeof(label), "url key of %s", url);
    is_str(sb.buf ? sb.buf : "", want, label);
    strbuf_release(&sb);
}

static void test_url_keys(void)
{
    url_is("https://www.Example.COM/a/b/", "example.com/a/b");
    url_is("http://example.com/a/b", "example.com/a/b");
    url_is("https://example.com:443/a", "example.com/a");
    url_is("http://example.com:80/a#frag", "example.com/a");
    url_is("http://example.com:8080/a", "example.com:8080/a");
    url_is("https://example.com/a?utm_source=x&id=7&fbclid=y",
           "example.com/a?id=7");
    url_is("https://example.com/a?utm_source=x&utm_medium=y",
           "example.com/a");
    url_is("https://user:pw@example.com/a", "example.com/a");
    url_is("https://example.com/A/Case", "example.com/A/Case");
    url_is("https://example.com/a?id=1&page=2", "example.com/a?id=1&page=2");
    url_is("  https://example.com/a", "example.com/a");
    url_is("https://www./x", "www./x");
    url_is("not a url", "not a url");
    url_is("", "");
}

/* ---- simhash ----------------------------------------------------------- */


static uint64_t hash_of(const char *title, const char *summary)
{
    const char *t[] = {title, summary};
    uint64_t h = 0;
    store_simhash(t, 2, &h);
    return h;
}

static void test_simhash(void)
{
    const char *s =
        "The central bank raised its main interest rate by a quarter point "
        "on Thursday, citing persistent inflation in services and a tight "
        "labour market, and signalled that further increases were possible";
    const char *s_edit =
        "The central bank raised its main interest rate by a quarter point "
        "on Thursday, citing persistent inflation in services and a tight "
        "labor market, and signaled that further increases were possible";
    const char *other =
        "Heavy rain flooded parts of the city overnight, closing two "
        "bridges and several schools while emergency crews pumped water "
        "out of basements and the weather service warned of more storms";
    uint64_t a = hash_of("Bank raises rates", s);
    uint64_t b = hash_of("Bank raises rates", s_edit);
    uint64_t c = hash_of("City floods", other);
    ok(a == hash_of("BANK raises rates!", s),
       "signature ignores case and punctuation");
    ok(store_simhash_agree(a, b) >= 12,
       "a copy with two words changed agrees on >= 12 of 16 MinHashes");
    ok(store_simhash_agree(a, c) <= 4, "an unrelated text agrees on few");
    const char *few[] = {"Markets wrap", NULL};
    uint64_t h;
    ok(store_simhash(few, 2, &h) < 6, "a short headline has too few words");

    /* Signatures are stored: a new item only finds its near-duplicates
     * if the function still gives what it gave when they were stored.
     * These values come from the first implementation (which hashed every
     * occurrence of a word; the present one hashes each distinct word
     * once), over repeats, case, a 3rd text and non-ASCII words. */
    const char *t1[] = {"Bank raises rates",
                        "The central bank raised its main interest rate by a"
                        " quarter point on Thursday, the bank said the rate"
                        " rate rate",
                        "body Body BODY words words again and again \xc3\xbc"
                        "ber stra\xc3\x9f" "e"};
    size_t d = store_simhash(t1, 3, &h);
    if (h != 0xa338db49463cb2d2ULL)
        printf("# signature %016llx\n", (unsigned long long)h);
    ok(d == 16 && h == 0xa338db49463cb2d2ULL,
       "signature unchanged from the stored ones' (16 words)");
    d = store_simhash(few, 2, &h);
    ok(d == 2 && h == 0x92c081ef8e4d9593ULL,
       "short text's signature unchanged");
    /* the count stops at the cap, the signature does not */
    struct strbuf many = STRBUF_INIT;
    for (int i = 0; i < 200; i++)
        strbuf_addf(&many, "word%d word%d ", i, i % 7);
    const char *m1[] = {many.buf, NULL};
    uint64_t hm, hm2;
    ok(store_simhash(m1, 1, &hm) == STORE_SIMHASH_WORDS_CAP,
       "distinct words counted up to the cap");
    strbuf_addstr(&many, "word199 word0 WORD5");
    store_simhash(m1, 1, &hm2);
    ok(hm == hm2, "repeating words leaves the signature alone");
    strbuf_addstr(&many, " newword");
    m1[0] = many.buf;
    store_simhash(m1, 1, &hm2);
    ok(store_simhash_agree(hm, hm2) >= 14, "one more word moves few MinHashes");
    strbuf_release(&many);
}

/* ---- dedup levels through the store API -------------------------------- */

static int64_t put(struct store *st, int64_t feed, const char *guid,
                   const char *title, const char *link, const char *summary,
                   int64_t when)
{
    struct store_item it = {
        .feed_id = feed, .guid = guid, .title = title, .link = link,
        .summary = summary, .published = when, .updated = FS_TIME_NONE,
        .first_seen = when,
        .body_state = link ? STORE_BODY_PENDING : STORE_BODY_NONE,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    if (store_item_upsert(st, &it, &id, &r, &err) != FS_OK)
        printf("# upsert: %s\n", err.msg);
    return id;
}

static int64_t story_of(sqlite3 *raw, int64_t id)
{
    char sql[96];
    snprintf(sql, sizeof(sql),
             "SELECT story_id FROM item_story WHERE item_id = %lld",
             (long long)id);
    return testdb_int(raw, sql);
}

static void test_dedup(void)
{
    char *path = testdb_path("dedup.db");
    struct store *st = NULL;
    int64_t a, b, c;
    fs_code rc = store_open(path, &st, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "http://a/rss", NULL, &a, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "http://b/rss", NULL, &b, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "http://c/rss", NULL, &c, &err);
    ok(rc == FS_OK, "dedup: database and feeds");
    sqlite3 *raw = testdb_raw_open(path);
    int64_t t = 1750000000;
    const char *wire =
        "Officials confirmed the new export licensing regime for gallium "
        "and germanium products will take effect next month covering "
        "eight categories of materials used in chip making";

    /* Level 2: canonical URL found later joins an existing story. */
    int64_t i1 = put(st, a, "1", "Export licences for gallium",
                     "https://a.example/story1", "short", t);
    int64_t i2 = put(st, b, "2", "Licensing for chip metals",
                     "https://b.example/other-path", "other", t + 60);
    ok(story_of(raw, i1) == i1 && story_of(raw, i2) == i2,
       "different URLs and texts: two stories");
    rc = store_item_set_body(st, i2, STORE_BODY_OK, "body text",
                             "https://a.example/story1/", NULL, &err);
    ok(rc == FS_OK && story_of(raw, i2) == i1,
       "an article page's canonical URL joins the story of that URL");

    /* Level 3: near-duplicate text under another URL, within a week. */
    int64_t i3 = put(st, c, "3", "Gallium export licences", "https://c/3",
                     wire, t);
    int64_t i4 = put(st, a, "4", "Gallium export licences", "https://a/4",
                     wire, t + 3600);
    int64_t i5 = put(st, b, "5", "Gallium export licences", "https://b/5",
                     wire, t + 30 * 86400);
    ok(story_of(raw, i4) == i3, "near-identical text, other URL: one story");
    ok(story_of(raw, i5) == i5,
       "the same text a month later is a new story (time window)");

    /* Template headlines: short, one word different, never merged. */
    int64_t s1 = put(st, a, "t1", "Markets wrap", NULL, "Stocks up", t);
    int64_t s2 = put(st, a, "t2", "Markets wrap", NULL, "Stocks down", t);
    ok(story_of(raw, s1) == s1 && story_of(raw, s2) == s2,
       "short texts without a URL are never clustered by text");

    /* Level 1: same guid, same feed: the item is updated, a clustered
     * item keeps its story. */
    int64_t i4b = put(st, a, "4", "Gallium export licences (updated)",
                      "https://a/4", wire, t + 3600);
    ok(i4b == i4 && story_of(raw, i4) == i3 &&
       testdb_int(raw, "SELECT count(*) FROM item_versions WHERE item_id = "
                       "(SELECT id FROM items WHERE guid = '4')") == 1,
       "same guid: updated in place, version kept, story kept");
    int64_t i4c = put(st, a, "4", "Gallium export licences (updated)",
                      "https://a/4", wire, t + 3600);
    ok(i4c == i4 &&
       testdb_int(raw, "SELECT count(*) FROM item_versions") == 1,
       "same guid, same text: no new version");
    ok(testdb_int(raw, "SELECT count(*) FROM items") == 7,
       "seven items stored");

    /* Re-placing an item (its page arrived, its text changed) leaves one
     * item_story row, with the signature of its new text (the bands are
     * made from these rows: story_index.c, and the scan in story.c). */
    int before = testdb_int(raw, "SELECT count(*) FROM item_story");
    char q3[128];
    snprintf(q3, sizeof(q3), "SELECT simhash FROM item_story WHERE item_id"
             " = %lld", (long long)i3);
    int64_t old_hash = testdb_int(raw, q3);
    rc = store_item_set_body(st, i3, STORE_BODY_OK,
                             "Gallium and germanium exporters will need "
                             "licences from next month, officials said, "
                             "covering eight categories of chip materials",
                             NULL, NULL, &err);
    ok(rc == FS_OK &&
       testdb_int(raw, "SELECT count(*) FROM item_story") == before &&
       testdb_int(raw, q3) != old_hash,
       "a re-placed item keeps one item_story row, with its new signature");

    /* A crowded band (more copies than the lookup reads per band) still
     * puts every copy in the one story. */
    char guid[16], link[48];
    for (int k = 0; k < 150; k++) {
        snprintf(guid, sizeof(guid), "w%d", k);
        snprintf(link, sizeof(link), "https://wire%d.example/x", k);
        put(st, b, guid, "Gallium export licences", link, wire,
            t + 7200 + k);
    }
    ok(testdb_int(raw, "SELECT count(DISTINCT story_id) FROM item_story"
                       " JOIN items ON items.id = item_id"
                       " WHERE guid LIKE 'w%'") == 1 &&
       testdb_int(raw, "SELECT story_id FROM item_story JOIN items"
                       " ON items.id = item_id WHERE guid = 'w149'") == i3,
       "150 copies of a wire story under 150 URLs: one story");
    sqlite3_close(raw);
    store_close(st);
    free(path);
}

/* Two connections on one file (a crawl and, say, a reclassify): the
 * near-duplicate lookup of one must see the band rows the other
 * committed after it first looked (story_index.c drops its weeks when
 * PRAGMA data_version moves). */
static void test_dedup_two_connections(void)
{
    char *path = testdb_path("dedup2.db");
    struct store *s1 = NULL, *s2 = NULL;
    int64_t a = 0, b = 0;
    fs_code rc = store_open(path, &s1, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(s1, "http://a/rss", NULL, &a, &err);
    if (rc == FS_OK)
        rc = store_open(path, &s2, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(s2, "http://b/rss", NULL, &b, &err);
    ok(rc == FS_OK, "two connections: database and feeds");
    sqlite3 *raw = testdb_raw_open(path);
    int64_t t = 1750000000;
    const char *first =
        "Port authorities reopened the northern terminal after a week of "
        "repairs to cranes damaged in the storm surge last month";
    const char *second =
        "The central bank kept its benchmark rate unchanged for a third "
        "meeting while signalling two cuts before the end of the year";
    /* s1 looks up (and so reads the week's bands) before s2 writes. */
    int64_t x1 = put(s1, a, "x1", "Terminal reopens", "https://a/x1", first,
                     t);
    int64_t y2 = put(s2, b, "y2", "Rates on hold", "https://b/y2", second,
                     t + 60);
    int64_t y1 = put(s1, a, "y1", "Rates on hold", "https://a/y1", second,
                     t + 120);
    ok(story_of(raw, x1) == x1 && story_of(raw, y2) == y2,
       "two connections: two stories");
    ok(story_of(raw, y1) == y2,
       "a near-duplicate of what another connection stored since joins "
       "its story");
    sqlite3_close(raw);
    store_close(s2);
    store_close(s1);
    free(path);
}

/* A rollback brings back band rows its transaction deleted; a week the
 * index loaded in between lacked them (story_index.c drops its weeks on
 * every rollback).  X's text is edited (its bands go), other weeks evict
 * X's week, an item in X's week reloads it, and the transaction rolls
 * back: a copy of X's original text must still join X's story. */
static void test_dedup_after_rollback(void)
{
    char *path = testdb_path("dedup-rollback.db");
    struct store *st = NULL;
    int64_t a = 0;
    fs_code rc = store_open(path, &st, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "http://a/rss", NULL, &a, &err);
    int64_t t = 1750000000;
    const char *text =
        "Officials confirmed the new export licensing regime for gallium "
        "and germanium products will take effect next month covering "
        "eight categories of materials used in chip making";
    int64_t x = put(st, a, "x", "Export licences for gallium", "https://a/x",
                    text, t);
    store_close(st);
    st = NULL;
    if (rc == FS_OK)
        rc = store_open(path, &st, &err); /* a fresh index */
    if (rc == FS_OK)
        rc = store_begin(st, &err);
    ok(rc == FS_OK, "rollback: database, item, transaction");
    put(st, a, "x", "Export licences for gallium", "https://a/x",
        "Completely different wording about football results and the "
        "weather in the northern provinces this weekend with rain", t);
    char guid[16], link[32], filler[160];
    for (int k = 1; k <= 12; k++) {
        snprintf(guid, sizeof(guid), "e%d", k);
        snprintf(link, sizeof(link), "https://a/e%d", k);
        snprintf(filler, sizeof(filler),
                 "Filler story number %d about assorted unrelated topics "
                 "such as zebras quartz volcanoes umbrellas and %d lanterns",
                 k, k * 7);
        put(st, a, guid, "Filler", link, filler, t + (int64_t)k * 35 * 86400);
    }
    put(st, a, "z", "Other", "https://a/z",
        "Unrelated text about a mountain rescue team training new "
        "volunteers with dogs and helicopters near the lake", t + 60);
    store_rollback(st);
    int64_t n = put(st, a, "n", "Export licences for gallium (wire)",
                    "https://b/n", text, t + 120);
    sqlite3 *raw = testdb_raw_open(path);
    ok(x && n && story_of(raw, n) == x,
       "after a rollback, a copy of a restored item's text joins its story");
    sqlite3_close(raw);
    store_close(st);
    free(path);
}

/* story_index.c answers the near-duplicate candidate ranges from memory;
 * with story_index_test_max_rows = 1 every week is too big to hold and the
 * ranges come from scans of item_story_by_time (story.c), with a small
 * limit weeks are evicted and reloaded.
 * The same mixed workload on three files, one each way, must put every
 * item in the same story: new items from a 40-word vocabulary (crowded
 * bands, as on the benchmark site), many near-copies (one word added), edits that re-place
 * lone items (their old bands go), a transaction rolled back, and a prune
 * (item_story rows deleted by a cascade, seen by the update hook). */
static void test_dedup_index_matches_scan(void)
{
    static const size_t limits[3] = {0, 300, 1};
    static const int load_after[3] = {-1, 0, 0}; /* default: lazy */
    static const char *const words[40] = {
        "port", "bank", "rate", "quota", "rare", "earth", "mining", "tariff",
        "export", "licence", "gallium", "court", "vote", "storm", "crane",
        "budget", "wheat", "coal", "steel", "chip", "yuan", "bond", "oil",
        "gold", "ship", "rail", "strike", "union", "drought", "flood",
        "smelter", "ministry", "council", "probe", "merger", "startup",
        "airport", "river", "bridge", "sanction"};
    char *path[3];
    struct store *st[3] = {NULL, NULL, NULL};
    int64_t feed[3][3];
    fs_code rc = FS_OK;
    for (int s = 0; s < 3; s++) {
        char name[32];
        snprintf(name, sizeof(name), "dedup-index-%d.db", s);
        path[s] = testdb_path(name);
        if (rc == FS_OK)
            rc = store_open(path[s], &st[s], &err);
        for (int f = 0; f < 3 && rc == FS_OK; f++) {
            char url[32];
            snprintf(url, sizeof(url), "http://f%d/rss", f);
            rc = store_feed_ensure(st[s], url, NULL, &feed[s][f], &err);
        }
    }
    ok(rc == FS_OK, "index vs scan: three databases");
    enum { N = 2400, TEXTS = 12 };
    static char texts[N][160];
    unsigned long long seed = TEST_RAND_SEED;
    int64_t t0 = 1750000000;
    for (int i = 0; i < N && rc == FS_OK; i++) {
        char guid[16], link[40], *text = texts[i];
        int src_i = i > 10 && test_rand(&seed, 3) == 0
                        ? (int)test_rand(&seed, (unsigned)i)
                        : -1;
        if (src_i >= 0) { /* a near-copy: one word more */
            size_t len = strlen(texts[src_i]);
            if (len > 140)
                len = 140; /* + a word of at most 8 letters fits */
            memcpy(text, texts[src_i], len);
            text[len] = '\0';
            strcat(text, " ");
            strcat(text, words[test_rand(&seed, 40)]);
        } else {
            text[0] = '\0';
            for (int w = 0; w < TEXTS; w++) {
                strcat(text, words[test_rand(&seed, 40)]);
                strcat(text, " ");
            }
        }
        int edit = i > 100 && test_rand(&seed, 10) == 0;
        int g = edit ? (int)test_rand(&seed, (unsigned)i) : i;
        int f = g % 3;
        snprintf(guid, sizeof(guid), "g%d", g);
        snprintf(link, sizeof(link), "https://n%d.example/%d", g % 7, g);
        int64_t when = t0 + (int64_t)(test_rand(&seed, 35 * 86400));
        if (i == N / 2)
            for (int s = 0; s < 3 && rc == FS_OK; s++)
                rc = store_begin(st[s], &err);
        for (int s = 0; s < 3; s++) {
            story_index_test_max_rows = limits[s];
            story_index_test_load_after = load_after[s];
            put(st[s], feed[s][f], guid, "Headline", link, text, when);
        }
        if (i == N / 2 + 60)
            for (int s = 0; s < 3; s++)
                store_rollback(st[s]);
        if (i == 3 * N / 4) {
            struct store_prune_opts po = {.cutoff = t0 + 12 * 86400};
            int64_t gone = 0;
            for (int s = 0; s < 3 && rc == FS_OK; s++) {
                story_index_test_max_rows = limits[s];
                story_index_test_load_after = load_after[s];
                rc = store_prune(st[s], &po, &gone, &err);
            }
        }
    }
    story_index_test_max_rows = 0;
    story_index_test_load_after = 0;
    ok(rc == FS_OK, "index vs scan: the workload ran");
    static const char q[] =
        "SELECT count(DISTINCT story_id) || ':' || group_concat(i.guid || '>'"
        " || s.guid, ' ') FROM (SELECT i.guid, st.story_id FROM item_story st"
        " JOIN items i ON i.id = st.item_id ORDER BY i.guid) i"
        " JOIN items s ON s.id = i.story_id";
    char *got[3];
    for (int s = 0; s < 3; s++) {
        sqlite3 *raw = testdb_raw_open(path[s]);
        got[s] = testdb_text(raw, q);
        sqlite3_close(raw);
        store_close(st[s]);
        free(path[s]);
    }
    printf("# stories: %.12s\n", got[2] ? got[2] : "(none)");
    ok(got[0] && got[2] && !strcmp(got[0], got[2]),
       "index vs scan: every item in the same story from memory (weeks read "
       "after 8 lookups) as from scans of item_story_by_time");
    ok(got[1] && got[2] && !strcmp(got[1], got[2]),
       "index vs scan: the same with weeks read at once, evicted and too big "
       "to hold");
    for (int s = 0; s < 3; s++)
        free(got[s]);
}

int main(void)
{
    testdb_mkdir();
    fs_log_set_level(FS_LOG_ERROR);
    /* the dedup tests below look up a few items: read every week at the
     * first lookup, so that they exercise the in-memory index */
    story_index_test_load_after = 0;
    for (int v = 1; v <= 3; v++)
        test_migrate_from(v);
    test_migrate_fts_queue();
    test_migrate_bands();
    test_fts_rowid_queue();
    test_migration_atomic();
    test_url_keys();
    test_simhash();
    test_dedup();
    test_dedup_two_connections();
    test_dedup_after_rollback();
    test_dedup_index_matches_scan();
    testdb_cleanup();
    return tap_done();
}
