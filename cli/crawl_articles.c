/*
 * crawl_articles.c — phase 3 of a crawl: the article pages.
 *
 * Every item whose body is PENDING (this run's new items and any a killed
 * run left behind) gets its page fetched, its main text extracted and
 * title + summary + body classified; body, canonical URL and tags of an
 * item are written together into the run's open batch (group commit,
 * crawl.h), so an item is stored whole or not at all, an interrupted run
 * loses only the pages in flight, and a crash at most the last batch.
 * Fetching, extraction and classification run on a second thread
 * (article_prepare, see crawl_pipe.c); storing on the calling thread.
 *
 * Politeness: robots.txt is fetched once per origin per run before any
 * page of that origin (RFC 9309: 4xx = no rules, 5xx/unreachable = all
 * refused for now); a refused page is recorded as FAILED with the reason,
 * never fetched.  Pages of one host are spaced by --article-delay.
 * Article pages are never file://, whatever --allow-file says.
 */
#include "cli.h"
#include "crawl.h"
#include "parser.h"

#include <stdlib.h>
#include <string.h>

/* The items whose page is to fetch.  Their strings live in an arena owned
 * by the list, not in a block each: with 40,000 pending pages
 * (the benchmark's full crawl) five blocks per item were ~4.5 MB of
 * malloc headers and copies of each link's origin and path, at the
 * crawl's peak of memory. */
struct pending_item {
    int64_t id;
    int64_t feed_id;
    const char *link;
    const char *title;
    const char *summary;
    const char *origin;       /* scheme://host[:port] of link */
    const char *path;         /* path?query of link, for robots.txt */
};

struct pending_list {
    struct pending_item *items;
    size_t n, alloc;
    struct fs_arena strings;  /* every string of items */
};

static int collect_pending(const struct store_item *it, void *ud)
{
    struct pending_list *pl = ud;
    FS_GROW(pl->items, pl->n + 1, pl->alloc);
    struct pending_item *p = &pl->items[pl->n++];
    p->id = it->id;
    p->feed_id = it->feed_id;
    p->link = fs_arena_strdup(&pl->strings, it->link);
    p->title = fs_arena_strdup(&pl->strings, it->title);
    p->summary = fs_arena_strdup(&pl->strings, it->summary);
    char *origin = NULL, *path = NULL;
    if (fs_url_origin_path(it->link, &origin, &path) == FS_OK) {
        p->origin = fs_arena_strdup(&pl->strings, origin);
        p->path = fs_arena_strdup(&pl->strings, path);
    } else {
        p->origin = "";
        p->path = "/";
    }
    free(origin);
    free(path);
    return 0;
}

static void pending_list_release(struct pending_list *pl)
{
    fs_arena_release(&pl->strings);
    free(pl->items);
}

/* ---- robots.txt: fetched once per origin per run -------------------- */

struct robots_entry {
    const char *origin;       /* in the pending list's arena */
    char *url;
    struct robots *rules;
    char *unreachable;        /* why robots.txt could not be read, or NULL */
};

struct robots_cache {
    struct robots_entry *e;
    size_t n;
};

static int cmp_robots(const void *a, const void *b)
{
    return strcmp(((const struct robots_entry *)a)->origin,
                  ((const struct robots_entry *)b)->origin);
}

static void on_robots_done(struct fetch_result *res, void *ud)
{
    struct robots_entry *e = res->request->user;
    (void)ud;
    /* RFC 9309: a 4xx robots.txt means no rules; an unreachable one (5xx,
     * network error) means the whole site is off limits for now. */
    if (res->code == FS_OK && !res->not_modified)
        e->rules = robots_parse(res->body, res->body_len, "feedsift");
    else if (res->code == FS_EHTTP && res->status >= 400 && res->status < 500)
        e->rules = robots_new(0);
    else {
        e->rules = robots_new(1);
        e->unreachable = fs_asprintf("robots.txt unreachable (%s); page not "
                                     "fetched", res->error);
    }
}

