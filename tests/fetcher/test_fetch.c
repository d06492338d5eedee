/*
 * test_fetch.c — the fetcher against a real loopback HTTP server.
 *
 * usage: test_fetch BASE_URL   (tests/lib/with_server.py passes it)
 * The server is tests/lib/server.py serving tests/fetcher/site/.
 */
#include "fetch_int.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

struct got {
    fs_code code;
    long status;
    int not_modified;
    char *etag;
    char *permanent_url;
    char *error;
    size_t body_len;
    char *body;
};

static void on_done(struct fetch_result *res, void *ud)
{
    struct got *all = ud;
    struct got *g = &all[(size_t)(uintptr_t)res->request->user];
    g->code = res->code;
    g->status = res->status;
    g->not_modified = res->not_modified;
    g->etag = fs_strdup(res->etag);
    g->permanent_url = fs_strdup(res->permanent_url);
    g->error = fs_strdup(res->error);
    if (res->body)
        g->body = fetch_result_take_body(res, &g->body_len);
}

static void on_done_interrupt(struct fetch_result *res, void *ud)
{
    (void)res;
    (void)ud;
    fetch_interrupt(); /* as a SIGINT handler would */
}

static void got_release(struct got *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].etag);
        free(g[i].permanent_url);
        free(g[i].error);
        free(g[i].body);
    }
}

