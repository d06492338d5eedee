/*
 * cmd_classify.c — `feedsift classify`: run the rules over one piece of
 * text given on the command line (or a file) and show every tag with the
 * rule, field and text that produced it.  The rule author's test bench.
 *
 * Nothing is stored.  Exit status does not depend on whether a tag was
 * found (0 either way), so scripts read the output, not the status.
 */
#include "cli.h"
#include "classifier.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define CLASSIFY_MAX_BYTES (64u * 1024 * 1024)

static const char CLASSIFY_HELP[] =
    "usage: feedsift classify [--rules FILE] [--title T] [--summary T]\n"
    "                         [--text T | --file F] [--link URL]\n"
    "                         [--feed NAME] [--format table|csv|json]\n"
    "\n"
    "Tag one item with the rules and show why: for every rule that fired,\n"
    "its tag, rule id, the field it matched in and the matched text.\n"
    "\n"
    "Options:\n"
    "  --rules FILE     rules file (default: $FEEDSIFT_RULES, else the\n"
    "                   shipped rules/default.rules)\n"
    "  --title T        the item's title\n"
    "  --summary T      the item's summary\n"
    "  --text T         the item's body text\n"
    "  --file F         read the body text from F (- for stdin)\n"
    "  --link URL       the item's link (for rules with fields = link)\n"
    "  --feed NAME      the feed's name (for rules with fields = feed)\n"
    "  --format FMT     table (default), csv, or json (one object: rules,\n"
    "                   rules_version, tags, hits, warnings)\n"
    "  -h, --help       this help\n"
    "\n"
    "Warnings (a pattern hit the match limit, invalid UTF-8) go to stderr.\n"
    "Exit status: 0 success, whether or not a tag was found; 1 the rules\n"
    "or the file cannot be read (rule errors as FILE:LINE:COL: message);\n"
    "2 bad command line.\n";

struct classify_opts {
    const char *rules;
    const char *file;
    struct classify_input in;
    enum cli_format format;
};

/* parse_opts() result: --help was printed, exit 0 without working. */
#define HELP_SHOWN (-1)

static int parse_opts(int argc, char **argv, struct classify_opts *o)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"title", required_argument, NULL, 't'},
        {"summary", required_argument, NULL, 's'},
        {"text", required_argument, NULL, 'x'},
        {"file", required_argument, NULL, 'f'},
        {"link", required_argument, NULL, 'l'},
        {"feed", required_argument, NULL, 'F'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': o->rules = optarg; break;
        case 't': o->in.title = optarg; break;
        case 's': o->in.summary = optarg; break;
        case 'x': o->in.body = optarg; break;
        case 'f': o->file = optarg; break;
        case 'l': o->in.link = optarg; break;
        case 'F': o->in.feed = optarg; break;
        case 'o':
            if (cli_parse_format(optarg, &o->format) < 0)
                return cli_usage_error("classify", "unknown format '%s' "
                                       "(table, csv or json)", optarg);
            break;
        case 'h':
            cli_help(CLASSIFY_HELP);
            return HELP_SHOWN;
        default:
            return cli_usage_error("classify", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("classify", "unexpected argument '%s'",
                               argv[optind]);
    if (o->file && o->in.body)
        return cli_usage_error("classify", "--text and --file both give the "
                               "body; use one");
    if (!o->file && !o->in.title && !o->in.summary && !o->in.body &&
        !o->in.link && !o->in.feed)
        return cli_usage_error("classify", "nothing to classify: give "
                               "--title, --summary, --text or --file");
    return EXIT_OK;
}

static json_t *result_json(const char *rules, const struct rule_set *set,
                           const struct classification *c)
{
    json_t *tags = json_array(), *hits = json_array(), *warn = json_array();
    for (size_t i = 0; i < c->n_hits; i++) {
        const struct tag_hit *h = &c->hits[i];
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(c->hits[j].tag, h->tag) == 0;
        if (!seen)
            json_array_append_new(tags, json_string(h->tag));
        json_t *o = json_object();
        json_object_set_new(o, "tag", json_string(h->tag));
        json_object_set_new(o, "rule", json_string(h->rule_id));
        json_object_set_new(o, "field", json_string(h->field));
        json_object_set_new(o, "matched", json_string(h->matched));
        json_object_set_new(o, "alert", json_boolean(h->alert));
        json_array_append_new(hits, o);
    }
    for (size_t i = 0; i < c->n_warnings; i++)
        json_array_append_new(warn, json_string(c->warnings[i]));
    json_t *r = json_object();
    json_object_set_new(r, "rules", json_string(rules));
    json_object_set_new(r, "rules_version",
                        json_string(rule_set_version(set)));
    json_object_set_new(r, "tags", tags);
    json_object_set_new(r, "hits", hits);
    json_object_set_new(r, "warnings", warn);
    return r;
}

static void print_rows(enum cli_format format, const struct classification *c)
{
    static const char *const cols[] = {"tag", "rule", "field", "alert",
                                       "matched"};
    struct cli_out out;
    cli_out_begin(&out, format, stdout, cols, 5);
    for (size_t i = 0; i < c->n_hits; i++) {
        const struct tag_hit *h = &c->hits[i];
        const char *cells[] = {h->tag, h->rule_id, h->field,
                               h->alert ? "yes" : "", h->matched};
        cli_out_row(&out, cells, NULL);
    }
    cli_out_end(&out);
}

int cmd_classify(int argc, char **argv)
{
    struct classify_opts o = {0};
    o.format = CLI_FORMAT_TABLE;
    int rc = parse_opts(argc, argv, &o);
    if (rc != EXIT_OK)
        return rc == HELP_SHOWN ? EXIT_OK : rc;

    fs_error err = {0};
    struct strbuf body = STRBUF_INIT;
    if (o.file) {
        if (fs_read_file(o.file, &body, CLASSIFY_MAX_BYTES, &err) != FS_OK) {
            strbuf_release(&body);
            return cli_fail("classify", &err);
        }
        o.in.body = body.buf;
    }
    const char *rules = cli_rules_path(o.rules);
    struct rule_set *set = NULL;
    struct classification c = {0};
    if (rule_set_load(rules, &set, &err) != FS_OK ||
        rule_set_match(set, &o.in, &c, &err) != FS_OK) {
        rc = cli_fail("classify", &err);
    } else {
        for (size_t i = 0; i < c.n_warnings; i++)
            fprintf(stderr, "feedsift classify: warning: %s\n",
                    c.warnings[i]);
        if (o.format == CLI_FORMAT_JSON) {
            json_t *j = result_json(rules, set, &c);
            cli_print_json(stdout, j, 0);
            json_decref(j);
        } else
            print_rows(o.format, &c);
    }
    classification_release(&c);
    rule_set_free(set);
    strbuf_release(&body);
    return rc;
}
