/*
 * cmd_reclassify.c — `feedsift reclassify`: run the current rules again
 * over stored items and replace their tags, so a rules edit reaches what
 * is already in the database.
 *
 * Every tag row written carries the version of the rule set that produced
 * it (rule_set_version(): FNV-1a 64 of all rule text, includes too), also
 * rows whose tag did not change.  The report counts, per tag, the items
 * that gained it and the items that lost it (a tag given by two rules
 * counts once per item).
 *
 * Alerts: reclassify never enqueues or re-sends alerts — re-tagging an
 * item that already alerted must not alert again, and tags gained here
 * are history, not news.  (store_alert_enqueue() deduplicates by story;
 * calling it for watched tags gained is the lead's decision.)
 */
#include "cli.h"
#include "classifier.h"
#include "store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char RECLASSIFY_HELP[] =
    "usage: feedsift reclassify [--since WHEN] [--db FILE] [--rules FILE]\n"
    "                           [--dry-run] [--format table|json]\n"
    "\n"
    "Run the current rules over stored items again and replace their tags;\n"
    "every tag records the rule-set version that produced it.  Prints how\n"
    "many items gained and lost each tag.  No alerts are sent or queued.\n"
    "\n"
    "Options:\n"
    "  --since WHEN   only items published (else updated, else first seen)\n"
    "                 at or after WHEN (2025-04-01, 7d, 12h, ...)\n"
    "  --db FILE      database (default $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --rules FILE   rules file (default $FEEDSIFT_RULES, else shipped)\n"
    "  --dry-run      report what would change, write nothing\n"
    "  --format FMT   table (default) or json (one object)\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 bad command line, 5 database\n"
    "cannot be opened.\n";

struct tag_delta {
    char *tag;
    size_t added, removed;
};

struct reclass {
    struct store *st;
    const struct rule_set *set;
    int dry_run;
    size_t items, changed, added, removed, warnings;
    struct tag_delta *deltas;
    size_t n_deltas, alloc_deltas;
    fs_error err;
    fs_code rc;
};

static struct tag_delta *delta_for(struct reclass *r, const char *tag)
{
    for (size_t i = 0; i < r->n_deltas; i++)
        if (!strcmp(r->deltas[i].tag, tag))
            return &r->deltas[i];
    FS_GROW(r->deltas, r->n_deltas + 1, r->alloc_deltas);
    struct tag_delta *d = &r->deltas[r->n_deltas++];
    d->tag = fs_strdup(tag);
    d->added = d->removed = 0;
    return d;
}

static int has_tag_store(const struct store_tag_list *l, const char *tag)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->tags[i].tag, tag))
            return 1;
    return 0;
}

static int has_tag_hits(const struct classification *c, const char *tag)
{
    for (size_t i = 0; i < c->n_hits; i++)
        if (!strcmp(c->hits[i].tag, tag))
            return 1;
    return 0;
}

/* tag already given by an earlier hit (several rules, one tag) */
static int has_tag_hits_before(const struct classification *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c->hits[i].tag, c->hits[n].tag))
            return 1;
    return 0;
}

static int one_item(const struct store_item_text *t, void *ud)
{
    struct reclass *r = ud;
    struct classify_input in = {t->title, t->summary, t->body, t->link,
                                t->feed};
    struct classification c;
    struct store_tag_list old;
    r->rc = store_item_tags_get(r->st, t->id, &old, &r->err);
    if (r->rc != FS_OK)
        return 1;
    r->rc = rule_set_match(r->set, &in, &c, &r->err);
    if (r->rc != FS_OK) {
        store_tag_list_release(&old);
        return 1;
    }
    r->items++;
    for (size_t i = 0; i < c.n_warnings; i++) {
        fs_log(FS_LOG_WARN, "item %lld: %s", (long long)t->id,
               c.warnings[i]);
        r->warnings++;
    }
    int changed = 0;
    for (size_t i = 0; i < c.n_hits; i++) {
        const char *tag = c.hits[i].tag;
        if (has_tag_store(&old, tag) || has_tag_hits_before(&c, i))
            continue;
        delta_for(r, tag)->added++;
        r->added++;
        changed = 1;
    }
    for (size_t i = 0; i < old.n; i++) {
        const char *tag = old.tags[i].tag;
        if (has_tag_hits(&c, tag) || (i && !strcmp(old.tags[i - 1].tag, tag)))
            continue; /* rows are sorted by tag: count each tag once */
        delta_for(r, tag)->removed++;
        r->removed++;
        changed = 1;
    }
    r->changed += (size_t)changed;
    if (!r->dry_run) {
        size_t n = c.n_hits ? c.n_hits : 1, added = 0;
        struct store_tag *tags = fs_calloc(n, sizeof(*tags));
        for (size_t i = 0; i < c.n_hits; i++)
            tags[i] = (struct store_tag){c.hits[i].tag, c.hits[i].rule_id,
                                         c.hits[i].field, c.hits[i].matched,
                                         c.hits[i].alert};
        r->rc = store_item_set_tags(r->st, t->id, tags, c.n_hits,
                                    rule_set_version(r->set), &added,
                                    &r->err);
        free(tags);
    }
    classification_release(&c);
    store_tag_list_release(&old);
    return r->rc != FS_OK;
}

