/*
 * search.c — full-text search over title, summary and body (FTS5).
 *
 * items_fts is an external-content FTS5 table over items (schema v4),
 * kept in step by triggers, so it is right whoever writes items: since
 * v5 they queue each change in items_fts_pending and store_fts_flush()
 * applies the queue once per transaction, before its commit (why: the
 * v5 migration in schema.c); since v8 the queue has one row per changed
 * item, holding what the index has for it, and the flush reads the
 * current text from items (why: the v8 migration).  Ranking
 * is bm25 with the title weighted above the summary and the summary above
 * the body: a story *about* a term names it in its headline.
 *
 * Invariants:
 *  - The user's query goes to MATCH as a bound value, never into SQL
 *    text; an invalid FTS5 query is FS_EINVAL (a usage error for the CLI),
 *    whether SQLite reports it when preparing or when stepping.
 *  - Filters are appended only when asked for, as in list (query.c).
 */
#include "store_int.h"

#include <stdlib.h>

/* One statement of the flush, run to its end. */
static fs_code fts_run(struct store *st, enum store_stmt_id id,
                       const char *sql, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, id, sql, &stmt, err);
    if (rc == FS_OK)
        rc = store_step_done(st, stmt, "updating the search index", err);
    return rc;
}

fs_code store_fts_flush(struct store *st, fs_error *err)
{
    if (st->version < STORE_FTS_QUEUE_MIGRATION)
        return FS_OK; /* triggers still write items_fts directly */
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_FTS_PENDING,
                            "SELECT EXISTS (SELECT 1 FROM items_fts_pending)",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    int src = sqlite3_step(stmt);
    int pending = src == SQLITE_ROW && sqlite3_column_int(stmt, 0);
    store_stmt_done(stmt);
    if (src != SQLITE_ROW)
        return store_sql_error(st, src, "reading the search index queue",
                               err);
    if (!pending)
        return FS_OK;
    if (st->version < STORE_FTS_ROWID_QUEUE_MIGRATION) {
        /* v5-v7: every change, in queue order (a delete must see the
         * values its insert indexed). */
        rc = fts_run(st, STMT_FTS_REPLAY,
                     "INSERT INTO items_fts (items_fts, rowid, title,"
                     " summary, body) SELECT CASE WHEN del THEN 'delete'"
                     " END, rid, title, summary, body"
                     " FROM items_fts_pending ORDER BY seq",
                     err);
    } else {
        /* One row per changed item: remove what the index holds for it,
         * then index its text as items has it now (none if it is gone).
         * CROSS JOIN: the queue drives, items is read by rowid. */
        rc = fts_run(st, STMT_FTS_UNINDEX,
                     "INSERT INTO items_fts (items_fts, rowid, title,"
                     " summary, body) SELECT 'delete', rid, title,"
                     " summary, body FROM items_fts_pending WHERE indexed",
                     err);
        if (rc == FS_OK)
            rc = fts_run(st, STMT_FTS_INDEX,
                         "INSERT INTO items_fts (rowid, title, summary,"
                         " body) SELECT i.id, i.title, i.summary, i.body"
                         " FROM items_fts_pending p CROSS JOIN items i"
                         " ON i.id = p.rid",
                         err);
    }
    if (rc == FS_OK)
        rc = fts_run(st, STMT_FTS_CLEAR, "DELETE FROM items_fts_pending",
                     err);
    return rc;
}

/* title, summary, body */
#define SEARCH_RANK "bm25(10.0, 4.0, 1.0)"

static void search_sql(struct strbuf *sql, const struct store_search_query *q)
{
    strbuf_addstr(sql,
                  "SELECT i.id, coalesce(s.story_id, i.id), i.title, i.link,"
                  " coalesce(f.name, f.title, f.url),"
                  " coalesce(i.published, i.updated, i.first_seen),"
                  " items_fts.rank,"
                  " snippet(items_fts, -1, '**', '**', '...', 16)"
                  " FROM items_fts JOIN items i ON i.id = items_fts.rowid"
                  " JOIN feeds f ON f.id = i.feed_id"
                  " LEFT JOIN item_story s ON s.item_id = i.id"
                  " WHERE items_fts MATCH :match"
                  " AND items_fts.rank MATCH '" SEARCH_RANK "'");
    if (q->tag)
        store_tag_filter_sql(sql, "i.id");
    if (q->feed)
        strbuf_addstr(sql, " AND i.feed_id IN (SELECT id FROM feeds"
                           " WHERE url = :feed OR name = :feed)");
    if (q->since != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) >= :since");
    if (q->until != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) < :until");
    strbuf_addstr(sql, " ORDER BY items_fts.rank, i.id"
                       " LIMIT :limit OFFSET :offset");
}

fs_code store_search(struct store *st, const struct store_search_query *q,
                     int (*cb)(const struct store_search_row *, void *),
                     void *ud, fs_error *err)
{
    if (!q->match || !*q->match)
        return fs_error_set(err, FS_EINVAL, "search query: empty query");
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    search_sql(&sql, q);
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "preparing a search", err);
    store_bind_named_text(stmt, ":match", q->match);
    if (q->tag)
        store_tag_filter_bind(stmt, q->tag);
    store_bind_named_text(stmt, ":feed", q->feed);
    if (q->since != FS_TIME_NONE)
        store_bind_named_int(stmt, ":since", q->since);
    if (q->until != FS_TIME_NONE)
        store_bind_named_int(stmt, ":until", q->until);
    store_bind_named_int(stmt, ":limit", q->limit ? (int64_t)q->limit : -1);
    store_bind_named_int(stmt, ":offset", (int64_t)q->offset);

    char **tags = NULL;
    size_t n_tags = 0, alloc_tags = 0;
    fs_code rc = FS_OK;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_search_row row;
        row.id = sqlite3_column_int64(stmt, 0);
        row.story_id = sqlite3_column_int64(stmt, 1);
        row.title = store_col_text(stmt, 2);
        row.link = store_col_text(stmt, 3);
        row.feed = store_col_text(stmt, 4);
        row.published = store_col_time(stmt, 5);
        row.rank = sqlite3_column_double(stmt, 6);
        row.snippet = store_col_text(stmt, 7);
        rc = store_item_tag_names(st, row.id, 0, &tags, &n_tags, &alloc_tags,
                                  err);
        row.tags = (const char *const *)tags;
        row.n_tags = n_tags;
        int stop = rc != FS_OK || cb(&row, ud);
        for (size_t i = 0; i < n_tags; i++)
            free(tags[i]);
        n_tags = 0;
        if (stop)
            break;
    }
    if (rc == FS_OK && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_match_error(st, src, "searching", err);
    free(tags);
    sqlite3_finalize(stmt);
    return rc;
}
