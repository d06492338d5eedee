/*
 * rules_internal.h — the in-memory form of a rule set, shared by the
 * loader (rules_load.c), the pattern compiler (rules_compile.c), the
 * matcher (rules_match.c) and the checker (rules_check.c).  Not a public
 * header: everything outside classifier/ goes through classifier.h.
 *
 * Invariants: every rule in a loaded set has an id, a tag, a non-empty
 * field mask and at least one positive condition (any/all/near); every
 * pattern is compiled and cannot match the empty string.  Nothing here is
 * modified after rule_set_load() returns, so a set may be shared between
 * threads (each rule_set_match() call uses its own match data).
 */
#ifndef FEEDSIFT_RULES_INTERNAL_H
#define FEEDSIFT_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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
};

struct rule_set {
    struct rule *rules;
    size_t n_rules, alloc_rules;
    char **files;               /* every file loaded, for rule_loc.file */
    size_t n_files, alloc_files;
    pcre2_match_context *mctx;  /* match/depth/heap limits */
    char version[17];           /* FNV-1a 64 of all source text, hex */
};

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
void rules_match_into(const struct rule_set *set, const struct rule *only,
                      const struct classify_input *in,
                      struct classification *out);

#endif /* FEEDSIFT_RULES_INTERNAL_H */
