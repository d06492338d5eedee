/*
 * alert_deliver.c — turn due alerts of the outbox into deliveries.
 *
 * Channels (any combination; see alert_deliver.h for the contract):
 *   exec     sh -c CMD, the payload on stdin, killed after the timeout;
 *            exit status 0 means delivered.
 *   webhook  POST application/json; with a secret, the header
 *            X-Feedsift-Signature: sha256=HEX(HMAC-SHA256(secret, body))
 *            lets the receiver check the body came from us.
 *   stdout   one JSON line per alert.
 * Each attempt is recorded right after it, so a crash mid-batch repeats
 * at most the alert in flight.
 */
#include "alert_deliver.h"
#include "cli.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST 60
#define BACKOFF_MAX (6 * 3600)

void alert_channels_init(struct alert_channels *ch)
{
    memset(ch, 0, sizeof(*ch));
    ch->exec = getenv("FEEDSIFT_ALERT_EXEC");
    ch->webhook = getenv("FEEDSIFT_ALERT_WEBHOOK");
    const char *secret = getenv("FEEDSIFT_ALERT_SECRET");
    ch->secret = secret && *secret ? fs_strdup(secret) : NULL;
    ch->timeout_ms = 30000;
    const char *t = getenv("FEEDSIFT_ALERT_TIMEOUT");
    int64_t secs;
    if (t && fs_duration_parse(t, &secs) == FS_OK && secs > 0 &&
        secs < 86400)
        ch->timeout_ms = (long)secs * 1000;
    fetch_options_default(&ch->fopt);
    ch->fopt.timeout_ms = ch->timeout_ms;
    ch->fopt.connect_timeout_ms = 10000;
    if (ch->exec && !*ch->exec)
        ch->exec = NULL;
    if (ch->webhook && !*ch->webhook)
        ch->webhook = NULL;
}

static int read_secret(struct alert_channels *ch, const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    fs_error err = {0};
    if (fs_read_file(path, &sb, 65536, &err) != FS_OK) {
        strbuf_release(&sb);
        return cli_fail("alerts", &err);
    }
    strbuf_trim(&sb); /* a trailing newline is not part of the key */
    if (!sb.len) {
        strbuf_release(&sb);
        return cli_usage_error("alerts", "%s: the secret file is empty",
                               path);
    }
    free(ch->secret);
    ch->secret = strbuf_detach(&sb, NULL);
    return 0;
}

int alert_channels_option(struct alert_channels *ch, int id, const char *arg)
{
    switch (id - ALERT_OPT_BASE) {
    case 0: ch->exec = arg; return 0;
    case 1:
        if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
            return cli_usage_error("alerts", "--alert-webhook wants an "
                                             "http(s) URL, not '%s'", arg);
        ch->webhook = arg;
        return 0;
    case 2: return read_secret(ch, arg);
    case 3: ch->to_stdout = 1; return 0;
    }
    return -1;
}

int alert_channels_finish(struct alert_channels *ch)
{
    const char *ca = getenv("FEEDSIFT_CA_FILE"); /* an https webhook's CA */
    if (!ch->fopt.ca_file && ca && *ca)
        ch->fopt.ca_file = ca;
    const char *file = getenv("FEEDSIFT_ALERT_SECRET_FILE");
    if (ch->secret || !file || !*file)
        return 0;
    return read_secret(ch, file);
}

void alert_channels_release(struct alert_channels *ch)
{
    free(ch->secret);
    ch->secret = NULL;
}

int alert_channels_any(const struct alert_channels *ch)
{
    return ch->exec || ch->webhook || ch->to_stdout;
}

