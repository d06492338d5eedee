/*
 * tags.c — what `feedsift reclassify` and `feedsift explain` need from
 * the store: the stored text of items (to run the rules again) and the
 * stored tags of one item with their evidence and rule-set version.
 * Writing tags stays in items.c (store_item_set_tags), the one place that
 * replaces an item's tags, so reclassify and the crawl write alike.
 *
 * Invariants: store_items_each_text() reads items in id order in batches
 * and finishes each SELECT before calling back, so the callback may write
 * (set tags) freely; every batch of callbacks runs inside one transaction
 * (fast: one commit per batch, not per item), committed even when the
 * callback stops early.  Strings handed to a callback live until it
 * returns; store_item_tags_get() results are owned by the caller.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_BATCH 256

struct text_row {
    struct store_item_text t;
    char *title, *summary, *body, *link, *feed;
};

static char *dup_col(sqlite3_stmt *stmt, int col)
{
    const char *s = store_col_text(stmt, col);
    return s ? fs_strdup(s) : NULL;
}

static void rows_free(struct text_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].title);
        free(rows[i].summary);
        free(rows[i].body);
        free(rows[i].link);
        free(rows[i].feed);
    }
}

fs_code store_items_each_text(struct store *st, int64_t since,
                              int (*cb)(const struct store_item_text *,
                                        void *),
                              void *ud, fs_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT i.id, i.title, i.summary, i.body, i.link,"
        " coalesce(f.name, f.title, f.url)"
        " FROM items i JOIN feeds f ON f.id = i.feed_id"
        " WHERE i.id > ?1 AND (?2 IS NULL OR"
        "  coalesce(i.published, i.updated, i.first_seen) >= ?2)"
        " ORDER BY i.id LIMIT ?3",
        -1, &stmt, NULL);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "reading items to reclassify", err);
    struct text_row rows[TEXT_BATCH];
    int64_t last = 0;
    fs_code rc = FS_OK;
    int stop = 0;
    while (rc == FS_OK && !stop) {
        size_t n = 0;
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, last);
        if (since == FS_TIME_NONE)
            sqlite3_bind_null(stmt, 2);
        else
            sqlite3_bind_int64(stmt, 2, since);
        sqlite3_bind_int(stmt, 3, TEXT_BATCH);
        while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
            struct text_row *r = &rows[n++];
            memset(r, 0, sizeof(*r));
            r->t.id = sqlite3_column_int64(stmt, 0);
            r->t.title = r->title = dup_col(stmt, 1);
            r->t.summary = r->summary = dup_col(stmt, 2);
            r->t.body = r->body = dup_col(stmt, 3);
            r->t.link = r->link = dup_col(stmt, 4);
            r->t.feed = r->feed = dup_col(stmt, 5);
            last = r->t.id;
        }
        if (src != SQLITE_DONE)
            rc = store_sql_error(st, src, "reading items to reclassify", err);
        sqlite3_reset(stmt); /* no read in progress while cb writes */
        if (rc == FS_OK && n) {
            int own;
            rc = store_atomic_begin(st, &own, err);
            for (size_t i = 0; rc == FS_OK && i < n && !stop; i++)
                stop = cb(&rows[i].t, ud);
            rc = store_atomic_end(st, own, rc, err);
        }
        rows_free(rows, n);
        if (n < TEXT_BATCH)
            break;
    }
    sqlite3_finalize(stmt);
    return rc;
}

fs_code store_item_text_get(struct store *st, int64_t item_id,
                            struct store_item_text *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *stmt = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT i.id, i.title, i.summary, i.body, i.link,"
        " coalesce(f.name, f.title, f.url)"
        " FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.id = ?1",
        -1, &stmt, NULL);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "reading an item", err);
    sqlite3_bind_int64(stmt, 1, item_id);
    fs_code rc = FS_OK;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        out->id = item_id;
        out->title = dup_col(stmt, 1);
        out->summary = dup_col(stmt, 2);
        out->body = dup_col(stmt, 3);
        out->link = dup_col(stmt, 4);
        out->feed = dup_col(stmt, 5);
    } else if (src == SQLITE_DONE) {
        rc = fs_error_set(err, FS_EINVAL, "%s: no item %lld", st->path,
                          (long long)item_id);
    } else {
        rc = store_sql_error(st, src, "reading an item", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

void store_item_text_release(struct store_item_text *t)
{
    free((char *)t->title);
    free((char *)t->summary);
    free((char *)t->body);
    free((char *)t->link);
    free((char *)t->feed);
    memset(t, 0, sizeof(*t));
}

fs_code store_item_tags_get(struct store *st, int64_t item_id,
                            struct store_tag_list *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *stmt = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT tag, rule_id, field, matched, alert, rules_version"
        " FROM item_tags WHERE item_id = ?1 ORDER BY tag, rule_id",
        -1, &stmt, NULL);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "reading the tags of an item", err);
    sqlite3_bind_int64(stmt, 1, item_id);
    size_t alloc = 0;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(out->tags, out->n + 1, alloc);
        FS_GROW(out->versions, out->n + 1, out->alloc_versions);
        struct store_tag *t = &out->tags[out->n];
        t->tag = dup_col(stmt, 0);
        t->rule_id = dup_col(stmt, 1);
        t->field = dup_col(stmt, 2);
        t->matched = dup_col(stmt, 3);
        t->alert = sqlite3_column_int(stmt, 4);
        out->versions[out->n] = dup_col(stmt, 5);
        out->n++;
    }
    fs_code rc = FS_OK;
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading the tags of an item", err);
    sqlite3_finalize(stmt);
    if (rc != FS_OK)
        store_tag_list_release(out);
    return rc;
}

void store_tag_list_release(struct store_tag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->tags[i].tag);
        free((char *)l->tags[i].rule_id);
        free((char *)l->tags[i].field);
        free((char *)l->tags[i].matched);
        free(l->versions[i]);
    }
    free(l->tags);
    free(l->versions);
    memset(l, 0, sizeof(*l));
}
