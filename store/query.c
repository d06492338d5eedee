/*
 * query.c — the reads: headline listings, feeds, items waiting for their
 * article page, counts.
 *
 * Invariants:
 *  - Listing order is coalesce(published, updated, first_seen) newest
 *    first, ties by id newest first, so output is deterministic; the
 *    expression is the one indexed by items_by_time (schema.c).
 *  - A tag filter "a/b" matches the tag itself and every tag below it
 *    ("a/b/c") but not "a/bc".  Descendants are found with the byte range
 *    ["a/b/", "a/b0") instead of LIKE: '0' is the byte after '/', the
 *    range uses the tag index, and tags containing % or _ need no escaping
 *    (LIKE would also fold ASCII case, which tags do not).
 *  - Callbacks that may want to write (feeds_each, items_pending_body) get
 *    rows copied out of SQLite first, so no read statement is active while
 *    they run.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- feeds ----------------------------------------------------------- */

#define FEED_COLUMNS                                                        \
    "SELECT f.id, f.url, f.name, f.title, f.etag, f.last_modified,"         \
    " f.last_checked, f.last_success, f.consecutive_errors, f.last_error,"  \
    " (SELECT count(*) FROM items i WHERE i.feed_id = f.id),"               \
    " f.next_due, f.poll_interval, f.last_status, f.disabled FROM feeds f"

/* A row of FEED_COLUMNS; strings point into the statement. */
static void feed_from_row(sqlite3_stmt *stmt, struct store_feed *f)
{
    f->id = sqlite3_column_int64(stmt, 0);
    f->url = store_col_text(stmt, 1);
    f->name = store_col_text(stmt, 2);
    f->title = store_col_text(stmt, 3);
    f->etag = store_col_text(stmt, 4);
    f->last_modified = store_col_text(stmt, 5);
    f->last_checked = store_col_time(stmt, 6);
    f->last_success = store_col_time(stmt, 7);
    f->consecutive_errors = sqlite3_column_int(stmt, 8);
    f->last_error = store_col_text(stmt, 9);
    f->n_items = sqlite3_column_int64(stmt, 10);
    f->next_due = store_col_time(stmt, 11);
    f->poll_interval = sqlite3_column_int64(stmt, 12);
    f->last_status = (long)sqlite3_column_int64(stmt, 13);
    f->disabled = sqlite3_column_int(stmt, 14);
}

fs_code store_feed_get(struct store *st, int64_t feed_id,
                       void (*cb)(const struct store_feed *, void *), void *ud,
                       fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_FEED_GET, FEED_COLUMNS " WHERE f.id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, feed_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        struct store_feed f;
        feed_from_row(stmt, &f);
        cb(&f, ud);
    } else if (src == SQLITE_DONE) {
        rc = fs_error_set(err, FS_EINVAL, "%s: no feed with id %lld",
                          st->path, (long long)feed_id);
    } else {
        rc = store_sql_error(st, src, "reading a feed", err);
    }
    store_stmt_done(stmt);
    return rc;
}

/* Owned copies of the strings of a store_feed. */
static void feed_dup(struct store_feed *f)
{
    f->url = fs_strdup(f->url);
    f->name = fs_strdup(f->name);
    f->title = fs_strdup(f->title);
    f->etag = fs_strdup(f->etag);
    f->last_modified = fs_strdup(f->last_modified);
    f->last_error = fs_strdup(f->last_error);
}

static void feed_free_strings(struct store_feed *f)
{
    free((char *)f->url);
    free((char *)f->name);
    free((char *)f->title);
    free((char *)f->etag);
    free((char *)f->last_modified);
    free((char *)f->last_error);
}

