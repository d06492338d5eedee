/*
 * rules_load.c — read rules files (format: rules/README.md) into a
 * struct rule_set: line parsing, `include`, rule validation, the version
 * digest and the public load/free/accessor functions.
 *
 * The loader never stops at the first problem: it reports every one
 * through a callback (file:line:col + message), drops the rules that had
 * problems and keeps going, so `feedsift rules check` can list them all.
 * rule_set_load() simply turns the first problem into its error.
 *
 * Invariants: a file is on the include stack (by realpath) while it is
 * being parsed, so including it again from below is a cycle; at most
 * RULES_MAX_DEPTH files are nested.  The version is FNV-1a 64 over the
 * bytes of every file in the order they were read.
 */
#include "rules_internal.h"
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_MAX_DEPTH 16
#define RULES_MAX_FILE (16u * 1024 * 1024)

const char *const rule_field_names[RULE_FIELD_COUNT] = {
    "title", "summary", "body", "link", "feed",
};

struct loader {
    struct rule_set *set;
    rule_problem_fn report;
    void *ctx;
    size_t n_problems;
    uint64_t fnv;
    char *stack[RULES_MAX_DEPTH]; /* realpaths of the files being parsed */
    size_t depth;
    struct rule *cur;             /* the rule being built, or NULL */
    int cur_bad;                  /* cur had a problem: drop it */
};

/* ---- helpers --------------------------------------------------------- */

static void problem(struct loader *L, const char *file, unsigned line,
                    unsigned col, const char *fmt, ...) FS_PRINTF(5, 6);

static void problem(struct loader *L, const char *file, unsigned line,
                    unsigned col, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    struct rule_loc loc = {file, line, col};
    L->report(L->ctx, &loc, sb.buf);
    strbuf_release(&sb);
    L->n_problems++;
    if (L->cur)
        L->cur_bad = 1;
}

