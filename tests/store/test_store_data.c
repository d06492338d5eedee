/*
 * test_store_data.c — what the crawler and `list` rely on: feeds and their
 * check history, item upsert semantics (new / unchanged writes nothing /
 * updated keeps the body), uniqueness per (feed, guid), article bodies,
 * tag replacement with the added count, crawl runs, the list filters and
 * order, and hostile text (SQL metacharacters) round-tripping intact.
 */
#include "store.h"
#include "tap.h"
#include "testdb.h"

static struct store *st;
static sqlite3 *raw;       /* a second, plain connection for checks */
static fs_error err;

/* PRAGMA data_version on `raw` changes iff another connection committed
 * a change: how "writes nothing" is observed. */
static long long data_version(void)
{
    return testdb_int(raw, "PRAGMA data_version");
}

static struct store_item item(int64_t feed_id, const char *guid,
                              const char *title, int64_t published)
{
    struct store_item it = {
        .feed_id = feed_id, .guid = guid, .title = title,
        .link = "https://example.com/a", .summary = "summary",
        .body_state = STORE_BODY_PENDING, .published = published,
        .updated = FS_TIME_NONE, .first_seen = FS_TIME_NONE,
    };
    return it;
}

static int64_t add_item(const struct store_item *it)
{
    int64_t id = -1;
    enum store_upsert_result r;
    if (store_item_upsert(st, it, &id, &r, &err) != FS_OK)
        printf("# upsert failed: %s\n", err.msg);
    return id;
}

/* ---- feeds ----------------------------------------------------------- */

struct feed_seen {
    int n;
    char urls[8][128];
    int errors;
    char etag[64], title[64], last_error[64];
    int64_t last_checked, last_success, n_items;
};

static void copy_feed(const struct store_feed *f, void *ud)
{
    struct feed_seen *s = ud;
    s->errors = f->consecutive_errors;
    snprintf(s->etag, sizeof(s->etag), "%s", f->etag ? f->etag : "(null)");
    snprintf(s->title, sizeof(s->title), "%s", f->title ? f->title : "(null)");
    snprintf(s->last_error, sizeof(s->last_error), "%s",
             f->last_error ? f->last_error : "(null)");
    s->last_checked = f->last_checked;
    s->last_success = f->last_success;
    s->n_items = f->n_items;
}

static int each_feed(const struct store_feed *f, void *ud)
{
    struct feed_seen *s = ud;
    if (s->n < 8)
        snprintf(s->urls[s->n], sizeof(s->urls[0]), "%s", f->url);
    s->n++;
    return 0;
}