static void robots_cache_fill(struct robots_cache *rc,
                              const struct pending_list *pl,
                              const struct fetch_options *fopt)
{
    rc->e = fs_calloc(pl->n ? pl->n : 1, sizeof(*rc->e));
    for (size_t i = 0; i < pl->n; i++)
        rc->e[rc->n++].origin = pl->items[i].origin;
    qsort(rc->e, rc->n, sizeof(*rc->e), cmp_robots);
    size_t w = 0; /* unique origins */
    for (size_t i = 0; i < rc->n; i++)
        if (!w || strcmp(rc->e[w - 1].origin, rc->e[i].origin))
            rc->e[w++] = rc->e[i];
    rc->n = w;
    rc->e = fs_realloc(rc->e, (rc->n ? rc->n : 1) * sizeof(*rc->e));
    struct fetch_request *reqs = fs_calloc(rc->n ? rc->n : 1, sizeof(*reqs));
    for (size_t i = 0; i < rc->n; i++) {
        rc->e[i].url = fs_asprintf("%s/robots.txt", rc->e[i].origin);
        reqs[i].url = rc->e[i].url;
        reqs[i].user = &rc->e[i];
    }
    struct fetch_options ropt = *fopt;
    ropt.max_body = 512 * 1024; /* RFC 9309 asks for at least 500 KiB */
    fs_error err = {0};
    if (fetch_all(&ropt, reqs, rc->n, on_robots_done, NULL, &err) != FS_OK)
        fs_log(FS_LOG_WARN, "robots.txt: %s", err.msg);
    free(reqs);
}

/* NULL when the page may be fetched, else why not. */
static const char *robots_cache_refusal(const struct robots_cache *rc,
                                        const struct pending_item *p)
{
    struct robots_entry key = {.origin = p->origin};
    const struct robots_entry *e =
        bsearch(&key, rc->e, rc->n, sizeof(*rc->e), cmp_robots);
    if (!e || !e->rules || robots_allowed(e->rules, p->path))
        return NULL;
    return e->unreachable ? e->unreachable : "disallowed by robots.txt";
}

static void robots_cache_release(struct robots_cache *rc)
{
    for (size_t i = 0; i < rc->n; i++) {
        free(rc->e[i].url);
        free(rc->e[i].unreachable);
        robots_free(rc->e[i].rules);
    }
    free(rc->e);
}

struct article_ctx {
    struct crawl *c;
    size_t done, total;
};

/* The outcome for one pending item: its extracted article, or why there
 * is none.  Made on the fetch thread (crawl_pipe.c) or, for a page
 * refused before fetching, here. */
struct article_job {
    struct pending_item *p;
    struct article art;
    char *failure;            /* NULL: art is the page's text */
    int fetched;              /* a failure of the fetch, not a refusal */
    struct crawl_verdict verdict;
};

/* What the item is classified from: title, summary and, when there is
 * one, the page's text. */
static struct classify_input article_input(const struct crawl *c,
                                           const struct article_job *j)
{
    const struct pending_item *p = j->p;
    return (struct classify_input){.title = p->title,
                                   .summary = p->summary,
                                   .body = j->failure ? NULL : j->art.text,
                                   .link = p->link,
                                   .feed = crawl_feed_name(c, p->feed_id)};
}

/* Fetch thread: extract the main text and classify the item; no store
 * access. */
static void *article_prepare(struct fetch_result *res, void *ud)
{
    const struct article_ctx *ac = ud;
    struct article_job *j = fs_calloc(1, sizeof(*j));
    fs_error err = {0};
    j->p = res->request->user;
    j->fetched = 1;
    if (res->code != FS_OK)
        j->failure = fs_strdup(res->error);
    else if (article_extract(res->body, res->body_len, res->effective_url,
                             &j->art, &err) != FS_OK)
        j->failure = fs_asprintf("%s: %s", j->p->link, err.msg);
    if (crawl_classify_here(ac->c)) {
        struct classify_input in = article_input(ac->c, j);
        crawl_verdict_make(ac->c, &in, &j->verdict);
    }
    return j;
}

