/*
 * post.c — one blocking HTTP POST, for alert webhooks.
 *
 * Same limits and identity as the crawler's fetches (timeouts, User-Agent,
 * http/https only), but no redirects: a POST that is redirected is more
 * likely a misconfigured receiver than something to replay elsewhere.
 * The response body is read (up to 64 KiB, for the error message) and
 * thrown away.
 */
#include "fetcher.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#define RESPONSE_KEEP 65536

static size_t on_response(char *data, size_t size, size_t nmemb, void *ud)
{
    struct strbuf *sb = ud;
    size_t n = size * nmemb;
    if (sb->len < RESPONSE_KEEP)
        strbuf_add(sb, data, n < RESPONSE_KEEP - sb->len
                                 ? n
                                 : RESPONSE_KEEP - sb->len);
    return n;
}

fs_code fetch_post(const struct fetch_options *opt, const char *url,
                   const char *body, size_t len,
                   const char *const *headers, size_t n_headers,
                   long *status, fs_error *err)
{
    CURL *e = curl_easy_init();
    if (!e)
        fs_oom();
    struct curl_slist *hl = NULL;
    for (size_t i = 0; i < n_headers; i++)
        hl = curl_slist_append(hl, headers[i]);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct strbuf resp = STRBUF_INIT;
    char *ua = opt->user_agent ? fs_strdup(opt->user_agent)
                               : fetch_user_agent(NULL);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
    if (opt->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, opt->ca_file);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(e);
    *status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
    fs_code rc = FS_OK;
    if (cc == CURLE_OPERATION_TIMEDOUT)
        rc = fs_error_set(err, FS_ENET, "%s: timed out: %s", url,
                          errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (cc != CURLE_OK)
        rc = fs_error_set(err, FS_ENET, "%s: %s", url,
                          errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (*status < 200 || *status > 299) {
        struct strbuf clean = STRBUF_INIT;
        strbuf_trim(&resp);
        fs_utf8_sanitize(&clean, resp.buf, resp.len);
        rc = fs_error_set(err, FS_EHTTP, "%s: HTTP %ld%s%.200s", url,
                          *status, clean.len ? ": " : "",
                          clean.len ? clean.buf : "");
        strbuf_release(&clean);
    }
    strbuf_release(&resp);
    free(ua);
    curl_slist_free_all(hl);
    curl_easy_cleanup(e);
    return rc;
}
