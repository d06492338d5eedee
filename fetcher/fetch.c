/*
 * fetch.c — concurrent HTTP(S) fetching with libcurl's multi interface.
 *
 * fetch_all() keeps at most opt->max_concurrency transfers added to one
 * multi handle (the rest wait in order in a queue) and hands each finished
 * transfer to the caller's callback at once, so parsing and storing overlap
 * with the remaining downloads.
 *
 * Invariants:
 *  - The body of a transfer never grows past opt->max_body *decoded* bytes:
 *    the body is decoded here as it arrives (decode.c; libcurl's own
 *    decoding is off), so a gzip bomb stops at the cap (FS_ELIMIT) like a
 *    plain huge body.  The Content-Encoding decoded is the final
 *    response's: every status line (redirects, 1xx) starts over.
 *  - Only http and https are followed, including on redirects; file:// only
 *    with opt->allow_file.  Other schemes fail before any I/O (FS_EDENIED).
 *  - A transfer's failure is reported in its own result; fetch_all() itself
 *    fails only when libcurl cannot run the batch at all.
 */
#include "fetch_int.h"

#include <signal.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

static volatile sig_atomic_t interrupted;

static const char accept_encoding_header[] =
    "Accept-Encoding: " FETCH_ACCEPT_ENCODING;

void fetch_interrupt(void)
{
    interrupted = 1;
}

int fetch_interrupted(void)
{
    return interrupted != 0;
}

struct transfer {
    CURL *easy;
    size_t index;             /* in the request array */
    const struct fetch_request *req;
    struct curl_slist *headers;
    struct strbuf body;
    size_t max_body;
    int over_limit;           /* write callback refused: body too large */
    struct strbuf encoding;   /* the response's Content-Encoding values */
    struct fetch_decoder *decoder; /* made at the first body byte */
    int decode_failed;        /* decode_error says why */
    int body_whole;           /* the compressed stream ended: rest refused */
    fs_error decode_error;
    int redirects;            /* 3xx responses seen */
    int all_permanent;        /* every 3xx seen was 301 or 308 */
    char errbuf[CURL_ERROR_SIZE];
};

void fetch_options_default(struct fetch_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->max_concurrency = 32;
    opt->max_per_host = 4;
    opt->per_host_delay_ms = 0;
    opt->connect_timeout_ms = 10000;
    opt->timeout_ms = 60000;
    opt->low_speed_bytes = 100;
    opt->low_speed_seconds = 20;
    opt->max_body = 16u << 20; /* 16 MiB */
    opt->max_redirects = 8;
    opt->allow_file = 0;
    opt->user_agent = NULL;
}

fs_code fetch_global_init(fs_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fs_error_set(err, FS_ENET, "cannot initialise libcurl");
    return FS_OK;
}

void fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

char *fetch_result_take_body(struct fetch_result *res, size_t *len)
{
    char *b = (char *)res->body;
    if (len)
        *len = res->body_len;
    res->body = NULL;
    res->body_len = 0;
    return b;
}

/* A piece of a body sent as it is, within the cap. */
static size_t on_body_plain(struct transfer *t, const char *data, size_t n)
{
    if (t->max_body && t->body.len + n > t->max_body) {
        t->over_limit = 1;
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    strbuf_add(&t->body, data, n);
    return n;
}

/* Undo the Content-Encoding, if any, of a piece of the body. */
static size_t on_body_decode(struct transfer *t, const char *data, size_t n)
{
    fs_code rc = FS_OK;
    if (!t->decoder)
        rc = fetch_decoder_new(t->encoding.buf, &t->decoder,
                               &t->decode_error);
    if (rc == FS_OK && t->decoder)
        rc = fetch_decoder_write(t->decoder, data, n, &t->body, t->max_body,
                                 &t->decode_error);
    else if (rc == FS_OK) /* "identity" */
        strbuf_setlen(&t->encoding, 0);
    if (rc == FS_ELIMIT)
        t->over_limit = 1;
    else if (rc != FS_OK)
        t->decode_failed = 1;
    if (rc != FS_OK)
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    if (!t->decoder)
        return on_body_plain(t, data, n); /* "identity": capped as plain */
    if (fetch_decoder_ignored(t->decoder)) {
        /* Bytes after the end of the stream: the body is whole, and a
         * server that keeps sending must not keep us reading. */
        t->body_whole = 1;
        return 0;
    }
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    if (t->encoding.len)
        return on_body_decode(t, data, n);
    return on_body_plain(t, data, n);
}

/* Header callback: sees the header lines of every response in a redirect
 * chain.  Status lines tell whether all redirects were permanent (a moved
 * feed should be stored under its new URL) and start a new response; the
 * Content-Encoding lines of the last one say how to decode its body. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    static const char ce[] = "content-encoding:";
    if (n > sizeof(ce) - 1 && strncasecmp(data, ce, sizeof(ce) - 1) == 0) {
        if (t->encoding.len)
            strbuf_addch(&t->encoding, ',');
        strbuf_add(&t->encoding, data + sizeof(ce) - 1,
                   n - (sizeof(ce) - 1));
        return n;
    }
    if (n > 9 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response: whatever an earlier one in the chain sent (a
         * redirect's body, should libcurl pass one on) is not this one's. */
        strbuf_setlen(&t->encoding, 0);
        fetch_decoder_free(t->decoder);
        t->decoder = NULL;
        strbuf_setlen(&t->body, 0);
        const char *sp = memchr(data, ' ', n);
        if (sp && (size_t)(sp - data) + 4 <= n) {
            int code = atoi(sp + 1);
            if (code >= 300 && code < 400 && code != 304) {
                t->redirects++;
                if (code != 301 && code != 308)
                    t->all_permanent = 0;
            }
        }
    }
    return n;
}

