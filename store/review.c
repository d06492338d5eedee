/*
 * review.c — what analysts do with stored items: marks, one item in full
 * (show), exports, tag counts over time, the tagged-headline report,
 * statistics and pruning.
 *
 * Invariants:
 *  - Marks live in their own table: setting or clearing one never writes
 *    to items, item_tags or anything else the crawler owns.
 *  - Readers copy what they hand out, or hand it out only during a
 *    callback; no read statement stays active after a function returns.
 *  - Pruning deletes in batches of PRUNE_BATCH items per transaction, so a
 *    crawl (or a reader) waits at most one batch; foreign keys and
 *    triggers take tags, marks, versions, story rows and the search index
 *    with each item.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define PRUNE_BATCH 500

/* ---- marks ----------------------------------------------------------- */

const char *store_mark_name(enum store_mark m)
{
    switch (m) {
    case STORE_MARK_RELEVANT:
        return "relevant";
    case STORE_MARK_IRRELEVANT:
        return "irrelevant";
    case STORE_MARK_NONE:
        break;
    }
    return NULL;
}

static enum store_mark mark_parse(const char *s)
{
    if (s && !strcmp(s, "relevant"))
        return STORE_MARK_RELEVANT;
    if (s && !strcmp(s, "irrelevant"))
        return STORE_MARK_IRRELEVANT;
    return STORE_MARK_NONE;
}

static fs_code item_exists(struct store *st, int64_t item_id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_ITEM_EXISTS,
                            "SELECT 1 FROM items WHERE id = ?1", &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE)
        rc = fs_error_set(err, FS_EINVAL, "%s: no item with id %lld",
                          st->path, (long long)item_id);
    else if (src != SQLITE_ROW)
        rc = store_sql_error(st, src, "looking up an item", err);
    store_stmt_done(stmt);
    return rc;
}

fs_code store_mark_set(struct store *st, int64_t item_id, enum store_mark m,
                       const char *note, fs_error *err)
{
    sqlite3_stmt *stmt;
    int own;
    fs_code rc = store_atomic_begin(st, &own, err);
    if (rc != FS_OK)
        return rc;
    rc = item_exists(st, item_id, err);
    if (rc == FS_OK && m == STORE_MARK_NONE) {
        rc = store_stmt(st, STMT_MARK_DELETE,
                        "DELETE FROM marks WHERE item_id = ?1", &stmt, err);
        if (rc == FS_OK) {
            sqlite3_bind_int64(stmt, 1, item_id);
            rc = store_step_done(st, stmt, "removing a mark", err);
        }
    } else if (rc == FS_OK) {
        /* A new verdict replaces the old one; `created` stays the first
         * time the item was marked. */
        rc = store_stmt(st, STMT_MARK_PUT,
                        "INSERT INTO marks (item_id, label, note, created,"
                        " updated) VALUES (?1, ?2, ?3, ?4, ?4)"
                        " ON CONFLICT (item_id) DO UPDATE SET"
                        " label = excluded.label, note = excluded.note,"
                        " updated = excluded.updated",
                        &stmt, err);
        if (rc == FS_OK) {
            sqlite3_bind_int64(stmt, 1, item_id);
            store_bind_text(stmt, 2, store_mark_name(m));
            store_bind_text(stmt, 3, note);
            sqlite3_bind_int64(stmt, 4, fs_time_now());
            rc = store_step_done(st, stmt, "marking an item", err);
        }
    }
    return store_atomic_end(st, own, rc, err);
}

/* ---- one item in full ------------------------------------------------ */

/* A column's text, owned by d (NULL: NULL). */
static const char *col_dup(struct store_item_detail *d, sqlite3_stmt *stmt,
                           int col)
{
    return fs_arena_strdup(&d->strings_, store_col_text(stmt, col));
}

void store_item_detail_free(struct store_item_detail *d)
{
    if (!d)
        return;
    fs_arena_release(&d->strings_);
    free(d->sources);
    free(d->versions);
    free(d->tags);
    free(d);
}

