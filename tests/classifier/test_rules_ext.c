/*
 * test_rules_ext.c — the rule language additions and the Vectorscan
 * prefilter: score/threshold rules, empty alternatives, the prefilter
 * giving exactly the plain PCRE2 loop's tags and evidence (default rules
 * on the labeled set, tricky patterns on random texts), the width bound
 * the prefilter starts PCRE2 from (never shorter than a real match),
 * pathological patterns in both modes, `rules test` and `rules eval` as
 * library calls.
 *
 * usage: test_rules_ext LABELED.jsonl
 */
#include "tap.h"
#include "testrand.h"
#include "classifier.h"
#include "config.h"
#include "rules_internal.h"     /* rules_pattern_max_chars, set->patterns */

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

static struct rule_set *load_str(const char *text, fs_error *err)
{
    struct rule_set *set = NULL;
    memset(err, 0, sizeof(*err));
    rule_set_load_buffer(text, strlen(text), "t.rules", &set, err);
    return set;
}

static struct rule_set *load_mode(const char *text, int prefilter)
{
    fs_error err;
    setenv("FEEDSIFT_PREFILTER", prefilter ? "1" : "0", 1);
    struct rule_set *set = load_str(text, &err);
    unsetenv("FEEDSIFT_PREFILTER");
    if (!set)
        printf("# load: %s\n", err.msg);
    return set;
}

static void load_fails(const char *text, const char *want, const char *what)
{
    fs_error err;
    struct rule_set *set = load_str(text, &err);
    ok(set == NULL && err.code == FS_EINVAL, what);
    is_str(err.msg, want, what);
    rule_set_free(set);
}

/* Every hit with its evidence and offsets, one string. */
static char *hits_of(const struct rule_set *set, const struct classify_input *in,
                     size_t *n_warn)
{
    struct classification c;
    fs_error err;
    rule_set_match(set, in, &c, &err);
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c.n_hits; i++)
        strbuf_addf(&sb, "%s%s:%s:%s:%s:%zu-%zu", i ? "|" : "",
                    c.hits[i].tag, c.hits[i].rule_id, c.hits[i].field,
                    c.hits[i].matched, c.hits[i].start, c.hits[i].end);
    if (n_warn)
        *n_warn = c.n_warnings;
    classification_release(&c);
    return strbuf_detach(&sb, NULL);
}

static char *title_hits(const struct rule_set *set, const char *title)
{
    struct classify_input in = {title, NULL, NULL, NULL, NULL};
    return hits_of(set, &in, NULL);
}

