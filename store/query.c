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

fs_code store_item_tag_names(struct store *st, int64_t id, int story,
                             char ***tags, size_t *n, size_t *alloc,
                             fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = story
                     ? store_stmt(st, STMT_LIST_STORY_TAGS,
                                  "SELECT DISTINCT t.tag FROM item_story s"
                                  " JOIN item_tags t ON t.item_id = s.item_id"
                                  " WHERE s.story_id = ?1"
                                  " UNION SELECT tag FROM item_tags"
                                  " WHERE item_id = ?1 ORDER BY 1",
                                  &stmt, err)
                     : store_stmt(st, STMT_TAG_NAMES,
                                  "SELECT DISTINCT tag FROM item_tags"
                                  " WHERE item_id = ?1 ORDER BY tag",
                                  &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
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

void store_tag_filter_sql(struct strbuf *sql, const char *col)
{
    strbuf_addf(sql, " AND %s IN (SELECT item_id FROM item_tags"
                     " WHERE tag = :tag OR (tag >= :lo AND tag < :hi))",
                col);
}

void store_tag_filter_bind(sqlite3_stmt *stmt, const char *tag)
{
    char *lo = fs_asprintf("%s/", tag);
    char *hi = fs_asprintf("%s0", tag); /* '0' == '/' + 1 */
    store_bind_named_text(stmt, ":tag", tag);
    store_bind_named_text(stmt, ":lo", lo);
    store_bind_named_text(stmt, ":hi", hi);
    free(lo);
    free(hi);
}

fs_code store_match_error(struct store *st, int rc, const char *what,
                          fs_error *err)
{
    /* The SQL around MATCH is fixed, so a plain SQLITE_ERROR can only come
     * from the user's query ("fts5: syntax error near ...", "no such
     * column: x" for a bad column filter). */
    if (rc == SQLITE_ERROR)
        return fs_error_set(err, FS_EINVAL, "search query: %s",
                            sqlite3_errmsg(st->db));
    return store_sql_error(st, rc, what, err);
}

/* The listing query with only the filters asked for, so that SQLite plans
 * each shape with the right index (an "?1 IS NULL OR ..." catch-all would
 * defeat them).  Values are bound by name in list_bind().  LIMIT/OFFSET
 * count rows, so they go into the SQL only when every item is a row; for
 * one row per story, list_run() counts stories itself. */
/* Two plans for a tag filter, picked per query:
 *  - collect: every item of the tag, each row read, then sorted by time;
 *    costs about k row reads for a tag on k items;
 *  - walk: the items newest first through items_by_time, each checked
 *    for the tag in item_tags' primary key, stopping after a page; costs
 *    about page * N / k cheap index steps over N items.
 * Walking wins once k^2 > ~10 N (a row read of a 3-4 KB item costs several
 * index steps): with 60,000 items and 3,000 in the tag, collect-and-sort
 * took 21 ms.  Counting stops at that bound, so the check stays cheap. */
static fs_code list_tag_is_common(struct store *st, const char *tag,
                                  int *common, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_LIST_TAG_COMMON,
                            "SELECT count(*) >= ?1 FROM (SELECT 1 FROM"
                            " item_tags WHERE tag = :tag OR"
                            " (tag >= :lo AND tag < :hi) LIMIT ?1)",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    int64_t n_items = 0;
    sqlite3_stmt *max;
    rc = store_stmt(st, STMT_LIST_MAX_ITEM,
                    "SELECT coalesce(max(id), 0) FROM items", &max, err);
    if (rc != FS_OK) {
        store_stmt_done(stmt);
        return rc;
    }
    if (sqlite3_step(max) == SQLITE_ROW)
        n_items = sqlite3_column_int64(max, 0);
    store_stmt_done(max);
    int64_t bound = 1; /* ~ sqrt(10 N), without libm */
    while (bound * bound < 10 * n_items)
        bound++;
    sqlite3_bind_int64(stmt, 1, bound);
    store_tag_filter_bind(stmt, tag);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *common = sqlite3_column_int(stmt, 0);
    else
        rc = store_sql_error(st, src, "counting a tag's items", err);
    store_stmt_done(stmt);
    return rc;
}

static void list_sql(struct strbuf *sql, const struct store_list_query *q,
                     int common_tag)
{
    strbuf_addstr(sql,
                  "SELECT i.id, i.title, i.link,"
                  " coalesce(f.name, f.title, f.url),"
                  " coalesce(i.published, i.updated, i.first_seen),"
                  " coalesce(s.story_id, i.id), m.label"
                  " FROM items i JOIN feeds f ON f.id = i.feed_id"
                  " LEFT JOIN item_story s ON s.item_id = i.id"
                  " LEFT JOIN marks m ON m.item_id = i.id WHERE 1");
    if (q->tag && common_tag)
        strbuf_addstr(sql, " AND EXISTS (SELECT 1 FROM item_tags t"
                           " WHERE t.item_id = i.id AND (t.tag = :tag OR"
                           " (t.tag >= :lo AND t.tag < :hi)))");
    else if (q->tag)
        store_tag_filter_sql(sql, "i.id");
    if (q->feed)
        strbuf_addstr(sql, " AND i.feed_id IN (SELECT id FROM feeds"
                           " WHERE url = :feed OR name = :feed)");
    if (q->query)
        strbuf_addstr(sql, " AND i.id IN (SELECT rowid FROM items_fts"
                           " WHERE items_fts MATCH :query)");
    if (q->marked > 0)
        strbuf_addstr(sql, " AND m.item_id IS NOT NULL");
    else if (q->marked < 0)
        strbuf_addstr(sql, " AND m.item_id IS NULL");
    if (q->since != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) >= :since");
    if (q->until != FS_TIME_NONE)
        strbuf_addstr(sql, " AND coalesce(i.published, i.updated,"
                           " i.first_seen) < :until");
    strbuf_addstr(sql, " ORDER BY coalesce(i.published, i.updated,"
                       " i.first_seen) DESC, i.id DESC");
    if (q->all_items)
        strbuf_addstr(sql, " LIMIT :limit OFFSET :offset");
}

void store_bind_named_text(sqlite3_stmt *stmt, const char *name,
                           const char *v)
{
    int idx = sqlite3_bind_parameter_index(stmt, name);
    if (idx)
        sqlite3_bind_text(stmt, idx, v, -1, SQLITE_TRANSIENT);
}

void store_bind_named_int(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    int idx = sqlite3_bind_parameter_index(stmt, name);
    if (idx)
        sqlite3_bind_int64(stmt, idx, v);
}

static void list_bind(sqlite3_stmt *stmt, const struct store_list_query *q)
{
    if (q->tag)
        store_tag_filter_bind(stmt, q->tag);
    store_bind_named_text(stmt, ":feed", q->feed);
    store_bind_named_text(stmt, ":query", q->query);
    if (q->since != FS_TIME_NONE)
        store_bind_named_int(stmt, ":since", q->since);
    if (q->until != FS_TIME_NONE)
        store_bind_named_int(stmt, ":until", q->until);
    store_bind_named_int(stmt, ":limit", q->limit ? (int64_t)q->limit : -1);
    store_bind_named_int(stmt, ":offset", (int64_t)q->offset);
}

/* Distinct feeds that carried a story (at least 1: the item itself). */
static fs_code story_sources(struct store *st, int64_t story_id,
                             int64_t *n, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_LIST_STORY_INFO,
                            "SELECT count(DISTINCT i.feed_id)"
                            " FROM item_story s JOIN items i"
                            " ON i.id = s.item_id WHERE s.story_id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, story_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        *n = sqlite3_column_int64(stmt, 0);
        if (*n < 1)
            *n = 1;
    } else {
        rc = store_sql_error(st, src, "counting a story's sources", err);
    }
    store_stmt_done(stmt);
    return rc;
}

/* Story ids already listed: open addressing, grows at half load. */
struct id_set {
    int64_t *slot;              /* 0 = empty (ids are >= 1) */
    size_t cap, n;
};

static int id_set_add(struct id_set *s, int64_t id)
{
    if (2 * (s->n + 1) > s->cap) {
        struct id_set bigger = {fs_calloc(s->cap ? 2 * s->cap : 64,
                                          sizeof(int64_t)),
                                s->cap ? 2 * s->cap : 64, 0};
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                id_set_add(&bigger, s->slot[i]);
        free(s->slot);
        *s = bigger;
    }
    size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (s->cap - 1);
    while (s->slot[i]) {
        if (s->slot[i] == id)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = id;
    s->n++;
    return 1;
}

fs_code store_list(struct store *st, const struct store_list_query *q,
                   int (*cb)(const struct store_list_row *, void *), void *ud,
                   fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    int common_tag = 0;
    if (q->tag) {
        fs_code trc = list_tag_is_common(st, q->tag, &common_tag, err);
        if (trc != FS_OK)
            return trc;
    }
    list_sql(&sql, q, common_tag);
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "listing items", err);
    list_bind(stmt, q);

    char **tags = NULL;
    size_t n_tags = 0, alloc_tags = 0, skipped = 0, shown = 0;
    struct id_set seen = {0};
    fs_code rc = FS_OK;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_list_row row;
        row.id = sqlite3_column_int64(stmt, 0);
        row.story_id = sqlite3_column_int64(stmt, 5);
        if (!q->all_items) {
            if (!id_set_add(&seen, row.story_id))
                continue;       /* a newer item of this story was listed */
            if (skipped < q->offset) {
                skipped++;
                continue;
            }
        }
        row.title = store_col_text(stmt, 1);
        row.link = store_col_text(stmt, 2);
        row.feed = store_col_text(stmt, 3);
        row.published = store_col_time(stmt, 4);
        row.mark = store_col_text(stmt, 6);
        rc = story_sources(st, row.story_id, &row.n_sources, err);
        if (rc == FS_OK)
            rc = store_item_tag_names(st, q->all_items ? row.id : row.story_id,
                                      !q->all_items, &tags, &n_tags,
                                      &alloc_tags, err);
        row.tags = (const char *const *)tags;
        row.n_tags = n_tags;
        int stop = rc != FS_OK || cb(&row, ud);
        for (size_t i = 0; i < n_tags; i++)
            free(tags[i]);
        n_tags = 0;
        if (stop || (!q->all_items && q->limit && ++shown >= q->limit))
            break;
    }
    if (rc == FS_OK && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = q->query ? store_match_error(st, src, "listing items", err)
                      : store_sql_error(st, src, "listing items", err);
    free(tags);
    free(seen.slot);
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
