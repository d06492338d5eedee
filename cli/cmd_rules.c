/*
 * cmd_rules.c — the `feedsift rules` group:
 *   rules check [FILE...]   every problem of a rules file, FILE:LINE:COL
 *   rules test [FILE...]    run the embedded example+/example- lines
 *   rules eval --labeled F  precision/recall/F1 per tag on a labeled set
 *
 * check and test load the files the way the classifier will; eval loads
 * strictly (a rules file with problems is refused) and prints every false
 * positive with its evidence and every false negative, so a failing tag
 * says what to fix.
 */
#include "cli.h"
#include "classifier.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char RULES_HELP[] =
    "usage: feedsift rules check [FILE...]\n"
    "       feedsift rules test [FILE...]\n"
    "       feedsift rules eval --labeled FILE.jsonl [--rules FILE]\n"
    "                           [--format table|json]\n"
    "\n"
    "check: check rules files (default: $FEEDSIFT_RULES, else the shipped\n"
    "rules/default.rules) and every file they include.  Every problem is\n"
    "printed on stderr as FILE:LINE:COL: message: syntax errors, unknown\n"
    "keys and fields, PCRE2 compile errors (with PCRE2's message), patterns\n"
    "that can match the empty string, empty alternatives (a||b, (|a)b),\n"
    "score/threshold errors, include cycles, duplicate rule ids, and\n"
    "example+ / example- lines the rule gets wrong.  A clean file prints\n"
    "FILE: N rules, version V on stdout.\n"
    "\n"
    "test: run every rule's example+ (must fire) and example- (must not\n"
    "fire) lines; each failure is printed as FILE:LINE: message.\n"
    "\n"
    "eval: tag every line of a labeled set ({\"title\", \"summary\",\n"
    "\"body\", \"tags\": [...]} per line; a tag implies its parents) and\n"
    "print precision, recall and F1 per tag, then every false positive\n"
    "(with the rule and matched text) and false negative.  --format json\n"
    "prints one object: items, exact, tags[], false_positives[],\n"
    "false_negatives[], problems[].\n"
    "\n"
    "Exit status: 0 no problems / all examples pass / eval ran, 1 problems,\n"
    "failing examples or a file cannot be read, 2 bad command line.\n";

static void print_problem(void *ctx, const char *problem)
{
    (void)ctx;
    fprintf(stderr, "%s\n", problem);
}

static int check_one(const char *path)
{
    size_t n = 0;
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_check(path, print_problem, NULL, &n, &set, &err) != FS_OK)
        return cli_fail("rules check", &err);
    int rc = EXIT_OK;
    if (n) {
        fprintf(stderr, "%s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
        rc = EXIT_FAILURE_;
    } else {
        printf("%s: %zu rule%s, version %s\n", path, rule_set_count(set),
               rule_set_count(set) == 1 ? "" : "s", rule_set_version(set));
    }
    rule_set_free(set);
    return rc;
}

static int test_one(const char *path)
{
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(path, &set, &err) != FS_OK)
        return cli_fail("rules test", &err);
    size_t n_run = 0, n_failed = 0;
    rule_set_test_examples(set, print_problem, NULL, &n_run, &n_failed);
    rule_set_free(set);
    if (n_failed) {
        fprintf(stderr, "%s: %zu of %zu examples failed\n", path, n_failed,
                n_run);
        return EXIT_FAILURE_;
    }
    printf("%s: %zu examples passed\n", path, n_run);
    return EXIT_OK;
}

static json_t *eval_json(const char *rules, const char *labeled,
                         const struct rule_set *set,
                         const struct rule_eval *ev)
{
    json_t *o = json_object(), *tags = json_array(), *fps = json_array(),
           *fns = json_array(), *probs = json_array();
    json_object_set_new(o, "rules", json_string(rules));
    json_object_set_new(o, "rules_version",
                        json_string(rule_set_version(set)));
    json_object_set_new(o, "labeled", json_string(labeled));
    json_object_set_new(o, "items", json_integer((json_int_t)ev->n_items));
    json_object_set_new(o, "exact", json_integer((json_int_t)ev->n_exact));
    for (size_t i = 0; i < ev->n_tags; i++) {
        const struct rule_eval_tag *t = &ev->tags[i];
        json_t *j = json_object();
        json_object_set_new(j, "tag", json_string(t->tag));
        json_object_set_new(j, "tp", json_integer(t->tp));
        json_object_set_new(j, "fp", json_integer(t->fp));
        json_object_set_new(j, "fn", json_integer(t->fn));
        json_object_set_new(j, "precision", json_real(t->precision));
        json_object_set_new(j, "recall", json_real(t->recall));
        json_object_set_new(j, "f1", json_real(t->f1));
        json_array_append_new(tags, j);
    }
    for (size_t i = 0; i < ev->n_misses; i++) {
        const struct rule_eval_miss *m = &ev->misses[i];
        json_t *j = json_object();
        json_object_set_new(j, "line", json_integer((json_int_t)m->line));
        json_object_set_new(j, "tag", json_string(m->tag));
        json_object_set_new(j, "title", json_string(m->title));
        if (m->false_positive)
            json_object_set_new(j, "evidence", json_string(m->why));
        json_array_append_new(m->false_positive ? fps : fns, j);
    }
    for (size_t i = 0; i < ev->n_problems; i++)
        json_array_append_new(probs, json_string(ev->problems[i]));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "false_positives", fps);
    json_object_set_new(o, "false_negatives", fns);
    json_object_set_new(o, "problems", probs);
    return o;
}

