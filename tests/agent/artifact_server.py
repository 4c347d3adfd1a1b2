#!/usr/bin/env python3
"""Artifact server for the agent's tests: serves a folder over HTTP/1.1, with byte ranges, uploads and faults.

    python3 tests/agent/artifact_server.py --dir /tmp/artifacts --port 0 --cut-after 1000   # prints its port first
    curl -X PUT --data '{"cut_after": null, "stall_after": 4096}' http://127.0.0.1:PORT/_control
    curl http://127.0.0.1:PORT/_stats      # {"requests": 3, "bytes_sent": 5096, "range_requests": 1}

GET and HEAD serve files under --dir, honouring one `Range: bytes=N-`, `bytes=N-M` or `bytes=-S` (206 with
Content-Range; 416 with `Content-Range: bytes */SIZE` when it starts past the end; other Range forms are ignored,
as RFC 9110 allows). PUT stores the body atomically (a temporary file in the same folder, then os.replace):
201 when new, 204 when it replaced a file.

Faults apply to GETs of files. Each has a flag for the start, and is a key of the JSON object PUT to /_control to
change it while the server runs (null or false turns it off; the answer is every fault's current value):
  cut_after N     close the connection after sending N body bytes
  delay_ms N      sleep N ms between the headers and the body
  chunk_delay_ms N  sleep N ms after each 64 KiB of body (a slow link: downloads long enough to interrupt)
  stall_after N   send N body bytes, then send nothing until the client hangs up
  status N        answer HTTP N (with a short text body) to every GET
  ignore_range    answer 200 with the whole file even when asked for a range
  corrupt_byte N  flip the bits of the byte at file offset N whenever a response includes it
  no_length       send no Content-Length and close the connection after the body (a length known only at the end)
--tls-cert/--tls-key serve HTTPS instead (PEM files), with the same paths and faults.
GET /_stats counts file requests (GET, HEAD, PUT), the body bytes sent, and the GETs that carried a Range header.
/_control and /_stats do not count. The server exits on its own when its parent process goes away.
Standard library only.
"""
import argparse
import http.server
import json
import os
import re
import select
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

FAULTS = {  # name: (type, value when off)
    "cut_after": (int, None),
    "delay_ms": (int, None),
    "chunk_delay_ms": (int, None),
    "stall_after": (int, None),
    "status": (int, None),
    "ignore_range": (bool, False),
    "corrupt_byte": (int, None),
    "no_length": (bool, False),
}
CHUNK = 64 * 1024


class State:
    def __init__(self, root, faults):
        self.root = os.path.realpath(root)
        self.lock = threading.Lock()
        self.faults = faults
        self.stats = {"requests": 0, "bytes_sent": 0, "range_requests": 0}

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n


