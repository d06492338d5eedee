/*
 * date.c — feed_date_parse(): every date spelling seen in feeds, to UTC.
 *
 * Two families are recognised:
 *
 *   ISO 8601 / RFC 3339 / W3CDTF: "2003-12-31T10:14:55.12+08:00",
 *     "2003-12-31", "20031231", "2003-12", "2003", "-03-12" (YY-MM),
 *     "031231" (YYMMDD), ordinal "2003-365", a space instead of "T",
 *     a space before the offset ("2004-07-08 23:56:58 -00:20"), no seconds.
 *   RFC 822 and its real-world variants: optional day name (any word, so
 *     typos do not matter), "13 Feb 2012" or "Feb 13 2012" or "2006/09/15",
 *     full or abbreviated English (or Greek) month names, 2- or 4-digit
 *     years, stray commas, missing seconds or time, asctime's trailing
 *     year, named (EST, MEST, ...) and numeric (+0200, +02:00, GMT-01:01)
 *     zones; an unknown zone name means UTC (as feedparser does); the
 *     "April 20, 2025 at 10:00 PM" style of article pages.
 *   National spellings feedparser knows: Greek month names (RFC 822),
 *     Korean OnBlog / Nate dates (KST), Hungarian month names (W3CDTF).
 *
 * Invariant: the result is always UTC seconds since the epoch; anything not
 * recognised is FS_EPARSE, never a guess such as "now".  Two-digit years
 * follow feedparser: RFC 822 years < 90 are 20xx, others 19xx; ISO ones are
 * in the current century.
 */
#include "parser.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DATE_MAX_TOKENS 12

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant). */
static int64_t date_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int date_is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int date_days_in_month(long y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && date_is_leap(y) ? 29 : days[m - 1];
}

struct date_parts {
    long year;
    int month, day, hour, min, sec;
    int offset; /* seconds east of UTC */
};

static fs_code date_to_utc(const struct date_parts *p, int64_t *out)
{
    if (p->month < 1 || p->month > 12 || p->day < 1 ||
        p->day > date_days_in_month(p->year, p->month) || p->hour < 0 ||
        p->hour > 24 || p->min < 0 || p->min > 59 || p->sec < 0 ||
        p->sec > 60 || (p->hour == 24 && (p->min || p->sec)))
        return FS_EPARSE;
    int64_t days = date_days_from_civil(p->year, (unsigned)p->month,
                                        (unsigned)p->day);
    *out = days * 86400 + p->hour * 3600 + p->min * 60 + p->sec - p->offset;
    return FS_OK;
}

/* Read exactly n digits at *s; advance. -1 when they are not there. */
static long date_digits(const char **s, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    return v;
}

static size_t date_count_digits(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    return n;
}

static long date_current_century(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (tm.tm_year + 1900) / 100 * 100;
}

/* "Z", "+hh", "+hhmm", "+hh:mm" at s (which must end there). */
static int date_iso_zone(const char *s, int *offset)
{
    *offset = 0;
    if (*s == ' ')
        s++;
    if (!*s)
        return 0;
    if ((s[0] == 'Z' || s[0] == 'z') && !s[1])
        return 0;
    if (!strcmp(s, "UTC") || !strcmp(s, "GMT"))
        return 0;
    if (*s != '+' && *s != '-')
        return -1;
    int sign = *s++ == '-' ? -1 : 1;
    long h = date_digits(&s, 2), m = 0;
    if (h < 0)
        return -1;
    if (*s == ':')
        s++;
    if (*s && (m = date_digits(&s, 2)) < 0)
        return -1;
    if (*s || h > 23 || m > 59)
        return -1;
    *offset = sign * (int)(h * 3600 + m * 60);
    return 0;
}

