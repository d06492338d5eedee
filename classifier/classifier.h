/*
 * classifier.h — regex rule sets that tag items and say why.
 *
 * A rule set is loaded from a rules file (format: rules/README.md), every
 * pattern compiled once with PCRE2 (UTF, UCP, caseless unless the rule says
 * otherwise, JIT when available) and then matched against any number of
 * items.  A rule set is immutable after loading and may be shared (its
 * Vectorscan prefilter, when feedsift has one, is attached once, atomically,
 * after the set has matched 8 MB, or at once from the on-disk cache or a
 * compile started by rule_set_prefilter_prepare(); results never depend
 * on it).
 *
 * Ownership: rule_set_load() gives the caller a rule set to free with
 * rule_set_free(); rule_set_match() fills a caller-provided classification
 * released with classification_release().
 */
#ifndef FEEDSIFT_CLASSIFIER_H
#define FEEDSIFT_CLASSIFIER_H

#include "util.h"

struct rule_set;

/* Load and compile a rules file.  On error, err names file:line:column and
 * PCRE2's message; *out is NULL. */
fs_code rule_set_load(const char *path, struct rule_set **out, fs_error *err);
/* Same from memory; name is used in messages. */
fs_code rule_set_load_buffer(const char *data, size_t len, const char *name,
                             struct rule_set **out, fs_error *err);
void rule_set_free(struct rule_set *set);
size_t rule_set_count(const struct rule_set *set);
/* FNV-1a 64 of all loaded rules text, 16 hex digits: which rules tagged. */
const char *rule_set_version(const struct rule_set *set);
/* The directory/file of the rules shipped with feedsift. */
const char *rule_set_default_path(void);

/* The text of one item, each field plain UTF-8 text or NULL. */
struct classify_input {
    const char *title;
    const char *summary;
    const char *body;
    const char *link;
    const char *feed;
};

/* One rule that fired: its tag and the evidence that made it fire.  The
 * four strings live in one allocation owned by the classification (freed
 * by classification_release(), through `tag`): read them, copy them, but
 * never free or realloc one of them on its own. */
struct tag_hit {
    char *tag;             /* "rare-earths/quotas" */
    char *rule_id;
    char *field;           /* "title", "summary", "body", ... */
    char *matched;         /* the matched text (UTF-8, at most ~200 bytes) */
    int alert;             /* the rule carries the alert flag */
    /* Where the evidence is: field index (0 title, 1 summary, 2 body,
     * 3 link, 4 feed) and byte offsets into that input field (into its
     * U+FFFD-repaired copy when it was not valid UTF-8). */
    int field_index;
    size_t start, end;
};

struct classification {
    struct tag_hit *hits;  /* in rule order; a tag may appear more than once
                              when several rules give it */
    size_t n_hits;
    size_t alloc_hits;     /* capacity of hits (the matcher's own use) */
    char **warnings;       /* e.g. a pattern hit the PCRE2 match limit */
    size_t n_warnings;
};

fs_code rule_set_match(const struct rule_set *set,
                       const struct classify_input *in,
                       struct classification *out, fs_error *err);
void classification_release(struct classification *c);

/* Check a rules file the way `feedsift rules check` does: report every
 * problem, not just the first, as "file:line:col: message" through
 * report(ctx, line) — syntax, PCRE2 compile errors, empty-matching
 * patterns, includes, and embedded examples (example+ text the rule does
 * not fire on, example- text it fires on).  *n_problems gets the count;
 * when out is non-NULL it receives the rules that had no problem (free
 * with rule_set_free).  Returns FS_OK when the file could be read (whether
 * or not it has problems), else the error that stopped it. */
typedef void (*rule_check_fn)(void *ctx, const char *problem);
fs_code rule_set_check(const char *path, rule_check_fn report, void *ctx,
                       size_t *n_problems, struct rule_set **out,
                       fs_error *err);

