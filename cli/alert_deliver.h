/*
 * alert_deliver.h — delivering the alert outbox (store/alerts.c) over the
 * configured channels: a command fed the alert as JSON on stdin, a
 * webhook POST (optionally HMAC-SHA256 signed), JSON lines on stdout.
 *
 * An alert counts as sent when every configured channel took it; a
 * failure on any channel retries all of them later (receivers drop
 * repeats by the idempotency key), with backoff: 1, 2, 4 ... minutes up
 * to 6 hours, and no automatic retry after ALERT_MAX_ATTEMPTS.
 */
#ifndef FEEDSIFT_CLI_ALERT_DELIVER_H
#define FEEDSIFT_CLI_ALERT_DELIVER_H

#include "fetcher.h"
#include "store.h"

#include <jansson.h>

#define ALERT_MAX_ATTEMPTS 12

struct alert_channels {
    const char *exec;          /* shell command, alert JSON on stdin */
    const char *webhook;       /* URL to POST the alert JSON to */
    char *secret;              /* HMAC key for the webhook, or NULL */
    int to_stdout;             /* JSON lines on stdout */
    long timeout_ms;           /* per delivery, per channel */
    struct fetch_options fopt; /* webhook: timeouts, User-Agent */
};

/* Long options every alert-delivering command accepts; ids from
 * ALERT_OPT_BASE.  Handle them with alert_channels_option(). */
#define ALERT_OPT_BASE 900
#define ALERT_LONGOPTS                                                      \
    {"alert-exec", required_argument, NULL, ALERT_OPT_BASE},                \
    {"alert-webhook", required_argument, NULL, ALERT_OPT_BASE + 1},         \
    {"alert-secret-file", required_argument, NULL, ALERT_OPT_BASE + 2},     \
    {"alert-stdout", no_argument, NULL, ALERT_OPT_BASE + 3}
#define ALERT_HELP                                                          \
    "  --alert-exec CMD     run CMD (sh -c) per alert, the alert as JSON on\n" \
    "                       stdin; exit 0 = delivered ($FEEDSIFT_ALERT_EXEC)\n" \
    "  --alert-webhook URL  POST each alert as JSON; 2xx = delivered\n"     \
    "                       ($FEEDSIFT_ALERT_WEBHOOK)\n"                    \
    "  --alert-secret-file F  sign webhook bodies with HMAC-SHA256 using the\n" \
    "                       key in F ($FEEDSIFT_ALERT_SECRET holds the key\n" \
    "                       itself): header X-Feedsift-Signature: sha256=HEX\n" \
    "  --alert-stdout       print each alert as a JSON line on stdout\n"

/* Defaults from the environment: FEEDSIFT_ALERT_EXEC, _WEBHOOK, _SECRET,
 * and _TIMEOUT (a duration per delivery and channel, default 30s). */
void alert_channels_init(struct alert_channels *ch);
/* Handle option id (ALERT_OPT_BASE...) with arg: 0 handled, -1 not an
 * alert option, EXIT_USAGE/1 on a bad value (message printed). */
int alert_channels_option(struct alert_channels *ch, int id, const char *arg);
/* After the options: without a key from --alert-secret-file or
 * $FEEDSIFT_ALERT_SECRET, read $FEEDSIFT_ALERT_SECRET_FILE (set by the
 * config file's alert_secret_file).  0, or an exit code after the message. */
int alert_channels_finish(struct alert_channels *ch);
void alert_channels_release(struct alert_channels *ch);
int alert_channels_any(const struct alert_channels *ch);

/* The alert as delivered (see README "Alert payload").  New reference. */
json_t *alert_payload(const struct store_alert *a);

struct alert_delivery_stats {
    int sent;
    int failed;
};
/* Deliver every due alert (pending, or failed and due for a retry);
 * each outcome is recorded at once.  Store errors stop and are returned;
 * delivery errors are logged and counted. */
fs_code alerts_deliver_due(struct store *st, const struct alert_channels *ch,
                           struct alert_delivery_stats *stats, fs_error *err);

#endif /* FEEDSIFT_CLI_ALERT_DELIVER_H */
