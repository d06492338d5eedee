/*
 * rules_internal.h — the in-memory form of a rule set, shared by the
 * loader (rules_load.c), the pattern compiler (rules_compile.c), the
 * matcher (rules_match.c) and the checker (rules_check.c).  Not a public
 * header: everything outside classifier/ goes through classifier.h.
 *
 * Invariants: every rule in a loaded set has an id, a tag, a non-empty
 * field mask and at least one positive condition (any/all/near); every
 * pattern is compiled and cannot match the empty string.  Nothing here is
 * modified after rule_set_load() returns except the Vectorscan prefilter
 * (built lazily, or by rule_set_prefilter_prepare()), which is claimed
 * and published atomically, so a set may be shared between threads (each
 * rule_set_match() call uses its own match data and prefilter
 * workspace).
 */
#ifndef FEEDSIFT_RULES_INTERNAL_H
#define FEEDSIFT_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>

#include "classifier.h"

enum rule_field {
    RULE_FIELD_TITLE,
    RULE_FIELD_SUMMARY,
    RULE_FIELD_BODY,
    RULE_FIELD_LINK,
    RULE_FIELD_FEED,
    RULE_FIELD_COUNT
};
#define RULE_FIELDS_DEFAULT \
    ((1u << RULE_FIELD_TITLE) | (1u << RULE_FIELD_SUMMARY) | \
     (1u << RULE_FIELD_BODY))

extern const char *const rule_field_names[RULE_FIELD_COUNT];

/* Where a piece of rule text came from; col is 1-based, in characters. */
struct rule_loc {
    const char *file;   /* owned by the rule set's file list */
    unsigned line, col;
};

struct rule_pattern {
    char *source;       /* the pattern as written */
    struct rule_loc loc;
    pcre2_code *code;   /* NULL only while the rule is being built */
    int jit;            /* code is JIT-compiled: pcre2_jit_match() */
    int weight;         /* `score` lines only: the signed weight */
    unsigned index;     /* position in the set's flat pattern list
                           (rules_prefilter.c) */
};

/* near = A ~N B: some match of a and some match of b in the same field
 * with at most max_words words between them (in either order). */
struct rule_near {
    struct rule_pattern a, b;
    unsigned max_words;
};

/* example+ / example- : text the rule must / must not fire on. */
struct rule_example {
    char *text;
    int positive;
    struct rule_loc loc;
};

struct rule {
    char *id;
    char *tag;
    char *description;
    struct rule_loc loc;        /* the [rule ID] line */
    unsigned fields;            /* bit mask of 1u << enum rule_field */
    int alert;
    int case_sensitive;
    struct rule_pattern *any, *all, *none;
    size_t n_any, n_all, n_none, alloc_any, alloc_all, alloc_none;
    struct rule_near *near;
    size_t n_near, alloc_near;
    struct rule_example *examples;
    size_t n_examples, alloc_examples;
    /* score = W PATTERN lines and their threshold: the rule needs the
     * weights of the distinct score patterns that match to add up to at
     * least `threshold` (0: the rule has no score lines). */
    struct rule_pattern *score;
    size_t n_score, alloc_score;
    int threshold;
    struct rule_loc threshold_loc;
};

struct rule_prefilter;          /* rules_prefilter.c: Vectorscan database */

