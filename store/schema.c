/*
 * schema.c — the one place that owns the database schema.
 *
 * The schema is an ordered list of migration steps.  Step i (1-based)
 * takes a database from PRAGMA user_version i-1 to i; a new database runs
 * them all.  To change the schema, APPEND a step — never edit a released
 * one, databases in the field have already run it.
 *
 * Invariants:
 *  - Each step runs in its own BEGIN IMMEDIATE transaction together with
 *    the user_version bump, so a crash leaves the database at a whole
 *    version.  The version is re-read inside the transaction: when two
 *    processes open a new database at once, the second one finds the step
 *    already done and skips it.
 *  - Every step also stamps PRAGMA application_id, the mark store_open()
 *    uses to tell our files from foreign ones.
 *  - Times are INTEGER Unix seconds (UTC); NULL means unknown/never.
 */
#include "store_int.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* 1: feeds, items, their tags with evidence, crawl runs. */
    "CREATE TABLE feeds ("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL UNIQUE,"
    "  name TEXT,"                      /* from the feed list */
    "  title TEXT,"                     /* from the feed document */
    "  etag TEXT,"                      /* validators for conditional GET */
    "  last_modified TEXT,"
    "  last_checked INTEGER,"
    "  last_success INTEGER,"
    "  consecutive_errors INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
    "  guid TEXT NOT NULL,"
    "  title TEXT,"
    "  link TEXT,"
    "  canonical_url TEXT,"
    "  author TEXT,"
    "  summary TEXT,"
    "  body TEXT,"
    "  body_state INTEGER NOT NULL DEFAULT 0"
    "    CHECK (body_state BETWEEN 0 AND 3),"
    "  body_error TEXT,"
    "  published INTEGER,"
    "  updated INTEGER,"
    "  first_seen INTEGER NOT NULL,"
    "  changed INTEGER NOT NULL,"       /* last insert or content change */
    "  content_hash INTEGER NOT NULL,"  /* of the feed-provided fields */
    "  UNIQUE (feed_id, guid)"
    ");"
    /* `list` orders by this exact expression (see query.c). */
    "CREATE INDEX items_by_time"
    "  ON items (coalesce(published, updated, first_seen), id);"
    "CREATE INDEX items_pending_body ON items (first_seen, id)"
    "  WHERE body_state = 1;"
    "CREATE TABLE item_tags ("
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  tag TEXT NOT NULL,"
    "  rule_id TEXT NOT NULL,"
    "  field TEXT,"                     /* where the rule matched */
    "  matched TEXT,"                   /* the matched text */
    "  alert INTEGER NOT NULL DEFAULT 0,"
    "  rules_version TEXT,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (item_id, tag, rule_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX item_tags_by_tag ON item_tags (tag, item_id);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started INTEGER NOT NULL,"
    "  finished INTEGER,"
    "  feeds_ok INTEGER,"
    "  feeds_failed INTEGER,"
    "  feeds_not_modified INTEGER,"
    "  items_new INTEGER,"
    "  items_updated INTEGER,"
    "  articles_ok INTEGER,"
    "  articles_failed INTEGER,"
    "  tags_added INTEGER"
    ");",

    /* 2: scheduling.  Each feed has a next-due time and a poll interval
     * that adapts to how often it publishes; a feed that answered 410
     * Gone is disabled; URLs a feed was known under before a permanent
     * redirect stay as aliases, so the feed list may keep the old URL. */
    "ALTER TABLE feeds ADD COLUMN next_due INTEGER;"       /* NULL: now */
    "ALTER TABLE feeds ADD COLUMN poll_interval INTEGER;"  /* seconds */
    "ALTER TABLE feeds ADD COLUMN last_status INTEGER;"    /* HTTP */
    "ALTER TABLE feeds ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE feed_aliases ("
    "  url TEXT PRIMARY KEY,"
    "  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL"
    ") WITHOUT ROWID;",

    /* 3: alerting.  An outbox: an alert row is written in the same
     * transaction as the item's tags and delivered after commit.  One
     * alert per story: alert_keys maps every identity of a story (item,
     * canonical URL, link, normalised title, story cluster) to its alert,
     * so a re-crawl, an edit, a reclassify or another feed carrying the
     * story finds the alert already there. */
    "CREATE TABLE watched_tags ("
    "  tag TEXT PRIMARY KEY,"
    "  created INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,"
    "  tags TEXT NOT NULL,"             /* watched tags, space-separated */
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  created INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (status IN ('pending', 'sent', 'failed', 'acked')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt INTEGER NOT NULL,"
    "  last_error TEXT,"
    "  sent INTEGER"
    ");"
    "CREATE INDEX alerts_due ON alerts (next_attempt)"
    "  WHERE status IN ('pending', 'failed');"
    "CREATE TABLE alert_keys ("
    "  key TEXT PRIMARY KEY,"
    "  alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    "CREATE TABLE alert_sources ("        /* every item of the story */
    "  alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (alert_id, item_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX alert_sources_by_item ON alert_sources (item_id);",

    /* 4: stories, versions, analyst marks, full-text search.
     * item_story says which story (cluster) an item belongs to: story_id
     * is the id of the story's first item; url_key is the canonical URL,
     * else the link, normalised; simhash is a 64-bit near-duplicate
     * signature of the normalised words (16 4-bit MinHashes, story.c),
     * indexed by its four 16-bit bands in item_simhash_bands (candidates
     * share a band; story.c then counts equal MinHashes).
     * It is a narrow table of its own so that reading an item's story
     * never walks the overflow pages of a long body.  The search index is
     * FTS5 with external content (snippets read the text from items), kept
     * in step by triggers, so every writer keeps it right.  story.c fills
     * item_story for the items already there (store_story_backfill). */
    "CREATE TABLE item_story ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  story_id INTEGER NOT NULL,"
    "  url_key TEXT,"
    "  simhash INTEGER,"
    "  at INTEGER NOT NULL"             /* the item's time when placed */
    ");"
    "CREATE INDEX item_story_by_story ON item_story (story_id, item_id);"
    "CREATE INDEX item_story_by_url ON item_story (url_key)"
    "  WHERE url_key IS NOT NULL;"
    /* Keyed by (band, at): the candidates of an item are one range per
     * band, bounded by the time window, and carry their signature, so
     * the lookup never reads item_story (popular bands hold many items). */
    "CREATE TABLE item_simhash_bands ("
    "  band INTEGER NOT NULL,"          /* 65536 * k + bits 16k..16k+15 */
    "  at INTEGER NOT NULL,"            /* item_story.at */
    "  item_id INTEGER NOT NULL,"
    "  simhash INTEGER NOT NULL,"
    "  PRIMARY KEY (band, at, item_id)"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER item_story_bands_delete AFTER DELETE ON item_story"
    "  WHEN old.simhash IS NOT NULL BEGIN"
    "  DELETE FROM item_simhash_bands WHERE item_id = old.item_id"
    "  AND at = old.at"
    "  AND band IN (old.simhash & 65535,"
    "    65536 + ((old.simhash >> 16) & 65535),"
    "    131072 + ((old.simhash >> 32) & 65535),"
    "    196608 + ((old.simhash >> 48) & 65535));"
    "END;"
    "CREATE TABLE item_versions ("       /* feed text an update replaced */
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  title TEXT, link TEXT, author TEXT, summary TEXT,"
    "  published INTEGER, updated INTEGER,"
    "  replaced INTEGER NOT NULL"
    ");"
    "CREATE INDEX item_versions_by_item ON item_versions (item_id, id);"
    "CREATE TABLE marks ("                /* analysts' verdicts */
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  label TEXT NOT NULL CHECK (label IN ('relevant', 'irrelevant')),"
    "  note TEXT,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "  title, summary, body, content = 'items', content_rowid = 'id',"
    "  tokenize = 'unicode61 remove_diacritics 2', detail = full);"
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN"
    "  INSERT INTO items_fts (rowid, title, summary, body)"
    "    VALUES (new.id, new.title, new.summary, new.body);"
    "END;"
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN"
    "  INSERT INTO items_fts (items_fts, rowid, title, summary, body)"
    "    VALUES ('delete', old.id, old.title, old.summary, old.body);"
    "END;"
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, body"
    "  ON items BEGIN"
    "  INSERT INTO items_fts (items_fts, rowid, title, summary, body)"
    "    VALUES ('delete', old.id, old.title, old.summary, old.body);"
    "  INSERT INTO items_fts (rowid, title, summary, body)"
    "    VALUES (new.id, new.title, new.summary, new.body);"
    "END;"
    "INSERT INTO items_fts (items_fts) VALUES ('rebuild');",

    /* 5: the search index is written once per transaction, not once per
     * statement.  SQLite opens a statement savepoint for every statement
     * whose trigger writes to a virtual table, and FTS5 (3.40) flushes
     * its pending index at every savepoint: one tiny segment per item
     * written, merged again and again — a third of a crawl's store time.
     * The triggers now queue the index changes in items_fts_pending (the
     * old values of a delete, as FTS5's external-content 'delete' needs
     * them), and store_fts_flush() replays the queue in one statement
     * before every commit, so a committed database never has a queue. */
    "DROP TRIGGER items_fts_insert;"
    "DROP TRIGGER items_fts_delete;"
    "DROP TRIGGER items_fts_update;"
    "CREATE TABLE items_fts_pending ("
    "  seq INTEGER PRIMARY KEY,"
    "  rid INTEGER NOT NULL,"
    "  del INTEGER NOT NULL,"           /* 1: remove these values of rid */
    "  title TEXT, summary TEXT, body TEXT"
    ");"
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN"
    "  INSERT INTO items_fts_pending (rid, del, title, summary, body)"
    "    VALUES (new.id, 0, new.title, new.summary, new.body);"
    "END;"
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN"
    "  INSERT INTO items_fts_pending (rid, del, title, summary, body)"
    "    VALUES (old.id, 1, old.title, old.summary, old.body);"
    "END;"
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, body"
    "  ON items BEGIN"
    "  INSERT INTO items_fts_pending (rid, del, title, summary, body)"
    "    VALUES (old.id, 1, old.title, old.summary, old.body);"
    "  INSERT INTO items_fts_pending (rid, del, title, summary, body)"
    "    VALUES (new.id, 0, new.title, new.summary, new.body);"
    "END;",

    /* 6: the near-duplicate bands keyed by the week of the item's time
     * first (why: STORY_BAND_WEEK in story.c).  Only the rows of each
     * item's current signature are copied: up to v5, re-placing an item
     * (INSERT OR REPLACE, which fires no delete trigger) left the bands
     * of its previous signature behind. */
    "CREATE TABLE item_simhash_bands_v6 ("
    "  week INTEGER NOT NULL,"          /* at / 604800 (story.c) */
    "  band INTEGER NOT NULL,"          /* 65536 * k + bits 16k..16k+15 */
    "  at INTEGER NOT NULL,"            /* item_story.at */
    "  item_id INTEGER NOT NULL,"
    "  simhash INTEGER NOT NULL,"
    "  PRIMARY KEY (week, band, at, item_id)"
    ") WITHOUT ROWID;"
    "INSERT INTO item_simhash_bands_v6 (week, band, at, item_id, simhash)"
    "  SELECT b.at / 604800, b.band, b.at, b.item_id, b.simhash"
    "  FROM item_simhash_bands b JOIN item_story s"
    "    ON s.item_id = b.item_id AND s.simhash = b.simhash AND s.at = b.at;"
    "DROP TRIGGER item_story_bands_delete;"
    "DROP TABLE item_simhash_bands;"
    "ALTER TABLE item_simhash_bands_v6 RENAME TO item_simhash_bands;"
    "CREATE TRIGGER item_story_bands_delete AFTER DELETE ON item_story"
    "  WHEN old.simhash IS NOT NULL BEGIN"
    "  DELETE FROM item_simhash_bands WHERE week = old.at / 604800"
    "  AND item_id = old.item_id AND at = old.at"
    "  AND band IN (old.simhash & 65535,"
    "    65536 + ((old.simhash >> 16) & 65535),"
    "    131072 + ((old.simhash >> 32) & 65535),"
    "    196608 + ((old.simhash >> 48) & 65535));"
    "END;",

    /* 7: no band table.  Writing item_simhash_bands (4 rows per signed
     * item, each in a random place of its index) cost as much as writing
     * the items: 220 ms of a 1.1 s store thread on the 40,000-item
     * feeds-only benchmark crawl, plus the WAL pages it dirtied.  The
     * bands are now made in memory (story_index.c) from one time-ordered
     * index of the signed item_story rows, which also answers the weeks
     * not held in memory by a scan of the window (story.c). */
    "DROP TRIGGER item_story_bands_delete;"
    "DROP TABLE item_simhash_bands;"
    "CREATE INDEX item_story_by_time ON item_story (at, item_id, simhash)"
    "  WHERE simhash IS NOT NULL;",
    /* 8: the search index queue holds one row per changed item instead of
     * a copy of every change: a new item's title, summary and body were
     * written to the queue only to be read back and deleted at the commit.
     * 2,000-feed feeds-only crawl: WAL written 69 -> 59 MB, statement
     * journals spilled to /var/tmp 109 -> 80 MB, checkpoint copies 44 ->
     * 41 MB, store-thread instructions +0.6%; bench_store (3-4 KB items)
     * store/ CPU -4%, file -3%.  A row keeps what the index holds for its rowid since the
     * last flush: nothing (indexed = 0: the first change was an insert)
     * or the values it had then (indexed = 1: an update or delete came
     * first; FTS5's external-content 'delete' needs exactly those).  Only
     * the first change since the flush queues a row (a WHEN NOT EXISTS:
     * OR IGNORE would become a replace under an outer OR REPLACE, and an
     * INSERT ... SELECT from the queue itself goes through a temporary
     * table, +18,000 instructions per item), so the flush removes the
     * queued old values and indexes the rowid's current text in items, if
     * it still has a row.  A changed rowid is a delete of the old one and
     * an insert of the new one (items_fts_update_rowid).
     * A queue a v5-v7 writer left (one that commits without flushing) is
     * replayed first. */
    "INSERT INTO items_fts (items_fts, rowid, title, summary, body)"
    "  SELECT CASE WHEN del THEN 'delete' END, rid, title, summary, body"
    "  FROM items_fts_pending ORDER BY seq;"
    "DROP TRIGGER items_fts_insert;"
    "DROP TRIGGER items_fts_delete;"
    "DROP TRIGGER items_fts_update;"
    "DROP TABLE items_fts_pending;"
    "CREATE TABLE items_fts_pending ("
    "  rid INTEGER PRIMARY KEY,"
    "  indexed INTEGER NOT NULL,"       /* 1: the index holds these values */
    "  title TEXT, summary TEXT, body TEXT"
    ");"
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items"
    "  WHEN NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE rid = new.id)"
    "  BEGIN"
    "  INSERT INTO items_fts_pending (rid, indexed) VALUES (new.id, 0);"
    "END;"
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items"
    "  WHEN NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE rid = old.id)"
    "  BEGIN"
    "  INSERT INTO items_fts_pending (rid, indexed, title, summary, body)"
    "    VALUES (old.id, 1, old.title, old.summary, old.body);"
    "END;"
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF id, title, summary, body"
    "  ON items"
    "  WHEN NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE rid = old.id)"
    "  BEGIN"
    "  INSERT INTO items_fts_pending (rid, indexed, title, summary, body)"
    "    VALUES (old.id, 1, old.title, old.summary, old.body);"
    "END;"
    "CREATE TRIGGER items_fts_update_rowid AFTER UPDATE OF id ON items"
    "  WHEN new.id IS NOT old.id AND NOT EXISTS"
    "    (SELECT 1 FROM items_fts_pending WHERE rid = new.id)"
    "  BEGIN"
    "  INSERT INTO items_fts_pending (rid, indexed) VALUES (new.id, 0);"
    "END;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_test_limit;

int store_schema_latest(void)
{
    return N_MIGRATIONS;
}

static fs_code read_version(struct store *st, int *out, fs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
                                NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(stmt, 0);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(stmt);
    }
    if (rc != SQLITE_OK)
        return store_sql_error(st, rc, "reading the schema version", err);
    return FS_OK;
}

/* Apply step `to` (1-based) if the database is still at version to-1.
 * The last step of an open (to == target) also places the items that
 * have no story yet: that needs C (URL keys, signatures) and so the
 * tables as this build writes them, which only the last step has.  Items
 * stored before stories existed (v1-v3) are placed there, and so are
 * those of a database whose migration stopped between the steps. */
static fs_code migrate_step(struct store *st, int to, int target,
                            fs_error *err)
{
    char what[64], pragmas[128];
    snprintf(what, sizeof(what), "migrating the schema to version %d", to);
    fs_code rc = store_exec(st, "BEGIN IMMEDIATE", what, err);
    if (rc != FS_OK)
        return rc;
    int now = -1;
    rc = read_version(st, &now, err);
    if (rc == FS_OK && now == to - 1) {
        snprintf(pragmas, sizeof(pragmas),
                 "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                 STORE_APPLICATION_ID, to);
        rc = store_exec(st, migrations[to - 1], what, err);
        if (rc == FS_OK && to == target && to >= STORE_STORY_MIGRATION)
            rc = store_story_backfill(st, err);
        if (rc == FS_OK)
            rc = store_exec(st, pragmas, what, err);
    }
    if (rc == FS_OK) {
        st->version = to; /* what the step's own writes were made under */
        rc = store_fts_flush(st, err);
    }
    if (rc == FS_OK)
        rc = store_exec(st, "COMMIT", what, err);
    if (rc != FS_OK) {
        store_rollback(st);
        return rc;
    }
    if (now == to - 1)
        fs_log(FS_LOG_INFO, "%s: schema migrated to version %d", st->path, to);
    return FS_OK;
}

fs_code store_schema_migrate(struct store *st, fs_error *err)
{
    int version = 0;
    fs_code rc = read_version(st, &version, err);
    int target = store_schema_test_limit > 0 ? store_schema_test_limit
                                              : N_MIGRATIONS;
    for (int to = version + 1; rc == FS_OK && to <= target; to++)
        rc = migrate_step(st, to, target, err);
    if (rc == FS_OK)
        rc = read_version(st, &st->version, err);
    if (rc == FS_OK && st->version < target)
        rc = fs_error_set(err, FS_EDB,
                          "%s: schema version is %d after migration, "
                          "expected %d",
                          st->path, st->version, target);
    return rc;
}