static void test_feeds(void)
{
    int64_t a, a2, b;
    struct feed_seen s = {0};
    is_int(store_feed_ensure(st, "https://b.example/feed", "Beta", &b, &err),
           FS_OK, "ensure a feed");
    store_feed_ensure(st, "https://a.example/feed", NULL, &a, &err);
    store_feed_ensure(st, "https://a.example/feed", NULL, &a2, &err);
    is_int(a2, a, "same URL, same feed id");
    ok(a != b, "different URL, different feed");
    is_int(store_feed_ensure(st, "", NULL, &a2, &err), FS_EINVAL,
           "a feed needs a URL");

    store_feeds_each(st, each_feed, &s, &err);
    is_int(s.n, 2, "feeds_each sees both feeds");
    is_str(s.urls[0], "https://b.example/feed", "ordered by name, else URL");

    long long v = data_version();
    store_feed_ensure(st, "https://b.example/feed", "Beta", &a2, &err);
    is_int(data_version(), v, "ensuring an unchanged feed writes nothing");
    store_feed_ensure(st, "https://a.example/feed", "Alpha", &a2, &err);
    char *name = testdb_text(raw, "SELECT name FROM feeds WHERE url ="
                                  " 'https://a.example/feed'");
    is_str(name, "Alpha", "ensure with a name renames");
    free(name);

    struct store_feed_check fail = {.checked_at = 100, .error = "HTTP 500"};
    store_feed_record_check(st, a, &fail, &err);
    fail.checked_at = 200;
    store_feed_record_check(st, a, &fail, &err);
    store_feed_get(st, a, copy_feed, &s, &err);
    is_int(s.errors, 2, "consecutive errors count up");
    is_str(s.last_error, "HTTP 500", "last error kept");
    is_int(s.last_checked, 200, "failure sets last_checked");
    is_int(s.last_success, FS_TIME_NONE, "failure leaves last_success");

    struct store_feed_check good = {.checked_at = 300, .ok = 1,
                                    .etag = "\"v1\"", .last_modified = "lm",
                                    .title = "Alpha News"};
    store_feed_record_check(st, a, &good, &err);
    store_feed_get(st, a, copy_feed, &s, &err);
    is_int(s.errors, 0, "success resets the error count");
    is_str(s.last_error, "(null)", "success clears the last error");
    is_str(s.etag, "\"v1\"", "success stores the etag");
    is_str(s.title, "Alpha News", "success stores the feed title");
    is_int(s.last_success, 300, "success sets last_success");

    store_feed_record_check(st, a, &fail, &err);
    struct store_feed_check same = {.checked_at = 400, .ok = 1,
                                    .not_modified = 1, .etag = "\"other\"",
                                    .title = "ignored"};
    store_feed_record_check(st, a, &same, &err);
    store_feed_get(st, a, copy_feed, &s, &err);
    is_int(s.last_checked, 400, "304 sets last_checked");
    is_int(s.last_success, 400, "304 sets last_success");
    is_str(s.etag, "\"v1\"", "304 keeps the validators");
    is_str(s.title, "Alpha News", "304 keeps the title");
    is_int(s.errors, 0, "304 is a success for the error count");

    good.etag = NULL;
    good.title = NULL;
    store_feed_record_check(st, a, &good, &err);
    store_feed_get(st, a, copy_feed, &s, &err);
    is_str(s.etag, "\"v1\"", "success without an etag keeps the old one");

    is_int(store_feed_record_check(st, 999999, &good, &err), FS_EINVAL,
           "check of an unknown feed is an error");
    is_int(store_feed_get(st, 999999, copy_feed, &s, &err), FS_EINVAL,
           "get of an unknown feed is an error");
}

/* ---- items ----------------------------------------------------------- */

static int64_t feed_x, feed_y;

static void test_upsert(void)
{
    enum store_upsert_result r;
    int64_t id, id2;
    struct store_item it = item(feed_x, "guid-1", "First title", 1000);

    is_int(store_item_upsert(st, &it, &id, &r, &err), FS_OK, "insert an item");
    is_int(r, STORE_ITEM_NEW, "new item is NEW");

    long long v = data_version();
    is_int(store_item_upsert(st, &it, &id2, &r, &err), FS_OK, "store again");
    is_int(r, STORE_ITEM_UNCHANGED, "unchanged item is UNCHANGED");
    is_int(id2, id, "unchanged item keeps its id");
    is_int(data_version(), v, "storing an unchanged item writes nothing");

    is_int(store_item_set_body(st, id, STORE_BODY_OK, "The article body.",
                               "https://example.com/canonical", NULL, &err),
           FS_OK, "set the article body");

    it.title = "First title (updated)";
    is_int(store_item_upsert(st, &it, &id2, &r, &err), FS_OK, "store changed");
    is_int(r, STORE_ITEM_UPDATED, "changed item is UPDATED");
    is_int(id2, id, "updated item keeps its id");
    ok(data_version() != v, "the update was written");
    char *body = testdb_text(raw, "SELECT body FROM items WHERE guid='guid-1'");
    is_str(body, "The article body.", "update keeps the body");
    free(body);
    char *t = testdb_text(raw, "SELECT title FROM items WHERE guid='guid-1'");
    is_str(t, "First title (updated)", "update stores the new title");
    free(t);
    is_int(testdb_int(raw, "SELECT body_state FROM items WHERE guid='guid-1'"),
           STORE_BODY_OK, "update keeps the body state");

    /* Each hashed field counts. */
    const char *what[] = {"link", "summary", "author", "published", "updated"};
    for (int i = 0; i < 5; i++) {
        struct store_item c = it;
        switch (i) {
        case 0: c.link = "https://example.com/b"; break;
        case 1: c.summary = NULL; break;
        case 2: c.author = "Someone"; break;
        case 3: c.published = 1001; break;
        case 4: c.updated = 5; break;
        }
        char label[64];
        snprintf(label, sizeof(label), "a changed %s is UPDATED", what[i]);
        store_item_upsert(st, &c, &id2, &r, &err);
        is_int(r, STORE_ITEM_UPDATED, label);
        store_item_upsert(st, &it, &id2, &r, &err); /* back */
    }
    /* Text moving between fields is a change too. */
    struct store_item m1 = item(feed_x, "guid-move", "ab", 1);
    m1.summary = "c";
    add_item(&m1);
    m1.title = "a";
    m1.summary = "bc";
    store_item_upsert(st, &m1, &id2, &r, &err);
    is_int(r, STORE_ITEM_UPDATED, "text moved between fields is a change");

    struct store_item other = item(feed_y, "guid-1", "Same guid elsewhere", 1);
    is_int(store_item_upsert(st, &other, &id2, &r, &err), FS_OK,
           "same guid in another feed");
    is_int(r, STORE_ITEM_NEW, "same guid in another feed is a new item");
    ok(id2 != id, "same guid in two feeds: two items");

    struct store_item bad = item(feed_x, NULL, "no guid", 1);
    is_int(store_item_upsert(st, &bad, &id2, &r, &err), FS_EINVAL,
           "an item needs a key");
    struct store_item orphan = item(424242, "g", "orphan", 1);
    is_int(store_item_upsert(st, &orphan, &id2, &r, &err), FS_EDB,
           "an item of an unknown feed is refused (foreign keys on)");
    is_int(store_item_set_body(st, 999999, STORE_BODY_OK, "x", NULL, NULL,
                               &err),
           FS_EINVAL, "body of an unknown item is an error");
}

