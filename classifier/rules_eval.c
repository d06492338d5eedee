/*
 * rules_eval.c — precision, recall and F1 per tag of a rule set on a
 * labeled file (`feedsift rules eval`, the rules-quality test).
 *
 * Each line is {"title", "summary"?, "body"?, "tags": [...]}.  Both the
 * labels and the predictions are closed upwards (a child tag implies its
 * parents), matching how tag queries treat the hierarchy.  A tag counts
 * once per item however many rules gave it.  Every mistake is kept as a
 * miss (false positive with the evidence, or false negative) so the
 * caller can show what to fix.  Ownership: everything in struct
 * rule_eval belongs to it; rule_eval_release() frees it all.
 */
#include "classifier.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_MAX_LINE (16u * 1024 * 1024)

struct tagset {
    char **v;
    size_t n, alloc;
};

static int tagset_has(const struct tagset *s, const char *t, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && !strncmp(s->v[i], t, len))
            return 1;
    return 0;
}

/* Add tag and its parents. */
static void tagset_add(struct tagset *s, const char *tag)
{
    for (size_t len = strlen(tag); len;) {
        if (!tagset_has(s, tag, len)) {
            FS_GROW(s->v, s->n + 1, s->alloc);
            s->v[s->n++] = fs_strndup(tag, len);
        }
        while (len && tag[len - 1] != '/')
            len--;
        if (len)
            len--;
    }
}

static void tagset_free(struct tagset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

struct eval_acc {
    struct rule_eval *ev;
    size_t alloc_tags, alloc_misses, alloc_problems;
};

static struct rule_eval_tag *stat_for(struct eval_acc *a, const char *tag)
{
    struct rule_eval *ev = a->ev;
    for (size_t i = 0; i < ev->n_tags; i++)
        if (!strcmp(ev->tags[i].tag, tag))
            return &ev->tags[i];
    FS_GROW(ev->tags, ev->n_tags + 1, a->alloc_tags);
    struct rule_eval_tag *t = &ev->tags[ev->n_tags++];
    memset(t, 0, sizeof(*t));
    t->tag = fs_strdup(tag);
    return t;
}

static void add_problem(struct eval_acc *a, char *msg)
{
    struct rule_eval *ev = a->ev;
    FS_GROW(ev->problems, ev->n_problems + 1, a->alloc_problems);
    ev->problems[ev->n_problems++] = msg;
}

static void add_miss(struct eval_acc *a, size_t line, const char *title,
                     const char *tag, int fp, char *why)
{
    struct rule_eval *ev = a->ev;
    FS_GROW(ev->misses, ev->n_misses + 1, a->alloc_misses);
    ev->misses[ev->n_misses++] = (struct rule_eval_miss){
        line, fs_strdup(title ? title : ""), fs_strdup(tag), fp, why};
}

/* The evidence of the hits that produced tag (or a child of it). */
static char *why_of(const struct classification *c, const char *tag)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c->n_hits; i++) {
        if (!tag_matches(c->hits[i].tag, tag))
            continue;
        strbuf_addf(&sb, "%s%s=\"%s\" (%s)", sb.len ? "; " : "",
                    c->hits[i].rule_id, c->hits[i].matched,
                    c->hits[i].field);
    }
    return strbuf_detach(&sb, NULL);
}

static void score_item(struct eval_acc *a, const struct rule_set *set,
                       json_t *item, size_t lineno)
{
    const char *title = json_string_value(json_object_get(item, "title"));
    struct classify_input in = {
        title, json_string_value(json_object_get(item, "summary")),
        json_string_value(json_object_get(item, "body")), NULL, NULL};
    struct tagset gold = {0}, pred = {0};
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(item, "tags"), i, t)
        if (json_is_string(t) && *json_string_value(t))
            tagset_add(&gold, json_string_value(t));

    struct classification c;
    fs_error err = {0};
    rule_set_match(set, &in, &c, &err);
    for (i = 0; i < c.n_hits; i++)
        tagset_add(&pred, c.hits[i].tag);
    for (i = 0; i < c.n_warnings; i++)
        add_problem(a, fs_asprintf("line %zu: warning: %s", lineno,
                                   c.warnings[i]));
    int exact = 1;
    for (i = 0; i < pred.n; i++) {
        struct rule_eval_tag *st = stat_for(a, pred.v[i]);
        if (tagset_has(&gold, pred.v[i], strlen(pred.v[i]))) {
            st->tp++;
        } else {
            st->fp++;
            exact = 0;
            add_miss(a, lineno, title, pred.v[i], 1, why_of(&c, pred.v[i]));
        }
    }
    for (i = 0; i < gold.n; i++) {
        if (!tagset_has(&pred, gold.v[i], strlen(gold.v[i]))) {
            stat_for(a, gold.v[i])->fn++;
            exact = 0;
            add_miss(a, lineno, title, gold.v[i], 0, fs_strdup(""));
        }
    }
    a->ev->n_items++;
    a->ev->n_exact += (size_t)exact;
    classification_release(&c);
    tagset_free(&gold);
    tagset_free(&pred);
}

static int tag_cmp(const void *x, const void *y)
{
    return strcmp(((const struct rule_eval_tag *)x)->tag,
                  ((const struct rule_eval_tag *)y)->tag);
}

fs_code rule_set_eval_labeled(const struct rule_set *set, const char *path,
                              struct rule_eval *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    struct strbuf data = STRBUF_INIT;
    fs_code rc = fs_read_file(path, &data, 256u * 1024 * 1024, err);
    if (rc != FS_OK) {
        strbuf_release(&data);
        return rc;
    }
    struct eval_acc a = {out, 0, 0, 0};
    size_t lineno = 0;
    for (char *p = data.buf, *end = data.buf + data.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        char *line = p;
        p += n + (nl ? 1 : 0);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        json_error_t jerr;
        json_t *item = json_loadb(line, n, 0, &jerr);
        if (!item || !json_is_string(json_object_get(item, "title")) ||
            !json_is_array(json_object_get(item, "tags"))) {
            add_problem(&a, fs_asprintf("line %zu: not a labeled item (%s)",
                                        lineno, item ? "needs \"title\" and "
                                        "\"tags\"" : jerr.text));
            out->n_bad_lines++;
        } else {
            score_item(&a, set, item, lineno);
        }
        json_decref(item);
    }
    strbuf_release(&data);
    if (out->n_tags)
        qsort(out->tags, out->n_tags, sizeof(*out->tags), tag_cmp);
    for (size_t i = 0; i < out->n_tags; i++) {
        struct rule_eval_tag *t = &out->tags[i];
        t->precision = t->tp + t->fp ? (double)t->tp / (t->tp + t->fp) : 1.0;
        t->recall = t->tp + t->fn ? (double)t->tp / (t->tp + t->fn) : 1.0;
        t->f1 = t->precision + t->recall > 0
                    ? 2 * t->precision * t->recall / (t->precision + t->recall)
                    : 0.0;
    }
    return FS_OK;
}

void rule_eval_release(struct rule_eval *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n_tags; i++)
        free(ev->tags[i].tag);
    free(ev->tags);
    for (size_t i = 0; i < ev->n_misses; i++) {
        free(ev->misses[i].title);
        free(ev->misses[i].tag);
        free(ev->misses[i].why);
    }
    free(ev->misses);
    for (size_t i = 0; i < ev->n_problems; i++)
        free(ev->problems[i]);
    free(ev->problems);
    memset(ev, 0, sizeof(*ev));
}
