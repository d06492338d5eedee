/*
 * alerts.c — the alert outbox and the watched tags.
 *
 * An alert is one story that carries watched tags.  It is written in the
 * crawler's transaction that stores the item's tags, and delivered after
 * commit by the CLI, which records each attempt here; so a crash between
 * commit and delivery only delays the alert to the next run.
 *
 * Invariants:
 *  - One alert per story.  alert_keys maps every identity of a story to
 *    its alert: "item:ID", "url:" + normalised canonical URL and link,
 *    "title:" + normalised title (four words or more, so that "Markets"
 *    never merges two stories).  Enqueueing looks all of them up first;
 *    an item whose any identity is known joins that alert as a source and
 *    adds its other identities, so the next syndicated copy matches too.
 *  - The idempotency key is derived from the story's strongest identity
 *    (canonical URL, else link, else title, else item) when the alert is
 *    created, and never changes: receivers drop repeats by it.
 *  - Status moves pending -> sent, pending -> failed -> ... -> sent, or
 *    any -> acked; a retry puts failed (or sent) back to pending.
 */
#include "store_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- watched tags ------------------------------------------------------ */

fs_code store_watch_add(struct store *st, const char *tag, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_WATCH_ADD,
                            "INSERT OR IGNORE INTO watched_tags (tag, created)"
                            " VALUES (?1, ?2)",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, tag);
    sqlite3_bind_int64(stmt, 2, fs_time_now());
    return store_step_done(st, stmt, "watching a tag", err);
}

fs_code store_watch_remove(struct store *st, const char *tag, int *removed,
                           fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_WATCH_REMOVE,
                            "DELETE FROM watched_tags WHERE tag = ?1", &stmt,
                            err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, tag);
    rc = store_step_done(st, stmt, "unwatching a tag", err);
    *removed = rc == FS_OK && sqlite3_changes(st->db) > 0;
    return rc;
}

fs_code store_watched_tags(struct store *st, char ***tags, size_t *n,
                           fs_error *err)
{
    sqlite3_stmt *stmt;
    size_t alloc = 0;
    *tags = NULL;
    *n = 0;
    fs_code rc = store_stmt(st, STMT_WATCH_LIST,
                            "SELECT tag FROM watched_tags ORDER BY tag", &stmt,
                            err);
    if (rc != FS_OK)
        return rc;
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(*tags, *n + 1, alloc);
        (*tags)[(*n)++] = fs_strdup(store_col_text(stmt, 0));
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "listing watched tags", err);
    store_stmt_done(stmt);
    return rc;
}

/* ---- story identities ------------------------------------------------ */

/* A URL as a story identity: "url:" and its dedup key (store_url_key():
 * the same normalisation that groups the story's items). */
static void url_identity(struct strbuf *out, const char *url)
{
    struct strbuf key = STRBUF_INIT;
    store_url_key(url, &key);
    strbuf_addstr(out, "url:");
    strbuf_add(out, key.buf, key.len);
    strbuf_release(&key);
}

/* A title as a story identity: lower-case letters and digits, one space
 * between words, a trailing " - Source" / " | Source" of at most three
 * words dropped (syndicated copies add their masthead).  Empty when fewer
 * than four words remain: short titles are not distinctive. */
static void title_identity(struct strbuf *out, const char *title)
{
    const char *end = title + strlen(title);
    const char *cut = NULL;
    for (const char *p = title; *p; p++)
        if ((!strncmp(p, " - ", 3) || !strncmp(p, " | ", 3) ||
             !strncmp(p, " \xe2\x80\x94 ", 5) ||
             !strncmp(p, " \xe2\x80\x93 ", 5)))
            cut = p;
    if (cut) {
        int words = 0, inword = 0;
        for (const char *p = cut + 3; *p; p++) {
            int w = isalnum((unsigned char)*p) || (*p & 0x80);
            words += w && !inword;
            inword = w;
        }
        if (words <= 3)
            end = cut;
    }
    size_t start = out->len;
    strbuf_addstr(out, "title:");
    int words = 0, inword = 0;
    for (const char *p = title; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        int w = isalnum(ch) || (ch & 0x80);
        if (w && !inword && words++)
            strbuf_addch(out, ' ');
        if (w)
            strbuf_addch(out, (char)tolower(ch));
        inword = w;
    }
    if (words < 4)
        strbuf_setlen(out, start);
}