struct pending_seen {
    int n;
    char guids[16][32];
};

static int each_pending(const struct store_item *it, void *ud)
{
    struct pending_seen *p = ud;
    if (p->n < 16)
        snprintf(p->guids[p->n], sizeof(p->guids[0]), "%s", it->guid);
    p->n++;
    /* Writing from the callback is allowed: rows are copied out first. */
    store_item_set_body(st, it->id, STORE_BODY_FAILED, NULL, NULL, "HTTP 404",
                        &err);
    return 0;
}

static int first_pending(const struct store_item *it, void *ud)
{
    (void)it;
    (*(int *)ud)++;
    return 1;
}

static void test_pending_bodies(void)
{
    int64_t f;
    store_feed_ensure(st, "https://pending.example/", NULL, &f, &err);
    struct store_item a = item(f, "p-old", "old", 1);
    a.first_seen = 10;
    struct store_item b = item(f, "p-new", "new", 1);
    b.first_seen = 20;
    struct store_item c = item(f, "p-none", "no link", 1);
    c.first_seen = 5;
    c.body_state = STORE_BODY_NONE;
    add_item(&b);
    add_item(&a);
    add_item(&c);

    /* Items from earlier tests are pending too: fail them all first. */
    struct pending_seen p = {0};
    int n = 0;
    store_items_pending_body(st, 0, first_pending, &n, &err);
    is_int(n, 1, "callback returning non-zero stops");
    store_items_pending_body(st, 0, each_pending, &p, &err);
    int i_old = -1, i_new = -1, none = 0;
    for (int i = 0; i < p.n && i < 16; i++) {
        if (!strcmp(p.guids[i], "p-old")) i_old = i;
        if (!strcmp(p.guids[i], "p-new")) i_new = i;
        if (!strcmp(p.guids[i], "p-none")) none = 1;
    }
    ok(i_old >= 0 && i_new > i_old, "pending items oldest first");
    ok(!none, "items without a page to fetch are not pending");
    p.n = 0;
    store_items_pending_body(st, 0, each_pending, &p, &err);
    is_int(p.n, 0, "items with a stored outcome are no longer pending");
    char *e = testdb_text(raw, "SELECT body_error FROM items WHERE guid='p-old'");
    is_str(e, "HTTP 404", "body error stored");
    free(e);

    for (int i = 0; i < 3; i++) {
        char g[16];
        snprintf(g, sizeof(g), "lim-%d", i);
        struct store_item x = item(f, g, "x", 1);
        add_item(&x);
    }
    p.n = 0;
    store_items_pending_body(st, 2, each_pending, &p, &err);
    is_int(p.n, 2, "limit caps the pending items");
}

