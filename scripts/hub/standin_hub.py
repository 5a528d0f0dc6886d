#!/usr/bin/env python3
"""A stand-in for the Hugging Face hub on loopback, for testing downloads without the network.

    python3 scripts/hub/standin_hub.py --repos DIR [--port 0] [--token T] [--gated org/name]...
        [--corrupt org/name/path]... [--interrupt org/name/path]... [--hold org/name/path --release FILE]
        [--log FILE]

DIR holds one folder per repository and revision: DIR/<org>/<name>/<revision>/<files>, each
revision folder a branch or tag (`main` at least). It serves the routes huggingface_hub and
Sluice use, with the hub's headers:

  GET  /api/models/<org>/<name>/revision/<rev>      {"sha", "siblings": [{"rfilename"}], ...}
  GET  /api/models/<org>/<name>/tree/<rev>[/<dir>]  the files (with "lfs" for large ones)
  HEAD|GET /<org>/<name>/resolve/<rev>/<path>       small files: 200, ETag = git blob id;
                                                    large files (.safetensors, .bin, > 1 MiB):
                                                    302 to the other loopback name (localhost or
                                                    127.0.0.1, "another host") with X-Linked-Etag
                                                    (sha256) and X-Linked-Size; X-Repo-Commit always
  HEAD|GET /cdn/<sha256>                            a large file's bytes, with Range

A gated repository answers 401 (no token) or 403 (another token) with X-Error-Code GatedRepo
unless `Authorization: Bearer <--token>` comes; an unknown repository 401 RepoNotFound, an
unknown revision 404 RevisionNotFound, an unknown file 404 EntryNotFound. --corrupt serves a
file with one byte changed (its headers still name the true sha256); --interrupt sends half of a
file's bytes on its first GET and drops the connection; --hold keeps a file's bytes back until the
file --release names exists (so a test can look at a client mid-download, by order, not by time). --log appends one JSON line per request
(method, path, host, range, whether a token came). The first line on stdout is
`listening on http://127.0.0.1:<port>`.

Only the standard library; no hub is contacted.
"""
import argparse
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LARGE_SUFFIXES = (".safetensors", ".bin")
LARGE_BYTES = 1 << 20


class Repos:
    """Every revision of every repository under the folder, read once."""

    def __init__(self, root):
        self.revisions = {}  # (repo, rev) -> {"sha": commit, "files": {path: bytes}}
        self.blobs = {}  # sha256 -> bytes
        for org in sorted(os.listdir(root)):
            for name in sorted(os.listdir(os.path.join(root, org))):
                repo = f"{org}/{name}"
                for rev in sorted(os.listdir(os.path.join(root, org, name))):
                    top = os.path.join(root, org, name, rev)
                    files = {}
                    for folder, _, names in os.walk(top):
                        for n in names:
                            full = os.path.join(folder, n)
                            with open(full, "rb") as f:
                                files[os.path.relpath(full, top).replace(os.sep, "/")] = f.read()
                    digest = hashlib.sha1()
                    for path in sorted(files):
                        digest.update(path.encode() + b"\0" + files[path])
                    self.revisions[(repo, rev)] = {"sha": digest.hexdigest(), "files": files}
                    for data in files.values():
                        self.blobs[hashlib.sha256(data).hexdigest()] = data
        for (repo, _), entry in list(self.revisions.items()):
            self.revisions[(repo, entry["sha"])] = entry  # a commit names its revision too

    def repos(self):
        return {repo for repo, _ in self.revisions}


