/*
 * items.c — the writes: feeds and their check results, items and their
 * article bodies, tags with evidence, crawl runs.
 *
 * Invariants:
 *  - Re-storing an item whose feed-provided fields are unchanged writes
 *    nothing: the fields are hashed (content_hash) and compared first, so a
 *    crawl of an unchanged feed leaves the database file alone.
 *  - Updating an item from its feed never touches what came from its
 *    article page (body, canonical_url, body_state once set).
 *  - Replacing tags keeps the rows (and their `created` time) of
 *    (tag, rule) pairs that are still there; only evidence is refreshed.
 *  - Each function is atomic on its own in autocommit mode; inside
 *    store_begin() the caller rolls back the whole transaction on error.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static int64_t time_or_now(int64_t t)
{
    return t == FS_TIME_NONE ? fs_time_now() : t;
}

/* "no row changed" means the id named no row. */
static fs_code expect_changed(struct store *st, const char *what, int64_t id,
                              fs_error *err)
{
    if (sqlite3_changes(st->db) > 0)
        return FS_OK;
    return fs_error_set(err, FS_EINVAL, "%s: no %s with id %lld", st->path,
                        what, (long long)id);
}

/* ---- feeds ----------------------------------------------------------- */

fs_code store_feed_ensure(struct store *st, const char *url, const char *name,
                          int64_t *feed_id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc;
    if (!url || !*url)
        return fs_error_set(err, FS_EINVAL, "%s: feed without a URL",
                            st->path);

    /* The URL itself first, then the URLs the feed had before a
     * permanent redirect. */
    rc = store_stmt(st, STMT_FEED_FIND,
                    "SELECT id, name FROM feeds WHERE url = ?1"
                    " UNION ALL SELECT f.id, f.name FROM feed_aliases a"
                    " JOIN feeds f ON f.id = a.feed_id WHERE a.url = ?1"
                    " LIMIT 1",
                    &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, url);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        const char *old = store_col_text(stmt, 1);
        int rename = name && (!old || strcmp(old, name) != 0);
        *feed_id = sqlite3_column_int64(stmt, 0);
        store_stmt_done(stmt);
        if (!rename)
            return FS_OK;
        rc = store_stmt(st, STMT_FEED_SET_NAME,
                        "UPDATE feeds SET name = ?2 WHERE id = ?1", &stmt, err);
        if (rc != FS_OK)
            return rc;
        sqlite3_bind_int64(stmt, 1, *feed_id);
        store_bind_text(stmt, 2, name);
        return store_step_done(st, stmt, "renaming a feed", err);
    }
    if (src != SQLITE_DONE) {
        rc = store_sql_error(st, src, "looking up a feed", err);
        store_stmt_done(stmt);
        return rc;
    }
    store_stmt_done(stmt);

    rc = store_stmt(st, STMT_FEED_INSERT,
                    "INSERT INTO feeds (url, name, created) VALUES (?1, ?2, ?3)",
                    &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, url);
    store_bind_text(stmt, 2, name);
    sqlite3_bind_int64(stmt, 3, fs_time_now());
    rc = store_step_done(st, stmt, "adding a feed", err);
    if (rc == FS_OK)
        *feed_id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* Columns every check writes, whatever its outcome: ?2 checked_at,
 * ?6 last_status, ?7 next_due, ?8 poll_interval (NULL keeps), ?9 disable. */
#define CHECK_SET_COMMON                                                    \
    " last_checked = ?2, last_status = ?6, next_due = ?7,"                  \
    " poll_interval = coalesce(?8, poll_interval),"                         \
    " disabled = disabled OR ?9"

