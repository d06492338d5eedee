/*
 * test_pfcache.c — the on-disk cache of the compiled Vectorscan prefilter
 * (rules_pfcache.c, rule_set_prefilter_prepare()), with real rule files
 * and real cache files in a temporary directory:
 *   - a cold prepare compiles at once (not after 8 MB) and writes the
 *     entry (created directory 0755, file 0644); a warm one loads it and
 *     the prefilter is in use before prepare returns, no compile;
 *   - the cached prefilter gives exactly the plain loop's tags and
 *     evidence on the labeled set (shipped rules) and on mixed texts;
 *   - a corrupt, truncated, foreign, wrong-key or others-writable file is
 *     ignored and rewritten; an unwritable cache directory costs nothing but the
 *     cache; FEEDSIFT_PREFILTER=0 writes nothing;
 *   - the key changes with one pattern, with the case mode, and not with
 *     a reload of the same text; old entries are pruned;
 *   - threads matching while the prepared compile is published.
 *
 * usage: test_pfcache LABELED.jsonl
 */
#include "tap.h"
#include "classifier.h"
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char SMALL_RULES[] =
    "[rule lit]\ntag = a/lit\nany = \\brare[- ]earths?\\b\n"
    "[rule backref]\ntag = a/backref\nany = \\b([a-z]{3,}) \\1\\b\n"
    "[rule lookbehind]\ntag = a/lb\nany = (?<=\\bthe )won\\b\n"
    "[rule cs]\ntag = a/cs\ncase = sensitive\nany = \\bFed\\b\n"
    "[rule recursion]\ntag = a/rec\nany = \\((?:[^()]|(?R))*\\)\n"
    "[rule near]\ntag = a/near\nnear = \\bquotas?\\b ~3 \\bchina\\b\n"
    "[rule allr]\ntag = a/all\nall = \\boil\\b\nall = \\bprices?\\b\n"
    "none = \\bolive oil\\b\n"
    "[rule scored]\ntag = a/score\nthreshold = 2\nscore = 1 \\btariffs?\\b\n"
    "score = 1 \\bsteel\\b\nscore = -2 \\bfootball\\b\n"
    "[rule bounded]\ntag = a/bounded\nany = \\b[a-z]{2,5}-\\d{1,3}\\b\n";

static struct rule_set *load_text(const char *text)
{
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load_buffer(text, strlen(text), "t.rules", &set, &err) !=
        FS_OK)
        printf("# load: %s\n", err.msg);
    return set;
}

#ifdef FEEDSIFT_HAVE_HS
static char tmp[256]; /* the test's directory */

static const char *const TEXTS[] = {
    "Rare earths quotas hit China output",
    "the won won the day",
    "Fed raises rates; fed up with oil prices",
    "olive oil prices (and (nested) parens)",
    "tariffs on steel, not football",
    "xyz-999 and abc-12",
    "nothing to see here",
    "quota for China steel tariffs",
};

static struct rule_set *load_default(void)
{
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(FEEDSIFT_RULES_DEFAULT, &set, &err) != FS_OK)
        printf("# load: %s\n", err.msg);
    return set;
}

/* Wait (at most 60 s) until the prepared compile is published. */
static int wait_prefiltered(const struct rule_set *set)
{
    for (int i = 0; i < 30000 && !rule_set_prefiltered(set); i++)
        usleep(2000);
    return rule_set_prefiltered(set);
}

static char *hits_of(const struct rule_set *set, const struct classify_input *in)
{
    struct classification c;
    fs_error err;
    rule_set_match(set, in, &c, &err);
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c.n_hits; i++)
        strbuf_addf(&sb, "%s%s:%s:%s:%s:%zu-%zu", i ? "|" : "",
                    c.hits[i].tag, c.hits[i].rule_id, c.hits[i].field,
                    c.hits[i].matched, c.hits[i].start, c.hits[i].end);
    classification_release(&c);
    return strbuf_detach(&sb, NULL);
}

/* All TEXTS as title and body, one string: what a set says about them. */
static char *all_hits(const struct rule_set *set)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < sizeof(TEXTS) / sizeof(TEXTS[0]); i++) {
        struct classify_input in = {TEXTS[i], NULL, TEXTS[i], NULL, NULL};
        char *h = hits_of(set, &in);
        strbuf_addf(&sb, "%s\n", h);
        free(h);
    }
    return strbuf_detach(&sb, NULL);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static int file_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* How many prefilter-*.hsdb entries dir holds. */