/* ---- tags ------------------------------------------------------------ */

static void test_tags(void)
{
    int64_t id = add_item(&(struct store_item){
        .feed_id = feed_x, .guid = "tagged", .title = "t",
        .published = 1, .updated = FS_TIME_NONE, .first_seen = FS_TIME_NONE});
    struct store_tag set1[] = {
        {"a", "r1", "title", "alpha", 0},
        {"b/c", "r2", "body", "gamma", 1},
        {"b/c", "r3", "summary", "delta", 0},
    };
    size_t added = 99;
    is_int(store_item_set_tags(st, id, set1, 3, "v1", &added, &err), FS_OK,
           "set tags");
    is_int(added, 3, "three new (tag, rule) pairs");
    is_int(testdb_int(raw, "SELECT count(*) FROM item_tags"
                           " WHERE rules_version = 'v1'"),
           3, "rules version recorded");
    is_int(testdb_int(raw, "SELECT alert FROM item_tags WHERE rule_id='r2'"),
           1, "alert flag stored");

    long long v = data_version();
    store_item_set_tags(st, id, set1, 3, "v1", &added, &err);
    is_int(added, 0, "same tags again: none added");
    is_int(data_version(), v, "same tags again: nothing written");

    long long created = testdb_int(raw, "SELECT created FROM item_tags"
                                        " WHERE rule_id = 'r1'");
    struct store_tag set2[] = {
        {"a", "r1", "title", "ALPHA", 0},
        {"d", "r4", "title", "delta", 0},
        {"d", "r4", "title", "delta", 0}, /* duplicate in the input */
    };
    store_item_set_tags(st, id, set2, 3, "v2", &added, &err);
    is_int(added, 1, "replacing: only the new pair counts");
    is_int(testdb_int(raw, "SELECT count(*) FROM item_tags"), 2,
           "replacing removes pairs not in the new set");
    char *m = testdb_text(raw, "SELECT matched || ' ' || rules_version"
                               " FROM item_tags WHERE rule_id = 'r1'");
    is_str(m, "ALPHA v2", "kept pair gets the new evidence and version");
    free(m);
    is_int(testdb_int(raw, "SELECT created FROM item_tags WHERE rule_id='r1'"),
           created, "kept pair keeps its created time");

    /* Inside a caller's transaction the change rolls back with it. */
    store_begin(st, &err);
    is_int(store_item_set_tags(st, id, NULL, 0, "v3", &added, &err), FS_OK,
           "clear tags inside a transaction");
    store_rollback(st);
    is_int(testdb_int(raw, "SELECT count(*) FROM item_tags"), 2,
           "rolled back with the caller's transaction");

    struct store_tag bad[] = {{"e", "r5", NULL, NULL, 0}, {NULL, "r6", NULL,
                                                            NULL, 0}};
    is_int(store_item_set_tags(st, id, bad, 2, "v4", &added, &err), FS_EINVAL,
           "a NULL tag is refused");
    is_int(testdb_int(raw, "SELECT count(*) FROM item_tags"), 2,
           "refused set changes nothing");
    is_int(store_item_set_tags(st, 999999, set1, 1, "v1", &added, &err),
           FS_EDB, "tags of an unknown item are refused");
    is_int(added, 0, "failed set adds nothing");

    struct store_counts c;
    store_counts(st, &c, &err);
    is_int(c.tags, 2, "counts: distinct (item, tag) pairs");
    store_item_set_tags(st, id, NULL, 0, "v5", &added, &err);
    is_int(testdb_int(raw, "SELECT count(*) FROM item_tags"), 0,
           "an empty set removes all tags");

    /* A new item in the caller's transaction is tagged without reading
     * its tags (it has none); a second set for it, or one after the
     * commit, compares with what the first wrote. */
    struct store_tag set3[] = {
        {"x", "r7", "title", "xi", 0},
        {"y", "r8", "title", "upsilon", 0},
    };
    int64_t nid = 0;
    enum store_upsert_result ur;
    fs_code rc = store_begin(st, &err);
    struct store_item fresh = {
        .feed_id = feed_x, .guid = "fresh-tags", .title = "f",
        .published = 1, .updated = FS_TIME_NONE, .first_seen = FS_TIME_NONE};
    if (rc == FS_OK)
        rc = store_item_upsert(st, &fresh, &nid, &ur, &err);
    size_t added1 = 0, added2 = 0, added3 = 0;
    if (rc == FS_OK)
        rc = store_item_set_tags(st, nid, set3, 2, "v6", &added1, &err);
    if (rc == FS_OK)
        rc = store_item_set_tags(st, nid, set3, 1, "v6", &added2, &err);
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    if (rc == FS_OK)
        rc = store_begin(st, &err);
    if (rc == FS_OK)
        rc = store_item_set_tags(st, nid, set3, 2, "v6", &added3, &err);
    if (rc == FS_OK)
        rc = store_commit(st, &err);
    else
        store_rollback(st);
    ok(rc == FS_OK && ur == STORE_ITEM_NEW && added1 == 2 && added2 == 0 &&
       added3 == 1 &&
       testdb_int(raw, "SELECT count(*) FROM item_tags") == 2,
       "a new item's tags in one transaction, then replaced twice");
}

