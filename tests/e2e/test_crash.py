#!/usr/bin/env python3
"""Crash safety: kill -9 the crawler at random moments, again and again.

A generated site (tests/e2e/gen_crash_site.py: feeds that keep publishing,
an article page per item, some of them rare-earth quota stories that the
shipped rules alert on, each of those in two feeds under two links) is
crawled round after round; each round adds items, starts
`feedsift crawl --all --alert-exec RECORDER` and sends SIGKILL after a
random delay.  Around every kill the test reads the database:

  * PRAGMA integrity_check is ok;
  * every item (and stored article body, and alert) committed just before
    the kill is still there just after it;

and at the end, after two runs left to finish:

  * every generated item is stored exactly once (unique feed+guid, unique
    link), every article body is stored;
  * every quota story has exactly one alert row, and every story was
    delivered to the recorder (a kill between delivery and its commit may
    deliver a story again under the same idempotency key: at-least-once,
    as documented, so receivers drop repeats by that key).

Kills: 10 (FEEDSIFT_LONG=1: 50).  Random seed: FEEDSIFT_SEED (printed).

usage: test_crash.py FEEDSIFT SOURCE_ROOT
"""
import atexit
import json
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from harness import Feedsift, Tap, TestServer, query, tempdir  # noqa: E402
import gen_crash_site  # noqa: E402


