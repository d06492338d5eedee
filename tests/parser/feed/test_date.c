/*
 * test_date.c — feed_date_parse(): the date spellings found in real feeds
 * (RFC 822 variants, ISO 8601 / RFC 3339 / W3CDTF) and strings it must
 * refuse rather than guess.
 */
#include "parser.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static void date_is(const char *in, const char *want)
{
    int64_t t = 0;
    char got[32] = "", what[160];
    fs_code rc = feed_date_parse(in, &t);
    if (rc == FS_OK)
        fs_time_rfc3339(t, got);
    snprintf(what, sizeof(what), "'%s' -> %s", in, want ? want : "EPARSE");
    if (want)
        is_str(rc == FS_OK ? got : "(EPARSE)", want, what);
    else
        is_str(rc == FS_OK ? got : NULL, NULL, what);
}

int main(void)
{
    /* RFC 822 and real-world variants */
    date_is("Sun, 20 Apr 2025 10:00:00 GMT", "2025-04-20T10:00:00Z");
    date_is("Sun, 20 Apr 2025 12:00:00 +0200", "2025-04-20T10:00:00Z");
    date_is("20 Apr 2025 12:00:00 +02:00", "2025-04-20T10:00:00Z");
    date_is("Sun, 20 Apr 2025 06:00:00 EDT", "2025-04-20T10:00:00Z");
    date_is("Sun, 20 Apr 2025 05:00:00 EST", "2025-04-20T10:00:00Z");
    date_is("Sun, 20 Apr 2025 03:00:00 PDT", "2025-04-20T10:00:00Z");
    date_is("Thu, 30 Apr 2015 08:57:00 MEST", "2015-04-30T06:57:00Z");
    date_is("Sun, 20 Apr 2025 10:00 GMT", "2025-04-20T10:00:00Z");
    date_is("Sun, 20 Apr 2025", "2025-04-20T00:00:00Z");
    date_is("Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21Z");
    date_is("Fri, 01 Jan 99 00:00:00 GMT", "1999-01-01T00:00:00Z");
    date_is("Thu, 01 Jan 0100 00:00:01 +0100", "0099-12-31T23:00:01Z");
    date_is("Snu, 20 Apr 2025 10:00:00 GMT", "2025-04-20T10:00:00Z");
    date_is("Mon, 13 Feb, 2012 06:28:00 UTC", "2012-02-13T06:28:00Z");
    date_is("Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00Z");
    date_is("Mon, 26 January 2004 16:31:00 CT", "2004-01-26T22:31:00Z");
    date_is("Thu Aug 30 2012 17:26:16 +0200", "2012-08-30T15:26:16Z");
    date_is("Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z");
    date_is("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z");
    date_is("Sun, 20 Apr 2025 10:00:00 XYZ", "2025-04-20T10:00:00Z");
    date_is("Tue, 01 Apr 2025 10:00:00 +0000 (UTC)", "2025-04-01T10:00:00Z");
    date_is("  Sun, 20 Apr 2025 10:00:00 GMT\n", "2025-04-20T10:00:00Z");
    date_is("Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z");

    /* ISO 8601 / RFC 3339 / W3CDTF */
    date_is("2025-04-20T10:00:00Z", "2025-04-20T10:00:00Z");
    date_is("2025-04-20T12:00:00+02:00", "2025-04-20T10:00:00Z");
    date_is("2003-12-31T10:14:55.1234Z", "2003-12-31T10:14:55Z");
    date_is("2007-04-23T23:25:47.538+10:00", "2007-04-23T13:25:47Z");
    date_is("2004-02-28T18:14:55-08:00", "2004-02-29T02:14:55Z");
    date_is("2003-12-31", "2003-12-31T00:00:00Z");
    date_is("2003-12", "2003-12-01T00:00:00Z");
    date_is("2003", "2003-01-01T00:00:00Z");
    date_is("20031231", "2003-12-31T00:00:00Z");
    date_is("20031231T101455Z", "2003-12-31T10:14:55Z");
    date_is("2003-365", "2003-12-31T00:00:00Z");
    date_is("2004-07-08 23:56:58", "2004-07-08T23:56:58Z");
    date_is("2004-07-08 23:56:58.0", "2004-07-08T23:56:58Z");
    date_is("2004-07-08 23:56:58 -00:20", "2004-07-09T00:16:58Z");
    date_is("2025-04-20T10:00Z", "2025-04-20T10:00:00Z");
    date_is("2025-04-20T10:00+0530", "2025-04-20T04:30:00Z");

    date_is("03-12-31", "2003-12-31T00:00:00Z");
    date_is("03335", "2003-12-01T00:00:00Z");
    date_is("2003-012-31T10:14:55+00:00", "2003-12-31T10:14:55Z");
    date_is("2000-02-28T18:14:55-08:00", "2000-02-29T02:14:55Z");
    date_is("Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z");
    date_is("Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z");
    date_is("Thu,  5 Apr 2012 10:00:00 GMT", "2012-04-05T10:00:00Z");
    date_is("Mon, 26 January 2004 16:31:00 PT", "2004-01-27T00:31:00Z");
    date_is("2004\xEB\x85\x84 05\xEC\x9B\x94 28\xEC\x9D\xBC  01:31:15",
            "2004-05-27T16:31:15Z");
    date_is("2004-05-25 \xEC\x98\xA4\xED\x9B\x84 11:23:17",
            "2004-05-25T14:23:17Z");
    date_is("2004-j\xC3\xBAlius-13T9:15-05:00", "2004-07-13T14:15:00Z");
    date_is("2004-okt\303\263ber-01T10:00Z", "2004-10-01T10:00:00Z");

    date_is("April 20, 2025", "2025-04-20T00:00:00Z");
    date_is("Sunday, April 20, 2025 at 10:05 PM EDT", "2025-04-21T02:05:00Z");
    date_is("20 April 2025 12:30 am", "2025-04-20T00:30:00Z");

    /* not dates: refused, never "now" */
    date_is("April 20, 2025 13:00 PM", NULL);
    date_is("Sun, 31 Dec 9999 23:59:59 -9999", NULL);
    date_is("9999-12-31T23:59:59-99:99", NULL);
    date_is("2003-12-31T10:61:55Z", NULL);
    date_is("2003-12-31T10:14:61Z", NULL);
    date_is("2013-01-27-01", NULL);
    date_is("2013-01-28T11:30:00-06:00Textra", NULL);
    date_is("2013-xx-27", NULL);
    date_is("2013-01-28T09:xx:00Z", NULL);
    date_is("2013-01-28T09:00:00+00:xx", NULL);
    date_is("Sun, 99 Jun 2009 12:00:00 GMT", NULL);
    date_is("", NULL);
    date_is("not a date", NULL);
    date_is("013", NULL);
    date_is("Sun, Dec x 2012 11:47:32 GMT", NULL);
    date_is("Sun, 16 zzz 2012 11:47:32 GMT", NULL);
    date_is("Sun, 16 Dec 2012 1:2:3:4 GMT", NULL);
    date_is("Sun, 16 Dec 2012 11:47:32 +zz:00", NULL);
    date_is("Sun, 16 Dec 2012 11:47:32 +00:zz", NULL);
    date_is("Sun, 16 Dec zz 11:47:32 GMT", NULL);
    date_is("2025-02-30", NULL);
    date_is("2025-13-01T00:00:00Z", NULL);
    date_is("2025-04-20T25:00:00Z", NULL);
    date_is("2025-04-20T10:00:00Zjunk", NULL);
    date_is("31 Feb 2025 10:00:00 GMT", NULL);

    int64_t t = 0;
    is_int(feed_date_parse(NULL, &t), FS_EPARSE, "NULL is not a date");
    return tap_done();
}
