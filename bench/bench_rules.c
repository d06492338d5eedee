/*
 * bench_rules.c — classifier throughput with 10, 100 and 1000 generated
 * rules over generated news text, three ways in one run:
 *
 *   feedsift   rule_set_match() as the crawl uses it (Vectorscan prefilter,
 *              then PCRE2 for the rules it flags)
 *   plain      rule_set_match() with FEEDSIFT_PREFILTER=0: every pattern
 *              of every rule run with PCRE2 (JIT) on every field
 *   vectorscan one Vectorscan database of all the patterns scanned over
 *              every field, nothing else: the ceiling (two flag sets,
 *              with and without SINGLEMATCH; the faster one counts)
 *
 * The text is built from a news-like vocabulary with a fixed seed, so runs
 * compare; rules look like real ones (phrases, alternations, near pairs,
 * all/none, score rules) and each fires on a small share of items.  The
 * plain loop is timed on a prefix of the items (it is orders of magnitude
 * slower at 1000 rules) — throughput is bytes or items per second either
 * way.  Prefilter and plain results are compared on that prefix and the
 * run fails loudly if they differ.
 *
 * Times are CPU seconds of this (single-threaded) process, not wall time:
 * the build machine is shared, and CPU time is what the other jobs
 * disturb least.  feedsift and Vectorscan alone are each timed BENCH_REPS
 * times (default 3) over the whole corpus and the fastest pass counts,
 * the same for both, so one unlucky pass does not decide the ratio.
 *
 * usage: bench_rules [MB] [RULE_COUNTS...]   (default 100 MB; 10 100 1000)
 *        bench_rules --rules-text N         (print the N generated rules)
 */
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef FEEDSIFT_HAVE_HS
#include <hs/hs.h>
#endif

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHUNK 500                /* items per turn, see main() */

static int reps(void)
{
    const char *e = getenv("BENCH_REPS");
    int n = e ? atoi(e) : 3;
    return n > 0 ? n : 1;
}

/* Common words make most of the text; "topic" words (what rules look
 * for) are rarer, so each rule fires on a small share of items. */
static const char *const COMMON[] = {
    "the", "a", "of", "to", "in", "and", "for", "on", "with", "as", "by",
    "said", "says", "will", "has", "have", "was", "were", "is", "are", "its",
    "their", "after", "before", "year", "week", "month", "government",
    "officials", "company", "companies", "market", "markets", "report",
    "people", "new", "first", "last", "more", "than", "over", "under",
    "percent", "million", "billion", "analysts", "expected", "according",
    "statement", "minister", "ministry", "president", "country", "world",
    "growth", "plan", "plans", "policy", "talks", "deal", "data", "shares",
    "prices", "price", "rise", "fell", "rose", "higher", "lower", "demand",
    "supply", "production", "output", "exports", "imports", "investors",
    "bank", "central", "rates", "trade", "global", "economy", "quarter",
    "sales", "profit", "energy", "oil", "gas", "power", "workers", "union",
    "court", "election", "party", "vote", "city", "region", "state", "local",
    "Reuters", "Bloomberg", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "2025", "2026", "Beijing", "Washington", "Brussels", "Tokyo",
    "Berlin", "London", "Seoul", "Delhi", "Paris", "Ottawa", "Canberra",
};
#define N_COMMON (sizeof(COMMON) / sizeof(COMMON[0]))
#define N_TOPIC 3000

static char topic[N_TOPIC][12];

static void make_topics(void)
{
    static const char cons[] = "bcdfghjklmnprstvz", vow[] = "aeiou";
    for (int i = 0; i < N_TOPIC; i++) {
        int len = 3 + (int)rnd(3), p = 0;
        for (int k = 0; k < len; k++) {
            topic[i][p++] = cons[rnd(sizeof(cons) - 1)];
            topic[i][p++] = vow[rnd(sizeof(vow) - 1)];
        }
        topic[i][p] = '\0';
    }
}

