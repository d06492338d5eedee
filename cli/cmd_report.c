/*
 * cmd_report.c — `feedsift report --since 1d -o FILE.html`: one
 * self-contained HTML page of the tagged headlines, grouped by tag, each
 * with its source(s), date, link and the evidence that tagged it (the
 * matched words highlighted in their sentence).  Made to be mailed or
 * opened in a browser.
 *
 * Invariants:
 *  - No external asset: styles are inline, no scripts, no fonts, no
 *    images; the page renders the same offline.
 *  - Every piece of stored text goes through html_escape(); links are
 *    written only when they are http(s), so a feed cannot inject markup or
 *    a javascript: URL.
 *  - The file appears whole: written to FILE.tmp, then renamed.
 */
#include "cli.h"
#include "store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char report_help[] =
    "usage: feedsift report [OPTIONS] -o FILE.html\n"
    "\n"
    "Write one self-contained HTML page (no external assets) of the tagged\n"
    "headlines, grouped by tag, newest first, one entry per story with its\n"
    "source, date, link and the highlighted evidence of the rule that\n"
    "tagged it.\n"
    "\n"
    "Options:\n"
    "  --db PATH        database (default: $FEEDSIFT_DB, else ./feedsift.db)\n"
    "  --since WHEN     items at or after WHEN (default: 1d; 30m, 2h, 7d,\n"
    "                   a date or an RFC 3339 time)\n"
    "  --until WHEN     items before WHEN\n"
    "  --tag TAG        only TAG and the tags below it\n"
    "  --title TEXT     page title (default: feedsift report)\n"
    "  -o, --output FILE  where to write ('-' for stdout; required)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 ok, 1 failure (cannot write FILE), 2 bad usage,\n"
    "5 database unusable.\n";

/* Bytes of context shown on each side of the matched text. */
#define EVIDENCE_CONTEXT 120

static void html_escape(struct strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': strbuf_addstr(out, "&amp;"); break;
        case '<': strbuf_addstr(out, "&lt;"); break;
        case '>': strbuf_addstr(out, "&gt;"); break;
        case '"': strbuf_addstr(out, "&quot;"); break;
        case '\'': strbuf_addstr(out, "&#39;"); break;
        default: strbuf_addch(out, s[i]);
        }
    }
}

static void html_text(struct strbuf *out, const char *s)
{
    if (s)
        html_escape(out, s, strlen(s));
}

static int is_web_url(const char *u)
{
    return u && (!strncasecmp(u, "http://", 7) ||
                 !strncasecmp(u, "https://", 8));
}

