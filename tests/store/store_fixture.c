/*
 * store_fixture.c — databases for the review-command tests
 * (test_review_cli.py), written through store/ as a crawl would:
 *
 *   store_fixture build PATH      the scenario database (below)
 *   store_fixture hold PATH SECS  open PATH, start a write transaction,
 *                                 insert items, print "holding" and keep
 *                                 the transaction open SECS seconds, then
 *                                 commit and print "committed"
 *
 * The scenario (times are relative to now, so `--since 1d` and
 * `prune --older-than` mean the same thing on every run):
 *  - the same wire story three times: feed A and feed B under one canonical
 *    URL spelled two ways (URL dedup), feed C under another URL with small
 *    edits to the text (simhash dedup);
 *  - an item of feed A whose title changed on a later crawl (same guid:
 *    updated in place, the old text kept as a version);
 *  - a headline full of SQL and FTS5 metacharacters;
 *  - an untagged recent item, and two 40-day-old items (one tagged, one
 *    untagged) for prune.
 * Ids: 1 quotas (A), 2 quotas (B), 3 quotas edited (C), 4 copper (A),
 * 5 evil (B), 6 wheat (C), 7 old tagged (A), 8 old untagged (A).
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct store *st;
static fs_error err;

static int64_t add(int64_t feed, const char *guid, const char *title,
                   const char *link, const char *summary, int64_t published,
                   int64_t seen)
{
    struct store_item it = {
        .feed_id = feed, .guid = guid, .title = title, .link = link,
        .summary = summary, .published = published,
        .updated = FS_TIME_NONE, .first_seen = seen,
        .body_state = link ? STORE_BODY_PENDING : STORE_BODY_NONE,
    };
    int64_t id = 0;
    enum store_upsert_result r;
    if (store_item_upsert(st, &it, &id, &r, &err) != FS_OK) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        exit(1);
    }
    return id;
}

static void tag(int64_t id, const struct store_tag *t, size_t n)
{
    size_t added;
    if (store_item_set_tags(st, id, t, n, "fixture-1", &added, &err) !=
        FS_OK) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        exit(1);
    }
}

static void body(int64_t id, const char *text, const char *canonical)
{
    if (store_item_set_body(st, id, STORE_BODY_OK, text, canonical, NULL,
                            &err) != FS_OK) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        exit(1);
    }
}

#define WIRE                                                               \
    "Beijing announced the first batch of rare earth mining and smelting " \
    "quotas for the year on Tuesday, keeping output steady while tightening " \
    "controls on exports of processing technology, the ministry said"
#define WIRE_EDITED                                                        \
    "Beijing announced the first batch of rare earth mining and smelting " \
    "quotas for the year on Tuesday, keeping output steady while tightening " \
    "controls on exports of processing technology, the ministry said late"

static int build(const char *path)
{
    int64_t now = (int64_t)time(NULL), a, b, c;
    int64_t h = 3600, d = 86400;
    if (store_open(path, &st, &err) != FS_OK ||
        store_feed_ensure(st, "http://a.example/rss", "Wire A", &a, &err) ||
        store_feed_ensure(st, "http://b.example/rss", "Wire B", &b, &err) ||
        store_feed_ensure(st, "http://c.example/rss", "Paper C", &c, &err)) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        return 1;
    }
    static const struct store_tag quotas[] = {
        {"rare-earths/quotas", "re-quota", "title", "rare-earth quotas", 1},
        {"rare-earths", "re-any", "summary", "rare earth", 0},
    };
    static const struct store_tag copper[] = {
        {"markets/metals", "metals", "title", "Copper", 0}};
    static const struct store_tag evil[] = {
        {"markets", "mk", "title", "DROP", 0}};
    static const struct store_tag old[] = {
        {"markets/metals", "metals", "title", "Zinc", 0}};

    int64_t i1 = add(a, "a-quotas", "China sets 2025 rare-earth quotas",
                     "https://www.news.example/quotas/?utm_source=rss",
                     WIRE, now - 3 * h, now - 3 * h);
    int64_t i2 = add(b, "b-quotas", "China sets 2025 rare-earth quotas",
                     "http://news.example/quotas#top", WIRE, now - 2 * h,
                     now - 2 * h);
    int64_t i3 = add(c, "c-quotas", "China sets 2025 rare-earth quotas",
                     "https://paper-c.example/world/2025/quotas-china",
                     WIRE_EDITED, now - 1 * h, now - 1 * h);
    tag(i1, quotas, 2);
    tag(i2, quotas, 2);
    tag(i3, quotas, 2);
    body(i1, WIRE " Analysts expect prices of neodymium to hold. "
             "Xylophonequasar is the rare token of this article.",
         "https://news.example/quotas");

    /* Same guid, new title on the next crawl: one item, one version. */
    int64_t i4 = add(a, "a-copper", "Copper prices slip in London",
                     "https://a.example/copper", "Copper fell on Monday.",
                     now - 5 * h, now - 5 * h);
    int64_t i4b = add(a, "a-copper", "Copper prices rise in London",
                      "https://a.example/copper", "Copper rose on Monday.",
                      now - 5 * h, now - 5 * h);
    if (i4 != i4b) {
        fprintf(stderr, "store_fixture: update made a new item\n");
        return 1;
    }
    tag(i4, copper, 1);

    int64_t i5 = add(b, "b-evil", "'; DROP TABLE items; -- \"quoted\" 100% a_b",
                     "https://b.example/x?a=1&b='2'",
                     "Markets: NEAR(x y) AND OR NOT * ^ -- ;", now - 6 * h,
                     now - 6 * h);
    tag(i5, evil, 1);
    add(c, "c-wheat", "Wheat harvest begins in Kansas", NULL,
        "Farmers started cutting winter wheat.", now - 7 * h, now - 7 * h);
    int64_t i7 = add(a, "a-zinc", "Zinc smelter closes", "https://a.example/zinc",
                     "An old story about a zinc smelter.", now - 40 * d,
                     now - 40 * d);
    tag(i7, old, 1);
    add(a, "a-old", "Old untagged news", "https://a.example/old",
        "Nothing to see.", now - 41 * d, now - 41 * d);
    store_close(st);
    return 0;
}

static int hold(const char *path, int secs)
{
    int64_t a, now = (int64_t)time(NULL);
    if (store_open(path, &st, &err) != FS_OK ||
        store_feed_ensure(st, "http://w.example/rss", "Writer", &a, &err) ||
        store_begin(st, &err) != FS_OK) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        return 1;
    }
    char guid[32], title[64];
    for (int i = 0; i < 200; i++) {
        snprintf(guid, sizeof(guid), "w-%d", i);
        snprintf(title, sizeof(title), "Writer headline number %d", i);
        add(a, guid, title, NULL, "written while readers read", now, now);
    }
    printf("holding\n");
    fflush(stdout);
    sleep((unsigned)secs);
    if (store_commit(st, &err) != FS_OK) {
        fprintf(stderr, "store_fixture: %s\n", err.msg);
        return 1;
    }
    printf("committed\n");
    store_close(st);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "build"))
        return build(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "hold"))
        return hold(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: store_fixture build PATH | hold PATH SECS\n");
    return 2;
}