struct story {
    char *keys[6];
    size_t n_keys;
    int64_t item_id;
};

struct item_ids {
    char *link;
    char *canonical_url;
    char *title;
    int64_t story_id;          /* the store's story cluster, 0 if none */
};

static void copy_item_ids(const struct store_item *it, void *ud)
{
    struct item_ids *ids = ud;
    ids->link = fs_strdup(it->link);
    ids->canonical_url = fs_strdup(it->canonical_url);
    ids->title = fs_strdup(it->title);
}

static fs_code item_ids_get(struct store *st, int64_t item_id,
                            struct item_ids *ids, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_ALERT_ITEM,
                            "SELECT link, canonical_url, title,"
                            " (SELECT story_id FROM item_story"
                            "  WHERE item_id = items.id)"
                            " FROM items WHERE id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        struct store_item it = {.link = store_col_text(stmt, 0),
                                .canonical_url = store_col_text(stmt, 1),
                                .title = store_col_text(stmt, 2)};
        copy_item_ids(&it, ids);
        ids->story_id = sqlite3_column_int64(stmt, 3);
    } else if (src == SQLITE_DONE) {
        rc = fs_error_set(err, FS_EINVAL, "%s: no item with id %lld",
                          st->path, (long long)item_id);
    } else {
        rc = store_sql_error(st, src, "reading an item", err);
    }
    store_stmt_done(stmt);
    return rc;
}

/* Every identity of the item, strongest first. */
static fs_code story_keys(struct store *st, int64_t item_id, struct story *s,
                          fs_error *err)
{
    struct item_ids ids = {0};
    fs_code rc = item_ids_get(st, item_id, &ids, err);
    if (rc != FS_OK)
        return rc;
    struct strbuf sb = STRBUF_INIT;
    s->item_id = item_id;
    if (ids.canonical_url && *ids.canonical_url) {
        url_identity(&sb, ids.canonical_url);
        s->keys[s->n_keys++] = strbuf_detach(&sb, NULL);
    }
    if (ids.link && *ids.link) {
        url_identity(&sb, ids.link);
        if (!s->n_keys || strcmp(s->keys[0], sb.buf))
            s->keys[s->n_keys++] = strbuf_detach(&sb, NULL);
        strbuf_reset(&sb);
    }
    if (ids.title) {
        title_identity(&sb, ids.title);
        if (sb.len)
            s->keys[s->n_keys++] = strbuf_detach(&sb, NULL);
    }
    /* The store's cluster catches near-identical copies under other URLs
     * and titles; its id is local, so it never leads (idempotency key). */
    if (ids.story_id)
        s->keys[s->n_keys++] = fs_asprintf("story:%lld",
                                           (long long)ids.story_id);
    s->keys[s->n_keys++] = fs_asprintf("item:%lld", (long long)item_id);
    strbuf_release(&sb);
    free(ids.link);
    free(ids.canonical_url);
    free(ids.title);
    return FS_OK;
}

static void story_release(struct story *s)
{
    for (size_t i = 0; i < s->n_keys; i++)
        free(s->keys[i]);
}

/* FNV-1a 64 of the strongest identity: the same story gets the same key
 * in any database, so a receiver fed by two feedsift installations can
 * still drop repeats. */
static char *idempotency_key(const struct story *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (const char *p = s->keys[0]; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return fs_asprintf("feedsift-%016llx", (unsigned long long)h);
}

static fs_code key_lookup(struct store *st, const char *key, int64_t *alert,
                          fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_ALERT_KEY_FIND,
                            "SELECT alert_id FROM alert_keys WHERE key = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, key);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *alert = sqlite3_column_int64(stmt, 0);
    else if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "looking up a story", err);
    store_stmt_done(stmt);
    return rc;
}

static fs_code attach(struct store *st, int64_t alert, const struct story *s,
                      fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = FS_OK;
    for (size_t i = 0; rc == FS_OK && i < s->n_keys; i++) {
        rc = store_stmt(st, STMT_ALERT_KEY_ADD,
                        "INSERT OR IGNORE INTO alert_keys (key, alert_id)"
                        " VALUES (?1, ?2)",
                        &stmt, err);
        if (rc != FS_OK)
            break;
        store_bind_text(stmt, 1, s->keys[i]);
        sqlite3_bind_int64(stmt, 2, alert);
        rc = store_step_done(st, stmt, "recording a story identity", err);
    }
    if (rc == FS_OK)
        rc = store_stmt(st, STMT_ALERT_SOURCE_ADD,
                        "INSERT OR IGNORE INTO alert_sources (alert_id,"
                        " item_id) VALUES (?1, ?2)",
                        &stmt, err);
    if (rc == FS_OK) {
        sqlite3_bind_int64(stmt, 1, alert);
        sqlite3_bind_int64(stmt, 2, s->item_id);
        rc = store_step_done(st, stmt, "recording a story source", err);
    }
    return rc;
}

