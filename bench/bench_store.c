/*
 * bench_store.c — store/ at scale (issue 6), every figure beside its
 * baseline from the same run:
 *
 *   bench_store N DIR
 *
 *  1. insert: N generated items (3-4 KB each: title, summary, body; one
 *     tag each) through store/ (store_item_upsert with the body +
 *     store_item_set_tags, 1000 items per transaction: a crawl's
 *     pattern), and a bare SQLite loop inserting the same rows into the
 *     same schema (items with the FTS triggers, item_tags; since schema v5
 *     the triggers queue the index changes and each commit replays the
 *     queue, as store/ does), with store/'s connection settings — the
 *     ceiling.
 *     The ratio is store/'s share of the ceiling (goal >= 0.80).
 *  2. query latencies on the store/ database, median of many runs:
 *     list --tag newest 50, show, search top 20 by bm25 for a selective
 *     and for a very common term.
 *  3. FTS5 options on the same rows (the first FTS_OPTIONS_N, default
 *     all up to 100,000; FTS_OPTIONS=0 skips it): detail=full/column/
 *     none, external content vs contentless: build time, index size,
 *     selective and common search.
 *
 * Text generation is outside the timed part.  Long runs print running
 * insert figures every BENCH_PROGRESS items (default 100,000 when
 * N >= 200,000), so a run cut short still reports what it measured.
 *
 * The text is generated deterministically: words from a 20,000-word
 * vocabulary with a Zipf-like distribution ("w0" is in nearly every item),
 * and one rare marker word ("zqselect") in every 2,000th item.
 * Not a test: it prints figures and exits 0 unless something fails.
 */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <math.h>
#include <time.h>

static fs_error err;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, msg);
    exit(1);
}

/* ---- generated items ------------------------------------------------- */

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Zipf-ish: word k with probability ~ 1/(k+1). */
static unsigned zipf_word(void)
{
    double u = (double)(next_rand() >> 11) / 9007199254740992.0;
    unsigned k = (unsigned)(exp2(u * 14.3)) - 1; /* 0 .. ~20000 */
    return k;
}

static void words(struct strbuf *sb, size_t n)
{
    for (size_t i = 0; i < n; i++)
        strbuf_addf(sb, "%sw%u", i ? " " : "", zipf_word());
}

struct gen {
    struct strbuf title, summary, body, link, guid;
    char tag[32];
};

static void gen_item(struct gen *g, size_t i)
{
    rng = 0x9e3779b97f4a7c15ULL * (i + 1);
    strbuf_reset(&g->title);
    strbuf_reset(&g->summary);
    strbuf_reset(&g->body);
    strbuf_reset(&g->link);
    strbuf_reset(&g->guid);
    words(&g->title, 8);
    words(&g->summary, 40);
    if (i % 2000 == 7)
        strbuf_addstr(&g->summary, " zqselect");
    /* 3-4 KB of body: ~5.5 bytes a word */
    words(&g->body, 520 + next_rand() % 160);
    strbuf_addf(&g->link, "https://news%zu.example/a/%zu", i % 50, i);
    strbuf_addf(&g->guid, "g%zu", i);
    snprintf(g->tag, sizeof(g->tag), "topic/t%zu", i % 20);
}

static const int64_t T0 = 1700000000;

/* ---- 1. insert ------------------------------------------------------- */

/* Both paths run interleaved, one 1000-item transaction of each in turn,
 * so that a machine shared with other work slows both alike; each batch
 * is timed on its own (wall clock and process CPU time). */
#define BATCH 1000

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ins {
    struct store *st;          /* store/ path */
    sqlite3 *db;               /* bare path */
    sqlite3_stmt *ins, *tag;
    int fts_queue;             /* bare path: schema queues index changes */
    int64_t feed;
    double wall, cpu;
};

static void xexec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg);
}

