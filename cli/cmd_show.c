/*
 * cmd_show.c — `feedsift show ID`: one item in full: every stored field,
 * the other sources of its story, the previous versions of its feed text,
 * its tags with the evidence each rule recorded, and the analyst's mark.
 *
 * table and csv print (field, value) rows, repeating a field name for
 * lists ("source", "version", "tag"); json prints one nested object.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char show_help[] =
    "usage: feedsift show [OPTIONS] ID\n"
    "\n"
    "Print everything stored about item ID (the id column of 'list',\n"
    "'search' and 'export'): feed fields, article text and its state, the\n"
    "story's other sources, previous versions, tags with their evidence,\n"
    "and the analyst's mark.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --no-body        leave out the article text\n"
    "  --format FMT     table (default), csv or json\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 no such item or other failure, 2 bad usage,\n"
    "5 database unusable.\n";

static const char *const body_states[] = {"none", "pending", "ok", "failed"};

static const char *body_state_name(enum store_body_state s)
{
    return (unsigned)s < 4 ? body_states[s] : "?";
}

static json_t *detail_json(const struct store_item_detail *d, int body)
{
    const struct store_item *it = &d->item;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(it->id));
    json_object_set_new(o, "feed", cli_json_str(d->feed));
    json_object_set_new(o, "feed_url", cli_json_str(d->feed_url));
    json_object_set_new(o, "guid", cli_json_str(it->guid));
    json_object_set_new(o, "title", cli_json_str(it->title));
    json_object_set_new(o, "link", cli_json_str(it->link));
    json_object_set_new(o, "canonical_url", cli_json_str(it->canonical_url));
    json_object_set_new(o, "author", cli_json_str(it->author));
    json_object_set_new(o, "published", cli_json_time(it->published));
    json_object_set_new(o, "updated", cli_json_time(it->updated));
    json_object_set_new(o, "first_seen", cli_json_time(it->first_seen));
    json_object_set_new(o, "changed", cli_json_time(d->changed));
    json_object_set_new(o, "summary", cli_json_str(it->summary));
    json_object_set_new(o, "body_state",
                        json_string(body_state_name(it->body_state)));
    json_object_set_new(o, "body_error", cli_json_str(it->body_error));
    if (body)
        json_object_set_new(o, "body", cli_json_str(it->body));
    json_object_set_new(o, "story", json_integer(d->story_id));
    json_object_set_new(o, "url_key", cli_json_str(d->url_key));

    json_t *a = json_array();
    for (size_t i = 0; i < d->n_sources; i++) {
        const struct store_source *s = &d->sources[i];
        json_t *x = json_object();
        json_object_set_new(x, "id", json_integer(s->item_id));
        json_object_set_new(x, "feed", cli_json_str(s->feed));
        json_object_set_new(x, "title", cli_json_str(s->title));
        json_object_set_new(x, "link", cli_json_str(s->link));
        json_object_set_new(x, "published", cli_json_time(s->published));
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "sources", a);

    a = json_array();
    for (size_t i = 0; i < d->n_versions; i++) {
        const struct store_version *v = &d->versions[i];
        json_t *x = json_object();
        json_object_set_new(x, "replaced", cli_json_time(v->replaced));
        json_object_set_new(x, "title", cli_json_str(v->title));
        json_object_set_new(x, "link", cli_json_str(v->link));
        json_object_set_new(x, "author", cli_json_str(v->author));
        json_object_set_new(x, "summary", cli_json_str(v->summary));
        json_object_set_new(x, "published", cli_json_time(v->published));
        json_object_set_new(x, "updated", cli_json_time(v->updated));
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "versions", a);

    a = json_array();
    for (size_t i = 0; i < d->n_tags; i++) {
        const struct store_tag_row *t = &d->tags[i];
        json_t *x = json_object();
        json_object_set_new(x, "tag", cli_json_str(t->tag));
        json_object_set_new(x, "rule", cli_json_str(t->rule_id));
        json_object_set_new(x, "field", cli_json_str(t->field));
        json_object_set_new(x, "matched", cli_json_str(t->matched));
        json_object_set_new(x, "alert", json_boolean(t->alert));
        json_object_set_new(x, "rules_version",
                            cli_json_str(t->rules_version));
        json_object_set_new(x, "created", cli_json_time(t->created));
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "tags", a);

    if (d->mark != STORE_MARK_NONE) {
        json_t *m = json_object();
        json_object_set_new(m, "label", json_string(store_mark_name(d->mark)));
        json_object_set_new(m, "note", cli_json_str(d->mark_note));
        json_object_set_new(m, "time", cli_json_time(d->mark_time));
        json_object_set_new(o, "mark", m);
    } else {
        json_object_set_new(o, "mark", json_null());
    }
    return o;
}

static void kv(struct cli_out *out, const char *k, const char *v)
{
    const char *cells[] = {k, v};
    cli_out_row(out, cells, NULL);
}

static void kv_time(struct cli_out *out, const char *k, int64_t t)
{
    char buf[32];
    fs_time_rfc3339(t, buf);
    kv(out, k, buf);
}

static void detail_rows(struct cli_out *out, const struct store_item_detail *d,
                        int body)
{
    const struct store_item *it = &d->item;
    struct strbuf sb = STRBUF_INIT;
    char num[32], t[32];
    snprintf(num, sizeof(num), "%lld", (long long)it->id);
    kv(out, "id", num);
    kv(out, "feed", d->feed);
    kv(out, "feed_url", d->feed_url);
    kv(out, "guid", it->guid);
    kv(out, "title", it->title);
    kv(out, "link", it->link);
    kv(out, "canonical_url", it->canonical_url);
    kv(out, "author", it->author);
    kv_time(out, "published", it->published);
    kv_time(out, "updated", it->updated);
    kv_time(out, "first_seen", it->first_seen);
    kv_time(out, "changed", d->changed);
    snprintf(num, sizeof(num), "%lld", (long long)d->story_id);
    kv(out, "story", num);
    kv(out, "summary", it->summary);
    kv(out, "body_state", body_state_name(it->body_state));
    if (it->body_error)
        kv(out, "body_error", it->body_error);
    for (size_t i = 0; i < d->n_sources; i++) {
        const struct store_source *s = &d->sources[i];
        cli_table_time(s->published, t);
        strbuf_reset(&sb);
        strbuf_addf(&sb, "#%lld %s | %s | %s | %s", (long long)s->item_id, t,
                    s->feed ? s->feed : "", s->title ? s->title : "",
                    s->link ? s->link : "");
        kv(out, "source", sb.buf);
    }
    for (size_t i = 0; i < d->n_versions; i++) {
        const struct store_version *v = &d->versions[i];
        cli_table_time(v->replaced, t);
        strbuf_reset(&sb);
        strbuf_addf(&sb, "replaced %s | %s | %s", t, v->title ? v->title : "",
                    v->summary ? v->summary : "");
        kv(out, "version", sb.buf);
    }
    for (size_t i = 0; i < d->n_tags; i++) {
        const struct store_tag_row *g = &d->tags[i];
        strbuf_reset(&sb);
        strbuf_addf(&sb, "%s (rule %s%s) %s: \"%s\"", g->tag,
                    g->rule_id ? g->rule_id : "", g->alert ? ", alert" : "",
                    g->field ? g->field : "?", g->matched ? g->matched : "");
        kv(out, "tag", sb.buf);
    }
    if (d->mark != STORE_MARK_NONE) {
        cli_table_time(d->mark_time, t);
        strbuf_reset(&sb);
        strbuf_addf(&sb, "%s (%s)%s%s", store_mark_name(d->mark), t,
                    d->mark_note ? ": " : "",
                    d->mark_note ? d->mark_note : "");
        kv(out, "mark", sb.buf);
    }
    if (body)
        kv(out, "body", it->body);
    strbuf_release(&sb);
}

int cmd_show(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_FORMAT, OPT_NO_BODY };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"no-body", no_argument, NULL, OPT_NO_BODY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const cols[] = {"field", "value"};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL;
    int c, body = 1;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(show_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_NO_BODY:
            body = 0;
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "show", "unknown format '%s' (table, csv or json)", optarg);
            break;
        case ':':
            return cli_usage_error("show", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("show", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("show", "give exactly one item ID");
    size_t id;
    int rc = cli_parse_count("show", "ID", argv[optind], 0, &id);
    if (rc)
        return rc;

    struct store *st;
    if ((rc = cli_open_store("show", db, &st)))
        return rc;
    fs_error err = {0};
    struct store_item_detail *d;
    fs_code frc = store_item_detail_get(st, (int64_t)id, &d, &err);
    store_close(st);
    if (frc != FS_OK)
        return cli_fail("show", &err);
    if (format == CLI_FORMAT_JSON) {
        json_t *o = detail_json(d, body);
        cli_print_json(stdout, o, 0);
        json_decref(o);
    } else {
        struct cli_out out;
        cli_out_begin(&out, format, stdout, cols, 2);
        detail_rows(&out, d, body);
        cli_out_end(&out);
    }
    store_item_detail_free(d);
    return EXIT_OK;
}
