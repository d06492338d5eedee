/*
 * story_index.c — the near-duplicate bands of the weeks a connection
 * reads, held in memory.
 *
 * The near-duplicate lookup (story.c) wants, for each of an item's 4
 * signature bands in each of the 2 or 3 weeks of its window, the newest
 * STORY_BAND_CANDIDATES signed items of the window that share the band:
 * 12 ranges per new item.  Up to schema v6 these were ranges of a table
 * of band rows (item_simhash_bands, 4 rows per item), and writing that
 * table was as costly as writing the items (its rows land all over its
 * index).  Since v7 the bands exist only here: a week is read once, by
 * one scan of item_story's time index (item_story_by_time), each signed
 * item giving its 4 band rows, and every range is answered from memory.
 * A week not held (not asked often enough yet, or too big) is answered by
 * a scan of the window in that index (story.c), which gives the same
 * rows; after STORY_INDEX_LOAD_AFTER such lookups the week is read.
 *
 * Layout: per week, an open-addressing table from band to that band's
 * rows, which lie side by side in one pool per week (a block of a power
 * of two rows, moved to a block twice the size when full; freed blocks
 * are reused by size), sorted by (at, item_id) like the index, so a range
 * is a walk back from the end of one block: one cache miss for the table
 * and one for the rows, where rows chained through the pool in the order
 * they were added cost a miss each.  A row is 24 bytes; the benchmark's
 * 40,000 items (160,000 rows) take about 7 MB.
 *
 * Invariants:
 *  - A loaded week holds exactly the 4 band rows of each item_story row
 *    with a signature and a time in that week, as this connection sees
 *    them, so story_index_week() returns what the scan would:
 *    - it is read from item_story after STORY_INDEX_LOAD_AFTER lookups
 *      (until then story.c scans);
 *    - every item_story row this connection inserts is added
 *      (story_index_add_item, after the INSERT succeeded);
 *    - story.c deletes item_story rows in one place (re-placing an
 *      item), reads the deleted signature back (RETURNING) and removes
 *      its rows (story_index_remove_item); any other delete of an
 *      item_story row (items deleted by `prune`, cascading) is seen by
 *      the update hook and drops every loaded week;
 *    - a rollback (store.c's rollback hook calls story_index_txn_end;
 *      store_atomic_end's ROLLBACK TO calls
 *      story_index_reset) and another connection's commit (PRAGMA
 *      data_version, read before every lookup outside a write
 *      transaction and before the first one inside each: while this
 *      connection writes, no other can commit) drop every loaded week.
 *  - At most STORY_INDEX_WEEKS weeks and STORY_INDEX_MAX_ROWS rows are
 *    held, also as this connection adds rows (least recently used weeks
 *    go first).  A week with more rows than that is marked too big and its
 *    lookups are scans (story.c).
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define STORY_INDEX_WEEKS 8
/* Lookups (one per new item and week) answered by a scan of the window
 * before the week's rows are read: reading a week costs about what a scan
 * of its window does, plus memory (~100 bytes per item), so a run with a
 * few new items (a cron crawl every few minutes) scans and a bigger one
 * switches to memory after a few items. */
#define STORY_INDEX_LOAD_AFTER 8
/* 1M rows: about 250,000 items in the weeks of the window, ~40 MB. */
#define STORY_INDEX_MAX_ROWS (1u << 20)

#define ROW_NONE UINT32_MAX
#define ROW_CLASSES 32          /* block sizes: 1 << 0 .. 1 << 31 rows */

struct story_row {
    int64_t at, item_id, simhash; /* a free block: item_id links the next */
};

struct story_band {
    int32_t band;           /* 65536 * k + 16 bits; -1: empty slot */
    uint32_t off;           /* its rows: pool[off .. off + n) */
    uint32_t n, cap;        /* cap: the block's size, 0 or a power of two */
};