/* Every rule's embedded examples (example+ / example-), for `rules
 * test`: each failure is reported as "file:line: message" through
 * report; *n_run / *n_failed get the counts.  Returns FS_OK when the
 * file loaded without problems (else the load error, no examples run). */
fs_code rule_set_test_examples(const struct rule_set *set,
                               rule_check_fn report, void *ctx,
                               size_t *n_run, size_t *n_failed);

/* Which matcher the set uses: 1 when a Vectorscan prefilter runs before
 * PCRE2, 0 for the plain PCRE2 loop (no Vectorscan in this build, or
 * FEEDSIFT_PREFILTER=0 when the set was loaded). */
int rule_set_prefiltered(const struct rule_set *set);
/* For a consumer about to match many items (crawl, reclassify), right
 * after loading: get the Vectorscan prefilter ready now instead of after
 * the first 8 MB of text.  When cache_dir holds the compiled prefilter of
 * exactly these patterns (same Vectorscan, same CPU), it is loaded and in
 * use before this returns; else the compile starts at once on a thread of
 * its own (matching meanwhile uses the plain loop) and its result is
 * written to cache_dir (created when missing) for the next run —
 * rule_set_free() waits for that.  cache_dir NULL or "": compile now, no
 * cache.  A cache that cannot be read or written only costs the compile
 * (a debug log line).  No-op without Vectorscan, without patterns, with
 * FEEDSIFT_PREFILTER=0 or =1 (built at load), or when the lazy build has
 * started already.  Call it before sharing the set between threads; not
 * calling it keeps the lazy build (short commands never compile). */
void rule_set_prefilter_prepare(struct rule_set *set, const char *cache_dir);
/* Where the prefilter of this set is or would be cached in cache_dir
 * (malloc'd), NULL when nothing would be (no Vectorscan, no patterns, no
 * dir).  Reads nothing and writes nothing (`rules check` may show it). */
char *rule_set_prefilter_cache_path(const struct rule_set *set,
                                    const char *cache_dir);
/* "cache" (the prefilter in use was loaded from the on-disk cache),
 * "compiled" (compiled by this process) or "none" (plain loop: not built
 * yet, or never). */
const char *rule_set_prefilter_source(const struct rule_set *set);
/* Appends how this set matches: "vectorscan V: K of M patterns
 * prefiltered, F always run" or "none (plain PCRE2 loop)". */
void rule_set_engine_describe(const struct rule_set *set, struct strbuf *sb);
/* "vectorscan 5.4.x, prefilter" / "plain PCRE2 loop (no Vectorscan)":
 * for `feedsift --version`. */
const char *classifier_engine(void);

/* ---- quality on a labeled set (`rules eval`, tests) -------------------
 * A labeled file has one JSON object per line: {"title", "summary"?,
 * "body"?, "tags": [...]}.  A tag implies its parents on both sides
 * (rare-earths/quotas counts as rare-earths too), like tag queries. */
struct rule_eval_tag {
    char *tag;
    unsigned tp, fp, fn;
    double precision, recall, f1;   /* 1.0 when the denominator is 0 */
};
struct rule_eval_miss {
    size_t line;                    /* 1-based line in the labeled file */
    char *title;
    char *tag;
    int false_positive;             /* 1: predicted, not labeled */
    char *why;                      /* FP: "rule=matched; ..." of the hits */
};
struct rule_eval {
    size_t n_items, n_exact;
    struct rule_eval_tag *tags;     /* sorted by tag */
    size_t n_tags;
    struct rule_eval_miss *misses;  /* in file order */
    size_t n_misses;
    char **problems;                /* "line N: ..." bad lines, warnings */
    size_t n_problems;
    size_t n_bad_lines;
};
fs_code rule_set_eval_labeled(const struct rule_set *set, const char *path,
                              struct rule_eval *out, fs_error *err);
void rule_eval_release(struct rule_eval *ev);

/* 1 when tag equals query or is below it ("markets/fx" under "markets"). */
int tag_matches(const char *tag, const char *query);

#endif /* FEEDSIFT_CLASSIFIER_H */