/* The date part of an ISO 8601 string; returns the rest or NULL. */
static const char *date_iso_date(const char *s, struct date_parts *p)
{
    size_t nd = date_count_digits(s);
    p->month = p->day = 1;
    if (s[0] == '-' && s[1] != '-') {
        /* "-YY-MM" or "-YYMM": year in the current century */
        s++;
        long yy = date_digits(&s, 2);
        if (yy < 0)
            return NULL;
        if (*s == '-')
            s++;
        long mm = date_digits(&s, 2);
        if (mm < 0)
            return NULL;
        p->year = date_current_century() + yy;
        p->month = (int)mm;
        return s;
    }
    if (nd == 6 || (nd == 2 && s[2] == '-' && date_count_digits(s + 3) == 2 &&
                    s[5] == '-')) {
        /* YYMMDD or YY-MM-DD */
        long yy = date_digits(&s, 2);
        if (*s == '-')
            s++;
        long mm = date_digits(&s, 2);
        if (*s == '-')
            s++;
        long dd = date_digits(&s, 2);
        if (yy < 0 || mm < 0 || dd < 0)
            return NULL;
        p->year = date_current_century() + yy;
        p->month = (int)mm;
        p->day = (int)dd;
        return s;
    }
    if (nd == 5) { /* YYDDD: two-digit year, ordinal day */
        p->year = date_current_century() + date_digits(&s, 2);
        p->day = (int)date_digits(&s, 3);
        return s;
    }
    if (nd == 8) { /* YYYYMMDD */
        p->year = date_digits(&s, 4);
        p->month = (int)date_digits(&s, 2);
        p->day = (int)date_digits(&s, 2);
        return s;
    }
    if (nd == 7) { /* YYYYDDD, ordinal */
        p->year = date_digits(&s, 4);
        p->day = (int)date_digits(&s, 3);
        return s;
    }
    if (nd != 4)
        return NULL;
    p->year = date_digits(&s, 4);
    if (*s != '-')
        return s;
    s++;
    nd = date_count_digits(s);
    if (nd == 3 && s[0] == '0' && s[3] == '-') {
        /* "2003-012-31": a zero-padded month (Google did this) */
        s++;
        nd = 2;
    } else if (nd == 3) { /* YYYY-DDD */
        p->day = (int)date_digits(&s, 3);
        return s;
    }
    if (nd == 4) { /* YYYY-MMDD */
        p->month = (int)date_digits(&s, 2);
        p->day = (int)date_digits(&s, 2);
        return s;
    }
    if (nd != 2)
        return NULL;
    p->month = (int)date_digits(&s, 2);
    if (*s != '-')
        return s;
    s++;
    if (date_count_digits(s) != 2)
        return NULL;
    p->day = (int)date_digits(&s, 2);
    return s;
}

static fs_code date_parse_iso(const char *s, int64_t *out)
{
    struct date_parts p = {0};
    const char *r = date_iso_date(s, &p);
    if (!r)
        return FS_EPARSE;
    /* An ordinal day (YYYY-DDD) is stored in day with month 1: fold it. */
    if (p.month == 1 && p.day > 31) {
        int doy = p.day;
        int days_in_year = date_is_leap(p.year) ? 366 : 365;
        if (doy > days_in_year)
            return FS_EPARSE;
        while (doy > date_days_in_month(p.year, p.month)) {
            doy -= date_days_in_month(p.year, p.month);
            p.month++;
        }
        p.day = doy;
    }
    if (*r == 'T' || *r == 't' || (*r == ' ' && isdigit((unsigned char)r[1]))) {
        r++;
        long h = date_digits(&r, 2), m = 0, sec = 0;
        if (h < 0)
            return FS_EPARSE;
        if (*r == ':')
            r++;
        if ((m = date_digits(&r, 2)) < 0)
            return FS_EPARSE;
        if (*r == ':' || isdigit((unsigned char)*r)) {
            if (*r == ':')
                r++;
            if ((sec = date_digits(&r, 2)) < 0)
                return FS_EPARSE;
            if (*r == '.' || *r == ',') { /* fraction: dropped */
                r++;
                if (!isdigit((unsigned char)*r))
                    return FS_EPARSE;
                while (isdigit((unsigned char)*r))
                    r++;
            }
        }
        p.hour = (int)h;
        p.min = (int)m;
        p.sec = (int)sec;
        if (date_iso_zone(r, &p.offset) != 0)
            return FS_EPARSE;
    } else if (*r) { /* a zone without a time, or "2013-01-27-01" */
        return FS_EPARSE;
    }
    return date_to_utc(&p, out);
}

/* ---- RFC 822 family -------------------------------------------------- */

struct date_name {
    const char *name;
    int value;
};

/* Month names: English full and short forms, Greek abbreviations as found
 * in Greek feeds (feedparser's table). */