def parse_range(header, size):
    """(first, last) for a satisfiable single range, "unsatisfiable", or None to ignore the header."""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not m or (not m[1] and not m[2]):
        return None
    if not m[1]:  # the last S bytes
        suffix = int(m[2])
        return (max(0, size - suffix), size - 1) if suffix > 0 and size > 0 else "unsatisfiable"
    first, last = int(m[1]), int(m[2]) if m[2] else None
    if last is not None and last < first:
        return None
    return "unsatisfiable" if first >= size else (first, size - 1 if last is None else min(last, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and Expect: 100-continue, like a real artifact server
    server_version = "edgerun-artifact-server"

    @property
    def state(self):
        return self.server.state

    def local_path(self):
        """The file the URL names, or None when it escapes --dir."""
        rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        full = os.path.realpath(os.path.join(self.state.root, rel))
        return full if full.startswith(self.state.root + os.sep) else None

    def send_small(self, code, body, content_type="text/plain", headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.serve_file(head=True)

    def do_GET(self):
        if urllib.parse.urlsplit(self.path).path == "/_stats":
            with self.state.lock:
                body = json.dumps(self.state.stats)
            self.send_small(200, body, "application/json")
            return
        self.serve_file(head=False)

    def serve_file(self, head):
        self.state.count("requests")
        with self.state.lock:
            faults = dict(self.state.faults)
        if not head and faults["status"] is not None:
            self.send_small(faults["status"], "injected status %d\n" % faults["status"])
            return
        path = self.local_path()
        if path is None or not os.path.isfile(path):
            self.send_small(404, "not found: %s\n" % self.path)
            return
        size = os.path.getsize(path)
        header = self.headers.get("Range")
        if header is not None and not head:
            self.state.count("range_requests")
        rng = parse_range(header, size) if header is not None and not faults["ignore_range"] else None
        if rng == "unsatisfiable":
            self.send_small(416, "", headers=[("Content-Range", "bytes */%d" % size)])
            return
        first, last = rng if rng else (0, size - 1)
        self.send_response(206 if rng else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        if rng:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, size))
        if faults["no_length"] and not head:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        if head:
            return
        if faults["delay_ms"]:
            time.sleep(faults["delay_ms"] / 1000)
        self.send_body(path, first, last - first + 1, faults)

    def send_body(self, path, first, length, faults):
        stop_at = min(n for n in (length, faults["cut_after"], faults["stall_after"]) if n is not None)
        sent = 0
        try:
            with open(path, "rb") as f:
                f.seek(first)
                while sent < stop_at:
                    chunk = bytearray(f.read(min(CHUNK, stop_at - sent)))
                    if not chunk:
                        break
                    bad = faults["corrupt_byte"]
                    if bad is not None and first + sent <= bad < first + sent + len(chunk):
                        chunk[bad - first - sent] ^= 0xFF
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    self.state.count("bytes_sent", len(chunk))
                    if faults["chunk_delay_ms"]:
                        time.sleep(faults["chunk_delay_ms"] / 1000)
            if sent < length and faults["stall_after"] is not None and sent >= faults["stall_after"]:
                select.select([self.connection], [], [], 300)  # readable once the client hangs up
            if sent < length:
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_PUT(self):
        if urllib.parse.urlsplit(self.path).path == "/_control":
            self.put_control()
            return
        self.state.count("requests")
        path = self.local_path()
        if path is None or self.path.endswith("/"):
            self.send_small(400, "bad upload path: %s\n" % self.path)
            return
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.body_chunks():
                    out.write(chunk)
            existed = os.path.exists(path)
            os.replace(tmp, path)
        except (ValueError, ConnectionError) as e:
            os.unlink(tmp)
            self.close_connection = True
            self.send_small(400, "bad upload body: %s\n" % e)
            return
        self.send_small(204 if existed else 201, "")

    def body_chunks(self):
        """The request body, from Content-Length or chunked transfer coding."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                data = self.rfile.read(n)
                if len(data) != n:
                    raise ConnectionError("body ended early")
                self.rfile.readline()
                yield data
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            data = self.rfile.read(min(CHUNK, left))
            if not data:
                raise ConnectionError("body ended %d bytes early" % left)
            left -= len(data)
            yield data

    def put_control(self):
        try:
            update = json.loads(b"".join(self.body_chunks()) or b"{}")
            if not isinstance(update, dict):
                raise ValueError("expected a JSON object")
            for key, value in update.items():
                if key not in FAULTS:
                    raise ValueError("unknown fault %r (known: %s)" % (key, ", ".join(FAULTS)))
                kind, off = FAULTS[key]
                if value is not None and (type(value) is not kind or (kind is int and value < 0)):
                    expected = "an integer >= 0" if kind is int else "true or false"
                    raise ValueError("%s: expected %s, found %r" % (key, expected, value))
        except ValueError as e:
            self.send_small(400, "bad /_control request: %s\n" % e)
            return
        with self.state.lock:
            for key, value in update.items():
                self.state.faults[key] = FAULTS[key][1] if value is None else value
            body = json.dumps(self.state.faults)
        self.send_small(200, body, "application/json")


def exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="folder to serve and to store uploads in")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: any free port (printed on the first line)")
    ap.add_argument("--cut-after", type=int)
    ap.add_argument("--delay-ms", type=int)
    ap.add_argument("--chunk-delay-ms", type=int)
    ap.add_argument("--stall-after", type=int)
    ap.add_argument("--status", type=int)
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--corrupt-byte", type=int)
    ap.add_argument("--no-length", action="store_true")
    ap.add_argument("--tls-cert", help="PEM certificate (chain): serve HTTPS")
    ap.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = ap.parse_args()
    if not os.path.isdir(args.dir):
        ap.error("--dir %s: not a folder" % args.dir)

    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.dir, {key: getattr(args, key) for key in FAULTS})
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
