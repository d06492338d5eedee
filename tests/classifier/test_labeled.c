/*
 * test_labeled.c — quality of the shipped rules (rules/default.rules)
 * on the labeled headlines in tests/data/labeled.jsonl.
 *
 * Each line is {"title", "summary"?, "tags"}.  A child tag implies its
 * parents on both sides (rare-earths/quotas counts as rare-earths too),
 * so rules need not repeat parent tags.  For every tag seen, precision
 * must be >= 0.95 and recall >= 0.90; the per-tag table and every miss
 * are printed as TAP diagnostics so a failing run says what to fix.
 */
#include "tap.h"
#include "classifier.h"
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PRECISION 0.95
#define MIN_RECALL 0.90
#define MAX_TAGS 64
#define MIN_POSITIVES 10

struct tag_stat {
    char *tag;
    unsigned tp, fp, fn;
};

static struct tag_stat stats[MAX_TAGS];
static size_t n_stats;

static struct tag_stat *stat_for(const char *tag)
{
    for (size_t i = 0; i < n_stats; i++)
        if (!strcmp(stats[i].tag, tag))
            return &stats[i];
    if (n_stats == MAX_TAGS)
        abort();
    stats[n_stats].tag = fs_strdup(tag);
    return &stats[n_stats++];
}

/* Add tag and all its parents to the set (a NULL-terminated list). */
struct tag_set {
    char *tags[MAX_TAGS];
    size_t n;
};

static void set_add(struct tag_set *s, const char *tag)
{
    for (size_t len = strlen(tag); len; ) {
        int seen = 0;
        for (size_t i = 0; i < s->n; i++)
            seen |= strlen(s->tags[i]) == len && !strncmp(s->tags[i], tag, len);
        if (!seen && s->n < MAX_TAGS)
            s->tags[s->n++] = fs_strndup(tag, len);
        while (len && tag[len - 1] != '/')
            len--;
        if (len)
            len--; /* drop the '/' */
    }
}

static int set_has(const struct tag_set *s, const char *tag)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->tags[i], tag))
            return 1;
    return 0;
}

static void set_free(struct tag_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->tags[i]);
    s->n = 0;
}

static void print_set(const char *label, const struct tag_set *s)
{
    printf("%s", label);
    for (size_t i = 0; i < s->n; i++)
        printf("%s%s", i ? "," : "", s->tags[i]);
}

/* Score one labeled item; returns 1 when predicted == gold. */
static int score(const struct rule_set *set, json_t *item, size_t lineno)
{
    const char *title = json_string_value(json_object_get(item, "title"));
    const char *summary = json_string_value(json_object_get(item, "summary"));
    json_t *tags = json_object_get(item, "tags");
    struct tag_set gold = {0}, pred = {0};
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
        set_add(&gold, json_string_value(t));

    struct classify_input in = {title, summary, NULL, NULL, NULL};
    struct classification c;
    fs_error err;
    rule_set_match(set, &in, &c, &err);
    for (i = 0; i < c.n_hits; i++)
        set_add(&pred, c.hits[i].tag);
    for (i = 0; i < c.n_warnings; i++)
        printf("# line %zu: warning: %s\n", lineno, c.warnings[i]);

    int exact = 1;
    for (i = 0; i < pred.n; i++) {
        struct tag_stat *st = stat_for(pred.tags[i]);
        if (set_has(&gold, pred.tags[i])) {
            st->tp++;
        } else {
            st->fp++;
            exact = 0;
        }
    }
    for (i = 0; i < gold.n; i++) {
        if (!set_has(&pred, gold.tags[i])) {
            stat_for(gold.tags[i])->fn++;
            exact = 0;
        }
    }
    if (!exact) {
        printf("# miss line %zu: %.70s\n", lineno, title ? title : "");
        print_set("#   want: ", &gold);
        print_set("\n#   got:  ", &pred);
        for (i = 0; i < c.n_hits; i++)
            printf("%s%s=%s", i ? " " : " (", c.hits[i].rule_id,
                   c.hits[i].matched);
        printf("%s\n", c.n_hits ? ")" : "");
    }
    classification_release(&c);
    set_free(&gold);
    set_free(&pred);
    return exact;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_labeled LABELED.jsonl\n");
        return 2;
    }
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (!ok(rule_set_load(FEEDSIFT_RULES_DEFAULT, &set, &err) == FS_OK,
            "default rules load")) {
        printf("# %s\n", err.msg);
        return tap_done();
    }
    printf("# rules %s version %s, %zu rules\n", FEEDSIFT_RULES_DEFAULT,
           rule_set_version(set), rule_set_count(set));

    FILE *f = fopen(argv[1], "r");
    if (!ok(f != NULL, "labeled set opens"))
        return tap_done();
    char line[65536];
    size_t lineno = 0, n_items = 0, n_exact = 0, n_bad = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        json_error_t jerr;
        json_t *item = json_loads(line, 0, &jerr);
        if (!item || !json_is_string(json_object_get(item, "title")) ||
            !json_is_array(json_object_get(item, "tags"))) {
            printf("# line %zu: not a labeled item: %s\n", lineno, jerr.text);
            n_bad++;
        } else {
            n_items++;
            n_exact += score(set, item, lineno);
        }
        json_decref(item);
    }
    fclose(f);
    ok(n_bad == 0, "every line of the labeled set parses");
    ok(n_items >= 330, "labeled set has at least 330 items");
    printf("# %zu items, %zu classified exactly (%.1f%%)\n", n_items, n_exact,
           n_items ? 100.0 * n_exact / n_items : 0.0);

    printf("# %-22s %4s %4s %4s %9s %7s\n", "tag", "tp", "fp", "fn",
           "precision", "recall");
    for (size_t i = 0; i < n_stats; i++) {
        struct tag_stat *st = &stats[i];
        double p = st->tp + st->fp ? (double)st->tp / (st->tp + st->fp) : 1.0;
        double r = st->tp + st->fn ? (double)st->tp / (st->tp + st->fn) : 1.0;
        printf("# %-22s %4u %4u %4u %9.3f %7.3f\n", st->tag, st->tp, st->fp,
               st->fn, p, r);
    }
    for (size_t i = 0; i < n_stats; i++) {
        struct tag_stat *st = &stats[i];
        double p = st->tp + st->fp ? (double)st->tp / (st->tp + st->fp) : 1.0;
        double r = st->tp + st->fn ? (double)st->tp / (st->tp + st->fn) : 1.0;
        char *what = fs_asprintf("%s: precision %.3f >= %.2f", st->tag, p,
                                 MIN_PRECISION);
        ok(p >= MIN_PRECISION, what);
        free(what);
        what = fs_asprintf("%s: recall %.3f >= %.2f", st->tag, r, MIN_RECALL);
        ok(r >= MIN_RECALL, what);
        free(what);
    }
    static const char *const required[] = {
        "rare-earths", "rare-earths/quotas", "export-controls",
        "trade/tariffs", "sanctions", "markets/equities", "markets/fx",
        "markets/commodities", "markets/rates",
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        unsigned positives = 0;
        for (size_t j = 0; j < n_stats; j++)
            if (!strcmp(stats[j].tag, required[i]))
                positives = stats[j].tp + stats[j].fn;
        char *what = fs_asprintf("labeled set has >= %u positives for %s",
                                 MIN_POSITIVES, required[i]);
        ok(positives >= MIN_POSITIVES, what);
        free(what);
    }
    for (size_t i = 0; i < n_stats; i++)
        free(stats[i].tag);
    rule_set_free(set);
    return tap_done();
}
