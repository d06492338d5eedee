/*
 * cmd_explain.c — `feedsift explain ITEM_ID`: why a stored item has its
 * tags.  Shows the item's text with every match of the current rules
 * highlighted (ANSI colour on a terminal, [[...]] markers otherwise), the
 * tags stored for it with the rule, field, matched text and rule-set
 * version that wrote each, and which of them the current rules still give.
 *
 * Long fields (article bodies) are shown as excerpts around the matches,
 * so the output stays readable; title and summary are shown whole.
 */
#include "cli.h"
#include "classifier.h"
#include "store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXCERPT_CONTEXT 100     /* bytes shown around a match in long fields */
#define WHOLE_FIELD_MAX 600     /* fields up to this size are shown whole */

static const char EXPLAIN_HELP[] =
    "usage: feedsift explain ITEM_ID [--db FILE] [--rules FILE]\n"
    "                        [--color auto|always|never] [--format text|json]\n"
    "\n"
    "Show why a stored item has its tags: its text with each match of the\n"
    "current rules highlighted (colour on a terminal, else [[...]]), every\n"
    "stored tag with the rule, field, matched text and the rule-set version\n"
    "that wrote it, and whether the current rules still give it.\n"
    "\n"
    "Exit status: 0 success, 1 no such item or rules cannot be loaded,\n"
    "2 bad command line, 5 database cannot be opened.\n";

static const char *const FIELD_NAMES[] = {"title", "summary", "body", "link",
                                          "feed"};

struct span {
    size_t s, e;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s ? 1 : 0;
}

/* The merged evidence spans of field fi, sorted. */
static size_t field_spans(const struct classification *c, int fi,
                          struct span **out)
{
    struct span *v = fs_calloc(c->n_hits + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < c->n_hits; i++)
        if (c->hits[i].field_index == fi && c->hits[i].end > c->hits[i].start)
            v[n++] = (struct span){c->hits[i].start, c->hits[i].end};
    qsort(v, n, sizeof(*v), span_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && v[i].s <= v[m - 1].e) {
            if (v[i].e > v[m - 1].e)
                v[m - 1].e = v[i].e;
        } else {
            v[m++] = v[i];
        }
    }
    *out = v;
    return m;
}

/* Move off back/forward to a UTF-8 character boundary. */
static size_t char_start(const char *s, size_t off)
{
    while (off > 0 && ((unsigned char)s[off] & 0xC0) == 0x80)
        off--;
    return off;
}

static void put_plain(struct strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        strbuf_addch(sb, s[i] == '\n' || s[i] == '\r' || s[i] == '\t'
                             ? ' ' : s[i]);
}

static void render_field(struct strbuf *sb, const char *text,
                         const struct span *sp, size_t n, int color)
{
    const char *on = color ? "\033[1;33;4m" : "[[";
    const char *off = color ? "\033[0m" : "]]";
    size_t len = strlen(text);
    int whole = len <= WHOLE_FIELD_MAX;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t from = pos;
        if (!whole) {
            size_t ctx = sp[i].s > EXCERPT_CONTEXT ? sp[i].s - EXCERPT_CONTEXT
                                                  : 0;
            if (ctx > pos) {
                from = char_start(text, ctx);
                strbuf_addstr(sb, "\xE2\x80\xA6");
            }
        }
        put_plain(sb, text + from, sp[i].s - from);
        strbuf_addstr(sb, on);
        put_plain(sb, text + sp[i].s, sp[i].e - sp[i].s);
        strbuf_addstr(sb, off);
        pos = sp[i].e;
        if (!whole) {
            size_t end = sp[i].e + EXCERPT_CONTEXT;
            if (i + 1 < n && sp[i + 1].s <= end + EXCERPT_CONTEXT)
                continue; /* the next excerpt joins this one */
            if (end < len) {
                end = char_start(text, end);
                put_plain(sb, text + pos, end - pos);
                strbuf_addstr(sb, "\xE2\x80\xA6");
                pos = len;
            }
        }
    }
    if (pos < len && (whole || n == 0)) {
        size_t end = whole ? len : char_start(text, 2 * EXCERPT_CONTEXT);
        if (end < pos)
            end = pos;
        put_plain(sb, text + pos, end - pos);
        if (end < len)
            strbuf_addstr(sb, "\xE2\x80\xA6");
    } else if (pos < len) {
        put_plain(sb, text + pos, len - pos);
    }
}