/* Number of UTF-8 characters in s[0..n): columns count characters. */
static unsigned utf8_chars(const char *s, size_t n)
{
    unsigned c = 0;
    for (size_t i = 0; i < n && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static void fnv1a(uint64_t *h, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        *h ^= (unsigned char)data[i];
        *h *= 0x100000001b3ULL;
    }
}

static void pattern_release(struct rule_pattern *p)
{
    free(p->source);
    pcre2_code_free(p->code);
}

static void rule_release(struct rule *r)
{
    free(r->id);
    free(r->tag);
    free(r->description);
    for (size_t i = 0; i < r->n_any; i++)
        pattern_release(&r->any[i]);
    for (size_t i = 0; i < r->n_all; i++)
        pattern_release(&r->all[i]);
    for (size_t i = 0; i < r->n_none; i++)
        pattern_release(&r->none[i]);
    for (size_t i = 0; i < r->n_near; i++) {
        pattern_release(&r->near[i].a);
        pattern_release(&r->near[i].b);
    }
    for (size_t i = 0; i < r->n_score; i++)
        pattern_release(&r->score[i]);
    for (size_t i = 0; i < r->n_examples; i++)
        free(r->examples[i].text);
    free(r->score);
    free(r->any);
    free(r->all);
    free(r->none);
    free(r->near);
    free(r->examples);
}

/* ---- finishing a rule ------------------------------------------------ */

/* Byte offset of an empty alternative in pattern s ("a||b", "(|a)",
 * "(a|)", a leading or trailing '|'), or -1.  PCRE2 accepts these and
 * its minimum length check misses "(|a)b", yet an empty branch is almost
 * always a typo that silently makes part of the pattern optional.  Skips
 * escapes, \Q...\E, character classes and (?#...) comments. */
static long empty_alternative(const char *s)
{
    size_t i = 0, n = strlen(s);
    size_t branch_start = 0; /* where the current branch began */
    size_t stack[64];
    size_t depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\\') {
            if (s[i + 1] == 'Q') {
                const char *e = strstr(s + i + 2, "\\E");
                i = e ? (size_t)(e - s) + 2 : n;
            } else {
                i += 2;
            }
        } else if (c == '[') {
            i++;
            if (s[i] == '^')
                i++;
            if (s[i] == ']')
                i++; /* a leading ']' is literal */
            while (i < n && s[i] != ']') {
                if (s[i] == '\\')
                    i++;
                else if (s[i] == '[' && s[i + 1] == ':') {
                    const char *e = strstr(s + i + 2, ":]");
                    if (e)
                        i = (size_t)(e - s) + 1;
                }
                i++;
            }
            i++;
        } else if (c == '(') {
            if (s[i + 1] == '?' && s[i + 2] == '#') {
                const char *e = strchr(s + i, ')');
                i = e ? (size_t)(e - s) + 1 : n;
                continue;
            }
            i++;
            if (s[i] == '*') { /* (*VERB) / (*UTF): not a group */
                const char *e = strchr(s + i, ')');
                i = e ? (size_t)(e - s) + 1 : n;
                continue;
            }
            if (s[i] == '?') {
                /* (?:  (?=  (?!  (?<=  (?<!  (?>  (?|  (?<name>  (?'n'
                 * (?P<name>  (?flags:  — skip to the start of the body */
                i++;
                if (s[i] == '<' && (s[i + 1] == '=' || s[i + 1] == '!'))
                    i += 2;
                else if (s[i] == '<' || s[i] == '\'' ||
                         (s[i] == 'P' && s[i + 1] == '<')) {
                    char close = s[i] == '\'' ? '\'' : '>';
                    while (i < n && s[i] != close)
                        i++;
                    i++;
                } else if (s[i] && strchr("=!>|:", s[i])) {
                    i++;
                } else {
                    /* (?i) (?-i) (?i:...) */
                    while (i < n && s[i] != ':' && s[i] != ')')
                        i++;
                    if (s[i] == ')') { /* option setting, no group */
                        i++;
                        continue;
                    }
                    i++;
                }
            }
            if (depth < sizeof(stack) / sizeof(stack[0]))
                stack[depth] = branch_start;
            depth++;
            branch_start = i;
        } else if (c == '|') {
            if (i == branch_start)
                return (long)i;
            i++;
            branch_start = i;
            if (i == n || s[i] == ')')
                return (long)(i - 1);
        } else if (c == ')') {
            if (depth) {
                depth--;
                if (depth < sizeof(stack) / sizeof(stack[0]))
                    branch_start = stack[depth];
            }
            i++;
        } else {
            i++;
        }
    }
    return -1;
}

static void compile_one(struct loader *L, struct rule_pattern *p,
                        int case_sensitive)
{
    char msg[300];
    size_t off = 0;
    long empty = empty_alternative(p->source);
    if (empty >= 0) {
        problem(L, p->loc.file, p->loc.line,
                p->loc.col + utf8_chars(p->source, (size_t)empty),
                "empty alternative in '|': that part of the pattern becomes "
                "optional (write (?:x)? if that is meant)");
        return;
    }
    if (rule_pattern_compile(p, case_sensitive, msg, sizeof(msg), &off) < 0)
        problem(L, p->loc.file, p->loc.line,
                p->loc.col + utf8_chars(p->source, off), "%s", msg);
}