/* Prepare a one-off statement (show runs each query once). */
static fs_code prepare(struct store *st, const char *sql, sqlite3_stmt **out,
                       fs_error *err)
{
    int src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    return src == SQLITE_OK ? FS_OK : store_sql_error(st, src, "reading", err);
}

static fs_code step_end(struct store *st, sqlite3_stmt *stmt, int src,
                        const char *what, fs_error *err)
{
    fs_code rc = FS_OK;
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = store_sql_error(st, src, what, err);
    sqlite3_finalize(stmt);
    return rc;
}

static fs_code detail_item(struct store *st, struct store_item_detail *d,
                           int64_t id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = prepare(
        st,
        "SELECT i.id, i.feed_id, i.guid, i.title, i.link, i.canonical_url,"
        " i.author, i.summary, i.body, i.body_state, i.body_error,"
        " i.published, i.updated, i.first_seen, i.changed,"
        " coalesce(f.name, f.title, f.url), f.url,"
        " coalesce(s.story_id, i.id), s.url_key,"
        " m.label, m.note, m.updated"
        " FROM items i JOIN feeds f ON f.id = i.feed_id"
        " LEFT JOIN item_story s ON s.item_id = i.id"
        " LEFT JOIN marks m ON m.item_id = i.id WHERE i.id = ?1",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        sqlite3_finalize(stmt);
        return fs_error_set(err, FS_EINVAL, "%s: no item with id %lld",
                            st->path, (long long)id);
    }
    if (src == SQLITE_ROW) {
        struct store_item *it = &d->item;
        it->id = sqlite3_column_int64(stmt, 0);
        it->feed_id = sqlite3_column_int64(stmt, 1);
        it->guid = col_dup(d, stmt, 2);
        it->title = col_dup(d, stmt, 3);
        it->link = col_dup(d, stmt, 4);
        it->canonical_url = col_dup(d, stmt, 5);
        it->author = col_dup(d, stmt, 6);
        it->summary = col_dup(d, stmt, 7);
        it->body = col_dup(d, stmt, 8);
        it->body_state = (enum store_body_state)sqlite3_column_int(stmt, 9);
        it->body_error = col_dup(d, stmt, 10);
        it->published = store_col_time(stmt, 11);
        it->updated = store_col_time(stmt, 12);
        it->first_seen = store_col_time(stmt, 13);
        d->changed = store_col_time(stmt, 14);
        d->feed = col_dup(d, stmt, 15);
        d->feed_url = col_dup(d, stmt, 16);
        d->story_id = sqlite3_column_int64(stmt, 17);
        d->url_key = col_dup(d, stmt, 18);
        d->mark = mark_parse(store_col_text(stmt, 19));
        d->mark_note = col_dup(d, stmt, 20);
        d->mark_time = store_col_time(stmt, 21);
    }
    return step_end(st, stmt, src, "reading an item", err);
}

static fs_code detail_sources(struct store *st, struct store_item_detail *d,
                              fs_error *err)
{
    sqlite3_stmt *stmt;
    size_t alloc = 0;
    fs_code rc = prepare(
        st,
        "SELECT i.id, coalesce(f.name, f.title, f.url), i.title, i.link,"
        " coalesce(i.published, i.updated, i.first_seen)"
        " FROM items i JOIN feeds f ON f.id = i.feed_id"
        " WHERE i.id IN (SELECT item_id FROM item_story WHERE story_id = ?1"
        "  UNION SELECT ?2) ORDER BY i.id",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, d->story_id);
    sqlite3_bind_int64(stmt, 2, d->item.id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(d->sources, d->n_sources + 1, alloc);
        struct store_source *s = &d->sources[d->n_sources++];
        s->item_id = sqlite3_column_int64(stmt, 0);
        s->feed = col_dup(d, stmt, 1);
        s->title = col_dup(d, stmt, 2);
        s->link = col_dup(d, stmt, 3);
        s->published = store_col_time(stmt, 4);
    }
    return step_end(st, stmt, src, "reading a story's sources", err);
}