char *fetch_user_agent(const char *contact)
{
    if (!contact || !*contact)
        return fs_strdup("feedsift/" FEEDSIFT_VERSION);
    return fs_asprintf("feedsift/" FEEDSIFT_VERSION " (+%s)", contact);
}

/* Directives are comma-separated tokens, case-insensitive (RFC 9111 5.2);
 * "max-age=N" may be quoted.  no-cache/no-store mean "ask every time". */
long long fetch_parse_max_age(const char *cc)
{
    long long best = -1;
    const char *p = cc;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        if (n >= 8 && strncasecmp(p, "max-age=", 8) == 0) {
            const char *v = p + 8 + (p[8] == '"');
            char *end;
            long long secs = strtoll(v, &end, 10);
            if (end != v && secs >= 0)
                best = secs;
        } else if ((n >= 8 && strncasecmp(p, "no-cache", 8) == 0) ||
                   (n >= 8 && strncasecmp(p, "no-store", 8) == 0)) {
            return 0;
        }
        p += n;
    }
    return best;
}

static const char *last_header(CURL *e, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
        return h->value;
    return NULL;
}

static struct transfer *transfer_new(const struct fetch_options *opt,
                                     const struct fetch_request *reqs,
                                     size_t index, const char *ua)
{
    struct transfer *t = fs_calloc(1, sizeof(*t));
    const struct fetch_request *req = &reqs[index];
    strbuf_init(&t->body, 0);
    strbuf_init(&t->encoding, 0);
    t->req = req;
    t->index = index;
    t->max_body = opt->max_body;
    t->all_permanent = 1;
    t->easy = curl_easy_init();
    if (!t->easy)
        fs_oom();
    CURL *e = t->easy;
    const char *protos = opt->allow_file ? "http,https,file" : "http,https";
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protos);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, opt->max_redirects);
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L); /* decode.c */
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, opt->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, opt->low_speed_seconds);
    curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
    if (opt->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, opt->ca_file);
    /* Over TLS a server may offer HTTP/2 (ALPN): then the transfers of a
     * host wait for the first connection and share it as streams.  On
     * http:// there is no HTTP/2 (no h2c), and PIPEWAIT would only make
     * the transfers of a host queue for one HTTP/1.1 connection. */
    if (strncasecmp(req->url, "https:", 6) == 0)
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    if (opt->max_body)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)opt->max_body);
    t->headers = curl_slist_append(t->headers, accept_encoding_header);
    if (req->etag && *req->etag) {
        char *h = fs_asprintf("If-None-Match: %s", req->etag);
        t->headers = curl_slist_append(t->headers, h);
        free(h);
    }
    if (req->last_modified && *req->last_modified) {
        char *h = fs_asprintf("If-Modified-Since: %s", req->last_modified);
        t->headers = curl_slist_append(t->headers, h);
        free(h);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    return t;
}

static void transfer_free(struct transfer *t)
{
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    strbuf_release(&t->body);
    strbuf_release(&t->encoding);
    fetch_decoder_free(t->decoder);
    free(t);
}

