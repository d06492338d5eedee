/*
 * url.c — URL resolution through libcurl's URL API (CURLU).
 *
 * We never hand-roll RFC 3986 merging: curl_url_set() with a relative URL
 * on a handle holding the base does exactly the reference resolution.
 */
#include "util.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static int has_scheme(const char *s)
{
    const char *p = s;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return 0;
    while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#')
        p++;
    return *p == ':';
}

char *fs_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    /* Leading/trailing whitespace is common in feeds and never meaningful. */
    while (*ref == ' ' || *ref == '\t' || *ref == '\n' || *ref == '\r')
        ref++;
    size_t rl = strlen(ref);
    while (rl && (ref[rl - 1] == ' ' || ref[rl - 1] == '\t' ||
                  ref[rl - 1] == '\n' || ref[rl - 1] == '\r'))
        rl--;
    char *r = fs_strndup(ref, rl);
    if (!base || !*base || has_scheme(r))
        return r;

    CURLU *u = curl_url();
    if (!u)
        fs_oom();
    char *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, base,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) ==
            CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, r,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) ==
            CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = fs_strdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(u);
    if (!out)
        return r;
    free(r);
    return out;
}

char *fs_url_host(const char *url)
{
    if (!url)
        return NULL;
    CURLU *u = curl_url();
    if (!u)
        fs_oom();
    char *out = NULL, *h = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
        out = fs_strdup(h);
        curl_free(h);
    }
    curl_url_cleanup(u);
    return out;
}

fs_code fs_url_origin_path(const char *url, char **origin, char **path)
{
    *origin = *path = NULL;
    CURLU *u = curl_url();
    if (!u)
        fs_oom();
    char *scheme = NULL, *host = NULL, *port = NULL, *p = NULL, *q = NULL;
    fs_code rc = FS_EINVAL;
    if (url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        curl_url_get(u, CURLUPART_QUERY, &q, 0);
        *origin = port ? fs_asprintf("%s://%s:%s", scheme, host, port)
                       : fs_asprintf("%s://%s", scheme, host);
        *path = q ? fs_asprintf("%s?%s", p, q) : fs_strdup(p);
        rc = FS_OK;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(p);
    curl_free(q);
    curl_url_cleanup(u);
    return rc;
}
