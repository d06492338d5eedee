/*
 * bench_extract.c — article extraction throughput, in one process,
 * against a bare libxml2 HTML parse of the same pages.
 *
 * usage: bench_extract [--runs N] [--json] DIR
 *
 * Loads every *.html file of DIR into memory (file I/O is never timed),
 * then times, over all pages:
 *   bare     htmlReadMemory + xmlFreeDoc with the options article_extract
 *            gives libxml2 (recover, no network, errors silenced, compact
 *            text nodes): a plain libxml2 parse of the whole page.
 *            (article_extract itself parses the page without script and
 *            style bodies and builds no nodes for what it never reads,
 *            see parser/extract.c);
 *   extract  article_extract + article_release: charset sniffing, the
 *            parse, metadata, main-text scoring and cleaning.
 * Each round runs both stages on one page after the other (so both see
 * the same load on the machine), N rounds (default 5); each stage reports
 * its fastest round in CPU time of this single-threaded process.  "share of bare" is bare time / extract time:
 * the share of the bare parse's pages/s that extraction keeps.
 *
 * A benchmark, not a test: it asserts nothing.
 */
#include "bench_files.h"
#include "parser.h"

#include <getopt.h>
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A plain libxml2 parse with article_extract's options (parser/extract.c,
 * extract_parse_html). */
static void bench_bare(const struct strbuf *page)
{
    htmlDocPtr doc = htmlReadMemory(
        page->buf, (int)page->len, NULL, "UTF-8",
        HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
            HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT);
    xmlFreeDoc(doc);
}

/* article_extract on one page; 1 when it found article text. */
static int bench_extract_page(const struct strbuf *page)
{
    struct article a;
    fs_error err = {0};
    int found = article_extract(page->buf, page->len, NULL, &a, &err) ==
                    FS_OK &&
                a.text && *a.text;
    article_release(&a);
    return found;
}

static int bench_usage(const char *argv0, int code)
{
    fprintf(code ? stderr : stdout,
            "usage: %s [--runs N] [--json] DIR\n"
            "Times a bare libxml2 HTML parse and article_extract over the\n"
            ".html files of DIR, loaded into memory first.\n",
            argv0);
    return code;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int runs = 5, json = 0, opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 'j')
            json = 1;
        else
            return bench_usage(argv[0], opt == 'h' ? 0 : 2);
    }
    if (optind != argc - 1 || runs < 1)
        return bench_usage(argv[0], 2);

    struct bench_files pages;
    fs_error err = {0};
    static const char *const html_files[] = {".html", NULL};
    if (bench_files_load(argv[optind], html_files, &pages, &err) != FS_OK) {
        fprintf(stderr, "bench_extract: %s\n", err.msg);
        bench_files_release(&pages);
        return 1;
    }
    xmlInitParser();

    double best[2] = {1e30, 1e30};
    size_t with_text = 0;
    for (int r = 0; r < runs; r++) {
        /* Page by page, both stages in turn (which goes first, finding
         * the page out of the CPU caches, alternates): both see the same
         * load on the machine. */
        double sum[2] = {0, 0};
        with_text = 0;
        for (size_t i = 0; i < pages.n; i++) {
            for (int k = 0; k < 2; k++) {
                int s = (int)((i + (size_t)k) % 2);
                double t0 = bench_cpu_seconds();
                if (s)
                    with_text += (size_t)bench_extract_page(&pages.data[i]);
                else
                    bench_bare(&pages.data[i]);
                sum[s] += bench_cpu_seconds() - t0;
            }
        }
        for (int s = 0; s < 2; s++)
            if (sum[s] < best[s])
                best[s] = sum[s];
    }

    double mb = (double)pages.bytes / 1e6, np = (double)pages.n;
    double share = best[0] / best[1];
    if (json) {
        json_t *o = json_pack(
            "{s:i, s:f, s:i, s:i, s:{s:f, s:f}, s:{s:f, s:f}, s:f}", "pages",
            (json_int_t)pages.n, "mb", mb, "pages_with_text",
            (json_int_t)with_text, "runs", runs, "bare", "seconds", best[0],
            "pages_per_s", np / best[0], "extract", "seconds", best[1],
            "pages_per_s", np / best[1], "share_of_bare", share);
        json_dumpf(o, stdout, JSON_INDENT(1));
        putchar('\n');
        json_decref(o);
    } else {
        printf("%zu pages, %.1f MB (%zu with article text); best of %d "
               "rounds\n",
               pages.n, mb, with_text, runs);
        printf("%-32s %9s %9s %8s\n", "stage", "seconds", "pages/s", "MB/s");
        printf("%-32s %9.3f %9.1f %8.1f\n", "libxml2 htmlReadMemory (bare)",
               best[0], np / best[0], mb / best[0]);
        printf("%-32s %9.3f %9.1f %8.1f\n", "article_extract", best[1],
               np / best[1], mb / best[1]);
        printf("article_extract keeps %.0f%% of the bare parse's pages/s\n",
               100 * share);
    }
    bench_files_release(&pages);
    xmlCleanupParser();
    return 0;
}
