/*
 * bench_files.h — what the in-process benchmarks share: the process's CPU
 * clock and a corpus of files read into memory before anything is timed.
 *
 * Invariants: files are loaded in name order (runs are comparable), every
 * data[i] and names[i] is owned by the corpus until bench_files_release().
 */
#ifndef FEEDSIFT_BENCH_FILES_H
#define FEEDSIFT_BENCH_FILES_H

#include "util.h"

struct bench_files {
    struct strbuf *data;   /* file contents, in name order */
    char **names;          /* base names, same order */
    size_t n;
    size_t bytes;          /* sum of the contents' lengths */
};

/* CPU seconds used by this process so far. */
double bench_cpu_seconds(void);

/* Load every file of dir whose name ends in one of suffixes (a NULL-ended
 * list); FS_EINVAL when there is none.  On failure f holds nothing. */
fs_code bench_files_load(const char *dir, const char *const *suffixes,
                         struct bench_files *f, fs_error *err);
void bench_files_release(struct bench_files *f);

#endif