/* Validate and compile the rule being built; keep it if it is sound. */
static void finish_rule(struct loader *L)
{
    struct rule *r = L->cur;
    if (!r)
        return;
    if (!r->tag)
        problem(L, r->loc.file, r->loc.line, r->loc.col,
                "rule '%s' has no tag", r->id);
    if (!r->n_any && !r->n_all && !r->n_near && !r->n_score)
        problem(L, r->loc.file, r->loc.line, r->loc.col,
                "rule '%s' has no any, all, near or score pattern", r->id);
    if (r->n_score && !r->threshold)
        problem(L, r->loc.file, r->loc.line, r->loc.col,
                "rule '%s' has score lines but no threshold", r->id);
    if (r->threshold && !r->n_score)
        problem(L, r->threshold_loc.file, r->threshold_loc.line,
                r->threshold_loc.col, "threshold without score lines");
    if (r->threshold && r->n_score) {
        long reach = 0;
        for (size_t i = 0; i < r->n_score; i++)
            if (r->score[i].weight > 0)
                reach += r->score[i].weight;
        if (reach < r->threshold)
            problem(L, r->threshold_loc.file, r->threshold_loc.line,
                    r->threshold_loc.col,
                    "threshold %d cannot be reached: the positive weights "
                    "add up to %ld", r->threshold, reach);
    }
    for (size_t i = 0; i < r->n_score; i++)
        compile_one(L, &r->score[i], r->case_sensitive);
    for (size_t i = 0; i < r->n_any; i++)
        compile_one(L, &r->any[i], r->case_sensitive);
    for (size_t i = 0; i < r->n_all; i++)
        compile_one(L, &r->all[i], r->case_sensitive);
    for (size_t i = 0; i < r->n_none; i++)
        compile_one(L, &r->none[i], r->case_sensitive);
    for (size_t i = 0; i < r->n_near; i++) {
        compile_one(L, &r->near[i].a, r->case_sensitive);
        compile_one(L, &r->near[i].b, r->case_sensitive);
    }
    struct rule_set *set = L->set;
    if (L->cur_bad) {
        rule_release(r);
    } else {
        FS_GROW(set->rules, set->n_rules + 1, set->alloc_rules);
        set->rules[set->n_rules++] = *r;
    }
    free(r);
    L->cur = NULL;
    L->cur_bad = 0;
}

/* ---- one line -------------------------------------------------------- */

struct line_ctx {
    const char *file;
    const char *text;   /* the whole line, for column arithmetic */
    unsigned lineno;
};

static unsigned col_of(const struct line_ctx *lc, const char *p)
{
    return utf8_chars(lc->text, (size_t)(p - lc->text)) + 1;
}

static void start_rule(struct loader *L, const struct line_ctx *lc,
                       const char *p)
{
    /* p points at '[': expect "[rule ID]" */
    const char *q = p + 1;
    while (is_blank(*q))
        q++;
    if (strncmp(q, "rule", 4) != 0 || !is_blank(q[4])) {
        problem(L, lc->file, lc->lineno, col_of(lc, q),
                "expected '[rule ID]'");
        return;
    }
    q += 4;
    while (is_blank(*q))
        q++;
    const char *id = q;
    while (is_name_char(*q))
        q++;
    size_t idlen = (size_t)(q - id);
    while (is_blank(*q))
        q++;
    if (idlen == 0 || *q != ']') {
        problem(L, lc->file, lc->lineno, col_of(lc, q),
                "bad rule id: use letters, digits, '-', '_' or '.', then ']'");
        return;
    }
    const char *end = q + 1;
    while (is_blank(*end))
        end++;
    if (*end) {
        problem(L, lc->file, lc->lineno, col_of(lc, end),
                "unexpected text after ']'");
        return;
    }

    L->cur = fs_calloc(1, sizeof(*L->cur));
    L->cur_bad = 0;
    L->cur->id = fs_strndup(id, idlen);
    L->cur->loc = (struct rule_loc){lc->file, lc->lineno, col_of(lc, id)};
    L->cur->fields = RULE_FIELDS_DEFAULT;
    for (size_t i = 0; i < L->set->n_rules; i++) {
        const struct rule *o = &L->set->rules[i];
        if (strcmp(o->id, L->cur->id) == 0) {
            problem(L, lc->file, lc->lineno, col_of(lc, id),
                    "duplicate rule id '%s' (first defined at %s:%u)",
                    o->id, o->loc.file, o->loc.line);
            break;
        }
    }
}

