/*
 * error.c — the one error type (fs_error) and the one logging function.
 */
#include "util.h"

#include <stdio.h>

fs_code fs_error_set(fs_error *err, fs_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *fs_code_name(fs_code code)
{
    switch (code) {
    case FS_OK: return "ok";
    case FS_EINVAL: return "invalid input";
    case FS_EIO: return "I/O error";
    case FS_EPARSE: return "parse error";
    case FS_ENET: return "network error";
    case FS_EHTTP: return "HTTP error";
    case FS_ELIMIT: return "limit exceeded";
    case FS_EDB: return "database error";
    case FS_EBUSY: return "busy";
    case FS_ECORRUPT: return "corrupt database";
    case FS_EDENIED: return "denied";
    case FS_EINTR: return "interrupted";
    }
    return "unknown error";
}

static enum fs_log_level log_level = FS_LOG_WARN;

void fs_log_set_level(enum fs_log_level level) { log_level = level; }
enum fs_log_level fs_log_get_level(void) { return log_level; }

void fs_log(enum fs_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if (level > log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "feedsift: %s: ", names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
