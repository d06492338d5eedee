/*
 * test_rules.c — the rule language and the matcher: parse errors with
 * file:line:column, include and include cycles, any/all/none/near
 * semantics, fields, case, evidence, hostile patterns and hostile text,
 * tag hierarchy, embedded examples.
 */
#include "tap.h"
#include "classifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

static char tmpdir[] = "/tmp/feedsift-rules-XXXXXX";

static struct rule_set *load_str(const char *text, fs_error *err)
{
    struct rule_set *set = NULL;
    memset(err, 0, sizeof(*err));
    rule_set_load_buffer(text, strlen(text), "t.rules", &set, err);
    return set;
}

/* Load text and expect it to fail with exactly `want` as the message. */
static void load_fails(const char *text, const char *want, const char *what)
{
    fs_error err;
    struct rule_set *set = load_str(text, &err);
    ok(set == NULL && err.code == FS_EINVAL, what);
    is_str(err.msg, want, what);
    rule_set_free(set);
}

static char *write_file(const char *name, const char *text)
{
    char *path = fs_asprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Classify and return "tag:rule:field:matched|..." for easy comparison. */
static char *classify(const struct rule_set *set, const char *title,
                      const char *summary, const char *body, size_t *n_warn)
{
    struct classify_input in = {title, summary, body, NULL, NULL};
    struct classification c;
    fs_error err;
    if (rule_set_match(set, &in, &c, &err) != FS_OK)
        return fs_strdup("ERROR");
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c.n_hits; i++)
        strbuf_addf(&sb, "%s%s:%s:%s:%s", i ? "|" : "", c.hits[i].tag,
                    c.hits[i].rule_id, c.hits[i].field, c.hits[i].matched);
    if (n_warn)
        *n_warn = c.n_warnings;
    classification_release(&c);
    return strbuf_detach(&sb, NULL);
}

static void check_classify(const struct rule_set *set, const char *title,
                           const char *summary, const char *body,
                           const char *want, const char *what)
{
    char *got = classify(set, title, summary, body, NULL);
    is_str(got, want, what);
    free(got);
}

static void test_parse_errors(void)
{
    load_fails("[rule a]\ntag = x\nany = foo(bar\n",
               "t.rules:3:14: missing closing parenthesis",
               "PCRE2 error: column is pattern column + error offset");
    load_fails("[rule a]\ntag = x\nany = ok\nall =   ab[c\n",
               "t.rules:4:13: missing terminating ] for character class",
               "error column counts from the pattern start");
    load_fails("[rule a]\ntag = x\nany = é(?<n\n",
               "t.rules:3:12: syntax error in subpattern name (missing "
               "terminator?)",
               "columns count characters, not bytes");
    load_fails("[rule a]\ntag = x\nany = colou?r|\n",
               "t.rules:3:14: empty alternative in '|': that part of the "
               "pattern becomes optional (write (?:x)? if that is meant)",
               "a trailing empty alternative is rejected");
    load_fails("[rule a]\ntag = x\nany = \\b\n",
               "t.rules:3:7: pattern can match the empty string",
               "zero-width pattern is rejected");
    load_fails("tag = x\n", "t.rules:1:1: 'tag' outside a [rule ID] section",
               "key before any rule");
    load_fails("[rule a]\n  tag = x\n  colour = red\nany = x\n",
               "t.rules:3:3: unknown key 'colour'", "unknown key");
    load_fails("\n[rule a]\nany = x\n", "t.rules:2:7: rule 'a' has no tag",
               "rule without tag");
    load_fails("[rule a]\ntag = x\nnone = y\n",
               "t.rules:1:7: rule 'a' has no any, all, near or score pattern",
               "none alone cannot fire");
    load_fails("[rule a]\ntag = x\nany = x\n[rule a]\ntag = y\nany = y\n",
               "t.rules:4:7: duplicate rule id 'a' (first defined at "
               "t.rules:1)",
               "duplicate rule id");
    load_fails("[rule a b]\n",
               "t.rules:1:9: bad rule id: use letters, digits, '-', '_' or "
               "'.', then ']'",
               "rule id with a space");
    load_fails("[rule a]\ntag = x//y\nany = x\n",
               "t.rules:2:7: bad tag 'x//y': use name characters and '/'",
               "bad tag");
    load_fails("[rule a]\ntag = x\nfields = title, bdy\nany = x\n",
               "t.rules:3:17: unknown field 'bdy' (title, summary, body, "
               "link, feed)",
               "unknown field");
    load_fails("[rule a]\ntag = x\nalert = maybe\nany = x\n",
               "t.rules:3:9: alert must be yes or no", "bad alert flag");
    load_fails("[rule a]\ntag = x\nnear = quota~5 rare\n",
               "t.rules:3:8: expected 'near = PATTERN ~N PATTERN' (blanks "
               "around ~N)",
               "near without blanks");
    load_fails("[rule a]\ntag = x\nnear = quota ~5 (rare\n",
               "t.rules:3:22: missing closing parenthesis",
               "near: second pattern column");
    load_fails("[rule a]\ntag = x\nany = caf\xe9\n",
               "t.rules:3:1: line is not valid UTF-8 text",
               "invalid UTF-8 in a rules file");
    load_fails("[rule a]\ntag = x\nany = x\nwhat\n",
               "t.rules:4:1: expected 'key = value', '[rule ID]', "
               "'include FILE' or a # comment",
               "garbage line");

    fs_error err = {0};
    struct rule_set *set = NULL;
    ok(rule_set_load("/nonexistent/x.rules", &set, &err) == FS_EIO &&
           !set && strstr(err.msg, "/nonexistent/x.rules"),
       "missing rules file is an I/O error naming the file");
}