/* Tags are '/'-separated segments of name characters. */
static int tag_valid(const char *t)
{
    if (!*t || *t == '/')
        return 0;
    for (const char *p = t; *p; p++) {
        if (*p == '/') {
            if (p[1] == '/' || p[1] == '\0')
                return 0;
        } else if (!is_name_char(*p)) {
            return 0;
        }
    }
    return 1;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

static void parse_fields(struct loader *L, const struct line_ctx *lc,
                         const char *v)
{
    unsigned mask = 0;
    const char *p = v;
    while (*p) {
        while (is_blank(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ',' && !is_blank(*p))
            p++;
        size_t n = (size_t)(p - w);
        int found = -1;
        for (int f = 0; f < RULE_FIELD_COUNT; f++)
            if (strlen(rule_field_names[f]) == n &&
                !strncmp(w, rule_field_names[f], n))
                found = f;
        if (found < 0) {
            problem(L, lc->file, lc->lineno, col_of(lc, w),
                    "unknown field '%.*s' (title, summary, body, link, feed)",
                    (int)n, w);
            return;
        }
        mask |= 1u << found;
    }
    if (!mask) {
        problem(L, lc->file, lc->lineno, col_of(lc, v), "no fields listed");
        return;
    }
    L->cur->fields = mask;
}

static struct rule_pattern make_pattern(const struct line_ctx *lc,
                                        const char *src, size_t len)
{
    struct rule_pattern p = {0};
    p.source = fs_strndup(src, len);
    p.loc = (struct rule_loc){lc->file, lc->lineno, col_of(lc, src)};
    return p;
}

/* near = A ~N B.  The separator is the first blank-'~'-digits-blank run. */
static void parse_near(struct loader *L, const struct line_ctx *lc,
                       const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p != '~' || p == v || !is_blank(p[-1]))
            continue;
        const char *d = p + 1, *e = d;
        while (*e >= '0' && *e <= '9')
            e++;
        if (e == d || !is_blank(*e))
            continue;
        const char *a_end = p;
        while (a_end > v && is_blank(a_end[-1]))
            a_end--;
        const char *b = e;
        while (is_blank(*b))
            b++;
        if (!*b)
            break;
        unsigned long n = strtoul(d, NULL, 10);
        if (n > 1000) {
            problem(L, lc->file, lc->lineno, col_of(lc, d),
                    "near distance %lu is larger than 1000 words", n);
            return;
        }
        struct rule *r = L->cur;
        FS_GROW(r->near, r->n_near + 1, r->alloc_near);
        struct rule_near *nr = &r->near[r->n_near++];
        nr->a = make_pattern(lc, v, (size_t)(a_end - v));
        nr->b = make_pattern(lc, b, strlen(b));
        nr->max_words = (unsigned)n;
        return;
    }
    problem(L, lc->file, lc->lineno, col_of(lc, v),
            "expected 'near = PATTERN ~N PATTERN' (blanks around ~N)");
}

/* score = W PATTERN: W a non-zero integer in [-1000, 1000]. */
static void parse_score(struct loader *L, const struct line_ctx *lc,
                        const char *v)
{
    const char *p = v;
    if (*p == '+' || *p == '-')
        p++;
    const char *d = p;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == d || p - d > 4 || !is_blank(*p)) {
        problem(L, lc->file, lc->lineno, col_of(lc, v),
                "expected 'score = WEIGHT PATTERN' (an integer, a blank, "
                "then the pattern)");
        return;
    }
    long w = strtol(v, NULL, 10);
    if (w == 0 || w < -1000 || w > 1000) {
        problem(L, lc->file, lc->lineno, col_of(lc, v),
                "score weight %ld: use a non-zero integer from -1000 to 1000",
                w);
        return;
    }
    while (is_blank(*p))
        p++;
    struct rule *r = L->cur;
    FS_GROW(r->score, r->n_score + 1, r->alloc_score);
    r->score[r->n_score] = make_pattern(lc, p, strlen(p));
    r->score[r->n_score++].weight = (int)w;
}