/* Turn a finished transfer into a result and hand it to the callback. */
static void transfer_finish(struct transfer *t, CURLcode cc,
                            const struct fetch_options *opt,
                            fetch_done_fn done, void *ud)
{
    struct fetch_result res;
    memset(&res, 0, sizeof(res));
    CURL *e = t->easy;
    const char *url = t->req->url;
    char *eff = NULL, *ctype = NULL;
    double secs = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res.status);
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &secs);
    res.request = t->req;
    res.effective_url = eff ? eff : url;
    res.content_type = ctype;
    res.seconds = secs;
    res.code = FS_OK;
    res.max_age = fetch_parse_max_age(last_header(e, "Cache-Control"));
    curl_off_t retry = -1;
    if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry) != CURLE_OK ||
        !last_header(e, "Retry-After"))
        retry = -1;
    res.retry_after = retry;

    if (cc == CURLE_WRITE_ERROR && t->body_whole)
        cc = CURLE_OK; /* stopped on purpose after the stream's end */
    if (cc == CURLE_OK && t->decoder &&
        fetch_decoder_end(t->decoder, &t->decode_error) != FS_OK)
        t->decode_failed = 1;

    if (t->over_limit || cc == CURLE_FILESIZE_EXCEEDED) {
        res.code = FS_ELIMIT;
        snprintf(res.error, sizeof(res.error),
                 "%s: response larger than %zu bytes (after decoding)", url,
                 opt->max_body);
    } else if (t->decode_failed && res.status < 400) {
        res.code = t->decode_error.code;
        snprintf(res.error, sizeof(res.error), "%s: %.300s", url,
                 t->decode_error.msg);
    } else if (t->decode_failed) { /* an error page: its status says more */
        res.code = FS_EHTTP;
        snprintf(res.error, sizeof(res.error), "%s: HTTP %ld", url,
                 res.status);
    } else if (cc == CURLE_TOO_MANY_REDIRECTS) {
        res.code = FS_ELIMIT;
        snprintf(res.error, sizeof(res.error),
                 "%s: more than %ld redirects (redirect loop?)", url,
                 opt->max_redirects);
    } else if (cc == CURLE_UNSUPPORTED_PROTOCOL) {
        res.code = FS_EDENIED;
        snprintf(res.error, sizeof(res.error),
                 "%s: scheme not allowed (only http and https%s)", url,
                 opt->allow_file ? ", file" : "");
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        res.code = FS_ENET;
        snprintf(res.error, sizeof(res.error), "%s: timed out: %s", url,
                 t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));
    } else if (cc != CURLE_OK) {
        res.code = FS_ENET;
        snprintf(res.error, sizeof(res.error), "%s: %s", url,
                 t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));
    } else if (res.status == 304) {
        res.not_modified = 1;
    } else if (res.status >= 400 ||
               (res.status >= 300 && res.status < 400)) {
        res.code = FS_EHTTP;
        snprintf(res.error, sizeof(res.error), "%s: HTTP %ld", url,
                 res.status);
    }
    if (res.code == FS_OK) {
        res.etag = last_header(e, "ETag");
        res.last_modified = last_header(e, "Last-Modified");
        if (t->redirects && t->all_permanent && eff && strcmp(eff, url))
            res.permanent_url = eff;
        /* The body stays NUL-terminated: strbuf guarantees it. */
        res.body_len = t->body.len;
        res.body = strbuf_detach(&t->body, NULL);
    }
    done(&res, ud);
    free((char *)res.body);
}

/* Whether libcurl may send transfers through a proxy: one of the
 * variables it reads is set (http_proxy only in lower case, by libcurl's
 * design; no_proxy is not looked at, so a proxy that no_proxy bypasses
 * for every feed only loses the redirect backstop below). */
