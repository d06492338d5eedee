/*
 * story_filter.c — which signature bands of a week have rows at all.
 *
 * The near-duplicate lookup (story.c) asks item_simhash_bands for each of
 * an item's 4 bands in each of the 2 or 3 weeks of its window: 12 index
 * seeks per new item, nearly all of which find nothing (a 40,000-item
 * crawl spent about 1.8 s of its store thread in them, more than in
 * inserting the items).  This filter answers most of them from memory: per
 * week, one bit for each of the 4 x 65,536 band values (32 KB), set when
 * the week has a row with that band.  story.c runs the query only for a
 * (week, band) whose bit is set.
 *
 * Invariants:
 *  - A loaded week's bitmap is a superset of its bands in the database as
 *    this connection sees it: it is read from the table when first asked
 *    for, story_filter_add() sets the bit of every row this connection
 *    inserts, and every loaded week is dropped when another connection
 *    has committed since (PRAGMA data_version, which changes only for
 *    other connections' commits).  Rows deleted, or inserted by a
 *    transaction that rolled back, leave their bits set: a wasted query,
 *    never a missed candidate.  A rollback also brings back the rows its
 *    transaction deleted, which a week loaded meanwhile lacks, and
 *    data_version does not move for it: so every rollback (the
 *    connection's rollback hook, and store_atomic_end's ROLLBACK TO)
 *    drops the loaded weeks too.  So the filter never changes a result.
 *  - At most STORY_FILTER_WEEKS weeks are held (the least recently asked
 *    one is replaced), so memory stays under 300 KB.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define STORY_FILTER_WEEKS 8
#define STORY_FILTER_BITS (4 * 65536)

struct story_week_bits {
    int64_t week;
    uint64_t last_used;     /* story_filter.clock when last asked */
    uint64_t bits[STORY_FILTER_BITS / 64];
};

struct story_filter {
    int64_t data_version;   /* PRAGMA data_version when the weeks were read */
    uint64_t clock;
    size_t n_weeks;
    struct story_week_bits weeks[STORY_FILTER_WEEKS];
};

/* The 4 x 65,536 band values (band_of in story.c) fit; anything else
 * cannot be held and is never ruled out. */
static int band_fits(int64_t band)
{
    return band >= 0 && band < STORY_FILTER_BITS;
}

static void band_set(struct story_week_bits *w, int64_t band)
{
    w->bits[band / 64] |= (uint64_t)1 << (band % 64);
}

void story_filter_reset(struct store *st)
{
    if (st->band_filter)
        st->band_filter->n_weeks = 0;
}

static void on_rollback(void *st)
{
    story_filter_reset(st);
}

void story_filter_free(struct store *st)
{
    free(st->band_filter);
    st->band_filter = NULL;
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

fs_code story_filter_check(struct store *st, fs_error *err)
{
    int64_t v = 0;
    fs_code rc = data_version(st, &v, err);
    if (rc != FS_OK)
        return rc;
    struct story_filter *f = st->band_filter;
    if (!f) {
        f = st->band_filter = fs_calloc(1, sizeof(*f));
        sqlite3_rollback_hook(st->db, on_rollback, st);
    }
    if (f->data_version != v) {
        f->n_weeks = 0; /* another connection wrote: read the weeks again */
        f->data_version = v;
    }
    return FS_OK;
}

static struct story_week_bits *week_find(struct story_filter *f,
                                         int64_t week)
{
    for (size_t i = 0; i < f->n_weeks; i++)
        if (f->weeks[i].week == week)
            return &f->weeks[i];
    return NULL;
}

static fs_code week_load(struct store *st, int64_t week,
                         struct story_week_bits **out, fs_error *err)
{
    struct story_filter *f = st->band_filter;
    struct story_week_bits *w;
    if (f->n_weeks < STORY_FILTER_WEEKS) {
        w = &f->weeks[f->n_weeks++];
    } else {
        w = &f->weeks[0];
        for (size_t i = 1; i < f->n_weeks; i++)
            if (f->weeks[i].last_used < w->last_used)
                w = &f->weeks[i];
    }
    memset(w, 0, sizeof(*w));
    w->week = week;
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_WEEK_BANDS,
                            "SELECT band FROM item_simhash_bands"
                            " WHERE week = ?1",
                            &stmt, err);
    if (rc != FS_OK) {
        f->n_weeks = 0;
        return rc;
    }
    sqlite3_bind_int64(stmt, 1, week);
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t band = sqlite3_column_int64(stmt, 0);
        if (band_fits(band))
            band_set(w, band);
    }
    if (src != SQLITE_DONE) {
        rc = store_sql_error(st, src, "reading a week's story bands", err);
        f->n_weeks = 0; /* half read: a subset, so drop it */
    }
    store_stmt_done(stmt);
    *out = w;
    return rc;
}

fs_code story_filter_may_have(struct store *st, int64_t week, int64_t band,
                              int *maybe, fs_error *err)
{
    struct story_filter *f = st->band_filter;
    *maybe = 1;
    if (!f || !band_fits(band))
        return FS_OK; /* unchecked, or a band this filter cannot hold */
    struct story_week_bits *w = week_find(f, week);
    if (!w) {
        fs_code rc = week_load(st, week, &w, err);
        if (rc != FS_OK)
            return rc;
    }
    w->last_used = ++f->clock;
    *maybe = (w->bits[band / 64] >> (band % 64)) & 1;
    return FS_OK;
}

void story_filter_add(struct store *st, int64_t week, int64_t band)
{
    struct story_filter *f = st->band_filter;
    struct story_week_bits *w = f ? week_find(f, week) : NULL;
    if (w && band_fits(band))
        band_set(w, band);
}