def kill_quietly(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def snapshot(db):
    """What is committed: items (with whether the body is stored), alerts."""
    if not os.path.exists(db):
        return set(), set(), set()
    try:
        items = query(db, "SELECT f.url, i.guid FROM items i JOIN feeds f"
                          " ON f.id = i.feed_id")
        bodies = query(db, "SELECT f.url, i.guid FROM items i JOIN feeds f"
                           " ON f.id = i.feed_id WHERE i.body_state = 2")
        alerts = query(db, "SELECT id FROM alerts")
    except Exception as e:  # a database not yet created by the first run
        if "no such table" in str(e):
            return set(), set(), set()
        raise
    return set(items), set(bodies), set(alerts)


def main():
    # meson's timeout sends SIGTERM: exit through Python so that
    # subprocess.run() kills the crawl it is waiting for.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary, src = sys.argv[1], sys.argv[2]
    t = Tap()
    kills_wanted = 50 if os.environ.get("FEEDSIFT_LONG") == "1" else 10
    seed = int(os.environ.get("FEEDSIFT_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("# seed %d (FEEDSIFT_SEED=%d reproduces the kill times), %d kills"
          % (seed, seed, kills_wanted))
    work = tempdir()
    site = os.path.join(work, "site")
    srv = TestServer(site if os.path.isdir(site) else
                     (os.makedirs(site) or site))
    gen = gen_crash_site.Site(site, srv.base, n_feeds=6)
    fs = Feedsift(binary, work)
    db = os.path.join(work, "crash.db")
    feeds = os.path.join(work, "feeds.txt")
    gen.write_feed_list(feeds)
    # The rare-earth rules alone: the shipped set compiles for a second or
    # more, and kills should land while the crawl writes, not while it
    # compiles.
    rules = os.path.join(src, "rules", "rare-earths.rules")
    record = os.path.join(work, "alerts.jsonl")
    recorder = "{ cat; echo; } >> '%s'" % record
    cmd = [fs.binary, "crawl", "--feeds", feeds, "--db", db, "--rules", rules,
           "--all", "--article-delay", "0", "--timeout", "10",
           "--alert-exec", recorder]

    # Calibrate the kill window on one round left to finish.
    gen.publish(10)
    start = time.time()
    p = subprocess.run(cmd, cwd=work, env=fs.env, capture_output=True,
                       text=True, timeout=300)
    window = (time.time() - start) * 1.2
    t.eq(p.returncode, 0, "a first crawl of the site completes (%.2f s)"
         % (window / 1.2))

    lost = []          # (kill number, what was lost)
    phases = {"before any write": 0, "feeds": 0, "articles": 0, "after": 0}
    bad_integrity = []
    exit_codes = []
    landed = 0
    rounds = 0
    while landed < kills_wanted and rounds < kills_wanted * 4:
        rounds += 1
        gen.publish(rng.randint(4, 12))
        total = len(gen.all_guids())
        proc = subprocess.Popen(cmd, cwd=work, env=fs.env,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        atexit.register(kill_quietly, proc)
        # Kill anywhere from right after exec (schema creation, lock) to
        # late in the article phase.
        time.sleep(rng.uniform(0.0, window))
        before = snapshot(db)
        if proc.poll() is not None:
            exit_codes.append(proc.returncode)
            proc.stderr.read()
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.read()
        landed += 1
        after = snapshot(db)
        prev = len(after[0]) if landed == 1 else prev_items
        if len(after[0]) == prev and len(after[1]) < total:
            phase = "before any write"
        elif len(after[0]) < total:
            phase = "feeds"
        elif len(after[1]) < total:
            phase = "articles"
        else:
            phase = "after"
        phases[phase] += 1
        prev_items = len(after[0])
        for what, b, a in zip(("items", "bodies", "alerts"), before, after):
            if not b <= a:
                lost.append((landed, what, sorted(b - a)[:3]))
        if os.path.exists(db):
            ic = query(db, "PRAGMA integrity_check")[0][0]
            if ic != "ok":
                bad_integrity.append((landed, ic))
    print("# where the kills landed: %s" % ", ".join(
        "%s %d" % kv for kv in phases.items()))
    t.eq(landed, kills_wanted, "%d crawls killed with SIGKILL at random "
         "moments (%d rounds; %d finished before their kill)"
         % (landed, rounds, len(exit_codes)))
    t.ok(all(c in (0, 3) for c in exit_codes), "crawls that finished "
         "before their kill exit 0 or 3", exit_codes)
    t.eq(bad_integrity, [], "integrity_check ok after every kill")
    t.eq(lost, [], "nothing committed before a kill is missing after it")

    # Two runs left to finish: the first completes what the kills cut
    # short (pending pages, undelivered alerts), the second finds nothing.
    p1 = subprocess.run(cmd, cwd=work, env=fs.env, capture_output=True,
                        text=True, timeout=300)
    t.eq(p1.returncode, 0, "the run after the last kill completes (exit 0)")
    if p1.returncode != 0:
        print("# " + p1.stderr[-2000:].replace("\n", "\n# "))
    n_items = query(db, "SELECT count(*) FROM items")[0][0]
    p2 = subprocess.run(cmd, cwd=work, env=fs.env, capture_output=True,
                        text=True, timeout=300)
    t.eq(p2.returncode, 0, "one more run exits 0")
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], n_items,
         "re-running stores no new item")
    t.eq(query(db, "PRAGMA integrity_check")[0][0], "ok",
         "integrity_check ok at the end")

    stored = set(query(db, "SELECT f.url, i.guid FROM items i JOIN feeds f"
                           " ON f.id = i.feed_id"))
    want = set((gen.feed_url(f), g) for f, g in gen.all_guids())
    t.eq(sorted(want - stored)[:5], [], "every generated item is stored "
         "(%d items)" % len(want))
    t.eq(query(db, "SELECT feed_id, guid, count(*) FROM items GROUP BY "
                   "feed_id, guid HAVING count(*) > 1"), [],
         "no duplicate (feed, guid)")
    t.eq(query(db, "SELECT link, count(*) FROM items GROUP BY link HAVING "
                   "count(*) > 1"), [], "no duplicate link")
    t.eq(query(db, "SELECT count(*) FROM items WHERE body_state != 2")[0][0],
         0, "every article body is stored")

    # Alerts: one row per story, every story delivered.
    stories = gen.quota_titles()
    rows = query(db, "SELECT a.id, i.title FROM alerts a JOIN items i ON "
                     "i.id = a.item_id")
    per_story = {}
    for aid, title in rows:
        per_story.setdefault(title, []).append(aid)
    t.eq(len(rows), len(stories), "one alert row per quota story (%d "
         "stories, each in two feeds)" % len(stories))
    t.eq(sorted(s for s in stories if len(per_story.get(s, [])) != 1), [],
         "each story has exactly one alert")
    t.eq(query(db, "SELECT count(*) FROM alerts WHERE status != 'sent'")[0][0],
         0, "every alert is sent")
    delivered = []
    if os.path.exists(record):
        with open(record) as f:
            delivered = [json.loads(x) for x in f if x.strip()]
    keys = {}
    for d in delivered:
        keys.setdefault(d["idempotency_key"], set()).add(d["alert_id"])
    titles = set(d["title"] for d in delivered)
    t.eq(sorted(set(stories) - titles), [], "every story reached the "
         "recorder")
    t.eq(len(keys), len(stories), "one idempotency key per story")
    t.eq([k for k, ids in keys.items() if len(ids) != 1], [],
         "an idempotency key always names the same alert")
    repeats = len(delivered) - len(keys)
    t.ok(repeats <= landed, "repeated deliveries (%d) only from kills "
         "between delivery and its commit (%d kills)" % (repeats, landed))
    srv.stop()
    sys.exit(t.done())


if __name__ == "__main__":
    main()
