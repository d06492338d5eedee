/*
 * fetcher.h — fetch many URLs concurrently with libcurl's multi interface.
 *
 * One call fetches a batch; each result is handed to a callback as soon as
 * its transfer ends, so the caller can parse and store it while the other
 * transfers go on.  Limits (size after decoding, time, redirects, schemes)
 * are enforced per transfer; one failure never affects the others.
 *
 * Ownership: a fetch_result and everything it points to belongs to the
 * fetcher and is valid only during the callback; a callback that wants the
 * body keeps it with fetch_result_take_body().
 */
#ifndef FEEDSIFT_FETCHER_H
#define FEEDSIFT_FETCHER_H

#include "util.h"

struct fetch_options {
    int max_concurrency;        /* transfers in flight, total */
    int max_per_host;           /* transfers in flight per host */
    long per_host_delay_ms;     /* least time between two starts on a host */
    long connect_timeout_ms;
    long timeout_ms;            /* whole transfer */
    long low_speed_bytes;       /* abort below this many bytes/s ... */
    long low_speed_seconds;     /* ... for this long */
    size_t max_body;            /* decoded bytes */
    long max_redirects;
    int allow_file;             /* follow file:// URLs (demo, tests) */
    const char *user_agent;     /* NULL: fetch_user_agent(NULL) */
    const char *ca_file;        /* PEM bundle of CAs to trust for https
                                   (CURLOPT_CAINFO); NULL: the system's */
    /* Called by fetch_all() before it waits for the network (at least
     * every 200 ms while transfers are in flight), on the caller's
     * thread; NULL: none.  The crawler commits its batch there, so a slow
     * network never holds finished work uncommitted. */
    void (*idle)(void *idle_ud);
    void *idle_ud;
};
void fetch_options_default(struct fetch_options *opt);

struct fetch_request {
    const char *url;
    const char *etag;           /* If-None-Match, may be NULL */
    const char *last_modified;  /* If-Modified-Since, may be NULL */
    void *user;                 /* handed back in the result */
};

struct fetch_result {
    const struct fetch_request *request;
    fs_code code;               /* FS_OK: got a 2xx or 304 */
    char error[512];            /* message naming the URL when code != OK */
    long status;                /* HTTP status, 0 if none */
    int not_modified;           /* 304 */
    const char *effective_url;  /* after redirects */
    const char *permanent_url;  /* set when a 301/308 chain moved the URL */
    const char *content_type;
    const char *etag;
    const char *last_modified;
    const char *body;           /* decoded bytes, NUL-terminated */
    size_t body_len;
    double seconds;
    /* Scheduling hints from the server, in seconds; -1 when absent.
     * retry_after: Retry-After (delta or HTTP date) on any response, the
     * usual companion of 429 and 503.  max_age: Cache-Control max-age
     * (s-maxage ignored: we are not a shared cache); no-cache/no-store
     * count as 0. */
    long long retry_after;
    long long max_age;
};

/* Take ownership of the body (a malloc'd, NUL-terminated buffer). */
char *fetch_result_take_body(struct fetch_result *res, size_t *len);

typedef void (*fetch_done_fn)(struct fetch_result *res, void *ud);

/* Fetch all n requests; calls done() once per request, in completion
 * order.  Returns non-OK only when the batch itself could not run. */
fs_code fetch_all(const struct fetch_options *opt,
                  const struct fetch_request *reqs, size_t n,
                  fetch_done_fn done, void *ud, fs_error *err);

/* Ask a running fetch_all() to stop: it starts nothing more, abandons the
 * transfers in flight and returns FS_EINTR.  Async-signal-safe: meant to be
 * called from a SIGINT/SIGTERM handler. */
void fetch_interrupt(void);
int fetch_interrupted(void);

/* ---- robots.txt (robots.c) ------------------------------------------- */

struct robots;
/* Rules of robots.txt for the product token agent ("feedsift"). */
struct robots *robots_parse(const char *txt, size_t len, const char *agent);
/* No rules: deny_all 0 allows everything (robots.txt missing, 4xx);
 * deny_all 1 refuses everything (robots.txt unreachable, 5xx). */
struct robots *robots_new(int deny_all);
/* Is this path (with its query) allowed?  NULL rules allow everything. */
int robots_allowed(const struct robots *r, const char *path);
void robots_free(struct robots *r);

/* ---- one POST (post.c) ---------------------------------------------- */

/* POST body to url (http/https, no redirects) with extra header lines
 * ("Name: value"), opt's timeouts and User-Agent.  FS_OK on a 2xx;
 * FS_EHTTP naming the status (and the start of the response) otherwise;
 * FS_ENET when there was no answer.  *status gets the HTTP status or 0. */
fs_code fetch_post(const struct fetch_options *opt, const char *url,
                   const char *body, size_t len,
                   const char *const *headers, size_t n_headers,
                   long *status, fs_error *err);

/* ---- scheduling (schedule.c) ----------------------------------------- */

/* Bounds of the polling policy, in seconds (policy in schedule.c). */
struct schedule_policy {
    int64_t min_interval;       /* never poll a feed more often */
    int64_t max_interval;       /* never wait longer after a success */
    int64_t default_interval;   /* first interval when nothing is known */
    int64_t max_backoff;        /* longest wait after errors */
};
void schedule_policy_default(struct schedule_policy *p);

enum schedule_outcome {
    SCHEDULE_OK,                /* fetched and parsed */
    SCHEDULE_NOT_MODIFIED,      /* 304 */
    SCHEDULE_ERROR,             /* any failure worth retrying */
    SCHEDULE_GONE,              /* 410: stop polling */
};

struct schedule_input {
    int64_t now;
    enum schedule_outcome outcome;
    int64_t prev_interval;      /* 0 when unknown */
    int new_items;              /* items first seen in this check */
    const int64_t *item_times;  /* published times of the document's */
    size_t n_item_times;        /* items (FS_TIME_NONE ones ignored) */
    int64_t feed_hint;          /* feed's ttl / sy:updatePeriod, 0: none */
    long long max_age;          /* Cache-Control max-age, -1: none */
    long long retry_after;      /* Retry-After seconds, -1: none */
    int consecutive_errors;     /* including this check's error */
};

struct schedule_decision {
    int64_t next_due;
    int64_t interval;           /* the feed's poll interval from now on */
    int disable;
};

void schedule_next(const struct schedule_policy *p,
                   const struct schedule_input *in,
                   struct schedule_decision *out);

/* "feedsift/VERSION (+CONTACT)", or without the parenthesis when contact
 * is NULL or empty.  malloc'd. */
char *fetch_user_agent(const char *contact);

/* Cache-Control max-age of a header value in seconds, -1 when none. */
long long fetch_parse_max_age(const char *cache_control);

/* Process-wide libcurl setup/teardown (call once from main). */
fs_code fetch_global_init(fs_error *err);
void fetch_global_cleanup(void);

#endif /* FEEDSIFT_FETCHER_H */