static void test_score(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "[rule re-score]\ntag = rare-earths\nthreshold = 3\n"
        "score = 2 \\brare[- ]earths?\\b\n"
        "score = 1 \\bmagnets?\\b\n"
        "score = +1 \\b(neodymium|dysprosium)\\b\n"
        "score = -3 \\bfish(ing)?\\b\n", &err);
    ok(set != NULL, "score rule loads");
    char *h = title_hits(set, "Rare earth magnet output rises");
    is_str(h, "rare-earths:re-score:title:Rare earth:0-10",
           "2 + 1 reaches threshold 3; evidence = first positive match");
    free(h);
    h = title_hits(set, "Rare earth output rises");
    is_str(h, "", "2 < 3: no tag");
    free(h);
    h = title_hits(set, "Magnets and neodymium, a rare earth story");
    is_str(h, "rare-earths:re-score:title:rare earth:25-35",
           "all three weights add up (4)");
    free(h);
    h = title_hits(set, "Rare earth magnets found in fishing gear");
    is_str(h, "", "a negative weight pulls the score below threshold");
    free(h);
    h = title_hits(set, "magnet magnet magnet");
    is_str(h, "", "a pattern counts once however often it matches");
    free(h);
    rule_set_free(set);

    /* score combines with any (AND) */
    set = load_str("[rule r]\ntag = t\nany = \\bchina\\b\nthreshold = 2\n"
                   "score = 1 \\bquota\\b\nscore = 1 \\bexport\\b\n", &err);
    h = title_hits(set, "China export quota");
    is_str(h, "t:r:title:China:0-5", "any + score: evidence from any");
    free(h);
    h = title_hits(set, "Export quota set");
    is_str(h, "", "any + score: any missing, no tag");
    free(h);
    rule_set_free(set);

    load_fails("[rule r]\ntag = t\nscore = 2 abc\n",
               "t.rules:1:7: rule 'r' has score lines but no threshold",
               "score without threshold");
    load_fails("[rule r]\ntag = t\nany = x\nthreshold = 2\n",
               "t.rules:4:13: threshold without score lines",
               "threshold without score");
    load_fails("[rule r]\ntag = t\nthreshold = 5\nscore = 2 abc\n"
               "score = -4 def\n",
               "t.rules:3:13: threshold 5 cannot be reached: the positive "
               "weights add up to 2", "unreachable threshold");
    load_fails("[rule r]\ntag = t\nthreshold = 1\nscore = 0 abc\n",
               "t.rules:4:9: score weight 0: use a non-zero integer from "
               "-1000 to 1000", "zero weight");
    load_fails("[rule r]\ntag = t\nthreshold = 1\nscore = abc\n",
               "t.rules:4:9: expected 'score = WEIGHT PATTERN' (an integer, "
               "a blank, then the pattern)", "weight missing");
    load_fails("[rule r]\ntag = t\nthreshold = x\nscore = 1 abc\n",
               "t.rules:3:13: threshold must be an integer from 1 to 100000",
               "bad threshold");
    load_fails("[rule r]\ntag = t\nthreshold = 1\nscore = 1 a(b\n",
               "t.rules:4:14: missing closing parenthesis",
               "score pattern errors carry PCRE2's message and column");
}

