/*
 * output.c — shared CLI helpers and the one row writer.
 *
 * Data goes to stdout, diagnostics to stderr.  Table output pads columns
 * to the widest cell (counted in UTF-8 code points) and, on a TTY, cuts the
 * last column at the terminal width so each row stays on one line.
 */
#include "cli.h"
#include "classifier.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "feedsift %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'feedsift %s --help'.\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(const char *cmd, const fs_error *err)
{
    fprintf(stderr, "feedsift %s: %s\n", cmd, err->msg);
    switch (err->code) {
    case FS_EDB:
    case FS_EBUSY:
    case FS_ECORRUPT:
        return EXIT_DATABASE;
    default:
        return EXIT_FAILURE_;
    }
}

const char *cli_db_path(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("FEEDSIFT_DB");
    return env && *env ? env : "feedsift.db";
}

const char *cli_rules_path(const char *opt)
{
    if (opt && *opt)
        return opt;
    return rule_set_default_path();
}

int cli_help(const char *text)
{
    fputs(text, stdout);
    return EXIT_OK;
}

int cli_parse_format(const char *s, enum cli_format *out)
{
    if (!strcmp(s, "table"))
        *out = CLI_FORMAT_TABLE;
    else if (!strcmp(s, "csv"))
        *out = CLI_FORMAT_CSV;
    else if (!strcmp(s, "json"))
        *out = CLI_FORMAT_JSON;
    else
        return -1;
    return 0;
}

void cli_print_json(FILE *fp, json_t *value, int pretty)
{
    size_t flags = JSON_PRESERVE_ORDER;
    flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
    json_dumpf(value, fp, flags);
    fputc('\n', fp);
}

/* ---- row writer ------------------------------------------------------ */

static size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Byte length of the first `cols` code points of s. */
static size_t utf8_prefix(const char *s, size_t cols)
{
    size_t i = 0, n = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == cols)
                break;
            n++;
        }
        i++;
    }
    return i;
}

static void csv_cell(FILE *fp, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void cli_out_begin(struct cli_out *out, enum cli_format format, FILE *fp,
                   const char *const *columns, size_t n_columns)
{
    memset(out, 0, sizeof(*out));
    out->format = format;
    out->fp = fp;
    out->columns = columns;
    out->n_columns = n_columns;
    if (format == CLI_FORMAT_CSV) {
        for (size_t i = 0; i < n_columns; i++) {
            if (i)
                fputc(',', fp);
            csv_cell(fp, columns[i]);
        }
        fputs("\r\n", fp);
    }
}

/* Table cells are one line: newlines and tabs become spaces. */
static char *flatten(const char *s)
{
    char *d = fs_strdup(s ? s : "");
    for (char *p = d; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return d;
}

void cli_out_row(struct cli_out *out, const char *const *cells, json_t *row)
{
    switch (out->format) {
    case CLI_FORMAT_JSON:
        if (row) {
            cli_print_json(out->fp, row, 0);
            json_decref(row);
        }
        return;
    case CLI_FORMAT_CSV:
        for (size_t i = 0; i < out->n_columns; i++) {
            if (i)
                fputc(',', out->fp);
            csv_cell(out->fp, cells[i]);
        }
        fputs("\r\n", out->fp);
        break;
    case CLI_FORMAT_TABLE: {
        char **r = fs_calloc(out->n_columns, sizeof(char *));
        for (size_t i = 0; i < out->n_columns; i++)
            r[i] = flatten(cells[i]);
        FS_GROW(out->rows, out->n_rows + 1, out->alloc_rows);
        out->rows[out->n_rows++] = r;
        break;
    }
    }
    json_decref(row);
}

static int terminal_width(FILE *fp)
{
    struct winsize ws;
    if (!isatty(fileno(fp)))
        return 0;
    if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

static void table_line(FILE *fp, const char *const *cells, size_t n,
                       const size_t *widths, int term)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t w = utf8_width(c);
        if (i + 1 == n) {
            if (term && used < (size_t)term && w > (size_t)term - used) {
                size_t keep = (size_t)term - used;
                fwrite(c, 1, utf8_prefix(c, keep ? keep - 1 : 0), fp);
                fputs(keep ? "\xE2\x80\xA6" : "", fp); /* … */
            } else {
                fputs(c, fp);
            }
        } else {
            fputs(c, fp);
            for (size_t p = w; p < widths[i] + 2; p++)
                fputc(' ', fp);
            used += widths[i] + 2;
        }
    }
    fputc('\n', fp);
}

void cli_out_end(struct cli_out *out)
{
    if (out->format == CLI_FORMAT_TABLE) {
        size_t *widths = fs_calloc(out->n_columns, sizeof(size_t));
        for (size_t i = 0; i < out->n_columns; i++)
            widths[i] = utf8_width(out->columns[i]);
        for (size_t r = 0; r < out->n_rows; r++)
            for (size_t i = 0; i < out->n_columns; i++) {
                size_t w = utf8_width(out->rows[r][i]);
                if (w > widths[i])
                    widths[i] = w;
            }
        int term = terminal_width(out->fp);
        table_line(out->fp, out->columns, out->n_columns, widths, term);
        for (size_t r = 0; r < out->n_rows; r++) {
            table_line(out->fp, (const char *const *)out->rows[r],
                       out->n_columns, widths, term);
            for (size_t i = 0; i < out->n_columns; i++)
                free(out->rows[r][i]);
            free(out->rows[r]);
        }
        free(widths);
        free(out->rows);
        out->rows = NULL;
        out->n_rows = out->alloc_rows = 0;
    }
    fflush(out->fp);
}

void cli_html_escape(struct strbuf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': strbuf_addstr(out, "&amp;"); break;
        case '<': strbuf_addstr(out, "&lt;"); break;
        case '>': strbuf_addstr(out, "&gt;"); break;
        case '"': strbuf_addstr(out, "&quot;"); break;
        case '\'': strbuf_addstr(out, "&#39;"); break;
        default: strbuf_addch(out, *s);
        }
    }
}