static fs_code detail_versions(struct store *st, struct store_item_detail *d,
                               fs_error *err)
{
    sqlite3_stmt *stmt;
    size_t alloc = 0;
    fs_code rc = prepare(st,
                         "SELECT replaced, title, link, author, summary,"
                         " published, updated FROM item_versions"
                         " WHERE item_id = ?1 ORDER BY id DESC",
                         &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, d->item.id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(d->versions, d->n_versions + 1, alloc);
        struct store_version *v = &d->versions[d->n_versions++];
        v->replaced = store_col_time(stmt, 0);
        v->title = col_dup(d, stmt, 1);
        v->link = col_dup(d, stmt, 2);
        v->author = col_dup(d, stmt, 3);
        v->summary = col_dup(d, stmt, 4);
        v->published = store_col_time(stmt, 5);
        v->updated = store_col_time(stmt, 6);
    }
    return step_end(st, stmt, src, "reading an item's versions", err);
}

static fs_code detail_tags(struct store *st, struct store_item_detail *d,
                           fs_error *err)
{
    sqlite3_stmt *stmt;
    size_t alloc = 0;
    fs_code rc = prepare(st,
                         "SELECT tag, rule_id, field, matched, rules_version,"
                         " alert, created FROM item_tags WHERE item_id = ?1"
                         " ORDER BY tag, rule_id",
                         &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, d->item.id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(d->tags, d->n_tags + 1, alloc);
        struct store_tag_row *t = &d->tags[d->n_tags++];
        t->tag = col_dup(d, stmt, 0);
        t->rule_id = col_dup(d, stmt, 1);
        t->field = col_dup(d, stmt, 2);
        t->matched = col_dup(d, stmt, 3);
        t->rules_version = col_dup(d, stmt, 4);
        t->alert = sqlite3_column_int(stmt, 5);
        t->created = store_col_time(stmt, 6);
    }
    return step_end(st, stmt, src, "reading an item's tags", err);
}

fs_code store_item_detail_get(struct store *st, int64_t item_id,
                              struct store_item_detail **out, fs_error *err)
{
    struct store_item_detail *d = fs_calloc(1, sizeof(*d));
    /* One read transaction: the parts agree even while a crawl writes. */
    fs_code rc = store_exec(st, "BEGIN", "reading an item", err);
    if (rc == FS_OK)
        rc = detail_item(st, d, item_id, err);
    if (rc == FS_OK)
        rc = detail_sources(st, d, err);
    if (rc == FS_OK)
        rc = detail_versions(st, d, err);
    if (rc == FS_OK)
        rc = detail_tags(st, d, err);
    store_rollback(st);
    if (rc != FS_OK) {
        store_item_detail_free(d);
        d = NULL;
    }
    *out = d;
    return rc;
}

/* ---- export ---------------------------------------------------------- */

