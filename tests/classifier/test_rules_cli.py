#!/usr/bin/env python3
"""`feedsift rules check|test|eval`, `explain` and `reclassify`.

check lists every problem at once with FILE:LINE:COL (PCRE2's message,
duplicate ids, unknown fields, empty alternatives, empty matches, score
errors); test runs the embedded examples; eval scores a labeled set (table
and JSON); a real crawl over loopback HTTP stores tags, then reclassify
with edited rules reports tags added/removed per tag, stamps every tag
with the new rule-set version and queues no alert; explain highlights the
evidence and names rule and field.

usage: test_rules_cli.py FEEDSIFT SOURCE_ROOT
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, TestServer, query, tempdir, write_file  # noqa: E402


def rss(title, items):
    out = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
           '<channel><title>%s</title><link>http://example.org/</link>'
           % title]
    for i, (t, d) in enumerate(items):
        out.append("<item><title>%s</title><description>%s</description>"
                   "<link>http://example.org/%d</link><guid>g%d</guid>"
                   "<pubDate>Mon, 0%d Sep 2025 10:00:00 GMT</pubDate></item>"
                   % (t, d, i, i, i + 1))
    return "".join(out) + "</channel></rss>\n"


def test_check(t, fs, work):
    inc = write_file(work, "r/inc.rules",
                     "[rule dup]\ntag = a\nany = abc\n")
    bad = write_file(work, "r/bad.rules",
                     "include inc.rules\n"
                     "[rule dup]\ntag = b\nany = xyz\n"            # 2: duplicate
                     "[rule p]\ntag = c\nany = (abc\n"             # 5: PCRE2
                     "[rule f]\ntag = d\nfields = title, bdoy\n"   # 8: field
                     "any = x\n"
                     "[rule e]\ntag = e\nany = (|a)b\n"            # 12: empty alt
                     "[rule m]\ntag = f\nany = a*\n"               # 15: empty match
                     "[rule s]\ntag = g\nthreshold = 9\nscore = 2 x\n"  # 17
                     "[rule k]\ntag = h\nany = x\ncolour = red\n")  # 22: key
    p = fs.run("rules", "check", bad)
    t.eq(p.returncode, 1, "rules check: problems exit 1")
    lines = [x for x in p.stderr.splitlines() if x.startswith(bad + ":")]
    want = [
        bad + ":2:7: duplicate rule id 'dup' (first defined at %s:1)" % inc,
        bad + ":7:11: missing closing parenthesis",
        bad + ":10:17: unknown field 'bdoy' (title, summary, body, link, "
        "feed)",
        bad + ":14:8: empty alternative in '|': that part of the pattern "
        "becomes optional (write (?:x)? if that is meant)",
        bad + ":17:7: pattern can match the empty string",
        bad + ":20:13: threshold 9 cannot be reached: the positive weights "
        "add up to 2",
        bad + ":25:1: unknown key 'colour'",
        bad + ": 7 problems",
    ]
    t.eq(lines, want, "rules check reports every problem with "
         "FILE:LINE:COL, in file order")


def test_test(t, fs, work):
    good = write_file(work, "t/good.rules",
                      "[rule won]\ntag = markets/fx\nany = \\bthe won\\b\n"
                      "example+ = Investors dump the won\n"
                      "example- = Spain won the final\n")
    p = fs.run("rules", "test", good)
    t.ok(p.returncode == 0 and "2 examples passed" in p.stdout,
         "rules test: passing examples exit 0", p.stdout + p.stderr)
    badex = write_file(work, "t/badex.rules",
                       "[rule won]\ntag = markets/fx\nany = \\bwon\\b\n"
                       "example+ = Investors dump the won\n"
                       "example- = Spain won the final\n"
                       "example+ = Korean currency slides\n")
    p = fs.run("rules", "test", badex)
    t.eq(p.returncode, 1, "rules test: a failing example exits 1")
    t.ok(badex + ":5: rule won (tag markets/fx): example- fires (matched "
         "\"won\" in title): \"Spain won the final\"" in p.stderr and
         badex + ":6: rule won (tag markets/fx): example+ does not fire: "
         "\"Korean currency slides\"" in p.stderr and
         "2 of 3 examples failed" in p.stderr,
         "failures with file:line", p.stderr)
    p = fs.run("rules", "test")
    t.ok(p.returncode == 0 and "examples passed" in p.stdout,
         "shipped rules: every example passes", p.stdout + p.stderr)
    p = fs.run("rules", "frobnicate")
    t.eq(p.returncode, 2, "unknown rules subcommand exits 2")


def test_eval(t, fs, work, root):
    rules = write_file(work, "e/e.rules",
                       "[rule won]\ntag = markets/fx\nany = \\bwon\\b\n"
                       "[rule gold]\ntag = markets/commodities\n"
                       "any = \\bgold prices?\\b\n")
    lab = write_file(work, "e/lab.jsonl", "\n".join(json.dumps(x)
                     for x in [
        {"title": "The won slides again", "tags": ["markets/fx"]},
        {"title": "Spain won the final", "tags": []},
        {"title": "Gold prices hit a record", "tags": ["markets/commodities"]},
        {"title": "Bullion demand soars", "tags": ["markets/commodities"]},
    ]) + "\n")
    p = fs.run("rules", "eval", "--labeled", lab, "--rules", rules)
    t.eq(p.returncode, 0, "rules eval exits 0")
    out = p.stdout
    rows = {x.split()[0]: x.split()[1:] for x in out.splitlines()
            if x.startswith("markets")}
    t.eq(rows, {"markets": ["2", "1", "1", "0.667", "0.667", "0.667"],
                "markets/commodities": ["1", "0", "1", "1.000", "0.500",
                                        "0.667"],
                "markets/fx": ["1", "1", "0", "0.500", "1.000", "0.667"]},
         "per-tag table: tp fp fn precision recall f1, parents counted")
    t.ok("%s:2 markets/fx: Spain won the final" % lab in out and
         'by won="won" (title)' in out and
         "%s:4 markets/commodities: Bullion demand soars" % lab in out,
         "false positives with evidence, false negatives", out)
    p = fs.run("rules", "eval", "--labeled", lab, "--rules", rules,
               "--format", "json")
    r = json.loads(p.stdout)
    fx = [x for x in r["tags"] if x["tag"] == "markets/fx"][0]
    t.ok(r["items"] == 4 and r["exact"] == 2 and fx["precision"] == 0.5 and
         fx["recall"] == 1.0 and abs(fx["f1"] - 2 / 3) < 1e-9,
         "json: items, exact, precision, recall, f1", r)
    t.ok([x["line"] for x in r["false_positives"]] == [2, 2] and
         [x["line"] for x in r["false_negatives"]] == [4, 4],
         "json: false positives / negatives by line", r)
    p = fs.run("rules", "eval")
    t.eq(p.returncode, 2, "rules eval without --labeled exits 2")
    p = fs.run("rules", "eval", "--labeled",
               os.path.join(root, "tests", "data", "labeled.jsonl"),
               "--format", "json")
    r = json.loads(p.stdout)
    t.ok(p.returncode == 0 and r["items"] >= 287 and
         all(x["precision"] >= 0.95 and x["recall"] >= 0.9
             for x in r["tags"]),
         "shipped rules on the shipped labeled set", p.stderr)


def test_store(t, fs, work):
    site = os.path.join(work, "site")
    os.makedirs(site)
    write_file(site, "feed.rss", rss("Wire", [
        ("Gold prices hit a record high", "Bullion rallies as the dollar "
         "slips."),
        ("The won slides against the dollar", "Korean exporters worry."),
        ("Fishing quotas cut in the North Sea", "Cod stocks are low."),
    ]))
    srv = TestServer(site)
    feeds = write_file(work, "feeds.txt",
                       "%s/feed.rss Wire\n" % srv.base)
    db = os.path.join(work, "fs.db")
    r1 = write_file(work, "s/v1.rules",
                    "[rule gold]\ntag = markets/commodities\nalert = yes\n"
                    "any = \\bgold prices?\\b\n"
                    "[rule won]\ntag = markets/fx\nany = \\bthe won\\b\n")
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--rules", r1,
               "--no-articles", "--format", "json")
    t.ok(p.returncode in (0, 3), "crawl with rules v1", p.stderr)
    v1 = json.loads(fs.run("classify", "--rules", r1, "--title", "x",
                           "--format", "json").stdout)["rules_version"]
    rows = query(db, "SELECT DISTINCT rules_version FROM item_tags")
    t.eq(rows, [(v1,)], "crawl stamps tags with the rule-set version")
    alerts_before = query(db, "SELECT count(*) FROM alerts")[0][0]

    # v2: gold rule gone, won kept, a quota rule and a second fx rule added
    r2 = write_file(work, "s/v2.rules",
                    "[rule won]\ntag = markets/fx\nany = \\bthe won\\b\n"
                    "[rule dollar]\ntag = markets/fx\nany = \\bthe dollar\\b\n"
                    "[rule quota]\ntag = quotas\nalert = yes\n"
                    "any = \\bquotas?\\b\n")
    v2 = json.loads(fs.run("classify", "--rules", r2, "--title", "x",
                           "--format", "json").stdout)["rules_version"]
    p = fs.run("reclassify", "--db", db, "--rules", r2, "--dry-run",
               "--format", "json")
    r = json.loads(p.stdout)
    t.ok(p.returncode == 0 and r["dry_run"] and r["items"] == 3,
         "dry run reports", p.stdout + p.stderr)
    t.eq(query(db, "SELECT DISTINCT rules_version FROM item_tags"), [(v1,)],
         "dry run writes nothing")
    p = fs.run("reclassify", "--db", db, "--rules", r2, "--format", "json")
    r = json.loads(p.stdout)
    tags = {x["tag"]: (x["added"], x["removed"]) for x in r["tags"]}
    t.ok(p.returncode == 0 and r["items"] == 3 and r["changed"] == 2 and
         r["added"] == 2 and r["removed"] == 1, "reclassify counts",
         p.stdout + p.stderr)
    t.eq(tags, {"markets/commodities": (0, 1), "markets/fx": (1, 0),
                "quotas": (1, 0)},
         "per tag: gold lost, fx gained by the gold item (dollar), quotas")
    t.eq(query(db, "SELECT DISTINCT rules_version FROM item_tags"), [(v2,)],
         "every tag now carries the new rule-set version")
    t.eq(query(db, "SELECT count(*) FROM alerts")[0][0], alerts_before,
         "reclassify queues no alert (watched/alert tags gained are not "
         "news)")
    p = fs.run("reclassify", "--db", db, "--rules", r2)
    t.ok(p.returncode == 0 and "3 items" in p.stdout and
         "0 changed, 0 tags added, 0 removed" in p.stdout,
         "second run: nothing changes (table output)", p.stdout)
    p = fs.run("reclassify", "--db", db, "--rules", r1, "--since",
               "2025-09-02", "--format", "json")
    r = json.loads(p.stdout)
    t.ok(r["items"] == 2, "--since limits the items", r)

    item = query(db, "SELECT id FROM items WHERE title LIKE 'The won%'")[0][0]
    p = fs.run("explain", str(item), "--db", db, "--rules", r1)
    out = p.stdout
    t.ok(p.returncode == 0 and
         "title    [[The won]] slides against the dollar" in out,
         "explain highlights the match with [[...]] when not a TTY", out)
    t.ok("markets/fx" in out and "rule won, title: \"The won\"" in out and
         "written by rules %s" % v1 in out, "explain names rule, field, "
         "version", out)
    p = fs.run("explain", str(item), "--db", db, "--rules", r2,
               "--color", "always")
    t.ok("\033[1;33;4mThe won\033[0m slides against \033[1;33;4mthe dollar"
         in p.stdout and "\033[0m" in p.stdout,
         "explain --color always uses ANSI highlighting", p.stdout)
    p = fs.run("explain", str(item), "--db", db, "--rules", r2,
               "--format", "json")
    r = json.loads(p.stdout)
    t.ok(r["id"] == item and
         sorted((x["rule"], x["field"], x["current"]) for x in r["stored"])
         == [("won", "title", True)] and
         [(x["rule"], x["start"], x["end"]) for x in r["current"]] ==
         [("won", 0, 7), ("dollar", 23, 33)], "explain json", r)
    p = fs.run("explain", "9999", "--db", db)
    t.eq(p.returncode, 1, "explain of a missing item exits 1")
    p = fs.run("explain", "abc", "--db", db)
    t.eq(p.returncode, 2, "explain with a bad id exits 2")
    srv.stop()


def main():
    t = Tap()
    work = tempdir()
    fs = Feedsift(os.path.abspath(sys.argv[1]), work)
    root = os.path.abspath(sys.argv[2])
    test_check(t, fs, work)
    test_test(t, fs, work)
    test_eval(t, fs, work, root)
    test_store(t, fs, work)
    p = fs.run("--version")
    t.ok(p.returncode == 0 and "classifier: PCRE2" in p.stdout,
         "--version names the classifier engine", p.stdout)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