/* Fetch the given paths (relative to base) in one batch. */
static void fetch_paths(const struct fetch_options *opt, const char *base,
                        const char *const *paths, size_t n, struct got *out,
                        const char *etag)
{
    struct fetch_request *reqs = calloc(n, sizeof(*reqs));
    char **urls = calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        urls[i] = paths[i][0] != '/' ? fs_strdup(paths[i])
                                          : fs_asprintf("%s%s", base, paths[i]);
        reqs[i].url = urls[i];
        reqs[i].etag = etag;
        reqs[i].user = (void *)(uintptr_t)i;
    }
    memset(out, 0, n * sizeof(*out));
    fs_error err = {0};
    ok(fetch_all(opt, reqs, n, on_done, out, &err) == FS_OK,
       "batch runs");
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
    free(reqs);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_fetch BASE_URL\n");
        return 2;
    }
    const char *base = argv[1];
    fs_error err = {0};
    fetch_global_init(&err);
    struct fetch_options opt;
    fetch_options_default(&opt);
    opt.max_body = 4u << 20;
    opt.timeout_ms = 20000;
    opt.max_redirects = 5;

    const char *paths[] = {
        "/feed.rss",                       /* 0 plain */
        "/gzip/feed.rss",                  /* 1 gzip-encoded */
        "/status/404",                     /* 2 */
        "/loop",                           /* 3 redirect loop */
        "/gzip-bomb",                      /* 4 1 GiB decoded */
        "/redirect/301/feed.rss",          /* 5 permanent */
        "/redirect/302/feed.rss",          /* 6 temporary */
        "/redirect-to?url=file:///etc/passwd", /* 7 */
        "/redirect-to?url=ftp://127.0.0.1/x",  /* 8 */
        "file:///etc/passwd",              /* 9 not allowed by default */
        "/close-mid-body",                 /* 10 */
        "/redirect/308/redirect/301/feed.rss", /* 11 permanent chain */
        "/redirect/301/redirect/307/feed.rss", /* 12 mixed chain */
    };
    size_t n = sizeof(paths) / sizeof(paths[0]);
    struct got g[sizeof(paths) / sizeof(paths[0])];
    fetch_paths(&opt, base, paths, n, g, NULL);

    ok(g[0].code == FS_OK && g[0].status == 200 && g[0].body &&
           strstr(g[0].body, "<rss"), "plain feed fetched");
    ok(g[0].etag != NULL, "ETag captured");
    ok(g[1].code == FS_OK && g[1].body && g[1].body_len == g[0].body_len &&
           memcmp(g[1].body, g[0].body, g[0].body_len) == 0,
       "gzip body decoded to the same bytes");
    ok(g[2].code == FS_EHTTP && g[2].status == 404 &&
           strstr(g[2].error, "/status/404") && strstr(g[2].error, "404"),
       "404 is an HTTP error naming the URL");
    ok(g[3].code == FS_ELIMIT && strstr(g[3].error, "redirect"),
       "redirect loop stops with a clear error");
    ok(g[4].code == FS_ELIMIT && strstr(g[4].error, "larger than"),
       "gzip bomb stops at the decoded size cap");
    ok(g[4].body == NULL, "no partial body handed out for a capped transfer");
    ok(g[5].code == FS_OK && g[5].permanent_url &&
           strstr(g[5].permanent_url, "/feed.rss") &&
           !strstr(g[5].permanent_url, "redirect"),
       "301 reports the new permanent URL");
    ok(g[6].code == FS_OK && g[6].permanent_url == NULL,
       "302 is followed but not permanent");
    ok(g[7].code == FS_EDENIED, "redirect to file:// refused");
    ok(g[8].code == FS_EDENIED, "redirect to ftp:// refused");
    ok(g[9].code == FS_EDENIED && strstr(g[9].error, "file:///etc/passwd"),
       "file:// refused unless allowed, naming the URL");
    ok(g[10].code == FS_ENET, "connection closed mid-body is an error");
    ok(g[11].code == FS_OK && g[11].permanent_url != NULL,
       "308 then 301 is permanent");
    ok(g[12].code == FS_OK && g[12].permanent_url == NULL,
       "a temporary hop makes the chain temporary");

    /* Chunked bodies (no Content-Length for libcurl to check): the cap
     * holds for a body sent as it is under Content-Encoding: identity as
     * for a plain one, and a chunked gzip body decodes. */
    {
        struct fetch_options small = opt;
        small.max_body = 100;
        const char *cpaths[] = {"/chunked/identity/feed.rss",
                                "/chunked/gzip/feed.rss"};
        struct got cg[2];
        fetch_paths(&small, base, cpaths, 1, cg, NULL);
        ok(cg[0].code == FS_ELIMIT && strstr(cg[0].error, "larger than 100"),
           "identity-encoded chunked body stops at the cap");
        fetch_paths(&opt, base, cpaths + 1, 1, cg + 1, NULL);
        ok(cg[1].code == FS_OK && cg[1].body_len == g[0].body_len &&
               memcmp(cg[1].body, g[0].body, g[0].body_len) == 0,
           "chunked gzip body decoded to the same bytes");
        got_release(cg, 2);
    }
    char *etag = fs_strdup(g[0].etag);
    got_release(g, n);

    /* Conditional GET: the ETag we got back gives a 304 and no body. */
    const char *again[] = {"/feed.rss"};
    struct got g2[1];
    fetch_paths(&opt, base, again, 1, g2, etag);
    ok(g2[0].code == FS_OK && g2[0].not_modified && g2[0].status == 304,
       "If-None-Match with our ETag gives 304");
    got_release(g2, 1);
    free(etag);

    /* file:// when explicitly allowed (the demo may). */
    opt.allow_file = 1;
    const char *files[] = {"file:///etc/hostname"};
    fetch_paths(&opt, base, files, 1, g2, NULL);
    ok(g2[0].code == FS_OK || g2[0].code == FS_ENET,
       "file:// allowed when asked");
    got_release(g2, 1);
    opt.allow_file = 0;

    /* Many transfers through a small concurrency window. */
    enum { MANY = 40 };
    const char *many[MANY];
    for (int i = 0; i < MANY; i++)
        many[i] = "/feed.rss";
    struct got gm[MANY];
    opt.max_concurrency = 7;
    fetch_paths(&opt, base, many, MANY, gm, NULL);
    int all_ok = 1;
    for (int i = 0; i < MANY; i++)
        all_ok &= gm[i].code == FS_OK && gm[i].status == 200;
    ok(all_ok, "40 transfers through 7 slots all complete");
    got_release(gm, MANY);

    /* Politeness: 4 requests to one host, 300 ms apart at the least. */
    opt.max_concurrency = 8;
    opt.per_host_delay_ms = 300;
    const char *polite[] = {"/feed.rss", "/feed.rss", "/feed.rss",
                            "/feed.rss"};
    struct got gp[4];
    int64_t t0 = fetch_now_ms();
    fetch_paths(&opt, base, polite, 4, gp, NULL);
    int64_t spent = fetch_now_ms() - t0;
    ok(spent >= 850, "per-host delay spaces the starts on one host");
    got_release(gp, 4);
    opt.per_host_delay_ms = 0;

    /* The per-host limit holds for redirect targets too: eight feeds on
     * eight hosts (*.localhost is loopback to libcurl) all redirect to
     * one host, which must not see more than max_per_host at once. */
    {
        enum { FAN = 8 };
        const char *port = strrchr(base, ':') + 1;
        char *fan[FAN];
        for (int i = 0; i < FAN; i++)
            fan[i] = fs_asprintf("http://h%d.localhost:%s/redirect-to?url="
                                 "http://127.0.0.1:%s/hold/400",
                                 i, port, port);
        struct got gf[FAN];
        opt.max_concurrency = FAN;
        opt.max_per_host = 2;
        fetch_paths(&opt, base, (const char *const *)fan, FAN, gf, NULL);
        int fan_ok = 1;
        for (int i = 0; i < FAN; i++)
            fan_ok &= gf[i].code == FS_OK && gf[i].status == 200;
        ok(fan_ok, "8 redirects to one host all complete");
        got_release(gf, FAN);
        const char *q[] = {"/hold-max?host=127.0.0.1"};
        struct got gq[1];
        fetch_paths(&opt, base, q, 1, gq, NULL);
        int most = gq[0].body ? atoi(gq[0].body) : -1;
        if (most > 2)
            printf("# the redirect target saw %d at once\n", most);
        ok(most >= 1 && most <= 2,
           "a redirect target gets at most max_per_host (2) at once");
        got_release(gq, 1);
        for (int i = 0; i < FAN; i++)
            free(fan[i]);

        /* Through an HTTP proxy (the test server takes absolute URLs)
         * libcurl counts every plain-http transfer as a connection to the
         * proxy's host: the redirect backstop must not be set then, or
         * eight feeds on eight hosts would go two at a time. */
        for (int i = 0; i < FAN; i++)
            fan[i] = fs_asprintf("http://p%d.localhost:%s/hold/400", i, port);
        const char *all[] = {"/hold-max?host=*"};
        fetch_paths(&opt, base, all, 1, gq, NULL); /* resets the count */
        got_release(gq, 1);
        char *no_proxy = getenv("no_proxy") ? fs_strdup(getenv("no_proxy"))
                                            : NULL;
        unsetenv("no_proxy");
        unsetenv("NO_PROXY");
        setenv("http_proxy", base, 1);
        fetch_paths(&opt, base, (const char *const *)fan, FAN, gf, NULL);
        unsetenv("http_proxy");
        if (no_proxy)
            setenv("no_proxy", no_proxy, 1);
        free(no_proxy);
        fan_ok = 1;
        for (int i = 0; i < FAN; i++)
            fan_ok &= gf[i].code == FS_OK && gf[i].status == 200;
        ok(fan_ok, "8 feeds through an HTTP proxy all complete");
        got_release(gf, FAN);
        fetch_paths(&opt, base, all, 1, gq, NULL);
        most = gq[0].body ? atoi(gq[0].body) : -1;
        if (most <= 2)
            printf("# through the proxy: %d at once\n", most);
        ok(most > 2, "through a proxy, --per-host does not cap the crawl");
        got_release(gq, 1);
        for (int i = 0; i < FAN; i++)
            free(fan[i]);
        opt.max_per_host = 4;
    }

    /* An interrupt abandons what is in flight and says so. */
    struct fetch_request slow[2] = {
        {.url = NULL, .user = (void *)(uintptr_t)0},
        {.url = NULL, .user = (void *)(uintptr_t)1},
    };
    char *u0 = fs_asprintf("%s/feed.rss", base);
    char *u1 = fs_asprintf("%s/slow", base);
    slow[0].url = u0;
    slow[1].url = u1;
    t0 = fetch_now_ms();
    fs_error ierr = {0};
    fs_code irc = fetch_all(&opt, slow, 2, on_done_interrupt, NULL, &ierr);
    ok(irc == FS_EINTR && fetch_now_ms() - t0 < 5000,
       "fetch_interrupt() stops a batch with a slow transfer at once");
    ok(strstr(ierr.msg, "1 of 2") != NULL, "and says how many were cut");
    free(u0);
    free(u1);

    fetch_global_cleanup();
    return tap_done();
}