static void parse_threshold(struct loader *L, const struct line_ctx *lc,
                            const char *v)
{
    const char *p = v;
    while (*p >= '0' && *p <= '9')
        p++;
    long t = (p > v && p - v <= 6 && !*p) ? strtol(v, NULL, 10) : 0;
    if (t < 1 || t > 100000) {
        problem(L, lc->file, lc->lineno, col_of(lc, v),
                "threshold must be an integer from 1 to 100000");
        return;
    }
    if (L->cur->threshold) {
        problem(L, lc->file, lc->lineno, col_of(lc, v),
                "threshold set twice");
        return;
    }
    L->cur->threshold = (int)t;
    L->cur->threshold_loc =
        (struct rule_loc){lc->file, lc->lineno, col_of(lc, v)};
}

static void add_pattern(const struct line_ctx *lc, struct rule_pattern **arr,
                        size_t *n, size_t *alloc, const char *v)
{
    FS_GROW(*arr, *n + 1, *alloc);
    (*arr)[(*n)++] = make_pattern(lc, v, strlen(v));
}

static void set_key(struct loader *L, const struct line_ctx *lc,
                    const char *key, size_t keylen, const char *v)
{
    struct rule *r = L->cur;
    int b;
#define KEY(s) (keylen == sizeof(s) - 1 && !strncmp(key, s, keylen))
    if (!r) {
        problem(L, lc->file, lc->lineno, col_of(lc, key),
                "'%.*s' outside a [rule ID] section", (int)keylen, key);
    } else if (!*v && !KEY("description")) {
        problem(L, lc->file, lc->lineno, col_of(lc, v),
                "empty value for '%.*s'", (int)keylen, key);
    } else if (KEY("tag")) {
        if (r->tag)
            problem(L, lc->file, lc->lineno, col_of(lc, key), "tag set twice");
        else if (!tag_valid(v))
            problem(L, lc->file, lc->lineno, col_of(lc, v),
                    "bad tag '%s': use name characters and '/'", v);
        else
            r->tag = fs_strdup(v);
    } else if (KEY("description")) {
        free(r->description);
        r->description = fs_strdup(v);
    } else if (KEY("fields")) {
        parse_fields(L, lc, v);
    } else if (KEY("alert")) {
        if (parse_bool(v, &b) < 0)
            problem(L, lc->file, lc->lineno, col_of(lc, v),
                    "alert must be yes or no");
        else
            r->alert = b;
    } else if (KEY("case")) {
        if (!strcmp(v, "sensitive"))
            r->case_sensitive = 1;
        else if (!strcmp(v, "insensitive"))
            r->case_sensitive = 0;
        else
            problem(L, lc->file, lc->lineno, col_of(lc, v),
                    "case must be sensitive or insensitive");
    } else if (KEY("any")) {
        add_pattern(lc, &r->any, &r->n_any, &r->alloc_any, v);
    } else if (KEY("all")) {
        add_pattern(lc, &r->all, &r->n_all, &r->alloc_all, v);
    } else if (KEY("none")) {
        add_pattern(lc, &r->none, &r->n_none, &r->alloc_none, v);
    } else if (KEY("near")) {
        parse_near(L, lc, v);
    } else if (KEY("score")) {
        parse_score(L, lc, v);
    } else if (KEY("threshold")) {
        parse_threshold(L, lc, v);
    } else if (KEY("example+") || KEY("example-")) {
        FS_GROW(r->examples, r->n_examples + 1, r->alloc_examples);
        struct rule_example *ex = &r->examples[r->n_examples++];
        ex->text = fs_strdup(v);
        ex->positive = key[7] == '+';
        ex->loc = (struct rule_loc){lc->file, lc->lineno, col_of(lc, key)};
    } else {
        problem(L, lc->file, lc->lineno, col_of(lc, key),
                "unknown key '%.*s'", (int)keylen, key);
    }
#undef KEY
}

static void load_file(struct loader *L, const char *path, const char *data,
                      size_t len, const struct rule_loc *from);

