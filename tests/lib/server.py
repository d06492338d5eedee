#!/usr/bin/env python3
"""Loopback HTTP server for feedsift's demo and tests (python3 stdlib only).

Serves files under --root with ETag and Last-Modified validators (and 304
answers to conditional requests), plus endpoints that misbehave on purpose
so tests can check how the fetcher copes:

  /status/CODE[/...]        answer with that status and a short body
  /redirect/CODE/PATH       CODE redirect to /PATH (301, 302, 303, 307, 308)
  /loop                     redirects to itself forever
  /redirect-to?url=URL      302 to any URL (file://, ftp://...)
  /gzip/PATH                the file gzip-encoded (Content-Encoding: gzip)
  /gzip-bomb                1 GiB of zeros, gzip-encoded (~1 MB on the wire)
  /encoded/CODINGS/PATH     the file with each coding of the comma-separated
                            CODINGS applied in order and sent as its
                            Content-Encoding: gzip, x-gzip, deflate (zlib),
                            deflate-raw (raw deflate sent as "deflate"), br
                            and zstd (made with the brotli and zstd
                            commands), or any other name sent as it is over
                            the plain file
  /cut/CODING/PATH          the file encoded, only its first half sent,
                            with a Content-Length that matches the half
  /chunked/CODING/PATH      the file with CODING applied (as /encoded/),
                            sent in 4096-byte chunks without a
                            Content-Length, so only the client's own
                            count can cap it
  /gzip-then-junk/PATH      the file gzip-encoded, then junk bytes for up
                            to 120 s (no Content-Length): the client must
                            stop at the end of the gzip stream
  /redirect-gzip/PATH       302 to /PATH whose own body is gzip-encoded
                            (Content-Encoding: gzip): only the final
                            response's body may reach the client
  /slow                     drips one byte per second
  /endless                  a body that never ends
  /huge/BYTES               a body of BYTES bytes with Content-Length
                            (generated as it is sent, never in memory)
  /close-mid-body           promises 100000 bytes, sends 10, closes
  /retry-after              429 with Retry-After: 120
  /unavailable              503 with Retry-After as an HTTP date 1 h ahead
  /typed/PATH?ctype=CT      the file with Content-Type CT (wrong types,
                            charsets that contradict the document)
  /cache/SECONDS/PATH       the file with Cache-Control: max-age=SECONDS
  /hold/MS                  answers "held" after MS milliseconds, counting
                            how many /hold requests of each Host header
                            name (and, under "*", of all names) are open
                            at once; the request line may carry an
                            absolute URL, as a client sends to a proxy
  /hold-max?host=NAME       the most /hold requests for NAME open at once
                            since the last /hold-max for it (then reset)

Binds 127.0.0.1 only.  With --port 0 it picks a free port and writes it to
--port-file (and stdout).  --log FILE appends one JSON line per request
(method, path, If-None-Match, If-Modified-Since, status).
"""
import argparse
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedsift-test-server/1"

    def log_message(self, fmt, *args):  # quiet: tests read --log instead
        pass

    def _log(self, status):
        if not self.server.log_path:
            return
        entry = {
            "method": self.command,
            "path": self.path,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "user_agent": self.headers.get("User-Agent"),
            "accept_encoding": self.headers.get("Accept-Encoding"),
            "status": status,
        }
        with self.server.log_lock, open(self.server.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def _send(self, status, body=b"", headers=None, ctype="text/plain"):
        self._log(status)
        self.send_response(status)
        hdrs = {"Content-Type": ctype, "Content-Length": str(len(body))}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def _stream(self, headers, close=True):
        """Start a 200 whose body the caller writes as it goes."""
        self._log(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = close

    def _site_file(self, rel):
        """The path of rel under --root, or None when it leaves the root."""
        root = self.server.root
        full = os.path.realpath(os.path.join(root, rel))
        if not (full == root or full.startswith(root + os.sep)):
            return None
        return full

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        parts = [p for p in path.split("/") if p]
        try:
            if parts[:1] == ["status"] and len(parts) >= 2:
                code = int(parts[1])
                return self._send(code, ("status %d\n" % code).encode())
            if parts[:1] == ["redirect"] and len(parts) >= 3:
                target = "/" + "/".join(parts[2:])
                return self._send(int(parts[1]), b"",
                                  {"Location": target})
            if parts == ["loop"]:
                return self._send(302, b"", {"Location": "/loop"})
            if parts == ["redirect-to"]:
                q = urllib.parse.parse_qs(url.query)
                return self._send(302, b"", {"Location": q["url"][0]})
            if parts[:1] == ["gzip"]:
                return self._file("/".join(parts[1:]), compress=True)
            if parts[:1] == ["encoded"] and len(parts) >= 3:
                return self._file("/".join(parts[2:]),
                                  codings=parts[1].split(","))
            if parts[:1] == ["chunked"] and len(parts) >= 3:
                return self._chunked(parts[1], "/".join(parts[2:]))
            if parts[:1] == ["gzip-then-junk"] and len(parts) >= 2:
                return self._gzip_then_junk("/".join(parts[1:]))
            if parts[:1] == ["redirect-gzip"] and len(parts) >= 2:
                return self._send(302, gzip.compress(b"<html>moved</html>"),
                                  {"Location": "/" + "/".join(parts[1:]),
                                   "Content-Encoding": "gzip"}, "text/html")
            if parts[:1] == ["cut"] and len(parts) >= 3:
                return self._file("/".join(parts[2:]), codings=[parts[1]],
                                  cut=True)
            if parts == ["gzip-bomb"]:
                return self._gzip_bomb()
            if parts == ["slow"]:
                return self._drip()
            if parts == ["endless"]:
                return self._endless()
            if parts[:1] == ["huge"] and len(parts) == 2:
                return self._huge(int(parts[1]))
            if parts == ["close-mid-body"]:
                self._stream({"Content-Length": "100000"})
                self.wfile.write(b"<rss><chan")
                self.wfile.flush()
                return
            if parts == ["retry-after"]:
                return self._send(429, b"slow down\n", {"Retry-After": "120"})
            if parts == ["unavailable"]:
                when = email.utils.formatdate(time.time() + 3600, usegmt=True)
                return self._send(503, b"down for maintenance\n",
                                  {"Retry-After": when})
            if parts[:1] == ["typed"]:
                q = urllib.parse.parse_qs(url.query)
                return self._file("/".join(parts[1:]), ctype=q["ctype"][0])
            if parts[:1] == ["hold"] and len(parts) == 2:
                return self._hold(int(parts[1]))
            if parts == ["hold-max"]:
                name = urllib.parse.parse_qs(url.query)["host"][0]
                with self.server.hold_lock:
                    most = self.server.hold_max.pop(name, 0)
                return self._send(200, b"%d\n" % most)
            if parts[:1] == ["cache"] and len(parts) >= 3:
                return self._file("/".join(parts[2:]), extra={
                    "Cache-Control": "max-age=%d" % int(parts[1])})
            return self._file("/".join(parts))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _file(self, rel, compress=False, ctype=None, extra=None,
              codings=None, cut=False):
        full = self._site_file(rel)
        if full is None:
            return self._send(403, b"forbidden\n")
        if os.path.isdir(full):
            full = os.path.join(full, "index.html")
        if not os.path.isfile(full):
            return self._send(404, b"not found\n")
        with open(full, "rb") as f:
            body = f.read()
        st = os.stat(full)
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        lastmod = email.utils.formatdate(int(st.st_mtime), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": lastmod}
        headers.update(extra or {})
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return self._send(304, b"", headers)
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                if int(st.st_mtime) <= since:
                    return self._send(304, b"", headers)
            except (TypeError, ValueError):
                pass
        ctype = ctype or guess_type(full)
        if compress:
            codings = ["gzip"]
        if codings:
            for c in codings:
                body = encode(body, c)
            headers["Content-Encoding"] = ", ".join(
                "deflate" if c == "deflate-raw" else c for c in codings)
        if cut:
            body = body[:len(body) // 2]
        return self._send(200, body, headers, ctype)

    def _hold(self, ms):
        name = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        srv = self.server
        with srv.hold_lock:
            for key in (name, "*"):
                srv.hold_now[key] = srv.hold_now.get(key, 0) + 1
                srv.hold_max[key] = max(srv.hold_max.get(key, 0),
                                        srv.hold_now[key])
        try:
            time.sleep(ms / 1000)
            return self._send(200, b"held\n")
        finally:
            with srv.hold_lock:
                for key in (name, "*"):
                    srv.hold_now[key] -= 1

    def _gzip_bomb(self):
        return self._send(200, gzip_bomb(), {"Content-Encoding": "gzip"},
                          "application/rss+xml")

    def _chunked(self, coding, rel):
        full = self._site_file(rel)
        if full is None:
            return self._send(403, b"forbidden\n")
        with open(full, "rb") as f:
            body = encode(f.read(), coding)
        self._stream({"Content-Encoding": coding,
                      "Transfer-Encoding": "chunked"}, close=False)
        for i in range(0, len(body), 4096):
            piece = body[i:i + 4096]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _gzip_then_junk(self, rel):
        full = self._site_file(rel)
        if full is None:
            return self._send(403, b"forbidden\n")
        with open(full, "rb") as f:
            body = gzip.compress(f.read())
        self._stream({"Content-Encoding": "gzip"})
        self.wfile.write(body)
        junk = b"junk" * 16384
        deadline = time.time() + 120
        while time.time() < deadline:
            self.wfile.write(junk)

    def _drip(self):
        self._stream({"Content-Length": "1000"}, close=False)
        for _ in range(1000):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(1)

    def _endless(self):
        self._stream({})
        chunk = b"<item>" + b"x" * 65536 + b"</item>"
        deadline = time.time() + 120
        while time.time() < deadline:
            self.wfile.write(chunk)

    def _huge(self, size):
        """An RSS prologue, then one long text node up to `size` bytes."""
        self._stream({"Content-Length": str(size)})
        head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
        chunk = b"x" * 65536
        self.wfile.write(head)
        left = size - len(head)
        while left > 0:
            n = min(left, len(chunk))
            self.wfile.write(chunk[:n])
            left -= n


def encode(body, coding):
    """body with one Content-Encoding applied (unknown names: as it is)."""
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(body)
    if coding == "deflate":
        return zlib.compress(body)
    if coding == "deflate-raw":
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(body) + c.flush()
    if coding in ("br", "zstd"):
        # Not in python's standard library: the Debian commands (brotli,
        # zstd; scripts/setup.sh installs them for the tests).
        cmd = ["brotli", "-c"] if coding == "br" else ["zstd", "-q", "-c"]
        return subprocess.run(cmd, input=body, stdout=subprocess.PIPE,
                              check=True).stdout
    return body


_BOMB = []


def gzip_bomb():
    """1 GiB of zeros as a ~1 MB gzip body, built in well under a second.

    After a Z_FULL_FLUSH the compressor starts afresh, so every further MiB
    of zeros compresses to the same bytes: compress two, repeat the second.
    """
    if not _BOMB:
        mib = b"\0" * (1 << 20)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
        again = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
        end = c.flush(zlib.Z_FINISH)
        crc = 0
        for _ in range(1024):
            crc = zlib.crc32(mib, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        trailer = struct.pack("<II", crc, (1 << 30) & 0xFFFFFFFF)
        _BOMB.append(header + first + again * 1023 + end + trailer)
    return _BOMB[0]


TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


def guess_type(path):
    return TYPES.get(os.path.splitext(path)[1], "application/octet-stream")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # tests open many connections at once (the default backlog of 5 made
    # the extra ones retry a second later)
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # Clients that hang up early (size caps, timeouts) are expected.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.root = os.path.realpath(args.root)
    srv.log_path = args.log
    srv.log_lock = threading.Lock()
    srv.hold_lock = threading.Lock()
    srv.hold_now, srv.hold_max = {}, {}
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
