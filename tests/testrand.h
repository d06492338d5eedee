/*
 * testrand.h — a small deterministic generator for tests that build random
 * inputs (xorshift64): the same seed gives the same inputs on every
 * machine, so a failure reproduces.  Each test keeps its own state.
 */
#ifndef FEEDSIFT_TESTRAND_H
#define FEEDSIFT_TESTRAND_H

/* A seed the tests share when any will do. */
#define TEST_RAND_SEED 88172645463325252ULL

/* The next value of *state, reduced to [0, n). */
static inline unsigned test_rand(unsigned long long *state, unsigned n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (unsigned)(*state % n);
}

#endif