fs_code store_feed_record_check(struct store *st, int64_t feed_id,
                                const struct store_feed_check *chk,
                                fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc;
    if (chk->ok && chk->not_modified) {
        /* 304: the validators and title we have are still right. */
        rc = store_stmt(st, STMT_FEED_CHECK_NOT_MODIFIED,
                        "UPDATE feeds SET" CHECK_SET_COMMON ","
                        " last_success = ?2, consecutive_errors = 0,"
                        " last_error = NULL WHERE id = ?1",
                        &stmt, err);
    } else if (chk->ok) {
        rc = store_stmt(st, STMT_FEED_CHECK_OK,
                        "UPDATE feeds SET" CHECK_SET_COMMON ","
                        " last_success = ?2, consecutive_errors = 0,"
                        " last_error = NULL, etag = coalesce(?3, etag),"
                        " last_modified = coalesce(?4, last_modified),"
                        " title = coalesce(?5, title) WHERE id = ?1",
                        &stmt, err);
        if (rc == FS_OK) {
            store_bind_text(stmt, 3, chk->etag);
            store_bind_text(stmt, 4, chk->last_modified);
            store_bind_text(stmt, 5, chk->title);
        }
    } else {
        rc = store_stmt(st, STMT_FEED_CHECK_FAILED,
                        "UPDATE feeds SET" CHECK_SET_COMMON ","
                        " consecutive_errors = consecutive_errors + 1,"
                        " last_error = ?3 WHERE id = ?1",
                        &stmt, err);
        if (rc == FS_OK)
            store_bind_text(stmt, 3, chk->error ? chk->error : "unknown error");
    }
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, feed_id);
    sqlite3_bind_int64(stmt, 2, time_or_now(chk->checked_at));
    if (chk->http_status > 0)
        sqlite3_bind_int64(stmt, 6, chk->http_status);
    if (chk->next_due != FS_TIME_NONE)
        sqlite3_bind_int64(stmt, 7, chk->next_due);
    if (chk->poll_interval > 0)
        sqlite3_bind_int64(stmt, 8, chk->poll_interval);
    sqlite3_bind_int(stmt, 9, chk->disable ? 1 : 0);
    rc = store_step_done(st, stmt, "recording a feed check", err);
    return rc == FS_OK ? expect_changed(st, "feed", feed_id, err) : rc;
}

fs_code store_feed_find(struct store *st, const char *url_or_name,
                        int64_t *feed_id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_FEED_FIND_ANY,
                            "SELECT id FROM feeds WHERE url = ?1"
                            " UNION ALL SELECT feed_id FROM feed_aliases"
                            " WHERE url = ?1"
                            " UNION ALL SELECT id FROM feeds WHERE name = ?1"
                            " LIMIT 1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, url_or_name);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *feed_id = sqlite3_column_int64(stmt, 0);
    else if (src == SQLITE_DONE)
        rc = fs_error_set(err, FS_EINVAL, "%s: no feed with URL or name '%s'",
                          st->path, url_or_name);
    else
        rc = store_sql_error(st, src, "looking up a feed", err);
    store_stmt_done(stmt);
    return rc;
}

