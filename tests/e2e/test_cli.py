#!/usr/bin/env python3
"""Command-line conventions every subcommand keeps.

--help on stdout with exit 0, usage errors on stderr with exit 2, unknown
commands refused, --version.

usage: test_cli.py FEEDSIFT
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, tempdir  # noqa: E402

COMMANDS = ["crawl", "feeds", "list", "alerts", "search", "show", "mark",
            "tags", "stats", "export", "report", "prune", "classify",
            "rules", "explain", "reclassify", "parse-feed", "extract"]


def main():
    t = Tap()
    fs = Feedsift(sys.argv[1], tempdir())
    p = fs.run("--help")
    t.ok(p.returncode == 0 and all(c in p.stdout for c in COMMANDS),
         "feedsift --help lists every command", p.stdout)
    p = fs.run("--version")
    t.ok(p.returncode == 0 and p.stdout.startswith("feedsift "),
         "--version", p.stdout)
    p = fs.run()
    t.eq(p.returncode, 2, "no command is a usage error")
    p = fs.run("frobnicate")
    t.ok(p.returncode == 2 and "frobnicate" in p.stderr and not p.stdout,
         "unknown command: exit 2, named on stderr", p.stderr)
    for cmd in COMMANDS:
        p = fs.run(cmd, "--help")
        t.ok(p.returncode == 0 and "usage" in p.stdout.lower() and
             not p.stderr, "%s --help: usage on stdout, exit 0" % cmd,
             p.stdout + p.stderr)
        p = fs.run(cmd, "--no-such-option")
        t.ok(p.returncode == 2 and p.stderr and not p.stdout,
             "%s: unknown option is exit 2 with a message on stderr" % cmd,
             p.stdout + p.stderr)
    p = fs.run("list", "--db", "does-not-exist.db")
    t.ok(p.returncode != 0 and "does-not-exist.db" in p.stderr,
         "list on a missing database names it", p.stderr)
    t.ok(not os.path.exists(os.path.join(fs.workdir, "does-not-exist.db")),
         "list does not create a database")
    p = fs.run("parse-feed", "no-such-file.xml")
    t.ok(p.returncode != 0 and "no-such-file.xml" in p.stderr,
         "parse-feed names a missing file", p.stderr)
    p = fs.run("extract", "no-such-page.html")
    t.ok(p.returncode != 0 and "no-such-page.html" in p.stderr,
         "extract names a missing file", p.stderr)
    config_file(t, fs)
    return t.done()


def config_file(t, fs):
    """The settings file: default location, --config, precedence, errors."""
    d = os.path.join(fs.workdir, ".config", "feedsift")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config"), "w") as f:
        f.write("# settings\n\n  db = from-config.db  \n")
    p = fs.run("list")
    t.ok(p.returncode != 0 and "from-config.db" in p.stderr,
         "the default config file sets the database", p.stderr)
    fs.env["FEEDSIFT_DB"] = "from-env.db"
    p = fs.run("list")
    t.ok("from-env.db" in p.stderr, "the environment wins over the file",
         p.stderr)
    p = fs.run("list", "--db", "from-flag.db")
    t.ok("from-flag.db" in p.stderr, "a flag wins over both", p.stderr)
    del fs.env["FEEDSIFT_DB"]
    other = os.path.join(fs.workdir, "other.conf")
    with open(other, "w") as f:
        f.write("db = other.db\ndatabase = typo.db\n")
    p = fs.run("--config", other, "list")
    t.ok(p.returncode == 2 and "other.conf:2" in p.stderr and
         "unknown key 'database'" in p.stderr,
         "an unknown key is refused with file:line", p.stderr)
    with open(other, "w") as f:
        f.write("db other.db\n")
    p = fs.run("--config", other, "list")
    t.ok(p.returncode == 2 and "other.conf:1" in p.stderr,
         "a line without '=' is refused with file:line", p.stderr)
    p = fs.run("--config", "missing.conf", "list")
    t.ok(p.returncode == 2 and "missing.conf" in p.stderr,
         "a missing --config file is an error naming it", p.stderr)
    with open(other, "w") as f:
        f.write("db = via-env-var.db\n")
    fs.env["FEEDSIFT_CONFIG"] = other
    p = fs.run("list")
    t.ok("via-env-var.db" in p.stderr, "$FEEDSIFT_CONFIG names the file",
         p.stderr)
    del fs.env["FEEDSIFT_CONFIG"]
    os.remove(os.path.join(d, "config"))


if __name__ == "__main__":
    sys.exit(main())
