#!/usr/bin/env python3
"""test_list_cli.py — `feedsift list` end to end, as TAP.

usage: test_list_cli.py LIST_FIXTURE FEEDSIFT

Builds a small database with list_fixture, then checks each output
format, the filters, the exit codes, and that list never creates or
changes a database file it cannot use.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Tap  # noqa: E402

FIXTURE, FEEDSIFT = sys.argv[1], sys.argv[2]
tap = Tap()
ok = tap.ok


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("FEEDSIFT_DB", None)
    if env:
        e.update(env)
    p = subprocess.run([FEEDSIFT, "list", *args], capture_output=True,
                       text=True, env=e)
    return p.returncode, p.stdout, p.stderr


QUOTAS = "China sets 2025 rare-earth quotas"
COPPER = 'Copper, "quoted" title'
PLAIN = "Unrelated headline"
EVIL = "'; DROP TABLE items; --"

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "fixture.db")
    subprocess.run([FIXTURE, db], check=True)

    def titles(*args):
        rc, out, err = run("--db", db, "--format", "json", *args)
        if rc != 0:
            return ["exit %d: %s" % (rc, err)]
        return [json.loads(line)["title"] for line in out.splitlines()]

    # json: one object per line, newest first
    rc, out, err = run("--db", db, "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    ok(rc == 0 and [r["title"] for r in rows] == [EVIL, QUOTAS, COPPER, PLAIN],
       "json: all items newest first", out + err)
    q = rows[1] if len(rows) > 1 else {}
    ok(q.get("published") == "2025-04-20T10:00:00Z", "json: RFC 3339 time", q)
    ok(q.get("tags") == ["markets/metals", "rare-earths/quotas"],
       "json: distinct sorted tag array", q)
    ok(q.get("feed") == "Metals Daily" and
       q.get("link") == "https://metals.example/quotas" and
       isinstance(q.get("id"), int), "json: feed, link, id", q)
    p = rows[3] if len(rows) > 3 else {}
    ok(p.get("link") is None and p.get("tags") == [] and
       p.get("published") == "2025-04-18T00:00:00Z",
       "json: no link is null, no tags is [], first seen stands in", p)
    ok(rows and rows[0].get("feed") == "Other Feed",
       "json: unnamed feed shows its title", rows[:1])

    # csv
    rc, out, err = run("--db", db, "--format", "csv")
    table = list(csv.reader(io.StringIO(out, newline="")))
    ok(rc == 0 and table[0][:6] == ["id", "published", "feed", "tags",
                                    "title", "link"], "csv: header", out + err)
    ok(len(table) == 5 and table[2][3] == "markets/metals,rare-earths/quotas"
       and table[3][4] == COPPER and table[1][4] == EVIL
       and table[1][5] == "https://other.example/x?a=1&b='2'",
       "csv: quoting round-trips commas, quotes and tags", table)

    # table (the default format)
    rc, out, err = run("--db", db)
    lines = out.splitlines()
    ok(rc == 0 and lines[0].split() == ["published", "feed", "sources", "tags",
                                       "title"],
       "table: header", out + err)
    ok(len(lines) == 5 and lines[2].startswith("2025-04-20 10:00  ")
       and "markets/metals,rare-earths/quotas" in lines[2]
       and lines[2].endswith(QUOTAS), "table: row layout", out)

    # filters
    ok(titles("--tag", "markets") == [QUOTAS, COPPER],
       "--tag markets includes markets/* but not marketsfoo")
    ok(titles("--tag", "rare-earths/quotas") == [QUOTAS], "--tag leaf")
    ok(titles("--tag", "rare") == [], "--tag is not a prefix match")
    ok(titles("--feed", "Metals Daily") == [QUOTAS, COPPER], "--feed by name")
    ok(titles("--feed", "https://other.example/feed") == [EVIL, PLAIN],
       "--feed by URL")
    ok(titles("--since", "2025-04-19", "--until", "2025-04-20T12:00:00Z")
       == [QUOTAS, COPPER], "--since/--until")
    ok(titles("--limit", "2") == [EVIL, QUOTAS], "--limit")
    ok(titles("--since", "1d") == [], "--since relative to now")
    rc, out, err = run("--format", "json", env={"FEEDSIFT_DB": db})
    ok(rc == 0 and len(out.splitlines()) == 4, "$FEEDSIFT_DB is used", err)

    # usage errors: exit 2, message on stderr, nothing on stdout
    for args in (["--format", "xml"], ["--limit", "0"], ["--limit", "x"],
                 ["--since", "yesterday"], ["--tag", ""], ["extra"],
                 ["--bogus"], ["--limit"]):
        rc, out, err = run("--db", db, *args)
        ok(rc == 2 and out == "" and "feedsift list:" in err,
           "usage error: %s" % " ".join(args), (rc, out, err))
    rc, out, err = run("--help")
    ok(rc == 0 and "usage: feedsift list" in out, "--help on stdout")

    # a missing database is not created
    missing = os.path.join(tmp, "missing.db")
    rc, out, err = run("--db", missing)
    ok(rc == 1 and "no such database" in err and missing in err,
       "missing database: exit 1 with a clear message", (rc, err))
    ok(not os.path.exists(missing), "missing database is not created")

    # an unusable database: exit 5, file untouched
    junk = os.path.join(tmp, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"this is not a database\n" * 100)
    before = open(junk, "rb").read()
    rc, out, err = run("--db", junk)
    ok(rc == 5 and junk in err, "corrupt database: exit 5 naming it", err)
    ok(open(junk, "rb").read() == before, "corrupt database: unchanged")

sys.exit(tap.done())
