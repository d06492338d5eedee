/*
 * test_schedule.c — the polling policy of fetcher/schedule.c: adaptive
 * intervals, publisher hints, backoff, Retry-After, 410.
 */
#include "fetcher.h"
#include "tap.h"

#include <stdlib.h>

#define NOW 1700000000LL
#define MIN 60LL

static struct schedule_policy policy(void)
{
    struct schedule_policy p;
    schedule_policy_default(&p);
    return p;
}

static struct schedule_decision decide(const struct schedule_input *in)
{
    struct schedule_policy p = policy();
    struct schedule_decision d;
    schedule_next(&p, in, &d);
    return d;
}

static struct schedule_input ok_input(void)
{
    struct schedule_input in = {.now = NOW, .outcome = SCHEDULE_OK,
                                .max_age = -1, .retry_after = -1};
    return in;
}

static void test_adaptive(void)
{
    struct schedule_input in = ok_input();
    struct schedule_decision d = decide(&in);
    is_int(d.interval, 30 * MIN, "nothing known: the default 30 minutes");
    is_int(d.next_due, NOW + 30 * MIN, "next due = now + interval");

    int64_t hourly[] = {NOW, NOW - 3600, NOW - 7200, NOW - 10800};
    in.item_times = hourly;
    in.n_item_times = 4;
    d = decide(&in);
    is_int(d.interval, 30 * MIN, "hourly items: half the median gap");

    int64_t busy[] = {NOW, NOW - 60, NOW - 120, NOW - 180, FS_TIME_NONE};
    in.item_times = busy;
    in.n_item_times = 5;
    d = decide(&in);
    is_int(d.interval, 5 * MIN, "a gap of one minute: clamped to the minimum");

    int64_t stale[] = {NOW - 400 * 86400LL, NOW - 800 * 86400LL};
    in.item_times = stale;
    in.n_item_times = 2;
    d = decide(&in);
    is_int(d.interval, 6 * 3600, "a feed silent for a year: the maximum");

    int64_t same[] = {NOW, NOW, NOW};
    in.item_times = same;
    in.n_item_times = 3;
    in.prev_interval = 40 * MIN;
    in.new_items = 2;
    d = decide(&in);
    is_int(d.interval, 20 * MIN, "no usable dates, new items: interval halves");

    in = ok_input();
    in.outcome = SCHEDULE_NOT_MODIFIED;
    in.prev_interval = 40 * MIN;
    d = decide(&in);
    is_int(d.interval, 50 * MIN, "304: interval grows by a quarter");
    in.prev_interval = 6 * 3600;
    d = decide(&in);
    is_int(d.interval, 6 * 3600, "304: never beyond the maximum");
}

static void test_hints(void)
{
    struct schedule_input in = ok_input();
    in.feed_hint = 4 * 3600;
    struct schedule_decision d = decide(&in);
    is_int(d.interval, 4 * 3600, "ttl of 4 hours is a lower bound");
    in.feed_hint = 30 * 86400;
    d = decide(&in);
    is_int(d.interval, 6 * 3600, "a hint beyond the maximum: the maximum wins");
    in.feed_hint = 0;
    in.max_age = 7200;
    d = decide(&in);
    is_int(d.interval, 7200, "Cache-Control max-age is a lower bound");
    in.max_age = 10;
    d = decide(&in);
    is_int(d.interval, 30 * MIN, "a short max-age changes nothing");
}

static void test_errors(void)
{
    struct schedule_input in = {.now = NOW, .outcome = SCHEDULE_ERROR,
                                .prev_interval = 1800, .max_age = -1,
                                .retry_after = -1, .consecutive_errors = 1};
    struct schedule_decision d = decide(&in);
    is_int(d.next_due, NOW + 5 * MIN, "first error: retry in 5 minutes");
    is_int(d.interval, 1800, "errors keep the poll interval");
    ok(!d.disable, "an error does not disable");
    in.consecutive_errors = 3;
    d = decide(&in);
    is_int(d.next_due, NOW + 20 * MIN, "third error: 20 minutes");
    in.consecutive_errors = 40;
    d = decide(&in);
    is_int(d.next_due, NOW + 24 * 3600, "backoff capped at a day");
    in.consecutive_errors = 1;
    in.retry_after = 120;
    d = decide(&in);
    is_int(d.next_due, NOW + 5 * MIN, "Retry-After shorter than backoff");
    in.retry_after = 7200;
    d = decide(&in);
    is_int(d.next_due, NOW + 7200, "Retry-After longer than backoff wins");
    in.retry_after = 365 * 86400LL;
    d = decide(&in);
    is_int(d.next_due, NOW + 7 * 86400, "Retry-After capped at a week");
    in.outcome = SCHEDULE_GONE;
    d = decide(&in);
    ok(d.disable, "410 Gone disables the feed");
}

static void test_header_parsing(void)
{
    is_int(fetch_parse_max_age("public, max-age=600"), 600, "max-age");
    is_int(fetch_parse_max_age("MAX-AGE=\"90\", must-revalidate"), 90,
           "quoted, upper case");
    is_int(fetch_parse_max_age("no-cache"), 0, "no-cache is 0");
    is_int(fetch_parse_max_age("private"), -1, "no max-age: -1");
    is_int(fetch_parse_max_age(NULL), -1, "no header: -1");
    is_int(fetch_parse_max_age("max-age=abc"), -1, "garbage: -1");
    char *ua = fetch_user_agent("https://example.org/bot");
    ok(!strncmp(ua, "feedsift/", 9) && strstr(ua, "(+https://example.org/bot)"),
       "User-Agent with contact URL");
    free(ua);
    ua = fetch_user_agent(NULL);
    ok(!strchr(ua, '('), "User-Agent without contact");
    free(ua);
}

int main(void)
{
    test_adaptive();
    test_hints();
    test_errors();
    test_header_parsing();
    return tap_done();
}
