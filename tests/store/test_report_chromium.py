#!/usr/bin/env python3
"""test_report_chromium.py — `feedsift report` renders in a real browser.

usage: test_report_chromium.py STORE_FIXTURE FEEDSIFT

Writes the report of the store_fixture database and loads it in headless
Chromium (--dump-dom, no network: the page has no external assets), then
checks the rendered DOM: one section per tag, the headlines, the
highlighted evidence.  Exit 77 (skip) when chromium is not installed
(Debian package `chromium`).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Tap  # noqa: E402

FIXTURE, FEEDSIFT = sys.argv[1], sys.argv[2]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    print("1..0 # SKIP chromium not installed")
    sys.exit(77)
tap = Tap()
ok = tap.ok
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "report.db")
    html = os.path.join(tmp, "report.html")
    subprocess.run([FIXTURE, "build", db], check=True)
    env = dict(os.environ, HOME=tmp)
    env.pop("FEEDSIFT_CONFIG", None)
    p = subprocess.run([FEEDSIFT, "report", "--db", db, "--since", "1d",
                        "-o", html], capture_output=True, text=True, env=env)
    ok(p.returncode == 0 and os.path.getsize(html) > 0, "report written",
       p.stderr)
    p = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--user-data-dir=" + os.path.join(tmp, "chrome"),
         "--dump-dom", "file://" + html],
        capture_output=True, text=True, timeout=90, env=env)
    dom = p.stdout
    ok(p.returncode == 0 and "<html" in dom[:200],
       "chromium loads the page", p.stderr[-800:])
    ok(dom.count("<section") == 4 and
       "<h2>rare-earths/quotas</h2>" in dom and "<h2>markets</h2>" in dom,
       "one section per tag", dom[:2000])
    ok("China sets 2025 rare-earth quotas" in dom and
       "<mark>rare-earth quotas</mark>" in dom and
       "<mark>Copper</mark>" in dom,
       "headlines with highlighted evidence", dom[:3000])
    ok("'; DROP TABLE items; --" in dom and "<script" not in dom,
       "escaped text renders as text", dom[:3000])
sys.exit(tap.done())