/* ---- payload --------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
    char buf[32];
    fs_time_rfc3339(t, buf);
    return *buf ? json_string(buf) : json_null();
}

json_t *alert_payload(const struct store_alert *a)
{
    json_t *tags = json_array();
    for (const char *p = a->tags; p && *p;) {
        size_t n = strcspn(p, " ");
        if (n)
            json_array_append_new(tags, json_stringn(p, n));
        p += n + (p[n] == ' ');
    }
    json_t *evidence = json_array();
    for (size_t i = 0; i < a->n_evidence; i++) {
        const struct store_alert_evidence *e = &a->evidence[i];
        json_t *o = json_object();
        json_object_set_new(o, "tag", str_or_null(e->tag));
        json_object_set_new(o, "rule", str_or_null(e->rule_id));
        json_object_set_new(o, "field", str_or_null(e->field));
        json_object_set_new(o, "matched", str_or_null(e->matched));
        json_array_append_new(evidence, o);
    }
    json_t *sources = json_array();
    for (size_t i = 0; i < a->n_sources; i++) {
        const struct store_alert_source *s = &a->sources[i];
        json_t *o = json_object();
        json_object_set_new(o, "feed", str_or_null(s->feed));
        json_object_set_new(o, "title", str_or_null(s->title));
        json_object_set_new(o, "link", str_or_null(s->link));
        json_array_append_new(sources, o);
    }
    json_t *o = json_object();
    json_object_set_new(o, "idempotency_key",
                        json_string(a->idempotency_key));
    json_object_set_new(o, "alert_id", json_integer(a->id));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "title", str_or_null(a->title));
    json_object_set_new(o, "link", str_or_null(a->link));
    json_object_set_new(o, "canonical_url", str_or_null(a->canonical_url));
    json_object_set_new(o, "feed", str_or_null(a->feed));
    json_object_set_new(o, "published", time_or_null(a->published));
    json_object_set_new(o, "created", time_or_null(a->created));
    json_object_set_new(o, "evidence", evidence);
    json_object_set_new(o, "sources", sources);
    return o;
}

/* ---- channels -------------------------------------------------------- */

/* Run sh -c cmd with body on stdin.  The child gets its own process
 * group so a timeout kills whatever it started too. */
