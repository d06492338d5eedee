/*
 * bench_files.c — the benchmarks' corpus loader and CPU clock
 * (see bench_files.h).
 */
#include "bench_files.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *name, const char *const *suffixes)
{
    size_t len = strlen(name);
    for (; *suffixes; suffixes++) {
        size_t n = strlen(*suffixes);
        if (len > n && !strcmp(name + len - n, *suffixes))
            return 1;
    }
    return 0;
}

fs_code bench_files_load(const char *dir, const char *const *suffixes,
                         struct bench_files *f, fs_error *err)
{
    memset(f, 0, sizeof(*f));
    DIR *d = opendir(dir);
    if (!d)
        return fs_error_set(err, FS_EIO, "%s: cannot open directory", dir);
    size_t alloc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (has_suffix(e->d_name, suffixes)) {
            FS_GROW(f->names, f->n + 1, alloc);
            f->names[f->n++] = fs_strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(f->names, f->n, sizeof(*f->names), name_cmp);
    f->data = fs_calloc(f->n ? f->n : 1, sizeof(*f->data));
    fs_code rc = FS_OK;
    for (size_t i = 0; rc == FS_OK && i < f->n; i++) {
        char *path = fs_asprintf("%s/%s", dir, f->names[i]);
        strbuf_init(&f->data[i], 0);
        rc = fs_read_file(path, &f->data[i], 0, err);
        f->bytes += f->data[i].len;
        free(path);
    }
    if (rc == FS_OK && f->n == 0)
        rc = fs_error_set(err, FS_EINVAL, "%s: no %s files", dir,
                          suffixes[0]);
    if (rc != FS_OK)
        bench_files_release(f);
    return rc;
}

void bench_files_release(struct bench_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        strbuf_release(&f->data[i]);
        free(f->names[i]);
    }
    free(f->data);
    free(f->names);
    memset(f, 0, sizeof(*f));
}