/* Move back/forward to a UTF-8 character boundary. */
static size_t utf8_back(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static size_t utf8_fwd(const char *s, size_t i, size_t len)
{
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* Where matched occurs in text: exactly, else ignoring ASCII case. */
static const char *find_match(const char *text, const char *matched)
{
    const char *p = strstr(text, matched);
    return p ? p : strcasestr(text, matched);
}

/* The sentence around the evidence, the matched words in <mark>. */
static void evidence_html(struct strbuf *out, const struct store_tagged_row *r)
{
    const char *text = r->field_text, *m = r->matched;
    const char *at = text && m && *m ? find_match(text, m) : NULL;
    if (!at) {
        strbuf_addstr(out, "<mark>");
        html_text(out, m);
        strbuf_addstr(out, "</mark>");
        return;
    }
    size_t len = strlen(text), pos = (size_t)(at - text), mlen = strlen(m);
    size_t from = pos > EVIDENCE_CONTEXT ? utf8_back(text, pos -
                                                     EVIDENCE_CONTEXT) : 0;
    size_t to = utf8_fwd(text, pos + mlen + EVIDENCE_CONTEXT < len
                                   ? pos + mlen + EVIDENCE_CONTEXT : len,
                         len);
    if (from > 0)
        strbuf_addstr(out, "&hellip;");
    html_escape(out, text + from, pos - from);
    strbuf_addstr(out, "<mark>");
    html_escape(out, at, mlen);
    strbuf_addstr(out, "</mark>");
    html_escape(out, at + mlen, to - pos - mlen);
    if (to < len)
        strbuf_addstr(out, "&hellip;");
}

struct report_ctx {
    struct strbuf body;         /* the sections */
    struct strbuf toc;          /* the tag index */
    char *tag;                  /* the open section */
    size_t n_in_tag, n_entries, n_tags;
};

static void close_section(struct report_ctx *c)
{
    if (!c->tag)
        return;
    strbuf_addstr(&c->body, "</ol></section>\n");
    strbuf_addf(&c->toc, " <span class=\"n\">%zu</span></a></li>\n",
                c->n_in_tag);
    free(c->tag);
    c->tag = NULL;
}

static void open_section(struct report_ctx *c, const char *tag)
{
    close_section(c);
    c->tag = fs_strdup(tag);
    c->n_in_tag = 0;
    c->n_tags++;
    strbuf_addf(&c->body, "<section id=\"t%zu\"><h2>", c->n_tags);
    html_text(&c->body, tag);
    strbuf_addstr(&c->body, "</h2><ol>\n");
    strbuf_addf(&c->toc, "<li><a href=\"#t%zu\">", c->n_tags);
    html_text(&c->toc, tag);
}

static int report_row(const struct store_tagged_row *r, void *ud)
{
    struct report_ctx *c = ud;
    struct strbuf *b = &c->body;
    char when[32];
    if (!c->tag || strcmp(c->tag, r->tag) != 0)
        open_section(c, r->tag);
    c->n_in_tag++;
    c->n_entries++;
    cli_table_time(r->published, when);

    strbuf_addstr(b, "<li><div class=\"h\">");
    if (is_web_url(r->link)) {
        strbuf_addstr(b, "<a href=\"");
        html_text(b, r->link);
        strbuf_addstr(b, "\">");
        html_text(b, r->title ? r->title : "(no title)");
        strbuf_addstr(b, "</a>");
    } else {
        html_text(b, r->title ? r->title : "(no title)");
    }
    if (r->alert)
        strbuf_addstr(b, " <span class=\"alert\">alert</span>");
    strbuf_addstr(b, "</div><div class=\"m\">");
    html_text(b, r->feed);
    if (r->n_sources > 1)
        strbuf_addf(b, " and %lld more source%s",
                    (long long)r->n_sources - 1, r->n_sources > 2 ? "s" : "");
    strbuf_addf(b, " &middot; %s UTC &middot; #%lld", when,
                (long long)r->item_id);
    strbuf_addstr(b, "</div><div class=\"e\">");
    html_text(b, r->field ? r->field : "?");
    strbuf_addstr(b, " (rule ");
    html_text(b, r->rule_id);
    strbuf_addstr(b, "): ");
    evidence_html(b, r);
    strbuf_addstr(b, "</div></li>\n");
    return 0;
}

static const char page_style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "max-width:60em;margin:1.5em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.5em;margin-bottom:.2em}"
    "h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}"
    ".sub,.m{color:#666;font-size:.9em}"
    ".h{font-weight:600}.e{font-size:.9em;margin:.2em 0 .4em}"
    "mark{background:#ffe36e;padding:0 .1em}"
    ".alert{background:#c0392b;color:#fff;font-size:.75em;padding:0 .35em;"
    "border-radius:3px;vertical-align:middle}"
    "ol{padding-left:1.4em}li{margin:.55em 0}"
    "ul.toc{columns:2;list-style:none;padding:0}.n{color:#666}"
    "a{color:#0645ad}";

static void page(struct strbuf *out, struct report_ctx *c, const char *title,
                 int64_t since, int64_t until)
{
    char from[32], to[32], now[32];
    fs_time_rfc3339(since, from);
    fs_time_rfc3339(until == FS_TIME_NONE ? fs_time_now() : until, to);
    fs_time_rfc3339(fs_time_now(), now);
    strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                       "<meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width,"
                       "initial-scale=1\"><title>");
    html_text(out, title);
    strbuf_addf(out, "</title><style>%s</style></head>\n<body>\n<h1>",
                page_style);
    html_text(out, title);
    strbuf_addf(out, "</h1>\n<p class=\"sub\">%zu tagged stor%s under %zu "
                     "tag%s, %s to %s (generated %s by feedsift %s)</p>\n",
                c->n_entries, c->n_entries == 1 ? "y" : "ies", c->n_tags,
                c->n_tags == 1 ? "" : "s", from, to, now, FEEDSIFT_VERSION);
    if (c->n_tags) {
        strbuf_addstr(out, "<ul class=\"toc\">\n");
        strbuf_add(out, c->toc.buf, c->toc.len);
        strbuf_addstr(out, "</ul>\n");
    } else {
        strbuf_addstr(out, "<p>No tagged headlines in this period.</p>\n");
    }
    strbuf_add(out, c->body.buf, c->body.len);
    strbuf_addstr(out, "</body></html>\n");
}

/* Write data to path whole: a temporary file renamed over it. */
static fs_code write_file(const char *path, const struct strbuf *data,
                          fs_error *err)
{
    if (!strcmp(path, "-")) {
        fwrite(data->buf, 1, data->len, stdout);
        return FS_OK;
    }
    char *tmp = fs_asprintf("%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    fs_code rc = FS_OK;
    if (!fp) {
        rc = fs_error_set(err, FS_EIO, "%s: %s", tmp, strerror(errno));
    } else {
        int bad = fwrite(data->buf, 1, data->len, fp) != data->len;
        if (fclose(fp) != 0 || bad)
            rc = fs_error_set(err, FS_EIO, "%s: write failed: %s", tmp,
                              strerror(errno));
        else if (rename(tmp, path) != 0)
            rc = fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));
        if (rc != FS_OK)
            remove(tmp);
    }
    free(tmp);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_SINCE, OPT_UNTIL, OPT_TAG, OPT_TITLE };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"tag", required_argument, NULL, OPT_TAG},
        {"title", required_argument, NULL, OPT_TITLE},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *tag = NULL, *output = NULL;
    const char *title = "feedsift report";
    int64_t since = fs_time_now() - 86400, until = FS_TIME_NONE;
    int c, rc = 0;

    optind = 0;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_help(report_help);
        case OPT_DB:
            db = optarg;
            break;
        case OPT_SINCE:
            rc = cli_parse_when("report", optarg, &since);
            break;
        case OPT_UNTIL:
            rc = cli_parse_when("report", optarg, &until);
            break;
        case OPT_TAG:
            if (!*optarg)
                return cli_usage_error("report", "--tag needs a tag name");
            tag = optarg;
            break;
        case OPT_TITLE:
            title = optarg;
            break;
        case 'o':
            if (!*optarg)
                return cli_usage_error("report", "-o needs a file name");
            output = optarg;
            break;
        case ':':
            return cli_usage_error("report", "option '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("report", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("report", "unexpected argument '%s'",
                               argv[optind]);
    if (!output)
        return cli_usage_error("report", "-o FILE is required ('-' for "
                                         "stdout)");

    struct store *st;
    if ((rc = cli_open_store("report", db, &st)))
        return rc;
    fs_error err = {0};
    struct report_ctx ctx = {.body = STRBUF_INIT, .toc = STRBUF_INIT};
    fs_code frc = store_tagged_each(st, since, until, tag, report_row, &ctx,
                                    &err);
    store_close(st);
    close_section(&ctx);
    struct strbuf html = STRBUF_INIT;
    if (frc == FS_OK) {
        page(&html, &ctx, title, since, until);
        frc = write_file(output, &html, &err);
    }
    strbuf_release(&html);
    strbuf_release(&ctx.body);
    strbuf_release(&ctx.toc);
    if (frc != FS_OK)
        return cli_fail("report", &err);
    if (strcmp(output, "-") != 0)
        fs_log(FS_LOG_INFO, "report: %zu stories under %zu tags written to %s",
               ctx.n_entries, ctx.n_tags, output);
    return EXIT_OK;
}
