/*
 * time.c — UTC time formatting and the --since/--until value parser.
 *
 * All times inside feedsift are int64 seconds since the Unix epoch, UTC;
 * FS_TIME_NONE marks "absent".
 */
#include "util.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t fs_time_now(void)
{
    return (int64_t)time(NULL);
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void fs_time_rfc3339(int64_t t, char out[32])
{
    if (t == FS_TIME_NONE) {
        out[0] = '\0';
        return;
    }
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999; /* keep the fixed-width format */
    snprintf(out, 32, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m % 100,
             d % 100, (unsigned)(secs / 3600) % 100,
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

fs_code fs_duration_parse(const char *s, int64_t *secs)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0 || errno)
        return FS_EINVAL;
    int64_t unit = 0;
    if (!*end || !strcmp(end, "s"))
        unit = 1;
    else if (!strcmp(end, "m"))
        unit = 60;
    else if (!strcmp(end, "h"))
        unit = 3600;
    else if (!strcmp(end, "d"))
        unit = 86400;
    else if (!strcmp(end, "w"))
        unit = 7 * 86400;
    if (!unit || n > INT64_MAX / unit / 2)
        return FS_EINVAL;
    *secs = (int64_t)n * unit;
    return FS_OK;
}

fs_code fs_time_parse_when(const char *s, int64_t now, int64_t *out,
                           fs_error *err)
{
    int64_t ago;
    /* A bare number is a year-less date prefix, not seconds: demand a
     * unit for relative times. */
    if (s[strspn(s, "0123456789")] && fs_duration_parse(s, &ago) == FS_OK) {
        *out = now - ago;
        return FS_OK;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 &&
        mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
        const char *rest = s + used;
        if (*rest == 'T' || *rest == ' ') {
            int u2 = 0;
            if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &u2) != 3)
                goto bad;
            rest += 1 + u2;
            if (*rest == 'Z')
                rest++;
        }
        if (*rest)
            goto bad;
        *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
               h * 3600 + mi * 60 + sec;
        return FS_OK;
    }
bad:
    return fs_error_set(err, FS_EINVAL,
                        "'%s' is not a time: use 30m, 2h, 7d, 2w, "
                        "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
                        s);
}