struct rule_set {
    struct rule *rules;
    size_t n_rules, alloc_rules;
    char **files;               /* every file loaded, for rule_loc.file */
    size_t n_files, alloc_files;
    pcre2_match_context *mctx;  /* match/depth/heap limits */
    char version[17];           /* FNV-1a 64 of all source text, hex */
    /* Every compiled pattern of every rule, indexed by rule_pattern.index,
     * and the prefilter over them (NULL: plain PCRE2 loop). */
    struct rule_pattern **patterns;
    uint32_t *pattern_rule;     /* the rule of each pattern */
    size_t n_patterns;
    /* What each rule needs from the prefilter, packed so that deciding
     * whether a flagged rule can fire reads one short run of memory
     * instead of the rule and its pattern arrays (rules_prefilter.c
     * builds it, rule_possible() in rules_match.c reads it).  Rule r's run
     * starts at need[need_off[r]]: fields, n_any, any indexes..., n_all,
     * all indexes..., n_near, (a, b) index pairs..., n_score, threshold,
     * (index, weight) pairs... (weights and threshold as int32). */
    uint32_t *need;
    uint32_t *need_off;
    /* The prefilter is the one thing attached after loading: compiling it
     * costs far more than a short command matches (about a second for the
     * shipped rules), so by default it is built once the set has matched
     * RULES_PREFILTER_AFTER bytes: the caller that crosses that line
     * (claimed with an atomic flag) starts a thread that compiles it and
     * publishes it with release order, and every caller goes on with the
     * plain loop until then (a crawl's threads would otherwise stall for
     * the whole compile).  rule_set_prefilter_prepare() claims it the same
     * way, at once: it publishes the one from the on-disk cache, or starts
     * the same thread, which then also writes the cache entry.
     * rule_set_free() joins that thread. */
    _Atomic(struct rule_prefilter *) prefilter;
    int prefilter_lazy;         /* build on the way (0: never / done) */
    atomic_flag prefilter_claimed;
    atomic_size_t bytes_matched;
    pthread_t prefilter_thread;
    int prefilter_thread_started; /* by the claimer; read once freed */
    /* rule_set_prefilter_prepare(): set by the caller that claimed the
     * build before it starts the builder thread, which reads them; freed
     * by rules_prefilter_join().  prefilter_cache NULL: nothing to write. */
    atomic_int prefilter_eager;   /* prepare() claimed the build */
    char *prefilter_cache_dir;
    char *prefilter_cache;        /* the entry to write after the compile */
    unsigned char prefilter_key[32];
};
#define RULES_PREFILTER_AFTER (8u * 1024 * 1024)

/* Limits on one pcre2_match() call: far above what a sane news pattern
 * needs, low enough that catastrophic backtracking fails in milliseconds. */
#define RULE_MATCH_LIMIT 1000000u
#define RULE_DEPTH_LIMIT 10000u
#define RULE_HEAP_LIMIT_KIB 20000u

/* One problem found while loading: "file:line:col: message". */
typedef void (*rule_problem_fn)(void *ctx, const struct rule_loc *loc,
                                const char *msg);

/* Load path (or the buffer data/len named path when data is non-NULL),
 * calling report for every problem; *out is the set of the rules that
 * had none (never NULL on FS_OK).  Returns FS_OK when there were no
 * problems, FS_EINVAL when some were reported, FS_EIO/FS_ELIMIT when the
 * top-level file could not be read at all (err filled). */
fs_code rules_load_all(const char *path, const char *data, size_t len,
                       rule_problem_fn report, void *ctx,
                       struct rule_set **out, fs_error *err);

/* Compile p->source with the rule's case mode; on failure fill msg with
 * PCRE2's message (or ours, for a pattern that can match the empty
 * string) and *err_offset with the byte offset of the error inside the
 * pattern, and return -1. */
int rule_pattern_compile(struct rule_pattern *p, int case_sensitive,
                         char *msg, size_t msgsize, size_t *err_offset);
pcre2_match_context *rule_match_context_new(void);

/* rule_set_match() restricted to one rule when only is non-NULL (the
 * example checks in rules_check.c use this); appends to out, which the
 * caller has zeroed. */
/* Vectorscan prefilter (rules_prefilter.c).  rules_prefilter_build()
 * indexes every pattern of the set and, when feedsift was built with
 * Vectorscan, compiles one prefilter database: at once when
 * FEEDSIFT_PREFILTER=1, never when it is 0, else once the set has matched
 * RULES_PREFILTER_AFTER bytes (rules_prefilter_get).  A match takes a workspace (scratch space and the two arrays
 * below; the set caches one, a concurrent caller gets its own) and gives
 * it back.  rules_prefilter_scan() fills it for one item:
 *   possible[i] bit f: pattern i may match field f (a superset of the
 *     real matches; patterns Vectorscan cannot compile: always);
 *   bound[i * RULE_FIELD_COUNT + f].start: no real match of pattern i
 *     starts before this byte offset (a character boundary) of field f,
 *     and .to_max: none ends after this one; only read where the possible
 *     bit is set.
 * acquire returns NULL without a prefilter; scan returns -1 when it
 * failed (then every pattern must be tried). */