static void test_include(void)
{
    char *a = write_file("a.rules", "# top\ninclude sub/b.rules\n"
                                    "[rule ra]\ntag = t/a\nany = alpha\n");
    char *sub = fs_asprintf("%s/sub", tmpdir);
    ok(mkdir(sub, 0700) == 0, "mkdir sub");
    char *b = write_file("sub/b.rules", "include c.rules\n"
                                        "[rule rb]\ntag = t/b\nany = beta\n");
    char *c = write_file("sub/c.rules",
                         "[rule rc]\ntag = t/c\nany = gamma\n");
    fs_error err = {0};
    struct rule_set *set = NULL;
    is_int(rule_set_load(a, &set, &err), FS_OK,
           "include is relative to the including file");
    is_int(rule_set_count(set), 3, "rules from all three files");
    check_classify(set, "alpha beta gamma", NULL, NULL,
                   "t/c:rc:title:gamma|t/b:rb:title:beta|t/a:ra:title:alpha",
                   "included rules come first, in file order");
    ok(strlen(rule_set_version(set)) == 16, "version is 16 hex digits");
    char *v1 = fs_strdup(rule_set_version(set));
    rule_set_free(set);

    /* the version covers included files too */
    free(write_file("sub/c.rules", "[rule rc]\ntag = t/c\nany = gamma2\n"));
    set = NULL;
    rule_set_load(a, &set, &err);
    ok(set && strcmp(v1, rule_set_version(set)) != 0,
       "changing an included file changes the version");
    rule_set_free(set);
    free(v1);

    /* cycle: c includes b includes c */
    free(write_file("sub/c.rules", "\n  include ../sub/b.rules\n"));
    set = NULL;
    memset(&err, 0, sizeof(err));
    ok(rule_set_load(a, &set, &err) == FS_EINVAL && !set, "cycle fails");
    char *want = fs_asprintf("%s/sub/c.rules:2:11: include cycle: "
                             "%s/sub/../sub/b.rules is already being read",
                             tmpdir, tmpdir);
    is_str(err.msg, want, "cycle reported at the include line");
    free(want);

    free(write_file("sub/c.rules", "include missing.rules\n"));
    memset(&err, 0, sizeof(err));
    ok(rule_set_load(a, &set, &err) == FS_EINVAL &&
           strstr(err.msg, "sub/c.rules:1:9: cannot include ") &&
           strstr(err.msg, "No such file"),
       "missing include named with file:line:col");

    free(write_file("self.rules", "include self.rules\n"));
    char *self = fs_asprintf("%s/self.rules", tmpdir);
    memset(&err, 0, sizeof(err));
    ok(rule_set_load(self, &set, &err) == FS_EINVAL &&
           strstr(err.msg, "self.rules:1:9: include cycle"),
       "a file including itself is a cycle");
    free(self);
    free(a);
    free(b);
    free(c);
    free(sub);
}