fs_code store_feed_move(struct store *st, int64_t feed_id, const char *new_url,
                        int *moved, fs_error *err)
{
    sqlite3_stmt *stmt;
    int64_t other = -1;
    fs_error ignore = {0};
    *moved = 0;
    if (store_feed_find(st, new_url, &other, &ignore) == FS_OK)
        return FS_OK; /* already ours (same feed) or another feed's */

    /* Keep the old URL as an alias first: feed lists still name it. */
    fs_code rc = store_stmt(st, STMT_FEED_ALIAS_ADD,
                            "INSERT OR IGNORE INTO feed_aliases"
                            " (url, feed_id, created)"
                            " SELECT url, id, ?2 FROM feeds WHERE id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, feed_id);
    sqlite3_bind_int64(stmt, 2, fs_time_now());
    rc = store_step_done(st, stmt, "keeping a feed's old URL", err);
    if (rc != FS_OK)
        return rc;
    rc = store_stmt(st, STMT_FEED_SET_URL,
                    "UPDATE feeds SET url = ?2 WHERE id = ?1", &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, feed_id);
    store_bind_text(stmt, 2, new_url);
    rc = store_step_done(st, stmt, "moving a feed to its new URL", err);
    if (rc == FS_OK)
        rc = expect_changed(st, "feed", feed_id, err);
    if (rc == FS_OK)
        *moved = 1;
    return rc;
}

fs_code store_feed_set_disabled(struct store *st, int64_t feed_id,
                                int disabled, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_FEED_SET_DISABLED,
                            "UPDATE feeds SET disabled = ?2,"
                            " next_due = CASE WHEN ?2 THEN next_due END,"
                            " consecutive_errors = CASE WHEN ?2"
                            "  THEN consecutive_errors ELSE 0 END"
                            " WHERE id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, feed_id);
    sqlite3_bind_int(stmt, 2, disabled ? 1 : 0);
    rc = store_step_done(st, stmt, "enabling or disabling a feed", err);
    return rc == FS_OK ? expect_changed(st, "feed", feed_id, err) : rc;
}

/* ---- items ----------------------------------------------------------- */

/* FNV-1a, 64 bit.  Each field is framed (presence byte, then its bytes and
 * a terminator) so that moving text between fields changes the hash. */
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint64_t hash_text(uint64_t h, const char *s)
{
    unsigned char tag = s ? 1 : 0;
    h = hash_bytes(h, &tag, 1);
    if (s)
        h = hash_bytes(h, s, strlen(s) + 1);
    return h;
}

static uint64_t hash_time(uint64_t h, int64_t t)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)t >> (8 * i));
    return hash_bytes(h, b, sizeof(b));
}

/* The fields a feed provides and an update may change. */
static int64_t item_content_hash(const struct store_item *it)
{
    uint64_t h = FNV_OFFSET;
    h = hash_text(h, it->title);
    h = hash_text(h, it->link);
    h = hash_text(h, it->summary);
    h = hash_text(h, it->author);
    h = hash_time(h, it->published);
    h = hash_time(h, it->updated);
    return (int64_t)h;
}

