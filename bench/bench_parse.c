/*
 * bench_parse.c — feed parsing throughput, in one process, against a bare
 * libxml2 parse of the same bytes.
 *
 * usage: bench_parse [--runs N] [--json] [--only STAGE] DIR
 *
 * Loads every *.xml / *.json file of DIR into memory (file I/O is never
 * timed), each with a document URL as the crawler would pass (so relative
 * links are resolved, as in production), then times, over the corpus:
 *   bare     xmlCtxtReadMemory + xmlFreeDoc with the options feed_parse
 *            itself gives libxml2 (recover, no network, no entity
 *            substitution, errors silenced): a plain libxml2 DOM parse of
 *            the same bytes, the floor of a feed parser that reads a
 *            document the usual way.  (feed_parse itself reads escaped
 *            text as CDATA through libxml2's push parser, see
 *            parser/feed_cdata.c, and so can beat this floor);
 *   parse    feed_parse + feed_release: everything up to clean items;
 *   text     parse, plus html_to_text of each item's content (else
 *            summary): what classification needs;
 *   html     parse, plus feed_fill_content_html: the sanitised HTML;
 *   crawl    what the crawl's fetch thread does with a feed (cli/
 *            crawl_feeds.c, feed_prepare), classification aside:
 *            feed_parse_opts with FEED_PARSE_CONTENT_IF_NO_SUMMARY, then
 *            each item's key and html_to_text of its title and of its
 *            summary (else content).
 * Each round runs every stage on one file after the other (so all stages
 * see the same load on the machine; which stage goes first rotates), N
 * rounds (default 3); each stage
 * reports its fastest round, timed in CPU time of this (single-threaded)
 * process.  items/s counts the items feed_parse found, for every stage, so
 * the figures compare directly; "x bare" is the time as a multiple of the
 * bare parse.
 *
 * --only bare|parse|text|html runs one stage alone (for a profiler).
 *
 * This is a benchmark, not a test: it asserts nothing (bench_parse.sh
 * prints the goals beside the figures).
 */
#include "bench_files.h"
#include "parser.h"

#include <getopt.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_corpus {
    struct bench_files files;
    char **urls;   /* a document URL per file, as the crawler passes one */
};

enum bench_stage { STAGE_BARE, STAGE_PARSE, STAGE_TEXT, STAGE_HTML,
                   STAGE_CRAWL, N_STAGES };

static const char *const bench_stage_name[N_STAGES] = {
    "libxml2 xmlReadMemory (bare)", "feed_parse",
    "feed_parse + html_to_text", "feed_parse + content_html",
    "crawl (parse_opts, key, texts)"};

static fs_code bench_load(const char *dir, struct bench_corpus *c,
                          fs_error *err)
{
    static const char *const feed_files[] = {".xml", ".json", NULL};
    c->urls = NULL;
    fs_code rc = bench_files_load(dir, feed_files, &c->files, err);
    if (rc != FS_OK)
        return rc;
    c->urls = fs_calloc(c->files.n, sizeof(*c->urls));
    for (size_t i = 0; i < c->files.n; i++)
        c->urls[i] = fs_asprintf("https://bench.example/feeds/%s",
                                 c->files.names[i]);
    return FS_OK;
}

static void bench_corpus_release(struct bench_corpus *c)
{
    for (size_t i = 0; c->urls && i < c->files.n; i++)
        free(c->urls[i]);
    free(c->urls);
    bench_files_release(&c->files);
}

/* libxml2's DOM parse with feed_parse's options (parser/feed.c,
 * FEED_XML_OPTIONS): the call feed_parse made before its push-parser
 * fast path, and still makes for broken documents. */
static void bench_bare(const struct strbuf *blob, const char *url)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        fs_oom();
    xmlDocPtr doc = xmlCtxtReadMemory(
        ctxt, blob->buf, (int)blob->len, url, "UTF-8",
        XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
            XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
}

/* One stage on corpus file i; returns its number of items. */
static size_t bench_stage_file(enum bench_stage stage,
                               const struct bench_corpus *c, size_t i)
{
    if (stage == STAGE_BARE) {
        bench_bare(&c->files.data[i], c->urls[i]);
        return 0;
    }
    struct feed f;
    fs_error err = {0};
    if (stage == STAGE_CRAWL) {
        feed_parse_opts(c->files.data[i].buf, c->files.data[i].len,
                        c->urls[i], NULL, FEED_PARSE_CONTENT_IF_NO_SUMMARY,
                        &f, &err);
        struct strbuf text = STRBUF_INIT;
        for (size_t k = 0; k < f.n_items; k++) {
            const struct feed_item *it = &f.items[k];
            free(feed_item_key(it));
            const char *h = it->summary ? it->summary : it->content;
            strbuf_setlen(&text, 0);
            if (it->title)
                html_to_text(&text, it->title, strlen(it->title));
            strbuf_setlen(&text, 0);
            if (h)
                html_to_text(&text, h, strlen(h));
        }
        strbuf_release(&text);
        size_t items = f.n_items;
        feed_release(&f);
        return items;
    }
    feed_parse(c->files.data[i].buf, c->files.data[i].len, c->urls[i], NULL, &f, &err);
    size_t items = f.n_items;
    if (stage == STAGE_TEXT) {
        struct strbuf text = STRBUF_INIT;
        for (size_t k = 0; k < f.n_items; k++) {
            const char *h = f.items[k].content ? f.items[k].content
                                               : f.items[k].summary;
            strbuf_setlen(&text, 0);
            if (h)
                html_to_text(&text, h, strlen(h));
        }
        strbuf_release(&text);
    } else if (stage == STAGE_HTML) {
        feed_fill_content_html(&f);
    }
    feed_release(&f);
    return items;
}