static int current_gives(const struct classification *c, const char *tag,
                         const char *rule)
{
    for (size_t i = 0; i < c->n_hits; i++)
        if (!strcmp(c->hits[i].tag, tag) && !strcmp(c->hits[i].rule_id, rule))
            return 1;
    return 0;
}

static int stored_has(const struct store_tag_list *l, const char *tag,
                      const char *rule)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->tags[i].tag, tag) && !strcmp(l->tags[i].rule_id, rule))
            return 1;
    return 0;
}

static void print_text(const struct store_item_text *t,
                       const struct classify_input *in,
                       const struct classification *c,
                       const struct store_tag_list *old,
                       const struct rule_set *set, int color)
{
    printf("item %lld", (long long)t->id);
    if (t->feed)
        printf(" from %s", t->feed);
    printf("\n");
    const char *src[] = {in->title, in->summary, in->body, in->link, in->feed};
    for (int fi = 0; fi < 4; fi++) {
        if (!src[fi] || !*src[fi])
            continue;
        struct span *sp;
        size_t n = field_spans(c, fi, &sp);
        struct strbuf sb = STRBUF_INIT;
        render_field(&sb, src[fi], sp, n, color);
        printf("%-8s %s\n", FIELD_NAMES[fi], sb.buf);
        strbuf_release(&sb);
        free(sp);
    }
    printf("\nstored tags (%zu):\n", old->n);
    for (size_t i = 0; i < old->n; i++) {
        const struct store_tag *s = &old->tags[i];
        printf("  %-24s rule %s, %s: \"%s\"%s\n", s->tag, s->rule_id,
               s->field ? s->field : "?", s->matched ? s->matched : "",
               s->alert ? " [alert]" : "");
        printf("  %-24s written by rules %s; current rules: %s\n", "",
               old->versions[i] ? old->versions[i] : "(unknown)",
               current_gives(c, s->tag, s->rule_id) ? "still give it"
                                                   : "no longer give it");
    }
    size_t n_new = 0;
    for (size_t i = 0; i < c->n_hits; i++)
        n_new += !stored_has(old, c->hits[i].tag, c->hits[i].rule_id);
    printf("\ncurrent rules (version %s) give %zu tag%s", rule_set_version(set),
           c->n_hits, c->n_hits == 1 ? "" : "s");
    printf("%s\n", n_new ? "; not stored yet:" : "");
    for (size_t i = 0; i < c->n_hits; i++) {
        const struct tag_hit *h = &c->hits[i];
        if (stored_has(old, h->tag, h->rule_id))
            continue;
        printf("  %-24s rule %s, %s: \"%s\"%s\n", h->tag, h->rule_id,
               h->field, h->matched, h->alert ? " [alert]" : "");
    }
    if (n_new)
        printf("(run feedsift reclassify to store them)\n");
}

