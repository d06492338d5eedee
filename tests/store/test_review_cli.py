#!/usr/bin/env python3
"""test_review_cli.py — the analyst's commands end to end, as TAP.

usage: test_review_cli.py STORE_FIXTURE FEEDSIFT

store_fixture writes a real SQLite database through store/ (see its
header for the scenario: one wire story from three feeds under two URL
spellings and one edited copy, an item updated under the same guid, a
headline of SQL/FTS5 metacharacters, old items for prune).  Then every
review command runs as a subprocess on it: list, search, show, mark,
tags, stats, export, report (its rendering in Chromium is
test_report_chromium.py), prune; readers run while another process holds a write
transaction open.
"""
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Tap  # noqa: E402

FIXTURE, FEEDSIFT = sys.argv[1], sys.argv[2]
tap = Tap()
ok = tap.ok

QUOTAS = "China sets 2025 rare-earth quotas"
COPPER = "Copper prices rise in London"
EVIL = "'; DROP TABLE items; -- \"quoted\" 100% a_b"
WHEAT = "Wheat harvest begins in Kansas"
ZINC = "Zinc smelter closes"
OLD = "Old untagged news"
COMMANDS = ["list", "search", "show", "mark", "tags", "stats", "export",
            "report", "prune"]


def run(*args, env=None, db=None):
    e = dict(os.environ)
    e.pop("FEEDSIFT_DB", None)
    e.pop("FEEDSIFT_CONFIG", None)
    e["HOME"] = tmp  # no settings file of the user's
    if env:
        e.update(env)
    argv = [FEEDSIFT, *args]
    if db:
        argv[2:2] = ["--db", db]
    p = subprocess.run(argv, capture_output=True, text=True, env=e)
    return p.returncode, p.stdout, p.stderr


