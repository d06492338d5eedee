/*
 * robots.c — robots.txt (RFC 9309) parsing and path checks.
 *
 * The crawler fetches robots.txt once per host per run and asks
 * robots_allowed() before fetching each article page.  Rules come from the
 * groups whose User-agent names our product token (case-insensitive),
 * else from the "*" groups.  The longest matching pattern wins; on a tie
 * Allow wins.  Patterns support '*' (any run of characters) and a final
 * '$' (end of path).  Records that are not understood are ignored, as the
 * RFC asks.
 */
#include "fetcher.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct robots_rule {
    char *pattern;
    int allow;
};

struct robots {
    struct robots_rule *rules;
    size_t n, alloc;
    int deny_all;
};

struct robots *robots_new(int deny_all)
{
    struct robots *r = fs_calloc(1, sizeof(*r));
    r->deny_all = deny_all;
    return r;
}

void robots_free(struct robots *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->rules[i].pattern);
    free(r->rules);
    free(r);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void add_rule(struct robots *r, const char *pattern, int allow)
{
    FS_GROW(r->rules, r->n + 1, r->alloc);
    r->rules[r->n].pattern = fs_strdup(pattern);
    r->rules[r->n].allow = allow;
    r->n++;
}

/* Does the group's user-agent value name us?  "feedsift/1.0" and
 * "FeedSift" both match the token "feedsift". */
static int agent_matches(const char *value, const char *agent)
{
    size_t n = strlen(agent);
    return strncasecmp(value, agent, n) == 0 &&
           (value[n] == '\0' || value[n] == '/' || isspace((unsigned char)value[n]));
}

struct robots *robots_parse(const char *txt, size_t len, const char *agent)
{
    struct robots *ours = robots_new(0), *star = robots_new(0);
    struct strbuf line = STRBUF_INIT;
    /* State of the group being read: does it apply to us / to "*"? */
    int in_agents = 0, for_us = 0, for_star = 0, seen_us = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && txt[j] != '\n' && txt[j] != '\r')
            j++;
        strbuf_reset(&line);
        strbuf_add(&line, txt + i, j - i);
        i = j + 1;
        char *hash = strchr(line.buf, '#');
        if (hash)
            *hash = '\0';
        char *colon = strchr(line.buf, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *key = trim(line.buf), *value = trim(colon + 1);
        if (!strcasecmp(key, "user-agent")) {
            if (!in_agents) {
                for_us = for_star = 0;
                in_agents = 1;
            }
            if (agent_matches(value, agent))
                for_us = seen_us = 1;
            else if (!strcmp(value, "*"))
                for_star = 1;
        } else if (!strcasecmp(key, "allow") ||
                   !strcasecmp(key, "disallow")) {
            in_agents = 0;
            int allow = !strcasecmp(key, "allow");
            if (!*value) /* "Disallow:" with no path allows everything */
                continue;
            if (for_us)
                add_rule(ours, value, allow);
            if (for_star)
                add_rule(star, value, allow);
        } else {
            in_agents = 0; /* sitemap etc. end a user-agent run */
        }
    }
    strbuf_release(&line);
    if (seen_us) {
        robots_free(star);
        return ours;
    }
    robots_free(ours);
    return star;
}

/* Does the whole of s match p, where '*' matches any run?  The classic
 * iterative algorithm: on a mismatch, retry from the last '*' one
 * character further.  O(len(p) * len(s)) at worst, never exponential. */
static int wildcard_full(const char *p, size_t pn, const char *s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0, sn = strlen(s);
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

/* A robots.txt pattern matches a prefix of the path unless it ends in '$'. */
static int pattern_match(const char *p, const char *s)
{
    size_t pn = strlen(p);
    if (pn && p[pn - 1] == '$')
        return wildcard_full(p, pn - 1, s);
    struct strbuf sb = STRBUF_INIT;
    strbuf_add(&sb, p, pn);
    strbuf_addch(&sb, '*');
    int m = wildcard_full(sb.buf, sb.len, s);
    strbuf_release(&sb);
    return m;
}

int robots_allowed(const struct robots *r, const char *path)
{
    if (!r)
        return 1;
    if (r->deny_all)
        return 0;
    if (!path || !*path)
        path = "/";
    size_t best = 0;
    int allowed = 1, found = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct robots_rule *rule = &r->rules[i];
        size_t len = strlen(rule->pattern);
        if (!pattern_match(rule->pattern, path))
            continue;
        if (!found || len > best || (len == best && rule->allow)) {
            best = len;
            allowed = rule->allow;
            found = 1;
        }
    }
    return allowed;
}
