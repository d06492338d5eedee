#!/usr/bin/env python3
"""Run feedparser's conformance corpus against `feedsift parse-feed`.

usage: run_conformance.py FEEDSIFT SHARED_FEEDPARSER_DIR THRESHOLD_FILE

Runs SHARED_FEEDPARSER_DIR/run.py on dev.txt and fails (exit 1) when fewer
tests pass than the number in THRESHOLD_FILE.  The threshold only ever goes
up: raise it whenever the parser gets better.  Exits 77 (meson: skipped)
when the shared corpus is not there, e.g. in a plain source checkout.
"""
import os
import re
import shlex
import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    feedsift, corpus, threshold_file = sys.argv[1:]
    run_py = os.path.join(corpus, "run.py")
    dev_list = os.path.join(corpus, "dev.txt")
    if not (os.path.isfile(run_py) and os.path.isfile(dev_list)):
        print("skipped: no conformance corpus at %s" % corpus)
        return 77
    with open(threshold_file) as f:
        threshold = int(f.read().split()[0])

    cmd = "%s parse-feed --base-url {url} {file}" % shlex.quote(feedsift)
    proc = subprocess.run(
        [sys.executable, run_py, "--cmd", cmd, "--list", dev_list,
         "--tests-root", corpus, "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(proc.stdout)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    m = re.match(r"(\d+) passed, (\d+) failed", last)
    if not m:
        print("harness output not understood (exit %d)" % proc.returncode)
        return 1
    passed = int(m.group(1))
    total = passed + int(m.group(2))
    print("conformance: %d/%d passed (threshold %d)" % (passed, total,
                                                        threshold))
    if passed < threshold:
        print("FAIL: below the threshold in %s" % threshold_file)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
