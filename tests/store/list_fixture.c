/*
 * list_fixture.c — writes the small database test_list_cli.py lists:
 *   list_fixture PATH
 * Two feeds, four items with known times and tags, one with SQL
 * metacharacters in its title, one with neither date nor link.
 */
#include "store.h"

#include <stdio.h>

static int64_t at(const char *when)
{
    int64_t t = FS_TIME_NONE;
    fs_time_parse_when(when, 0, &t, NULL);
    return t;
}

static fs_code add(struct store *st, int64_t feed, const char *guid,
                   const char *title, const char *link, int64_t published,
                   int64_t first_seen, const struct store_tag *tags,
                   size_t n_tags, fs_error *err)
{
    struct store_item it = {
        .feed_id = feed, .guid = guid, .title = title, .link = link,
        .published = published, .updated = FS_TIME_NONE,
        .first_seen = first_seen,
    };
    int64_t id;
    size_t added;
    enum store_upsert_result r;
    fs_code rc = store_item_upsert(st, &it, &id, &r, err);
    if (rc == FS_OK)
        rc = store_item_set_tags(st, id, tags, n_tags, "test", &added, err);
    return rc;
}

int main(int argc, char **argv)
{
    struct store *st;
    fs_error err = {0};
    int64_t metals, other;
    if (argc != 2) {
        fprintf(stderr, "usage: list_fixture PATH\n");
        return 2;
    }
    static const struct store_tag quotas[] = {
        {"rare-earths/quotas", "quota-rule", "title", "quotas", 1},
        {"markets/metals", "metal-rule", "title", "rare-earth", 0},
        {"markets/metals", "metal-rule-2", "summary", "smelting", 0},
    };
    static const struct store_tag markets[] = {
        {"markets", "m", "title", "Copper", 0}};
    static const struct store_tag foo[] = {
        {"marketsfoo", "f", "title", "DROP", 0}};
    int64_t seen = at("2025-04-22T00:00:00Z");
    fs_code rc = store_open(argv[1], &st, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "https://metals.example/rss",
                               "Metals Daily", &metals, &err);
    if (rc == FS_OK)
        rc = store_feed_ensure(st, "https://other.example/feed", NULL,
                               &other, &err);
    struct store_feed_check chk = {.checked_at = seen, .ok = 1,
                                   .title = "Other Feed"};
    if (rc == FS_OK)
        rc = store_feed_record_check(st, other, &chk, &err);
    if (rc == FS_OK)
        rc = add(st, metals, "1", "China sets 2025 rare-earth quotas",
                 "https://metals.example/quotas",
                 at("2025-04-20T10:00:00Z"), seen, quotas, 3, &err);
    if (rc == FS_OK)
        rc = add(st, metals, "2", "Copper, \"quoted\" title",
                 "https://metals.example/copper",
                 at("2025-04-19T08:30:00Z"), seen, markets, 1, &err);
    if (rc == FS_OK)
        rc = add(st, other, "3", "Unrelated headline", NULL, FS_TIME_NONE,
                 at("2025-04-18T00:00:00Z"), NULL, 0, &err);
    if (rc == FS_OK)
        rc = add(st, other, "4", "'; DROP TABLE items; --",
                 "https://other.example/x?a=1&b='2'",
                 at("2025-04-21T00:00:00Z"), seen, foo, 1, &err);
    store_close(st);
    if (rc != FS_OK) {
        fprintf(stderr, "list_fixture: %s\n", err.msg);
        return 1;
    }
    return 0;
}
