/*
 * hostq.c — per-host request queues for polite, fair scheduling.
 *
 * Requests are grouped by host in their original order.  hostq_next() walks
 * the hosts round-robin from where it last started one, so a feed list
 * dominated by one host cannot starve the others, and it never lets a host
 * have more than max_per_host transfers in flight or start two transfers
 * less than delay_ms apart.  Doing this here, rather than with libcurl's
 * CURLMOPT_MAX_HOST_CONNECTIONS, keeps transfers that would only wait
 * inside libcurl from taking the global concurrency slots.
 *
 * Invariant: every request index appears in exactly one host's queue.
 */
#include "fetch_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct host {
    char *name;
    size_t *queue;       /* request indices, in request order */
    size_t n, alloc;
    size_t pos;          /* next to start */
    int active;          /* transfers in flight */
    int64_t next_ms;     /* earliest start time of the next transfer */
};

struct hostq {
    struct host *hosts;
    size_t n_hosts, alloc_hosts;
    size_t *slots;       /* open addressing: host index + 1, 0 = empty */
    size_t n_slots;
    size_t *host_of;     /* request index -> host index */
    size_t cursor;       /* round-robin position */
};

int64_t fetch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t host_index(struct hostq *q, const char *name)
{
    size_t mask = q->n_slots - 1;
    size_t i = (size_t)hash_str(name) & mask;
    while (q->slots[i]) {
        struct host *h = &q->hosts[q->slots[i] - 1];
        if (!strcmp(h->name, name))
            return q->slots[i] - 1;
        i = (i + 1) & mask;
    }
    FS_GROW(q->hosts, q->n_hosts + 1, q->alloc_hosts);
    struct host *h = &q->hosts[q->n_hosts];
    memset(h, 0, sizeof(*h));
    h->name = fs_strdup(name);
    q->slots[i] = ++q->n_hosts;
    return q->n_hosts - 1;
}

struct hostq *hostq_new(const struct fetch_request *reqs, size_t n)
{
    struct hostq *q = fs_calloc(1, sizeof(*q));
    q->n_slots = 16;
    while (q->n_slots < 2 * n + 2)
        q->n_slots *= 2;
    q->slots = fs_calloc(q->n_slots, sizeof(size_t));
    q->host_of = fs_calloc(n ? n : 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        char *name = fs_url_host(reqs[i].url);
        size_t hi = host_index(q, name ? name : "");
        free(name);
        struct host *h = &q->hosts[hi];
        FS_GROW(h->queue, h->n + 1, h->alloc);
        h->queue[h->n++] = i;
        q->host_of[i] = hi;
    }
    return q;
}

void hostq_free(struct hostq *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n_hosts; i++) {
        free(q->hosts[i].name);
        free(q->hosts[i].queue);
    }
    free(q->hosts);
    free(q->slots);
    free(q->host_of);
    free(q);
}

long hostq_next(struct hostq *q, int64_t now_ms, int max_per_host,
                long delay_ms, long *wait_ms)
{
    long wait = -1;
    for (size_t k = 0; k < q->n_hosts; k++) {
        size_t hi = (q->cursor + k) % q->n_hosts;
        struct host *h = &q->hosts[hi];
        if (h->pos >= h->n || h->active >= max_per_host)
            continue;
        if (h->next_ms > now_ms) {
            long w = (long)(h->next_ms - now_ms);
            if (wait < 0 || w < wait)
                wait = w;
            continue;
        }
        h->active++;
        h->next_ms = now_ms + (delay_ms > 0 ? delay_ms : 0);
        q->cursor = (hi + 1) % q->n_hosts;
        if (wait_ms)
            *wait_ms = 0;
        return (long)h->queue[h->pos++];
    }
    if (wait_ms)
        *wait_ms = wait;
    return -1;
}

void hostq_done(struct hostq *q, size_t idx)
{
    q->hosts[q->host_of[idx]].active--;
}
