/*
 * cli.h — what the feedsift subcommands share: exit codes, option helpers
 * and the one output writer (table on a TTY, csv, json lines).
 *
 * Each subcommand is a cmd_*() in its own cmd_*.c file, takes argc/argv
 * with argv[0] = the subcommand name, and returns a process exit code.
 */
#ifndef FEEDSIFT_CLI_H
#define FEEDSIFT_CLI_H

#include "util.h"

#include <jansson.h>
#include <stdio.h>

/* Exit codes, documented in the README ("Exit codes"). */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_FAILURE_ = 1,  /* the command failed (message on stderr) */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_PARTIAL = 3,   /* crawl: finished, but some feeds/pages failed */
    EXIT_LOCKED = 4,    /* crawl: another crawl holds the lock */
    EXIT_DATABASE = 5,  /* database cannot be opened: corrupt, foreign, locked */
};

int cmd_crawl(int argc, char **argv);
int cmd_feeds(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_parse_feed(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_tags(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_prune(int argc, char **argv);

/* Helpers of the reading commands (list, search, show, ...; in
 * cmd_list.c). */
struct store;
/* Open an existing database for cmd; 0, or the exit code after printing
 * the error. */
int cli_open_store(const char *cmd, const char *db, struct store **st);
/* "2025-04-20 10:00" (UTC) for tables; "" for FS_TIME_NONE. */
void cli_table_time(int64_t t, char out[32]);
/* A count option: 0 or the usage error's exit code. */
int cli_parse_count(const char *cmd, const char *opt, const char *arg,
                    int allow_zero, size_t *out);
/* --since/--until values: 0 or the usage error's exit code. */
int cli_parse_when(const char *cmd, const char *arg, int64_t *out);
/* JSON string or null; RFC 3339 time or null; array of strings. */
json_t *cli_json_str(const char *s);
json_t *cli_json_time(int64_t t);
json_t *cli_json_strv(const char *const *v, size_t n);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_reclassify(int argc, char **argv);

/* Read the settings file (config.c): path, or NULL for the default one.
 * Fills unset FEEDSIFT_* variables; 0 or an exit code after the message. */
int cli_config_load(const char *path);

/* "feedsift CMD: message" + hint on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) FS_PRINTF(2, 3);
/* Print err on stderr as "feedsift CMD: message"; returns the exit code
 * that fits the error (EXIT_DATABASE for store errors, else 1). */
int cli_fail(const char *cmd, const fs_error *err);
/* --db, else $FEEDSIFT_DB, else ./feedsift.db */
const char *cli_db_path(const char *opt);
/* --rules, else rule_set_default_path() ($FEEDSIFT_RULES or the shipped
 * default rules). */
const char *cli_rules_path(const char *opt);
/* Print text to stdout and return EXIT_OK (for --help). */
int cli_help(const char *text);

/* ---- output ---------------------------------------------------------- */

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };
int cli_parse_format(const char *s, enum cli_format *out);

/* Row-by-row writer.  Table output is buffered to align columns (and cut
 * to the terminal width on a TTY); csv and json stream. */
struct cli_out {
    enum cli_format format;
    FILE *fp;
    const char *const *columns;
    size_t n_columns;
    char ***rows;             /* table only: buffered cells */
    size_t n_rows, alloc_rows;
};
void cli_out_begin(struct cli_out *out, enum cli_format format, FILE *fp,
                   const char *const *columns, size_t n_columns);
/* cells: n_columns strings (NULL prints empty) for table/csv; row: the
 * json object for json (reference stolen; may be NULL otherwise). */
void cli_out_row(struct cli_out *out, const char *const *cells, json_t *row);
void cli_out_end(struct cli_out *out);

/* Append s to out with &, <, >, " and ' escaped, for HTML text and
 * attribute values (reports and digests). */
void cli_html_escape(struct strbuf *out, const char *s);

/* Print a JSON value on one line to fp with a newline. */
void cli_print_json(FILE *fp, json_t *value, int pretty);

#endif /* FEEDSIFT_CLI_H */