struct story_week {
    int64_t week;
    uint64_t last_used;     /* story_index.clock when last asked */
    enum {
        WEEK_ASKING,        /* not read yet: SQL answers, asks counts */
        WEEK_HELD,          /* its rows are here */
        WEEK_TOO_BIG        /* more rows than the index holds: SQL answers */
    } state;
    unsigned asks;          /* lookups answered by SQL before loading */
    size_t n_rows;
    size_t n_pool, alloc_pool; /* pool rows handed out, allocated */
    struct story_row *pool;
    uint32_t free_block[ROW_CLASSES]; /* a free block per size, or NONE */
    size_t n_bands, mask;   /* slots: mask + 1, a power of two */
    struct story_band *slots;
};

struct story_index {
    int64_t data_version;   /* PRAGMA data_version when the weeks were read */
    /* data_version was read inside the current write transaction: no
     * other connection can commit before it ends (story_index_txn_end),
     * so it need not be read again until then. */
    int checked_in_write;
    int stale;              /* an item_story row was deleted behind us */
    int own_delete;         /* story.c's delete is running: not stale */
    uint64_t clock;
    size_t n_rows;          /* over all loaded weeks */
    size_t n_weeks;
    struct story_week weeks[STORY_INDEX_WEEKS];
};

/* Tests only: when > 0, the row limit instead of STORY_INDEX_MAX_ROWS. */
size_t story_index_test_max_rows;

/* Tests only: when >= 0, the lookups before loading instead of
 * STORY_INDEX_LOAD_AFTER. */
int story_index_test_load_after = -1;

static unsigned load_after(void)
{
    return story_index_test_load_after >= 0
               ? (unsigned)story_index_test_load_after
               : STORY_INDEX_LOAD_AFTER;
}

static size_t max_rows(void)
{
    return story_index_test_max_rows ? story_index_test_max_rows
                                     : STORY_INDEX_MAX_ROWS;
}

/* ---- one week -------------------------------------------------------- */

static void week_init(struct story_week *w, int64_t week)
{
    memset(w, 0, sizeof(*w));
    w->week = week;
    for (int c = 0; c < ROW_CLASSES; c++)
        w->free_block[c] = ROW_NONE;
}

static void week_clear(struct story_week *w)
{
    free(w->pool);
    free(w->slots);
    week_init(w, 0);
}

static size_t band_slot(const struct story_week *w, int64_t band)
{
    return (size_t)(((uint64_t)band * 0x9e3779b97f4a7c15ull) >> 40) &
           w->mask;
}

static struct story_band *band_find(const struct story_week *w,
                                    int64_t band)
{
    if (!w->slots)
        return NULL;
    for (size_t i = band_slot(w, band);; i = (i + 1) & w->mask) {
        if (w->slots[i].band == band)
            return &w->slots[i];
        if (w->slots[i].band < 0)
            return NULL;
    }
}

static void slots_alloc(struct story_week *w, size_t n)
{
    w->slots = fs_malloc(n * sizeof(*w->slots));
    for (size_t i = 0; i < n; i++)
        w->slots[i] = (struct story_band){-1, ROW_NONE, 0, 0};
    w->mask = n - 1;
}

/* The empty slot where band goes (band is not in the table). */
static struct story_band *band_free_slot(const struct story_week *w,
                                         int64_t band)
{
    size_t i = band_slot(w, band);
    while (w->slots[i].band >= 0)
        i = (i + 1) & w->mask;
    return &w->slots[i];
}

/* The slot of band, made (with no rows) when missing; the table stays at
 * most half full. */
static struct story_band *band_get(struct story_week *w, int64_t band)
{
    struct story_band *b = band_find(w, band);
    if (b)
        return b;
    if (!w->slots || 2 * (w->n_bands + 1) > w->mask + 1) {
        struct story_band *old = w->slots;
        size_t old_n = old ? w->mask + 1 : 0;
        slots_alloc(w, old_n ? 2 * old_n : 1024);
        for (size_t i = 0; i < old_n; i++)
            if (old[i].band >= 0)
                *band_free_slot(w, old[i].band) = old[i];
        free(old);
    }
    b = band_free_slot(w, band);
    b->band = (int32_t)band;
    w->n_bands++;
    return b;
}

static int size_class(uint32_t cap)
{
    int c = 0;
    while (((uint32_t)1 << c) < cap)
        c++;
    return c;
}