static void test_empty_alternatives(void)
{
    static const char *const bad[][2] = {
        {"(|a)b", "t.rules:3:8"},  {"a||b", "t.rules:3:9"},
        {"|ab", "t.rules:3:7"},    {"(?:ab|)c", "t.rules:3:12"},
        {"x(a|)y", "t.rules:3:10"}, {"(?i:|a)b", "t.rules:3:11"},
        {"(?<n>|a)b", "t.rules:3:12"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *text = fs_asprintf("[rule a]\ntag = x\nany = %s\n", bad[i][0]);
        fs_error err;
        struct rule_set *set = load_str(text, &err);
        char *what = fs_asprintf("empty alternative rejected: %s", bad[i][0]);
        ok(!set && strstr(err.msg, bad[i][1]) &&
               strstr(err.msg, "empty alternative"), what);
        if (set || !strstr(err.msg, bad[i][1]))
            printf("# got: %s\n", err.msg);
        free(what);
        free(text);
        rule_set_free(set);
    }
    static const char *const good[] = {
        "a|b", "[|]x", "\\|x", "(?|(a)|(b))c", "\\Q||\\Ex", "(?i)ab|cd",
        "(?#|)ab", "[]|]x", "(a|b)|(c|d)", "(?=x)x|y",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *text = fs_asprintf("[rule a]\ntag = x\nany = %s\n", good[i]);
        fs_error err;
        struct rule_set *set = load_str(text, &err);
        char *what = fs_asprintf("no false alarm: %s", good[i]);
        ok(set != NULL, what);
        if (!set)
            printf("# got: %s\n", err.msg);
        free(what);
        free(text);
        rule_set_free(set);
    }
}

/* ---- prefilter == plain loop ----------------------------------------- */

static const char TRICKY_RULES[] =
    "[rule lit]\ntag = a/lit\nany = \\brare[- ]earths?\\b\n"
    "[rule backref]\ntag = a/backref\nany = \\b(\\w{3,}) \\1\\b\n"
    "[rule lookbehind]\ntag = a/lb\nany = (?<=\\bthe )won\\b\n"
    "[rule unicode]\ntag = a/uni\nany = \\bétats?\\b\n"
    "[rule props]\ntag = a/props\ncase = sensitive\nany = \\b\\p{Lu}{4,}\\b\n"
    "[rule cs]\ntag = a/cs\ncase = sensitive\nany = \\bFed\\b\n"
    "[rule inline]\ntag = a/inline\ncase = sensitive\nany = (?i)gold(?-i) "
    "Price\n"
    "[rule recursion]\ntag = a/rec\nany = \\((?:[^()]|(?R))*\\)\n"
    "[rule callout]\ntag = a/callout\nany = quo(?C1)ta\n"
    "[rule near]\ntag = a/near\nnear = \\bquotas?\\b ~3 \\bchina\\b\n"
    "[rule allr]\ntag = a/all\nall = \\boil\\b\nall = \\bprices?\\b\n"
    "none = \\bolive oil\\b\n"
    "[rule scored]\ntag = a/score\nthreshold = 2\nscore = 1 \\btariffs?\\b\n"
    "score = 1 \\bsteel\\b\nscore = 1 \\b(eu|u\\.s\\.)\\b\n"
    "score = -2 \\bfootball\\b\n"
    "[rule dotnl]\ntag = a/dot\nany = start.+end\n"
    "[rule anchor]\ntag = a/anchor\nfields = title\nany = ^breaking\\b\n"
    "[rule bounded]\ntag = a/bounded\nany = \\b[a-z]{2,5}-\\d{1,3}\\b\n"
    /* for the start bound (PCRE2 starts max_chars characters before the
     * first prefilter end): one character of several bytes matched by an
     * ASCII pattern character (Kelvin sign K, long s), bounded repeats
     * over non-ASCII letters, alternatives of different lengths, a
     * literal "{,3}", \b next to non-ASCII letters, and a near pair whose
     * halves occur several times (the end bound stops the search for
     * the next one) */
    "[rule fold]\ntag = b/fold\nany = \\bstra(ß|ss)e\\b\n"
    "[rule kelvin]\ntag = b/kelvin\nany = \\bkm/h\\b\n"
    "[rule rep]\ntag = b/rep\nany = \\bzz\\w{0,3}ing\\b\n"
    "[rule alts]\ntag = b/alts\nany = \\b(é|ét|éta)ts\\b\n"
    "[rule brace]\ntag = b/brace\nany = x{,3}y\n"
    "[rule edge]\ntag = b/edge\ncase = sensitive\nany = \\bFed\\w?\\b\n"
    "[rule near2]\ntag = b/near2\nnear = \\bquotas?\\b ~1 \\bsteel\\b\n";

static const char *const WORDS[] = {
    "rare", "earth", "earths", "rare-earth", "the", "won", "état", "ÉTAT",
    "états", "Fed", "fed", "FED", "gold", "Price", "price", "GOLD", "(",
    ")", "(a)", "((b))", "quota", "quotas", "China", "china", "oil",
    "olive", "prices", "tariff", "tariffs", "steel", "EU", "u.s.", "U.S.",
    "football", "start", "end", "\n", "breaking", "Breaking", "news",
    "ab-12", "xyz-999", "abcdef-1", "the the", "won won", "NATO", "Ünïcödé",
    "ÅÄÖ", "straße", "STRASSE", "ﬁsh", "’", "—", ",", ".", "a", "I",
    "ſtraße", "STRAſSE", "\xE2\x84\xAAm/h", "km/h", "KM/H", "zzing",
    "zzäing", "zzÄÖÜing", "zzabcding", "ééts", "étts", "éts", "x{,3}y",
    "xxxy", "Fedé", "éFed", "Fed’", "FedX", "quota steel", "steel", "quota",
};

static unsigned long long rng = TEST_RAND_SEED;
static unsigned rnd(unsigned n)
{
    return test_rand(&rng, n);
}

static char *random_text(size_t words)
{
    struct strbuf sb = STRBUF_INIT;
    size_t nw = sizeof(WORDS) / sizeof(WORDS[0]);
    for (size_t i = 0; i < words; i++) {
        if (i)
            strbuf_addch(&sb, rnd(5) ? ' ' : ',');
        strbuf_addstr(&sb, WORDS[rnd((unsigned)nw)]);
    }
    return strbuf_detach(&sb, NULL);
}

static void test_equivalence_random(void)
{
    struct rule_set *pf = load_mode(TRICKY_RULES, 1);
    struct rule_set *plain = load_mode(TRICKY_RULES, 0);
    if (!ok(pf && plain, "tricky rules load in both modes")) {
        rule_set_free(pf);
        rule_set_free(plain);
        return;
    }
    struct strbuf d = STRBUF_INIT;
    rule_set_engine_describe(pf, &d);
    printf("# prefilter: %s\n", d.buf);
    strbuf_release(&d);
#ifdef FEEDSIFT_HAVE_HS
    ok(rule_set_prefiltered(pf), "Vectorscan build: the set is prefiltered");
#else
    ok(!rule_set_prefiltered(pf), "no Vectorscan: plain loop");
#endif
    ok(!rule_set_prefiltered(plain), "FEEDSIFT_PREFILTER=0: plain loop");

    size_t n = 3000, same = 0, with_hits = 0;
    char *first_diff = NULL;
    for (size_t i = 0; i < n; i++) {
        char *t = random_text(3 + rnd(10));
        char *s = random_text(rnd(40));
        char *b = rnd(3) ? random_text(rnd(200)) : NULL;
        struct classify_input in = {t, s, b, NULL, NULL};
        char *a = hits_of(pf, &in, NULL), *p = hits_of(plain, &in, NULL);
        if (!strcmp(a, p))
            same++;
        else if (!first_diff)
            first_diff = fs_asprintf("title=%s\n#  prefilter: %s\n#  plain:"
                                     " %s", t, a, p);
        with_hits += *p != 0;
        free(a);
        free(p);
        free(t);
        free(s);
        free(b);
    }
    printf("# %zu random items, %zu with hits\n", n, with_hits);
    ok(same == n, "prefilter and plain loop agree on every random item "
                  "(tags, rules, fields, evidence, offsets)");
    if (first_diff)
        printf("# first difference: %s\n", first_diff);
    free(first_diff);
    ok(with_hits > n / 2, "random items exercise the rules");

    /* every tricky rule fires in both modes on its own text */
    static const char *const fire[][2] = {
        {"Rare earth output", "a/lit"},   {"the the end", "a/backref"},
        {"the won fell", "a/lb"},         {"L'ÉTAT vend", "a/uni"},
        {"NATO talks", "a/props"},        {"Fed holds", "a/cs"},
        {"GOLD Price up", "a/inline"},    {"f(x(y))", "a/rec"},
        {"a quota", "a/callout"},         {"quota set by China", "a/near"},
        {"oil prices", "a/all"},          {"EU steel", "a/score"},
        {"Breaking: x", "a/anchor"},      {"ab-12", "a/bounded"},
    };
    for (size_t i = 0; i < sizeof(fire) / sizeof(fire[0]); i++) {
        char *a = title_hits(pf, fire[i][0]), *p = title_hits(plain, fire[i][0]);
        char *what = fs_asprintf("%s fires on '%s' in both modes", fire[i][1],
                                 fire[i][0]);
        ok(strstr(a, fire[i][1]) && !strcmp(a, p), what);
        if (!strstr(a, fire[i][1]) || strcmp(a, p))
            printf("# prefilter: %s\n# plain: %s\n", a, p);
        free(what);
        free(a);
        free(p);
    }
    static const char *const quiet[] = {"the fed", "gold price", "olive oil "
                                        "prices", "EU steel football",
                                        "start\nend", "news: breaking"};
    for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        char *a = title_hits(pf, quiet[i]), *p = title_hits(plain, quiet[i]);
        char *what = fs_asprintf("no tag on '%s' in either mode", quiet[i]);
        ok(!*a && !*p, what);
        if (*a || *p)
            printf("# prefilter: %s\n# plain: %s\n", a, p);
        free(what);
        free(a);
        free(p);
    }
    rule_set_free(pf);
    rule_set_free(plain);
}

