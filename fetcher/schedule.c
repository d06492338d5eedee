/*
 * schedule.c — when to poll a feed next.
 *
 * A pure function of what the last check saw; the crawler stores its
 * decision (next_due, poll_interval) with the feed.  The policy:
 *
 *  - Success: the interval follows how often the feed publishes.  When
 *    the document has two or more dated items, half the median gap
 *    between consecutive items (so a story waits on average a quarter of
 *    the gap).  Without dates, or on a 304, the previous interval shrinks
 *    by half when new items came and grows by a quarter when none did.
 *    The result is clamped to [min_interval, max_interval].
 *  - Publisher hints (RSS ttl, sy:updatePeriod, Cache-Control max-age)
 *    are lower bounds: we never poll sooner than the publisher asks, but
 *    the user's max_interval still wins over a hint of "once a month".
 *  - Failure: exponential backoff from min_interval, doubling with each
 *    consecutive error, capped at max_backoff.  A Retry-After (429, 503)
 *    is honoured when it asks for more (capped at a week: a typo in a
 *    server config must not silence a feed forever).
 *  - 410 Gone: the feed is disabled until the user enables it again.
 *
 * Invariants: next_due > now for every outcome; interval within
 * [min_interval, max_interval] for successes.
 */
#include "fetcher.h"

#include <stdlib.h>

#define RETRY_AFTER_CAP (7 * 24 * 3600LL)

void schedule_policy_default(struct schedule_policy *p)
{
    p->min_interval = 5 * 60;
    p->max_interval = 6 * 3600;
    p->default_interval = 30 * 60;
    p->max_backoff = 24 * 3600;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int cmp_time(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Median gap between distinct item times; 0 when fewer than two. */
static int64_t median_gap(const int64_t *times, size_t n)
{
    if (n < 2)
        return 0;
    int64_t *t = fs_malloc(n * sizeof(*t));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (times[i] != FS_TIME_NONE)
            t[m++] = times[i];
    qsort(t, m, sizeof(*t), cmp_time);
    size_t k = 0; /* gaps, written over t */
    for (size_t i = 1; i < m; i++)
        if (t[i] > t[i - 1])
            t[k++] = t[i] - t[i - 1];
    int64_t med = 0;
    if (k > 0) {
        qsort(t, k, sizeof(*t), cmp_time);
        med = t[k / 2];
    }
    free(t);
    return med;
}

static int64_t success_interval(const struct schedule_policy *p,
                                const struct schedule_input *in)
{
    int64_t gap = median_gap(in->item_times, in->n_item_times);
    int64_t iv;
    if (gap > 0)
        iv = gap / 2;
    else if (in->prev_interval <= 0)
        iv = p->default_interval;
    else if (in->new_items > 0)
        iv = in->prev_interval / 2;
    else
        iv = in->prev_interval + in->prev_interval / 4;
    iv = clamp64(iv, p->min_interval, p->max_interval);

    int64_t hint = in->feed_hint;
    if (in->max_age > hint)
        hint = in->max_age;
    if (hint > iv)
        iv = hint < p->max_interval ? hint : p->max_interval;
    return iv;
}

static int64_t backoff_delay(const struct schedule_policy *p,
                             const struct schedule_input *in)
{
    int64_t d = p->min_interval;
    for (int i = 1; i < in->consecutive_errors && d < p->max_backoff; i++)
        d *= 2;
    if (d > p->max_backoff)
        d = p->max_backoff;
    if (in->retry_after > d)
        d = in->retry_after < RETRY_AFTER_CAP ? in->retry_after
                                              : RETRY_AFTER_CAP;
    return d;
}

void schedule_next(const struct schedule_policy *p,
                   const struct schedule_input *in,
                   struct schedule_decision *out)
{
    out->disable = 0;
    out->interval = in->prev_interval;
    switch (in->outcome) {
    case SCHEDULE_OK:
    case SCHEDULE_NOT_MODIFIED:
        out->interval = success_interval(p, in);
        out->next_due = in->now + out->interval;
        return;
    case SCHEDULE_GONE:
        out->disable = 1;
        out->next_due = in->now + p->max_backoff;
        return;
    case SCHEDULE_ERROR:
        break;
    }
    out->next_due = in->now + backoff_delay(p, in);
}