static void add_words(struct strbuf *sb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addstr(sb, rnd(12) ? " " : ", ");
        if (rnd(25) == 0)
            strbuf_addstr(sb, topic[rnd(N_TOPIC)]);
        else
            strbuf_addstr(sb, COMMON[rnd(N_COMMON)]);
    }
    strbuf_addch(sb, '.');
}

struct item {
    char *title, *summary, *body;
    size_t bytes;
};

static struct item *make_items(size_t mb, size_t *n_out, size_t *bytes_out)
{
    size_t alloc = 0, n = 0, bytes = 0;
    struct item *items = NULL;
    while (bytes < mb * 1024 * 1024) {
        FS_GROW(items, n + 1, alloc);
        struct strbuf t = STRBUF_INIT, s = STRBUF_INIT, b = STRBUF_INIT;
        add_words(&t, 8 + rnd(6));
        add_words(&s, 25 + rnd(20));
        for (int para = 0; para < 4 + (int)rnd(5); para++) {
            add_words(&b, 40 + rnd(40));
            strbuf_addch(&b, '\n');
        }
        items[n].bytes = t.len + s.len + b.len;
        bytes += items[n].bytes;
        items[n].title = strbuf_detach(&t, NULL);
        items[n].summary = strbuf_detach(&s, NULL);
        items[n].body = strbuf_detach(&b, NULL);
        n++;
    }
    *n_out = n;
    *bytes_out = bytes;
    return items;
}

static const char *tw(void)
{
    return topic[rnd(N_TOPIC)];
}

/* n rules of the shapes real rule files use. */
static char *make_rules(unsigned n)
{
    struct strbuf sb = STRBUF_INIT;
    for (unsigned i = 0; i < n; i++) {
        strbuf_addf(&sb, "[rule r%u]\ntag = bench/t%u\n", i, i % 50);
        switch (i % 5) {
        case 0:
            strbuf_addf(&sb, "any = \\b%s (prices?|output|exports)\\b\n"
                        "any = \\b%s\\b\n", tw(), tw());
            break;
        case 1:
            strbuf_addf(&sb, "near = \\b%ss?\\b ~8 \\b(%s|%s)\\b\n"
                        "none = \\b%s\\b\n", tw(), tw(), tw(), tw());
            break;
        case 2:
            strbuf_addf(&sb, "all = \\b%s\\b\nall = \\b(the|a) %s\\b\n",
                        tw(), tw());
            break;
        case 3:
            strbuf_addf(&sb, "threshold = 2\nscore = 1 \\b%s\\b\n"
                        "score = 1 \\b%s\\b\nscore = 1 \\b%s\\b\n"
                        "score = -1 \\b%s\\b\n", tw(), tw(), tw(), tw());
            break;
        default:
            strbuf_addf(&sb, "case = sensitive\n"
                        "any = \\b(%s|%s|%s)(ing|ed|s)?\\b\n", tw(), tw(),
                        tw());
            break;
        }
    }
    return strbuf_detach(&sb, NULL);
}

static struct rule_set *load(const char *text, int prefilter, double *secs)
{
    setenv("FEEDSIFT_PREFILTER", prefilter ? "1" : "0", 1);
    double t0 = now_s();
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load_buffer(text, strlen(text), "bench.rules", &set, &err) !=
        FS_OK) {
        fprintf(stderr, "bench_rules: %s\n", err.msg);
        exit(1);
    }
    *secs = now_s() - t0;
    unsetenv("FEEDSIFT_PREFILTER");
    return set;
}

/* Classify items[0..n): seconds; *hits gets the number of hits and
 * *digest a checksum of the hits (rule ids and evidence offsets). */
