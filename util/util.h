/*
 * util.h — the few building blocks every feedsift module shares:
 *
 *   struct strbuf   one growable, always NUL-terminated string buffer
 *                   (modelled on git's strbuf).  buf is never NULL.
 *   fs_code/fs_error one error type: a code the caller must handle and a
 *                   human message that names the file, line or URL.
 *   fs_log          one logging function, to stderr.
 *   fs_url_resolve  RFC 3986 reference resolution with libcurl's URL API.
 *   time helpers    RFC 3339 formatting, "1d"/"2h"/date parsing for --since.
 *
 * Invariants: every function returning fs_code leaves *err filled when it
 * returns non-FS_OK (if err is non-NULL).  Out of memory aborts through
 * fs_oom(): a news crawler cannot do anything useful without memory and a
 * half-handled ENOMEM path is worse than a clean abort.
 */
#ifndef FEEDSIFT_UTIL_H
#define FEEDSIFT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FEEDSIFT_VERSION "0.1.0"

#if defined(__GNUC__)
#define FS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FS_NORETURN __attribute__((noreturn))
#else
#define FS_PRINTF(f, a)
#define FS_NORETURN
#endif

/* ---- errors ---------------------------------------------------------- */

typedef enum fs_code {
    FS_OK = 0,
    FS_EINVAL,   /* bad argument or bad user input (rules, options) */
    FS_EIO,      /* file system error */
    FS_EPARSE,   /* input could not be parsed at all */
    FS_ENET,     /* transport error: DNS, connect, timeout, reset */
    FS_EHTTP,    /* server answered with an error status */
    FS_ELIMIT,   /* a size/time/depth limit was hit */
    FS_EDB,      /* database error */
    FS_EBUSY,    /* database (or crawl lock) held by someone else */
    FS_ECORRUPT, /* database file is corrupt or not ours */
    FS_EDENIED,  /* refused by policy: scheme not allowed, robots.txt */
    FS_EINTR,    /* interrupted by SIGINT/SIGTERM: finish up and exit */
} fs_code;

typedef struct fs_error {
    fs_code code;
    char msg[1024];
} fs_error;

/* Set *err (if non-NULL) and return code, so callers can write
 * `return fs_error_set(err, FS_EIO, "%s: %s", path, strerror(errno));` */
fs_code fs_error_set(fs_error *err, fs_code code, const char *fmt, ...)
    FS_PRINTF(3, 4);
const char *fs_code_name(fs_code code);

/* ---- memory ---------------------------------------------------------- */

FS_NORETURN void fs_oom(void);
void *fs_malloc(size_t n);
void *fs_calloc(size_t n, size_t size);
void *fs_realloc(void *p, size_t n);
char *fs_strdup(const char *s);          /* NULL in, NULL out */
char *fs_strndup(const char *s, size_t n);
char *fs_asprintf(const char *fmt, ...) FS_PRINTF(1, 2);
/* Free an array of n owned strings and the array itself. */
void fs_strv_free(char **v, size_t n);

/* An arena (arena.c): blocks that never move, all freed by one
 * fs_arena_release().  `chunk` is the size of its chunks, 0 for
 * FS_ARENA_CHUNK; a zeroed struct is an empty arena. */
#define FS_ARENA_CHUNK 65536
struct fs_arena_chunk;
struct fs_arena {
    struct fs_arena_chunk *chunks;
    size_t chunk;
};
void *fs_arena_alloc(struct fs_arena *a, size_t n); /* uninitialised */
char *fs_arena_strdup(struct fs_arena *a, const char *s); /* NULL: NULL */
void fs_arena_release(struct fs_arena *a);

/* Grow *array (element size elsize) so that it can hold at least `need`
 * elements; *alloc tracks the capacity. */
void fs_grow(void **array, size_t elsize, size_t need, size_t *alloc);
#define FS_GROW(arr, need, alloc) \
    fs_grow((void **)&(arr), sizeof(*(arr)), (need), &(alloc))

/* ---- strbuf ---------------------------------------------------------- */

struct strbuf {
    char *buf;    /* always NUL-terminated, never NULL */
    size_t len;
    size_t alloc;
};
extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len); /* caller frees */
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) FS_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Truncate, or take in bytes written by hand into the room strbuf_grow()
 * made (by iconv, a decoder): len must stay below sb->alloc. */
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_trim(struct strbuf *sb);     /* ASCII whitespace both ends */
/* Collapse every run of whitespace to one space / keep single '\n'. */
void strbuf_squeeze_spaces(struct strbuf *sb);

/* ---- files ----------------------------------------------------------- */

/* Read a whole file ("-" is stdin) into sb, at most max bytes (0: no cap). */
fs_code fs_read_file(const char *path, struct strbuf *sb, size_t max,
                     fs_error *err);

/* The directory for feedsift's caches (malloc'd, not created): the
 * FEEDSIFT_CACHE_DIR environment variable, else $XDG_CACHE_HOME/feedsift,
 * else $HOME/.cache/feedsift; NULL when none is set, or when
 * FEEDSIFT_CACHE_DIR is set but empty (no cache wanted). */
char *fs_cache_dir(void);

/* ---- logging --------------------------------------------------------- */

enum fs_log_level { FS_LOG_ERROR, FS_LOG_WARN, FS_LOG_INFO, FS_LOG_DEBUG };
void fs_log_set_level(enum fs_log_level level);
enum fs_log_level fs_log_get_level(void);
void fs_log(enum fs_log_level level, const char *fmt, ...) FS_PRINTF(2, 3);

/* ---- text ------------------------------------------------------------ */

/* Append s (len bytes) to out as valid UTF-8: invalid sequences and NULs
 * become U+FFFD, other C0 controls except \t \n \r are dropped. */
void fs_utf8_sanitize(struct strbuf *out, const char *s, size_t len);
int fs_utf8_valid(const char *s, size_t len);
/* Case-insensitive ASCII compare helpers. */
int fs_strcaseeq(const char *a, const char *b);
int fs_startswith(const char *s, const char *prefix);

/* ---- URLs ------------------------------------------------------------ */

/* Resolve ref against base (either may be NULL/""); returns a malloc'd
 * absolute URL, or a copy of ref when it cannot be resolved. */
char *fs_url_resolve(const char *base, const char *ref);
/* Split an absolute URL into its origin "scheme://host[:port]" and its
 * path with query ("/a/b?x=1"), both malloc'd.  FS_EINVAL if unparsable. */
fs_code fs_url_origin_path(const char *url, char **origin, char **path);
/* The host part of url, malloc'd, or NULL. */
char *fs_url_host(const char *url);

/* ---- time ------------------------------------------------------------ */

#define FS_TIME_NONE INT64_MIN

/* "2025-04-20T10:00:00Z" into out (>= 32 bytes); "" for FS_TIME_NONE. */
void fs_time_rfc3339(int64_t t, char out[32]);
/* Parse a --since/--until value: "30m", "2h", "7d", "2w", an RFC 3339
 * date-time or a plain "YYYY-MM-DD" (UTC).  Relative to now. */
fs_code fs_time_parse_when(const char *s, int64_t now, int64_t *out,
                           fs_error *err);
int64_t fs_time_now(void);
/* A duration: "90" or "90s", "30m", "2h", "7d", "2w" into seconds.
 * FS_EINVAL when it is not one. */
fs_code fs_duration_parse(const char *s, int64_t *secs);

#endif /* FEEDSIFT_UTIL_H */
