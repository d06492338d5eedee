#!/usr/bin/env python3
"""The prefilter cache as the commands use it (a real loopback crawl).

crawl and reclassify write the compiled Vectorscan prefilter to the cache
directory on a cold run and load it on the next (seen in the -vv debug
lines); rules check, rules test and classify write nothing; the directory
is $FEEDSIFT_CACHE_DIR, else $XDG_CACHE_HOME/feedsift, else
~/.cache/feedsift, and FEEDSIFT_CACHE_DIR="" turns the cache off.  Skipped
(one ok) in a build without Vectorscan.

usage: test_pfcache_cli.py FEEDSIFT SOURCE_ROOT
"""
import glob
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, TestServer, tempdir, write_file  # noqa: E402


RSS = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
       '<title>Wire</title><link>http://example.org/</link>'
       '<item><title>Rare earth quotas cut</title><description>China '
       'limits exports.</description><link>http://example.org/1</link>'
       '<guid>g1</guid></item>'
       '<item><title>Gold prices at a record</title><description>Bullion '
       'rallies.</description><link>http://example.org/2</link>'
       '<guid>g2</guid></item></channel></rss>\n')

# small, so that the cold runs' compile is quick
RULES = ("[rule re]\ntag = rare-earths\nany = \\brare[- ]earths?\\b\n"
         "[rule gold]\ntag = markets/gold\nany = \\bgold prices?\\b\n"
         "near = \\bbullion\\b ~4 \\brall(y|ies)\\b\n")


def entries(d):
    return sorted(glob.glob(os.path.join(d, "prefilter-*.hsdb")))


def main():
    t = Tap()
    work = tempdir()
    fs = Feedsift(os.path.abspath(sys.argv[1]), work)
    p = fs.run("--version")
    if "Vectorscan" not in p.stdout or "without" in p.stdout:
        t.ok(True, "# SKIP built without Vectorscan: no prefilter cache")
        return t.done()
    cache = os.path.join(work, "cache")
    fs.env.pop("XDG_CACHE_HOME", None)
    fs.env["FEEDSIFT_CACHE_DIR"] = cache
    rules = write_file(work, "r/t.rules", RULES)

    # commands that load rules but do not prepare: nothing written
    p = fs.run("-v", "-v", "rules", "check", rules)
    t.ok(p.returncode == 0 and not os.path.exists(cache) and
         "prefilter cache" not in p.stderr,
         "rules check writes no cache", p.stderr)
    fs.run("rules", "test", rules)
    fs.run("classify", "--rules", rules, "--title", "Rare earth quotas")
    t.ok(not os.path.exists(cache), "rules test and classify write no cache")

    # crawl: cold writes, warm loads
    site = os.path.join(work, "site")
    write_file(site, "feed.rss", RSS)
    srv = TestServer(site)
    feeds = write_file(work, "feeds.txt",
                       "%s/feed.rss Wire\n" % srv.base)
    db = os.path.join(work, "fs.db")
    crawl = ["-v", "-v", "crawl", "--feeds", feeds, "--db", db, "--rules",
             rules, "--no-articles", "--format", "json"]
    p = fs.run(*crawl)
    e = entries(cache)
    t.ok(p.returncode in (0, 3) and len(e) == 1 and
         "prefilter cache: wrote" in p.stderr,
         "cold crawl writes one cache entry", p.stderr[-2000:])
    t.ok(e and oct(os.stat(e[0]).st_mode & 0o777) == "0o644" and
         oct(os.stat(cache).st_mode & 0o777) == "0o755",
         "entry 0644 in a directory made 0755")
    p = fs.run(*crawl)
    t.ok(p.returncode in (0, 3) and "prefilter cache: loaded" in p.stderr and
         "prefilter cache: wrote" not in p.stderr and entries(cache) == e,
         "warm crawl loads it, writes nothing", p.stderr[-2000:])
    srv.stop()

    # reclassify: the same entry (same patterns)
    p = fs.run("-v", "-v", "reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and "prefilter cache: loaded" in p.stderr,
         "reclassify loads the entry the crawl wrote", p.stderr[-2000:])
    # an edited pattern: another key, a second entry
    write_file(work, "r/t.rules", RULES.replace("gold prices", "gold price"))
    p = fs.run("-v", "-v", "reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and "prefilter cache: wrote" in p.stderr and
         len(entries(cache)) == 2, "an edited pattern gets its own entry",
         p.stderr[-2000:])
    # a corrupt entry: ignored, compiled, rewritten
    for path in entries(cache):
        with open(path, "r+b") as f:
            f.seek(200)
            f.write(b"\xff\xfe\xfd")
    p = fs.run("-v", "-v", "reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and "corrupt" in p.stderr and
         "prefilter cache: wrote" in p.stderr,
         "a corrupt entry is ignored and rewritten", p.stderr[-2000:])

    # where the cache lives
    fs.env.pop("FEEDSIFT_CACHE_DIR")
    xdg = os.path.join(work, "xdg")
    fs.env["XDG_CACHE_HOME"] = xdg
    p = fs.run("reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and len(entries(os.path.join(xdg, "feedsift")))
         == 1, "$XDG_CACHE_HOME/feedsift", p.stderr)
    fs.env.pop("XDG_CACHE_HOME")
    home = os.path.join(work, "home")
    fs.env["HOME"] = home
    p = fs.run("reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and
         len(entries(os.path.join(home, ".cache", "feedsift"))) == 1,
         "else ~/.cache/feedsift", p.stderr)
    # the settings file's cache_dir, when the environment does not say
    cfgdir = os.path.join(work, "cfgcache")
    cfg = write_file(work, "feedsift.conf",
                     "cache_dir = %s\n" % cfgdir)
    p = fs.run("--config", cfg, "reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and len(entries(cfgdir)) == 1,
         "cache_dir in the settings file", p.stderr)
    # FEEDSIFT_CACHE_DIR="" turns it off; an unwritable one is harmless
    home2 = os.path.join(work, "home2")
    fs.env["HOME"] = home2
    fs.env["FEEDSIFT_CACHE_DIR"] = ""
    p = fs.run("reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and not os.path.exists(home2),
         "FEEDSIFT_CACHE_DIR='' writes no cache", p.stderr)
    fs.env["FEEDSIFT_CACHE_DIR"] = os.path.join(rules, "sub")  # under a file
    p = fs.run("reclassify", "--db", db, "--rules", rules)
    t.ok(p.returncode == 0 and p.stderr == "",
         "an unwritable cache directory: no error, no message", p.stderr)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