static fs_code alert_insert(struct store *st, const struct story *s,
                            const char *const *tags, size_t n_tags,
                            int64_t now, int64_t *alert, fs_error *err)
{
    struct strbuf joined = STRBUF_INIT;
    for (size_t i = 0; i < n_tags; i++) {
        if (i)
            strbuf_addch(&joined, ' ');
        strbuf_addstr(&joined, tags[i]);
    }
    char *key = idempotency_key(s);
    sqlite3_stmt *stmt;
    /* Two stories can share a strongest identity only if one of them
     * was created before the identity was known (e.g. its canonical URL
     * came later); then the suffix keeps the key unique. */
    fs_code rc = store_stmt(st, STMT_ALERT_INSERT,
                            "INSERT INTO alerts (item_id, tags,"
                            " idempotency_key, created, next_attempt)"
                            " VALUES (?1, ?2, ?3 || CASE WHEN EXISTS"
                            " (SELECT 1 FROM alerts WHERE idempotency_key ="
                            " ?3) THEN '-' || ?1 ELSE '' END, ?4, ?4)",
                            &stmt, err);
    if (rc == FS_OK) {
        sqlite3_bind_int64(stmt, 1, s->item_id);
        store_bind_text(stmt, 2, joined.buf);
        store_bind_text(stmt, 3, key);
        sqlite3_bind_int64(stmt, 4, now);
        rc = store_step_done(st, stmt, "creating an alert", err);
    }
    if (rc == FS_OK)
        *alert = sqlite3_last_insert_rowid(st->db);
    free(key);
    strbuf_release(&joined);
    return rc;
}

fs_code store_alert_enqueue(struct store *st, int64_t item_id,
                            const char *const *tags, size_t n_tags,
                            int64_t now, int *created, fs_error *err)
{
    struct story s = {0};
    int own = 0;
    int64_t alert = 0;
    *created = 0;
    if (n_tags == 0)
        return FS_OK;
    fs_code rc = story_keys(st, item_id, &s, err);
    if (rc == FS_OK)
        rc = store_atomic_begin(st, &own, err);
    else
        return rc;
    for (size_t i = 0; rc == FS_OK && !alert && i < s.n_keys; i++)
        rc = key_lookup(st, s.keys[i], &alert, err);
    if (rc == FS_OK && !alert) {
        rc = alert_insert(st, &s, tags, n_tags, now, &alert, err);
        *created = rc == FS_OK;
    }
    if (rc == FS_OK)
        rc = attach(st, alert, &s, err);
    rc = store_atomic_end(st, own, rc, err);
    if (rc != FS_OK)
        *created = 0;
    story_release(&s);
    return rc;
}

/* ---- reading alerts -------------------------------------------------- */

static const char *const status_names[] = {"pending", "sent", "failed",
                                           "acked"};

const char *store_alert_status_name(enum store_alert_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "unknown";
}

fs_code store_alert_status_parse(const char *name,
                                 enum store_alert_status *out)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, status_names[i])) {
            *out = (enum store_alert_status)i;
            return FS_OK;
        }
    return FS_EINVAL;
}

/* An alert with owned copies of everything, for store_alerts_each. */
struct alert_row {
    struct store_alert a;
    struct store_alert_evidence *ev;
    size_t n_ev, alloc_ev;
    struct store_alert_source *src;
    size_t n_src, alloc_src;
};

static void alert_row_free(struct alert_row *r)
{
    free((char *)r->a.idempotency_key);
    free((char *)r->a.tags);
    free((char *)r->a.last_error);
    free((char *)r->a.title);
    free((char *)r->a.link);
    free((char *)r->a.canonical_url);
    free((char *)r->a.feed);
    for (size_t i = 0; i < r->n_ev; i++) {
        free((char *)r->ev[i].tag);
        free((char *)r->ev[i].rule_id);
        free((char *)r->ev[i].field);
        free((char *)r->ev[i].matched);
    }
    free(r->ev);
    for (size_t i = 0; i < r->n_src; i++) {
        free((char *)r->src[i].feed);
        free((char *)r->src[i].title);
        free((char *)r->src[i].link);
    }
    free(r->src);
}