static int count_entries(const char *dir)
{
    char *cmd = fs_asprintf("ls %s 2>/dev/null | grep -c '^prefilter-.*\\.hsdb$'",
                            dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    free(cmd);
    return n;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static struct strbuf read_all(const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    fs_error err;
    fs_read_file(path, &sb, 0, &err);
    return sb;
}

/* Cold, then warm, with the shipped rules; the cached prefilter against
 * the plain loop on the labeled set. */
static void test_default_cold_warm(const char *labeled)
{
    char *dir = fs_asprintf("%s/cache/deep/feedsift", tmp);
    unsetenv("FEEDSIFT_PREFILTER");
    struct rule_set *set = load_default();
    if (!ok(set, "default rules load"))
        return;
    char *path = rule_set_prefilter_cache_path(set, dir);
    ok(path && strstr(path, "/prefilter-") && file_size(path) < 0,
       "cold: an entry path, no file yet");
    is_str(rule_set_prefilter_source(set), "none", "cold: no prefilter at load");
    rule_set_prefilter_prepare(set, dir);
    ok(wait_prefiltered(set), "cold: prepare compiles at once (no 8 MB "
                              "of text needed)");
    is_str(rule_set_prefilter_source(set), "compiled", "cold: compiled");
    rule_set_free(set); /* waits for the cache write */
    ok(file_size(path) > 100, "cold: the entry is written");
    is_int(file_mode(path), 0644, "entry mode 0644");
    is_int(file_mode(dir), 0755, "created directory mode 0755");

    set = load_default();
    rule_set_prefilter_prepare(set, dir);
    ok(rule_set_prefiltered(set), "warm: prefilter in use when prepare "
                                  "returns");
    is_str(rule_set_prefilter_source(set), "cache", "warm: loaded, not "
                                                    "compiled");
    struct strbuf d = STRBUF_INIT;
    rule_set_engine_describe(set, &d);
    ok(strstr(d.buf, "loaded from the cache") != NULL, d.buf);
    strbuf_release(&d);

    setenv("FEEDSIFT_PREFILTER", "0", 1);
    struct rule_set *plain = load_default();
    unsetenv("FEEDSIFT_PREFILTER");
    FILE *f = fopen(labeled, "r");
    char line[65536];
    size_t n = 0, same = 0;
    while (f && fgets(line, sizeof(line), f)) {
        json_t *item = json_loads(line, 0, NULL);
        if (!item)
            continue;
        struct classify_input in = {
            json_string_value(json_object_get(item, "title")),
            json_string_value(json_object_get(item, "summary")),
            json_string_value(json_object_get(item, "body")), NULL, NULL};
        char *a = hits_of(set, &in), *p = hits_of(plain, &in);
        n++;
        if (!strcmp(a, p))
            same++;
        else
            printf("# differs: %s\n#  cached: %s\n#  plain: %s\n", in.title,
                   a, p);
        free(a);
        free(p);
        json_decref(item);
    }
    if (f)
        fclose(f);
    ok(n > 100 && same == n, "labeled set: the cached prefilter gives the "
                             "plain loop's tags and evidence on every item");
    is_str(rule_set_prefilter_source(set), "cache", "still the cached one");
    rule_set_free(plain);
    rule_set_free(set);
    free(path);
    free(dir);
}

/* Damage the entry of SMALL_RULES in some way; the next prepare must
 * ignore it, compile, and leave a good entry behind. */
static void damaged(const char *dir, const char *path, const char *how,
                    const char *want_hits)
{
    struct strbuf good = read_all(path);
    if (!strcmp(how, "corrupt")) {
        good.buf[good.len - good.len / 3] ^= 0x55; /* inside the database */
        write_bytes(path, good.buf, good.len);
    } else if (!strcmp(how, "truncated")) {
        write_bytes(path, good.buf, good.len / 2);
    } else if (!strcmp(how, "wrong key")) {
        good.buf[8] ^= 1; /* the key in the header */
        write_bytes(path, good.buf, good.len);
    } else if (!strcmp(how, "writable by others")) {
        /* intact, but anyone could have put it there */
        write_bytes(path, good.buf, good.len);
        chmod(path, 0666);
    } else if (!strcmp(how, "header only")) {
        write_bytes(path, good.buf, 96);
    } else {
        write_bytes(path, "not a cache file\n", 17);
    }
    strbuf_release(&good);
    struct rule_set *set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir);
    char *what = fs_asprintf("%s entry: ignored, compiled", how);
    ok(wait_prefiltered(set) &&
           !strcmp(rule_set_prefilter_source(set), "compiled"), what);
    free(what);
    char *h = all_hits(set);
    what = fs_asprintf("%s entry: same hits as the plain loop", how);
    is_str(h, want_hits, what);
    free(what);
    free(h);
    rule_set_free(set);
    set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir);
    what = fs_asprintf("%s entry: rewritten (next run loads it)", how);
    is_str(rule_set_prefilter_source(set), "cache", what);
    free(what);
    rule_set_free(set);
}