struct prefilter_bound {
    uint32_t start;
    uint32_t to_max;            /* no real match ends after this offset */
    uint32_t to_min;            /* the smallest end of a prefilter match
                                   (the scan's own use); all three side by
                                   side so that a report touches one line */
};
struct prefilter_work {
    unsigned char *possible;
    struct prefilter_bound *bound;
    /* the rules with some possible pattern, in no order (rule_seen marks
     * them); only these can fire */
    uint32_t *cand;
    size_t n_cand;
    unsigned char *rule_seen;
    void *scratch;              /* hs_scratch_t */
    pcre2_match_data *md;       /* for the PCRE2 confirmations: one per
                                   workspace, not one per item */
    int cached;                 /* the set's own: give back, do not free */
};
void rules_prefilter_build(struct rule_set *set);
/* The prefilter if it is built (acquire load), else NULL; after `bytes`
 * more bytes of text, starts building it on a thread of its own when it
 * is due. */
struct rule_prefilter *rules_prefilter_get(const struct rule_set *set,
                                           size_t bytes);
/* Wait for that thread, if one was started (rule_set_free, first). */
void rules_prefilter_join(struct rule_set *set);
void rules_prefilter_free(struct rule_prefilter *pf);
struct prefilter_work *rules_prefilter_acquire(const struct rule_set *set);
void rules_prefilter_release(const struct rule_set *set,
                             struct prefilter_work *w);
int rules_prefilter_scan(const struct rule_set *set, struct prefilter_work *w,
                         const char *const *text, const size_t *len);
/* The most characters (code points) a match of the pattern can span, or
 * UINT_MAX when unbounded or not known; needs Vectorscan (else always
 * UINT_MAX).  Exposed for tests/classifier. */
unsigned rules_pattern_max_chars(const char *source);
/* "vectorscan N.N.N (K of M patterns, F always run)" or "none". */
void rules_prefilter_describe(const struct rule_set *set, struct strbuf *sb);

/* ---- the on-disk prefilter cache (rules_pfcache.c) --------------------
 * SHA-256 (libcrypto) for the key and the file digest; an entry is what
 * rules_prefilter.c needs to rebuild a compiled prefilter without
 * compiling: per pattern its width bound and whether Vectorscan takes it,
 * and the serialized database of the patterns it takes. */
#define PFCACHE_KEY_LEN 32
struct pfcache_hash;
struct pfcache_hash *pfcache_hash_new(void);
void pfcache_hash_add(struct pfcache_hash *h, const void *data, size_t len);
/* The digest into out; frees h. */
void pfcache_hash_end(struct pfcache_hash *h,
                      unsigned char out[PFCACHE_KEY_LEN]);
struct pfcache_entry {
    uint32_t n_patterns, n_in_db;
    const uint32_t *max_chars;      /* n_patterns */
    const unsigned char *always;    /* n_patterns, 0 or 1; n_in_db zeros */
    const char *db;                 /* hs_serialize_database() bytes */
    size_t db_len;                  /* 0 exactly when n_in_db is 0 */
};
/* <dir>/prefilter-<hex key>.hsdb, malloc'd. */
char *pfcache_path(const char *dir, const unsigned char key[PFCACHE_KEY_LEN]);
/* Read and check path against key and n_patterns: on success fill *e,
 * whose pointers point into the returned block (free it when done); NULL
 * on any miss (logged at debug level unless the file is just absent). */
void *pfcache_read(const char *path, const unsigned char key[PFCACHE_KEY_LEN],
                   uint32_t n_patterns, struct pfcache_entry *e);
/* Mark a used entry as recently used (its mtime). */
void pfcache_touch(const char *path);
/* Write e atomically to path (in dir, created 0755 when missing; file
 * 0644), then prune old entries of dir.  0 or -1 (logged at debug
 * level); never more. */
int pfcache_write(const char *dir, const char *path,
                  const unsigned char key[PFCACHE_KEY_LEN],
                  const struct pfcache_entry *e);

void rules_match_into(const struct rule_set *set, const struct rule *only,
                      const struct classify_input *in,
                      struct classification *out);

#endif /* FEEDSIFT_RULES_INTERNAL_H */