/* A block of cap rows (a power of two): a freed one, else the pool's end. */
static uint32_t block_alloc(struct story_week *w, uint32_t cap)
{
    int c = size_class(cap);
    uint32_t off = w->free_block[c];
    if (off != ROW_NONE) {
        w->free_block[c] = (uint32_t)w->pool[off].item_id;
        return off;
    }
    if (w->n_pool + cap > w->alloc_pool) {
        while (w->n_pool + cap > w->alloc_pool)
            w->alloc_pool = w->alloc_pool ? 2 * w->alloc_pool : 1024;
        w->pool = fs_realloc(w->pool, w->alloc_pool * sizeof(*w->pool));
    }
    off = (uint32_t)w->n_pool;
    w->n_pool += cap;
    return off;
}

static void block_free(struct story_week *w, uint32_t off, uint32_t cap)
{
    int c = size_class(cap);
    w->pool[off].item_id = w->free_block[c];
    w->free_block[c] = off;
}

/* The first of b's rows not before (at, item). */
static uint32_t row_search(const struct story_week *w,
                           const struct story_band *b, int64_t at,
                           int64_t item)
{
    if (!b->n)
        return 0; /* a new band: no block yet */
    const struct story_row *r = w->pool + b->off;
    uint32_t lo = 0, hi = b->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r[mid].at < at || (r[mid].at == at && r[mid].item_id < item))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int row_is(const struct story_week *w, const struct story_band *b,
                  uint32_t i, int64_t at, int64_t item)
{
    return i < b->n && w->pool[b->off + i].at == at &&
           w->pool[b->off + i].item_id == item;
}

/* Insert a row unless one with its key is there. */
static void row_add(struct story_week *w, int64_t band, int64_t at,
                    int64_t item, int64_t simhash)
{
    struct story_band *b = band_get(w, band);
    uint32_t i = row_search(w, b, at, item);
    if (row_is(w, b, i, at, item))
        return;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 1;
        uint32_t off = block_alloc(w, cap);
        if (b->n) {
            memcpy(w->pool + off, w->pool + b->off, b->n * sizeof(*w->pool));
            block_free(w, b->off, b->cap);
        }
        b->off = off;
        b->cap = cap;
    }
    struct story_row *r = w->pool + b->off;
    memmove(r + i + 1, r + i, (b->n - i) * sizeof(*r));
    r[i] = (struct story_row){at, item, simhash};
    b->n++;
    w->n_rows++;
}

/* ---- the index ------------------------------------------------------- */

static void index_drop_weeks(struct story_index *ix)
{
    for (size_t i = 0; i < ix->n_weeks; i++)
        week_clear(&ix->weeks[i]);
    ix->n_weeks = 0;
    ix->n_rows = 0;
    ix->stale = 0;
}

void story_index_reset(struct store *st)
{
    if (st->story_index)
        index_drop_weeks(st->story_index);
}

void story_index_free(struct store *st)
{
    if (st->story_index && st->db)
        sqlite3_update_hook(st->db, NULL, NULL); /* on_update reads it */
    story_index_reset(st);
    free(st->story_index);
    st->story_index = NULL;
}

void story_index_txn_end(struct store *st, int rolled_back)
{
    if (!st->story_index)
        return;
    if (rolled_back)
        story_index_reset(st);
    st->story_index->checked_in_write = 0;
}

static void on_update(void *arg, int op, const char *db, const char *table,
                      sqlite3_int64 rowid)
{
    struct store *st = arg;
    (void)rowid;
    if (op == SQLITE_DELETE && !st->story_index->own_delete &&
        !strcmp(table, "item_story") && !strcmp(db, "main"))
        st->story_index->stale = 1; /* cannot touch the connection here */
}

static fs_code data_version(struct store *st, int64_t *out, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_DATA_VERSION, "PRAGMA data_version",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        rc = store_sql_error(st, src, "reading the data version", err);
    store_stmt_done(stmt);
    return rc;
}