static fs_code item_insert(struct store *st, const struct store_item *it,
                           int64_t hash, int64_t *item_id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(
        st, STMT_ITEM_INSERT,
        "INSERT INTO items (feed_id, guid, title, link, canonical_url,"
        " author, summary, body, body_state, body_error, published, updated,"
        " first_seen, changed, content_hash)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15)",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    int64_t now = fs_time_now();
    sqlite3_bind_int64(stmt, 1, it->feed_id);
    store_bind_text(stmt, 2, it->guid);
    store_bind_text(stmt, 3, it->title);
    store_bind_text(stmt, 4, it->link);
    store_bind_text(stmt, 5, it->canonical_url);
    store_bind_text(stmt, 6, it->author);
    store_bind_text(stmt, 7, it->summary);
    store_bind_text(stmt, 8, it->body);
    sqlite3_bind_int(stmt, 9, (int)it->body_state);
    store_bind_text(stmt, 10, it->body_error);
    store_bind_time(stmt, 11, it->published);
    store_bind_time(stmt, 12, it->updated);
    sqlite3_bind_int64(stmt, 13,
                       it->first_seen == FS_TIME_NONE ? now : it->first_seen);
    sqlite3_bind_int64(stmt, 14, now);
    sqlite3_bind_int64(stmt, 15, hash);
    rc = store_step_done(st, stmt, "adding an item", err);
    if (rc != FS_OK)
        return rc;
    *item_id = sqlite3_last_insert_rowid(st->db);
    st->fresh_item = *item_id;
    int64_t when = it->published != FS_TIME_NONE ? it->published
                   : it->updated != FS_TIME_NONE ? it->updated
                   : it->first_seen == FS_TIME_NONE ? now
                                                    : it->first_seen;
    return store_story_place_new(st, *item_id, it, when, err);
}

/* Keep the feed text an update is about to replace. */
static fs_code item_version_save(struct store *st, int64_t item_id,
                                 fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_ITEM_VERSION_SAVE,
                            "INSERT INTO item_versions (item_id, title, link,"
                            " author, summary, published, updated, replaced)"
                            " SELECT id, title, link, author, summary,"
                            " published, updated, ?2 FROM items"
                            " WHERE id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    sqlite3_bind_int64(stmt, 2, fs_time_now());
    return store_step_done(st, stmt, "keeping an item's previous version",
                           err);
}

static fs_code item_update(struct store *st, int64_t item_id,
                           const struct store_item *it, int64_t hash,
                           fs_error *err)
{
    sqlite3_stmt *stmt;
    /* An item that had no link (body NONE) may gain one: then its article
     * page becomes worth fetching.  Any other body state stays. */
    fs_code rc = store_stmt(
        st, STMT_ITEM_UPDATE,
        "UPDATE items SET title = ?2, link = ?3, author = ?4, summary = ?5,"
        " published = ?6, updated = ?7, content_hash = ?8, changed = ?9,"
        " body_state = CASE WHEN body_state = 0 THEN ?10 ELSE body_state END"
        " WHERE id = ?1",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    store_bind_text(stmt, 2, it->title);
    store_bind_text(stmt, 3, it->link);
    store_bind_text(stmt, 4, it->author);
    store_bind_text(stmt, 5, it->summary);
    store_bind_time(stmt, 6, it->published);
    store_bind_time(stmt, 7, it->updated);
    sqlite3_bind_int64(stmt, 8, hash);
    sqlite3_bind_int64(stmt, 9, fs_time_now());
    sqlite3_bind_int(stmt, 10, (int)it->body_state);
    rc = store_step_done(st, stmt, "updating an item", err);
    return rc == FS_OK ? store_story_replace(st, item_id, err) : rc;
}

fs_code store_item_upsert(struct store *st, const struct store_item *item,
                          int64_t *item_id, enum store_upsert_result *result,
                          fs_error *err)
{
    sqlite3_stmt *stmt;
    if (!item->guid)
        return fs_error_set(err, FS_EINVAL, "%s: item without a key",
                            st->path);
    int64_t hash = item_content_hash(item);
    fs_code rc = store_stmt(st, STMT_ITEM_FIND,
                            "SELECT id, content_hash FROM items"
                            " WHERE feed_id = ?1 AND guid = ?2",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item->feed_id);
    store_bind_text(stmt, 2, item->guid);
    int src = sqlite3_step(stmt);
    int own;
    if (src == SQLITE_DONE) {
        store_stmt_done(stmt);
        *result = STORE_ITEM_NEW;
        rc = store_atomic_begin(st, &own, err); /* item + its story */
        if (rc == FS_OK)
            rc = item_insert(st, item, hash, item_id, err);
        return store_atomic_end(st, own, rc, err);
    }
    if (src != SQLITE_ROW) {
        rc = store_sql_error(st, src, "looking up an item", err);
        store_stmt_done(stmt);
        return rc;
    }
    *item_id = sqlite3_column_int64(stmt, 0);
    int64_t old_hash = sqlite3_column_int64(stmt, 1);
    store_stmt_done(stmt);
    if (old_hash == hash) {
        *result = STORE_ITEM_UNCHANGED;
        return FS_OK;
    }
    *result = STORE_ITEM_UPDATED;
    rc = store_atomic_begin(st, &own, err);
    if (rc == FS_OK)
        rc = item_version_save(st, *item_id, err);
    if (rc == FS_OK)
        rc = item_update(st, *item_id, item, hash, err);
    return store_atomic_end(st, own, rc, err);
}

fs_code store_item_set_body(struct store *st, int64_t item_id,
                            enum store_body_state state, const char *body,
                            const char *canonical_url, const char *error,
                            fs_error *err)
{
    sqlite3_stmt *stmt;
    int own;
    fs_code rc = store_atomic_begin(st, &own, err); /* body + its story */
    if (rc != FS_OK)
        return rc;
    rc = store_stmt(st, STMT_ITEM_SET_BODY,
                    "UPDATE items SET body_state = ?2, body = ?3,"
                    " canonical_url = coalesce(?4, canonical_url),"
                    " body_error = ?5 WHERE id = ?1",
                    &stmt, err);
    if (rc == FS_OK) {
        sqlite3_bind_int64(stmt, 1, item_id);
        sqlite3_bind_int(stmt, 2, (int)state);
        store_bind_text(stmt, 3, body);
        store_bind_text(stmt, 4, canonical_url);
        store_bind_text(stmt, 5, error);
        rc = store_step_done(st, stmt, "storing an article body", err);
    }
    if (rc == FS_OK)
        rc = expect_changed(st, "item", item_id, err);
    if (rc == FS_OK)
        rc = store_story_replace(st, item_id, err);
    return store_atomic_end(st, own, rc, err);
}

/* ---- tags ------------------------------------------------------------ */

/* The (tag, rule) pairs an item has now. */
struct tag_pairs {
    char **tag, **rule;
    size_t n, alloc_tag, alloc_rule;
};

static void tag_pairs_free(struct tag_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->tag[i]);
        free(p->rule[i]);
    }
    free(p->tag);
    free(p->rule);
}

