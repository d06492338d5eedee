/*
 * cmd_mark.c — `feedsift mark ID relevant|irrelevant|clear [--note TEXT]`:
 * an analyst's verdict on an item.  Marks are stored apart from what the
 * crawler writes and never change it; `export --marked --format jsonl`
 * turns them into a labeled set for `rules eval`.
 */
#include "cli.h"
#include "store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char mark_help[] =
    "usage: feedsift mark [OPTIONS] ID relevant|irrelevant|clear\n"
    "\n"
    "Record whether item ID was rightly tagged (relevant) or not\n"
    "(irrelevant), with an optional note; marking again replaces the\n"
    "verdict, 'clear' removes it.  The crawler's data is never changed.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --note TEXT      a note kept with the mark\n"
    "  --format FMT     table (default), csv or json: the mark as stored\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 no such item or other failure, 2 bad usage,\n"
    "5 database unusable.\n";

int cmd_mark(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_NOTE, OPT_FORMAT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"note", required_argument, NULL, OPT_NOTE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const cols[] = {"id", "mark", "note"};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *db = NULL, *note = NULL;
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(mark_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_NOTE:
            note = optarg;
            break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &format))
                return cli_usage_error(
                    "mark", "unknown format '%s' (table, csv or json)", optarg);
            break;
        case ':':
            return cli_usage_error("mark", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("mark", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 2 != argc)
        return cli_usage_error("mark", "give an item ID and relevant, "
                                       "irrelevant or clear");
    size_t id;
    int rc = cli_parse_count("mark", "ID", argv[optind], 0, &id);
    if (rc)
        return rc;
    const char *label = argv[optind + 1];
    enum store_mark m;
    if (!strcmp(label, "relevant"))
        m = STORE_MARK_RELEVANT;
    else if (!strcmp(label, "irrelevant"))
        m = STORE_MARK_IRRELEVANT;
    else if (!strcmp(label, "clear"))
        m = STORE_MARK_NONE;
    else
        return cli_usage_error("mark", "'%s' is not relevant, irrelevant or "
                                       "clear", label);
    if (m == STORE_MARK_NONE && note)
        return cli_usage_error("mark", "--note goes with a verdict, not "
                                       "with clear");

    struct store *st;
    if ((rc = cli_open_store("mark", db, &st)))
        return rc;
    fs_error err = {0};
    fs_code frc = store_mark_set(st, (int64_t)id, m, note, &err);
    store_close(st);
    if (frc != FS_OK)
        return cli_fail("mark", &err);

    struct cli_out out;
    char num[32];
    snprintf(num, sizeof(num), "%zu", id);
    cli_out_begin(&out, format, stdout, cols, 3);
    const char *cells[] = {num, m ? store_mark_name(m) : "(cleared)", note};
    json_t *o = NULL;
    if (format == CLI_FORMAT_JSON) {
        o = json_object();
        json_object_set_new(o, "id", json_integer((json_int_t)id));
        json_object_set_new(o, "mark", cli_json_str(store_mark_name(m)));
        json_object_set_new(o, "note", cli_json_str(note));
    }
    cli_out_row(&out, cells, o);
    cli_out_end(&out);
    return EXIT_OK;
}