static void eval_text(const char *labeled, const struct rule_eval *ev)
{
    printf("%s: %zu items, %zu tagged exactly\n\n", labeled, ev->n_items,
           ev->n_exact);
    printf("%-24s %5s %5s %5s %9s %7s %6s\n", "tag", "tp", "fp", "fn",
           "precision", "recall", "f1");
    for (size_t i = 0; i < ev->n_tags; i++) {
        const struct rule_eval_tag *t = &ev->tags[i];
        printf("%-24s %5u %5u %5u %9.3f %7.3f %6.3f\n", t->tag, t->tp, t->fp,
               t->fn, t->precision, t->recall, t->f1);
    }
    for (int fp = 1; fp >= 0; fp--) {
        size_t n = 0;
        for (size_t i = 0; i < ev->n_misses; i++)
            n += ev->misses[i].false_positive == fp;
        printf("\n%s (%zu):\n", fp ? "False positives" : "False negatives",
               n);
        for (size_t i = 0; i < ev->n_misses; i++) {
            const struct rule_eval_miss *m = &ev->misses[i];
            if (m->false_positive != fp)
                continue;
            printf("  %s:%zu %s: %s\n", labeled, m->line, m->tag, m->title);
            if (fp)
                printf("      by %s\n", m->why);
        }
    }
    for (size_t i = 0; i < ev->n_problems; i++)
        fprintf(stderr, "%s: %s\n", labeled, ev->problems[i]);
}

static int eval_cmd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"labeled", required_argument, NULL, 'l'},
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *labeled = NULL, *rules_opt = NULL;
    enum cli_format format = CLI_FORMAT_TABLE;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': labeled = optarg; break;
        case 'r': rules_opt = optarg; break;
        case 'o':
            if (cli_parse_format(optarg, &format) < 0 ||
                format == CLI_FORMAT_CSV)
                return cli_usage_error("rules eval", "unknown format '%s' "
                                       "(table or json)", optarg);
            break;
        case 'h':
            return cli_help(RULES_HELP);
        default:
            return cli_usage_error("rules eval", "unknown or incomplete "
                                   "option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("rules eval", "unexpected argument '%s'",
                               argv[optind]);
    if (!labeled)
        return cli_usage_error("rules eval", "--labeled FILE.jsonl is "
                               "required");
    const char *rules = cli_rules_path(rules_opt);
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(rules, &set, &err) != FS_OK)
        return cli_fail("rules eval", &err);
    struct rule_eval ev;
    int rc = EXIT_OK;
    if (rule_set_eval_labeled(set, labeled, &ev, &err) != FS_OK) {
        rc = cli_fail("rules eval", &err);
    } else {
        if (format == CLI_FORMAT_JSON) {
            json_t *j = eval_json(rules, labeled, set, &ev);
            cli_print_json(stdout, j, 0);
            json_decref(j);
        } else {
            eval_text(labeled, &ev);
        }
        if (ev.n_bad_lines)
            rc = EXIT_FAILURE_;
        rule_eval_release(&ev);
    }
    rule_set_free(set);
    return rc;
}

int cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2)
        return cli_usage_error("rules", "expected a subcommand: check, "
                               "test or eval");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return cli_help(RULES_HELP);
    if (!strcmp(argv[1], "eval"))
        return eval_cmd(argc - 1, argv + 1);
    int testing = !strcmp(argv[1], "test");
    if (!testing && strcmp(argv[1], "check") != 0)
        return cli_usage_error("rules", "unknown subcommand '%s' (check, "
                               "test, eval)", argv[1]);
    /* options of "rules check": argv + 1 has "check" as its argv[0] */
    int sub_argc = argc - 1, c;
    char **sub_argv = argv + 1;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(sub_argc, sub_argv, "+h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_help(RULES_HELP);
        return cli_usage_error("rules", "unknown option '%s'",
                               sub_argv[optind - 1]);
    }
    int (*fn)(const char *) = testing ? test_one : check_one;
    if (optind >= sub_argc)
        return fn(cli_rules_path(NULL));
    int rc = EXIT_OK;
    for (int i = optind; i < sub_argc; i++) {
        int r = fn(sub_argv[i]);
        if (r != EXIT_OK)
            rc = r;
    }
    return rc;
}