/* Two failure paths of this session's store changes: a new item tagged by
 * another connection between this one's insert (committed on its own) and
 * its own tagging keeps no stale tag; and closing a connection with a
 * write transaction open (after a near-duplicate lookup registered the
 * story index's hooks) rolls it back instead of crashing. */
static void test_fresh_item_and_close(void)
{
    char *path = testdb_path("fresh.db");
    struct store *a = NULL, *b = NULL;
    fs_code rc = store_open(path, &a, &err);
    if (rc == FS_OK)
        rc = store_open(path, &b, &err);
    int64_t feed = 0, id = 0, id2 = 0;
    if (rc == FS_OK)
        rc = store_feed_ensure(a, "https://f.example/", "F", &feed, &err);
    enum store_upsert_result ur;
    struct store_item it = {
        .feed_id = feed, .guid = "g",
        .title = "Gallium export licences take effect next month across "
                 "eight categories of chip materials",
        .published = 1700000000, .updated = FS_TIME_NONE,
        .first_seen = FS_TIME_NONE};
    if (rc == FS_OK)
        rc = store_item_upsert(a, &it, &id, &ur, &err);
    struct store_tag old_tag = {"old", "r1", "title", "gallium", 0};
    struct store_tag new_tag = {"new", "r2", "title", "export", 0};
    size_t added = 0;
    if (rc == FS_OK)
        rc = store_item_set_tags(b, id, &old_tag, 1, "v", &added, &err);
    if (rc == FS_OK)
        rc = store_item_set_tags(a, id, &new_tag, 1, "v", &added, &err);
    sqlite3 *r = testdb_raw_open(path);
    ok(rc == FS_OK && testdb_int(r, "SELECT count(*) FROM item_tags") == 1 &&
           testdb_int(r, "SELECT count(*) FROM item_tags WHERE tag = 'new'")
               == 1,
       "a tag another connection gave a new item is replaced, not kept");
    store_close(b);
    if (rc == FS_OK)
        rc = store_begin(a, &err);
    it.guid = "h";
    if (rc == FS_OK)
        rc = store_item_upsert(a, &it, &id2, &ur, &err);
    store_close(a); /* the write transaction is still open */
    ok(rc == FS_OK && id2 > id &&
           testdb_int(r, "SELECT count(*) FROM items WHERE guid = 'h'") == 0 &&
           testdb_int(r, "SELECT count(*) FROM items") == 1,
       "closing with a write transaction open rolls it back");
    sqlite3_close(r);
    free(path);
}

/* ---- runs ------------------------------------------------------------ */

static void test_runs(void)
{
    int64_t run;
    is_int(store_run_begin(st, 5000, &run, &err), FS_OK, "begin a run");
    struct store_run_stats s = {.finished_at = 5060, .feeds_ok = 3,
                                .feeds_failed = 1, .items_new = 7,
                                .tags_added = 4};
    is_int(store_run_finish(st, run, &s, &err), FS_OK, "finish a run");
    is_int(testdb_int(raw, "SELECT finished - started + items_new + tags_added"
                           " FROM runs ORDER BY id DESC LIMIT 1"),
           60 + 7 + 4, "run times and counts stored");
    is_int(store_run_finish(st, run + 100, &s, &err), FS_EINVAL,
           "finishing an unknown run is an error");
    struct store_counts c;
    store_counts(st, &c, &err);
    is_int(c.runs, 1, "counts: runs");
}

