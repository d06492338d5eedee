/*
 * rules_compile.c — turn one rule pattern into PCRE2 code, and build the
 * match context that bounds every match.
 *
 * Every pattern is compiled once, with PCRE2_UTF | PCRE2_UCP (so \b, \w
 * and caseless matching understand non-ASCII letters) and PCRE2_CASELESS
 * unless the rule asked for case = sensitive.  JIT compilation is tried and
 * silently skipped when unavailable: the interpreter gives the same answers.
 *
 * A pattern that can match the empty string is refused: it would "match"
 * every item, and its evidence would be an empty string that explains
 * nothing.
 */
#include "rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JIT code scans the subject in 16-byte blocks that may pass its end
 * (harmlessly, within the page); valgrind cannot tell and reports every
 * such read.  So JIT is skipped under valgrind (recognised by its preload
 * library) or when FEEDSIFT_PCRE2_JIT=0; the interpreter gives the same
 * answers, only slower. */
static int jit_wanted(void)
{
    const char *env = getenv("FEEDSIFT_PCRE2_JIT");
    if (env && strcmp(env, "0") == 0)
        return 0;
    const char *preload = getenv("LD_PRELOAD");
    return !(preload && strstr(preload, "vgpreload"));
}

int rule_pattern_compile(struct rule_pattern *p, int case_sensitive,
                         char *msg, size_t msgsize, size_t *err_offset)
{
    uint32_t options = PCRE2_UTF | PCRE2_UCP;
    if (!case_sensitive)
        options |= PCRE2_CASELESS;

    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p->source,
                                     PCRE2_ZERO_TERMINATED, options, &errcode,
                                     &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR buf[256];
        if (pcre2_get_error_message(errcode, buf, sizeof(buf)) < 0)
            snprintf((char *)buf, sizeof(buf), "PCRE2 error %d", errcode);
        snprintf(msg, msgsize, "%s", (const char *)buf);
        *err_offset = erroff;
        return -1;
    }

    /* PCRE2's minimum subject length is a safe lower bound: 0 means the
     * pattern may match without consuming anything (x?, \b, (?=x)). */
    uint32_t minlen = 0;
    if (pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen) != 0 ||
        minlen == 0) {
        pcre2_code_free(code);
        snprintf(msg, msgsize, "pattern can match the empty string");
        *err_offset = 0;
        return -1;
    }

    /* JIT may fail (no JIT support, no executable memory): fine, the
     * interpreter gives the same answers; p->jit records which one runs */
    p->jit = 0;
    if (jit_wanted() && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0) {
        size_t jit_size = 0;
        p->jit = pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit_size) == 0
                 && jit_size > 0;
    }
    p->code = code;
    return 0;
}

pcre2_match_context *rule_match_context_new(void)
{
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    if (!mctx)
        fs_oom();
    pcre2_set_match_limit(mctx, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(mctx, RULE_DEPTH_LIMIT);
    pcre2_set_heap_limit(mctx, RULE_HEAP_LIMIT_KIB);
    return mctx;
}
