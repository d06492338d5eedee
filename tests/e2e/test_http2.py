#!/usr/bin/env python3
"""HTTP/2 over TLS, live: feeds served by nginx on loopback with a
self-signed certificate (made here with openssl), crawled with --ca-file.

What a user relies on and this checks from nginx's own access log:
every feed is fetched over HTTP/2 when the server offers it (ALPN), the
transfers of one host share one connection as streams (--per-host 4 would
open four HTTP/1.1 connections), a conditional re-crawl over HTTP/2 gets
304s, and without the CA the certificate is refused with a message naming
the URL (TLS verification stays on).

Needs Debian's nginx (with its http_v2 module) and openssl; without them
the test is skipped (exit 77), as scripts/setup.sh installs both for the
test suite.

usage: test_http2.py FEEDSIFT
"""
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, query, tempdir, write_file  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
N_FEEDS = 12

CONF = """daemon off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format feeds '$server_protocol $connection $status $request_uri';
    access_log {p}/access.log feeds;
    client_body_temp_path {p}/tmp; proxy_temp_path {p}/tmp;
    fastcgi_temp_path {p}/tmp; uwsgi_temp_path {p}/tmp;
    scgi_temp_path {p}/tmp;
    types {{ application/rss+xml xml; }}
    etag on;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {p}/cert.pem;
        ssl_certificate_key {p}/key.pem;
        root {root};
    }}
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss(i):
    items = "".join(
        "<item><title>Feed %d story %d</title>"
        "<link>https://localhost/a/%d-%d</link><guid>g%d-%d</guid>"
        "<description>Text of story %d of feed %d.</description></item>"
        % (i, k, i, k, i, k, k, i) for k in range(3))
    return ('<?xml version="1.0"?><rss version="2.0"><channel>'
            "<title>Feed %d</title>%s</channel></rss>" % (i, items))


def log_lines(prefix):
    with open(os.path.join(prefix, "access.log")) as f:
        return [line.split() for line in f if "/feeds/" in line]


def main():
    t = Tap()
    fs_bin = sys.argv[1]
    if not os.path.exists(NGINX) or not shutil.which("openssl"):
        print("1..0 # SKIP nginx or openssl not installed")
        return 77
    work = tempdir()
    prefix = os.path.join(work, "nginx")
    root = os.path.join(work, "site")
    os.makedirs(os.path.join(prefix, "tmp"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", os.path.join(prefix, "key.pem"),
                    "-out", os.path.join(prefix, "cert.pem")],
                   check=True, capture_output=True)
    for i in range(N_FEEDS):
        write_file(root, "feeds/%d.xml" % i, rss(i))
    # nginx started by root serves as its worker user (nobody): the site
    # must be readable by others (mkdtemp made the work dir 0700).
    for d in (work, root, os.path.join(root, "feeds")):
        os.chmod(d, 0o755)
    port = free_port()
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(CONF.format(p=prefix, port=port, root=root))
    nginx = subprocess.Popen([NGINX, "-p", prefix, "-c",
                              os.path.join(prefix, "nginx.conf"), "-e",
                              os.path.join(prefix, "error.log")],
                             stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline or nginx.poll() is not None:
                    print("1..0 # SKIP nginx did not start: %s" %
                          nginx.stderr.read()[-300:] if nginx.poll() is not
                          None else "1..0 # SKIP nginx did not start")
                    return 77
                time.sleep(0.05)
        run_checks(t, fs_bin, work, prefix, port)
    finally:
        nginx.terminate()
        nginx.wait()
    return t.done()


def run_checks(t, fs_bin, work, prefix, port):
    fs = Feedsift(fs_bin, work)
    fs.env.pop("FEEDSIFT_CA_FILE", None)
    feeds = os.path.join(work, "feeds.txt")
    with open(feeds, "w") as f:
        for i in range(N_FEEDS):
            f.write("https://localhost:%d/feeds/%d.xml\n" % (port, i))
    db = os.path.join(work, "h2.db")
    cert = os.path.join(prefix, "cert.pem")
    common = ["crawl", "--db", db, "--feeds", feeds, "--no-articles",
              "--per-host", "4", "--concurrency", "8"]

    # Without the CA: refused, named, nothing stored.
    p = fs.run(*common)
    t.ok(p.returncode == 3 and "https://localhost:%d/feeds/" % port
         in p.stderr and "certificate" in p.stderr.lower(),
         "self-signed certificate without --ca-file: exit 3, the URL and "
         "'certificate' named", (p.returncode, p.stderr[-600:]))
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], 0,
         "nothing stored from an untrusted server")
    open(os.path.join(prefix, "access.log"), "w").close()

    p = fs.run(*(common + ["--all", "--ca-file", cert]))
    t.ok(p.returncode == 0, "with --ca-file: exit 0", p.stderr[-600:])
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], 3 * N_FEEDS,
         "every item of every feed stored")
    lines = log_lines(prefix)
    t.eq(len(lines), N_FEEDS, "one request per feed")
    t.ok(lines and all(x[0] == "HTTP/2.0" for x in lines),
         "every feed fetched over HTTP/2", lines)
    conns = {x[1] for x in lines}
    t.ok(len(conns) == 1, "all %d transfers of the host share one "
         "connection (streams), not --per-host 4 connections" % N_FEEDS,
         sorted(conns))

    # The same through the settings file's key (environment here).
    open(os.path.join(prefix, "access.log"), "w").close()
    env = dict(fs.env, FEEDSIFT_CA_FILE=cert)
    p = subprocess.run([fs.binary] + common + ["--all"],
                       capture_output=True, text=True, cwd=work, env=env,
                       timeout=120)
    lines = log_lines(prefix)
    t.ok(p.returncode == 0 and lines and
         all(x[0] == "HTTP/2.0" and x[2] == "304" for x in lines),
         "FEEDSIFT_CA_FILE (config key ca_file): re-crawl over HTTP/2, "
         "every feed 304 Not Modified", (p.returncode, p.stderr[-400:],
                                         lines))


if __name__ == "__main__":
    sys.exit(main())