static const struct date_name date_months[] = {
    {"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"may", 5},
    {"jun", 6}, {"jul", 7}, {"aug", 8}, {"sep", 9}, {"oct", 10},
    {"nov", 11}, {"dec", 12}, {"january", 1}, {"february", 2},
    {"march", 3}, {"april", 4}, {"june", 6}, {"july", 7}, {"august", 8},
    {"september", 9}, {"sept", 9}, {"october", 10}, {"november", 11},
    {"december", 12},
    {"Ιαν", 1}, {"Φεβ", 2}, {"Μάρ", 3}, {"Μαρ", 3}, {"Μάώ", 3}, {"Μαώ", 3},
    {"Απρ", 4}, {"Μάι", 5}, {"Μαϊ", 5}, {"Μαι", 5}, {"Ιούν", 6},
    {"Ιον", 6}, {"Ιούλ", 7}, {"Ιολ", 7}, {"Αύγ", 8}, {"Αυγ", 8},
    {"Σεπ", 9}, {"Οκτ", 10}, {"Νοέ", 11}, {"Νοε", 11}, {"Δεκ", 12},
};

/* Zone names, hours east of UTC (RFC 822, the US one-letter-less forms
 * and the European ones seen in feeds). */
static const struct date_name date_zones[] = {
    {"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0}, {"adt", -3}, {"ast", -4},
    {"at", -4}, {"edt", -4}, {"est", -5}, {"et", -5}, {"cdt", -5},
    {"cst", -6}, {"ct", -6}, {"mdt", -6}, {"mst", -7}, {"mt", -7},
    {"pdt", -7}, {"pst", -8}, {"pt", -8}, {"a", -1}, {"n", 1}, {"m", -12},
    {"y", 12}, {"met", 1}, {"mest", 2}, {"cet", 1}, {"cest", 2},
    {"mez", 1}, {"mesz", 2}, {"bst", 1}, {"eet", 2}, {"eest", 3},
    {"wet", 0}, {"west", 1}, {"hst", -10}, {"akst", -9}, {"akdt", -8},
    {"jst", 9},
};

static int date_lookup(const struct date_name *t, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (fs_strcaseeq(t[i].name, s))
            return t[i].value;
    return -100;
}

static int date_month(const char *s)
{
    return date_lookup(date_months, sizeof(date_months) / sizeof(*date_months),
                       s);
}

static int date_is_number(const char *s)
{
    return *s && date_count_digits(s) == strlen(s);
}

/* Leading letters (ASCII or any non-ASCII byte) mean a word. */
static int date_is_word(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return isalpha(c) || c >= 0x80;
}

/* "h:m" or "h:m:s", each 1-2 digits. */
static int date_rfc_time(const char *s, struct date_parts *p)
{
    long v[3] = {0, 0, 0};
    int n = 0;
    while (n < 3) {
        size_t nd = date_count_digits(s);
        if (nd < 1 || nd > 2)
            return -1;
        v[n++] = strtol(s, NULL, 10);
        s += nd;
        if (*s != ':')
            break;
        s++;
    }
    if (*s || n < 2)
        return -1;
    p->hour = (int)v[0];
    p->min = (int)v[1];
    p->sec = (int)v[2];
    return 0;
}

/* "+0200", "-05", "+02:00", "GMT", "EST", "GMT-01:01", "UTC+2". */
static int date_rfc_zone(const char *s, int *offset)
{
    char lower[16];
    size_t n = strlen(s);
    if (n >= sizeof(lower))
        return -1;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)s[i]);
    const char *z = lower;
    if (fs_startswith(z, "etc/")) /* tz database spelling: "Etc/GMT" */
        z += 4;
    if (fs_startswith(z, "gmt") || fs_startswith(z, "utc")) {
        if (!z[3])
            return *offset = 0, 0;
        z += 3;
    }
    if (*z == '+' || *z == '-') {
        int sign = *z == '-' ? -1 : 1;
        z++;
        size_t nd = date_count_digits(z);
        long h, m = 0;
        if (nd == 4 || nd == 2) {
            h = date_digits(&z, 2);
            if (nd == 4)
                m = date_digits(&z, 2);
            else if (*z == ':') {
                z++;
                if (date_count_digits(z) != 2)
                    return -1;
                m = date_digits(&z, 2);
            }
        } else if (nd == 1) {
            h = date_digits(&z, 1);
        } else {
            return -1;
        }
        if (*z || h > 23 || m > 59)
            return -1;
        *offset = sign * (int)(h * 3600 + m * 60);
        return 0;
    }
    for (const char *c = z; *c; c++)
        if (!isalpha((unsigned char)*c))
            return -1;
    int h = date_lookup(date_zones, sizeof(date_zones) / sizeof(*date_zones),
                        z);
    *offset = h == -100 ? 0 : h * 3600; /* unknown name: UTC */
    return 0;
}

/* Split on whitespace and commas into tok (copies in buf); "(...)"
 * comments such as "+0000 (UTC)" are dropped. */
