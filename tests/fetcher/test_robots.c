/* test_robots.c — robots.txt groups, precedence and wildcards. */
#include "fetcher.h"
#include "tap.h"

#include <string.h>

static struct robots *parse(const char *txt)
{
    return robots_parse(txt, strlen(txt), "feedsift");
}

int main(void)
{
    struct robots *r = parse("User-agent: *\nDisallow: /private/\n"
                             "Allow: /private/ok.html\n");
    ok(robots_allowed(r, "/news/a.html"), "unlisted path allowed");
    ok(!robots_allowed(r, "/private/x.html"), "disallowed prefix refused");
    ok(robots_allowed(r, "/private/ok.html"), "longer Allow wins");
    robots_free(r);

    r = parse("User-agent: otherbot\nDisallow: /\n\n"
              "User-agent: FeedSift/2.0\nUser-agent: foo\nDisallow: /articles/\n\n"
              "User-agent: *\nDisallow: /\n");
    ok(!robots_allowed(r, "/articles/1"), "our group applies");
    ok(robots_allowed(r, "/other"), "the * group is ignored when ours exists");
    robots_free(r);

    r = parse("User-agent: *\r\nDisallow: /*.pdf$\r\nDisallow: /tmp*/x\r\n"
              "# comment\r\nDisallow:\r\n");
    ok(!robots_allowed(r, "/a/b/file.pdf"), "* and $ wildcards");
    ok(robots_allowed(r, "/a/b/file.pdf?x=1"), "$ anchors at the end");
    ok(!robots_allowed(r, "/tmp123/x/y"), "* in the middle");
    ok(robots_allowed(r, "/"), "empty Disallow allows");
    robots_free(r);

    r = parse("garbage\n\x01\x02 no colon\nDisallow: /x\n");
    ok(robots_allowed(r, "/x"), "rules outside any group are ignored");
    robots_free(r);

    r = parse("User-agent: *\nAllow: /p\nDisallow: /p\n");
    ok(robots_allowed(r, "/page"), "equal length: Allow wins");
    robots_free(r);

    r = robots_new(1);
    ok(!robots_allowed(r, "/anything"), "deny-all refuses (5xx robots.txt)");
    robots_free(r);
    ok(robots_allowed(NULL, "/x"), "no robots.txt allows");

    /* Pathological wildcard patterns must not explode. */
    r = parse("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*b\n");
    char path[4000];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    ok(robots_allowed(r, path), "many wildcards on a long path finish");
    robots_free(r);
    return tap_done();
}
