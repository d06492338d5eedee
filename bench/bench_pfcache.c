/*
 * bench_pfcache.c — how long until a rule set's Vectorscan prefilter is
 * ready: compiled (a cold cache: rule_set_prefilter_prepare() starts the
 * compile, the time runs until the prefilter is published) against loaded
 * from the on-disk cache (a warm one: prepare() returns with it in use).
 * Both in one run, per rules file, with the ratio.
 *
 * Wall time is measured with CLOCK_MONOTONIC, CPU with the process clock
 * (all threads: the compile runs on the builder thread).  "cold, total"
 * also includes writing the entry (rule_set_free() waits for it).  Each
 * figure is the best of BENCH_REPS (default 3) turns; cold and warm
 * alternate, so load changes fall on both alike.
 *
 * usage: bench_pfcache CACHE_DIR RULES_FILE...
 *   (CACHE_DIR's entries for these rules are removed for the cold turns)
 */
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rule_set *load(const char *path)
{
    struct rule_set *set = NULL;
    fs_error err = {0};
    if (rule_set_load(path, &set, &err) != FS_OK) {
        fprintf(stderr, "bench_pfcache: %s\n", err.msg);
        exit(1);
    }
    return set;
}

struct turn {
    double ready_wall, ready_cpu; /* prepare() until the prefilter is in use */
    double total_wall, total_cpu; /* ... and the set freed (entry written) */
};

static void min_turn(struct turn *best, const struct turn *t, int first)
{
    if (first || t->ready_wall < best->ready_wall)
        best->ready_wall = t->ready_wall;
    if (first || t->ready_cpu < best->ready_cpu)
        best->ready_cpu = t->ready_cpu;
    if (first || t->total_wall < best->total_wall)
        best->total_wall = t->total_wall;
    if (first || t->total_cpu < best->total_cpu)
        best->total_cpu = t->total_cpu;
}

static struct turn one_turn(const char *rules, const char *dir,
                            const char *want_source)
{
    struct rule_set *set = load(rules);
    struct turn t;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    rule_set_prefilter_prepare(set, dir);
    while (!rule_set_prefiltered(set))
        usleep(200);
    t.ready_wall = clock_s(CLOCK_MONOTONIC) - w0;
    t.ready_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (strcmp(rule_set_prefilter_source(set), want_source) != 0) {
        fprintf(stderr, "bench_pfcache: %s: prefilter from %s, expected "
                "%s\n", rules, rule_set_prefilter_source(set), want_source);
        exit(1);
    }
    rule_set_free(set);
    t.total_wall = clock_s(CLOCK_MONOTONIC) - w0;
    t.total_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_pfcache CACHE_DIR RULES_FILE...\n");
        return 2;
    }
    const char *e = getenv("BENCH_REPS");
    int reps = e && atoi(e) > 0 ? atoi(e) : 3;
    const char *dir = argv[1];
    unsetenv("FEEDSIFT_PREFILTER");
    printf("%s; best of %d turns; wall (CPU) seconds\n", classifier_engine(),
           reps);
    printf("%-28s %6s %8s %16s %16s %16s %9s\n", "rules", "rules",
           "entry KB", "compile, ready", "cold, total", "cache, ready",
           "ratio");
    for (int i = 2; i < argc; i++) {
        struct rule_set *set = load(argv[i]);
        size_t n_rules = rule_set_count(set);
        char *entry = rule_set_prefilter_cache_path(set, dir);
        rule_set_free(set);
        if (!entry) {
            printf("%s: no prefilter in this build\n", argv[i]);
            continue;
        }
        struct turn cold = {0}, warm = {0};
        for (int r = 0; r < reps; r++) {
            unlink(entry);
            struct turn t = one_turn(argv[i], dir, "compiled");
            min_turn(&cold, &t, r == 0);
            t = one_turn(argv[i], dir, "cache");
            min_turn(&warm, &t, r == 0);
        }
        struct stat st;
        double kb = stat(entry, &st) == 0 ? (double)st.st_size / 1024 : -1;
        const char *base = strrchr(argv[i], '/');
        printf("%-28s %6zu %8.0f %7.3f (%6.3f) %7.3f (%6.3f) %7.4f (%6.4f) "
               "%8.0fx\n", base ? base + 1 : argv[i], n_rules, kb,
               cold.ready_wall, cold.ready_cpu, cold.total_wall,
               cold.total_cpu, warm.ready_wall, warm.ready_cpu,
               warm.ready_wall > 0 ? cold.ready_wall / warm.ready_wall : 0);
        free(entry);
    }
    return 0;
}
