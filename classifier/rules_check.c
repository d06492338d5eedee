/*
 * rules_check.c — rule_set_check(): every problem in a rules file, for
 * the rule author (`feedsift rules check`).
 *
 * Loading already reports each syntax/compile/include problem; this adds
 * the embedded examples: each example+ must make its own rule fire, each
 * example- must not.  The example text is put in every field the rule
 * looks at, so an example is a headline-sized stand-in for an item.
 */
#include "rules_internal.h"

#include <stdlib.h>
#include <string.h>

struct check_ctx {
    rule_check_fn report;
    void *ctx;
    size_t n;
};

static void report_loc(struct check_ctx *cc, const struct rule_loc *loc,
                       const char *msg)
{
    char *line = fs_asprintf("%s:%u:%u: %s", loc->file, loc->line, loc->col,
                             msg);
    cc->report(cc->ctx, line);
    free(line);
    cc->n++;
}

static void load_problem(void *ctx, const struct rule_loc *loc,
                         const char *msg)
{
    report_loc(ctx, loc, msg);
}

static void check_example(struct check_ctx *cc, const struct rule_set *set,
                          const struct rule *r, const struct rule_example *ex)
{
    struct classify_input in = {0};
    const char **fields[RULE_FIELD_COUNT] = {&in.title, &in.summary, &in.body,
                                             &in.link, &in.feed};
    for (int fi = 0; fi < RULE_FIELD_COUNT; fi++)
        if (r->fields & (1u << fi))
            *fields[fi] = ex->text;

    struct classification c = {0};
    rules_match_into(set, r, &in, &c);
    if (ex->positive && c.n_hits == 0)
        report_loc(cc, &ex->loc, "example+ does not fire the rule");
    else if (!ex->positive && c.n_hits > 0) {
        char *msg = fs_asprintf("example- fires the rule (matched '%s')",
                                c.hits[0].matched);
        report_loc(cc, &ex->loc, msg);
        free(msg);
    }
    for (size_t i = 0; i < c.n_warnings; i++)
        report_loc(cc, &ex->loc, c.warnings[i]);
    classification_release(&c);
}

fs_code rule_set_check(const char *path, rule_check_fn report, void *ctx,
                       size_t *n_problems, struct rule_set **out,
                       fs_error *err)
{
    struct check_ctx cc = {report, ctx, 0};
    struct rule_set *set;
    if (out)
        *out = NULL;
    *n_problems = 0;
    fs_code rc = rules_load_all(path, NULL, 0, load_problem, &cc, &set, err);
    if (rc != FS_OK && rc != FS_EINVAL)
        return rc;
    for (size_t i = 0; i < set->n_rules; i++) {
        const struct rule *r = &set->rules[i];
        for (size_t j = 0; j < r->n_examples; j++)
            check_example(&cc, set, r, &r->examples[j]);
    }
    *n_problems = cc.n;
    if (out)
        *out = set;
    else
        rule_set_free(set);
    return FS_OK;
}

/* ---- rules test ------------------------------------------------------ */

fs_code rule_set_test_examples(const struct rule_set *set,
                               rule_check_fn report, void *ctx,
                               size_t *n_run, size_t *n_failed)
{
    *n_run = 0;
    *n_failed = 0;
    if (!set)
        return FS_EINVAL;
    for (size_t i = 0; i < set->n_rules; i++) {
        const struct rule *r = &set->rules[i];
        for (size_t j = 0; j < r->n_examples; j++) {
            const struct rule_example *ex = &r->examples[j];
            struct classify_input in = {0};
            const char **fields[RULE_FIELD_COUNT] = {
                &in.title, &in.summary, &in.body, &in.link, &in.feed};
            for (int fi = 0; fi < RULE_FIELD_COUNT; fi++)
                if (r->fields & (1u << fi))
                    *fields[fi] = ex->text;
            struct classification c = {0};
            rules_match_into(set, r, &in, &c);
            (*n_run)++;
            char *msg = NULL;
            if (ex->positive && c.n_hits == 0)
                msg = fs_asprintf("%s:%u: rule %s (tag %s): example+ does "
                                  "not fire: \"%s\"", ex->loc.file,
                                  ex->loc.line, r->id, r->tag, ex->text);
            else if (!ex->positive && c.n_hits > 0)
                msg = fs_asprintf("%s:%u: rule %s (tag %s): example- fires "
                                  "(matched \"%s\" in %s): \"%s\"",
                                  ex->loc.file, ex->loc.line, r->id, r->tag,
                                  c.hits[0].matched, c.hits[0].field,
                                  ex->text);
            if (msg) {
                report(ctx, msg);
                free(msg);
                (*n_failed)++;
            }
            for (size_t k = 0; k < c.n_warnings; k++) {
                msg = fs_asprintf("%s:%u: rule %s: warning: %s",
                                  ex->loc.file, ex->loc.line, r->id,
                                  c.warnings[k]);
                report(ctx, msg);
                free(msg);
            }
            classification_release(&c);
        }
    }
    return FS_OK;
}