fs_code story_index_check(struct store *st, fs_error *err)
{
    struct story_index *ix = st->story_index;
    int in_write = sqlite3_txn_state(st->db, "main") == SQLITE_TXN_WRITE;
    if (ix && ix->checked_in_write && in_write) {
        if (ix->stale)
            index_drop_weeks(ix);
        return FS_OK;
    }
    int64_t v = 0;
    fs_code rc = data_version(st, &v, err);
    if (rc != FS_OK)
        return rc;
    if (!ix) {
        ix = st->story_index = fs_calloc(1, sizeof(*ix));
        sqlite3_update_hook(st->db, on_update, st);
    }
    ix->checked_in_write = in_write;
    if (ix->data_version != v || ix->stale) {
        index_drop_weeks(ix); /* read the weeks again */
        ix->data_version = v;
    }
    return FS_OK;
}

static struct story_week *week_find(struct story_index *ix, int64_t week)
{
    for (size_t i = 0; i < ix->n_weeks; i++)
        if (ix->weeks[i].week == week)
            return &ix->weeks[i];
    return NULL;
}

/* week, if its rows are here (what this connection writes is mirrored
 * only then). */
static struct story_week *week_held(struct store *st, int64_t week)
{
    struct story_week *w =
        st->story_index ? week_find(st->story_index, week) : NULL;
    return w && w->state == WEEK_HELD ? w : NULL;
}

/* The least recently used week entry other than keep, or NULL. */
static struct story_week *week_oldest(struct story_index *ix,
                                      const struct story_week *keep)
{
    struct story_week *old = NULL;
    for (size_t i = 0; i < ix->n_weeks; i++)
        if (&ix->weeks[i] != keep &&
            (!old || ix->weeks[i].last_used < old->last_used))
            old = &ix->weeks[i];
    return old;
}

static void week_remove(struct story_index *ix, struct story_week *w)
{
    ix->n_rows -= w->n_rows;
    week_clear(w);
    *w = ix->weeks[--ix->n_weeks];
    memset(&ix->weeks[ix->n_weeks], 0, sizeof(ix->weeks[0]));
}

/* The entry of week, made (not loaded) when missing; when all are
 * taken, the least recently used goes. */
static struct story_week *week_entry(struct story_index *ix, int64_t week)
{
    struct story_week *w = week_find(ix, week);
    if (w)
        return w;
    if (ix->n_weeks == STORY_INDEX_WEEKS)
        week_remove(ix, week_oldest(ix, NULL));
    w = &ix->weeks[ix->n_weeks++];
    week_init(w, week);
    return w;
}

/* The 4 band rows of a signed item. */
static void item_add(struct story_week *w, int64_t at, int64_t item,
                     int64_t simhash)
{
    for (int k = 0; k < 4; k++)
        row_add(w, story_band_of(simhash, k), at, item, simhash);
}

/* Keep the index within max_rows(): the least recently used weeks other
 * than w go first; if w alone is over, it becomes too big (its lookups
 * are scans from then on).  Returns w, which may have moved. */
static struct story_week *index_trim(struct story_index *ix,
                                     struct story_week *w)
{
    int64_t week = w->week;
    struct story_week *old;
    while (ix->n_rows > max_rows() && (old = week_oldest(ix, w)) != NULL) {
        week_remove(ix, old);
        w = week_find(ix, week); /* week_remove may have moved it */
    }
    if (ix->n_rows > max_rows()) {
        ix->n_rows -= w->n_rows;
        uint64_t used = w->last_used;
        week_clear(w);
        w->week = week;
        w->state = WEEK_TOO_BIG;
        w->last_used = used;
    }
    return w;
}