#define DIGEST_INIT 1469598103934665603ULL
/* run_set() without resetting *hits and *digest (for chunked runs). */
static double run_set_more(const struct rule_set *set,
                           const struct item *items, size_t n, size_t *hits,
                           unsigned long long *digest)
{
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        struct classify_input in = {items[i].title, items[i].summary,
                                    items[i].body, NULL, NULL};
        struct classification c;
        fs_error err;
        rule_set_match(set, &in, &c, &err);
        *hits += c.n_hits;
        for (size_t k = 0; k < c.n_hits; k++) {
            for (const char *p = c.hits[k].rule_id; *p; p++)
                *digest = (*digest ^ (unsigned char)*p) * 1099511628211ULL;
            *digest = (*digest ^ c.hits[k].start ^ (c.hits[k].end << 20) ^
                       ((unsigned long long)c.hits[k].field_index << 40)) *
                      1099511628211ULL;
        }
        classification_release(&c);
    }
    return now_s() - t0;
}

static double run_set(const struct rule_set *set, const struct item *items,
                      size_t n, size_t *hits, unsigned long long *digest)
{
    *hits = 0;
    *digest = DIGEST_INIT;
    return run_set_more(set, items, n, hits, digest);
}

#ifdef FEEDSIFT_HAVE_HS
static int count_cb(unsigned id, unsigned long long from,
                    unsigned long long to, unsigned flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ++*(size_t *)ctx;
    return 0;
}

/* Vectorscan alone: one database of the same patterns as the rule set,
 * with the same pattern flags (PREFILTER — Vectorscan cannot compile
 * PCRE2's UCP \b any other way — UTF8, UCP, CASELESS unless the rule is
 * case sensitive), scanned over the same fields, nothing else.  Two flag
 * sets are timed: with SINGLEMATCH (what a "which patterns occur"
 * scanner would naturally use) and without (what feedsift's database
 * uses); the faster of the two is the ceiling. */
struct hs_alone {
    hs_database_t *db;
    hs_scratch_t *scratch;
    double compile_s;
};

static void hs_alone_init(struct hs_alone *h, const char *rules_text,
                          int single)
{
    /* collect the patterns back from the generated text: every value of
     * any/all/none/near (both halves)/score */
    const char **expr = NULL;
    unsigned *flags = NULL, *ids = NULL;
    size_t ne = 0, alloc = 0, alloc_f = 0, alloc_i = 0;
    char *copy = fs_strdup(rules_text);
    int cs = 0;
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        char *v = NULL, *v2 = NULL;
        if (!strncmp(line, "[rule", 5)) {
            cs = 0;
            continue;
        }
        if (!strncmp(line, "any = ", 6) || !strncmp(line, "all = ", 6) ||
            !strncmp(line, "none = ", 7))
            v = strchr(line, '=') + 2;
        else if (!strncmp(line, "score = ", 8))
            v = strchr(line + 8, ' ') + 1;
        else if (!strncmp(line, "near = ", 7)) {
            v = line + 7;
            char *sep = strstr(v, " ~");
            *sep = '\0';
            v2 = strchr(sep + 2, ' ') + 1;
        } else if (!strcmp(line, "case = sensitive")) {
            cs = 1; /* the generator writes it before the patterns */
        }
        for (char *pv = v; pv; pv = pv == v ? v2 : NULL) {
            FS_GROW(expr, ne + 1, alloc);
            FS_GROW(flags, ne + 1, alloc_f);
            FS_GROW(ids, ne + 1, alloc_i);
            expr[ne] = pv;
            flags[ne] = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP |
                        (single ? HS_FLAG_SINGLEMATCH : 0) |
                        (cs ? 0 : HS_FLAG_CASELESS);
            ids[ne] = (unsigned)ne;
            ne++;
        }
    }
    double t0 = now_s();
    hs_compile_error_t *cerr = NULL;
    h->db = NULL;
    h->scratch = NULL;
    if (hs_compile_multi(expr, flags, ids, (unsigned)ne, HS_MODE_BLOCK, NULL,
                         &h->db, &cerr) != HS_SUCCESS) {
        fprintf(stderr, "bench_rules: vectorscan: %s\n", cerr->message);
        exit(1);
    }
    h->compile_s = now_s() - t0;
    if (hs_alloc_scratch(h->db, &h->scratch) != HS_SUCCESS) {
        fprintf(stderr, "bench_rules: vectorscan: no scratch\n");
        exit(1);
    }
    free(expr);
    free(flags);
    free(ids);
    free(copy);
}

