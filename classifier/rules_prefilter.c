/*
 * rules_prefilter.c — a Vectorscan (Hyperscan) prefilter in front of the
 * PCRE2 matcher.
 *
 * Every pattern of every rule (any, all, none, near halves, score) goes
 * into one Vectorscan block-mode database compiled with HS_FLAG_PREFILTER
 * (plus UTF8, UCP and CASELESS unless the rule is case sensitive).
 * rule_set_match() scans each field once with it and then runs PCRE2 only
 * for (pattern, field) pairs Vectorscan reported, and only from where a
 * real match can start (see "Where PCRE2 starts" below).
 *
 * Invariant: the prefilter never misses.  Prefilter mode guarantees that
 * a reported-absent pattern cannot match (Vectorscan approximates what it
 * cannot do exactly — back-references, some repeats — by matching more,
 * never less).  A pattern Vectorscan cannot compile even in prefilter
 * mode is marked "always possible" and PCRE2 always runs it, so results
 * equal the plain loop's by construction (tests/classifier compares them
 * on the labeled set and random texts).  If the database as a whole
 * cannot be built, or a scan fails, every pattern runs (plain loop).
 *
 * Where PCRE2 starts.  Without a start bound every confirmation would
 * search its field from byte 0 up to the real match — on news text, about
 * 1.7 times the text per item with 1000 rules, more than the Vectorscan
 * scan itself.  The bound rests on two facts:
 *   (1) every end offset of a real match is the end offset of a reported
 *       prefilter match (the approximation only widens what the pieces
 *       match: assertions become empty, back-references `.*`, atomic and
 *       possessive groups plain ones — the end of a real span stays a
 *       prefilter end).  Patterns are compiled WITHOUT SINGLEMATCH, so
 *       every prefilter end is reported, in whatever order Vectorscan
 *       delivers them (expressions with `\b` are "unordered": an end can
 *       be reported after a later one), and we keep the smallest, `to`;
 *   (2) a real match spans at most max_chars characters (code points).
 *       That count comes from Vectorscan's width analysis of the pattern
 *       in byte mode (no UTF8/UCP) with the zero-width anchors and word
 *       boundaries removed and in prefilter mode: every atom of the byte
 *       pattern (literal byte, class, dot) stands for at most one
 *       character of the UTF-8/UCP pattern (a literal multi-byte character
 *       is several atoms for one character; case folding in PCRE2 maps one
 *       character to one character), and removing assertions only adds
 *       matches.  Unbounded or unparsable: no bound.
 * (1) also bounds the other side: no real match ends after the largest
 * prefilter end, so a search from beyond it (the next match, for `near`)
 * need not run at all.
 * So every real match ends at or after `to` and starts at most
 * max_chars characters before its end: none starts before the point
 * max_chars characters before `to`, and PCRE2 starting its search
 * there finds the same first match as from byte 0 (it still sees the text
 * before, for lookbehinds and \b).  tests/classifier compares both modes.
 *
 * When it is built.  Compiling costs about a second of CPU for the
 * shipped rules (7 s for 1000 rules), more than a short command spends
 * matching.  So by default it is built lazily, on a thread of its own,
 * once the set has matched RULES_PREFILTER_AFTER bytes
 * (rules_prefilter_get).  A big consumer (crawl, reclassify) calls
 * rule_set_prefilter_prepare() instead, right after loading: that loads
 * the compiled prefilter from the on-disk cache (rules_pfcache.c) when
 * the cache has it for exactly these patterns, so every match from the
 * first one uses it, else starts the compile on its thread at once and
 * writes the cache entry when it is done.  The key (prefilter_key) covers
 * every input of the compile and of what is derived with it; a cached
 * prefilter is the compiled one byte for byte (the serialized database,
 * the always flags and the width bounds), so results cannot differ.
 *
 * Threads: the database is immutable after loading; a scan needs scratch
 * space, per-pattern arrays and a PCRE2 match data (a workspace).  One
 * workspace is cached in the set and taken with an atomic flag — a
 * concurrent caller that finds it taken builds its own for the call
 * (cloning the scratch).
 * Without Vectorscan (built without libhs) the functions here only index
 * the patterns and every match uses the plain loop.
 */
#include "rules_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FEEDSIFT_HAVE_HS
#include <hs/hs.h>
#include <stdatomic.h>