static int proxy_in_env(void)
{
    static const char *const vars[] = {"http_proxy", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",
                                       "ALL_PROXY"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

/* Start every request the host queues allow now. */
static fs_code start_ready(CURLM *m, struct hostq *hq,
                           const struct fetch_options *opt,
                           const struct fetch_request *reqs, const char *ua,
                           struct transfer **active, size_t max_inflight,
                           size_t *inflight, long *wait_ms, fs_error *err)
{
    int per_host = opt->max_per_host > 0 ? opt->max_per_host : 4;
    *wait_ms = -1;
    while (*inflight < max_inflight) {
        long idx = hostq_next(hq, fetch_now_ms(), per_host,
                              opt->per_host_delay_ms, wait_ms);
        if (idx < 0)
            break;
        struct transfer *t = transfer_new(opt, reqs, (size_t)idx, ua);
        if (curl_multi_add_handle(m, t->easy) != CURLM_OK) {
            transfer_free(t);
            return fs_error_set(err, FS_ENET, "libcurl refused a transfer");
        }
        for (size_t i = 0; i < max_inflight; i++)
            if (!active[i]) {
                active[i] = t;
                break;
            }
        (*inflight)++;
    }
    return FS_OK;
}

/* Finish every transfer libcurl reports done; returns how many. */
static size_t drain_finished(CURLM *m, struct hostq *hq,
                             const struct fetch_options *opt,
                             struct transfer **active, size_t max_inflight,
                             size_t *inflight, fetch_done_fn done, void *ud)
{
    size_t ended = 0;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct transfer *t = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        CURLcode cc = msg->data.result;
        curl_multi_remove_handle(m, t->easy);
        for (size_t i = 0; i < max_inflight; i++)
            if (active[i] == t)
                active[i] = NULL;
        (*inflight)--;
        ended++;
        hostq_done(hq, t->index);
        transfer_finish(t, cc, opt, done, ud);
        transfer_free(t);
    }
    return ended;
}

fs_code fetch_all(const struct fetch_options *opt,
                  const struct fetch_request *reqs, size_t n,
                  fetch_done_fn done, void *ud, fs_error *err)
{
    char *ua = opt->user_agent ? fs_strdup(opt->user_agent)
                               : fetch_user_agent(NULL);
    CURLM *m = curl_multi_init();
    if (!m) {
        free(ua);
        return fs_error_set(err, FS_ENET, "cannot create a libcurl multi "
                                          "handle");
    }
    curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    /* hostq keeps each requested host within max_per_host; this backstop
     * does the same for the hosts redirects lead to (many feeds of one
     * redirector, or of several, can end on one origin).  A transfer
     * waiting for such a connection keeps its global slot meanwhile.  Not
     * through a proxy: libcurl counts plain-http transfers through an
     * HTTP proxy as connections to the proxy's host, so the limit would
     * hold the whole crawl to max_per_host transfers. */
    if (!proxy_in_env())
        curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS,
                          (long)(opt->max_per_host > 0 ? opt->max_per_host
                                                       : 4));

    size_t max_inflight =
        opt->max_concurrency > 0 ? (size_t)opt->max_concurrency : 32;
    size_t finished = 0, inflight = 0;
    fs_code rc = FS_OK;
    /* The transfers added to m, so that any exit can free them all. */
    struct transfer **active = fs_calloc(max_inflight, sizeof(*active));
    struct hostq *hq = hostq_new(reqs, n);

    while (finished < n) {
        if (interrupted) {
            rc = fs_error_set(err, FS_EINTR, "interrupted: %zu of %zu "
                              "transfers not finished", n - finished, n);
            break;
        }
        long wait_ms;
        rc = start_ready(m, hq, opt, reqs, ua, active, max_inflight,
                         &inflight, &wait_ms, err);
        if (rc != FS_OK)
            break;
        int running = 0;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc != CURLM_OK) {
            rc = fs_error_set(err, FS_ENET, "libcurl: %s",
                              curl_multi_strerror(mc));
            break;
        }
        /* Hand over what finished before waiting: a transfer done in this
         * perform must neither wait for the poll below nor keep its host's
         * slot, so the next one starts at once. */
        size_t ended = drain_finished(m, hq, opt, active, max_inflight,
                                      &inflight, done, ud);
        finished += ended;
        if (ended || finished >= n)
            continue;
        /* Wake up at least every 200 ms to notice a signal, and in time
         * for the next transfer a politeness delay holds back. */
        int timeout = 200;
        if (wait_ms >= 0 && wait_ms < timeout)
            timeout = (int)wait_ms;
        if (opt->idle)
            opt->idle(opt->idle_ud);
        mc = curl_multi_poll(m, NULL, 0, timeout, NULL);
        if (mc != CURLM_OK) {
            rc = fs_error_set(err, FS_ENET, "libcurl: %s",
                              curl_multi_strerror(mc));
            break;
        }
    }
    for (size_t i = 0; i < max_inflight; i++) {
        if (!active[i])
            continue;
        curl_multi_remove_handle(m, active[i]->easy);
        transfer_free(active[i]);
    }
    free(active);
    hostq_free(hq);
    curl_multi_cleanup(m);
    free(ua);
    return rc;
}
