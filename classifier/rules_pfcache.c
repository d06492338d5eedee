/*
 * rules_pfcache.c — the on-disk cache of compiled Vectorscan prefilters
 * (rules_prefilter.c decides what goes in and when; this file only reads,
 * checks and writes the files).
 *
 * One file per key, named <dir>/prefilter-<64 hex of the key>.hsdb.  The
 * key is a SHA-256 (libcrypto) that rules_prefilter.c computes over
 * everything the compile depends on: every pattern with its flags and
 * id, the mode, hs_version(), the platform Vectorscan compiles for, and
 * PFCACHE_FORMAT.  Naming files by key lets several rule files, rule
 * versions and machines sharing one home directory keep their entries side
 * by side; pfcache_write() prunes old ones (PFCACHE_KEEP, PFCACHE_MAX_AGE).
 *
 * File layout (native byte order and sizes: a foreign machine has another
 * platform, so another key):
 *     0  magic "FSPFC\0\0\1" (8 bytes)
 *     8  key (32 bytes): must equal the key asked for
 *    40  digest (32 bytes): SHA-256 of bytes 72 .. end of file
 *    72  u32 n_patterns, u32 n_in_db, u64 db_len, u64 0 (reserved)
 *    96  u32 max_chars[n_patterns], u8 always[n_patterns], zero padding to
 *        a multiple of 8, then db_len bytes of hs_serialize_database()
 * Invariants: a file is either absent or complete (written to a temporary
 * file in the same directory, then renamed over the name); whatever is
 * read is checked — length, key, digest, counts — before a byte of it is
 * used, and hs_deserialize_database() then makes its own version and
 * platform checks.  Only a regular file of this user that nobody else
 * may write is read at all (read_own).  Any failure, reading or writing,
 * is a cache miss logged at debug level, never an error: the caller
 * compiles instead.
 */
#include "rules_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[8] = {'F', 'S', 'P', 'F', 'C', 0, 0, 1};
#define HEADER_LEN 96u
#define DIGEST_FROM 72u
/* no prefilter database comes near this; a larger file is not ours */
#define MAX_FILE (512u << 20)
/* keep at most this many entries, none unused for longer than this */
#define PFCACHE_KEEP 8
#define PFCACHE_MAX_AGE (30 * 24 * 3600)
/* a temporary file this old is a writer's leftover (killed mid-write) */
#define PFCACHE_TMP_AGE (3600)

struct pfcache_hash {
    EVP_MD_CTX *ctx;
};

struct pfcache_hash *pfcache_hash_new(void)
{
    struct pfcache_hash *h = fs_calloc(1, sizeof(*h));
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
        fs_oom(); /* only fails for want of memory */
    return h;
}

void pfcache_hash_add(struct pfcache_hash *h, const void *data, size_t len)
{
    if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
        fs_oom();
}

void pfcache_hash_end(struct pfcache_hash *h,
                      unsigned char out[PFCACHE_KEY_LEN])
{
    unsigned n = 0;
    if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != PFCACHE_KEY_LEN)
        fs_oom();
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