static json_t *explain_json(const struct store_item_text *t,
                            const struct classification *c,
                            const struct store_tag_list *old,
                            const struct rule_set *set)
{
    json_t *o = json_object(), *stored = json_array(), *cur = json_array();
    json_object_set_new(o, "id", json_integer(t->id));
    json_object_set_new(o, "feed", cli_json_str(t->feed));
    json_object_set_new(o, "title", cli_json_str(t->title));
    json_object_set_new(o, "rules_version",
                        json_string(rule_set_version(set)));
    for (size_t i = 0; i < old->n; i++) {
        const struct store_tag *s = &old->tags[i];
        json_t *j = json_object();
        json_object_set_new(j, "tag", json_string(s->tag));
        json_object_set_new(j, "rule", json_string(s->rule_id));
        json_object_set_new(j, "field", cli_json_str(s->field));
        json_object_set_new(j, "matched", cli_json_str(s->matched));
        json_object_set_new(j, "alert", json_boolean(s->alert));
        json_object_set_new(j, "rules_version",
                            cli_json_str(old->versions[i]));
        json_object_set_new(j, "current",
                            json_boolean(current_gives(c, s->tag,
                                                       s->rule_id)));
        json_array_append_new(stored, j);
    }
    for (size_t i = 0; i < c->n_hits; i++) {
        const struct tag_hit *h = &c->hits[i];
        json_t *j = json_object();
        json_object_set_new(j, "tag", json_string(h->tag));
        json_object_set_new(j, "rule", json_string(h->rule_id));
        json_object_set_new(j, "field", json_string(h->field));
        json_object_set_new(j, "matched", json_string(h->matched));
        json_object_set_new(j, "start", json_integer((json_int_t)h->start));
        json_object_set_new(j, "end", json_integer((json_int_t)h->end));
        json_object_set_new(j, "stored",
                            json_boolean(stored_has(old, h->tag,
                                                    h->rule_id)));
        json_array_append_new(cur, j);
    }
    json_object_set_new(o, "stored", stored);
    json_object_set_new(o, "current", cur);
    return o;
}

int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"color", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *rules_opt = NULL;
    int color = -1, json = 0, c, rc;
    optind = 0;
    opterr = 0;
    /* no '+': ITEM_ID may come before the options */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': rules_opt = optarg; break;
        case 'c':
            if (!strcmp(optarg, "always"))
                color = 1;
            else if (!strcmp(optarg, "never"))
                color = 0;
            else if (!strcmp(optarg, "auto"))
                color = -1;
            else
                return cli_usage_error("explain", "--color is auto, always "
                                       "or never, not '%s'", optarg);
            break;
        case 'o':
            if (!strcmp(optarg, "json"))
                json = 1;
            else if (!strcmp(optarg, "text") || !strcmp(optarg, "table"))
                json = 0;
            else
                return cli_usage_error("explain", "unknown format '%s' "
                                       "(text or json)", optarg);
            break;
        case 'h':
            return cli_help(EXPLAIN_HELP);
        default:
            return cli_usage_error("explain", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("explain", "expected one ITEM_ID");
    char *end;
    long long id = strtoll(argv[optind], &end, 10);
    if (end == argv[optind] || *end || id <= 0)
        return cli_usage_error("explain", "ITEM_ID must be a positive "
                               "number, not '%s'", argv[optind]);
    if (color < 0)
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

    const char *rules = cli_rules_path(rules_opt);
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(rules, &set, &err) != FS_OK)
        return cli_fail("explain", &err);
    struct store *st = NULL;
    if ((rc = cli_open_store("explain", db, &st)) != 0) {
        rule_set_free(set);
        return rc;
    }
    struct store_item_text t;
    struct store_tag_list old = {0};
    struct classification cls = {0};
    if (store_item_text_get(st, id, &t, &err) != FS_OK ||
        store_item_tags_get(st, id, &old, &err) != FS_OK) {
        rc = cli_fail("explain", &err);
    } else {
        struct classify_input in = {t.title, t.summary, t.body, t.link,
                                    t.feed};
        rule_set_match(set, &in, &cls, &err);
        for (size_t i = 0; i < cls.n_warnings; i++)
            fprintf(stderr, "feedsift explain: warning: %s\n",
                    cls.warnings[i]);
        if (json) {
            json_t *j = explain_json(&t, &cls, &old, set);
            cli_print_json(stdout, j, 0);
            json_decref(j);
        } else {
            print_text(&t, &in, &cls, &old, set, color);
        }
        rc = EXIT_OK;
    }
    classification_release(&cls);
    store_tag_list_release(&old);
    store_item_text_release(&t);
    store_close(st);
    rule_set_free(set);
    return rc;
}