fs_code store_feeds_each(struct store *st,
                         int (*cb)(const struct store_feed *, void *),
                         void *ud, fs_error *err)
{
    sqlite3_stmt *stmt;
    struct store_feed *feeds = NULL;
    size_t n = 0, alloc = 0;
    fs_code rc = store_stmt(st, STMT_FEEDS_ALL,
                            FEED_COLUMNS " ORDER BY coalesce(f.name, f.url),"
                                         " f.url",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(feeds, n + 1, alloc);
        feed_from_row(stmt, &feeds[n]);
        feed_dup(&feeds[n]);
        n++;
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "listing feeds", err);
    store_stmt_done(stmt);
    for (size_t i = 0; rc == FS_OK && i < n; i++)
        if (cb(&feeds[i], ud))
            break;
    for (size_t i = 0; i < n; i++)
        feed_free_strings(&feeds[i]);
    free(feeds);
    return rc;
}

/* ---- items waiting for their article -------------------------------- */

static void item_free_strings(struct store_item *it)
{
    free((char *)it->guid);
    free((char *)it->title);
    free((char *)it->link);
    free((char *)it->canonical_url);
    free((char *)it->author);
    free((char *)it->summary);
    free((char *)it->body);
    free((char *)it->body_error);
}

/* body_state = 1 is a literal so the partial index items_pending_body
 * applies. */
fs_code store_items_pending_body(struct store *st, size_t limit,
                                 int (*cb)(const struct store_item *, void *),
                                 void *ud, fs_error *err)
{
    sqlite3_stmt *stmt;
    struct store_item *items = NULL;
    size_t n = 0, alloc = 0;
    fs_code rc = store_stmt(
        st, STMT_ITEMS_PENDING,
        "SELECT id, feed_id, guid, title, link, canonical_url, author,"
        " summary, body, body_state, body_error, published, updated,"
        " first_seen FROM items WHERE body_state = 1"
        " ORDER BY first_seen, id LIMIT ?1",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, limit ? (int64_t)limit : -1);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(items, n + 1, alloc);
        struct store_item *it = &items[n++];
        it->id = sqlite3_column_int64(stmt, 0);
        it->feed_id = sqlite3_column_int64(stmt, 1);
        it->guid = fs_strdup(store_col_text(stmt, 2));
        it->title = fs_strdup(store_col_text(stmt, 3));
        it->link = fs_strdup(store_col_text(stmt, 4));
        it->canonical_url = fs_strdup(store_col_text(stmt, 5));
        it->author = fs_strdup(store_col_text(stmt, 6));
        it->summary = fs_strdup(store_col_text(stmt, 7));
        it->body = fs_strdup(store_col_text(stmt, 8));
        it->body_state = (enum store_body_state)sqlite3_column_int(stmt, 9);
        it->body_error = fs_strdup(store_col_text(stmt, 10));
        it->published = store_col_time(stmt, 11);
        it->updated = store_col_time(stmt, 12);
        it->first_seen = store_col_time(stmt, 13);
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "listing items without article", err);
    store_stmt_done(stmt);
    for (size_t i = 0; rc == FS_OK && i < n; i++)
        if (cb(&items[i], ud))
            break;
    for (size_t i = 0; i < n; i++)
        item_free_strings(&items[i]);
    free(items);
    return rc;
}

/* ---- list ------------------------------------------------------------ */

/* The distinct tags of one item, sorted, as owned strings in *tags. */
static fs_code item_tag_names(struct store *st, int64_t item_id, char ***tags,
                              size_t *n, size_t *alloc, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_TAG_NAMES,
                            "SELECT DISTINCT tag FROM item_tags"
                            " WHERE item_id = ?1 ORDER BY tag",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(*tags, *n + 1, *alloc);
        (*tags)[(*n)++] = fs_strdup(store_col_text(stmt, 0));
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading tags", err);
    store_stmt_done(stmt);
    return rc;
}

/* The listing query with only the filters asked for, so that SQLite plans
 * each shape with the right index (an "?1 IS NULL OR ..." catch-all would
 * defeat them).  Values are bound by name in list_bind(). */
