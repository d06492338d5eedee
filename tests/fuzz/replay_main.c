/*
 * replay_main.c — run a fuzz harness over saved inputs, without libFuzzer.
 *
 * usage: replay_NAME PATH...   (files, or directories read one level deep,
 * in name order).  Prints TAP: one "ok" per input that ran without
 * crashing; a crash or sanitizer report ends the process, which the test
 * runner reports as a failure naming the last input announced on stderr.
 * A missing path is skipped so that an empty regress/ directory is fine.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

static int n_run;

static void replay_file(const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    fs_error err;
    if (fs_read_file(path, &sb, 0, &err) != FS_OK) {
        printf("not ok %d - %s\n", ++n_run, err.msg);
        strbuf_release(&sb);
        return;
    }
    fprintf(stderr, "replay: %s\n", path);  /* names the culprit on a crash */
    LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
    printf("ok %d - %s\n", ++n_run, path);
    fflush(stdout);
    strbuf_release(&sb);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, alloc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        FS_GROW(names, n + 1, alloc);
        names[n++] = fs_asprintf("%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        replay_file(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            replay_dir(argv[i]);
        else
            replay_file(argv[i]);
    }
    printf("1..%d\n", n_run);
    return 0;
}
