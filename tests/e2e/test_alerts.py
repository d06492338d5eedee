#!/usr/bin/env python3
"""End-to-end: alerting on watched tags, every new story exactly once.

A loopback site serves two feeds that carry the same rare-earth quota
story under different URLs (one with a " - Reuters" masthead in the
title), and a webhook receiver records what it is sent.  Checks: a failing
receiver (500, then a timeout) then a healthy one -> delivered once; the
story in two feeds -> one alert naming both sources; re-crawls and an edit
-> no second alert; a crawler killed between commit and delivery -> the
alert goes out on the next run; the exec channel gets the JSON on stdin;
`alerts watch` adds a tag; digests; ack.

usage: test_alerts.py FEEDSIFT
"""
import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import (Feedsift, Tap, TestServer, query, tempdir,  # noqa: E402
                     write_file as write)

QUOTA_TEXT = (
    "China has quietly issued its first rare earth mining and smelting "
    "quotas for 2025, without the usual public statement, people familiar "
    "with the matter said. The quotas for rare earth mining were handed to "
    "state-owned groups last month. In 2024, mining quotas totaled 270,000 "
    "metric tons, and analysts expect this year's rare earth quotas to be "
    "similar, underscoring Beijing's control of the supply of the metals.")
# Other quota stories: their own words, or the store's near-duplicate
# clustering would rightly call them copies of the first.
QUOTA2_TEXT = (
    "Beijing lifted the smelting and separation quotas for rare earth "
    "producers by five percent, the industry ministry said on Friday, "
    "handing most of the increase to the northern group that runs the "
    "Bayan Obo deposit while holding back the southern ionic clay miners.")
QUOTA3_TEXT = (
    "Export quotas for rare earth concentrates next year will be set below "
    "this year's level, a trade official told reporters in Shanghai, citing "
    "environmental inspections and a crackdown on smuggling along the "
    "border with Myanmar that squeezed supply of heavy elements.")
GOLD_TEXT = (
    "Gold prices rose to a record on Tuesday as investors sought safety, and "
    "silver followed. Bullion has gained more than a fifth this year, with "
    "central banks buying and the dollar weaker against major currencies.")


class Receiver:
    """A webhook receiver on loopback: mode 'ok', 'fail' (500), 'hang'."""

    def __init__(self):
        self.mode = "ok"
        self.got = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                if outer.mode == "hang":
                    time.sleep(4)
                    return
                outer.got.append({"mode": outer.mode, "body": body,
                                  "headers": dict(self.headers)})
                code = 200 if outer.mode == "ok" else 500
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"no")

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def delivered(self):
        return [g for g in self.got if g["mode"] == "ok"]


def page(title, text):
    return ("<html><head><title>%s</title></head><body><nav>Home | Markets"
            "</nav><article><h1>%s</h1><p>%s</p><p>%s</p></article><aside>"
            "<h3>Most read</h3><ul><li>Gold and Silver Prices Rebound</li>"
            "</ul></aside></body></html>" % (title, title, text, text))


def rss(title, items):
    out = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
           '<channel><title>%s</title><link>http://example.org/</link>'
           % title]
    for t, link in items:
        out.append("<item><title>%s</title><link>%s</link><guid>%s</guid>"
                   "</item>" % (t, link, link))
    return "".join(out) + "</channel></rss>\n"