static void list_sql(struct strbuf *sql, const struct store_list_query *q)
{
    strbuf_addstr(sql,
                  "SELECT i.id, i.title, i.link,"
                  " coalesce(f.name, f.title, f.url),"
                  " coalesce(i.published, i.updated, i.first_seen)"
                  " FROM items i JOIN feeds f ON f.id = i.feed_id WHERE 1");
    if (q->tag)
        strbuf_addstr(sql, " AND i.id IN (SELECT item_id FROM item_tags"
                           " WHERE tag = :tag OR (tag >= :lo AND tag < :hi))");
    if (q->feed)
        strbuf_addstr(sql, " AND i.feed_id IN (SELECT id FROM feeds"
                           " WHERE url = :feed OR name = :feed)");
    if (q->since != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) >= :since");
    if (q->until != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) < :until");
    strbuf_addstr(sql, " ORDER BY coalesce(i.published, i.updated,"
                       " i.first_seen) DESC, i.id DESC LIMIT :limit");
}

static void bind_named_text(sqlite3_stmt *stmt, const char *name,
                            const char *v)
{
    int idx = sqlite3_bind_parameter_index(stmt, name);
    if (idx)
        sqlite3_bind_text(stmt, idx, v, -1, SQLITE_TRANSIENT);
}

static void bind_named_int(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    int idx = sqlite3_bind_parameter_index(stmt, name);
    if (idx)
        sqlite3_bind_int64(stmt, idx, v);
}

static void list_bind(sqlite3_stmt *stmt, const struct store_list_query *q)
{
    if (q->tag) {
        char *lo = fs_asprintf("%s/", q->tag);
        char *hi = fs_asprintf("%s0", q->tag); /* '0' == '/' + 1 */
        bind_named_text(stmt, ":tag", q->tag);
        bind_named_text(stmt, ":lo", lo);
        bind_named_text(stmt, ":hi", hi);
        free(lo);
        free(hi);
    }
    bind_named_text(stmt, ":feed", q->feed);
    if (q->since != FS_TIME_NONE)
        bind_named_int(stmt, ":since", q->since);
    if (q->until != FS_TIME_NONE)
        bind_named_int(stmt, ":until", q->until);
    bind_named_int(stmt, ":limit", q->limit ? (int64_t)q->limit : -1);
}

fs_code store_list(struct store *st, const struct store_list_query *q,
                   int (*cb)(const struct store_list_row *, void *), void *ud,
                   fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    list_sql(&sql, q);
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "listing items", err);
    list_bind(stmt, q);

    char **tags = NULL;
    size_t n_tags = 0, alloc_tags = 0;
    fs_code rc = FS_OK;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_list_row row;
        row.id = sqlite3_column_int64(stmt, 0);
        row.title = store_col_text(stmt, 1);
        row.link = store_col_text(stmt, 2);
        row.feed = store_col_text(stmt, 3);
        row.published = store_col_time(stmt, 4);
        rc = item_tag_names(st, row.id, &tags, &n_tags, &alloc_tags, err);
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
        rc = store_sql_error(st, src, "listing items", err);
    free(tags);
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- counts ---------------------------------------------------------- */

fs_code store_counts(struct store *st, struct store_counts *out,
                     fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_COUNTS,
                            "SELECT (SELECT count(*) FROM feeds),"
                            " (SELECT count(*) FROM items),"
                            " (SELECT count(*) FROM"
                            "   (SELECT DISTINCT item_id, tag FROM item_tags)),"
                            " (SELECT count(*) FROM runs)",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        out->feeds = sqlite3_column_int64(stmt, 0);
        out->items = sqlite3_column_int64(stmt, 1);
        out->tags = sqlite3_column_int64(stmt, 2);
        out->runs = sqlite3_column_int64(stmt, 3);
    } else {
        rc = store_sql_error(st, src, "counting", err);
    }
    store_stmt_done(stmt);
    return rc;
}