static const char *rule_of(const struct store_tag *t)
{
    return t->rule_id ? t->rule_id : "";
}

static fs_code tag_pairs_load(struct store *st, int64_t item_id,
                              struct tag_pairs *p, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_TAGS_OF_ITEM,
                            "SELECT tag, rule_id FROM item_tags"
                            " WHERE item_id = ?1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        FS_GROW(p->tag, p->n + 1, p->alloc_tag);
        FS_GROW(p->rule, p->n + 1, p->alloc_rule);
        p->tag[p->n] = fs_strdup(store_col_text(stmt, 0));
        p->rule[p->n] = fs_strdup(store_col_text(stmt, 1));
        p->n++;
    }
    if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading the tags of an item", err);
    store_stmt_done(stmt);
    return rc;
}

static int tag_pairs_has(const struct tag_pairs *p, const char *tag,
                         const char *rule)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->tag[i], tag) && !strcmp(p->rule[i], rule))
            return 1;
    return 0;
}

static int new_set_has(const struct store_tag *tags, size_t n,
                       const char *tag, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(tags[i].tag, tag) && !strcmp(rule_of(&tags[i]), rule))
            return 1;
    return 0;
}

static fs_code tag_delete(struct store *st, int64_t item_id, const char *tag,
                          const char *rule, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_TAG_DELETE,
                            "DELETE FROM item_tags WHERE item_id = ?1"
                            " AND tag = ?2 AND rule_id = ?3",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    store_bind_text(stmt, 2, tag);
    store_bind_text(stmt, 3, rule);
    return store_step_done(st, stmt, "removing a tag", err);
}