static void test_damaged(void)
{
    char *dir = fs_asprintf("%s/small", tmp);
    setenv("FEEDSIFT_PREFILTER", "0", 1);
    struct rule_set *plain = load_text(SMALL_RULES);
    unsetenv("FEEDSIFT_PREFILTER");
    char *want = all_hits(plain);
    rule_set_free(plain);
    ok(strstr(want, "a/near") && strstr(want, "a/rec") &&
           strstr(want, "a/score"), "the texts make several rules fire");

    struct rule_set *set = load_text(SMALL_RULES);
    char *path = rule_set_prefilter_cache_path(set, dir);
    rule_set_prefilter_prepare(set, dir);
    wait_prefiltered(set);
    rule_set_free(set);
    ok(file_size(path) > 0, "small rules: entry written");
    set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir);
    is_str(rule_set_prefilter_source(set), "cache", "small rules: warm load");
    char *h = all_hits(set);
    is_str(h, want, "small rules: cached prefilter == plain loop");
    free(h);
    rule_set_free(set);

    damaged(dir, path, "corrupt", want);
    damaged(dir, path, "truncated", want);
    damaged(dir, path, "wrong key", want);
    damaged(dir, path, "header only", want);
    damaged(dir, path, "writable by others", want);
    ok(file_mode(path) == 0644, "writable-by-others entry replaced by a "
                                "0644 one");
    damaged(dir, path, "foreign", want);

    /* A FIFO planted at the entry's name (a cache directory others can
     * write): refused without blocking the open, and not replaced by a
     * compile's rename either way the test ends. */
    unlink(path);
    ok(mkfifo(path, 0644) == 0, "a FIFO at the entry's name");
    set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir); /* used to block in open() */
    wait_prefiltered(set);
    is_str(rule_set_prefilter_source(set), "compiled",
           "a FIFO is not read: compiled instead");
    rule_set_free(set);
    free(want);
    free(path);
    free(dir);
}

/* A cache directory that cannot be made or written is no error. */
static void test_unwritable(void)
{
    char *file = fs_asprintf("%s/plainfile", tmp);
    write_bytes(file, "x", 1);
    char *dir = fs_asprintf("%s/sub", file); /* under a regular file */
    struct rule_set *set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir);
    ok(wait_prefiltered(set) &&
           !strcmp(rule_set_prefilter_source(set), "compiled"),
       "unwritable cache dir: compiled all the same");
    char *h = all_hits(set);
    ok(strstr(h, "a/lit") != NULL, "unwritable cache dir: matching works");
    free(h);
    rule_set_free(set);
    ok(file_size(dir) < 0, "unwritable cache dir: nothing there");

    /* NULL: compile now, no cache */
    set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, NULL);
    ok(wait_prefiltered(set) &&
           !strcmp(rule_set_prefilter_source(set), "compiled"),
       "no cache dir: compiled at once");
    ok(rule_set_prefilter_cache_path(set, NULL) == NULL,
       "no cache dir: no entry path");
    rule_set_free(set);

    /* FEEDSIFT_PREFILTER=0: nothing built, nothing written */
    char *off = fs_asprintf("%s/off", tmp);
    setenv("FEEDSIFT_PREFILTER", "0", 1);
    set = load_text(SMALL_RULES);
    unsetenv("FEEDSIFT_PREFILTER");
    rule_set_prefilter_prepare(set, off);
    usleep(20000);
    ok(!rule_set_prefiltered(set) &&
           !strcmp(rule_set_prefilter_source(set), "none"),
       "FEEDSIFT_PREFILTER=0: prepare builds nothing");
    rule_set_free(set);
    ok(file_size(off) < 0, "FEEDSIFT_PREFILTER=0: no cache directory made");
    free(off);
    free(dir);
    free(file);
}

static char *path_for(const char *text, const char *dir)
{
    struct rule_set *set = load_text(text);
    char *p = rule_set_prefilter_cache_path(set, dir);
    rule_set_free(set);
    return p ? p : fs_strdup("");
}

static void test_key(void)
{
    char *edited = fs_strdup(SMALL_RULES);
    char *at = strstr(edited, "rare[- ]earths?");
    at[1] = 'o'; /* "rore": one character of one pattern */
    /* the same patterns, the cs rule no longer case sensitive */
    struct strbuf sb = STRBUF_INIT;
    const char *cs = strstr(SMALL_RULES, "case = sensitive\n");
    strbuf_add(&sb, SMALL_RULES, (size_t)(cs - SMALL_RULES));
    strbuf_addstr(&sb, cs + strlen("case = sensitive\n"));
    char *a = path_for(SMALL_RULES, tmp), *b = path_for(SMALL_RULES, tmp);
    char *c = path_for(edited, tmp), *d = path_for(sb.buf, tmp);
    is_str(a, b, "key: the same rules give the same key");
    ok(*a && strcmp(a, c) != 0, "key: one pattern edited changes the key");
    ok(*a && strcmp(a, d) != 0, "key: the case mode (flags) changes the key");
    /* the rule text around the patterns does not enter the compile */
    char *renamed = fs_strdup(SMALL_RULES);
    memcpy(strstr(renamed, "tag = a/lit"), "tag = z/lit", 11);
    char *e = path_for(renamed, tmp);
    is_str(e, a, "key: a tag change keeps the key (the patterns are the "
                 "same)");
    free(renamed);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    strbuf_release(&sb);
    free(edited);
}