/* ---- the width bound ---------------------------------------------------
 * rules_pattern_max_chars() must never be below the length, in
 * characters, of a real PCRE2 match: the prefilter starts PCRE2 that many
 * characters before the first prefilter end, so a short bound would skip
 * the real first match. */
#ifdef FEEDSIFT_HAVE_HS
static size_t utf8_chars(const char *s, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
#endif

static void test_max_chars(void)
{
#ifdef FEEDSIFT_HAVE_HS
    static const struct {
        const char *pattern;
        unsigned want;          /* UINT_MAX: unbounded / unknown */
    } cases[] = {
        {"\\bdosuti\\b", 6},
        {"\\b(a|bc)(ing|ed|s)?\\b", 5},
        {"\\bkm/h\\b", 4},
        {"^breaking\\b", 8},
        {"\\Aa\\Bb\\z", 2},
        {"[\\b]x", 2},            /* a backspace class, not a boundary */
        {"[]\\b]x", 2},
        {"[[:alpha:]\\b]x", 2},
        {"\\\\bx", 3},           /* an escaped backslash, then "bx" */
        {"\\Q\\b$\\E", 3},         /* quoted: three literal characters */
        {"x{,3}y", 6},              /* six literal characters in PCRE2 10.42 */
        {"(?<=\\bthe )won\\b", 3},  /* a lookbehind is not in the span */
        {"quo(?=ta)", 3},
        {"\\b(\\w{3,}) \\1\\b", UINT_MAX},
        {"\\w+", UINT_MAX},
        {"\\((?:[^()]|(?R))*\\)", UINT_MAX},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned got = rules_pattern_max_chars(cases[i].pattern);
        char *what = fs_asprintf("max_chars(%s) = %u (want %u)",
                                 cases[i].pattern, got, cases[i].want);
        ok(got == cases[i].want, what);
        free(what);
    }
    /* bounds that may be generous but never short */
    ok(rules_pattern_max_chars("é{2}") >= 2, "é{2}: at least 2");
    ok(rules_pattern_max_chars("\\b\\p{Lu}{4}\\b") >= 4,
       "\\p{Lu}{4}: at least 4 (or unknown)");

    /* every match of every tricky pattern on random text fits its bound */
    struct rule_set *set = load_mode(TRICKY_RULES, 0);
    if (!ok(set != NULL, "tricky rules load"))
        return;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    unsigned *width = fs_calloc(set->n_patterns, sizeof(*width));
    for (size_t i = 0; i < set->n_patterns; i++)
        width[i] = rules_pattern_max_chars(set->patterns[i]->source);
    size_t checked = 0, bad = 0;
    for (int t = 0; t < 400; t++) {
        char *text = random_text(5 + rnd(60));
        size_t len = strlen(text);
        for (size_t i = 0; i < set->n_patterns; i++) {
            const struct rule_pattern *p = set->patterns[i];
            unsigned w = width[i];
            size_t from = 0;
            while (from < len &&
                   pcre2_match(p->code, (PCRE2_SPTR)text, len, from,
                               PCRE2_NOTEMPTY, md, NULL) >= 0) {
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                size_t n = utf8_chars(text, ov[0], ov[1]);
                checked++;
                if (w != UINT_MAX && n > w) {
                    if (!bad++)
                        printf("# %s matched %zu characters, bound %u: "
                               "'%.*s'\n", p->source, n, w,
                               (int)(ov[1] - ov[0]), text + ov[0]);
                }
                from = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
                while (from < len &&
                       ((unsigned char)text[from] & 0xC0) == 0x80)
                    from++;
            }
        }
        free(text);
    }
    printf("# %zu matches checked against their bound\n", checked);
    ok(checked > 1000 && bad == 0, "no match is longer than its pattern's "
                                   "max_chars");
    free(width);
    pcre2_match_data_free(md);
    rule_set_free(set);
#else
    ok(rules_pattern_max_chars("abc") == UINT_MAX,
       "no Vectorscan: no width bound");
#endif
}

static void test_equivalence_labeled(const char *labeled)
{
    fs_error err = {0};
    struct rule_set *pf = NULL, *plain = NULL;
    setenv("FEEDSIFT_PREFILTER", "0", 1);
    rule_set_load(FEEDSIFT_RULES_DEFAULT, &plain, &err);
    setenv("FEEDSIFT_PREFILTER", "1", 1);
    rule_set_load(FEEDSIFT_RULES_DEFAULT, &pf, &err);
    unsetenv("FEEDSIFT_PREFILTER");
    if (!ok(pf && plain, "default rules load in both modes"))
        return;
    FILE *f = fopen(labeled, "r");
    char line[65536];
    size_t n = 0, same = 0;
    while (f && fgets(line, sizeof(line), f)) {
        json_t *item = json_loads(line, 0, NULL);
        if (!item)
            continue;
        struct classify_input in = {
            json_string_value(json_object_get(item, "title")),
            json_string_value(json_object_get(item, "summary")),
            json_string_value(json_object_get(item, "body")), NULL, NULL};
        char *a = hits_of(pf, &in, NULL), *p = hits_of(plain, &in, NULL);
        n++;
        if (!strcmp(a, p))
            same++;
        else
            printf("# differs: %s\n#  prefilter: %s\n#  plain: %s\n",
                   in.title, a, p);
        free(a);
        free(p);
        json_decref(item);
    }
    if (f)
        fclose(f);
    ok(n > 100 && same == n, "labeled set: prefilter and plain loop give the "
                             "same tags and evidence on every item");
    rule_set_free(pf);
    rule_set_free(plain);
}

/* Default (no FEEDSIFT_PREFILTER): the plain loop until the set has
 * matched 8 MB, then the prefilter (built on a thread of its own, so
 * matching goes on meanwhile), with the same results throughout. */
static void test_lazy(void)
{
    fs_error err;
    unsetenv("FEEDSIFT_PREFILTER");
    struct rule_set *set = load_str(TRICKY_RULES, &err);
#ifdef FEEDSIFT_HAVE_HS
    ok(set && !rule_set_prefiltered(set), "lazy: no prefilter at load");
    size_t n = 64 * 1024;
    char *body = fs_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        body[i] = "abcdefgh oil  "[i % 14];
    body[n] = '\0';
    memcpy(body + 1000, " oil prices ", 12);
    struct classify_input in = {"Rare earth output", NULL, body, NULL, NULL};
    char *first = hits_of(set, &in, NULL), *last = NULL;
    int same = 1;
    for (int i = 0; i < 140; i++) { /* 140 x 64 KB > 8 MB */
        free(last);
        last = hits_of(set, &in, NULL);
        same &= !strcmp(first, last);
    }
    /* the build started at 8 MB; keep matching until it is published */
    int rounds = 0;
    while (!rule_set_prefiltered(set) && rounds++ < 60000) {
        free(last);
        last = hits_of(set, &in, NULL);
        same &= !strcmp(first, last);
    }
    ok(rule_set_prefiltered(set), "lazy: prefilter built after 8 MB, "
                                  "while matching went on");
    ok(same && *first, "lazy: the same hits before and after");
    struct strbuf d = STRBUF_INIT;
    rule_set_engine_describe(set, &d);
    ok(strstr(d.buf, "patterns prefiltered") != NULL, d.buf);
    strbuf_release(&d);
    free(first);
    free(last);
    free(body);
#else
    ok(set && !rule_set_prefiltered(set), "no Vectorscan: never prefiltered");
#endif
    rule_set_free(set);
}

static void test_pathological(void)
{
    static const char RULES[] =
        "[rule evil]\ntag = evil\nfields = body\nany = (a|aa)*b\n"
        "[rule good]\ntag = good\nfields = body\nany = aaa\n";
    size_t n = 100 * 1024;
    char *body = fs_malloc(n + 3);
    memset(body, 'a', n);
    memcpy(body + n, "xb", 3); /* a 'b' so the prefilter lets PCRE2 run */
    for (int mode = 1; mode >= 0; mode--) {
        struct rule_set *set = load_mode(RULES, mode);
        struct classify_input in = {NULL, NULL, body, NULL, NULL};
        struct classification c;
        fs_error err;
        rule_set_match(set, &in, &c, &err);
        char *what = fs_asprintf("%s: (a|aa)*b on 100 KB of 'a' + 'xb' is "
                                 "reported for the rule and field, the other "
                                 "rule still fires",
                                 mode ? "prefilter" : "plain loop");
        ok(c.n_hits == 1 && !strcmp(c.hits[0].tag, "good") &&
               c.n_warnings == 1 && strstr(c.warnings[0], "rule evil") &&
               strstr(c.warnings[0], "field body") &&
               strstr(c.warnings[0], "limit"), what);
        if (c.n_warnings)
            printf("# %s\n", c.warnings[0]);
        free(what);
        classification_release(&c);
        rule_set_free(set);
    }
    free(body);
}

/* The same with a bounded pattern: the prefilter's start bound makes the
 * confirmation short, so it goes to the PCRE2 interpreter first; the
 * interpreter hits the match limit, the JIT retry hits it too, and both
 * modes report it the same way (lookahead (?=c) fails after every one of
 * the ~10^8 ways to split the a's; the prefilter ignores lookaheads, so
 * it does let PCRE2 run). */
static void test_pathological_bounded(void)
{
    static const char RULES[] =
        "[rule evil]\ntag = evil\nfields = body\nany = (a|aa){1,40}(?=c)b\n"
        "[rule good]\ntag = good\nfields = body\nany = \\bxyz\\b\n";
    char body[128];
    memset(body, 'a', 60);
    memcpy(body + 60, "b xyz", 6);
    char *res[2] = {NULL, NULL};
    for (int mode = 1; mode >= 0; mode--) {
        struct rule_set *set = load_mode(RULES, mode);
        struct classify_input in = {NULL, NULL, body, NULL, NULL};
        struct classification c;
        fs_error err;
        rule_set_match(set, &in, &c, &err);
        char *what = fs_asprintf("%s: bounded (a|aa){1,40}(?=c)b is reported "
                                 "as hitting a limit, the other rule fires",
                                 mode ? "prefilter" : "plain loop");
        ok(c.n_hits == 1 && !strcmp(c.hits[0].tag, "good") &&
               c.n_warnings == 1 && strstr(c.warnings[0], "rule evil") &&
               strstr(c.warnings[0], "limit"), what);
        if (c.n_warnings)
            printf("# %s\n", c.warnings[0]);
        res[mode] = fs_asprintf("%zu hits, %zu warnings: %s", c.n_hits,
                                c.n_warnings,
                                c.n_warnings ? c.warnings[0] : "");
        free(what);
        classification_release(&c);
        rule_set_free(set);
    }
    is_str(res[1], res[0], "bounded pathological: same outcome in both modes");
    free(res[0]);
    free(res[1]);
}

/* Four threads share one prefiltered set (one gets the cached workspace,
 * the others their own) and must each get the single-thread answers. */
struct thread_job {
    const struct rule_set *set;
    char **texts;
    char **want;
    size_t n;
    int same;
};

static void *thread_run(void *arg)
{
    struct thread_job *j = arg;
    j->same = 1;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < j->n; i++) {
            struct classify_input in = {j->texts[i], NULL, j->texts[i], NULL,
                                        NULL};
            char *got = hits_of(j->set, &in, NULL);
            j->same &= !strcmp(got, j->want[i]);
            free(got);
        }
    }
    return NULL;
}