static void test_semantics(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "# quota rule\n"
        "[rule q]\n"
        "tag = rare-earths/quotas\n"
        "alert = yes\n"
        "any = \\bquotas?\\b\n"
        "any = \\bcaps?\\b\n"
        "all = \\brare[- ]earths?\\b\n"
        "none = \\bfish(ing|eries)?\\b\n"
        "\n"
        "[rule link-only]\n"
        "tag = source/reuters\n"
        "fields = link\n"
        "any = reuters\\.com\n"
        "\n"
        "[rule cs]\n"
        "tag = orgs/who\n"
        "case = sensitive\n"
        "any = \\bWHO\\b\n",
        &err);
    ok(set != NULL, "semantics rule set loads");
    if (!set) {
        printf("# %s\n", err.msg);
        return;
    }
    check_classify(set, "China issues rare earth quotas", NULL, NULL,
                   "rare-earths/quotas:q:title:quotas", "any + all fire");
    check_classify(set, "China issues quotas", "for rare-earth mining",
                   NULL, "rare-earths/quotas:q:title:quotas",
                   "all may match in another field; evidence is the any");
    check_classify(set, "Rare earth caps", NULL, NULL,
                   "rare-earths/quotas:q:title:caps",
                   "second any pattern is enough");
    check_classify(set, "Rare earth output rises", NULL, NULL, "",
                   "no any pattern: no tag");
    check_classify(set, "Fishing quotas", NULL, NULL, "",
                   "missing all pattern: no tag");
    check_classify(set, "Rare earth quotas", NULL,
                   "and fishing quotas too", "",
                   "none pattern in any field vetoes");
    check_classify(set, "Rare earth quotas", NULL, "fishermen",
                   "rare-earths/quotas:q:title:quotas",
                   "none pattern respects word boundaries");

    struct classify_input in = {"see reuters.com", NULL, NULL,
                                "https://www.reuters.com/x", NULL};
    struct classification c;
    rule_set_match(set, &in, &c, &err);
    ok(c.n_hits == 1 && !strcmp(c.hits[0].field, "link") &&
           !strcmp(c.hits[0].matched, "reuters.com") && !c.hits[0].alert,
       "fields = link looks only at the link");
    classification_release(&c);
    in = (struct classify_input){"Rare earth QUOTAS", NULL, NULL, NULL, NULL};
    rule_set_match(set, &in, &c, &err);
    ok(c.n_hits == 1 && c.hits[0].alert == 1, "alert flag is carried");
    classification_release(&c);

    check_classify(set, "WHO warns", NULL, NULL, "orgs/who:cs:title:WHO",
                   "case-sensitive rule matches exact case");
    check_classify(set, "who knows", NULL, NULL, "",
                   "case-sensitive rule ignores other case");
    check_classify(set, "RARE EARTH QUOTA", NULL, NULL,
                   "rare-earths/quotas:q:title:QUOTA",
                   "caseless by default");
    check_classify(set, "Quoten für Seltene Erden", NULL, NULL, "",
                   "no false match on German text");
    rule_set_free(set);
}