#define FEED_DISPLAY "coalesce(f.name, f.title, f.url)"

/* Does tag fall under one of the space-separated watched tags? */
static int tag_in(const char *tag, const char *tags)
{
    size_t tl = strlen(tag);
    for (const char *p = tags; *p;) {
        size_t n = strcspn(p, " ");
        if (tl >= n && !strncmp(tag, p, n) && (tl == n || tag[n] == '/'))
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

static fs_code alert_details(struct store *st, struct alert_row *r,
                             fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_ALERT_EVIDENCE,
                            "SELECT tag, rule_id, field, matched FROM"
                            " item_tags WHERE item_id = ?1"
                            " ORDER BY tag, rule_id",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, r->a.item_id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *tag = store_col_text(stmt, 0);
        if (!tag || !tag_in(tag, r->a.tags))
            continue;
        FS_GROW(r->ev, r->n_ev + 1, r->alloc_ev);
        struct store_alert_evidence *e = &r->ev[r->n_ev++];
        e->tag = fs_strdup(tag);
        e->rule_id = fs_strdup(store_col_text(stmt, 1));
        e->field = fs_strdup(store_col_text(stmt, 2));
        e->matched = fs_strdup(store_col_text(stmt, 3));
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading alert evidence", err);
    store_stmt_done(stmt);
    if (rc != FS_OK)
        return rc;

    rc = store_stmt(st, STMT_ALERT_SOURCES,
                    "SELECT i.id, " FEED_DISPLAY ", i.title, i.link FROM"
                    " alert_sources s JOIN items i ON i.id = s.item_id"
                    " JOIN feeds f ON f.id = i.feed_id"
                    " WHERE s.alert_id = ?1 ORDER BY i.first_seen, i.id",
                    &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, r->a.id);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(r->src, r->n_src + 1, r->alloc_src);
        struct store_alert_source *s = &r->src[r->n_src++];
        s->item_id = sqlite3_column_int64(stmt, 0);
        s->feed = fs_strdup(store_col_text(stmt, 1));
        s->title = fs_strdup(store_col_text(stmt, 2));
        s->link = fs_strdup(store_col_text(stmt, 3));
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading alert sources", err);
    store_stmt_done(stmt);
    return rc;
}

fs_code store_alerts_each(struct store *st, const struct store_alert_query *q,
                          int (*cb)(const struct store_alert *, void *),
                          void *ud, fs_error *err)
{
    sqlite3_stmt *stmt;
    struct alert_row *rows = NULL;
    size_t n = 0, alloc = 0;
    fs_code rc = store_stmt(
        st, STMT_ALERTS_LIST,
        "SELECT a.id, a.idempotency_key, a.tags, a.status, a.attempts,"
        " a.created, a.next_attempt, a.sent, a.last_error, a.item_id,"
        " i.title, i.link, i.canonical_url, " FEED_DISPLAY ","
        " coalesce(i.published, i.updated, i.first_seen)"
        " FROM alerts a LEFT JOIN items i ON i.id = a.item_id"
        " LEFT JOIN feeds f ON f.id = i.feed_id"
        " WHERE (?1 = 0 OR (a.status IN ('pending', 'failed')"
        "        AND a.next_attempt <= ?2))"
        " AND (?3 IS NULL OR a.status = ?3)"
        " AND (?4 IS NULL OR a.created >= ?4)"
        " AND (?5 = 0 OR a.id = ?5)"
        " ORDER BY a.created, a.id LIMIT ?6",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int(stmt, 1, q->due_only);
    sqlite3_bind_int64(stmt, 2, q->now);
    if (q->status >= 0)
        store_bind_text(stmt, 3,
                        store_alert_status_name((enum store_alert_status)
                                                    q->status));
    store_bind_time(stmt, 4, q->since);
    sqlite3_bind_int64(stmt, 5, q->id);
    sqlite3_bind_int64(stmt, 6, q->limit ? (int64_t)q->limit : -1);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(rows, n + 1, alloc);
        struct alert_row *r = &rows[n++];
        memset(r, 0, sizeof(*r));
        struct store_alert *a = &r->a;
        a->id = sqlite3_column_int64(stmt, 0);
        a->idempotency_key = fs_strdup(store_col_text(stmt, 1));
        a->tags = fs_strdup(store_col_text(stmt, 2));
        enum store_alert_status s = STORE_ALERT_PENDING;
        const char *sname = store_col_text(stmt, 3);
        if (sname)
            store_alert_status_parse(sname, &s);
        a->status = s;
        a->attempts = sqlite3_column_int(stmt, 4);
        a->created = store_col_time(stmt, 5);
        a->next_attempt = store_col_time(stmt, 6);
        a->sent = store_col_time(stmt, 7);
        a->last_error = fs_strdup(store_col_text(stmt, 8));
        a->item_id = sqlite3_column_type(stmt, 9) == SQLITE_NULL
                         ? 0
                         : sqlite3_column_int64(stmt, 9);
        a->title = fs_strdup(store_col_text(stmt, 10));
        a->link = fs_strdup(store_col_text(stmt, 11));
        a->canonical_url = fs_strdup(store_col_text(stmt, 12));
        a->feed = fs_strdup(store_col_text(stmt, 13));
        a->published = store_col_time(stmt, 14);
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "listing alerts", err);
    store_stmt_done(stmt);
    for (size_t i = 0; rc == FS_OK && i < n; i++)
        rc = alert_details(st, &rows[i], err);
    for (size_t i = 0; rc == FS_OK && i < n; i++) {
        struct alert_row *r = &rows[i];
        r->a.evidence = r->ev;
        r->a.n_evidence = r->n_ev;
        r->a.sources = r->src;
        r->a.n_sources = r->n_src;
        if (cb(&r->a, ud))
            break;
    }
    for (size_t i = 0; i < n; i++)
        alert_row_free(&rows[i]);
    free(rows);
    return rc;
}

/* ---- delivery outcomes ------------------------------------------------ */

/* Run one of the UPDATEs below with ?1 id, ?2 error, ?3 time; a
 * statement without ?2 or ?3 ignores them (binding an absent parameter
 * is a harmless SQLITE_RANGE). */
static fs_code alert_update(struct store *st, enum store_stmt_id slot,
                            const char *sql, int64_t id, const char *error,
                            int64_t when, const char *what, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, slot, sql, &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    store_bind_text(stmt, 2, error);
    store_bind_time(stmt, 3, when);
    rc = store_step_done(st, stmt, what, err);
    if (rc == FS_OK && sqlite3_changes(st->db) == 0)
        rc = fs_error_set(err, FS_EINVAL, "%s: no alert with id %lld",
                          st->path, (long long)id);
    return rc;
}

fs_code store_alert_record_attempt(struct store *st, int64_t id, int ok,
                                   const char *error, int64_t next_attempt,
                                   fs_error *err)
{
    int64_t now = fs_time_now();
    if (ok)
        return alert_update(st, STMT_ALERT_SENT,
                            "UPDATE alerts SET status = 'sent', attempts ="
                            " attempts + 1, sent = ?3, last_error = ?2"
                            " WHERE id = ?1",
                            id, NULL, now, "recording a delivery", err);
    /* next_attempt NULL would break the NOT NULL column: "never" is the
     * largest time instead. */
    return alert_update(st, STMT_ALERT_FAILED,
                        "UPDATE alerts SET status = 'failed', attempts ="
                        " attempts + 1, last_error = ?2, next_attempt ="
                        " coalesce(?3, 9223372036854775807) WHERE id = ?1",
                        id, error, next_attempt, "recording a failed delivery",
                        err);
}

fs_code store_alert_ack(struct store *st, int64_t id, fs_error *err)
{
    return alert_update(st, STMT_ALERT_ACK,
                        "UPDATE alerts SET status = 'acked' WHERE id = ?1",
                        id, NULL, FS_TIME_NONE, "acknowledging an alert",
                        err);
}

fs_code store_alert_retry(struct store *st, int64_t id, fs_error *err)
{
    return alert_update(st, STMT_ALERT_RETRY,
                        "UPDATE alerts SET status = 'pending',"
                        " next_attempt = ?3 WHERE id = ?1",
                        id, NULL, fs_time_now(), "retrying an alert", err);
}
