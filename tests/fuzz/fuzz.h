/*
 * fuzz.h — what every feedsift fuzz harness shares.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput() and nothing else.  It is
 * linked two ways (tests/fuzz/meson.build):
 *   - with libFuzzer (-Dfuzz=true, clang): libFuzzer supplies main();
 *   - with replay_main.c (every build, gcc too): main() feeds each file of
 *     the seed corpus and of regress/ to the harness, so every crash a
 *     fuzzer ever found stays a regression test in the 'hostile' suite.
 *
 * Invariant checks abort(): a harness fails on crashes and sanitizer
 * reports, and also when a public contract is broken (strings handed out
 * by the parser must be valid, NUL-free UTF-8).
 */
#ifndef FEEDSIFT_FUZZ_H
#define FEEDSIFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless s is NULL or valid UTF-8 (fs_utf8_valid also refuses NUL). */
static inline void fuzz_check_utf8(const char *what, const char *s)
{
    if (s && !fs_utf8_valid(s, strlen(s))) {
        fprintf(stderr, "fuzz: %s is not valid UTF-8\n", what);
        abort();
    }
}

/* A NUL-terminated copy of the input (the callee under test may want a C
 * string; the fuzzer's buffer is not terminated).  Caller frees. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = fs_malloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif /* FEEDSIFT_FUZZ_H */