def is_large(path, data):
    return path.endswith(LARGE_SUFFIXES) or len(data) > LARGE_BYTES


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-hub/1"

    def log_message(self, *args):
        pass

    def record(self):
        if self.server.log:
            entry = {"method": self.command, "path": self.path, "host": self.headers.get("Host", ""),
                     "range": self.headers.get("Range"), "token": "Authorization" in self.headers}
            with self.server.lock, open(self.server.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def answer(self, status, body=b"", headers=None, send_body=True):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, extra=None):
        body = json.dumps({"error": message}).encode()
        headers = {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": message}
        headers.update(extra or {})
        self.answer(status, body, headers)

    def do_HEAD(self):
        self.handle_request()

    def do_GET(self):
        self.handle_request()

    def handle_request(self):
        self.record()
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        if parts[:1] == ["cdn"] and len(parts) == 2:
            return self.cdn(parts[1])
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
            repo, kind, rev, rest = f"{parts[2]}/{parts[3]}", parts[4], parts[5], "/".join(parts[6:])
            entry = self.find(repo, rev)
            if entry is None:
                return
            return self.revision_info(repo, entry) if kind == "revision" else self.tree(entry, rest)
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, rev, path = f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:])
            entry = self.find(repo, rev)
            if entry is None:
                return
            return self.resolve(repo, entry, path)
        self.error(404, "RepoNotFound", "no such route")

    def find(self, repo, rev):
        hub = self.server
        if repo not in hub.repos.repos():
            self.error(401, "RepoNotFound", f"Repository Not Found for url: {self.path}.")
            return None
        if repo in hub.gated:
            auth = self.headers.get("Authorization")
            if auth != f"Bearer {hub.token}":
                status = 401 if auth is None else 403
                self.error(status, "GatedRepo", f"Access to model {repo} is restricted. You must have access to it.")
                return None
        entry = hub.repos.revisions.get((repo, rev))
        if entry is None:
            self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        return entry

    def revision_info(self, repo, entry):
        info = {"_id": hashlib.md5(repo.encode()).hexdigest()[:24], "id": repo, "modelId": repo,
                "sha": entry["sha"], "private": False, "gated": repo in self.server.gated and "manual",
                "disabled": False, "downloads": 0, "likes": 0, "tags": [], "library_name": "transformers",
                "lastModified": "2026-01-01T00:00:00.000Z", "createdAt": "2026-01-01T00:00:00.000Z",
                "siblings": [{"rfilename": p} for p in sorted(entry["files"])]}
        self.answer(200, json.dumps(info).encode(), {"Content-Type": "application/json"})

    def tree(self, entry, folder):
        items, folders = [], set()
        for path in sorted(entry["files"]):
            if folder and not path.startswith(folder + "/"):
                continue
            data = entry["files"][path]
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            while parent and parent != folder:
                folders.add(parent)
                parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
            item = {"type": "file", "oid": git_blob_id(data), "size": len(data), "path": path}
            if is_large(path, data):
                item["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            items.append(item)
        items += [{"type": "directory", "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0, "path": f}
                  for f in sorted(folders)]
        self.answer(200, json.dumps(items).encode(), {"Content-Type": "application/json"})

    def resolve(self, repo, entry, path):
        data = entry["files"].get(path)
        if data is None:
            return self.error(404, "EntryNotFound", f"{path} does not exist", {"X-Repo-Commit": entry["sha"]})
        headers = {"X-Repo-Commit": entry["sha"], "Accept-Ranges": "bytes"}
        if is_large(path, data):
            digest = hashlib.sha256(data).hexdigest()
            host = self.headers.get("Host", "")
            other = "localhost" if host.startswith("127.0.0.1") else "127.0.0.1"
            key = f"{repo}/{path}"
            query = "?corrupt=1" if key in self.server.corrupt else ""
            if key in self.server.interrupt:
                query = "?interrupt=" + urllib.parse.quote(key, safe="")
            if key in self.server.hold:
                query = "?hold=1"
            headers.update({"Location": f"http://{other}:{self.server.port}/cdn/{digest}{query}",
                            "X-Linked-Etag": f'"{digest}"', "X-Linked-Size": str(len(data)),
                            "ETag": f'"{git_blob_id(data)}"'})
            return self.answer(302, b"", headers)
        headers.update({"ETag": f'"{git_blob_id(data)}"', "Content-Type": "application/octet-stream"})
        self.answer(200, data, headers)

    def cdn(self, digest):
        data = self.server.repos.blobs.get(digest)
        if data is None:
            return self.answer(404, b"no such blob")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "corrupt" in query:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        start = 0
        status = 200
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            start = int(wanted[len("bytes="):].split("-")[0] or 0)
            if start >= len(data):
                return self.answer(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        headers["Content-Length"] = str(len(body))
        if "hold" in query and self.command == "GET":
            while not (self.server.release and os.path.exists(self.server.release)):
                time.sleep(0.05)
        key = query.get("interrupt", [None])[0]
        if key and self.command == "GET":
            with self.server.lock:
                first = key not in self.server.interrupted
                self.server.interrupted.add(key)
            if first:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
        self.answer(status, body, headers)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="hf_standin_token")
    parser.add_argument("--gated", action="append", default=[])
    parser.add_argument("--corrupt", action="append", default=[])
    parser.add_argument("--interrupt", action="append", default=[])
    parser.add_argument("--hold", action="append", default=[])
    parser.add_argument("--release")
    parser.add_argument("--log")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.repos = Repos(args.repos)
    server.port = server.server_address[1]
    server.token = args.token
    server.gated = set(args.gated)
    server.corrupt = set(args.corrupt)
    server.interrupt = set(args.interrupt)
    server.interrupted = set()
    server.hold = set(args.hold)
    server.release = args.release
    server.log = args.log
    server.lock = threading.Lock()
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