/* One pass over items[0..n): CPU seconds. */
static double hs_alone_pass(struct hs_alone *h, const struct item *items,
                            size_t n)
{
    size_t matches = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        const char *f[3] = {items[i].title, items[i].summary, items[i].body};
        for (int k = 0; k < 3; k++)
            hs_scan(h->db, f[k], (unsigned)strlen(f[k]), 0, h->scratch,
                    count_cb, &matches);
    }
    return now_s() - t0;
}

static void hs_alone_free(struct hs_alone *h)
{
    hs_free_scratch(h->scratch);
    hs_free_database(h->db);
}
#endif

int main(int argc, char **argv)
{
    /* --rules-text N: print the N rules a run generates and exit
     * (bench/bench_pfcache.sh times compiling and caching them) */
    if (argc == 3 && !strcmp(argv[1], "--rules-text")) {
        unsigned nr = (unsigned)atoi(argv[2]);
        make_topics();
        rng_state = 0x12345678ULL + nr; /* as below */
        char *text = make_rules(nr);
        fputs(text, stdout);
        free(text);
        return 0;
    }
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 100;
    unsigned counts[8] = {10, 100, 1000};
    int n_counts = 3;
    if (argc > 2) {
        n_counts = 0;
        for (int i = 2; i < argc && n_counts < 8; i++)
            counts[n_counts++] = (unsigned)atoi(argv[i]);
    }
    make_topics();
    size_t n_items, bytes;
    struct item *items = make_items(mb, &n_items, &bytes);
    printf("corpus: %zu items, %.1f MB (title + summary + body), %s\n",
           n_items, bytes / 1048576.0, classifier_engine());
    printf("%6s %-11s %10s %12s %9s %9s\n", "rules", "matcher", "MB/s",
           "items/s", "compile", "hits/item");
    int fail = 0;
    for (int ci = 0; ci < n_counts; ci++) {
        unsigned nr = counts[ci];
        rng_state = 0x12345678ULL + nr; /* rules depend on the count only */
        char *text = make_rules(nr);
        double c_pf, c_plain;
        struct rule_set *pf = load(text, 1, &c_pf);
        struct rule_set *plain = load(text, 0, &c_plain);
        {
            struct strbuf d = STRBUF_INIT;
            rule_set_engine_describe(pf, &d);
            printf("%6u rules: %s\n", nr, d.buf);
            strbuf_release(&d);
        }
        if (!rule_set_prefiltered(pf))
            printf("(no prefilter in this build: feedsift = plain loop)\n");

        size_t hits;
        unsigned long long dig_pf, dig_plain;
        int profiling = getenv("BENCH_FEEDSIFT_ONLY") != NULL;
#ifdef FEEDSIFT_HAVE_HS
        /* the two Vectorscan-alone databases, timed interleaved with
         * feedsift below so that a change in machine load hits all three */
        struct hs_alone hs1 = {0}, hs2 = {0};
        double t_hs1 = 0, t_hs2 = 0;
        if (!profiling) {
            hs_alone_init(&hs1, text, 1);
            hs_alone_init(&hs2, text, 0);
        }
#endif
        /* Each pass goes through the corpus in chunks of CHUNK items and
         * runs feedsift and both Vectorscan-alone databases on each chunk
         * in turn: on a shared machine the load changes within seconds,
         * and this way every change falls on all three alike. */
        double t_pf = 0;
        for (int rep = reps(); rep > 0; rep--) {
            double t = 0;
#ifdef FEEDSIFT_HAVE_HS
            double t1 = 0, t2 = 0;
#endif
            hits = 0;
            dig_pf = DIGEST_INIT;
            for (size_t off = 0; off < n_items; off += CHUNK) {
                size_t n = n_items - off < CHUNK ? n_items - off : CHUNK;
                t += run_set_more(pf, items + off, n, &hits, &dig_pf);
#ifdef FEEDSIFT_HAVE_HS
                if (profiling)
                    continue;
                t1 += hs_alone_pass(&hs1, items + off, n);
                t2 += hs_alone_pass(&hs2, items + off, n);
#endif
            }
            if (t_pf == 0 || t < t_pf)
                t_pf = t;
#ifdef FEEDSIFT_HAVE_HS
            if (t_hs1 == 0 || t1 < t_hs1)
                t_hs1 = t1;
            if (t_hs2 == 0 || t2 < t_hs2)
                t_hs2 = t2;
#endif
        }
        double mbps_pf = bytes / 1048576.0 / t_pf;
        printf("%6u %-11s %10.1f %12.0f %8.2fs %9.3f\n", nr, "feedsift",
               mbps_pf, n_items / t_pf, c_pf, (double)hits / n_items);

        if (profiling) {
            for (int rep = atoi(getenv("BENCH_FEEDSIFT_ONLY")); rep > 1;
                 rep--)
                run_set(pf, items, n_items, &hits, &dig_pf);
            rule_set_free(pf);
            rule_set_free(plain);
            free(text);
            continue;
        }
        /* plain loop: on a prefix big enough for ~2 s */
        size_t n_plain = n_items, plain_bytes = 0;
        double budget = 2.0, per_item = 0;
        {
            size_t probe = n_items < 200 ? n_items : 200;
            size_t h;
            unsigned long long d;
            per_item = run_set(plain, items, probe, &h, &d) / probe;
            size_t want = (size_t)(budget / (per_item > 0 ? per_item : 1e-9));
            if (want < probe)
                want = probe;
            if (want < n_plain)
                n_plain = want;
        }
        for (size_t i = 0; i < n_plain; i++)
            plain_bytes += items[i].bytes;
        size_t hits_plain, hits_pf_prefix;
        double t_plain = run_set(plain, items, n_plain, &hits_plain,
                                 &dig_plain);
        unsigned long long dig_pf_prefix;
        run_set(pf, items, n_plain, &hits_pf_prefix, &dig_pf_prefix);
        double mbps_plain = plain_bytes / 1048576.0 / t_plain;
        printf("%6u %-11s %10.2f %12.0f %8.2fs %9.3f   (%zu items)\n", nr,
               "plain PCRE2", mbps_plain, n_plain / t_plain, c_plain,
               (double)hits_plain / n_plain, n_plain);
        if (hits_plain != hits_pf_prefix || dig_plain != dig_pf_prefix) {
            printf("!! prefilter and plain loop DIFFER on the first %zu "
                   "items\n", n_plain);
            fail = 1;
        }
#ifdef FEEDSIFT_HAVE_HS
        double mbps_hs1 = bytes / 1048576.0 / t_hs1;
        double mbps_hs2 = bytes / 1048576.0 / t_hs2;
        printf("%6u %-11s %10.1f %12.0f %8.2fs   (SINGLEMATCH)\n", nr,
               "vectorscan", mbps_hs1, n_items / t_hs1, hs1.compile_s);
        printf("%6u %-11s %10.1f %12.0f %8.2fs   (all matches)\n", nr,
               "vectorscan", mbps_hs2, n_items / t_hs2, hs2.compile_s);
        double mbps_hs = mbps_hs1 > mbps_hs2 ? mbps_hs1 : mbps_hs2;
        printf("%6u ratios: feedsift = %.1fx plain loop, %.2fx vectorscan "
               "alone (the faster of the two)\n", nr, mbps_pf / mbps_plain,
               mbps_pf / mbps_hs);
        hs_alone_free(&hs1);
        hs_alone_free(&hs2);
#else
        printf("%6u ratio: feedsift = %.1fx plain loop\n", nr,
               mbps_pf / mbps_plain);
#endif
        rule_set_free(pf);
        rule_set_free(plain);
        free(text);
    }
    for (size_t i = 0; i < n_items; i++) {
        free(items[i].title);
        free(items[i].summary);
        free(items[i].body);
    }
    free(items);
    return fail;
}