static void include_file(struct loader *L, const struct line_ctx *lc,
                         const char *arg)
{
    finish_rule(L);
    if (!*arg) {
        problem(L, lc->file, lc->lineno, col_of(lc, arg),
                "include needs a file name");
        return;
    }
    char *path;
    const char *slash = strrchr(lc->file, '/');
    if (arg[0] == '/' || !slash)
        path = fs_strdup(arg);
    else
        path = fs_asprintf("%.*s/%s", (int)(slash - lc->file), lc->file, arg);
    struct rule_loc from = {lc->file, lc->lineno, col_of(lc, arg)};
    load_file(L, path, NULL, 0, &from);
    free(path);
}

static void parse_line(struct loader *L, const struct line_ctx *lc, char *s)
{
    char *p = s;
    while (is_blank(*p))
        p++;
    if (!*p || *p == '#')
        return;
    if (*p == '[') {
        finish_rule(L);
        start_rule(L, lc, p);
        return;
    }
    if (!strncmp(p, "include", 7) && is_blank(p[7])) {
        char *arg = p + 8;
        while (is_blank(*arg))
            arg++;
        char *end = arg + strlen(arg);
        while (end > arg && is_blank(end[-1]))
            *--end = '\0';
        include_file(L, lc, arg);
        return;
    }
    const char *key = p;
    while (*p && *p != '=' && !is_blank(*p))
        p++;
    size_t keylen = (size_t)(p - key);
    while (is_blank(*p))
        p++;
    if (*p != '=' || keylen == 0) {
        problem(L, lc->file, lc->lineno, col_of(lc, *p ? p : key),
                "expected 'key = value', '[rule ID]', 'include FILE' or "
                "a # comment");
        return;
    }
    char *v = p + 1;
    while (is_blank(*v))
        v++;
    char *end = v + strlen(v);
    while (end > v && is_blank(end[-1]))
        *--end = '\0';
    set_key(L, lc, key, keylen, v);
}

static void parse_text(struct loader *L, const char *file, const char *data,
                       size_t len)
{
    size_t pos = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        pos = 3; /* byte order mark */
    struct strbuf line = STRBUF_INIT;
    for (unsigned lineno = 1; pos < len; lineno++) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        strbuf_reset(&line);
        strbuf_add(&line, data + pos, n);
        pos += n + (nl ? 1 : 0);
        if (line.len && line.buf[line.len - 1] == '\r')
            strbuf_setlen(&line, line.len - 1);
        if (memchr(line.buf, '\0', line.len) ||
            !fs_utf8_valid(line.buf, line.len)) {
            problem(L, file, lineno, 1, "line is not valid UTF-8 text");
            continue;
        }
        /* parse_line only cuts trailing blanks, which no column points
         * into, so lc.text can be the very line it edits */
        struct line_ctx lc = {file, line.buf, lineno};
        parse_line(L, &lc, line.buf);
    }
    strbuf_release(&line);
    finish_rule(L);
}

/* Load one file (or buffer when data is non-NULL).  from is the include
 * line that asked for it, NULL for the top-level file. */
static void load_file(struct loader *L, const char *path, const char *data,
                      size_t len, const struct rule_loc *from)
{
    struct rule_set *set = L->set;
    char *real = realpath(path, NULL);
    if (!real && !data) {
        problem(L, from->file, from->line, from->col, "cannot include %s: %s",
                path, strerror(errno));
        return;
    }
    if (!real)
        real = fs_strdup(path); /* a buffer that is not a file */
    for (size_t i = 0; i < L->depth; i++) {
        if (strcmp(L->stack[i], real) == 0) {
            problem(L, from->file, from->line, from->col,
                    "include cycle: %s is already being read", path);
            free(real);
            return;
        }
    }
    if (L->depth == RULES_MAX_DEPTH) {
        problem(L, from->file, from->line, from->col,
                "includes nested deeper than %d files", RULES_MAX_DEPTH);
        free(real);
        return;
    }

    struct strbuf sb = STRBUF_INIT;
    if (!data) {
        fs_error ferr = {0};
        if (fs_read_file(path, &sb, RULES_MAX_FILE, &ferr) != FS_OK) {
            problem(L, from->file, from->line, from->col, "%s", ferr.msg);
            strbuf_release(&sb);
            free(real);
            return;
        }
        data = sb.buf;
        len = sb.len;
    }
    FS_GROW(set->files, set->n_files + 1, set->alloc_files);
    char *name = fs_strdup(path);
    set->files[set->n_files++] = name;
    fnv1a(&L->fnv, data, len);

    L->stack[L->depth++] = real;
    parse_text(L, name, data, len);
    L->depth--;
    free(real);
    strbuf_release(&sb);
}