static int date_tokenize(const char *s, char *buf, size_t bufsize,
                         char **tok)
{
    size_t len = strlen(s);
    if (len >= bufsize)
        return -1;
    memcpy(buf, s, len + 1);
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t\r\n,", &save); t;
         t = strtok_r(NULL, " \t\r\n,", &save)) {
        if (*t == '(')
            break;
        if (n == DATE_MAX_TOKENS)
            return -1;
        tok[n++] = t;
    }
    return n;
}

static long date_rfc_year(const char *t)
{
    size_t nd = strlen(t);
    if (!date_is_number(t) || nd > 4 || nd == 3)
        return -1;
    long y = strtol(t, NULL, 10);
    if (nd <= 2)
        y += y < 90 ? 2000 : 1900;
    return y;
}

static fs_code date_parse_rfc822(const char *s, int64_t *out)
{
    char buf[256], *tok[DATE_MAX_TOKENS];
    int n = date_tokenize(s, buf, sizeof(buf), tok);
    if (n < 2)
        return FS_EPARSE;
    struct date_parts p = {0};
    int i = 0, have_year = 0;

    /* A day name, however spelt: a word that is not a month. */
    if (date_is_word(tok[0]) && date_month(tok[0]) < 0)
        i++;
    if (i >= n)
        return FS_EPARSE;

    if (strchr(tok[i], '/') || (isdigit((unsigned char)tok[i][0]) &&
                                strchr(tok[i], '-'))) {
        /* numeric "2006/09/15" or "2006-09-15" */
        char *a = tok[i], *e;
        long y = strtol(a, &e, 10);
        if (e - a != 4 || (*e != '/' && *e != '-'))
            return FS_EPARSE;
        char sep = *e;
        a = e + 1;
        long m = strtol(a, &e, 10);
        if (e == a || *e != sep)
            return FS_EPARSE;
        a = e + 1;
        long d = strtol(a, &e, 10);
        if (e == a || *e)
            return FS_EPARSE;
        p.year = y;
        p.month = (int)m;
        p.day = (int)d;
        have_year = 1;
        i++;
    } else if (date_is_number(tok[i])) { /* "13 Feb 2012" */
        if (i + 1 >= n || strlen(tok[i]) > 2)
            return FS_EPARSE;
        p.day = atoi(tok[i]);
        if ((p.month = date_month(tok[i + 1])) < 0)
            return FS_EPARSE;
        i += 2;
    } else if ((p.month = date_month(tok[i])) > 0) { /* "Feb 13 2012" */
        if (i + 1 >= n || !date_is_number(tok[i + 1]) ||
            strlen(tok[i + 1]) > 2)
            return FS_EPARSE;
        p.day = atoi(tok[i + 1]);
        i += 2;
    } else {
        return FS_EPARSE;
    }

    if (!have_year && i < n && !strchr(tok[i], ':')) {
        if ((p.year = date_rfc_year(tok[i])) < 0)
            return FS_EPARSE;
        have_year = 1;
        i++;
    }
    if (i + 1 < n && fs_strcaseeq(tok[i], "at")) /* "April 20, 2025 at 10:00" */
        i++;
    if (i < n && strchr(tok[i], ':') && isdigit((unsigned char)tok[i][0])) {
        if (date_rfc_time(tok[i], &p) != 0)
            return FS_EPARSE;
        i++;
        /* 12-hour clock, as article pages write it: "10:00 PM" */
        if (i < n &&
            (fs_strcaseeq(tok[i], "am") || fs_strcaseeq(tok[i], "pm"))) {
            if (p.hour < 1 || p.hour > 12)
                return FS_EPARSE;
            p.hour = p.hour % 12 + (fs_strcaseeq(tok[i], "pm") ? 12 : 0);
            i++;
        }
    }
    if (!have_year) {
        /* asctime: "Sun Jan  4 16:29:06 2004", Twitter-style
         * "Sun Jul 15 01:16:00 +0000 2012" (zone before the year) */
        if (i + 1 < n && date_rfc_zone(tok[i], &p.offset) == 0 &&
            date_rfc_year(tok[i + 1]) >= 0) {
            p.year = date_rfc_year(tok[i + 1]);
            i += 2;
            return i == n ? date_to_utc(&p, out) : FS_EPARSE;
        }
        if (i >= n || (p.year = date_rfc_year(tok[i])) < 0)
            return FS_EPARSE;
        i++;
    }
    if (i < n) {
        /* "GMT +0200" style: a name followed by an offset, offset wins */
        if (i + 1 < n && date_is_word(tok[i]) &&
            (tok[i + 1][0] == '+' || tok[i + 1][0] == '-'))
            i++;
        if (date_rfc_zone(tok[i], &p.offset) != 0)
            return FS_EPARSE;
        i++;
    }
    /* A trailing year after the zone (asctime variants) is tolerated only
     * when no year was seen; anything else left over is not a date. */
    if (i != n)
        return FS_EPARSE;
    return date_to_utc(&p, out);
}

