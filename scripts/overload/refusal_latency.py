#!/usr/bin/env python3
"""How fast refusals and /health answer while the model holds every core (issue 18).

Starts `sluice serve` on a model with a small queue (`--max-queue`) and a request deadline
(`--request-timeout-ms`), then for SECONDS keeps CLIENTS closed-loop clients sending one
`test [MASK]`-sized request each, back to back on keep-alive connections (or a new connection
for each with --new-connections), as clients that retry at once do: the model computes without pause, a few requests are accepted and the rest are
refused 503 (or time out in the queue, 504). Beside them a prober asks `GET /health` every
100 ms on its own connection. It prints, per status, the count and the latency's median, p90
and p99 (for a 504, also how late it came after its deadline), /health's latencies, and the
server's CPU time split between its compute threads and the rest (from /proc), then exits 1 if
a median it checks is over LIMIT ms (503s, 504s' lateness, /health).

Extra arguments after `--` go to `sluice serve` (e.g. `-- --threads 2`).

Usage: refusal_latency.py SLUICE MODEL_DIR [--clients 48] [--max-queue 4]
       [--request-timeout-ms 200] [--seconds 20] [--text "test [MASK]"] [--limit-ms 50]
       [--new-connections]
Only the Python standard library is needed.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def read_response(reader):
    """Reads one HTTP/1.1 response with a Content-Length; returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def client(port, request, deadline, samples, fresh):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.monotonic() < deadline:
        start = time.monotonic()
        if fresh:  # a new connection per request, timed from before it opens
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        try:
            status = await read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            samples.setdefault("closed", []).append(time.monotonic() - start)
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        samples.setdefault(status, []).append(time.monotonic() - start)
    writer.close()


async def prober(port, deadline, samples):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    while time.monotonic() < deadline:
        start = time.monotonic()
        writer.write(request)
        status = await read_response(reader)
        samples.append((status, time.monotonic() - start))
        await asyncio.sleep(0.1)
    writer.close()


def cpu_seconds(pid):
    """(compute threads, other threads) CPU seconds of the process: its threads named as the
    compute pool's and the inference thread are the compute ones."""
    compute = other = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if name.startswith("sluice-compute") or name.startswith("sluice-infer"):
            compute += seconds
        else:
            other += seconds
    return compute, other


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sluice")
    parser.add_argument("model")
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--max-queue", type=int, default=4)
    parser.add_argument("--request-timeout-ms", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--text", default="test [MASK]")
    parser.add_argument("--limit-ms", type=float, default=50)
    parser.add_argument("--new-connections", action="store_true",
                        help="open a new connection for every request (as curl does)")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]

    port = free_port()
    log = open("/tmp/sluice-refusal-latency.log", "w")
    server = subprocess.Popen(
        [args.sluice, "serve", "--model", args.model, "--port", str(port), "--max-queue",
         str(args.max_queue), "--request-timeout-ms", str(args.request_timeout_ms)] + extra,
        stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            sys.exit("the server did not become ready")

        body = json.dumps({"inputs": args.text}).encode()
        request = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
        samples, health = {}, []

        async def run():
            deadline = time.monotonic() + args.seconds
            await asyncio.gather(
                prober(port, deadline, health),
                *(client(port, request, deadline, samples, args.new_connections)
                  for _ in range(args.clients)))

        before = cpu_seconds(server.pid)
        wall = time.monotonic()
        asyncio.run(run())
        wall = time.monotonic() - wall
        after = cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait()

    def ms(seconds):
        return f"{seconds * 1000:7.1f}"

    print(f"{args.clients} clients, --max-queue {args.max_queue}, --request-timeout-ms "
          f"{args.request_timeout_ms}, {args.seconds:.0f} s, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'status':>8} {'count':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}")
    for status in sorted(samples, key=str):
        values = samples[status]
        print(f"{status!s:>8} {len(values):7d} {ms(percentile(values, 0.5))} "
              f"{ms(percentile(values, 0.9))} {ms(percentile(values, 0.99))}")
    late = [v - args.request_timeout_ms / 1000 for v in samples.get(504, [])]
    if late:
        print(f"{'504 late':>8} {len(late):7d} {ms(percentile(late, 0.5))} "
              f"{ms(percentile(late, 0.9))} {ms(percentile(late, 0.99))}   (after the deadline)")
    times = [t for _, t in health]
    print(f"{'/health':>8} {len(times):7d} {ms(percentile(times, 0.5))} {ms(percentile(times, 0.9))} "
          f"{ms(percentile(times, 0.99))}   statuses {sorted(set(s for s, _ in health))}")
    compute = after[0] - before[0]
    other = after[1] - before[1]
    print(f"server CPU: compute threads {compute / wall:.2f} cores, other threads "
          f"{other / wall:.2f} cores")

    failures = []
    for name, values in (("503", samples.get(503, [])), ("504 lateness", late), ("/health", times)):
        if values and statistics.median(values) * 1000 > args.limit_ms:
            failures.append(f"{name} median {statistics.median(values) * 1000:.1f} ms > {args.limit_ms} ms")
    if not samples.get(503):
        failures.append("no request was refused: raise --clients or lower --max-queue")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