/* Read the rows of *w's week (WEEK_ASKING); *w may move. */
static fs_code week_load(struct store *st, struct story_week **wp,
                         fs_error *err)
{
    struct story_index *ix = st->story_index;
    struct story_week *w = *wp;
    int64_t week = w->week, lo, hi;
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_WEEK_ITEMS,
                            "SELECT at, item_id, simhash FROM item_story"
                            " WHERE at BETWEEN ?1 AND ?2"
                            " AND simhash IS NOT NULL ORDER BY at, item_id",
                            &stmt, err);
    if (rc != FS_OK) {
        index_drop_weeks(ix);
        return rc;
    }
    story_week_bounds(week, &lo, &hi);
    sqlite3_bind_int64(stmt, 1, lo);
    sqlite3_bind_int64(stmt, 2, hi);
    w->state = WEEK_HELD;
    int src;
    /* items come in (at, item_id) order, so each row goes at the end of
     * its band's block */
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (w->n_rows + 4 > max_rows()) {
            week_clear(w);
            w->week = week;
            w->state = WEEK_TOO_BIG;
            src = SQLITE_DONE;
            break;
        }
        item_add(w, sqlite3_column_int64(stmt, 0),
                 sqlite3_column_int64(stmt, 1),
                 sqlite3_column_int64(stmt, 2));
    }
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = store_sql_error(st, src, "reading a week's story signatures",
                             err);
    store_stmt_done(stmt);
    if (rc != FS_OK) {
        index_drop_weeks(ix); /* half read */
        return rc;
    }
    ix->n_rows += w->n_rows;
    *wp = index_trim(ix, w);
    return FS_OK;
}

/* One band's range: newest first, ties in at by item_id, descending
 * (the order of the scan in story.c). */
static void band_range(const struct story_week *w, int64_t band,
                       int64_t from, int64_t to, int64_t self_id,
                       struct story_candidate *out, int *n)
{
    const struct story_band *b = band_find(w, band);
    *n = 0;
    if (!b || !b->n)
        return;
    const struct story_row *r = w->pool + b->off;
    for (uint32_t i = row_search(w, b, to + 1, INT64_MIN);
         i-- > 0 && *n < STORY_BAND_CANDIDATES;) {
        if (r[i].at < from)
            break;
        if (r[i].item_id == self_id)
            continue;
        out[*n].item_id = r[i].item_id;
        out[*n].simhash = r[i].simhash;
        (*n)++;
    }
}

fs_code story_index_week(struct store *st, int64_t week, int64_t simhash,
                         int64_t from, int64_t to, int64_t self_id,
                         struct story_candidate out[4][STORY_BAND_CANDIDATES],
                         int n[4], int *held, fs_error *err)
{
    struct story_index *ix = st->story_index;
    *held = 0;
    if (!ix)
        return FS_OK; /* story_index_check not called: scan */
    struct story_week *w = week_entry(ix, week);
    if (w->state == WEEK_ASKING && ++w->asks > load_after()) {
        fs_code rc = week_load(st, &w, err);
        if (rc != FS_OK)
            return rc;
    }
    w->last_used = ++ix->clock; /* after week_load, which may clear it */
    if (w->state != WEEK_HELD)
        return FS_OK;
    *held = 1;
    for (int k = 0; k < 4; k++)
        band_range(w, story_band_of(simhash, k), from, to, self_id, out[k],
                   &n[k]);
    return FS_OK;
}

void story_index_add_item(struct store *st, int64_t at, int64_t item_id,
                          int64_t simhash)
{
    struct story_week *w = week_held(st, story_week(at));
    if (!w)
        return; /* read from item_story when loaded */
    size_t before = w->n_rows;
    item_add(w, at, item_id, simhash);
    st->story_index->n_rows += w->n_rows - before;
    index_trim(st->story_index, w); /* a long --loop run keeps adding */
}

void story_index_remove_item(struct store *st, int64_t at, int64_t item_id,
                             int64_t simhash)
{
    struct story_week *w = week_held(st, story_week(at));
    for (int k = 0; w && k < 4; k++) {
        struct story_band *b = band_find(w, story_band_of(simhash, k));
        if (!b)
            continue;
        uint32_t i = row_search(w, b, at, item_id);
        if (row_is(w, b, i, at, item_id)) {
            struct story_row *r = w->pool + b->off;
            memmove(r + i, r + i + 1, (b->n - i - 1) * sizeof(*r));
            b->n--;
            w->n_rows--;
            st->story_index->n_rows--;
        }
    }
}

void story_index_own_delete(struct store *st, int on)
{
    if (st->story_index)
        st->story_index->own_delete = on;
}
