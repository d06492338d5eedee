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

/* Content-Encoding decoding (decode.c).  A decoder undoes the codings a
 * Content-Encoding value lists; fetch.c feeds it each piece of the body
 * as it arrives. */
struct fetch_decoder;
/* The Accept-Encoding value: every coding a decoder undoes. */
#define FETCH_ACCEPT_ENCODING "gzip, deflate, br, zstd"
/* A decoder for `encodings` (a Content-Encoding header value); *out is
 * NULL when nothing is to be undone ("identity").  FS_EPARSE names an
 * unsupported coding. */
fs_code fetch_decoder_new(const char *encodings, struct fetch_decoder **out,
                          fs_error *err);
/* Decode n more bytes onto the end of body, which never grows past max
 * bytes (0: no cap; FS_ELIMIT when it would).  FS_EPARSE: bad data. */
fs_code fetch_decoder_write(struct fetch_decoder *d, const void *in,
                            size_t n, struct strbuf *body, size_t max,
                            fs_error *err);
/* Bytes received after the end of the (outermost) stream, ignored.  A
 * caller may stop the transfer once there are any: the body is whole. */
size_t fetch_decoder_ignored(const struct fetch_decoder *d);
/* The body ended: FS_EPARSE unless every coding's stream ended too. */
fs_code fetch_decoder_end(struct fetch_decoder *d, fs_error *err);
void fetch_decoder_free(struct fetch_decoder *d);

/* Monotonic milliseconds. */
int64_t fetch_now_ms(void);

#endif