struct rule_prefilter {
    hs_database_t *db;
    hs_scratch_t *scratch;      /* the prototype (never scanned with) */
    struct prefilter_work work; /* cached workspace (uses scratch) */
    atomic_flag work_busy;
    unsigned char *always;      /* per pattern: Vectorscan could not take it */
    /* per pattern, what a match report needs, in one place: its rule and
     * its longest real match in characters (UINT_MAX: unbounded or
     * unknown; rules_pattern_max_chars) */
    struct pf_pattern {
        uint32_t rule;
        uint32_t max_chars;
    } *pat;
    uint32_t *always_list;      /* the indexes of the always patterns */
    size_t n_in_db, n_always;
    int from_cache;             /* loaded from the on-disk cache */
};
#endif

static void index_pattern(struct rule_set *set, size_t *alloc,
                          struct rule_pattern *p, size_t rule)
{
    if (set->n_patterns + 1 > *alloc) {
        FS_GROW(set->patterns, set->n_patterns + 1, *alloc);
        set->pattern_rule = fs_realloc(set->pattern_rule,
                                       *alloc * sizeof(uint32_t));
    }
    p->index = (unsigned)set->n_patterns;
    set->pattern_rule[set->n_patterns] = (uint32_t)rule;
    set->patterns[set->n_patterns++] = p;
}

static void need_add(struct rule_set *set, size_t *n, size_t *alloc,
                     uint32_t v)
{
    FS_GROW(set->need, *n + 1, *alloc);
    set->need[(*n)++] = v;
}

/* set->need / need_off (rules_internal.h); after the indexes are set. */
static void build_need(struct rule_set *set)
{
    size_t n = 0, alloc = 0;
    set->need_off = fs_calloc(set->n_rules + 1, sizeof(uint32_t));
    for (size_t i = 0; i < set->n_rules; i++) {
        const struct rule *r = &set->rules[i];
        set->need_off[i] = (uint32_t)n;
        need_add(set, &n, &alloc, r->fields);
        need_add(set, &n, &alloc, (uint32_t)r->n_any);
        for (size_t j = 0; j < r->n_any; j++)
            need_add(set, &n, &alloc, r->any[j].index);
        need_add(set, &n, &alloc, (uint32_t)r->n_all);
        for (size_t j = 0; j < r->n_all; j++)
            need_add(set, &n, &alloc, r->all[j].index);
        need_add(set, &n, &alloc, (uint32_t)r->n_near);
        for (size_t j = 0; j < r->n_near; j++) {
            need_add(set, &n, &alloc, r->near[j].a.index);
            need_add(set, &n, &alloc, r->near[j].b.index);
        }
        need_add(set, &n, &alloc, (uint32_t)r->n_score);
        need_add(set, &n, &alloc, (uint32_t)(int32_t)r->threshold);
        for (size_t j = 0; j < r->n_score; j++) {
            need_add(set, &n, &alloc, r->score[j].index);
            need_add(set, &n, &alloc, (uint32_t)(int32_t)r->score[j].weight);
        }
    }
    set->need_off[set->n_rules] = (uint32_t)n;
}

/* Fill set->patterns in rule order; every pattern gets its index. */
static void index_all(struct rule_set *set)
{
    size_t alloc = 0;
    for (size_t i = 0; i < set->n_rules; i++) {
        struct rule *r = &set->rules[i];
        for (size_t j = 0; j < r->n_any; j++)
            index_pattern(set, &alloc, &r->any[j], i);
        for (size_t j = 0; j < r->n_all; j++)
            index_pattern(set, &alloc, &r->all[j], i);
        for (size_t j = 0; j < r->n_none; j++)
            index_pattern(set, &alloc, &r->none[j], i);
        for (size_t j = 0; j < r->n_near; j++) {
            index_pattern(set, &alloc, &r->near[j].a, i);
            index_pattern(set, &alloc, &r->near[j].b, i);
        }
        for (size_t j = 0; j < r->n_score; j++)
            index_pattern(set, &alloc, &r->score[j], i);
    }
    build_need(set);
}

#ifdef FEEDSIFT_HAVE_HS

static void work_init(const struct rule_set *set, struct prefilter_work *w)
{
    w->possible = fs_calloc(set->n_patterns, 1);
    w->bound = fs_calloc(set->n_patterns * RULE_FIELD_COUNT,
                         sizeof(*w->bound));
    w->cand = fs_calloc(set->n_rules + 1, sizeof(uint32_t));
    w->rule_seen = fs_calloc(set->n_rules + 1, 1);
    w->n_cand = 0;
    w->md = pcre2_match_data_create(1, NULL);
    if (!w->md)
        fs_oom();
}