static fs_code deliver_exec(const struct alert_channels *ch, const char *body,
                            size_t len, fs_error *err)
{
    int fds[2];
    if (pipe(fds) != 0)
        return fs_error_set(err, FS_EIO, "alert exec: pipe: %s",
                            strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return fs_error_set(err, FS_EIO, "alert exec: fork: %s",
                            strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        /* The alert goes to stdin only: the child's stdout must not mix
         * into ours (it may be --alert-stdout's JSON lines). */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", ch->exec, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    /* A child that exits without reading must not kill us with SIGPIPE. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    /* One JSON line: a command that appends stdin to a file (cat >>)
     * keeps one alert per line. */
    struct strbuf line = STRBUF_INIT;
    strbuf_add(&line, body, len);
    strbuf_addch(&line, '\n');
    for (size_t off = 0; off < line.len;) {
        ssize_t w = write(fds[1], line.buf + off, line.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    strbuf_release(&line);
    close(fds[1]);
    sigaction(SIGPIPE, &old, NULL);

    int status = 0;
    long waited = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 &&
           waited < ch->timeout_ms) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        waited += 20;
    }
    if (r == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        return fs_error_set(err, FS_ENET, "alert exec '%s': no exit after "
                            "%ld ms, killed", ch->exec, ch->timeout_ms);
    }
    if (r < 0)
        return fs_error_set(err, FS_EIO, "alert exec '%s': %s", ch->exec,
                            strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return FS_OK;
    if (WIFEXITED(status))
        return fs_error_set(err, FS_EHTTP, "alert exec '%s': exit status %d",
                            ch->exec, WEXITSTATUS(status));
    return fs_error_set(err, FS_EHTTP, "alert exec '%s': killed by signal %d",
                        ch->exec, WTERMSIG(status));
}

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static fs_code deliver_webhook(const struct alert_channels *ch,
                               const struct store_alert *a, const char *body,
                               size_t len, fs_error *err)
{
    char sig[2 * EVP_MAX_MD_SIZE + 1] = "";
    const char *headers[4];
    size_t n = 0;
    headers[n++] = "Content-Type: application/json";
    char *key = fs_asprintf("Idempotency-Key: %s", a->idempotency_key);
    headers[n++] = key;
    char *sig_header = NULL;
    if (ch->secret) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        if (!HMAC(EVP_sha256(), ch->secret, (int)strlen(ch->secret),
                  (const unsigned char *)body, len, md, &md_len)) {
            free(key);
            return fs_error_set(err, FS_EIO, "alert webhook: HMAC-SHA256 "
                                             "failed");
        }
        hex(md, md_len, sig);
        sig_header = fs_asprintf("X-Feedsift-Signature: sha256=%s", sig);
        headers[n++] = sig_header;
    }
    long status = 0;
    fs_code rc = fetch_post(&ch->fopt, ch->webhook, body, len, headers, n,
                            &status, err);
    free(key);
    free(sig_header);
    return rc;
}

/* ---- the batch ------------------------------------------------------- */

struct deliver_ctx {
    struct store *st;
    const struct alert_channels *ch;
    struct alert_delivery_stats *stats;
    fs_code rc;
    fs_error *err;
};

static int64_t next_attempt(int attempts_before, int64_t now)
{
    if (attempts_before + 1 >= ALERT_MAX_ATTEMPTS)
        return FS_TIME_NONE;
    int64_t d = BACKOFF_FIRST;
    for (int i = 0; i < attempts_before && d < BACKOFF_MAX; i++)
        d *= 2;
    return now + (d < BACKOFF_MAX ? d : BACKOFF_MAX);
}

static int deliver_one(const struct store_alert *a, void *ud)
{
    struct deliver_ctx *dc = ud;
    const struct alert_channels *ch = dc->ch;
    json_t *payload = alert_payload(a);
    char *body = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(payload);
    if (!body)
        fs_oom();
    size_t len = strlen(body);
    fs_error derr = {0};
    fs_code rc = FS_OK;
    if (ch->exec)
        rc = deliver_exec(ch, body, len, &derr);
    if (rc == FS_OK && ch->webhook)
        rc = deliver_webhook(ch, a, body, len, &derr);
    if (rc == FS_OK && ch->to_stdout) {
        fputs(body, stdout);
        fputc('\n', stdout);
        if (fflush(stdout) != 0)
            rc = fs_error_set(&derr, FS_EIO, "stdout: %s", strerror(errno));
    }
    free(body);

    int64_t next = FS_TIME_NONE;
    if (rc == FS_OK) {
        dc->stats->sent++;
        fs_log(FS_LOG_INFO, "alert %lld delivered: %s", (long long)a->id,
               a->title ? a->title : "");
    } else {
        dc->stats->failed++;
        next = next_attempt(a->attempts, fs_time_now());
        char when[32];
        fs_time_rfc3339(next, when);
        fs_log(FS_LOG_WARN, "alert %lld not delivered (attempt %d): %s; %s%s",
               (long long)a->id, a->attempts + 1, derr.msg,
               next == FS_TIME_NONE ? "no more automatic retries ('feedsift "
                                      "alerts retry')"
                                    : "next try ",
               when);
    }
    dc->rc = store_alert_record_attempt(dc->st, a->id, rc == FS_OK,
                                        rc == FS_OK ? NULL : derr.msg, next,
                                        dc->err);
    return dc->rc != FS_OK;
}

fs_code alerts_deliver_due(struct store *st, const struct alert_channels *ch,
                           struct alert_delivery_stats *stats, fs_error *err)
{
    memset(stats, 0, sizeof(*stats));
    if (!alert_channels_any(ch))
        return FS_OK;
    struct store_alert_query q = {.due_only = 1, .now = fs_time_now(),
                                  .status = -1, .since = FS_TIME_NONE};
    struct deliver_ctx dc = {.st = st, .ch = ch, .stats = stats,
                             .rc = FS_OK, .err = err};
    fs_code rc = store_alerts_each(st, &q, deliver_one, &dc, err);
    return rc != FS_OK ? rc : dc.rc;
}