static int bench_usage(const char *argv0, int code)
{
    fprintf(code ? stderr : stdout,
            "usage: %s [--runs N] [--json] [--only bare|parse|text|html|crawl] "
            "DIR\n"
            "Times a bare libxml2 parse, feed_parse, and feed_parse with\n"
            "plain text / sanitised HTML of every item over the .xml/.json\n"
            "files of DIR, loaded into memory first.\n",
            argv0);
    return code;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"only", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const stage_opt[N_STAGES] = {"bare", "parse", "text",
                                                    "html", "crawl"};
    int runs = 3, json = 0, only = -1, opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 'j')
            json = 1;
        else if (opt == 'o') {
            for (int s = 0; s < N_STAGES; s++)
                if (!strcmp(optarg, stage_opt[s]))
                    only = s;
            if (only < 0)
                return bench_usage(argv[0], 2);
        }
        else
            return bench_usage(argv[0], opt == 'h' ? 0 : 2);
    }
    if (optind != argc - 1 || runs < 1)
        return bench_usage(argv[0], 2);

    struct bench_corpus corpus;
    fs_error err = {0};
    if (bench_load(argv[optind], &corpus, &err) != FS_OK) {
        fprintf(stderr, "bench_parse: %s\n", err.msg);
        bench_corpus_release(&corpus);
        return 1;
    }
    xmlInitParser();

    double best[N_STAGES];
    size_t items = 0;
    for (int s = 0; s < N_STAGES; s++)
        best[s] = 1e30;
    for (int r = 0; r < runs; r++) {
        /* File by file, every stage in turn: all stages see the same
         * load on the machine, whatever it does during the round.  The
         * stage that goes first (and finds the file's bytes out of the
         * CPU caches) rotates. */
        double sum[N_STAGES] = {0};
        items = 0;
        for (size_t i = 0; i < corpus.files.n; i++) {
            for (int k = 0; k < N_STAGES; k++) {
                int s = (int)((i + (size_t)k) % N_STAGES);
                if (only >= 0 && s != only)
                    continue;
                double t0 = bench_cpu_seconds();
                size_t n = bench_stage_file((enum bench_stage)s, &corpus, i);
                sum[s] += bench_cpu_seconds() - t0;
                if (s == STAGE_PARSE || (only >= 0 && s == only))
                    items += n;
            }
        }
        for (int s = 0; s < N_STAGES; s++)
            if ((only < 0 || s == only) && sum[s] < best[s])
                best[s] = sum[s];
    }

    /* x bare is 0 when the bare stage did not run (--only) */
    double mb = (double)corpus.files.bytes / 1e6, bare = best[STAGE_BARE];
    if (json) {
        json_t *stages = json_array();
        for (int s = 0; s < N_STAGES; s++) {
            if (best[s] >= 1e30)
                continue;
            json_array_append_new(
                stages, json_pack("{s:s, s:f, s:f, s:f, s:f}", "stage",
                                  bench_stage_name[s], "seconds", best[s],
                                  "items_per_s", (double)items / best[s],
                                  "mb_per_s", mb / best[s], "x_bare",
                                  bare < 1e30 ? best[s] / bare : 0.0));
        }
        json_t *o = json_pack("{s:i, s:i, s:f, s:i, s:o}", "files",
                              (json_int_t)corpus.files.n, "items",
                              (json_int_t)items, "mb", mb, "runs", runs,
                              "stages", stages);
        json_dumpf(o, stdout, JSON_INDENT(1));
        putchar('\n');
        json_decref(o);
    } else {
        printf("%zu files, %.1f MB, %zu items; best of %d rounds\n",
               corpus.files.n, mb, items, runs);
        printf("%-32s %9s %11s %8s %7s\n", "stage", "seconds", "items/s",
               "MB/s", "x bare");
        for (int s = 0; s < N_STAGES; s++) {
            if (best[s] >= 1e30)
                continue;
            printf("%-32s %9.3f %11.0f %8.1f %7.2f\n", bench_stage_name[s],
                   best[s], (double)items / best[s], mb / best[s],
                   bare < 1e30 ? best[s] / bare : 0.0);
        }
    }
    bench_corpus_release(&corpus);
    xmlCleanupParser();
    return 0;
}
