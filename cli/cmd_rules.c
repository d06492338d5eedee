/*
 * cmd_rules.c — `feedsift rules check [FILE...]`: check rules files the
 * way the classifier will load them and report every problem, not just
 * the first, as FILE:LINE:COL: message (PCRE2's own message for pattern
 * errors), including embedded examples that fail.
 *
 * `rules` is a command group so that later tools (rules test, rules
 * list) sit next to check.
 */
#include "cli.h"
#include "classifier.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char RULES_HELP[] =
    "usage: feedsift rules check [FILE...]\n"
    "\n"
    "Check rules files (default: $FEEDSIFT_RULES, else the shipped\n"
    "rules/default.rules) and every file they include.  Every problem is\n"
    "printed on stderr as FILE:LINE:COL: message: syntax errors, unknown\n"
    "keys, PCRE2 compile errors (with PCRE2's message), patterns that can\n"
    "match the empty string, include cycles, duplicate rule ids, and\n"
    "example+ / example- lines the rule gets wrong.  A clean file prints\n"
    "FILE: N rules, version V on stdout.\n"
    "\n"
    "Exit status: 0 no problems, 1 problems found or a file cannot be\n"
    "read, 2 bad command line.\n";

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

int cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2)
        return cli_usage_error("rules", "expected a subcommand: check");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return cli_help(RULES_HELP);
    if (strcmp(argv[1], "check") != 0)
        return cli_usage_error("rules", "unknown subcommand '%s' (check)",
                               argv[1]);
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
    if (optind >= sub_argc)
        return check_one(cli_rules_path(NULL));
    int rc = EXIT_OK;
    for (int i = optind; i < sub_argc; i++) {
        int r = check_one(sub_argv[i]);
        if (r != EXIT_OK)
            rc = r;
    }
    return rc;
}
