#!/usr/bin/env python3
"""`feedsift classify` and `feedsift rules check` as a rule author uses them.

Evidence in table and JSON form, the seed article tagged with the alert,
body from --file and stdin, exit codes, rule errors with FILE:LINE:COL.
The `rules check` part is skipped until the command is registered.

usage: test_classify_cli.py FEEDSIFT SOURCE_ROOT
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, tempdir, write_file  # noqa: E402


def main():
    t = Tap()
    fs = Feedsift(os.path.abspath(sys.argv[1]), tempdir())
    root = sys.argv[2]
    seed = os.path.join(root, "..", "shared", "seed",
                        "rare-earth-quotas-article.txt")
    seed = os.environ.get("FEEDSIFT_SEED", seed)

    p = fs.run("classify", "--title", "Rare earth quotas for 2025 issued",
               "--format", "json")
    t.ok(p.returncode == 0, "classify exits 0", p.stderr)
    r = json.loads(p.stdout)
    t.eq(r["tags"], ["rare-earths", "rare-earths/quotas"],
         "default rules tag rare earths and quotas")
    hit = [h for h in r["hits"] if h["tag"] == "rare-earths/quotas"][0]
    t.ok(hit["alert"] is True and hit["field"] == "title" and
         hit["matched"] == "Rare earth quotas", "quota hit: alert + evidence",
         hit)
    t.ok(len(r["rules_version"]) == 16, "rules version in JSON")

    p = fs.run("classify", "--title", "Spain won the final", "--format",
               "json")
    r = json.loads(p.stdout)
    t.ok(p.returncode == 0 and r["tags"] == [] and r["hits"] == [],
         "no tag: still exit 0, empty lists", p.stdout)

    p = fs.run("classify", "--title",
               "South Korea\u2019s Weak Won Struggles as Retail Investors "
               "Pour Money Into U.S. Stocks", "--format", "table")
    t.ok(p.returncode == 0 and "markets/fx" in p.stdout and
         "Weak Won" in p.stdout and "markets/equities" in p.stdout,
         "table shows tag and matched text", p.stdout)

    if os.path.exists(seed):
        with open(seed) as f:
            article = f.read().split("\n\n\n")[0]
        body = write_file(fs.workdir, "article.txt", article)
        p = fs.run("classify", "--file", body, "--format", "json")
        r = json.loads(p.stdout)
        t.ok("rare-earths/quotas" in r["tags"],
             "seed article body is tagged rare-earths/quotas", p.stdout)
        p = fs.run("classify", "--file", "-", "--format", "csv",
                   stdin=article)
        t.ok(p.returncode == 0 and
             "rare-earths/quotas,rare-earth-quotas,body,yes," in p.stdout,
             "--file - reads stdin; csv output", p.stdout)
    else:
        t.ok(True, "# SKIP seed article not found")

    bad = write_file(fs.workdir, "bad.rules",
                     "[rule ok]\ntag = x\nany = x\n\n[rule b]\ntag = y\n"
                     "any = foo(bar\n")
    p = fs.run("classify", "--rules", bad, "--title", "x")
    t.ok(p.returncode == 1 and "bad.rules:7:14: missing closing "
         "parenthesis" in p.stderr, "bad rule: exit 1, FILE:LINE:COL + "
         "PCRE2 message", p.stderr)
    p = fs.run("classify", "--title", "x", "--file", "no-such-file.txt")
    t.ok(p.returncode == 1 and "no-such-file.txt" in p.stderr,
         "missing --file named", p.stderr)
    p = fs.run("classify")
    t.ok(p.returncode == 2 and p.stderr and not p.stdout,
         "nothing to classify is a usage error", p.stderr)
    p = fs.run("classify", "--text", "a", "--file", "b")
    t.eq(p.returncode, 2, "--text with --file is a usage error")
    p = fs.run("classify", "--title", "x", "--format", "yaml")
    t.eq(p.returncode, 2, "unknown format is a usage error")

    p = fs.run("rules", "--help")
    if p.returncode == 2 and "not a command" in p.stderr:
        t.ok(True, "# SKIP rules command not registered yet")
        return t.done()
    t.ok(p.returncode == 0 and "usage" in p.stdout, "rules --help")
    p = fs.run("rules", "check", os.path.join(root, "rules",
                                               "default.rules"))
    t.ok(p.returncode == 0 and "version" in p.stdout and not p.stderr,
         "shipped rules check clean (examples included)",
         p.stdout + p.stderr)
    many = write_file(fs.workdir, "many.rules",
                      "[rule a]\ntag = x\nany = (\nnone = y?\n"
                      "[rule b]\ntag = y\nany = z\nexample- = z z\n"
                      "include missing.rules\n[rule c]\nany = q\n")
    p = fs.run("rules", "check", many)
    want = [":3:8: missing closing parenthesis",
            ":4:8: pattern can match the empty string",
            ":9:9: cannot include ",
            ":10:7: rule 'c' has no tag",
            ":8:1: example- fires the rule (matched 'z')",
            ": 5 problems"]
    lines = p.stderr.splitlines()
    t.ok(p.returncode == 1 and len(lines) == len(want) and
         all(ln.startswith(many + w) for ln, w in zip(lines, want)),
         "rules check lists every problem with FILE:LINE:COL", p.stderr)
    p = fs.run("rules", "check", "no-such.rules")
    t.ok(p.returncode == 1 and "no-such.rules" in p.stderr,
         "rules check names a missing file", p.stderr)
    p = fs.run("rules", "frob")
    t.eq(p.returncode, 2, "unknown rules subcommand is a usage error")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