/* Old entries go when a new one is written; the 8 most recent stay. */
static void test_prune(void)
{
    char *dir = fs_asprintf("%s/prune", tmp);
    mkdir(dir, 0755);
    time_t now = time(NULL);
    for (int i = 0; i < 12; i++) {
        char *p = fs_asprintf("%s/prefilter-%02d.hsdb", dir, i);
        write_bytes(p, "old", 3);
        /* 0-3: unused for 40 days; 4-11: recent, 4 the oldest */
        time_t t = i < 4 ? now - 40 * 86400 : now - 1000 + i;
        struct timeval tv[2] = {{t, 0}, {t, 0}};
        utimes(p, tv);
        free(p);
    }
    char *stale = fs_asprintf("%s/.prefilter-XyZ123", dir);
    write_bytes(stale, "partial", 7);
    struct timeval tv[2] = {{now - 7200, 0}, {now - 7200, 0}};
    utimes(stale, tv);
    struct rule_set *set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, dir);
    wait_prefiltered(set);
    rule_set_free(set);
    is_int(count_entries(dir), 8, "prune: 8 entries kept");
    char *oldest = fs_asprintf("%s/prefilter-00.hsdb", dir);
    char *kept = fs_asprintf("%s/prefilter-11.hsdb", dir);
    char *dropped = fs_asprintf("%s/prefilter-04.hsdb", dir);
    ok(file_size(oldest) < 0 && file_size(dropped) < 0 &&
           file_size(kept) == 3, "prune: the least recently used went");
    ok(file_size(stale) < 0, "prune: a writer's leftover went");
    free(oldest);
    free(kept);
    free(dropped);
    free(stale);
    free(dir);
}

/* Threads match while the prepared compile is published and written. */
struct job {
    const struct rule_set *set;
    const char *want;
    int same;
};

static void *job_run(void *arg)
{
    struct job *j = arg;
    j->same = 1;
    for (int round = 0; round < 30; round++) {
        char *h = all_hits(j->set);
        j->same &= !strcmp(h, j->want);
        free(h);
    }
    return NULL;
}

static void test_threads(void)
{
    char *dir = fs_asprintf("%s/threads", tmp);
    setenv("FEEDSIFT_PREFILTER", "0", 1);
    struct rule_set *plain = load_text(SMALL_RULES);
    unsetenv("FEEDSIFT_PREFILTER");
    char *want = all_hits(plain);
    rule_set_free(plain);
    int all = 1;
    for (int warm = 0; warm < 2; warm++) {
        struct rule_set *set = load_text(SMALL_RULES);
        rule_set_prefilter_prepare(set, dir);
        struct job jobs[3];
        pthread_t th[3];
        for (int t = 0; t < 3; t++) {
            jobs[t] = (struct job){set, want, 0};
            pthread_create(&th[t], NULL, job_run, &jobs[t]);
        }
        for (int t = 0; t < 3; t++) {
            pthread_join(th[t], NULL);
            all &= jobs[t].same;
        }
        rule_set_free(set);
    }
    ok(all, "3 threads matching during the prepared compile and from the "
            "cache get the plain loop's hits");
    free(want);
    free(dir);
}

#endif /* FEEDSIFT_HAVE_HS */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_pfcache LABELED.jsonl\n");
        return 2;
    }
#ifndef FEEDSIFT_HAVE_HS
    (void)argv;
    struct rule_set *set = load_text(SMALL_RULES);
    rule_set_prefilter_prepare(set, "/nonexistent/feedsift-cache");
    is_str(rule_set_prefilter_source(set), "none",
           "no Vectorscan: prepare is a no-op");
    rule_set_free(set);
    return tap_done();
#else
    snprintf(tmp, sizeof(tmp), "%s/feedsift-pfcache-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    unsetenv("FEEDSIFT_PREFILTER");
    test_default_cold_warm(argv[1]);
    test_damaged();
    test_unwritable();
    test_key();
    test_prune();
    test_threads();
    char *cmd = fs_asprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmp);
    free(cmd);
    return tap_done();
#endif
}
