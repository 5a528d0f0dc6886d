#!/usr/bin/env python3
"""SIGTERM under full load loses nothing, shown with counts.

Starts `sluice serve` on a model, keeps CLIENTS clients sending list requests back to back (each
on a fresh connection), sends SIGTERM while the queue is full of accepted work, and counts every
answer until the server has exited:

- every request answered before the signal is a 200;
- after the signal, a request is a 200 (accepted before it, finished during the drain) or a 503
  "shutting down" (new, refused), until the server stops listening just before it exits; then
  connections are refused;
- no other status, no empty answer; a connection reset only as the server stops listening (the
  client's next connection is refused): a connection in the listen queue when the socket closes,
  whose request the server never read; the process exits 0 and logs that every accepted request
  was answered.

Usage: check_drain.py SLUICE MODEL_DIR [--clients 16] [--items 8] [--min-depth 12]
"""

import argparse
import http.client
import json
import socket
import subprocess
import sys
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sluice")
    parser.add_argument("model")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--min-depth", type=int, default=12,
                        help="queued inputs to wait for before SIGTERM (the server batches 8)")
    args = parser.parse_args()

    port = free_port()
    log = open("/tmp/sluice-check-drain.log", "w")
    server = subprocess.Popen(
        # A deadline far beyond the drain: every accepted request is computed, none times out.
        [args.sluice, "serve", "--model", args.model, "--port", str(port), "--max-batch-size", "8",
         "--request-timeout-ms", "3600000"],
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        sys.exit("the server did not become ready")

    text = " ".join(["the quick brown fox jumps over the lazy dog"] * 10)
    body = json.dumps({"inputs": [f"{i} {text}" for i in range(args.items)]})
    lock = threading.Lock()
    signalled = threading.Event()
    counts = {
        "200 before": 0, "200 during drain": 0, "503 during drain": 0, "refused once stopped": 0,
        "reset as it stopped listening": 0,
    }
    wrong = []
    last_answer = [0.0]

    def client():
        reset = None
        while True:
            after_signal = signalled.is_set()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                conn.request("POST", "/", body, {"Content-Type": "application/json", "Connection": "close"})
                response = conn.getresponse()
                answer = response.read()
            except ConnectionRefusedError:
                with lock:
                    if not signalled.is_set():
                        wrong.append("connection refused before SIGTERM")
                    counts["refused once stopped"] += 1
                    if reset:
                        counts["reset as it stopped listening"] += 1
                return
            except OSError as error:
                if reset:
                    with lock:
                        wrong.append(f"{reset} while the server listened")
                reset = f"{type(error).__name__}: {error}"
                continue
            if reset:
                with lock:
                    wrong.append(f"{reset} while the server listened")
                reset = None
            with lock:
                last_answer[0] = time.monotonic()
                if response.status == 200:
                    vectors = json.loads(answer)
                    if len(vectors) != args.items or not all(isinstance(v, list) and v for v in vectors):
                        wrong.append(f"a 200 of the wrong shape: {answer[:100]!r}")
                    counts["200 during drain" if signalled.is_set() else "200 before"] += 1
                elif response.status == 503 and (after_signal or signalled.is_set()):
                    error = json.loads(answer)
                    if error.get("error") != "the server is shutting down":
                        wrong.append(f"503 for another reason: {answer!r}")
                    counts["503 during drain"] += 1
                else:
                    wrong.append(f"{response.status}: {answer[:200]!r}")

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    # Full load: wait until every client has had answers and the queue holds work.
    while True:
        with lock:
            if counts["200 before"] >= 2 * args.clients:
                break
        time.sleep(0.05)
    # SIGTERM while the queue holds more than a batch beyond the one computing (MIN_DEPTH inputs):
    # then the drain lasts at least two more batches, time enough for the clients answered first
    # to come back and be refused. (With an empty queue the drain can end before any client
    # returns, and nothing is refused: a race, not a finding.)
    depth = 0.0
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        metrics.request("GET", "/metrics")
        for line in metrics.getresponse().read().decode().splitlines():
            if line.startswith("sluice_queue_depth"):
                depth = float(line.split()[-1])
        metrics.close()
        if depth >= args.min_depth:
            break
        time.sleep(0.005)
    else:
        signalled.set()
        server.kill()
        sys.exit(f"FAIL the queue never held {args.min_depth} inputs (last seen: {depth:.0f})")
    signalled.set()
    signalled_at = time.monotonic()
    server.terminate()
    for thread in threads:
        thread.join(timeout=600)
    status = server.wait(timeout=600)
    exited_at = time.monotonic()
    log.close()
    logged = open("/tmp/sluice-check-drain.log").read()

    print(f"queue depth at SIGTERM: {depth:.0f} inputs; " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    print(f"drain: last answer {last_answer[0] - signalled_at:.2f} s after SIGTERM, process exited "
          f"{exited_at - signalled_at:.2f} s after it")
    failures = [f"{wrong.count(w)}× {w}" for w in sorted(set(wrong))]
    if status != 0:
        failures.append(f"exit status {status}")
    if "every accepted request was answered" not in logged:
        failures.append("the log does not say every accepted request was answered")
    if counts["200 during drain"] == 0:
        failures.append("no accepted request was finished during the drain (was the queue full?)")
    if counts["503 during drain"] == 0:
        failures.append("no request was refused during the drain")
    if counts["refused once stopped"] != args.clients:
        failures.append("not every client ended on a refused connection")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