def jl(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def raw(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "review.db")
    subprocess.run([FIXTURE, "build", db], check=True)

    # ---- conventions of every command -------------------------------
    for c in COMMANDS:
        rc, out, err = run(c, "--help")
        ok(rc == 0 and out.startswith("usage: feedsift " + c) and not err,
           "%s --help: usage on stdout, exit 0" % c, err)
        rc, out, err = run(c, "--no-such-option", db=db)
        ok(rc == 2 and "feedsift " + c in err and "--help" in err,
           "%s: unknown option is a usage error (exit 2)" % c, err)
        missing = os.path.join(tmp, "missing.db")
        extra = {"search": ["x"], "show": ["1"], "mark": ["1", "relevant"],
                 "report": ["-o", os.path.join(tmp, "r.html")],
                 "prune": ["--older-than", "30d"]}.get(c, [])
        rc, out, err = run(c, *extra, db=missing)
        ok(rc == 1 and "no such database" in err and
           not os.path.exists(missing),
           "%s: missing database is exit 1, not created" % c, err)
    foreign = os.path.join(tmp, "foreign.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = open(foreign, "rb").read()
    for c in COMMANDS:
        extra = {"search": ["x"], "show": ["1"], "mark": ["1", "relevant"],
                 "report": ["-o", os.path.join(tmp, "r.html")],
                 "prune": ["--older-than", "30d"]}.get(c, [])
        rc, out, err = run(c, *extra, db=foreign)
        ok(rc == 5 and "not a feedsift database" in err,
           "%s: foreign database refused (exit 5)" % c, err)
    ok(open(foreign, "rb").read() == before, "foreign database unchanged")

    # ---- list: one row per story, sources, filters, paging ----------
    rc, out, err = run("list", "--format", "json", db=db)
    rows = jl(out)
    ok(rc == 0 and [r["title"] for r in rows] ==
       [QUOTAS, COPPER, EVIL, WHEAT, ZINC, OLD],
       "list: one row per story, newest first", out + err)
    q = rows[0] if rows else {}
    ok(q.get("sources") == 3 and q.get("id") == 3 and q.get("story") == 1,
       "list: the wire story from 3 feeds is one row with 3 sources", q)
    rc, out, err = run("list", "--all", "--format", "json", db=db)
    allrows = jl(out)
    ok(rc == 0 and len(allrows) == 8 and
       [r["story"] for r in allrows[:3]] == [1, 1, 1],
       "list --all: every item, the three copies share story 1", out)
    rc, out, err = run("list", "--tag", "markets", "--format", "json", db=db)
    ok([r["title"] for r in jl(out)] == [COPPER, EVIL, ZINC],
       "list --tag markets: the tag and its children", out + err)
    rc, out, err = run("list", "--feed", "Paper C", "--format", "json",
                       db=db)
    ok([r["title"] for r in jl(out)] == [QUOTAS, WHEAT],
       "list --feed NAME", out + err)
    rc, out, err = run("list", "--since", "1d", "--format", "json", db=db)
    ok([r["title"] for r in jl(out)] == [QUOTAS, COPPER, EVIL, WHEAT],
       "list --since 1d", out + err)
    rc, out, err = run("list", "--until", "30d", "--format", "json", db=db)
    ok([r["title"] for r in jl(out)] == [ZINC, OLD], "list --until 30d",
       out + err)
    rc, out, err = run("list", "--query", "smelter OR wheat", "--format",
                       "json", db=db)
    ok([r["title"] for r in jl(out)] == [WHEAT, ZINC],
       "list --query: full-text filter", out + err)
    rc, out, err = run("list", "--limit", "2", "--offset", "2", "--format",
                       "json", db=db)
    ok([r["title"] for r in jl(out)] == [EVIL, WHEAT],
       "list --limit/--offset page by stories", out + err)
    rc, out, err = run("list", "--query", "\"unterminated", db=db)
    ok(rc == 2 and "query" in err and "Traceback" not in err,
       "list --query with bad FTS5 syntax: usage error", err)
    rc, out, err = run("list", "--format", "csv", db=db)
    recs = list(csv.reader(io.StringIO(out)))
    ok(rc == 0 and recs and recs[0][:6] ==
       ["id", "published", "feed", "tags", "title", "link"] and
       any(r[4] == EVIL for r in recs[1:]),
       "list --format csv: header, metacharacters round-trip", out)
    rc, out, err = run("list", db=db)
    ok(rc == 0 and out.splitlines()[0].split()[:3] ==
       ["published", "feed", "sources"] and EVIL in out,
       "list table: header and rows", out)

    # ---- search ------------------------------------------------------
    rc, out, err = run("search", "xylophonequasar", "--format", "json",
                       db=db)
    r = jl(out)
    ok(rc == 0 and len(r) == 1 and r[0]["id"] == 1 and
       "**Xylophonequasar**" in r[0]["snippet"],
       "search: body text found, term highlighted in the snippet", out + err)
    rc, out, err = run("search", "copper OR zinc", "--format", "json", db=db)
    r = jl(out)
    ok(rc == 0 and sorted(x["title"] for x in r) == [COPPER, ZINC] and
       all(r[i]["rank"] <= r[i + 1]["rank"] for i in range(len(r) - 1)),
       "search: OR query, best bm25 first", out + err)
    rc, out, err = run("search", "smelting", "--format", "json", db=db)
    r = jl(out)
    # "smelting" is in the summary of the quota copies only; "smelter"
    # (zinc) is another word: no stemming surprises.
    ok(rc == 0 and {x["id"] for x in r} == {1, 2, 3},
       "search: summary matches", out + err)
    rc, out, err = run("search", "title:kansas", "--format", "json", db=db)
    ok(rc == 0 and [x["title"] for x in jl(out)] == [WHEAT],
       "search: column filter title:", out + err)
    rc, out, err = run("search", "quota*", "--tag", "rare-earths/quotas",
                       "--limit", "2", "--format", "json", db=db)
    ok(rc == 0 and len(jl(out)) == 2, "search: prefix, --tag, --limit",
       out + err)
    rc, out, err = run("search", '"DROP TABLE"', "--format", "json", db=db)
    ok(rc == 0 and [x["title"] for x in jl(out)] == [EVIL],
       "search: phrase of SQL words finds the item", out + err)
    for bad in ["\"unterminated", "NEAR(", "'; DROP TABLE items; --",
                "AND", "title:", "nosuchcolumn:x", "(a OR", "*"]:
        rc, out, err = run("search", bad, db=db)
        ok(rc == 2 and "search query" in err and "--help" in err and
           not out, "search %r: clear usage error, exit 2" % bad, err)
    rc, out, err = run("search", "neodymium OR nothingmatches", db=db)
    ok(rc == 0 and "Xylophonequasar" not in err, "search: table output",
       out + err)
    rc, out, err = run("search", "zzzznotthere", db=db)
    ok(rc == 0 and len(out.splitlines()) <= 1, "search: no match is exit 0",
       out + err)
    rc, out, err = run("search", db=db)
    ok(rc == 2, "search without QUERY: usage error", err)
    n = raw(db, "SELECT count(*) FROM items")[0][0]
    ok(n == 8, "items table intact after hostile queries")

    # ---- show --------------------------------------------------------
    rc, out, err = run("show", "1", "--format", "json", db=db)
    d = json.loads(out) if rc == 0 else {}
    ok(d.get("canonical_url") == "https://news.example/quotas" and
       d.get("url_key") == "news.example/quotas" and
       "Xylophonequasar" in (d.get("body") or ""),
       "show: fields, canonical URL, its key and the body", out + err)
    ok([s["id"] for s in d.get("sources", [])] == [1, 2, 3] and
       [s["feed"] for s in d.get("sources", [])] ==
       ["Wire A", "Wire B", "Paper C"],
       "show: the story's sources, oldest first", d.get("sources"))
    tags = {(t["tag"], t["rule"]): t for t in d.get("tags", [])}
    t = tags.get(("rare-earths/quotas", "re-quota"), {})
    ok(t.get("matched") == "rare-earth quotas" and t.get("field") == "title"
       and t.get("alert") in (True, 1),
       "show: tags with their evidence", d.get("tags"))
    rc, out, err = run("show", "4", "--format", "json", db=db)
    d = json.loads(out) if rc == 0 else {}
    v = d.get("versions", [])
    ok(d.get("title") == COPPER and len(v) == 1 and
       v[0].get("title") == "Copper prices slip in London" and
       v[0].get("summary") == "Copper fell on Monday.",
       "show: same guid updated in place, previous version kept", out)
    rc, out, err = run("show", "4", db=db)
    ok(rc == 0 and "Copper prices slip in London" in out and
       "markets/metals" in out, "show: table output", out)
    rc, out, err = run("show", "1", "--no-body", "--format", "json", db=db)
    ok(rc == 0 and "Xylophonequasar" not in out, "show --no-body", out)
    rc, out, err = run("show", "999", db=db)
    ok(rc == 1 and "no item with id 999" in err, "show: unknown id exit 1",
       err)
    for bad in ["abc", "-1", "1x", ""]:
        rc, out, err = run("show", bad, db=db)
        ok(rc == 2, "show %r: usage error" % bad, err)

    # ---- mark: separate from the crawler's data ----------------------
    def crawl_rows():
        return raw(db, "SELECT * FROM items ORDER BY id") + \
            raw(db, "SELECT * FROM item_tags ORDER BY item_id, tag, rule_id")
    before = crawl_rows()
    rc, out, err = run("mark", "1", "relevant", "--note",
                       "good; '); DROP TABLE marks; --", db=db)
    ok(rc == 0, "mark relevant with a note", err)
    rc, out, err = run("mark", "5", "irrelevant", "--format", "json", db=db)
    m = jl(out)
    ok(rc == 0 and m and m[0].get("mark") == "irrelevant",
       "mark irrelevant (json)", out + err)
    rc, out, err = run("mark", "4", "relevant", db=db)
    rc, out, err = run("mark", "4", "irrelevant", db=db)
    rc, out, err = run("mark", "4", "clear", db=db)
    ok(rc == 0 and raw(db, "SELECT count(*) FROM marks WHERE item_id=4")
       == [(0,)], "mark: re-mark replaces, clear removes", err)
    ok(crawl_rows() == before, "marks never change items or their tags")
    rc, out, err = run("show", "1", "--format", "json", db=db)
    d = json.loads(out) if rc == 0 else {}
    m = d.get("mark") or {}
    ok(m.get("label") == "relevant" and
       m.get("note") == "good; '); DROP TABLE marks; --" and
       re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m.get("time", "")),
       "show: the mark with its note and time", out)
    rc, out, err = run("mark", "999", "relevant", db=db)
    ok(rc == 1 and "999" in err, "mark: unknown id exit 1", err)
    rc, out, err = run("mark", "1", "maybe", db=db)
    ok(rc == 2, "mark: unknown verdict is a usage error", err)
    rc, out, err = run("list", "--marked", "--format", "json", db=db)
    ok([(r["id"], r["mark"]) for r in jl(out)] ==
       [(1, "relevant"), (5, "irrelevant")],
       "list --marked", out + err)
    rc, out, err = run("list", "--unmarked", "--format", "json", db=db)
    ok(EVIL not in [r["title"] for r in jl(out)] and
       COPPER in [r["title"] for r in jl(out)], "list --unmarked", out)

    # ---- export ------------------------------------------------------
    rc, out, err = run("export", "--marked", "--format", "jsonl", db=db)
    lab = jl(out)
    ok(rc == 0 and len(lab) == 2 and
       all(set(x) == {"title", "summary", "tags"} for x in lab),
       "export --marked: labeled set lines {title, summary, tags}", out)
    byt = {x["title"]: x["tags"] for x in lab}
    ok(byt.get(QUOTAS) == ["rare-earths", "rare-earths/quotas"] and
       byt.get(EVIL) == [],
       "export --marked: relevant keeps its tags, irrelevant has none",
       byt)
    labfile = os.path.join(tmp, "labeled.jsonl")
    with open(labfile, "w") as f:
        f.write(out)
    rc, out, err = run("export", "--since", "1d", "--format", "jsonl",
                       db=db)
    ex = jl(out)
    ok(rc == 0 and [x["id"] for x in ex] == [6, 5, 4, 1, 2, 3],
       "export --since 1d jsonl: recent items, oldest first", out + err)
    rc, out, err = run("export", "--since", "1d", "--format", "csv",
                       "--body", db=db)
    recs = list(csv.DictReader(io.StringIO(out)))
    ok(rc == 0 and len(recs) == 6 and
       any(r["title"] == EVIL for r in recs) and
       any("Xylophonequasar" in r.get("body", "") for r in recs),
       "export --format csv --body", out[:300] + err)
    rc, out, err = run("export", "--format", "xml", db=db)
    ok(rc == 2, "export: bad format is a usage error", err)

    # ---- tags, stats -------------------------------------------------
    rc, out, err = run("tags", "--format", "json", db=db)
    t = jl(out)
    counts = {}
    for x in t:
        counts[x["tag"]] = counts.get(x["tag"], 0) + x["items"]
    ok(rc == 0 and counts == {"rare-earths": 3, "rare-earths/quotas": 3,
                              "markets": 1, "markets/metals": 2},
       "tags: items per tag", out + err)
    ok(all(re.fullmatch(r"\d{4}-\d\d-\d\d", x["period"]) for x in t) and
       [x["period"] for x in t] == sorted([x["period"] for x in t],
                                          reverse=True),
       "tags: per day, newest first", out)
    rc, out, err = run("tags", "--per", "week", "--tag", "markets",
                       "--format", "csv", db=db)
    recs = list(csv.DictReader(io.StringIO(out)))
    ok(rc == 0 and recs and {r["tag"] for r in recs} ==
       {"markets", "markets/metals"}, "tags --per week --tag", out + err)
    ok(all(time.strptime(r["period"], "%Y-%m-%d").tm_wday == 0
           for r in recs), "tags --per week: weeks start on Monday", out)
    rc, out, err = run("tags", "--per", "month", db=db)
    ok(rc == 2, "tags --per month: usage error", err)
    rc, out, err = run("stats", "--format", "json", db=db)
    s = json.loads(out) if rc == 0 else {}
    ok(s.get("items") == 8 and s.get("stories") == 6 and
       s.get("feeds") == 3 and s.get("marked_relevant") == 1 and
       s.get("marked_irrelevant") == 1 and
       s.get("previous_versions") == 1 and s.get("schema_version") == 8,
       "stats: items, stories after dedup, marks, versions", out + err)
    rc, out, err = run("stats", db=db)
    ok(rc == 0 and "stories" in out, "stats: table", out)

    # ---- report: one self-contained page -----------------------------
    html = os.path.join(tmp, "report.html")
    rc, out, err = run("report", "--since", "1d", "-o", html, db=db)
    page = open(html, encoding="utf-8").read() if rc == 0 else ""
    ok(rc == 0 and page.startswith("<!DOCTYPE html>"),
       "report: writes the page", err)
    ok(not re.search(r"<(script|link|img|iframe)\b", page) and
       "src=" not in page and "@import" not in page and "url(" not in page,
       "report: no external assets", page[:200])
    ok(QUOTAS in page and "2 more sources" in page and
       "<mark>rare-earth quotas</mark>" in page and
       "https://paper-c.example/world/2025/quotas-china" in page,
       "report: headline, sources, link, highlighted evidence", page)
    ok("&#39;; DROP TABLE items; -- &quot;quoted&quot;" in page and
       EVIL not in page, "report: text is escaped", page)
    ok(ZINC not in page, "report --since 1d leaves out older items", page)
    rc, out, err = run("report", "--since", "1d", db=db)
    ok(rc == 2, "report without -o: usage error", err)
    rc, out, err = run("report", "--since", "1d", "-o",
                       os.path.join(tmp, "nodir", "r.html"), db=db)
    ok(rc == 1 and "nodir" in err, "report: unwritable output exit 1", err)

    # ---- readers during a write transaction of another process --------
    w = subprocess.Popen([FIXTURE, "hold", db, "3"], stdout=subprocess.PIPE,
                         text=True)
    line = w.stdout.readline()
    ok(line.strip() == "holding", "writer holds a write transaction", line)
    fails = []
    t0 = time.time()
    runs = 0
    fast = {"FEEDSIFT_BUSY_TIMEOUT_MS": "200"}
    while time.time() - t0 < 2.0:
        for args in (["list", "--format", "json"],
                     ["search", "quotas"], ["show", "1"], ["stats"],
                     ["tags"], ["export", "--since", "1d"]):
            rc, out, err = run(*args, env=fast, db=db)
            runs += 1
            if rc != 0 or "locked" in err:
                fails.append((args, rc, err))
            if args[0] == "list" and "Writer headline" in out:
                fails.append((args, "saw uncommitted rows"))
    ok(not fails and w.poll() is None,
       "%d reads during the write transaction: none locked, none saw "
       "uncommitted rows" % runs, fails[:3])
    rc, out, err = run("mark", "2", "relevant", env=fast, db=db)
    ok(rc == 5 and "locked" in err,
       "a second writer gives up after the busy timeout (exit 5)", err)
    w.stdout.readline()
    ok(w.wait(10) == 0, "writer committed")
    rc, out, err = run("list", "--feed", "Writer", "--all", "--format",
                       "json", db=db)
    ok(rc == 0 and len(jl(out)) == 200, "committed rows are then visible",
       err)
    rc, out, err = run("search", "writer headline", "--limit", "500",
                       "--format", "json", db=db)
    ok(rc == 0 and len(jl(out)) == 200,
       "the search index follows the writer (triggers)", err)

    # ---- prune ---------------------------------------------------------
    rc, out, err = run("prune", db=db)
    ok(rc == 2 and "--older-than" in err, "prune needs --older-than", err)
    rc, out, err = run("prune", "--older-than", "yesterday", db=db)
    ok(rc == 2, "prune: bad duration is a usage error", err)
    rc, out, err = run("mark", "8", "relevant", db=db)
    rc, out, err = run("prune", "--older-than", "30d", "--keep-tagged",
                       "--keep-marked", "--format", "json", db=db)
    ok(rc == 0 and raw(db, "SELECT count(*) FROM items WHERE id IN (7,8)")
       == [(2,)], "prune --keep-tagged --keep-marked keeps both", out + err)
    rc, out, err = run("prune", "--older-than", "30d", "--keep-tagged",
                       db=db)
    ok(rc == 0 and raw(db, "SELECT id FROM items WHERE id IN (7,8)") ==
       [(7,)], "prune --keep-tagged deletes the marked untagged item",
       out + err)
    rc, out, err = run("prune", "--older-than", "30d", "--vacuum", db=db)
    left = raw(db, "SELECT count(*) FROM items WHERE id IN (7,8)")
    orphans = raw(db, "SELECT (SELECT count(*) FROM item_tags WHERE item_id"
                      " NOT IN (SELECT id FROM items)) + (SELECT count(*) "
                      "FROM item_story WHERE item_id NOT IN (SELECT id FROM"
                      " items)) + (SELECT count(*) FROM marks WHERE item_id"
                      " NOT IN (SELECT id FROM items))")
    ok(rc == 0 and left == [(0,)] and orphans == [(0,)],
       "prune --vacuum: old items gone with their tags, marks, stories",
       out + err)
    rc, out, err = run("search", "zinc", "--format", "json", db=db)
    ok(rc == 0 and jl(out) == [], "pruned items leave the search index",
       out + err)
    ok(raw(db, "INSERT INTO items_fts(items_fts, rank) VALUES "
               "('integrity-check', 1)") == [],
       "FTS index consistent with items after all of it")
    rc, out, err = run("list", "--format", "json", db=db)
    ok(rc == 0 and QUOTAS in out, "recent items survive prune", err)

sys.exit(tap.done())