/* ---- list ------------------------------------------------------------ */

struct listed {
    int n;
    struct strbuf out; /* "title[tags]|" per row */
    int64_t last_time;
    int ordered;
};

static int collect(const struct store_list_row *r, void *ud)
{
    struct listed *l = ud;
    if (l->n && r->published > l->last_time)
        l->ordered = 0;
    l->last_time = r->published;
    strbuf_addstr(&l->out, r->title ? r->title : "(null)");
    strbuf_addch(&l->out, '[');
    for (size_t i = 0; i < r->n_tags; i++) {
        if (i)
            strbuf_addch(&l->out, ',');
        strbuf_addstr(&l->out, r->tags[i]);
    }
    strbuf_addstr(&l->out, "]|");
    l->n++;
    return 0;
}

/* The titles (with tags) that q lists, "a[x]|b[]|". */
static char *list_titles(const struct store_list_query *q)
{
    struct listed l = {.out = STRBUF_INIT, .ordered = 1};
    if (store_list(st, q, collect, &l, &err) != FS_OK)
        printf("# list failed: %s\n", err.msg);
    if (!l.ordered)
        strbuf_addstr(&l.out, "NOT-ORDERED");
    return strbuf_detach(&l.out, NULL);
}

static void tag_item(int64_t id, const char *tag)
{
    size_t added;
    struct store_tag t = {tag, "rule", "title", "m", 0};
    if (store_item_set_tags(st, id, &t, 1, "v", &added, &err) != FS_OK)
        printf("# set tags: %s\n", err.msg);
}

static void check_list(const struct store_list_query *q, const char *want,
                       const char *what)
{
    char *got = list_titles(q);
    is_str(got, want, what);
    free(got);
}

static void test_list(void)
{
    struct store *old = st;
    char *path = testdb_path("list.db");
    store_open(path, &st, &err);
    free(path);
    int64_t f1, f2;
    store_feed_ensure(st, "https://one.example/rss", "One", &f1, &err);
    store_feed_ensure(st, "https://two.example/rss", NULL, &f2, &err);

    /* published, else updated, else first_seen orders the list. */
    struct store_item a = item(f1, "a", "A", 1000);
    struct store_item b = item(f1, "b", "B", FS_TIME_NONE);
    b.updated = 3000;
    struct store_item c = item(f2, "c", "C", FS_TIME_NONE);
    c.first_seen = 2000;
    struct store_item d = item(f2, "d", "D", 4000);
    struct store_item e = item(f2, "e", "E", 500);
    struct store_item g = item(f1, "g", "G", 1000); /* ties A: later id first */
    /* Distinct links: items sharing one would be one story. */
    a.link = "https://one.example/a";
    b.link = "https://one.example/b";
    c.link = "https://two.example/c";
    d.link = "https://two.example/d";
    e.link = "https://two.example/e";
    g.link = "https://one.example/g";
    int64_t ia = add_item(&a), ib = add_item(&b), ic = add_item(&c);
    int64_t id = add_item(&d), ie = add_item(&e);
    add_item(&g);
    tag_item(ia, "markets");
    tag_item(ib, "markets/metals");
    tag_item(ic, "marketsfoo");
    tag_item(ie, "axb/c");
    size_t added;
    struct store_tag two[] = {{"zeta", "r1", NULL, NULL, 0},
                              {"a_b", "r1", NULL, NULL, 0},
                              {"markets/metals/gold", "r2", NULL, NULL, 0},
                              {"zeta", "r3", NULL, NULL, 0}};
    store_item_set_tags(st, id, two, 4, "v", &added, &err);

    struct store_list_query q = {.since = FS_TIME_NONE, .until = FS_TIME_NONE};
    check_list(&q,
               "D[a_b,markets/metals/gold,zeta]|B[markets/metals]|C[marketsfoo]|"
               "G[]|A[markets]|E[axb/c]|",
               "all items newest first, tags distinct and sorted");

    q.tag = "markets";
    check_list(&q, "D[a_b,markets/metals/gold,zeta]|B[markets/metals]|A[markets]|",
               "tag includes its children but not 'marketsfoo'");
    q.tag = "markets/metals";
    check_list(&q, "D[a_b,markets/metals/gold,zeta]|B[markets/metals]|",
               "tag filter on a child level");
    q.tag = "market";
    check_list(&q, "", "a tag prefix that is not a level matches nothing");
    q.tag = "a_b";
    check_list(&q, "D[a_b,markets/metals/gold,zeta]|",
               "'_' in a tag is not a wildcard");
    q.tag = "a%";
    check_list(&q, "", "'%' in a tag is not a wildcard");
    q.tag = "MARKETS";
    check_list(&q, "", "tags are case-sensitive");
    q.tag = NULL;

    q.feed = "One";
    check_list(&q, "B[markets/metals]|G[]|A[markets]|", "feed by name");
    q.feed = "https://two.example/rss";
    check_list(&q, "D[a_b,markets/metals/gold,zeta]|C[marketsfoo]|E[axb/c]|",
               "feed by URL");
    q.feed = "nope";
    check_list(&q, "", "unknown feed lists nothing");
    q.feed = NULL;

    q.since = 1000;
    q.until = 3000;
    check_list(&q, "C[marketsfoo]|G[]|A[markets]|",
               "since is inclusive, until exclusive");
    q.since = FS_TIME_NONE;
    q.until = 1000;
    check_list(&q, "E[axb/c]|", "until alone");
    q.until = FS_TIME_NONE;

    q.limit = 2;
    check_list(&q, "D[a_b,markets/metals/gold,zeta]|B[markets/metals]|", "limit");
    q.tag = "markets";
    q.feed = "One";
    q.limit = 1;
    check_list(&q, "B[markets/metals]|", "filters combine");

    store_close(st);
    st = old;
}

