#!/usr/bin/env python3
"""Environment faults: what a crawl does when the machine is against it.

A database is filled by one good crawl over loopback, then each fault is
applied in turn and a crawl (with new items waiting on the server) is run
into it:

  read-only database file, read-only directory, disk full (RLIMIT_FSIZE,
  and a full tmpfs when running as root), the database locked by another
  process beyond FEEDSIFT_BUSY_TIMEOUT_MS, a missing or unreadable (or
  directory) feeds file, rules file, database directory.

Each must give a clear message naming the file, a non-zero exit code, and
leave the database intact: PRAGMA integrity_check ok and every item of the
first crawl still there.  Afterwards a crawl without the fault works.

File permissions do not stop root, so when run as root the crawls of the
permission cases run as nobody (setpriv); those cases are skipped when that
is impossible.

usage: test_env_faults.py FEEDSIFT
"""
import difflib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from harness import Feedsift, Tap, TestServer, query, tempdir  # noqa: E402
import gen_crash_site  # noqa: E402

NOBODY = 65534


def file_bytes(db):
    """The database and its WAL as bytes: compared without opening them
    (any connection could change what the next one finds)."""
    out = b""
    for path in (db, db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                out += f.read()
    return out


def main():
    # meson's timeout sends SIGTERM: exit through Python so that
    # subprocess.run() kills the crawl it is waiting for.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary = sys.argv[1]
    src = os.path.abspath(os.path.join(HERE, "..", ".."))
    t = Tap()
    work = tempdir()
    os.chmod(work, 0o755)
    site = os.path.join(work, "site")
    os.makedirs(site)
    srv = TestServer(site, log=os.path.join(work, "requests.log"))
    gen = gen_crash_site.Site(site, srv.base, n_feeds=3)
    gen.publish(6)
    fs = Feedsift(binary, work)
    feeds = os.path.join(work, "feeds.txt")
    gen.write_feed_list(feeds)
    rules = os.path.join(src, "rules", "rare-earths.rules")
    dbdir = os.path.join(work, "data")
    os.makedirs(dbdir)
    db = os.path.join(dbdir, "env.db")

    root = os.geteuid() == 0
    drop = []
    if root and shutil.which("setpriv"):
        drop = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--clear-groups"]
        if subprocess.run(drop + [fs.binary, "--version"],
                          capture_output=True).returncode != 0:
            drop = []
    can_perm = not root or bool(drop)

    def give_away(path):
        """When root, hand the tree to nobody, so that the mode bits set
        below mean what they say to the crawls that run as nobody."""
        if drop:
            for d, dirs, files in os.walk(path):
                os.chown(d, NOBODY, NOBODY)
                for f in files:
                    os.chown(os.path.join(d, f), NOBODY, NOBODY)

    def crawl(*extra, db_path=None, env=None, as_nobody=False, pre=None):
        cmd = [fs.binary, "crawl", "--feeds", feeds, "--db", db_path or db,
               "--rules", rules, "--all", "--article-delay", "0"]
        cmd = list(cmd)
        for i in range(0, len(extra), 2):  # overrides: --feeds X, --rules Y
            if extra[i] in cmd:
                cmd[cmd.index(extra[i]) + 1] = extra[i + 1]
            else:
                cmd += list(extra[i:i + 2])
        if as_nobody:
            cmd = drop + cmd
        e = dict(fs.env)
        e.update(env or {})
        start = time.time()
        p = subprocess.run(cmd, cwd=work, env=e, capture_output=True,
                           text=True, timeout=120, preexec_fn=pre)
        p.seconds = time.time() - start
        return p

    p = crawl()
    t.eq(p.returncode, 0, "the first crawl fills the database")
    first = set(query(db, "SELECT guid FROM items"))
    n_first = len(gen.all_guids())
    listing = fs.run("list", "--db", db).stdout
    t.eq(len(first), n_first, "%d items stored" % n_first)

    def intact(case, db_path=None):
        d = db_path or db
        ic = query(d, "PRAGMA integrity_check")[0][0]
        have = set(query(d, "SELECT guid FROM items"))
        t.ok(ic == "ok" and first <= have, "%s: integrity_check ok, every "
             "earlier item still there" % case, (ic, len(first - have)))

    def clear(case, p, path, *words):
        err = p.stderr.strip()
        print("# %s: %s" % (case, err.replace("\n", "\n#   ")))
        t.ok(p.returncode != 0 and path in err and
             all(w.lower() in err.lower() for w in words) and
             "Traceback" not in err and len(err.splitlines()) <= 5,
             "%s: exit %d, one line naming %s%s" % (
                 case, p.returncode, os.path.basename(path) or path,
                 "".join(", says '%s'" % w for w in words)), err[-1000:])

    def skip(what, why):
        t.n += 1
        print("ok %d - %s # SKIP %s" % (t.n, what, why))

    gen.publish(5)  # new items wait on the server for every faulty crawl

    # ---- read-only database file -----------------------------------------
    if can_perm:
        give_away(dbdir)
        os.chmod(db, 0o444)
        before = file_bytes(db)
        p = crawl(as_nobody=True)
        clear("read-only database file", p, db, "read")
        t.eq(p.returncode, 5, "read-only database file: exit 5 (database "
             "cannot be used)")
        p2 = subprocess.run(drop + [fs.binary, "list", "--db", db],
                            capture_output=True, text=True, cwd=work,
                            env=fs.env)
        t.ok(p2.returncode == 0 and p2.stdout == listing,
             "read-only database file: list still reads it",
             (p2.returncode, p2.stderr[-500:]))
        t.ok(file_bytes(db) == before, "read-only database file: not a "
             "byte was written")
        os.chmod(db, 0o644)
        # SQLite created DB-wal and DB-shm with the database file's mode
        # (0444); the next writer gives them back the database's mode.  (Checked
        # before any other connection opens it: a root one would quietly work.)
        p = crawl(as_nobody=bool(drop))
        t.ok(p.returncode == 0, "read-only database file: once writable "
             "again, the next crawl works", p.stderr[-500:])
        intact("read-only database file")
        shm = db + "-shm"
        if os.path.exists(shm) and not os.stat(shm).st_mode & 0o200:
            os.unlink(shm)  # safe: nothing has the database open
    else:
        for _ in range(6):
            skip("read-only database file", "root without setpriv")

    # ---- read-only directory ---------------------------------------------
    if can_perm:
        os.chmod(dbdir, 0o555)
        p = crawl(as_nobody=True)
        clear("read-only directory", p, dbdir)
        os.chmod(dbdir, 0o755)
        intact("read-only directory")
    else:
        for _ in range(2):
            skip("read-only directory", "root without setpriv")

    # ---- disk full: a file size limit ------------------------------------
    gen.publish(2)

    def fsize_limit():
        # SIGXFSZ would kill the crawl; ignored, the write fails (EFBIG).
        # 64 KB: room for the 32 KB WAL index (-shm), not for the WAL
        # (restarted at offset 0 after the last checkpoint) of the run's
        # commits of feeds, items, pages and index.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    p = crawl(pre=fsize_limit)
    clear("file size limit", p, db)
    t.eq(p.returncode, 5, "file size limit: exit 5")
    intact("file size limit")

    # ---- disk full: a full tmpfs (root only) -----------------------------
    gen.publish(2)
    mnt = os.path.join(work, "tmpfs")
    os.makedirs(mnt)
    mounted = root and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
        capture_output=True).returncode == 0
    if mounted:
        try:
            fdb = os.path.join(mnt, "full.db")
            shutil.copy(db, fdb)
            # Fill the file system.
            fd = os.open(os.path.join(mnt, "filler"),
                         os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                while os.write(fd, b"\0" * 4096) > 0:
                    pass
            except OSError:
                pass
            os.close(fd)
            # Room to open the database (its -shm index is 32 KiB) but not
            # to write the crawl's pages.
            os.truncate(os.path.join(mnt, "filler"),
                        os.path.getsize(os.path.join(mnt, "filler")) - 65536)
            p = crawl(db_path=fdb)
            clear("full disk", p, fdb, "disk")
            t.eq(p.returncode, 5, "full disk: exit 5")
            os.unlink(os.path.join(mnt, "filler"))
            intact("full disk", fdb)
            p = crawl(db_path=fdb)
            t.eq(p.returncode, 0, "full disk: once space is freed, the "
                 "next crawl works")
        finally:
            subprocess.run(["umount", "-l", mnt])
    else:
        for _ in range(4):
            skip("full disk (tmpfs)", "needs root and mount")

    # ---- locked by another process beyond the busy timeout ---------------
    gen.publish(2)
    listing = fs.run("list", "--db", db).stdout
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    try:
        p = crawl(env={"FEEDSIFT_BUSY_TIMEOUT_MS": "300"})
        clear("locked database", p, db, "locked")
        # Not timed: a crawl waiting forever hits the subprocess timeout.
        t.eq(p.returncode, 5, "locked database: exit 5 (gave up after "
             "%.1f s)" % p.seconds)
        p2 = fs.run("list", "--db", db)
        t.ok(p2.returncode == 0 and p2.stdout == listing,
             "locked database: list still reads it",
             (p2.returncode, p2.stderr[-300:], "\n".join(
                 difflib.unified_diff(listing.splitlines(),
                                      p2.stdout.splitlines(), lineterm=""))))
    finally:
        con.execute("ROLLBACK")
        con.close()
    intact("locked database")

    # ---- missing / unreadable feed list, rules, database directory -------
    n_runs = query(db, "SELECT count(*) FROM runs")[0][0]
    before = len(srv.requests())
    missing = os.path.join(work, "no-such-feeds.txt")
    clear("missing feed list", crawl("--feeds", missing), missing,
          "no such file")
    clear("feed list is a directory", crawl("--feeds", site), site,
          "directory")
    missing = os.path.join(work, "no-such.rules")
    clear("missing rules file", crawl("--rules", missing), missing,
          "no such file")
    clear("rules file is a directory", crawl("--rules", site), site,
          "directory")
    bad_inc = os.path.join(work, "inc.rules")
    with open(bad_inc, "w") as f:
        f.write("include gone.rules\n")
    p = crawl("--rules", bad_inc)
    clear("rules include a missing file", p, "gone.rules")
    nodir = os.path.join(work, "no-such-dir", "x.db")
    clear("database directory missing", crawl(db_path=nodir),
          os.path.dirname(nodir))
    if can_perm:
        for what, flag in (("feed list", "--feeds"), ("rules file",
                                                      "--rules")):
            path = os.path.join(work, "secret-" + flag[2:])
            shutil.copy(feeds if flag == "--feeds" else rules, path)
            os.chmod(path, 0o000)
            give_away(dbdir)
            p = crawl(flag, path, as_nobody=True)
            clear("unreadable " + what, p, path, "permission denied")
    else:
        for _ in range(2):
            skip("unreadable feed list / rules", "root without setpriv")
    t.eq(len(srv.requests()), before, "no fetch happened for any of them")
    t.eq(query(db, "SELECT count(*) FROM runs")[0][0], n_runs,
         "no crawl run was recorded for any of them")
    intact("bad feed list / rules")

    # ---- and without a fault, the waiting items arrive --------------------
    if drop:
        give_away(dbdir)
    p = crawl(as_nobody=bool(drop))
    t.eq(p.returncode, 0, "a crawl without fault works afterwards",)
    t.eq(len(query(db, "SELECT guid FROM items")), len(gen.all_guids()),
         "the items that waited are stored")
    intact("end")
    srv.stop()
    sys.exit(t.done())


if __name__ == "__main__":
    main()