static void test_threads(void)
{
    struct rule_set *set = load_mode(TRICKY_RULES, 1);
    size_t n = 50;
    char *texts[50], *want[50];
    for (size_t i = 0; i < n; i++) {
        texts[i] = random_text(30);
        struct classify_input in = {texts[i], NULL, texts[i], NULL, NULL};
        want[i] = hits_of(set, &in, NULL);
    }
    struct thread_job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (struct thread_job){set, texts, want, n, 0};
        pthread_create(&th[t], NULL, thread_run, &jobs[t]);
    }
    int all = 1;
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        all &= jobs[t].same;
    }
    ok(all, "4 threads sharing one prefiltered set get the same hits");
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
        free(want[i]);
    }
    rule_set_free(set);
}

static void collect(void *ctx, const char *msg)
{
    struct strbuf *sb = ctx;
    strbuf_addf(sb, "%s\n", msg);
}

static void test_examples_and_eval(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "[rule r]\ntag = x/y\nany = \\bwon\\b\nall = korea\n"
        "example+ = Korean won weakens\n"
        "example+ = Korean currency weakens\n"
        "example- = Korea's won slides\n"
        "example- = Korea sports news\n", &err);
    struct strbuf sb = STRBUF_INIT;
    size_t run = 0, failed = 0;
    is_int(rule_set_test_examples(set, collect, &sb, &run, &failed), FS_OK,
           "examples run");
    ok(run == 4 && failed == 2, "4 examples, 2 fail");
    is_str(sb.buf,
           "t.rules:6: rule r (tag x/y): example+ does not fire: \"Korean "
           "currency weakens\"\n"
           "t.rules:7: rule r (tag x/y): example- fires (matched \"won\" in "
           "title): \"Korea's won slides\"\n",
           "failures name file:line, rule, tag and text");
    strbuf_release(&sb);

    char path[] = "/tmp/feedsift-eval-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("{\"title\": \"Korean won weakens\", \"tags\": [\"x/y\"]}\n"
          "{\"title\": \"Korea won the match\", \"tags\": []}\n"
          "{\"title\": \"Korean currency falls\", \"tags\": [\"x\"]}\n"
          "\n"
          "not json\n", f);
    fclose(f);
    struct rule_eval ev;
    is_int(rule_set_eval_labeled(set, path, &ev, &err), FS_OK, "eval runs");
    ok(ev.n_items == 3 && ev.n_exact == 1 && ev.n_bad_lines == 1,
       "3 items, 1 exact, 1 bad line");
    ok(ev.n_tags == 2 && !strcmp(ev.tags[0].tag, "x") &&
           ev.tags[0].tp == 1 && ev.tags[0].fp == 1 && ev.tags[0].fn == 1 &&
           ev.tags[1].tp == 1 && ev.tags[1].fp == 1 && ev.tags[1].fn == 0,
       "parents count: x has tp 1 fp 1 fn 1; x/y tp 1 fp 1");
    ok(ev.n_tags == 2 && ev.tags[0].precision == 0.5 &&
           ev.tags[0].recall == 0.5 && ev.tags[0].f1 == 0.5,
       "precision, recall, F1");
    ok(ev.n_misses == 3 && ev.misses[0].line == 2 &&
           ev.misses[0].false_positive && strstr(ev.misses[0].why, "r=\"won\"") &&
           ev.misses[2].line == 3 && !ev.misses[2].false_positive,
       "misses with line, kind and evidence");
    ok(ev.n_problems == 1 && strstr(ev.problems[0], "line 5"),
       "bad line reported with its number");
    rule_eval_release(&ev);
    unlink(path);
    rule_set_free(set);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_rules_ext LABELED.jsonl\n");
        return 2;
    }
    test_score();
    test_empty_alternatives();
    test_equivalence_random();
    test_max_chars();
    test_equivalence_labeled(argv[1]);
    test_pathological();
    test_pathological_bounded();
    test_lazy();
    test_threads();
    test_examples_and_eval();
    return tap_done();
}
