#!/usr/bin/env python3
"""Soak: mixed work at about twice capacity for a long run, every answer checked, memory sampled.

Starts one `sluice serve` with three models (sentence embeddings, fill-mask, a classifier that
also ranks), measures capacity with closed-loop clients, then offers requests at RATE × that
capacity, open loop (arrivals on a fixed schedule, as from many independent users), for
DURATION seconds. The mix: OpenAI embeddings of 4 sentences, fill-mask lists of 4 texts,
classification of 2 text pairs, TEI rerank of 8 texts (the classifier is a small fixture
with 64 positions, so its texts are short). It checks every answer's status and
shape, samples the server's resident memory every second, and prints:

- answers by kind and status, and any wrong one; a 5xx or a wrong shape fails the run;
- the 200s' and the refusals' latency (503, or 429 on TEI's routes; they must be fast: p99
  under 50 ms);
- RSS after warm-up and at the end; growth of 5 % or more fails the run.

Usage: soak.py SLUICE [--duration 600] [--rate 2.0] [--warmup 60] [--max-queue 64]
Only the Python standard library is needed.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = {
    "emb": os.path.join(ROOT, "models/all-MiniLM-L6-v2"),
    "mask": os.path.join(ROOT, "models/bert-base-random"),
    # A one-label classifier: it classifies pairs and, as TEI's /rerank asks, ranks texts.
    "cls": os.path.join(ROOT, "Tests/Fixtures/models/tasks/text-classification-mpnet-one-label"),
}
WORDS = ("the quick brown fox jumps over a lazy dog while seven wise owls watch from an old oak "
         "tree near the quiet river bank under grey autumn skies").split()


def sentence(rng, low=6, high=24):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def make_request(rng):
    """One request of the mix: (kind, method, path, body, check)."""
    kind = rng.choice(["embeddings", "fill-mask", "pairs", "rerank"])
    if kind == "embeddings":
        n = 4
        body = {"model": "emb", "input": [sentence(rng) for _ in range(n)]}

        def check(answer):
            return (len(answer["data"]) == n and all(len(d["embedding"]) == 384 for d in answer["data"]))

        return kind, "/v1/embeddings", body, check
    if kind == "fill-mask":
        n = 4
        body = {"inputs": [sentence(rng) + " [MASK] " + sentence(rng, 2, 6) for _ in range(n)]}

        def check(answer):
            return (len(answer) == n and all(len(top) == 5 and all("token_str" in c for c in top) for top in answer))

        return kind, "/models/mask", body, check
    if kind == "pairs":
        n = 2
        body = {"inputs": [{"text": sentence(rng, 3, 10), "text_pair": sentence(rng, 3, 10)} for _ in range(n)],
                "parameters": {"truncation": True}}

        def check(answer):
            # The Inference API's shape: one list of labels per text.
            return len(answer) == n and all(
                isinstance(a, list) and a and all("label" in x and "score" in x for x in a) for a in answer)

        return kind, "/models/cls", body, check
    n = 8
    body = {"query": sentence(rng, 3, 6), "texts": [sentence(rng, 6, 20) for _ in range(n)]}

    def check(answer):
        return sorted(a["index"] for a in answer) == list(range(n)) and all("score" in a for a in answer)

    return kind, "/models/cls/rerank", body, check


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, path, body):
        data = json.dumps(body).encode()
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                status = int(lines[0].split()[1])
                headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
                payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return status, payload
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection between requests: reconnect once.
                self.close()
                if attempt == 1:
                    raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def closed_loop(port, seconds, clients):
    """Requests per second the server sustains with `clients` always waiting on an answer."""
    done = 0
    end = time.monotonic() + seconds

    async def client(seed):
        nonlocal done
        rng = random.Random(seed)
        connection = Connection(port)
        while time.monotonic() < end:
            _, path, body, _ = make_request(rng)
            status, _ = await connection.request(path, body)
            if status == 200:
                done += 1
        connection.close()

    start = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return done / (time.monotonic() - start)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def soak(port, pid, rate, duration, workers):
    stats = {}
    latencies = {200: [], "refused": []}
    wrong = []
    rss = []
    lag = 0
    queue = asyncio.Queue()
    start = time.monotonic()

    async def worker(seed):
        connection = Connection(port)
        while True:
            item = await queue.get()
            if item is None:
                break
            kind, path, body, check = item
            sent = time.monotonic()
            try:
                status, payload = await connection.request(path, body)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                wrong.append(f"{kind}: {type(error).__name__}: {error}")
                continue
            took = time.monotonic() - sent
            stats[(kind, status)] = stats.get((kind, status), 0) + 1
            if status == 200:
                latencies[200].append(took)
            elif status in (503, 429):  # TEI's routes answer a full queue 429
                latencies["refused"].append(took)
            if status == 200:
                try:
                    if not check(json.loads(payload)):
                        wrong.append(f"{kind}: wrong shape: {payload[:200]!r}")
                except Exception as error:  # noqa: BLE001
                    wrong.append(f"{kind}: unreadable answer {error}: {payload[:200]!r}")
            elif status not in (503, 429):
                wrong.append(f"{kind}: {status}: {payload[:200]!r}")
        connection.close()

    async def sampler():
        while time.monotonic() - start < duration:
            rss.append((time.monotonic() - start, rss_kib(pid)))
            await asyncio.sleep(1)

    tasks = [asyncio.create_task(worker(i)) for i in range(workers)]
    sampling = asyncio.create_task(sampler())
    rng = random.Random(7)
    interval = 1 / rate
    sent = 0
    while True:
        now = time.monotonic() - start
        if now >= duration:
            break
        due = int(now / interval) + 1
        while sent < due:
            if queue.qsize() > workers:
                lag += 1  # the client cannot keep up: the arrival is dropped, and counted
            else:
                queue.put_nowait(make_request(rng))
            sent += 1
        await asyncio.sleep(interval / 2)
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    await sampling
    return stats, latencies, wrong, rss, sent, lag


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sluice")
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--rate", type=float, default=2.0, help="offered load as a multiple of capacity")
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--max-queue", type=int, default=64)
    parser.add_argument("--workers", type=int, default=256)
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [args.sluice, "serve", "--port", str(port), "--max-queue", str(args.max_queue)]
    for name, folder in MODELS.items():
        command += ["--model", f"{name}={folder}"]
    log = open("/tmp/sluice-soak.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(1200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in s.recv(100):
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            sys.exit("the server did not become ready")

        capacity = asyncio.run(closed_loop(port, 20, 16))
        rate = args.rate * capacity
        print(f"capacity (16 closed-loop clients, 20 s): {capacity:.1f} requests/s; offering {rate:.1f}/s "
              f"({args.rate}×) for {args.duration:.0f} s", flush=True)
        stats, latencies, wrong, rss, sent, lag = asyncio.run(
            soak(port, server.pid, rate, args.duration, args.workers))
    finally:
        server.terminate()
        server.wait(timeout=120)
        log.close()

    print(f"offered {sent} requests; {lag} arrivals dropped by the client (it could not keep up)")
    for (kind, status), count in sorted(stats.items()):
        print(f"  {kind:10} {status}: {count}")
    for status, values in latencies.items():
        if values:
            print(f"  {status} latency: p50 {percentile(values, 50) * 1000:.1f} ms, p99 "
                  f"{percentile(values, 99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms ({len(values)})")
    after_warmup = [kib for t, kib in rss if args.warmup <= t < args.warmup + 30]
    at_end = [kib for t, kib in rss if t >= args.duration - 30]
    failures = [f"{wrong.count(w)}× {w}" for w in sorted(set(wrong))][:20]
    if after_warmup and at_end:
        base, end = statistics.mean(after_warmup), statistics.mean(at_end)
        growth = (end - base) / base * 100
        print(f"RSS: {base / 1024:.1f} MiB after warm-up, {end / 1024:.1f} MiB at the end ({growth:+.2f} %), "
              f"peak {max(k for _, k in rss) / 1024:.1f} MiB")
        if growth >= 5:
            failures.append(f"RSS grew {growth:.2f} % after warm-up")
    if any(status >= 500 and status != 503 for _, status in stats):
        failures.append("5xx answers")
    if latencies["refused"] and percentile(latencies["refused"], 99) > 0.05:
        failures.append("refusals were not fast (p99 over 50 ms)")
    if not latencies["refused"]:
        failures.append("no refusal: the load did not exceed capacity")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
