/*
 * crawl_pipe.c — a crawl phase on two threads: fetch and parse on one,
 * store on the other.
 *
 * The store (SQLite) takes most of a crawl's CPU and must stay on one
 * thread; downloading, parsing and classifying (libcurl, libxml2:
 * feed_parse, html_to_text, article_extract; rule_set_match) are the
 * rest.  So crawl_fetch_pipelined() runs fetch_all() on a second thread,
 * whose callback turns each finished transfer into a self-contained job
 * (prepare: parsing and classification included), and the calling thread
 * takes the jobs from a bounded queue and stores them (commit), in
 * completion order.
 *
 * Invariants:
 *  - Only the calling thread touches the store and struct crawl's
 *    counters; prepare() sees only its fetch_result, the read-only
 *    request data and the crawl's read-only settings, feed list and rule
 *    set (a rule set may be shared by threads, classifier.h).  libxml2 is
 *    used by the fetch thread only while a phase runs (the store never
 *    parses).
 *  - The queue holds at most PIPE_DEPTH jobs: when the store falls behind,
 *    the fetch thread waits, so memory stays bounded (a job holds one
 *    parsed feed or one extracted page).
 *  - Every job prepared is committed exactly once, also after a fatal
 *    store error (commit then stores nothing) or an interrupt, and then
 *    released exactly once: on the fetch thread, which allocated most of
 *    it, when that thread pushes its next job, else (the last ones) on
 *    the calling thread.  glibc's malloc frees a block more cheaply on the
 *    thread that allocated it: releasing the parsed feeds on the store
 *    thread cost 4% more CPU on the feeds-only bench crawl (1.61-1.64 s
 *    vs 1.54-1.58 s, 4 interleaved runs).
 *  - While the queue is empty the calling thread wakes every
 *    CRAWL_BATCH_MS / 2 to commit an old batch (crawl_batch_idle), as
 *    fetch_options.idle does on one thread.
 */
#include "cli.h"
#include "crawl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 64, not 32: at each WAL checkpoint the store thread stops storing for
 * a few hundred ms (it copies the WAL and syncs), and 32 jobs kept the
 * fetch thread (and nginx) busy for only ~50 ms of it.  2,000-feed crawl,
 * feeds only (3 or 6 interleaved runs each): 32 jobs 5.20 s, 64 4.91 s,
 * 128 4.97 s, 256 4.66 s (one run 4.16), peak RSS +2, +5, +11 MB; with
 * articles (one run each) 128 took 58.6 s instead of 65.6 s, but its
 * peak RSS, 93-95 MB, is near the benchmark's 100 MB goal, so 64.  (With
 * the fetch thread the busier one, before the parser stopped reading
 * skipped content, 512 had not helped.) */
#define PIPE_DEPTH 64

struct pipe {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void *jobs[PIPE_DEPTH];
    size_t head, count;
    /* Committed jobs for the fetch thread to release.  Between two of its
     * pushes the calling thread commits at most the PIPE_DEPTH jobs
     * queued, so this never overflows while the fetch thread runs. */
    void *done[PIPE_DEPTH];
    size_t n_done;
    crawl_release_fn release;
    int finished;                 /* fetch_all() returned */
    fs_code rc;
    fs_error err;
    /* fetch thread input */
    struct fetch_options opt;
    const struct fetch_request *reqs;
    size_t n;
    crawl_prepare_fn prepare;
    void *ud;
    struct crawl *c;              /* its pipe_backlog mirrors count */
};

static void pipe_push(struct pipe *p, void *job)
{
    void *done[PIPE_DEPTH];
    pthread_mutex_lock(&p->lock);
    while (p->count == PIPE_DEPTH)
        pthread_cond_wait(&p->not_full, &p->lock);
    p->jobs[(p->head + p->count) % PIPE_DEPTH] = job;
    p->count++;
    atomic_store_explicit(&p->c->pipe_backlog, (int)p->count,
                          memory_order_relaxed);
    pthread_cond_signal(&p->not_empty);
    size_t n_done = p->n_done;
    memcpy(done, p->done, n_done * sizeof(*done));
    p->n_done = 0;
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < n_done; i++)
        p->release(done[i], p->ud);
}

static void on_fetched(struct fetch_result *res, void *ud)
{
    struct pipe *p = ud;
    pipe_push(p, p->prepare(res, p->ud));
}