static void work_release(struct prefilter_work *w)
{
    free(w->possible);
    free(w->bound);
    free(w->cand);
    free(w->rule_seen);
    pcre2_match_data_free(w->md);
}

/* The Vectorscan flags of a pattern (its rule's case mode).  No
 * HS_FLAG_SINGLEMATCH: the start bound needs the smallest end of all the
 * prefilter matches, and with \b Vectorscan may deliver a later end first
 * (see the header comment). */
static unsigned hs_flags_for(const struct rule_set *set, size_t pattern)
{
    unsigned f = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP;
    if (!set->rules[set->pattern_rule[pattern]].case_sensitive)
        f |= HS_FLAG_CASELESS;
    return f;
}

/* Copy a pattern without its zero-width anchors and word boundaries
 * (^ $ \b \B \A \z \Z \G outside character classes), for the width
 * analysis only: removing an assertion can only add matches, so the width
 * found bounds the real one, and Vectorscan's ASCII reading of \b (byte
 * mode) can no longer rule out a path PCRE2's UCP \b allows.  Classes,
 * \Q...\E, (?#...) and escapes with braces (\x{..}, \p{..}) are copied
 * as they are.  A mistake here can only make Vectorscan reject the copy
 * (then: no bound), never shorten it, except by dropping an assertion it
 * should have kept, which is harmless. */
static char *strip_assertions(const char *src)
{
    struct strbuf sb = STRBUF_INIT;
    const char *p = src;
    while (*p) {
        if (p[0] == '\\' && p[1] == 'Q') {
            const char *e = strstr(p + 2, "\\E");
            size_t n = e ? (size_t)(e + 2 - p) : strlen(p);
            strbuf_add(&sb, p, n);
            p += n;
        } else if (p[0] == '\\' && p[1]) {
            if (strchr("bBAzZG", p[1])) {
                p += 2;
                continue;
            }
            size_t n = 2;
            if (p[2] == '{') {
                const char *e = strchr(p + 2, '}');
                n = e ? (size_t)(e + 1 - p) : strlen(p);
            }
            strbuf_add(&sb, p, n);
            p += n;
        } else if (p[0] == '(' && p[1] == '?' && p[2] == '#') {
            const char *e = strchr(p, ')');
            size_t n = e ? (size_t)(e + 1 - p) : strlen(p);
            strbuf_add(&sb, p, n);
            p += n;
        } else if (p[0] == '[') {
            /* a class: up to the ']' that closes it (a ']' right after
             * '[' or '[^' is a member; so are [:name:] and escapes) */
            const char *q = p + 1;
            if (*q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']') {
                if (q[0] == '\\' && q[1])
                    q += 2;
                else if (q[0] == '[' && q[1] == ':') {
                    const char *e = strstr(q + 2, ":]");
                    q = e ? e + 2 : q + 1;
                } else
                    q++;
            }
            if (*q)
                q++;
            strbuf_add(&sb, p, (size_t)(q - p));
            p = q;
        } else if (p[0] == '^' || p[0] == '$') {
            p++;
        } else {
            strbuf_addch(&sb, *p);
            p++;
        }
    }
    return strbuf_detach(&sb, NULL);
}

/* the flags of the width analysis (rules_pattern_max_chars); in the
 * cache key too */
#define WIDTH_FLAGS \
    (HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY | HS_FLAG_DOTALL | \
     HS_FLAG_CASELESS)

unsigned rules_pattern_max_chars(const char *source)
{
    char *bytes = strip_assertions(source);
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    unsigned w = UINT_MAX;
    /* byte mode (no UTF8/UCP): one atom per character at most; PREFILTER
     * so back-references, atomic groups and the like still get a width
     * (each approximation matches at least the spans of the original) */
    if (hs_expression_info(bytes, WIDTH_FLAGS, &info, &cerr) == HS_SUCCESS)
        w = info->max_width;
    else
        hs_free_compile_error(cerr);
    free(info);
    free(bytes);
    return w;
}

static struct rule_prefilter *compile_prefilter(const struct rule_set *set);
static void write_cache(const struct rule_set *set,
                        const struct rule_prefilter *pf);

void rules_prefilter_build(struct rule_set *set)
{
    index_all(set);
    atomic_init(&set->prefilter, NULL);
    atomic_flag_clear(&set->prefilter_claimed);
    atomic_init(&set->bytes_matched, 0);
    atomic_init(&set->prefilter_eager, 0);
    set->prefilter_lazy = 0;
    const char *env = getenv("FEEDSIFT_PREFILTER");
    if (!set->n_patterns || (env && !strcmp(env, "0")))
        return;
    if (env && !strcmp(env, "1")) {
        atomic_flag_test_and_set(&set->prefilter_claimed);
        atomic_store(&set->prefilter, compile_prefilter(set));
        return;
    }
    set->prefilter_lazy = 1;
}

