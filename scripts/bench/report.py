"""Tables and plot of a comparison run (scripts/bench/compare.py). Run alone to redraw them
from a run's folder:

    python scripts/bench/report.py bench-results/<run>      # prints report, rewrites compare.png
"""
import json
import os
import re
import sys

SERVERS = ["sluice", "sluice-bf16", "sluice-int8", "recipe", "recipe-batch", "infinity"]
PEERS = ["recipe", "recipe-batch", "infinity"]
# Bytes each dense weight takes, by server: the memory floor of the low-precision servers reads
# their weights at these sizes (f32 floors otherwise; the compute floor is the same f32 one).
WEIGHT_BYTES = {"sluice-bf16": 2, "sluice-int8": 1}


def _ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def parse_wrk(text):
    """requests/s, p50 and p99 (ms), non-2xx answers and socket errors from wrk --latency.
    requests/s counts only 2xx answers (a 503 refusal is not throughput); the percentiles are
    wrk's over every answer, refusals included."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rps and p50 and p99):
        return None
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    requests = re.search(r"(\d+) requests in", text)
    total = int(requests.group(1)) if requests else 0
    refused = int(non2xx.group(1)) if non2xx else 0
    answered = (total - refused) / total if total else 1.0
    return {"rps": float(rps.group(1)) * answered, "p50": _ms(p50.group(1)), "p99": _ms(p99.group(1)),
            "requests": total,
            "non2xx": refused,
            "socket_errors": sum(int(g) for g in errors.groups()[:3]) if errors else 0,
            "timeouts": int(errors.group(4)) if errors else 0}


def short(r):
    return f"{r['rps']:8.1f} req/s  p50 {r['p50']:8.1f} ms  p99 {r['p99']:8.1f} ms"


def floor_seconds(f, lengths, masks):
    """(seconds to read the weights once, seconds of its FLOPs at the best matrix-product rate) for one
    forward pass over sequences of `lengths` tokens with `masks` masked positions, from
    `sluice bench --floors-json` output `f`."""
    weight_bytes = f["encoder_bytes"] + (f["head_bytes"] if masks else 0)
    by_length = f.get("attention_flop_by_length", [])
    attention = sum(by_length[n] if n < len(by_length) else n * n * f["attention_flop_per_token_pair"]
                    for n in lengths)
    flop = sum(lengths) * f["flop_per_token"] + attention + masks * f["head_flop_per_mask"]
    return weight_bytes / f["read_bytes_per_s"], flop / f["gemm_flop_per_s"]


def workload_floor(results, w):
    """floor_seconds of one request of workload w."""
    spec = results["workloads"][w]
    return floor_seconds(results["floors"][spec["model"]], spec["lengths"], spec["masks"])


def floor_rps(memory, compute, clients):
    """Best requests/s with `clients` requests always in one batch: a batch reads the weights
    once and computes every request."""
    return clients / max(memory, clients * compute)


def render(results):
    lines = []
    add = lines.append
    m = results["machine"]
    if "command" in results:
        add(f"command: {results['command']}")
    add(f"machine: {m['cpu']} ({m['isa']}), {m['cores']} cores, load average {m['load']:.1f} at start, {m['date']}")
    add("peers: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; Python {m['python']}")
    st = results.get("settings", {})
    if st:
        add(f"wrk: {st['seconds']} s per point; compute threads: "
            + (f"{st['threads']} in every server and engine" if st.get("threads") else "each server's default (all cores)"))
    for model, f in results["floors"].items():
        add(f"floors (this run, {model}): read {f['read_bytes_per_s'] / 1e9:.1f} GB/s, "
            f"matrix products {f['gemm_flop_per_s'] / 1e9:.1f} GFLOP/s (the faster of OpenBLAS sgemm and Sluice's kernel); encoder weights {f['encoder_bytes'] / 1e6:.0f} MB, "
            f"{f['flop_per_token'] / 1e6:.1f} MFLOP/token")
    if "startup" in results:
        s = results["startup"]
        weights = os.path.getsize(os.path.join("models/bert-base-random", "model.safetensors")) / 1e6 \
            if os.path.exists("models/bert-base-random/model.safetensors") else float("nan")
        add(f"start-up of sluice serve (bert-base-random) to a ready /health: median {s['median_s'] * 1e3:.0f} ms "
            f"over {len(s['seconds'])} ({', '.join(f'{t * 1e3:.0f}' for t in s['seconds'])} ms); "
            f"peak RSS once ready {s['peak_rss_idle'] / 1e6:.0f} MB (weights file {weights:.0f} MB)")
    if results.get("engine"):
        e = results["engine"]
        add("")
        add(f"engine only: median of {e['iterations']} passes, {e['threads']} threads each; ORT and torch padded")
        add(f"{'batch':26} {'seqs':>4} {'tokens':>6} {'padded':>6} {'sluice ms':>9} {'ORT ms':>8} {'torch ms':>8}"
            f" {'ORT/sluice':>10} {'torch/sluice':>12} {'floor ms':>8}  sluice of floor")
        model = None
        for r in e["rows"]:
            if r["model"] != model:
                model = r["model"]
                add(f"{model} ({r['task']})")
            add(f"{r['batch']:26} {r['sequences']:4} {r['tokens']:6} {r['padded_tokens']:6} {r['sluice_ms']:9.2f} "
                f"{r['ort_ms']:8.2f} {r['torch_ms']:8.2f} {r['ort_ms'] / r['sluice_ms']:9.2f}x "
                f"{r['torch_ms'] / r['sluice_ms']:11.2f}x {r['floor_ms']:8.2f}  "
                f"{r['floor_ms'] / r['sluice_ms']:4.0%} ({r['bound']})")
        add("(ratios above 1: Sluice faster)")
    for w, servers in results["http"].items():
        spec = results["workloads"][w]
        memory, compute = workload_floor(results, w)
        alone = max(memory, compute)
        add("")
        add(f"workload {w}: {spec['what']}; {sum(spec['lengths'])} tokens per request "
            f"({len(spec['lengths'])} sequence{'s' if len(spec['lengths']) > 1 else ''}); weights file "
            f"{spec['weight_bytes'] / 1e6:.0f} MB")
        add(f"  floor of one request alone {alone * 1e3:.2f} ms ({'memory' if memory > compute else 'compute'}); "
            f"compute floor {1 / compute:.0f} requests/s")
        add(f"  {'server':13} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>7} {'non-2xx':>7}"
            f" {'errors':>6} {'timeouts':>8}  floor fraction")
        for name in SERVERS:
            points = servers.get(name)
            if points is None:
                continue
            if "error" in points:
                add(f"  {name:13} {points['error']}")
                continue
            for c, r in points.items():
                if r is None:
                    add(f"  {name:13} {c:>7} (no result)")
                    continue
                answered = r["p50"] > 0
                p50 = f"{r['p50']:8.1f}" if answered else f"{'-':>8}"
                p99 = f"{r['p99']:8.1f}" if answered else f"{'-':>8}"
                rss = f"{r['peak_rss'] / 1e6:7.0f}" if r.get("peak_rss") else f"{'-':>7}"
                if int(c) == 1:
                    own = max(memory * WEIGHT_BYTES.get(name, 4) / 4, compute)
                    note = f" ({WEIGHT_BYTES[name] * 8}-bit weights: {own * 1e3:.2f} ms)" if name in WEIGHT_BYTES else ""
                    fraction = f"{own * 1e3 / r['p50']:4.0%} of the floor alone (p50){note}" if answered else ""
                else:
                    best = floor_rps(memory, compute, int(c))
                    kind = "compute" if int(c) * compute > memory else "memory"
                    fraction = f"{r['rps'] / best:4.0%} of {best:.0f} req/s ({kind})"
                add(f"  {name:13} {c:>7} {r['rps']:8.1f} {p50} {p99} {rss} {r['non2xx']:7} {r['socket_errors']:6} "
                    f"{r['timeouts']:8}  {fraction}")
        ours = servers.get("sluice", {})
        for peer in PEERS:
            theirs = servers.get(peer)
            if not theirs or "error" in theirs or "error" in ours:
                continue
            for c, b in theirs.items():
                a = ours.get(c)
                if not (a and b and a["p50"] > 0 and b["p50"] > 0):
                    continue
                rss = f", {b['peak_rss'] / a['peak_rss']:4.1f}x less memory" if a.get("peak_rss") and b.get("peak_rss") else ""
                add(f"  sluice / {peer:12} at {c:>3} clients: {a['rps'] / b['rps']:6.2f}x requests/s, "
                    f"{b['p50'] / a['p50']:6.2f}x lower p50, {b['p99'] / a['p99']:6.2f}x lower p99{rss}")
    return "\n".join(lines) + "\n"


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["http"])
    fig, axes = plt.subplots(2, len(names), figsize=(max(4.2 * len(names), 9), 7), squeeze=False)
    colors = {"sluice": "tab:blue", "sluice-bf16": "tab:cyan", "sluice-int8": "tab:purple", "recipe": "tab:gray",
              "recipe-batch": "tab:orange", "infinity": "tab:green"}
    for col, w in enumerate(names):
        spec = results["workloads"][w]
        top, bottom = axes[0][col], axes[1][col]
        memory, compute = workload_floor(results, w)
        for name in SERVERS:
            points = results["http"][w].get(name)
            if not points or "error" in points:
                continue
            cs = [int(c) for c, r in points.items() if r and r["p50"] > 0]
            top.plot(cs, [points[str(c)]["rps"] for c in cs], "o-", color=colors[name], label=name)
            bottom.plot(cs, [points[str(c)]["p99"] for c in cs], "o-", color=colors[name], label=name)
        cs = sorted({int(c) for points in results["http"][w].values() if "error" not in points for c in points})
        if cs:
            top.plot(cs, [floor_rps(memory, compute, c) for c in cs], "k--", linewidth=1, label="floor")
        top.set_title(f"({w}) {spec['what']}", fontsize=9)
        for ax in (top, bottom):
            ax.set_xscale("log", base=2)
            ax.set_xticks(cs or [1])
            ax.set_xticklabels([str(c) for c in cs] or ["1"])
            ax.grid(True, alpha=0.3)
        bottom.set_yscale("log")
        top.set_ylabel("requests/s")
        bottom.set_ylabel("p99 latency, ms")
        bottom.set_xlabel("concurrent clients (wrk)")
        top.set_ylim(bottom=0)
    labels = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            labels.setdefault(label, handle)
    fig.legend(labels.values(), labels.keys(), loc="lower center", ncol=len(labels), fontsize=9)
    m = results["machine"]
    fig.suptitle(f"Sluice and peers, {m['cores']} cores ({m['cpu']}), {m['date']}", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=80)
    return path


if __name__ == "__main__":
    folder = sys.argv[1]
    data = json.load(open(os.path.join(folder, "results.json")))
    print(render(data), end="")
    if data["http"]:
        print("plot:", plot(data, os.path.join(folder, "compare.png")))