static void *fetch_thread(void *arg)
{
    struct pipe *p = arg;
    fs_error err = {0};
    fs_code rc = fetch_all(&p->opt, p->reqs, p->n, on_fetched, p, &err);
    pthread_mutex_lock(&p->lock);
    p->rc = rc;
    p->err = err;
    p->finished = 1;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Hand over the committed job (NULL: none) for release; then the next
 * job, or NULL when the fetch thread is done and the queue empty. */
static void *pipe_pop(struct pipe *p, struct crawl *c, void *committed)
{
    pthread_mutex_lock(&p->lock);
    if (committed && !p->finished && p->n_done < PIPE_DEPTH) {
        p->done[p->n_done++] = committed;
        committed = NULL;
    }
    while (p->count == 0 && !p->finished) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)CRAWL_BATCH_MS / 2 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&p->not_empty, &p->lock, &ts) ==
            ETIMEDOUT) {
            pthread_mutex_unlock(&p->lock);
            crawl_batch_idle(c);
            pthread_mutex_lock(&p->lock);
        }
    }
    void *job = NULL;
    if (p->count) {
        job = p->jobs[p->head];
        p->head = (p->head + 1) % PIPE_DEPTH;
        p->count--;
        atomic_store_explicit(&c->pipe_backlog, (int)p->count,
                              memory_order_relaxed);
        pthread_cond_signal(&p->not_full);
    }
    pthread_mutex_unlock(&p->lock);
    if (committed) /* the fetch thread has finished */
        p->release(committed, p->ud);
    return job;
}

fs_code crawl_fetch_pipelined(struct crawl *c, const struct fetch_options *opt,
                              const struct fetch_request *reqs, size_t n,
                              crawl_prepare_fn prepare,
                              crawl_commit_fn commit,
                              crawl_release_fn release, void *ud,
                              fs_error *err)
{
    struct pipe *p = fs_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    p->opt = *opt;
    p->opt.idle = NULL; /* the batch belongs to this thread */
    p->opt.idle_ud = NULL;
    p->reqs = reqs;
    p->n = n;
    p->prepare = prepare;
    p->release = release;
    p->ud = ud;
    p->c = c;
    atomic_store(&c->pipe_backlog, 0);
    pthread_t th;
    fs_code rc;
    int e = pthread_create(&th, NULL, fetch_thread, p);
    if (e != 0) {
        rc = fs_error_set(err, FS_EIO, "cannot start the fetch thread: "
                                       "%s", strerror(e));
    } else {
        void *job = NULL;
        while ((job = pipe_pop(p, c, job)))
            commit(job, ud);
        pthread_join(th, NULL);
        for (size_t i = 0; i < p->n_done; i++) /* committed after its */
            release(p->done[i], ud);           /* last push */
        rc = p->rc;
        if (rc != FS_OK)
            *err = p->err;
    }
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return rc;
}

int crawl_classify_here(const struct crawl *c)
{
    /* 2: a job or two in the queue is the store thread just being busy
     * with the previous one, not yet behind. */
    return atomic_load_explicit(&((struct crawl *)c)->pipe_backlog,
                                memory_order_relaxed) >= 2;
}

/* ---- owned copies of a fetch_result ------------------------------------ */

struct fetch_result *crawl_result_copy(const struct fetch_result *res)
{
    struct fetch_result *r = fs_malloc(sizeof(*r));
    *r = *res;
    r->effective_url = res->effective_url ? fs_strdup(res->effective_url)
                                          : NULL;
    r->permanent_url = res->permanent_url ? fs_strdup(res->permanent_url)
                                          : NULL;
    r->content_type = res->content_type ? fs_strdup(res->content_type)
                                        : NULL;
    r->etag = res->etag ? fs_strdup(res->etag) : NULL;
    r->last_modified = res->last_modified ? fs_strdup(res->last_modified)
                                          : NULL;
    r->body = NULL; /* parsed on the fetch thread; never kept */
    r->body_len = 0;
    return r;
}

void crawl_result_free(struct fetch_result *r)
{
    if (!r)
        return;
    free((char *)r->effective_url);
    free((char *)r->permanent_url);
    free((char *)r->content_type);
    free((char *)r->etag);
    free((char *)r->last_modified);
    free(r);
}