/* ---- national formats feedparser knows -------------------------------- */

#define DATE_KST (9 * 3600)

/* Korean blog platforms, in Korea Standard Time: OnBlog
 * "2004년 05월 28일  01:31:15" and Nate "2004-05-25 오후 11:23:17". */
static fs_code date_parse_korean(const char *s, int64_t *out)
{
    struct date_parts p = {0};
    int y, mo, d, h, mi, sec, n = -1;
    if (sscanf(s, "%4d\xEB\x85\x84 %2d\xEC\x9B\x94 %2d\xEC\x9D\xBC "
                  "%2d:%2d:%2d%n",
               &y, &mo, &d, &h, &mi, &sec, &n) == 6 &&
        n > 0 && !s[n]) {
        /* OnBlog: 년 월 일 */
    } else if (n = -1, sscanf(s, "%4d-%2d-%2d %n", &y, &mo, &d, &n) == 3 &&
                           n > 0) {
        const char *r = s + n;
        int pm = fs_startswith(r, "\xEC\x98\xA4\xED\x9B\x84"); /* 오후 */
        int am = fs_startswith(r, "\xEC\x98\xA4\xEC\xA0\x84"); /* 오전 */
        if (!pm && !am)
            return FS_EPARSE;
        r += 6;
        n = -1;
        if (sscanf(r, " %2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n < 0 ||
            r[n] || h < 1 || h > 12)
            return FS_EPARSE;
        h = h % 12 + (pm ? 12 : 0);
    } else {
        return FS_EPARSE;
    }
    p.year = y;
    p.month = mo;
    p.day = d;
    p.hour = h;
    p.min = mi;
    p.sec = sec;
    p.offset = DATE_KST;
    return date_to_utc(&p, out);
}

/* Hungarian month names in a W3CDTF-like string:
 * "2004-július-13T9:15-05:00". */
static fs_code date_parse_hungarian(const char *s, int64_t *out)
{
    /* UTF-8 spelt out; október is in octal because "\xB3be" would read
     * as one hex escape */
    static const char *const months[] = {
        "janu\xC3\xA1r", "febru\xC3\xA1r", "m\xC3\xA1rcius",
        "\xC3\xA1prilis", "m\xC3\xA1jus", "j\xC3\xBAnius",
        "j\xC3\xBAlius", "augusztus", "szeptember", "okt\303\263ber",
        "november", "december",
    };
    const char *dash = strchr(s, '-');
    if (!dash || dash - s != 4 || date_count_digits(s) != 4)
        return FS_EPARSE;
    const char *m = dash + 1, *mend = strchr(m, '-');
    if (!mend)
        return FS_EPARSE;
    int month = 0;
    for (int i = 0; i < 12; i++)
        if (strlen(months[i]) == (size_t)(mend - m) &&
            !strncmp(m, months[i], (size_t)(mend - m)))
            month = i + 1;
    int day, hour, min, n = -1;
    if (!month ||
        sscanf(mend + 1, "%2dT%2d:%2d%n", &day, &hour, &min, &n) != 3 || n < 0)
        return FS_EPARSE;
    char iso[64];
    snprintf(iso, sizeof(iso), "%.4s-%02d-%02dT%02d:%02d%s", s, month, day,
             hour, min, mend + 1 + n);
    return date_parse_iso(iso, out);
}

fs_code feed_date_parse(const char *s, int64_t *out)
{
    if (!s)
        return FS_EPARSE;
    while (isspace((unsigned char)*s))
        s++;
    char buf[256];
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (!len || len >= sizeof(buf))
        return FS_EPARSE;
    memcpy(buf, s, len);
    buf[len] = '\0';

    int64_t t;
    if ((isdigit((unsigned char)buf[0]) || buf[0] == '-') &&
        date_parse_iso(buf, &t) == FS_OK) {
        *out = t;
        return FS_OK;
    }
    if (date_parse_rfc822(buf, &t) == FS_OK ||
        date_parse_korean(buf, &t) == FS_OK ||
        date_parse_hungarian(buf, &t) == FS_OK) {
        *out = t;
        return FS_OK;
    }
    return FS_EPARSE;
}
