/*
 * testdb.h — scratch directories and raw file/SQLite access for the store
 * tests.  Each test program makes one directory under $TMPDIR (or /tmp)
 * and removes it, with everything in it, at the end.
 */
#ifndef FEEDSIFT_TESTDB_H
#define FEEDSIFT_TESTDB_H

#include "util.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char testdb_dir[4096];

static inline const char *testdb_mkdir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(testdb_dir, sizeof(testdb_dir), "%s/feedsift-store-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(testdb_dir)) {
        perror("mkdtemp");
        exit(99);
    }
    return testdb_dir;
}

/* A malloc'd path for name inside the scratch directory. */
static inline char *testdb_path(const char *name)
{
    return fs_asprintf("%s/%s", testdb_dir, name);
}

static inline void testdb_cleanup(void)
{
    DIR *d = opendir(testdb_dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = testdb_path(e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(testdb_dir);
}

static inline void testdb_write(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
        perror(path);
        exit(99);
    }
}

/* Whole file into sb; returns 0, or -1 when it does not exist. */
static inline int testdb_slurp(const char *path, struct strbuf *sb)
{
    fs_error err;
    strbuf_reset(sb);
    return fs_read_file(path, sb, 0, &err) == FS_OK ? 0 : -1;
}

/* Run SQL on a raw connection; exits on error (test set-up). */
static inline void testdb_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "test SQL failed: %s: %s\n", sql, msg);
        exit(99);
    }
}

/* First column of the first row as an integer (-1 on no row). */
static inline long long testdb_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "test SQL failed: %s: %s\n", sql, sqlite3_errmsg(db));
        exit(99);
    }
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* First column of the first row as a malloc'd string (NULL for NULL). */
static inline char *testdb_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "test SQL failed: %s: %s\n", sql, sqlite3_errmsg(db));
        exit(99);
    }
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = fs_strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return v;
}

static inline sqlite3 *testdb_raw_open(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        exit(99);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

#endif