/* Insert or refresh one (tag, rule) row; *added += 1 when it is new. */
static fs_code tag_put(struct store *st, int64_t item_id,
                       const struct store_tag *t, const char *rules_version,
                       int exists, size_t *added, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc;
    if (exists)
        /* Write only when the evidence differs. */
        rc = store_stmt(st, STMT_TAG_UPDATE,
                        "UPDATE item_tags SET field = ?4, matched = ?5,"
                        " alert = ?6, rules_version = ?7"
                        " WHERE item_id = ?1 AND tag = ?2 AND rule_id = ?3"
                        " AND (field IS NOT ?4 OR matched IS NOT ?5"
                        " OR alert IS NOT ?6 OR rules_version IS NOT ?7)",
                        &stmt, err);
    else
        /* DO NOTHING: the new set may name a pair twice. */
        rc = store_stmt(st, STMT_TAG_INSERT,
                        "INSERT INTO item_tags (item_id, tag, rule_id, field,"
                        " matched, alert, rules_version, created)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                        " ON CONFLICT DO NOTHING",
                        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    store_bind_text(stmt, 2, t->tag);
    store_bind_text(stmt, 3, rule_of(t));
    store_bind_text(stmt, 4, t->field);
    store_bind_text(stmt, 5, t->matched);
    sqlite3_bind_int(stmt, 6, t->alert ? 1 : 0);
    store_bind_text(stmt, 7, rules_version);
    if (!exists)
        sqlite3_bind_int64(stmt, 8, fs_time_now());
    rc = store_step_done(st, stmt, "storing a tag", err);
    if (rc == FS_OK && !exists && sqlite3_changes(st->db) > 0)
        (*added)++;
    return rc;
}

fs_code store_item_set_tags(struct store *st, int64_t item_id,
                            const struct store_tag *tags, size_t n_tags,
                            const char *rules_version, size_t *added,
                            fs_error *err)
{
    struct tag_pairs old = {0};
    int own;
    *added = 0;
    for (size_t i = 0; i < n_tags; i++)
        if (!tags[i].tag || !*tags[i].tag)
            return fs_error_set(err, FS_EINVAL, "%s: empty tag for item %lld",
                                st->path, (long long)item_id);

    fs_code rc = store_atomic_begin(st, &own, err);
    if (rc != FS_OK)
        return rc;
    if (item_id == st->fresh_item)
        st->fresh_item = 0; /* just inserted: no old tags to read */
    else
        rc = tag_pairs_load(st, item_id, &old, err);
    for (size_t i = 0; rc == FS_OK && i < old.n; i++)
        if (!new_set_has(tags, n_tags, old.tag[i], old.rule[i]))
            rc = tag_delete(st, item_id, old.tag[i], old.rule[i], err);
    for (size_t i = 0; rc == FS_OK && i < n_tags; i++)
        rc = tag_put(st, item_id, &tags[i], rules_version,
                     tag_pairs_has(&old, tags[i].tag, rule_of(&tags[i])),
                     added, err);
    tag_pairs_free(&old);
    rc = store_atomic_end(st, own, rc, err);
    if (rc != FS_OK)
        *added = 0;
    return rc;
}

/* ---- crawl runs ------------------------------------------------------ */

fs_code store_run_begin(struct store *st, int64_t started_at, int64_t *run_id,
                        fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_RUN_BEGIN,
                            "INSERT INTO runs (started) VALUES (?1)", &stmt,
                            err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, time_or_now(started_at));
    rc = store_step_done(st, stmt, "recording a crawl run", err);
    if (rc == FS_OK)
        *run_id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

fs_code store_run_finish(struct store *st, int64_t run_id,
                         const struct store_run_stats *s, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(
        st, STMT_RUN_FINISH,
        "UPDATE runs SET finished = ?2, feeds_ok = ?3, feeds_failed = ?4,"
        " feeds_not_modified = ?5, items_new = ?6, items_updated = ?7,"
        " articles_ok = ?8, articles_failed = ?9, tags_added = ?10"
        " WHERE id = ?1",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, run_id);
    sqlite3_bind_int64(stmt, 2, time_or_now(s->finished_at));
    sqlite3_bind_int(stmt, 3, s->feeds_ok);
    sqlite3_bind_int(stmt, 4, s->feeds_failed);
    sqlite3_bind_int(stmt, 5, s->feeds_not_modified);
    sqlite3_bind_int(stmt, 6, s->items_new);
    sqlite3_bind_int(stmt, 7, s->items_updated);
    sqlite3_bind_int(stmt, 8, s->articles_ok);
    sqlite3_bind_int(stmt, 9, s->articles_failed);
    sqlite3_bind_int(stmt, 10, s->tags_added);
    rc = store_step_done(st, stmt, "finishing a crawl run", err);
    return rc == FS_OK ? expect_changed(st, "run", run_id, err) : rc;
}
