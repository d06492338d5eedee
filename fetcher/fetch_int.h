/*
 * fetch_int.h — fetcher internals shared between its .c files.
 */
#ifndef FEEDSIFT_FETCH_INT_H
#define FEEDSIFT_FETCH_INT_H

#include "fetcher.h"

/* Per-host queues: which request may start next without exceeding the
 * per-host concurrency or politeness delay (hostq.c). */
struct hostq;

struct hostq *hostq_new(const struct fetch_request *reqs, size_t n);
void hostq_free(struct hostq *q);
/* Index of a request that may start at now_ms, or -1 when none may; then
 * *wait_ms (if not NULL) gets how long until one may (-1: none queued or
 * all blocked on concurrency). */
long hostq_next(struct hostq *q, int64_t now_ms, int max_per_host,
                long delay_ms, long *wait_ms);
/* The request at idx has finished: its host has one transfer less. */
void hostq_done(struct hostq *q, size_t idx);

/* Monotonic milliseconds. */
int64_t fetch_now_ms(void);

#endif