/* The build's thread: compile, publish for every matcher, then write the
 * cache entry when prepare() asked for one (the matchers need not wait
 * for the file). */
static void *prefilter_builder(void *arg)
{
    struct rule_set *set = arg;
    struct rule_prefilter *pf = compile_prefilter(set);
    atomic_store_explicit(&set->prefilter, pf, memory_order_release);
    if (pf && set->prefilter_cache)
        write_cache(set, pf);
    return NULL;
}

struct rule_prefilter *rules_prefilter_get(const struct rule_set *set,
                                           size_t bytes)
{
    struct rule_set *mset = (struct rule_set *)set; /* the atomic fields */
    struct rule_prefilter *pf =
        atomic_load_explicit(&mset->prefilter, memory_order_acquire);
    if (pf || !set->prefilter_lazy)
        return pf;
    size_t seen = atomic_fetch_add(&mset->bytes_matched, bytes) + bytes;
    if (seen < RULES_PREFILTER_AFTER ||
        atomic_flag_test_and_set(&mset->prefilter_claimed))
        return NULL; /* not due, or another caller is building it */
    if (pthread_create(&mset->prefilter_thread, NULL, prefilter_builder,
                       mset) == 0) {
        mset->prefilter_thread_started = 1;
        return NULL; /* the plain loop until it is published */
    }
    pf = compile_prefilter(set); /* no thread to be had: build it here */
    atomic_store_explicit(&mset->prefilter, pf, memory_order_release);
    return pf;
}

void rules_prefilter_join(struct rule_set *set)
{
    if (set->prefilter_thread_started) {
        pthread_join(set->prefilter_thread, NULL);
        set->prefilter_thread_started = 0;
    }
    free(set->prefilter_cache_dir);
    free(set->prefilter_cache);
    set->prefilter_cache_dir = set->prefilter_cache = NULL;
}

static struct rule_prefilter *prefilter_new(const struct rule_set *set)
{
    size_t n = set->n_patterns;
    struct rule_prefilter *pf = fs_calloc(1, sizeof(*pf));
    atomic_flag_clear(&pf->work_busy);
    pf->always = fs_calloc(n, 1);
    pf->pat = fs_calloc(n, sizeof(*pf->pat));
    for (size_t i = 0; i < n; i++)
        pf->pat[i].rule = set->pattern_rule[i];
    return pf;
}

static struct rule_prefilter *prefilter_finish(const struct rule_set *set,
                                               struct rule_prefilter *pf);

static struct rule_prefilter *compile_prefilter(const struct rule_set *set)
{
    size_t n = set->n_patterns;
    struct rule_prefilter *pf = prefilter_new(set);
    const char **expr = fs_calloc(n, sizeof(*expr));
    unsigned *flags = fs_calloc(n, sizeof(*flags));
    unsigned *ids = fs_calloc(n, sizeof(*ids));

