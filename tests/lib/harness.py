"""Shared pieces of feedsift's end-to-end tests (python3 stdlib only).

TAP output (ok/not ok lines, plan at the end), a loopback test server that
the test starts and always stops, and a runner for the feedsift binary.
"""
import atexit
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, what))
        if not cond:
            self.failed += 1
            if diag is not None:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, what, "got:  %r\nwant: %r" % (got, want))

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


class TestServer:
    """tests/lib/server.py on a free loopback port, serving root."""

    def __init__(self, root, log=None):
        self.root = root
        portfile = tempfile.mktemp(prefix="feedsift-port-")
        cmd = [sys.executable, os.path.join(HERE, "server.py"), "--root", root,
               "--port", "0", "--port-file", portfile]
        if log:
            cmd += ["--log", log]
        self.log = log
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        atexit.register(self.stop)
        deadline = time.time() + 10
        while not os.path.exists(portfile):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        with open(portfile) as f:
            self.port = int(f.read())
        os.unlink(portfile)
        self.base = "http://127.0.0.1:%d" % self.port

    def requests(self):
        import json
        if not self.log or not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Feedsift:
    def __init__(self, binary, workdir):
        self.binary = os.path.abspath(binary)
        self.workdir = workdir
        self.env = dict(os.environ)
        self.env.pop("FEEDSIFT_DB", None)
        self.env.pop("FEEDSIFT_FEEDS", None)
        self.env.pop("FEEDSIFT_RULES", None)
        self.env.pop("FEEDSIFT_CONFIG", None)
        # Never the user's own ~/.config/feedsift/config.
        self.env["XDG_CONFIG_HOME"] = os.path.join(workdir, ".config")
        # Nor the user's prefilter cache; one directory shared by every
        # test (entries are keyed and written atomically), so only the
        # first crawl of a run compiles the rules' prefilter.
        self.env.setdefault("FEEDSIFT_CACHE_DIR", os.path.join(
            tempfile.gettempdir(), "feedsift-test-cache-%d" % os.getuid()))

    def run(self, *args, timeout=120, stdin=None):
        # Slow wrappers (scripts/valgrind_crawl.sh) stretch every timeout.
        timeout *= float(os.environ.get("FEEDSIFT_TEST_TIMEOUT_SCALE", "1"))
        p = subprocess.run([self.binary] + list(args), cwd=self.workdir,
                           env=self.env, input=stdin, capture_output=True,
                           text=True, timeout=timeout)
        return p


def tempdir():
    d = tempfile.mkdtemp(prefix="feedsift-test-")
    atexit.register(shutil.rmtree, d, True)
    return d


def query(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def write_file(root, rel, data):
    """Write data (str as UTF-8, or bytes) to root/rel, making directories;
    returns the path."""
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path