fs_code store_export(struct store *st, const struct store_export_query *q,
                     int (*cb)(const struct store_export_row *, void *),
                     void *ud, fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    strbuf_addstr(&sql,
                  "SELECT i.id, coalesce(s.story_id, i.id), i.feed_id,"
                  " coalesce(f.name, f.title, f.url), f.url, i.guid, i.title,"
                  " i.link, i.canonical_url, i.author, i.summary, i.body,"
                  " i.published, i.updated, i.first_seen,"
                  " m.label, m.note, m.updated"
                  " FROM items i JOIN feeds f ON f.id = i.feed_id"
                  " LEFT JOIN item_story s ON s.item_id = i.id"
                  " LEFT JOIN marks m ON m.item_id = i.id WHERE 1");
    if (q->tag)
        store_tag_filter_sql(&sql, "i.id");
    if (q->marked_only)
        strbuf_addstr(&sql, " AND m.item_id IS NOT NULL");
    if (q->since != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND coalesce(i.published, i.updated,"
                            " i.first_seen) >= :since");
    if (q->until != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND coalesce(i.published, i.updated,"
                            " i.first_seen) < :until");
    strbuf_addstr(&sql, " ORDER BY coalesce(i.published, i.updated,"
                        " i.first_seen), i.id");
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "exporting items", err);
    if (q->tag)
        store_tag_filter_bind(stmt, q->tag);
    if (q->since != FS_TIME_NONE)
        store_bind_named_int(stmt, ":since", q->since);
    if (q->until != FS_TIME_NONE)
        store_bind_named_int(stmt, ":until", q->until);

    char **tags = NULL;
    size_t n_tags = 0, alloc_tags = 0;
    fs_code rc = FS_OK;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_export_row r;
        r.id = sqlite3_column_int64(stmt, 0);
        r.story_id = sqlite3_column_int64(stmt, 1);
        r.feed_id = sqlite3_column_int64(stmt, 2);
        r.feed = store_col_text(stmt, 3);
        r.feed_url = store_col_text(stmt, 4);
        r.guid = store_col_text(stmt, 5);
        r.title = store_col_text(stmt, 6);
        r.link = store_col_text(stmt, 7);
        r.canonical_url = store_col_text(stmt, 8);
        r.author = store_col_text(stmt, 9);
        r.summary = store_col_text(stmt, 10);
        r.body = store_col_text(stmt, 11);
        r.published = store_col_time(stmt, 12);
        r.updated = store_col_time(stmt, 13);
        r.first_seen = store_col_time(stmt, 14);
        r.mark = mark_parse(store_col_text(stmt, 15));
        r.mark_note = store_col_text(stmt, 16);
        r.mark_time = store_col_time(stmt, 17);
        rc = store_item_tag_names(st, r.id, 0, &tags, &n_tags, &alloc_tags,
                                  err);
        r.tags = (const char *const *)tags;
        r.n_tags = n_tags;
        int stop = rc != FS_OK || cb(&r, ud);
        for (size_t i = 0; i < n_tags; i++)
            free(tags[i]);
        n_tags = 0;
        if (stop)
            break;
    }
    if (rc == FS_OK && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_sql_error(st, src, "exporting items", err);
    free(tags);
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- tag counts ------------------------------------------------------ */

fs_code store_tag_counts(struct store *st, int64_t since, int64_t until,
                         const char *tag, int64_t bucket_seconds,
                         int64_t origin,
                         int (*cb)(const struct store_tag_count *, void *),
                         void *ud, fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    if (bucket_seconds <= 0)
        return fs_error_set(err, FS_EINVAL, "tag counts: bad period");
    /* Integer division rounds toward zero; the CASE floors it so times
     * before origin land in the right period too. */
    strbuf_addstr(&sql,
                  "SELECT t.tag, :origin + :len * (CASE WHEN w >= :origin"
                  " THEN (w - :origin) / :len"
                  " ELSE -((:origin - w + :len - 1) / :len) END) AS period,"
                  " count(DISTINCT t.item_id)"
                  " FROM item_tags t JOIN (SELECT id, coalesce(published,"
                  " updated, first_seen) AS w FROM items) i"
                  " ON i.id = t.item_id WHERE 1");
    if (tag)
        strbuf_addstr(&sql, " AND (t.tag = :tag OR (t.tag >= :lo"
                            " AND t.tag < :hi))");
    if (since != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND w >= :since");
    if (until != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND w < :until");
    strbuf_addstr(&sql, " GROUP BY period, t.tag ORDER BY period DESC,"
                        " t.tag");
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "counting tags", err);
    store_bind_named_int(stmt, ":origin", origin);
    store_bind_named_int(stmt, ":len", bucket_seconds);
    if (tag)
        store_tag_filter_bind(stmt, tag);
    if (since != FS_TIME_NONE)
        store_bind_named_int(stmt, ":since", since);
    if (until != FS_TIME_NONE)
        store_bind_named_int(stmt, ":until", until);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_tag_count c = {
            .tag = store_col_text(stmt, 0),
            .period = sqlite3_column_int64(stmt, 1),
            .items = sqlite3_column_int64(stmt, 2),
        };
        if (cb(&c, ud))
            break;
    }
    return step_end(st, stmt, src, "counting tags", err);
}

/* ---- report rows ----------------------------------------------------- */

fs_code store_tagged_each(struct store *st, int64_t since, int64_t until,
                          const char *tag,
                          int (*cb)(const struct store_tagged_row *, void *),
                          void *ud, fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    /* One evidence row per (tag, item): the first rule by id.  Stories are
     * collapsed by the caller-visible order (tag, newest item first). */
    strbuf_addstr(&sql,
                  "SELECT t.tag, t.rule_id, t.field, t.matched, t.alert,"
                  " i.id, coalesce(s.story_id, i.id), i.title, i.link,"
                  " coalesce(f.name, f.title, f.url),"
                  " coalesce(i.published, i.updated, i.first_seen) AS w,"
                  " CASE t.field WHEN 'title' THEN i.title"
                  "  WHEN 'summary' THEN i.summary WHEN 'body' THEN i.body"
                  "  END"
                  " FROM item_tags t JOIN items i ON i.id = t.item_id"
                  " JOIN feeds f ON f.id = i.feed_id"
                  " LEFT JOIN item_story s ON s.item_id = i.id"
                  " WHERE t.rule_id = (SELECT min(rule_id) FROM item_tags x"
                  "  WHERE x.item_id = t.item_id AND x.tag = t.tag)");
    if (tag)
        strbuf_addstr(&sql, " AND (t.tag = :tag OR (t.tag >= :lo"
                            " AND t.tag < :hi))");
    if (since != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND w >= :since");
    if (until != FS_TIME_NONE)
        strbuf_addstr(&sql, " AND w < :until");
    strbuf_addstr(&sql, " ORDER BY t.tag, w DESC, i.id DESC");
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "reading tagged items", err);
    if (tag)
        store_tag_filter_bind(stmt, tag);
    if (since != FS_TIME_NONE)
        store_bind_named_int(stmt, ":since", since);
    if (until != FS_TIME_NONE)
        store_bind_named_int(stmt, ":until", until);

    /* A story appears once per tag: its newest item, with the number of
     * feeds that carried it. */
    char *cur_tag = NULL;
    int64_t *seen = NULL;
    size_t n_seen = 0, alloc_seen = 0;
    fs_code rc = FS_OK;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_tagged_row r;
        r.tag = store_col_text(stmt, 0);
        r.story_id = sqlite3_column_int64(stmt, 6);
        if (!cur_tag || strcmp(cur_tag, r.tag) != 0) {
            free(cur_tag);
            cur_tag = fs_strdup(r.tag);
            n_seen = 0;
        }
        int dup = 0;
        for (size_t i = 0; i < n_seen && !dup; i++)
            dup = seen[i] == r.story_id;
        if (dup)
            continue;
        FS_GROW(seen, n_seen + 1, alloc_seen);
        seen[n_seen++] = r.story_id;
        r.rule_id = store_col_text(stmt, 1);
        r.field = store_col_text(stmt, 2);
        r.matched = store_col_text(stmt, 3);
        r.alert = sqlite3_column_int(stmt, 4);
        r.item_id = sqlite3_column_int64(stmt, 5);
        r.title = store_col_text(stmt, 7);
        r.link = store_col_text(stmt, 8);
        r.feed = store_col_text(stmt, 9);
        r.published = store_col_time(stmt, 10);
        r.field_text = store_col_text(stmt, 11);
        sqlite3_stmt *cnt;
        rc = store_stmt(st, STMT_LIST_STORY_INFO,
                        "SELECT count(DISTINCT i.feed_id)"
                        " FROM item_story s JOIN items i"
                        " ON i.id = s.item_id WHERE s.story_id = ?1",
                        &cnt, err);
        if (rc != FS_OK)
            break;
        sqlite3_bind_int64(cnt, 1, r.story_id);
        r.n_sources = sqlite3_step(cnt) == SQLITE_ROW
                          ? sqlite3_column_int64(cnt, 0) : 1;
        if (r.n_sources < 1)
            r.n_sources = 1;
        store_stmt_done(cnt);
        if (cb(&r, ud))
            break;
    }
    free(cur_tag);
    free(seen);
    if (rc != FS_OK) {
        sqlite3_finalize(stmt);
        return rc;
    }
    return step_end(st, stmt, src, "reading tagged items", err);
}

/* ---- statistics ------------------------------------------------------ */

fs_code store_stats(struct store *st, struct store_stats *o, fs_error *err)
{
    sqlite3_stmt *stmt;
    memset(o, 0, sizeof(*o));
    o->schema_version = st->version;
    fs_code rc = prepare(
        st,
        "SELECT (SELECT count(*) FROM feeds),"
        " (SELECT count(*) FROM feeds WHERE disabled),"
        " (SELECT count(*) FROM items),"
        " (SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM"
        "   item_story s WHERE s.item_id = i.id AND s.story_id != i.id)),"
        " (SELECT count(DISTINCT item_id) FROM item_tags),"
        " (SELECT count(*) FROM item_tags),"
        " (SELECT count(DISTINCT tag) FROM item_tags),"
        " (SELECT count(*) FROM marks WHERE label = 'relevant'),"
        " (SELECT count(*) FROM marks WHERE label = 'irrelevant'),"
        " (SELECT count(*) FROM item_versions),"
        " (SELECT count(*) FROM items WHERE body_state = 0),"
        " (SELECT count(*) FROM items WHERE body_state = 1),"
        " (SELECT count(*) FROM items WHERE body_state = 2),"
        " (SELECT count(*) FROM items WHERE body_state = 3),"
        " (SELECT min(coalesce(published, updated, first_seen)) FROM items),"
        " (SELECT max(coalesce(published, updated, first_seen)) FROM items),"
        " (SELECT count(*) FROM runs),"
        " (SELECT max(started) FROM runs),"
        " (SELECT finished FROM runs ORDER BY id DESC LIMIT 1),"
        " (SELECT page_count * page_size FROM pragma_page_count,"
        "   pragma_page_size)",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        int64_t *dst[] = {
            &o->feeds, &o->feeds_disabled, &o->items, &o->stories,
            &o->tagged_items, &o->tag_rows, &o->distinct_tags,
            &o->marked_relevant, &o->marked_irrelevant, &o->versions,
            &o->body_none, &o->body_pending, &o->body_ok, &o->body_failed,
        };
        for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
            *dst[i] = sqlite3_column_int64(stmt, (int)i);
        o->oldest = store_col_time(stmt, 14);
        o->newest = store_col_time(stmt, 15);
        o->runs = sqlite3_column_int64(stmt, 16);
        o->last_run_started = store_col_time(stmt, 17);
        o->last_run_finished = store_col_time(stmt, 18);
        o->db_bytes = sqlite3_column_int64(stmt, 19);
    }
    return step_end(st, stmt, src, "reading statistics", err);
}

/* ---- pruning --------------------------------------------------------- */

fs_code store_prune(struct store *st, const struct store_prune_opts *o,
                    int64_t *deleted, fs_error *err)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt;
    *deleted = 0;
    strbuf_addstr(&sql, "DELETE FROM items WHERE id IN (SELECT id FROM items"
                        " WHERE coalesce(published, updated, first_seen) < ?1"
                        " AND first_seen < ?1");
    if (o->keep_tagged)
        strbuf_addstr(&sql, " AND id NOT IN (SELECT item_id FROM item_tags)");
    if (o->keep_marked)
        strbuf_addstr(&sql, " AND id NOT IN (SELECT item_id FROM marks)");
    strbuf_addf(&sql, " LIMIT %d)", PRUNE_BATCH);
    int src = sqlite3_prepare_v2(st->db, sql.buf, (int)sql.len, &stmt, NULL);
    strbuf_release(&sql);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "pruning", err);
    fs_code rc = FS_OK;
    for (;;) {
        rc = store_begin(st, err);
        if (rc != FS_OK)
            break;
        sqlite3_bind_int64(stmt, 1, o->cutoff);
        rc = store_step_done(st, stmt, "pruning", err);
        int n = rc == FS_OK ? sqlite3_changes(st->db) : 0;
        if (rc == FS_OK)
            rc = store_commit(st, err);
        if (rc != FS_OK) {
            store_rollback(st);
            break;
        }
        *deleted += n;
        if (n < PRUNE_BATCH)
            break;
    }
    sqlite3_finalize(stmt);
    if (rc == FS_OK && o->vacuum)
        rc = store_exec(st, "INSERT INTO items_fts (items_fts)"
                            " VALUES ('optimize'); VACUUM",
                        "vacuuming", err);
    return rc;
}
