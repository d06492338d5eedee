#!/usr/bin/env python3
"""Run a command with tests/lib/server.py serving ROOT on a free port.

usage: with_server.py ROOT CMD [ARGS...]
Every '{base}' in ARGS becomes http://127.0.0.1:PORT.  Exits with CMD's
status; the server is always stopped.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestServer  # noqa: E402


def main():
    root, cmd = sys.argv[1], sys.argv[2:]
    srv = TestServer(root)
    try:
        args = [a.replace("{base}", srv.base) for a in cmd]
        return subprocess.call(args)
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