def main():
    binary = sys.argv[1]
    t = Tap()
    work = tempdir()
    site = os.path.join(work, "site")
    os.makedirs(site)
    srv = TestServer(site)
    b = srv.base
    rcv = Receiver()
    fs = Feedsift(binary, work)
    db = os.path.join(work, "feedsift.db")
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write("s3cret-key\n")
    title = "China quietly issues 2025 rare earth mining quotas"
    write(site, "a/quota.html", page(title, QUOTA_TEXT))
    write(site, "b/quota-copy.html", page(title + " - Reuters", QUOTA_TEXT))
    write(site, "a/gold.html", page("Gold hits a record high", GOLD_TEXT))
    write(site, "feeds/a.rss", rss("Wire A", [
        (title, b + "/a/quota.html"), ("Gold hits a record high",
                                       b + "/a/gold.html")]))
    write(site, "feeds/b.rss", rss("Wire B", [
        (title + " - Reuters", b + "/b/quota-copy.html")]))
    feeds = os.path.join(work, "feeds.txt")
    with open(feeds, "w") as f:
        f.write("%s/feeds/a.rss Wire A\n%s/feeds/b.rss Wire B\n" % (b, b))
    hook = ["--alert-webhook", rcv.url, "--alert-secret-file", secret]
    # One transfer at a time: "the first source" must not depend on which
    # of two concurrent fetches finishes first.
    crawl = ["crawl", "--feeds", feeds, "--db", db, "--article-delay", "0",
             "--concurrency", "1",
             "--format", "json"]

    # ---- 1. failing receiver: the alert waits in the outbox -------------
    rcv.mode = "fail"
    p = fs.run(*crawl, *hook)
    s = json.loads(p.stdout or "{}")
    t.eq(p.returncode, 3, "undelivered alert makes the crawl exit 3")
    t.eq(s.get("alerts_new"), 1, "the story in two feeds makes one alert")
    t.eq(s.get("alerts_failed"), 1, "delivery to a 500 receiver fails")
    t.ok("HTTP 500" in p.stderr and "next try" in p.stderr,
         "the failure and the next try are reported", p.stderr[-600:])
    rows = query(db, "SELECT status, attempts, last_error, tags FROM alerts")
    t.ok(len(rows) == 1 and rows[0][0] == "failed" and rows[0][1] == 1 and
         "500" in rows[0][2] and rows[0][3] == "rare-earths/quotas",
         "outbox row: failed, 1 attempt, error, tag", rows)

    # ---- 2. a receiver that hangs: timeout, still failed ----------------
    rcv.mode = "hang"
    fs.env["FEEDSIFT_ALERT_TIMEOUT"] = "1"
    p = fs.run("alerts", "--db", db, "retry", *hook)
    t.eq(p.returncode, 1, "retry against a hanging receiver exits 1")
    t.ok("timed out" in p.stderr, "the timeout is reported", p.stderr)
    t.eq(query(db, "SELECT attempts FROM alerts")[0][0], 2,
         "second attempt recorded")
    del fs.env["FEEDSIFT_ALERT_TIMEOUT"]

    # ---- 3. healthy receiver: delivered once, with both sources --------
    rcv.mode = "ok"
    p = fs.run("alerts", "--db", db, "retry", *hook)
    t.eq(p.returncode, 0, "retry against a healthy receiver exits 0")
    got = rcv.delivered()
    t.eq(len(got), 1, "delivered exactly once")
    body = got[0]["body"] if got else b"{}"
    a = json.loads(body)
    t.ok(a.get("tags") == ["rare-earths/quotas"] and
         a.get("title") == title and a.get("link") == b + "/a/quota.html",
         "payload: tag, title, link of the first source", a)
    t.ok(sorted(x["feed"] for x in a.get("sources", [])) ==
         ["Wire A", "Wire B"], "payload names both sources", a.get("sources"))
    t.ok(any(e["tag"] == "rare-earths/quotas" and "quota" in
             e["matched"].lower() for e in a.get("evidence", [])),
         "payload carries the matched evidence", a.get("evidence"))
    key = a.get("idempotency_key", "")
    hdrs = {k.lower(): v for k, v in (got[0]["headers"] if got else {}).items()}
    t.ok(key.startswith("feedsift-") and hdrs.get("idempotency-key") == key,
         "stable idempotency key in body and header", (key, hdrs))
    want = "sha256=" + hmac.new(b"s3cret-key", body,
                                hashlib.sha256).hexdigest()
    t.eq(hdrs.get("x-feedsift-signature"), want,
         "HMAC-SHA256 signature verifies with the shared secret")
    t.eq(query(db, "SELECT status FROM alerts")[0][0], "sent",
         "outbox row: sent")

    # ---- 4. re-crawl and edit: no second alert ---------------------------
    p = fs.run(*crawl, "--all", *hook)
    t.eq(json.loads(p.stdout or "{}").get("alerts_new"), 0,
         "re-crawl: no new alert")
    write(site, "feeds/a.rss", rss("Wire A", [
        (title + " (updated)", b + "/a/quota.html"),
        ("Gold hits a record high", b + "/a/gold.html")]))
    write(site, "a/quota.html", page(title + " (updated)",
                                     QUOTA_TEXT + " Update: more detail."))
    p = fs.run(*crawl, "--all", *hook)
    s = json.loads(p.stdout or "{}")
    t.ok(s.get("items_updated") == 1 and s.get("alerts_new") == 0,
         "edited story: item updated, no new alert", s)
    t.eq(len(rcv.delivered()), 1, "receiver still has exactly one delivery")

    # ---- 4b. a rewritten copy: other URL, other title, same wire text ---
    # Only the store's near-duplicate cluster (simhash) ties it to the
    # story: no URL or title identity matches.
    write(site, "b/rewrite.html", page(
        "Beijing hands out this year's rare-earth allocations in secret",
        QUOTA_TEXT.replace("people familiar with the matter said",
                           "two sources told us")))
    write(site, "feeds/b.rss", rss("Wire B", [
        (title + " - Reuters", b + "/b/quota-copy.html"),
        ("Beijing hands out this year's rare-earth allocations in secret",
         b + "/b/rewrite.html")]))
    p = fs.run(*crawl, "--all", *hook)
    s = json.loads(p.stdout or "{}")
    t.ok(s.get("items_new") == 1 and s.get("alerts_new") == 0,
         "near-identical copy under another URL and title: no new alert", s)
    t.eq(query(db, "SELECT count(*) FROM alert_sources")[0][0], 3,
         "the copy is recorded as a third source of the alert")
    t.eq(len(rcv.delivered()), 1, "receiver still has exactly one delivery")

    # ---- 5. watch a tag by hand ------------------------------------------
    p = fs.run("alerts", "--db", db, "watch", "markets")
    t.eq(p.returncode, 0, "alerts watch exits 0")
    p = fs.run("alerts", "--db", db, "watched")
    t.eq(p.stdout.split(), ["markets"], "alerts watched lists it")
    p = fs.run("alerts", "--db", db, "watch", "bad tag")
    t.eq(p.returncode, 2, "a malformed tag is a usage error")

    # ---- 6. killed between commit and delivery ---------------------------
    write(site, "a/quota2.html", page("Beijing raises rare earth smelting "
                                      "quotas by 5%", QUOTA2_TEXT))
    write(site, "feeds/a.rss", rss("Wire A", [
        ("Beijing raises rare earth smelting quotas by 5%",
         b + "/a/quota2.html"),
        (title + " (updated)", b + "/a/quota.html"),
        ("Gold hits a record high", b + "/a/gold.html")]))
    proc = subprocess.Popen(
        [fs.binary] + crawl + ["--all", "--alert-exec", "sleep 30"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pending = []
    for _ in range(200):
        time.sleep(0.05)
        try:
            pending = query(db, "SELECT id FROM alerts WHERE status = "
                                "'pending'")
        except Exception:  # noqa: BLE001 (locked mid-write: try again)
            pending = []
        if pending:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t.ok(len(pending) == 1, "the new story's alert is committed before "
         "delivery", pending)
    # This run takes its channel from a settings file instead of flags.
    conf = os.path.join(work, "feedsift.conf")
    with open(conf, "w") as f:
        f.write("alert_webhook = %s\nalert_secret_file = %s\n"
                % (rcv.url, secret))
    p = fs.run("--config", conf, *crawl)
    s = json.loads(p.stdout or "{}")
    got = rcv.delivered()
    if len(got) == 2:
        sig = {k.lower(): v for k, v in got[1]["headers"].items()}.get(
            "x-feedsift-signature")
        t.eq(sig, "sha256=" + hmac.new(b"s3cret-key", got[1]["body"],
                                       hashlib.sha256).hexdigest(),
             "webhook and secret file from the settings file")
    t.ok(s.get("alerts_delivered") == 1 and len(got) == 2 and
         json.loads(got[1]["body"])["title"].startswith("Beijing raises"),
         "after the kill, the next run delivers the pending alert once",
         (s, len(got)))
    t.eq(query(db, "SELECT count(*) FROM alerts")[0][0], 2,
         "two stories, two alerts in all")

    # ---- 7. exec channel: the JSON on stdin ------------------------------
    out = os.path.join(work, "exec.jsonl")
    write(site, "a/quota3.html", page("Rare earth export quotas for 2026 "
                                      "set lower", QUOTA3_TEXT))
    write(site, "a/gold2.html", page("Gold and silver prices jump to "
                                     "records", GOLD_TEXT))
    write(site, "feeds/b.rss", rss("Wire B", [
        ("Rare earth export quotas for 2026 set lower",
         b + "/a/quota3.html"),
        ("Gold and silver prices jump to records", b + "/a/gold2.html"),
        (title + " - Reuters", b + "/b/quota-copy.html")]))
    p = fs.run(*crawl, "--all", "--alert-exec", "cat >> '%s'" % out)
    lines = open(out).read().splitlines() if os.path.exists(out) else []
    alerts = {json.loads(x)["title"]: json.loads(x)["tags"] for x in lines}
    t.ok(len(lines) == 2 and alerts.get(
        "Rare earth export quotas for 2026 set lower") ==
        ["rare-earths/quotas"], "exec channel got the quota alert as JSON "
        "on stdin", lines)
    t.ok(all(x.startswith("markets/") for x in alerts.get(
        "Gold and silver prices jump to records", ["none"])),
        "a story under a watched tag (markets) is alerted", alerts)
    p = fs.run("alerts", "--db", db, "deliver", "--alert-exec", "exit 7")
    t.ok(p.returncode == 0 and "0 delivered, 0 failed" in p.stderr,
         "nothing is due again after delivery", p.stderr)

    # ---- 8. list, digest, ack --------------------------------------------
    p = fs.run("alerts", "--db", db, "list", "--format", "json")
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    t.ok(len(rows) == 4 and all(r["status"] == "sent" for r in rows),
         "alerts list: four alerts, all sent", [(r["alert_id"], r["status"])
                                                 for r in rows])
    p = fs.run("alerts", "--db", db, "digest", "--since", "1d")
    t.ok(p.returncode == 0 and "rare-earths/quotas" in p.stdout and
         "Beijing raises" in p.stdout, "text digest", p.stdout[:400])
    p = fs.run("alerts", "--db", db, "digest", "--format", "html")
    t.ok(p.stdout.startswith("<!DOCTYPE html>") and "<mark>" in p.stdout and
         "http" not in p.stdout.split("<body>")[0].replace(
             'charset=utf-8', ''), "html digest is self-contained",
         p.stdout[:300])
    p = fs.run("alerts", "--db", db, "ack", str(rows[0]["alert_id"]))
    t.eq(query(db, "SELECT status FROM alerts WHERE id = ?", rows[0]["alert_id"])
         [0][0], "acked", "alerts ack")
    p = fs.run("alerts", "--db", db, "ack", "nope")
    t.eq(p.returncode, 2, "ack of a non-number is a usage error")
    p = fs.run("alerts", "--db", db, "ack", "999")
    t.ok(p.returncode == 1 and "no alert" in p.stderr,
         "ack of an unknown alert is an error", p.stderr)
    srv.stop()
    t.done()


if __name__ == "__main__":
    main()