/* ---- entry points ---------------------------------------------------- */

fs_code rules_load_all(const char *path, const char *data, size_t len,
                       rule_problem_fn report, void *ctx,
                       struct rule_set **out, fs_error *err)
{
    *out = NULL;
    struct strbuf sb = STRBUF_INIT;
    if (!data) {
        fs_code rc = fs_read_file(path, &sb, RULES_MAX_FILE, err);
        if (rc != FS_OK) {
            strbuf_release(&sb);
            return rc;
        }
        data = sb.buf;
        len = sb.len;
    }
    struct loader L = {0};
    L.set = fs_calloc(1, sizeof(*L.set));
    L.report = report;
    L.ctx = ctx;
    L.fnv = 0xcbf29ce484222325ULL;
    struct rule_loc top = {path, 0, 0};
    load_file(&L, path, data, len, &top);
    strbuf_release(&sb);

    L.set->mctx = rule_match_context_new();
    rules_prefilter_build(L.set);
    snprintf(L.set->version, sizeof(L.set->version), "%016llx",
             (unsigned long long)L.fnv);
    *out = L.set;
    if (L.n_problems)
        return fs_error_set(err, FS_EINVAL, "%s: %zu problem%s", path,
                            L.n_problems, L.n_problems == 1 ? "" : "s");
    return FS_OK;
}

/* rule_set_load(): the first problem becomes the error. */
static void keep_first(void *ctx, const struct rule_loc *loc, const char *msg)
{
    fs_error *err = ctx;
    if (err->code != FS_OK)
        return;
    fs_error_set(err, FS_EINVAL, "%s:%u:%u: %s", loc->file, loc->line,
                 loc->col, msg);
}

static fs_code load_strict(const char *path, const char *data, size_t len,
                           struct rule_set **out, fs_error *err)
{
    fs_error first = {0};
    fs_code rc = rules_load_all(path, data, len, keep_first, &first, out, err);
    if (rc == FS_EINVAL) {
        rule_set_free(*out);
        *out = NULL;
        if (err)
            *err = first;
    }
    return rc;
}

fs_code rule_set_load(const char *path, struct rule_set **out, fs_error *err)
{
    return load_strict(path, NULL, 0, out, err);
}

fs_code rule_set_load_buffer(const char *data, size_t len, const char *name,
                             struct rule_set **out, fs_error *err)
{
    return load_strict(name ? name : "<buffer>", data ? data : "", len, out,
                       err);
}

void rule_set_free(struct rule_set *set)
{
    if (!set)
        return;
    rules_prefilter_join(set); /* a lazy build still reads the patterns */
    for (size_t i = 0; i < set->n_rules; i++)
        rule_release(&set->rules[i]);
    free(set->rules);
    for (size_t i = 0; i < set->n_files; i++)
        free(set->files[i]);
    free(set->files);
    free(set->patterns);
    free(set->pattern_rule);
    free(set->need);
    free(set->need_off);
    rules_prefilter_free(atomic_load(&set->prefilter));
    pcre2_match_context_free(set->mctx);
    free(set);
}

size_t rule_set_count(const struct rule_set *set)
{
    return set ? set->n_rules : 0;
}

const char *rule_set_version(const struct rule_set *set)
{
    return set->version;
}

const char *rule_set_default_path(void)
{
    const char *env = getenv("FEEDSIFT_RULES");
    return env && *env ? env : FEEDSIFT_RULES_DEFAULT;
}