static int delta_cmp(const void *a, const void *b)
{
    return strcmp(((const struct tag_delta *)a)->tag,
                  ((const struct tag_delta *)b)->tag);
}

static void report(const struct reclass *r, const char *rules,
                   enum cli_format format)
{
    if (format == CLI_FORMAT_JSON) {
        json_t *o = json_object(), *tags = json_array();
        json_object_set_new(o, "rules", json_string(rules));
        json_object_set_new(o, "rules_version",
                            json_string(rule_set_version(r->set)));
        json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
        json_object_set_new(o, "items", json_integer((json_int_t)r->items));
        json_object_set_new(o, "changed",
                            json_integer((json_int_t)r->changed));
        json_object_set_new(o, "added", json_integer((json_int_t)r->added));
        json_object_set_new(o, "removed",
                            json_integer((json_int_t)r->removed));
        json_object_set_new(o, "warnings",
                            json_integer((json_int_t)r->warnings));
        for (size_t i = 0; i < r->n_deltas; i++) {
            json_t *t = json_object();
            json_object_set_new(t, "tag", json_string(r->deltas[i].tag));
            json_object_set_new(t, "added",
                                json_integer((json_int_t)r->deltas[i].added));
            json_object_set_new(
                t, "removed", json_integer((json_int_t)r->deltas[i].removed));
            json_array_append_new(tags, t);
        }
        json_object_set_new(o, "tags", tags);
        cli_print_json(stdout, o, 0);
        json_decref(o);
        return;
    }
    printf("%s %zu items with rules version %s: %zu changed, %zu tags "
           "added, %zu removed%s\n", r->dry_run ? "would reclassify" :
           "reclassified", r->items, rule_set_version(r->set), r->changed,
           r->added, r->removed, r->dry_run ? " (dry run: nothing written)"
                                            : "");
    if (r->n_deltas)
        printf("%-28s %7s %7s\n", "tag", "added", "removed");
    for (size_t i = 0; i < r->n_deltas; i++)
        printf("%-28s %7zu %7zu\n", r->deltas[i].tag, r->deltas[i].added,
               r->deltas[i].removed);
    if (r->warnings)
        printf("%zu warning%s (see stderr)\n", r->warnings,
               r->warnings == 1 ? "" : "s");
}

int cmd_reclassify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"db", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"dry-run", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *rules_opt = NULL;
    int64_t since = FS_TIME_NONE;
    int dry_run = 0, c, rc;
    enum cli_format format = CLI_FORMAT_TABLE;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((rc = cli_parse_when("reclassify", optarg, &since)) != 0)
                return rc;
            break;
        case 'd': db = optarg; break;
        case 'r': rules_opt = optarg; break;
        case 'n': dry_run = 1; break;
        case 'o':
            if (cli_parse_format(optarg, &format) < 0 ||
                format == CLI_FORMAT_CSV)
                return cli_usage_error("reclassify", "unknown format '%s' "
                                       "(table or json)", optarg);
            break;
        case 'h':
            return cli_help(RECLASSIFY_HELP);
        default:
            return cli_usage_error("reclassify", "unknown or incomplete "
                                   "option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("reclassify", "unexpected argument '%s'",
                               argv[optind]);
    const char *rules = cli_rules_path(rules_opt);
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(rules, &set, &err) != FS_OK)
        return cli_fail("reclassify", &err);
    struct store *st = NULL;
    if ((rc = cli_open_store("reclassify", db, &st)) != 0) {
        rule_set_free(set);
        return rc;
    }
    char *cache = fs_cache_dir(); /* the prefilter at once: many items */
    rule_set_prefilter_prepare(set, cache);
    free(cache);
    struct reclass r = {0};
    r.st = st;
    r.set = set;
    r.dry_run = dry_run;
    fs_code frc = store_items_each_text(st, since, one_item, &r, &err);
    if (r.rc != FS_OK) {
        frc = r.rc;
        err = r.err;
    }
    if (frc != FS_OK) {
        rc = cli_fail("reclassify", &err);
    } else {
        if (r.n_deltas)
            qsort(r.deltas, r.n_deltas, sizeof(*r.deltas), delta_cmp);
        report(&r, rules, format);
        rc = EXIT_OK;
    }
    for (size_t i = 0; i < r.n_deltas; i++)
        free(r.deltas[i].tag);
    free(r.deltas);
    store_close(st);
    rule_set_free(set);
    return rc;
}