static void test_near(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "[rule n]\ntag = rare-earths/quotas\n"
        "near = \\bquotas?\\b ~4 \\brare[- ]earths?\\b\n",
        &err);
    ok(set != NULL, "near rule loads");
    if (!set) {
        printf("# %s\n", err.msg);
        return;
    }
    check_classify(set, NULL, NULL,
                   "China issued its first rare earth mining and smelting "
                   "quotas for 2025.",
                   "rare-earths/quotas:n:body:rare earth mining and smelting "
                   "quotas",
                   "near: 3 words apart fires, evidence spans both");
    check_classify(set, NULL, NULL,
                   "Quotas\xE2\x80\x94 for — rare-earths",
                   "rare-earths/quotas:n:body:Quotas\xE2\x80\x94 for — "
                   "rare-earths",
                   "near: dashes are not words");
    check_classify(set, NULL, NULL,
                   "Rare earth prices rose sharply this year while the "
                   "government set new fishing quotas.",
                   "", "near: 9 words apart does not fire");
    check_classify(set, "quota news", "rare earth news", NULL, "",
                   "near: halves in different fields do not fire");
    check_classify(set, NULL, NULL,
                   "rare earth a b c d e f g h quota ... quotas for rare "
                   "earths",
                   "rare-earths/quotas:n:body:quota ... quotas for rare "
                   "earths",
                   "near: a later pair can satisfy the distance");
    rule_set_free(set);
}

static void test_evidence(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "[rule long]\ntag = x\nfields = body\nany = start.*end\n", &err);
    struct strbuf body = STRBUF_INIT;
    strbuf_addstr(&body, "start");
    for (int i = 0; i < 100; i++)
        strbuf_addstr(&body, "\xC3\xA9"); /* é: 2 bytes */
    strbuf_addstr(&body, "\tend");
    struct classify_input in = {"start end", NULL, body.buf, NULL, NULL};
    struct classification c;
    rule_set_match(set, &in, &c, &err);
    ok(c.n_hits == 1, "fields = body ignores the title");
    if (c.n_hits == 1) {
        const char *m = c.hits[0].matched;
        size_t n = strlen(m);
        ok(n <= 203 && n >= 190, "evidence is cut to about 200 bytes");
        ok(fs_utf8_valid(m, n), "evidence is cut on a character boundary");
        ok(n >= 3 && !strcmp(m + n - 3, "\xE2\x80\xA6"),
           "cut evidence ends with an ellipsis");
        ok(!strchr(m, '\t'), "evidence has no tabs or newlines");
    }
    classification_release(&c);
    strbuf_release(&body);
    rule_set_free(set);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_hostile(void)
{
    fs_error err;
    struct rule_set *set = load_str(
        "[rule evil]\ntag = evil\nfields = body\nany = (a|aa)*b\n"
        "[rule good]\ntag = good\nfields = body\nany = aaa\n",
        &err);
    ok(set != NULL, "catastrophic pattern compiles");
    /* 100 KB of 'a': PCRE2 sees there is no 'b' and gives up at once.
     * The same with "xb" at the end defeats that shortcut: (a|aa)* then
     * has Fibonacci(100 K) ways to fail, and only the limits stop it. */
    size_t n = 100 * 1024;
    char *body = fs_malloc(n + 3);
    memset(body, 'a', n);
    body[n] = '\0';
    struct classify_input in = {NULL, NULL, body, NULL, NULL};
    struct classification c;
    double t0 = now_s();
    rule_set_match(set, &in, &c, &err);
    double dt = now_s() - t0;
    printf("# (a|aa)*b on 100 KB of 'a': %.3f s, %zu warning(s)\n", dt,
           c.n_warnings);
    ok(dt < 2.0, "(a|aa)*b on 100 KB of 'a' returns quickly");
    ok(c.n_hits == 1 && !strcmp(c.hits[0].tag, "good"),
       "(a|aa)*b on 100 KB of 'a': only the good rule fires");
    classification_release(&c);

    memcpy(body + n, "xb", 3);
    t0 = now_s();
    rule_set_match(set, &in, &c, &err);
    dt = now_s() - t0;
    printf("# (a|aa)*b on 100 KB of 'a' + 'xb': %.3f s\n", dt);
    ok(dt < 2.0, "catastrophic backtracking is cut short");
    ok(c.n_hits == 1 && !strcmp(c.hits[0].tag, "good"),
       "the limit hits only the evil rule");
    ok(c.n_warnings == 1 && strstr(c.warnings[0], "rule evil") &&
           strstr(c.warnings[0], "t.rules:4:7") &&
           strstr(c.warnings[0], "body") && strstr(c.warnings[0], "limit"),
       "warning names the rule, pattern location, field and limit");
    if (c.n_warnings)
        printf("# warning: %s\n", c.warnings[0]);
    classification_release(&c);
    free(body);
    rule_set_free(set);

    /* invalid UTF-8 in the item: repaired, warned, still matched */
    set = load_str("[rule q]\ntag = q\nany = quota\n", &err);
    in = (struct classify_input){"bad \xff\xfe byte quota \xc3", NULL, NULL,
                                 NULL, NULL};
    rule_set_match(set, &in, &c, &err);
    ok(c.n_hits == 1 && !strcmp(c.hits[0].matched, "quota"),
       "invalid UTF-8 input still matches");
    ok(c.n_warnings == 1 && strstr(c.warnings[0], "title") &&
           strstr(c.warnings[0], "UTF-8"),
       "invalid UTF-8 input gives a warning");
    classification_release(&c);
    in = (struct classify_input){NULL, NULL, NULL, NULL, NULL};
    rule_set_match(set, &in, &c, &err);
    ok(c.n_hits == 0 && c.n_warnings == 0, "an empty item is fine");
    classification_release(&c);
    ok(rule_set_match(set, NULL, &c, &err) == FS_EINVAL,
       "NULL input is an error");
    rule_set_free(set);
}