/* Store the outcome for one pending item in the open batch. */
static void article_store(struct crawl *c, struct article_job *j)
{
    fs_error err = {0};
    const struct pending_item *p = j->p;
    const char *failure = j->failure;
    if (failure && j->fetched) {
        c->stats.articles_failed++;
        crawl_progress_break(c);
        fs_log(FS_LOG_WARN, "article %s", failure);
    } else if (!failure) {
        c->stats.articles_ok++;
    }

    struct classify_input in = article_input(c, j);
    if (crawl_batch_begin(c, &err) != FS_OK ||
        store_item_set_body(c->store, p->id,
                            failure ? STORE_BODY_FAILED : STORE_BODY_OK,
                            failure ? NULL : j->art.text,
                            failure ? NULL : j->art.canonical_url, failure,
                            &err) != FS_OK ||
        crawl_verdict_store(c, p->id, &in, &j->verdict, &err) != FS_OK) {
        crawl_batch_abort(c);
        c->fatal = 1;
        c->fatal_err = err;
        return;
    }
    crawl_batch_unit_done(c);
}

static void article_job_free(struct article_job *j)
{
    article_release(&j->art);
    crawl_verdict_release(&j->verdict);
    free(j->failure);
    free(j);
}

static void article_commit(void *job, void *ud)
{
    struct article_ctx *ac = ud;
    struct crawl *c = ac->c;
    struct article_job *j = job;
    ac->done++;
    if (!c->fatal)
        article_store(c, j);
    crawl_progress(c, "articles", ac->done, ac->total);
}

static void article_job_release(void *job, void *ud)
{
    (void)ud;
    article_job_free(job);
}

fs_code crawl_articles(struct crawl *c, fs_error *err)
{
    struct pending_list pl = {0};
    fs_code rc = store_items_pending_body(c->store, 0, collect_pending, &pl,
                                          err);
    if (rc == FS_OK && pl.n) {
        /* Article pages are never file:// even when feeds may be. */
        struct fetch_options aopt = c->fopt;
        aopt.allow_file = 0;
        aopt.per_host_delay_ms = c->article_delay_ms;
        struct robots_cache robots = {0};
        crawl_progress_break(c); /* robots.txt warnings start a line */
        robots_cache_fill(&robots, &pl, &aopt);
        struct fetch_request *reqs = fs_calloc(pl.n, sizeof(*reqs));
        size_t n = 0;
        for (size_t i = 0; i < pl.n && !c->fatal; i++) {
            const char *refusal = robots_cache_refusal(&robots, &pl.items[i]);
            if (!refusal) {
                reqs[n].url = pl.items[i].link;
                reqs[n++].user = &pl.items[i];
                continue;
            }
            /* A site's "no" is the site's wish, not our failure; a site
             * whose robots.txt we could not read is a failure. */
            int unreachable = strcmp(refusal, "disallowed by robots.txt");
            crawl_progress_break(c);
            if (unreachable)
                c->stats.articles_failed++;
            else
                c->articles_skipped++;
            fs_log(unreachable ? FS_LOG_WARN : FS_LOG_INFO, "%s: %s",
                   pl.items[i].link, refusal);
            struct article_job *j = fs_calloc(1, sizeof(*j));
            j->p = &pl.items[i];
            j->failure = fs_asprintf("%s: %s", pl.items[i].link, refusal);
            article_store(c, j);
            article_job_free(j);
        }
        struct article_ctx ac = {.c = c, .total = n};
        if (!c->fatal)
            rc = crawl_fetch_pipelined(c, &aopt, reqs, n, article_prepare,
                                       article_commit, article_job_release,
                                       &ac, err);
        /* Also after an interrupt: what was complete is stored. */
        crawl_batch_flush(c);
        free(reqs);
        robots_cache_release(&robots);
    }
    pending_list_release(&pl);
    return rc;
}