/* ---- hostile text ---------------------------------------------------- */

static const char *const evil[] = {
    "'; DROP TABLE items; --",
    "\"); DELETE FROM feeds; --",
    "Robert'); DROP TABLE item_tags;--",
    "100% _real_ \\ back\\slash ? ?1 :name @x $y",
    "multi\nline\ttext \xE2\x80\x94 \xE7\xA8\x80\xE5\x9C\x9F",
};

struct evil_row {
    int seen;
    int ok;
    const char *want;
};

static int check_evil_row(const struct store_list_row *r, void *ud)
{
    struct evil_row *e = ud;
    e->seen++;
    e->ok = r->title && r->link && r->feed && r->n_tags == 1 &&
            !strcmp(r->title, e->want) && !strcmp(r->link, e->want) &&
            !strcmp(r->feed, e->want) && !strcmp(r->tags[0], e->want);
    return 0;
}

static void test_sql_metacharacters(void)
{
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        const char *s = evil[i];
        char label[128];
        int64_t fid, iid;
        enum store_upsert_result r;
        size_t added;
        store_feed_ensure(st, s, s, &fid, &err);
        struct store_item it = {
            .feed_id = fid, .guid = s, .title = s, .link = s,
            .canonical_url = s, .author = s, .summary = s, .body = s,
            .body_state = STORE_BODY_FAILED, .body_error = s,
            .published = 7000, .updated = FS_TIME_NONE,
            .first_seen = FS_TIME_NONE};
        fs_code rc = store_item_upsert(st, &it, &iid, &r, &err);
        struct store_tag t = {s, s, s, s, 1};
        if (rc == FS_OK)
            rc = store_item_set_tags(st, iid, &t, 1, s, &added, &err);
        struct store_feed_check chk = {.checked_at = 1, .ok = 1, .etag = s,
                                       .last_modified = s, .title = s};
        if (rc == FS_OK)
            rc = store_feed_record_check(st, fid, &chk, &err);
        snprintf(label, sizeof(label), "hostile text %zu stored", i);
        is_int(rc, FS_OK, label);

        struct store_list_query q = {.tag = s, .feed = s,
                                     .since = FS_TIME_NONE,
                                     .until = FS_TIME_NONE};
        struct evil_row e = {.want = s};
        store_list(st, &q, check_evil_row, &e, &err);
        snprintf(label, sizeof(label), "hostile text %zu round-trips via list",
                 i);
        ok(e.seen == 1 && e.ok, label);

        sqlite3_stmt *stmt;
        sqlite3_prepare_v2(raw,
                           "SELECT count(*) FROM items i JOIN feeds f"
                           " ON f.id = i.feed_id JOIN item_tags t"
                           " ON t.item_id = i.id WHERE i.guid = ?1"
                           " AND i.author = ?1 AND i.summary = ?1"
                           " AND i.body = ?1 AND i.body_error = ?1"
                           " AND i.canonical_url = ?1 AND f.url = ?1"
                           " AND f.etag = ?1 AND f.last_modified = ?1"
                           " AND f.title = ?1 AND t.rule_id = ?1"
                           " AND t.field = ?1 AND t.matched = ?1"
                           " AND t.rules_version = ?1",
                           -1, &stmt, NULL);
        sqlite3_bind_text(stmt, 1, s, -1, SQLITE_STATIC);
        sqlite3_step(stmt);
        snprintf(label, sizeof(label), "hostile text %zu intact in every field",
                 i);
        is_int(sqlite3_column_int(stmt, 0), 1, label);
        sqlite3_finalize(stmt);
    }
    is_int(testdb_int(raw, "SELECT count(*) FROM sqlite_master"
                           " WHERE name IN ('items', 'feeds', 'item_tags')"),
           3, "all tables still there");
}