static void open_path(struct ins *p, const char *path, int bare)
{
    memset(p, 0, sizeof(*p));
    remove(path);
    if (store_open(path, &p->st, &err) != FS_OK ||
        store_feed_ensure(p->st, "https://feed.example/rss", "Bench",
                          &p->feed, &err) != FS_OK)
        die(path, err.msg);
    if (!bare)
        return;
    /* The ceiling: the same schema (store_open made it), the same rows,
     * one INSERT per row into items (the FTS triggers fire) and one into
     * item_tags, nothing else. */
    store_close(p->st);
    p->st = NULL;
    /* Opened as store_open() opens (no per-connection mutex: one thread
     * uses it), with the connection settings store_open() applies. */
    if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        die(path, "open");
    /* The connection settings store_open() applies, from store/ itself. */
    xexec(p->db, "PRAGMA journal_mode=WAL");
    xexec(p->db, store_connection_pragmas());
    if (sqlite3_prepare_v2(p->db,
            "INSERT INTO items (feed_id, guid, title, link, summary, body,"
            " body_state, published, first_seen, changed, content_hash)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 2, ?7, ?7, ?7, ?8)",
            -1, &p->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db,
            "INSERT INTO item_tags (item_id, tag, rule_id, field, matched,"
            " alert, rules_version, created) VALUES (?1, ?2, 'r1', 'title',"
            " 'w1', 0, 'b1', ?3)", -1, &p->tag, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(p->db));
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(p->db, "SELECT 1 FROM sqlite_master WHERE"
                           " name = 'items_fts_pending'", -1, &q,
                           NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(p->db));
    p->fts_queue = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
}

/* g[0 .. to-from) holds the batch's items, generated before the clocks
 * start: generating the text is neither path's work. */
static void batch(struct ins *p, struct gen *gs, size_t from, size_t to)
{
    double w = now_s(), c = cpu_s();
    if (p->st ? store_begin(p->st, &err) != FS_OK : 0)
        die("begin", err.msg);
    if (p->db)
        xexec(p->db, "BEGIN IMMEDIATE");
    for (size_t i = from; i < to; i++) {
        const struct gen *g = &gs[i - from];
        int64_t when = T0 + (int64_t)i * 30;
        if (p->st) {
            struct store_item it = {
                .feed_id = p->feed, .guid = g->guid.buf,
                .title = g->title.buf, .link = g->link.buf,
                .summary = g->summary.buf, .body = g->body.buf,
                .body_state = STORE_BODY_OK, .published = when,
                .updated = FS_TIME_NONE, .first_seen = when,
            };
            int64_t id;
            enum store_upsert_result r;
            size_t added;
            struct store_tag tg = {g->tag, "r1", "title", "w1", 0};
            if (store_item_upsert(p->st, &it, &id, &r, &err) != FS_OK ||
                store_item_set_tags(p->st, id, &tg, 1, "b1", &added,
                                    &err) != FS_OK)
                die("store insert", err.msg);
            continue;
        }
        sqlite3_bind_int64(p->ins, 1, p->feed);
        sqlite3_bind_text(p->ins, 2, g->guid.buf, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->ins, 3, g->title.buf, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->ins, 4, g->link.buf, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->ins, 5, g->summary.buf, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->ins, 6, g->body.buf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(p->ins, 7, when);
        sqlite3_bind_int64(p->ins, 8, (int64_t)i);
        if (sqlite3_step(p->ins) != SQLITE_DONE)
            die("bare insert", sqlite3_errmsg(p->db));
        sqlite3_reset(p->ins);
        sqlite3_bind_int64(p->tag, 1, sqlite3_last_insert_rowid(p->db));
        sqlite3_bind_text(p->tag, 2, g->tag, -1, SQLITE_STATIC);
        sqlite3_bind_int64(p->tag, 3, when);
        if (sqlite3_step(p->tag) != SQLITE_DONE)
            die("bare tag", sqlite3_errmsg(p->db));
        sqlite3_reset(p->tag);
    }
    if (p->st && store_commit(p->st, &err) != FS_OK)
        die("commit", err.msg);
    /* Since schema v5 the items triggers queue the search index changes
     * and every commit replays the queue first (store_fts_flush in
     * store/search.c): the same statements here (v8's queue: one row per
     * changed item), or the bare loop would not build the index at all. */
    if (p->db && p->fts_queue)
        xexec(p->db, "INSERT INTO items_fts (items_fts, rowid, title,"
                     " summary, body) SELECT 'delete', rid, title, summary,"
                     " body FROM items_fts_pending WHERE indexed;"
                     " INSERT INTO items_fts (rowid, title, summary, body)"
                     " SELECT i.id, i.title, i.summary, i.body"
                     " FROM items_fts_pending p CROSS JOIN items i"
                     " ON i.id = p.rid; DELETE FROM items_fts_pending");
    if (p->db)
        xexec(p->db, "COMMIT");
    p->wall += now_s() - w;
    p->cpu += cpu_s() - c;
}

static void close_path(struct ins *p)
{
    if (p->st)
        store_close(p->st);
    if (p->db) {
        sqlite3_finalize(p->ins);
        sqlite3_finalize(p->tag);
        sqlite3_close(p->db);
    }
}

static long long file_size(const char *p);

/* Running figures every BENCH_PROGRESS items (default: every 100,000 in
 * runs of 200,000 or more), so that a long run that is cut short still
 * reports what it measured; "last" is the rate over the chunk just done,
 * which shows how the cost per item grows with the database. */
static size_t progress_every_n;
static size_t progress_every(void)
{
    const char *e = getenv("BENCH_PROGRESS");
    if (e && *e)
        return (size_t)strtoull(e, NULL, 10) / BATCH * BATCH;
    return progress_every_n >= 200000 ? 100000 : 0;
}

static void progress(const struct ins *s, const struct ins *b, size_t done)
{
    static double sw, bw;
    static size_t last;
    double dn = (double)(done - last);
    printf("progress: %zu items: bare %.0f items/s (last %zu: %.0f),"
           " store/ %.0f items/s (last: %.0f); ratio %.2f wall (last %.2f),"
           " %.2f CPU\n", done, (double)done / b->wall, done - last,
           dn / (b->wall - bw), (double)done / s->wall, dn / (s->wall - sw),
           b->wall / s->wall, (b->wall - bw) / (s->wall - sw),
           b->cpu / s->cpu);
    sw = s->wall;
    bw = b->wall;
    last = done;
}

static void insert_both(const char *store_path, const char *bare_path,
                        size_t n)
{
    struct ins s, b;
    static struct gen g[BATCH];
    for (size_t k = 0; k < BATCH; k++)
        g[k] = (struct gen){STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
                            STRBUF_INIT, STRBUF_INIT, ""};
    open_path(&s, store_path, 0);
    open_path(&b, bare_path, 1);
    size_t every = progress_every();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t to = i + BATCH < n ? i + BATCH : n;
        for (size_t k = i; k < to; k++)
            gen_item(&g[k - i], k);
        /* alternate which goes first */
        batch((i / BATCH) % 2 ? &s : &b, g, i, to);
        batch((i / BATCH) % 2 ? &b : &s, g, i, to);
        if (every && (to % every == 0 || to == n))
            progress(&s, &b, to);
    }
    close_path(&s);
    close_path(&b);
    printf("| path | wall s | CPU s | items/s (wall) | file MB |\n"
           "|---|---|---|---|---|\n");
    printf("| bare SQLite loop (ceiling) | %.1f | %.1f | %.0f | %.0f |\n",
           b.wall, b.cpu, (double)n / b.wall,
           (double)file_size(bare_path) / 1e6);
    printf("| store/ (upsert + tags, story placement) | %.1f | %.1f | %.0f |"
           " %.0f |\n", s.wall, s.cpu, (double)n / s.wall,
           (double)file_size(store_path) / 1e6);
    printf("\nstore/ reaches %.2f of the ceiling by wall clock, %.2f by CPU"
           " time (goal >= 0.80)\n", b.wall / s.wall, b.cpu / s.cpu);
    for (size_t k = 0; k < BATCH; k++) {
        strbuf_release(&g[k].title);
        strbuf_release(&g[k].summary);
        strbuf_release(&g[k].body);
        strbuf_release(&g[k].link);
        strbuf_release(&g[k].guid);
    }
}

/* ---- 3. FTS5 options --------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define RUNS 41
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return v[n / 2];
}

/* A query running longer than this is interrupted and reported as
 * "> LIMIT" (bm25 over a common term without positions). */
#define QUERY_LIMIT_S 10.0
static double query_deadline;
static int over_time(void *ud)
{
    (void)ud;
    return now_s() > query_deadline;
}

static double query_ms(sqlite3 *db, const char *sql)
{
    double v[RUNS];
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        die(sql, sqlite3_errmsg(db));
    int r = 0;
    double start = now_s();
    /* RUNS runs, or fewer when they are slow (3 s budget, at least one):
     * bm25 over a common term without positions takes seconds. */
    for (; r < RUNS && (r < 1 || now_s() - start < 3.0); r++) {
        double t = now_s();
        query_deadline = t + QUERY_LIMIT_S;
        sqlite3_progress_handler(db, 10000, over_time, NULL);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            ;
        sqlite3_reset(s);
        sqlite3_progress_handler(db, 0, NULL, NULL);
        if (rc == SQLITE_INTERRUPT) {
            sqlite3_finalize(s);
            return -1; /* over the limit */
        }
        v[r] = (now_s() - t) * 1000;
    }
    sqlite3_finalize(s);
    return median(v, r);
}

static long long file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void fts_options(const char *src, const char *dir, size_t rows)
{
    static const struct { const char *name, *opts; int content; } v[] = {
        {"external content, detail=full", "detail=full,", 1},
        {"external content, detail=column", "detail=column,", 1},
        {"external content, detail=none", "detail=none,", 1},
        {"contentless, detail=full", "content='', detail=full,", 0},
        {"contentless, detail=none", "content='', detail=none,", 0},
    };
    printf("\n## FTS5 options (the first %zu rows; index built in a separate"
           " file)\n", rows);
    printf("| option | build s | index MB | selective top 20 ms |"
           " common top 20 ms | phrase | snippet |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char path[4096], sql[8192];
        snprintf(path, sizeof(path), "%s/fts%zu.db", dir, i);
        remove(path);
        sqlite3 *db;
        if (sqlite3_open(path, &db) != SQLITE_OK)
            die(path, "open");
        snprintf(sql, sizeof(sql), "ATTACH '%s' AS src", src);
        xexec(db, sql);
        /* Every variant gets its own copy of the rows (external content
         * reads them from "items" in the same file); the index's size is
         * the pages of its shadow tables (dbstat). */
        snprintf(sql, sizeof(sql), "CREATE TABLE items AS SELECT id, title,"
                 " summary, body FROM src.items WHERE id <= %zu", rows);
        xexec(db, sql);
        snprintf(sql, sizeof(sql),
                 "CREATE VIRTUAL TABLE f USING fts5(title, summary, body, %s%s"
                 " tokenize='unicode61 remove_diacritics 2')",
                 v[i].content ? "content='items', content_rowid='id', " : "",
                 v[i].opts);
        xexec(db, sql);
        double t = now_s();
        xexec(db, "BEGIN; INSERT INTO f (rowid, title, summary, body)"
                  " SELECT id, title, summary, body FROM items; COMMIT");
        t = now_s() - t;
        xexec(db, "DETACH src");
        long long sz = -1;
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE "
                               "name LIKE 'f_%'", -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            sz = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        double sel = query_ms(db, "SELECT rowid FROM f WHERE f MATCH 'zqselect'"
                                  " ORDER BY bm25(f, 10.0, 3.0, 1.0) LIMIT 20");
        double com = query_ms(db, "SELECT rowid FROM f WHERE f MATCH 'w0'"
                                  " ORDER BY bm25(f, 10.0, 3.0, 1.0) LIMIT 20");
        int phrase = sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE f "
                                        "MATCH '\"w0 w1\"'", -1, &s, NULL)
                         == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        int snip = 0;
        if (sqlite3_prepare_v2(db, "SELECT snippet(f, -1, '[', ']', '...', 8)"
                               " FROM f WHERE f MATCH 'zqselect' LIMIT 1",
                               -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            const char *x = (const char *)sqlite3_column_text(s, 0);
            snip = x && strstr(x, "[zqselect]");
        }
        sqlite3_finalize(s);
        char com_s[400]; /* any double fits */
        if (com < 0)
            snprintf(com_s, sizeof(com_s), "> %.0f", QUERY_LIMIT_S * 1000);
        else
            snprintf(com_s, sizeof(com_s), "%.2f", com);
        printf("| %s | %.1f | %.1f | %.2f | %s | %s | %s |\n", v[i].name, t,
               (double)sz / 1e6, sel, com_s, phrase ? "yes" : "no",
               snip ? "yes" : "no");
        sqlite3_close(db);
        remove(path);
    }
}

/* ---- 2. query latencies through store/ ---------------------------------- */

static int count_list(const struct store_list_row *r, void *ud)
{
    (void)r;
    ++*(size_t *)ud;
    return 0;
}
static int count_search(const struct store_search_row *r, void *ud)
{
    (void)r;
    ++*(size_t *)ud;
    return 0;
}

static void latencies(const char *path, size_t n)
{
    struct store *st;
    if (store_open(path, &st, &err) != FS_OK)
        die(path, err.msg);
    double v[RUNS];
    size_t got = 0;
    printf("\n## Query latencies through store/ (median of %d)\n", RUNS);
    printf("| query | median ms | rows |\n|---|---|---|\n");
    for (int r = 0; r < RUNS; r++) {
        struct store_list_query q = {.tag = "topic/t3", .since = FS_TIME_NONE,
                                     .until = FS_TIME_NONE, .limit = 50};
        got = 0;
        double t = now_s();
        if (store_list(st, &q, count_list, &got, &err) != FS_OK)
            die("list", err.msg);
        v[r] = (now_s() - t) * 1000;
    }
    printf("| list --tag topic/t3 --limit 50 (newest, one row per story) | %.2f | %zu |\n",
           median(v, RUNS), got);
    for (int r = 0; r < RUNS; r++) {
        struct store_list_query q = {.since = FS_TIME_NONE,
                                     .until = FS_TIME_NONE, .limit = 50};
        got = 0;
        double t = now_s();
        if (store_list(st, &q, count_list, &got, &err) != FS_OK)
            die("list", err.msg);
        v[r] = (now_s() - t) * 1000;
    }
    printf("| list --limit 50 (no filter) | %.2f | %zu |\n", median(v, RUNS),
           got);
    for (int r = 0; r < RUNS; r++) {
        struct store_item_detail *d = NULL;
        int64_t id = 1 + (int64_t)((size_t)r * 7919 % n);
        double t = now_s();
        if (store_item_detail_get(st, id, &d, &err) != FS_OK)
            die("show", err.msg);
        v[r] = (now_s() - t) * 1000;
        store_item_detail_free(d);
    }
    printf("| show ID (all fields, sources, versions, tags) | %.2f | 1 |\n",
           median(v, RUNS));
    static const char *const terms[] = {"zqselect", "w0", "\"w1 w2\""};
    static const char *const what[] = {
        "search top 20, selective term (1 item in 2,000)",
        "search top 20, very common term (nearly every item)",
        "search top 20, phrase of two common words"};
    for (int k = 0; k < 3; k++) {
        for (int r = 0; r < (k ? 5 : RUNS); r++) {
            struct store_search_query q = {.match = terms[k],
                                           .since = FS_TIME_NONE,
                                           .until = FS_TIME_NONE,
                                           .limit = 20};
            got = 0;
            double t = now_s();
            if (store_search(st, &q, count_search, &got, &err) != FS_OK)
                die("search", err.msg);
            v[r] = (now_s() - t) * 1000;
        }
        printf("| %s | %.2f | %zu |\n", what[k], median(v, k ? 5 : RUNS),
               got);
    }
    store_close(st);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_store N DIR\n");
        return 2;
    }
    size_t n = (size_t)strtoull(argv[1], NULL, 10);
    const char *dir = argv[2];
    char a[4096], b[4096];
    snprintf(a, sizeof(a), "%s/store.db", dir);
    snprintf(b, sizeof(b), "%s/bare.db", dir);
    fs_log_set_level(FS_LOG_ERROR);
    setvbuf(stdout, NULL, _IOLBF, 0); /* figures as they come */
    printf("# bench_store: %zu items of 3-4 KB\n\n## Insert (%d items per"
           " transaction, the two paths interleaved)\n", n, BATCH);
    progress_every_n = n;
    insert_both(a, b, n);
    remove(b);
    /* FTS_OPTIONS=0 skips part 3; FTS_OPTIONS_N=K measures the options on
     * the first K rows (default: all, at most 100,000: the options' build
     * time and index size grow linearly, and at 1,000,000 items the five
     * builds would take longer than the insert runs). */
    latencies(a, n); /* before part 3: the figures a long run is for */
    const char *fo = getenv("FTS_OPTIONS"), *fon = getenv("FTS_OPTIONS_N");
    size_t rows = fon && *fon ? (size_t)strtoull(fon, NULL, 10)
                              : n < 100000 ? n : 100000;
    if (!(fo && !strcmp(fo, "0")) && rows > 0)
        fts_options(a, dir, rows < n ? rows : n);
    return 0;
}