    /* A cheap parse of each pattern first: what Vectorscan cannot read
     * at all (\C, recursion, callouts, ...) is always run. */
    for (size_t i = 0; i < n; i++) {
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *cerr = NULL;
        pf->pat[i].max_chars =
            rules_pattern_max_chars(set->patterns[i]->source);
        if (hs_expression_info(set->patterns[i]->source, hs_flags_for(set, i),
                               &info, &cerr) != HS_SUCCESS) {
            pf->always[i] = 1;
            hs_free_compile_error(cerr);
        }
        free(info);
    }
    /* Then the database; an expression that still fails (too complex
     * for prefilter mode) is moved to "always" and the rest retried. */
    for (;;) {
        unsigned m = 0;
        for (size_t i = 0; i < n; i++) {
            if (pf->always[i])
                continue;
            expr[m] = set->patterns[i]->source;
            flags[m] = hs_flags_for(set, i);
            ids[m] = (unsigned)i;
            m++;
        }
        pf->n_in_db = m;
        if (m == 0)
            break;
        hs_compile_error_t *cerr = NULL;
        hs_error_t rc = hs_compile_multi(expr, flags, ids, m, HS_MODE_BLOCK,
                                         NULL, &pf->db, &cerr);
        if (rc == HS_SUCCESS)
            break;
        int bad = cerr ? cerr->expression : -1;
        if (bad < 0 || (unsigned)bad >= m) {
            fs_log(FS_LOG_WARN, "rules: Vectorscan prefilter not built (%s);"
                   " using the plain PCRE2 loop",
                   cerr && cerr->message ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            pf->db = NULL;
            break;
        }
        hs_free_compile_error(cerr);
        pf->always[ids[bad]] = 1;
    }
    free(expr);
    free(flags);
    free(ids);
    return prefilter_finish(set, pf);
}

/* What compile and cache load share once pf->db, always, pat and n_in_db
 * are set: the scratch, the always list and the cached workspace.  NULL
 * (pf freed) when the database is missing or no scratch can be had. */
static struct rule_prefilter *prefilter_finish(const struct rule_set *set,
                                               struct rule_prefilter *pf)
{
    size_t n = set->n_patterns;
    if (pf->n_in_db && (!pf->db ||
                        hs_alloc_scratch(pf->db, &pf->scratch) != HS_SUCCESS)) {
        rules_prefilter_free(pf);
        return NULL;
    }
    pf->always_list = fs_calloc(n, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        if (pf->always[i])
            pf->always_list[pf->n_always++] = (uint32_t)i;
    work_init(set, &pf->work);
    /* the prototype is never scanned with, so cloning it while another
     * thread scans with the cached workspace's copy is safe */
    hs_scratch_t *own = NULL;
    if (pf->scratch && hs_clone_scratch(pf->scratch, &own) != HS_SUCCESS)
        own = NULL;
    pf->work.scratch = own;
    pf->work.cached = 1;
    return pf;
}

void rules_prefilter_free(struct rule_prefilter *pf)
{
    if (!pf)
        return;
    if (pf->scratch)
        hs_free_scratch(pf->scratch);
    if (pf->db)
        hs_free_database(pf->db);
    free(pf->always);
    free(pf->pat);
    free(pf->always_list);
    if (pf->work.scratch)
        hs_free_scratch(pf->work.scratch);
    work_release(&pf->work);
    free(pf);
}

/* ---- the on-disk cache ------------------------------------------------
 * Bump PFCACHE_FORMAT whenever what is derived from a pattern changes
 * without the pattern or its flags changing (hs_flags_for() and
 * WIDTH_FLAGS are in the key): strip_assertions(), how
 * compile_prefilter() decides "always", or the file layout
 * (rules_pfcache.c).  Old entries then just stop matching. */
#define PFCACHE_FORMAT 1u

static void hash_u64(struct pfcache_hash *h, uint64_t v)
{
    pfcache_hash_add(h, &v, sizeof(v));
}

/* SHA-256 over everything the compiled prefilter depends on: what goes
 * into hs_compile_multi (each pattern's bytes, flags and id, in order;
 * the mode), what the width bounds and the always flags are computed
 * with, hs_version() and the platform Vectorscan compiles for (the
 * database is tuned to this CPU), the byte order and word size the file
 * is written in, and PFCACHE_FORMAT.  Lengths go in before bytes, so no
 * two pattern lists hash the same input. */
static void prefilter_key(const struct rule_set *set,
                          unsigned char key[PFCACHE_KEY_LEN])
{
    struct pfcache_hash *h = pfcache_hash_new();
    static const char tag[] = "feedsift vectorscan prefilter";
    pfcache_hash_add(h, tag, sizeof(tag));
    hash_u64(h, PFCACHE_FORMAT);
    const char *v = hs_version();
    hash_u64(h, strlen(v));
    pfcache_hash_add(h, v, strlen(v));
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        memset(&plat, 0xff, sizeof(plat)); /* never equal to a real one */
    hash_u64(h, plat.tune);
    hash_u64(h, plat.cpu_features);
    hash_u64(h, plat.reserved1);
    hash_u64(h, plat.reserved2);
    hash_u64(h, 0x0102030405060708ULL); /* byte order */
    hash_u64(h, sizeof(void *));
    hash_u64(h, HS_MODE_BLOCK);
    hash_u64(h, WIDTH_FLAGS);
    hash_u64(h, set->n_patterns);
    for (size_t i = 0; i < set->n_patterns; i++) {
        const char *src = set->patterns[i]->source;
        hash_u64(h, i); /* the id */
        hash_u64(h, hs_flags_for(set, i));
        hash_u64(h, strlen(src));
        pfcache_hash_add(h, src, strlen(src));
    }
    pfcache_hash_end(h, key);
}

/* The prefilter from the cache entry at path, or NULL (a miss). */
static struct rule_prefilter *load_cached(const struct rule_set *set,
                                          const char *path,
                                          const unsigned char *key)
{
    struct pfcache_entry e;
    void *block = pfcache_read(path, key, (uint32_t)set->n_patterns, &e);
    if (!block)
        return NULL;
    struct rule_prefilter *pf = prefilter_new(set);
    for (size_t i = 0; i < set->n_patterns; i++) {
        pf->always[i] = e.always[i];
        pf->pat[i].max_chars = e.max_chars[i];
    }
    pf->n_in_db = e.n_in_db;
    if (e.n_in_db &&
        hs_deserialize_database(e.db, e.db_len, &pf->db) != HS_SUCCESS) {
        /* e.g. another Vectorscan build: say what the file holds */
        char *info = NULL;
        if (hs_serialized_database_info(e.db, e.db_len, &info) != HS_SUCCESS)
            info = NULL;
        fs_log(FS_LOG_DEBUG, "prefilter cache: %s: Vectorscan cannot load "
               "it (%s); compiling instead", path, info ? info : "unknown");
        free(info); /* the misc allocator: malloc unless set otherwise */
        pf->db = NULL;
        rules_prefilter_free(pf);
        free(block);
        return NULL;
    }
    free(block);
    pf = prefilter_finish(set, pf);
    if (pf)
        pf->from_cache = 1;
    return pf;
}

/* After a compile that prepare() asked to cache. */
static void write_cache(const struct rule_set *set,
                        const struct rule_prefilter *pf)
{
    size_t n = set->n_patterns;
    char *bytes = NULL;
    size_t len = 0;
    /* serializing only reads the database, so matchers may scan with it
     * meanwhile */
    if (pf->db && hs_serialize_database(pf->db, &bytes, &len) != HS_SUCCESS) {
        fs_log(FS_LOG_DEBUG, "prefilter cache: cannot serialize the "
               "database; not cached");
        return;
    }
    uint32_t *max_chars = fs_calloc(n ? n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        max_chars[i] = pf->pat[i].max_chars;
    struct pfcache_entry e = {(uint32_t)n, (uint32_t)pf->n_in_db, max_chars,
                              pf->always, bytes, bytes ? len : 0};
    pfcache_write(set->prefilter_cache_dir, set->prefilter_cache,
                  set->prefilter_key, &e);
    free(max_chars);
    free(bytes);
}

void rule_set_prefilter_prepare(struct rule_set *set, const char *cache_dir)
{
    /* prefilter_lazy is 0 without patterns, with FEEDSIFT_PREFILTER=0 and
     * =1 (then it is built already); a lazy build that has claimed it
     * first goes on as it is */
    if (!set || !set->prefilter_lazy ||
        atomic_flag_test_and_set(&set->prefilter_claimed))
        return;
    atomic_store(&set->prefilter_eager, 1);
    if (cache_dir && *cache_dir && set->n_patterns <= UINT32_MAX) {
        prefilter_key(set, set->prefilter_key);
        char *path = pfcache_path(cache_dir, set->prefilter_key);
        struct rule_prefilter *pf = load_cached(set, path, set->prefilter_key);
        if (pf) {
            fs_log(FS_LOG_DEBUG, "prefilter cache: loaded %s", path);
            pfcache_touch(path);
            free(path);
            atomic_store_explicit(&set->prefilter, pf, memory_order_release);
            return;
        }
        /* read by the builder thread, which starts after these stores */
        set->prefilter_cache_dir = fs_strdup(cache_dir);
        set->prefilter_cache = path;
    }
    if (pthread_create(&set->prefilter_thread, NULL, prefilter_builder,
                       set) == 0) {
        set->prefilter_thread_started = 1;
        return;
    }
    prefilter_builder(set); /* no thread to be had: build it here */
}

char *rule_set_prefilter_cache_path(const struct rule_set *set,
                                    const char *cache_dir)
{
    if (!set || !set->n_patterns || !cache_dir || !*cache_dir)
        return NULL;
    unsigned char key[PFCACHE_KEY_LEN];
    prefilter_key(set, key);
    return pfcache_path(cache_dir, key);
}

const char *rule_set_prefilter_source(const struct rule_set *set)
{
    const struct rule_prefilter *pf = set ? atomic_load_explicit(
        &((struct rule_set *)set)->prefilter, memory_order_acquire) : NULL;
    return !pf ? "none" : pf->from_cache ? "cache" : "compiled";
}

struct scan_ctx {
    const struct rule_set *set;
    struct prefilter_work *w;
    const struct rule_prefilter *pf;
    unsigned char *possible;
    struct prefilter_bound *bound;
    const char *text;
    int field;
    unsigned char bit;
};

static int on_match(unsigned id, unsigned long long from,
                    unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)flags;
    struct scan_ctx *sc = ctx;
    size_t slot = (size_t)id * RULE_FIELD_COUNT + (size_t)sc->field;
    if (!sc->possible[id]) {
        uint32_t r = sc->pf->pat[id].rule;
        if (!sc->w->rule_seen[r]) {
            sc->w->rule_seen[r] = 1;
            sc->w->cand[sc->w->n_cand++] = r;
        }
    }
    struct prefilter_bound *b = &sc->bound[slot];
    if (sc->possible[id] & sc->bit) {
        /* a later report: it can raise the end bound; only an earlier
         * end can lower the start bound (ends usually come in order, so
         * that is the rare case) */
        if (to > b->to_max)
            b->to_max = (uint32_t)to;
        if (to >= b->to_min)
            return 0;
    } else {
        b->to_max = (uint32_t)to;
    }
    sc->possible[id] |= sc->bit;
    b->to_min = (uint32_t)to;
    /* no real match starts more than max_chars characters before the
     * smallest prefilter end (header comment): walk back that many
     * characters of the (valid UTF-8) field */
    unsigned w = sc->pf->pat[id].max_chars;
    size_t st = (size_t)to;
    if (w == UINT_MAX || w >= st) {
        st = 0;
    } else {
        for (unsigned k = 0; k < w && st > 0; k++) {
            st--;
            while (st > 0 && ((unsigned char)sc->text[st] & 0xC0) == 0x80)
                st--;
        }
    }
    b->start = (uint32_t)st;
    return 0;
}

struct prefilter_work *rules_prefilter_acquire(const struct rule_set *set)
{
    struct rule_prefilter *pf = atomic_load_explicit(
        &((struct rule_set *)set)->prefilter, memory_order_acquire);
    if (!pf)
        return NULL;
    if (!atomic_flag_test_and_set(&pf->work_busy))
        return &pf->work;
    /* another thread holds the cached one: a private workspace */
    struct prefilter_work *w = fs_calloc(1, sizeof(*w));
    work_init(set, w);
    hs_scratch_t *scratch = NULL;
    if (pf->scratch && hs_clone_scratch(pf->scratch, &scratch) != HS_SUCCESS)
        scratch = NULL;
    w->scratch = scratch;
    return w;
}

void rules_prefilter_release(const struct rule_set *set,
                             struct prefilter_work *w)
{
    struct rule_prefilter *pf = atomic_load_explicit(
        &((struct rule_set *)set)->prefilter, memory_order_acquire);
    if (w->cached) {
        /* clean for the next item: possible is read, start only where
         * possible is set */
        memset(w->possible, 0, set->n_patterns);
        for (size_t i = 0; i < w->n_cand; i++)
            w->rule_seen[w->cand[i]] = 0;
        w->n_cand = 0;
        atomic_flag_clear(&pf->work_busy);
        return;
    }
    if (w->scratch)
        hs_free_scratch(w->scratch);
    work_release(w);
    free(w);
}

int rules_prefilter_scan(const struct rule_set *set, struct prefilter_work *w,
                         const char *const *text, const size_t *len)
{
    struct rule_prefilter *pf = atomic_load_explicit(
        &((struct rule_set *)set)->prefilter, memory_order_acquire);
    unsigned char *possible = w->possible;
    struct prefilter_bound *bound = w->bound;
    for (size_t k = 0; k < pf->n_always; k++) {
        size_t i = pf->always_list[k];
        uint32_t r = set->pattern_rule[i];
        possible[i] = (1u << RULE_FIELD_COUNT) - 1;
        for (int f = 0; f < RULE_FIELD_COUNT; f++)
            bound[i * RULE_FIELD_COUNT + (size_t)f] =
                (struct prefilter_bound){0, UINT32_MAX, 0};
        if (!w->rule_seen[r]) {
            w->rule_seen[r] = 1;
            w->cand[w->n_cand++] = r;
        }
    }
    if (!pf->db)
        return 0;
    if (!w->scratch)
        return -1;
    for (int f = 0; f < RULE_FIELD_COUNT; f++) {
        if (!text[f] || !len[f])
            continue;
        struct scan_ctx sc = {set, w, pf, possible, bound, text[f], f,
                              (unsigned char)(1u << f)};
        /* offsets are kept in 32 bits; a field beyond 4 GB (never from
         * the crawl) falls back to the plain loop */
        if (len[f] > 0xFFFFFFF0u)
            return -1;
        if (hs_scan(pf->db, text[f], (unsigned)len[f], 0, w->scratch,
                    on_match, &sc) != HS_SUCCESS)
            return -1;
    }
    return 0;
}

/* hs_version() is "5.4.9 2024-..." or "5.4.9 ": the number only */
static int version_len(void)
{
    const char *v = hs_version();
    return (int)strcspn(v, " ");
}

void rules_prefilter_describe(const struct rule_set *set, struct strbuf *sb)
{
    const struct rule_prefilter *pf = atomic_load_explicit(
        &((struct rule_set *)set)->prefilter, memory_order_acquire);
    if (!pf && set->prefilter_lazy &&
        atomic_load(&((struct rule_set *)set)->prefilter_eager)) {
        strbuf_addf(sb, "vectorscan %.*s: prefilter of %zu patterns being "
                    "compiled (plain PCRE2 loop until then)",
                    version_len(), hs_version(), set->n_patterns);
        return;
    }
    if (!pf && set->prefilter_lazy) {
        strbuf_addf(sb, "vectorscan %.*s: prefilter of %zu patterns built "
                    "after %u MB of text (plain PCRE2 loop until then)",
                    version_len(), hs_version(), set->n_patterns,
                    RULES_PREFILTER_AFTER >> 20);
        return;
    }
    if (!pf) {
        strbuf_addstr(sb, "none (plain PCRE2 loop)");
        return;
    }
    strbuf_addf(sb, "vectorscan %.*s: %zu of %zu patterns prefiltered, %zu "
                "always run%s", version_len(), hs_version(), pf->n_in_db,
                set->n_patterns, pf->n_always,
                pf->from_cache ? " (loaded from the cache)" : "");
}

const char *classifier_engine(void)
{
    static char buf[160];
    if (!buf[0])
        snprintf(buf, sizeof(buf), "PCRE2 %d.%d with Vectorscan %.*s "
                 "prefilter", PCRE2_MAJOR, PCRE2_MINOR, version_len(),
                 hs_version());
    return buf;
}

#else /* !FEEDSIFT_HAVE_HS */

void rules_prefilter_build(struct rule_set *set)
{
    index_all(set);
    atomic_init(&set->prefilter, NULL);
    set->prefilter_lazy = 0;
}

struct rule_prefilter *rules_prefilter_get(const struct rule_set *set,
                                           size_t bytes)
{
    (void)set;
    (void)bytes;
    return NULL;
}

void rules_prefilter_join(struct rule_set *set)
{
    (void)set;
}

void rule_set_prefilter_prepare(struct rule_set *set, const char *cache_dir)
{
    (void)set;
    (void)cache_dir;
}

char *rule_set_prefilter_cache_path(const struct rule_set *set,
                                    const char *cache_dir)
{
    (void)set;
    (void)cache_dir;
    return NULL;
}

const char *rule_set_prefilter_source(const struct rule_set *set)
{
    (void)set;
    return "none";
}

void rules_prefilter_free(struct rule_prefilter *pf)
{
    (void)pf;
}

unsigned rules_pattern_max_chars(const char *source)
{
    (void)source;
    return UINT_MAX;
}

struct prefilter_work *rules_prefilter_acquire(const struct rule_set *set)
{
    (void)set;
    return NULL;
}

void rules_prefilter_release(const struct rule_set *set,
                             struct prefilter_work *w)
{
    (void)set;
    (void)w;
}

int rules_prefilter_scan(const struct rule_set *set, struct prefilter_work *w,
                         const char *const *text, const size_t *len)
{
    (void)set;
    (void)w;
    (void)text;
    (void)len;
    return -1;
}

void rules_prefilter_describe(const struct rule_set *set, struct strbuf *sb)
{
    (void)set;
    strbuf_addstr(sb, "none (built without Vectorscan: plain PCRE2 loop)");
}

const char *classifier_engine(void)
{
    static char buf[96];
    if (!buf[0])
        snprintf(buf, sizeof(buf), "PCRE2 %d.%d, plain loop (built without "
                 "Vectorscan)", PCRE2_MAJOR, PCRE2_MINOR);
    return buf;
}

#endif

void rule_set_engine_describe(const struct rule_set *set, struct strbuf *sb)
{
    rules_prefilter_describe(set, sb);
}

int rule_set_prefiltered(const struct rule_set *set)
{
    return set && atomic_load_explicit(&((struct rule_set *)set)->prefilter,
                                       memory_order_acquire) != NULL;
}