char *pfcache_path(const char *dir, const unsigned char key[PFCACHE_KEY_LEN])
{
    char hex[2 * PFCACHE_KEY_LEN + 1];
    for (int i = 0; i < PFCACHE_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return fs_asprintf("%s/prefilter-%s.hsdb", dir, hex);
}

static size_t payload_db_off(uint32_t n)
{
    return (HEADER_LEN + (size_t)n * 5 + 7) & ~(size_t)7;
}

/* The digest of a file's bytes DIGEST_FROM .. end, given in pieces. */
static void digest_of(const void *const *piece, const size_t *len, int n,
                      unsigned char out[PFCACHE_KEY_LEN])
{
    struct pfcache_hash *h = pfcache_hash_new();
    for (int i = 0; i < n; i++)
        pfcache_hash_add(h, piece[i], len[i]);
    pfcache_hash_end(h, out);
}

/* The whole file into sb, if it is a regular file of ours that nobody
 * else may write: anyone can compute a key and a digest, and Vectorscan's
 * loader is not meant for hostile bytes, so a cache directory shared with
 * other users (FEEDSIFT_CACHE_DIR=/tmp/...) must not feed it theirs.
 * NULL, or why not. */
static const char *read_own(const char *path, struct strbuf *sb)
{
    /* O_NONBLOCK: a FIFO planted at the name must not block the open
     * before fstat can refuse it (no effect on a regular file) */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? "" : strerror(errno);
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != geteuid() || (st.st_mode & 022))
        why = "not owned by this user, or writable by others";
    else if (st.st_size < 0 || (uint64_t)st.st_size > MAX_FILE)
        why = "too large";
    if (!why) {
        strbuf_grow(sb, (size_t)st.st_size);
        for (;;) {
            char chunk[65536];
            ssize_t r = read(fd, chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                why = strerror(errno);
            if (r <= 0)
                break;
            if (sb->len + (size_t)r > MAX_FILE) {
                why = "too large";
                break;
            }
            strbuf_add(sb, chunk, (size_t)r);
        }
    }
    close(fd);
    return why;
}

/* Why the bytes of sb are not a good entry for key and n_patterns, or
 * NULL (then *e points into sb). */
static const char *check_entry(const struct strbuf *sb,
                               const unsigned char key[PFCACHE_KEY_LEN],
                               uint32_t n_patterns, struct pfcache_entry *e)
{
    const unsigned char *b = (const unsigned char *)sb->buf;
    uint32_t n = 0, n_in_db = 0, in_db = 0;
    uint64_t db_len = 0;
    unsigned char dig[PFCACHE_KEY_LEN];
    if (sb->len < HEADER_LEN || memcmp(b, MAGIC, sizeof(MAGIC)) != 0)
        return "not a prefilter cache file";
    if (memcmp(b + 8, key, PFCACHE_KEY_LEN) != 0)
        return "made for other rules or another Vectorscan";
    memcpy(&n, b + 72, 4);
    memcpy(&n_in_db, b + 76, 4);
    memcpy(&db_len, b + 80, 8);
    if (n != n_patterns || n_in_db > n || sb->len < payload_db_off(n) ||
        db_len != sb->len - payload_db_off(n) ||
        (n_in_db == 0) != (db_len == 0))
        return "truncated or inconsistent";
    const void *piece[1] = {b + DIGEST_FROM};
    size_t len[1] = {sb->len - DIGEST_FROM};
    digest_of(piece, len, 1, dig);
    if (memcmp(dig, b + 40, PFCACHE_KEY_LEN) != 0)
        return "digest mismatch (corrupt)";
    e->n_patterns = n;
    e->n_in_db = n_in_db;
    e->max_chars = (const uint32_t *)(const void *)(b + HEADER_LEN);
    e->always = b + HEADER_LEN + (size_t)n * 4;
    for (uint32_t i = 0; i < n; i++) {
        if (e->always[i] > 1)
            return "bad pattern flags";
        in_db += !e->always[i];
    }
    if (in_db != n_in_db)
        return "pattern counts disagree";
    e->db = sb->buf + payload_db_off(n);
    e->db_len = (size_t)db_len;
    return NULL;
}

void *pfcache_read(const char *path, const unsigned char key[PFCACHE_KEY_LEN],
                   uint32_t n_patterns, struct pfcache_entry *e)
{
    struct strbuf sb = STRBUF_INIT;
    const char *why = read_own(path, &sb);
    if (why && !*why) { /* absent: the usual miss, not worth a line */
        strbuf_release(&sb);
        return NULL;
    }
    if (!why)
        why = check_entry(&sb, key, n_patterns, e);
    if (!why)
        return strbuf_detach(&sb, NULL);
    fs_log(FS_LOG_DEBUG, "prefilter cache: %s: %s; compiling instead", path,
           why);
    strbuf_release(&sb);
    return NULL;
}

void pfcache_touch(const char *path)
{
    /* the mtime is the entry's last use, for pruning; a read-only cache
     * just keeps its old time */
    (void)utimensat(AT_FDCWD, path, NULL, 0);
}

/* mkdir -p with mode 0755 for each directory made. */
static int make_dirs(const char *dir)
{
    if (!*dir)
        return -1;
    char *p = fs_strdup(dir);
    int rc = 0;
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

struct old_entry {
    char *path;
    time_t mtime;
};

static int old_entry_newer_first(const void *a, const void *b)
{
    const struct old_entry *x = a, *y = b;
    return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

/* Drop entries unused for PFCACHE_MAX_AGE, all but the PFCACHE_KEEP most
 * recently used, and writers' leftovers.  Best effort: another process may
 * be pruning or writing too, and removing an entry only costs a compile. */
static void prune(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct old_entry *v = NULL;
    size_t n = 0, alloc = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        size_t len = strlen(name);
        int tmp = fs_startswith(name, ".prefilter-");
        int entry = fs_startswith(name, "prefilter-") && len > 5 &&
                    !strcmp(name + len - 5, ".hsdb");
        if (!tmp && !entry)
            continue;
        char *path = fs_asprintf("%s/%s", dir, name);
        struct stat st;
        if (!strcmp(path, keep) || lstat(path, &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if ((tmp && now - st.st_mtime > PFCACHE_TMP_AGE) ||
            (entry && now - st.st_mtime > PFCACHE_MAX_AGE)) {
            unlink(path);
            free(path);
            continue;
        }
        if (tmp) {
            free(path);
            continue;
        }
        FS_GROW(v, n + 1, alloc);
        v[n].path = path;
        v[n++].mtime = st.st_mtime;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(*v), old_entry_newer_first);
    for (size_t i = 0; i < n; i++) {
        /* the one just written counts as one of the PFCACHE_KEEP */
        if (i + 1 >= PFCACHE_KEEP)
            unlink(v[i].path);
        free(v[i].path);
    }
    free(v);
}

int pfcache_write(const char *dir, const char *path,
                  const unsigned char key[PFCACHE_KEY_LEN],
                  const struct pfcache_entry *e)
{
    unsigned char header[HEADER_LEN] = {0};
    static const unsigned char pad[8];
    uint32_t n = e->n_patterns;
    uint64_t db_len = e->db_len;
    size_t pad_len = payload_db_off(n) - (HEADER_LEN + (size_t)n * 5);
    memcpy(header, MAGIC, sizeof(MAGIC));
    memcpy(header + 8, key, PFCACHE_KEY_LEN);
    memcpy(header + 72, &n, 4);
    memcpy(header + 76, &e->n_in_db, 4);
    memcpy(header + 80, &db_len, 8);
    const void *piece[5] = {header + DIGEST_FROM, e->max_chars, e->always,
                            pad, e->db};
    size_t len[5] = {HEADER_LEN - DIGEST_FROM, (size_t)n * 4, n, pad_len,
                     e->db_len};
    digest_of(piece, len, 5, header + 40);

    if (make_dirs(dir) != 0) {
        fs_log(FS_LOG_DEBUG, "prefilter cache: cannot create %s: %s", dir,
               strerror(errno));
        return -1;
    }
    char *tmp = fs_asprintf("%s/.prefilter-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fs_log(FS_LOG_DEBUG, "prefilter cache: cannot write in %s: %s", dir,
               strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = fchmod(fd, 0644) == 0 ? write_all(fd, header, HEADER_LEN) : -1;
    for (int i = 1; i < 5 && rc == 0; i++)
        rc = write_all(fd, piece[i], len[i]);
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        fs_log(FS_LOG_DEBUG, "prefilter cache: cannot write %s: %s", path,
               strerror(saved));
        unlink(tmp);
    } else {
        fs_log(FS_LOG_DEBUG, "prefilter cache: wrote %s", path);
        prune(dir, path);
    }
    free(tmp);
    return rc;
}