/* A tag with thousands of items takes the other plan (walk the items by
 * time, check each one's tags): the same rows, newest first, as a rare
 * tag's collect-and-sort plan gives. */
static void test_list_common_tag(void)
{
    struct store *old = st;
    char *path = testdb_path("list-common.db");
    store_open(path, &st, &err);
    free(path);
    int64_t f;
    store_feed_ensure(st, "https://bulk.example/rss", "Bulk", &f, &err);
    store_begin(st, &err);
    char guid[32], title[32], link[64];
    for (int i = 1; i <= 2100; i++) {
        snprintf(guid, sizeof(guid), "g%d", i);
        snprintf(title, sizeof(title), "T%d", i);
        snprintf(link, sizeof(link), "https://bulk.example/%d", i);
        struct store_item it = item(f, guid, title, 1000 + i);
        it.link = link;
        int64_t id = add_item(&it);
        /* every item under bulk/..., every 100th also under rare */
        struct store_tag t[] = {{i % 2 ? "bulk/odd" : "bulk", "r", NULL,
                                 NULL, 0},
                                {"rare", "r", NULL, NULL, 0}};
        size_t added;
        store_item_set_tags(st, id, t, i % 100 == 0 ? 2 : 1, "v", &added,
                            &err);
    }
    ok(store_commit(st, &err) == FS_OK, "2,100 tagged items stored");
    struct store_list_query q = {.since = FS_TIME_NONE, .until = FS_TIME_NONE,
                                 .tag = "bulk", .limit = 3};
    check_list(&q, "T2100[bulk,rare]|T2099[bulk/odd]|T2098[bulk]|",
               "common tag: newest first, children included");
    q.offset = 2;
    check_list(&q, "T2098[bulk]|T2097[bulk/odd]|T2096[bulk]|",
               "common tag: offset pages by stories");
    q.offset = 0;
    q.tag = "bulk/odd";
    check_list(&q, "T2099[bulk/odd]|T2097[bulk/odd]|T2095[bulk/odd]|",
               "common child tag");
    q.tag = "rare";
    check_list(&q, "T2100[bulk,rare]|T2000[bulk,rare]|T1900[bulk,rare]|",
               "rare tag: same order through the other plan");
    store_close(st);
    st = old;
}

int main(void)
{
    testdb_mkdir();
    char *path = testdb_path("data.db");
    if (store_open(path, &st, &err) != FS_OK) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    raw = testdb_raw_open(path);
    free(path);

    test_feeds();
    store_feed_ensure(st, "https://x.example/", "X", &feed_x, &err);
    store_feed_ensure(st, "https://y.example/", "Y", &feed_y, &err);
    test_upsert();
    test_pending_bodies();
    test_tags();
    test_runs();
    test_list();
    test_list_common_tag();
    test_sql_metacharacters();
    test_fresh_item_and_close();

    sqlite3_close(raw);
    store_close(st);
    testdb_cleanup();
    return tap_done();
}
