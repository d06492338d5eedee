#!/usr/bin/env python3
"""Print one closing line 'N passed, N failed, N skipped' over meson runs.

usage: summary.py BUILDDIR...   (reads BUILDDIR/meson-logs/testlog.json)
Counts TAP subtests where meson recorded them, else whole tests.  Exits 1
when anything failed or a log is missing.
"""
import json
import os
import sys


def main():
    passed = failed = skipped = 0
    missing = False
    for build in sys.argv[1:]:
        path = os.path.join(build, "meson-logs", "testlog.json")
        if not os.path.exists(path):
            missing = True
            continue
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                res = rec.get("result")
                if res in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif res == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