static void test_tag_matches(void)
{
    ok(tag_matches("markets/fx", "markets"), "child under parent");
    ok(tag_matches("markets/fx", "markets/"), "trailing slash ok");
    ok(tag_matches("markets", "markets"), "tag matches itself");
    ok(!tag_matches("markets", "markets/fx"), "parent not under child");
    ok(!tag_matches("marketsx/fx", "markets"), "prefix is by segment");
    ok(!tag_matches("markets/fx", "fx"), "not a suffix match");
    ok(tag_matches("a/b/c", "a/b"), "grandchild");
    ok(!tag_matches(NULL, "a") && !tag_matches("a", NULL), "NULL safe");
}

static void test_default_path(void)
{
    setenv("FEEDSIFT_RULES", "/etc/my.rules", 1);
    is_str(rule_set_default_path(), "/etc/my.rules", "$FEEDSIFT_RULES wins");
    unsetenv("FEEDSIFT_RULES");
    const char *p = rule_set_default_path();
    size_t n = strlen(p), m = strlen("rules/default.rules");
    ok(n >= m && !strcmp(p + n - m, "rules/default.rules"),
       "else the shipped rules/default.rules");
}

static void collect(void *ctx, const char *problem)
{
    struct strbuf *sb = ctx;
    strbuf_addf(sb, "%s\n", problem);
}

static void test_check(void)
{
    char *p = write_file(
        "check.rules",
        "[rule a]\ntag = x\nany = (\nnone = x?\n"
        "[rule b]\ntag = y\nany = \\bwon\\b\nall = korea\n"
        "example+ = Korean won weakens\n"
        "example+ = Korean currency weakens\n"
        "example- = Korea's won slides\n"
        "example- = Korea sports news\n");
    struct strbuf sb = STRBUF_INIT;
    size_t n = 0;
    struct rule_set *set = NULL;
    fs_error err = {0};
    is_int(rule_set_check(p, collect, &sb, &n, &set, &err), FS_OK,
           "check reads the file");
    is_int(n, 4, "check reports every problem");
    char *want = fs_asprintf(
        "%s:3:8: missing closing parenthesis\n"
        "%s:4:8: pattern can match the empty string\n"
        "%s:10:1: example+ does not fire the rule\n"
        "%s:11:1: example- fires the rule (matched 'won')\n",
        p, p, p, p);
    is_str(sb.buf, want, "problems come with file:line:col");
    ok(set && rule_set_count(set) == 1, "check returns the sound rules");
    rule_set_free(set);
    strbuf_release(&sb);
    free(want);
    free(p);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_parse_errors();
    test_include();
    test_semantics();
    test_near();
    test_evidence();
    test_hostile();
    test_tag_matches();
    test_default_path();
    test_check();
    char *cmd = fs_asprintf("rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(cmd);
    return tap_done();
}
