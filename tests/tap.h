/*
 * tap.h — minimal TAP producer for the C unit tests (meson protocol 'tap').
 *
 *   ok(cond, "what")           one test point
 *   is_str(got, want, "what")  string equality with a diagnostic
 *   is_int(got, want, "what")
 *   return tap_done();         prints the plan, exit status 1 on failure
 */
#ifndef FEEDSIFT_TAP_H
#define FEEDSIFT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line,
                         const char *what)
{
    tap_n++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
    /* A test point is one line: control characters in the description
     * (test inputs with "\n") would break the TAP stream. */
    for (const char *p = what; *p; p++) {
        if ((unsigned char)*p < 0x20)
            printf("\\x%02x", (unsigned char)*p);
        else
            putchar(*p);
    }
    putchar('\n');
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    return cond;
}

static inline int tap_is_str(const char *got, const char *want,
                             const char *file, int line, const char *what)
{
    int cond = (got == NULL && want == NULL) ||
               (got && want && strcmp(got, want) == 0);
    if (!tap_ok(cond, file, line, what))
        printf("#   got:  %s%s%s\n#   want: %s%s%s\n", got ? "'" : "",
               got ? got : "NULL", got ? "'" : "", want ? "'" : "",
               want ? want : "NULL", want ? "'" : "");
    return cond;
}

static inline int tap_is_int(long long got, long long want, const char *file,
                             int line, const char *what)
{
    int cond = got == want;
    if (!tap_ok(cond, file, line, what))
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
    return cond;
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#define ok(c, w) tap_ok(!!(c), __FILE__, __LINE__, (w))
#define is_str(g, w, what) tap_is_str((g), (w), __FILE__, __LINE__, (what))
#define is_int(g, w, what) \
    tap_is_int((long long)(g), (long long)(w), __FILE__, __LINE__, (what))

#endif
