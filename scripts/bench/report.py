"""Reads the wrk outputs and floors that scripts/bench-seed.sh wrote and prints the table."""
import json
import os
import re
import sys

out = sys.argv[1]
floors = json.load(open(os.path.join(out, "floors.json")))
tokens, masks = 4, 1  # [CLS] test [MASK] [SEP]
memory_floor = (floors["encoder_bytes"] + floors["head_bytes"]) / floors["read_bytes_per_s"]
flop = tokens * floors["flop_per_token"] + masks * floors["head_flop_per_mask"]
compute_rps = floors["gemm_flop_per_s"] / flop


def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def parse(path):
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    timeouts = re.search(r"timeout (\d+)", text)
    if not (rps and p50 and p99):
        return None
    return {"rps": float(rps.group(1)), "p50": ms(p50.group(1)), "p99": ms(p99.group(1)),
            "errors": int(non2xx.group(1)) if non2xx else 0,
            "timeouts": int(timeouts.group(1)) if timeouts else 0}


servers = ["sluice", "recipe", "recipe-batch"]
print(f"memory floor per request alone: {memory_floor * 1e3:.1f} ms; compute floor: {compute_rps:.0f} requests/s")
print(f"{'server':13} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'timeouts':>8}  floor fraction")
results = {}
for server in servers:
    for c in (1, 8, 32, 128):
        r = parse(os.path.join(out, f"{server}-{c}.txt"))
        results[(server, c)] = r
        if r is None:
            print(f"{server:13} {c:7} (no result)")
            continue
        # wrk reports no latency when every request of the run hit its 2 s timeout.
        answered = r["p50"] > 0
        p50 = f"{r['p50']:8.1f}" if answered else f"{'-':>8}"
        p99 = f"{r['p99']:8.1f}" if answered else f"{'-':>8}"
        if c == 1:
            fraction, label = (memory_floor * 1e3 / r["p50"] if answered else 0), "of memory floor (p50)"
        else:
            fraction, label = r["rps"] / compute_rps, "of compute floor"
        print(f"{server:13} {c:7} {r['rps']:8.1f} {p50} {p99} {r['errors']:8} {r['timeouts']:8}  {fraction:5.0%} {label}")
print()
for peer in ("recipe", "recipe-batch"):
    for c in (1, 8, 32, 128):
        a, b = results.get(("sluice", c)), results.get((peer, c))
        if a and b and a["p50"] > 0 and b["p50"] > 0:
            print(f"sluice / {peer:12} at {c:3} clients: {a['rps'] / b['rps']:5.2f}x requests/s, "
                  f"{b['p50'] / a['p50']:5.2f}x lower p50")
