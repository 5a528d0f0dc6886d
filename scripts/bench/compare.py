"""Issue 6's comparison: Sluice against its peers on the same model, the same requests and the
same wrk load, in one run, each result against this machine's floors measured in that run.
Run through scripts/bench/compare.sh, which builds Sluice and sets up this script's Python
environment; never run by CI.

    compare.py [--quick] [--workloads abcd] [--concurrency 1,8,32,128] [--seconds 10]
               [--engine-iterations 20] [--skip-http] [--skip-engine] [--out DIR]

Parts, in this order (quietest first): the floors (`sluice bench --floors-json` per model), the
engine-only comparison (scripts/bench/engine.py), start-up to a ready /health, and the HTTP
workloads. Everything lands in one folder (default bench-results/<UTC time>/): each wrk output,
server logs, results.json, report.txt (what is printed) and compare.png; report.py redraws the
table and plot from results.json.
"""
import argparse
import importlib.metadata
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
import workloads  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# Nothing is fetched from a model hub, and no peer sends usage statistics.
os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", DO_NOT_TRACK="1", INFINITY_ANONYMOUS_USAGE_STATS="0")

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--quick", action="store_true",
                    help="smoke test: clients 1 and 32, 3 s per point, 5 engine iterations, one start-up")
parser.add_argument("--workloads", default="abcd")
parser.add_argument("--concurrency", help="comma-separated client counts (default 1,8,32,128)")
parser.add_argument("--seconds", type=int, help="wrk duration per point (default 10)")
parser.add_argument("--engine-iterations", type=int, help="timed passes per engine batch (default 20)")
parser.add_argument("--startups", type=int, help="sluice serve launches timed (default 5)")
parser.add_argument("--servers", help="comma-separated subset of sluice,sluice-bf16,sluice-int8,recipe,recipe-batch,"
                    "infinity (default: all; the bf16 and int8 servers run workloads a and b)")
parser.add_argument("--skip-http", action="store_true")
parser.add_argument("--skip-engine", action="store_true")
parser.add_argument("--sluice", default=".build/release/sluice")
parser.add_argument("--port", type=int, default=18000, help="where each server listens in turn")
parser.add_argument("--threads", type=int,
                    help="compute threads of every server and engine (default: each one's own, all cores); "
                         "the floors are always measured on all cores")
parser.add_argument("--out", help="results folder (default bench-results/<UTC time>)")
args = parser.parse_args()
quick = args.quick
concurrency = [int(c) for c in (args.concurrency or ("1,32" if quick else "1,8,32,128")).split(",")]
seconds = args.seconds or (3 if quick else 10)
engine_iterations = args.engine_iterations or (5 if quick else 20)
startups = args.startups or (1 if quick else 5)
PORT = args.port
out = args.out or os.path.join("bench-results", time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
os.makedirs(out, exist_ok=True)


def log(message):
    print(message, flush=True)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")), [])
    isa = "/".join(f.upper() for f in ("avx2", "fma", "avx512f") if f in flags)
    versions = {}
    for name in ("torch", "transformers", "sentence-transformers", "infinity-emb", "onnxruntime", "optimum-onnx"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return {"cpu": cpu, "isa": isa, "cores": os.cpu_count(), "load": os.getloadavg()[0],
            "python": platform.python_version(), "versions": versions,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def floors(model):
    text = subprocess.run([args.sluice, "bench", "--model", model, "--floors-json"], check=True,
                          capture_output=True, text=True).stdout
    return json.loads(text)


# --- servers -----------------------------------------------------------------------------

def request(url, body, content_type, timeout=30):
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status


def server_command(server, spec):
    python = sys.executable
    if server.startswith("sluice"):
        precision = {"sluice": [], "sluice-bf16": ["--weights", "bf16"], "sluice-int8": ["--quantize", "int8"]}
        return [args.sluice, "serve", "--model", spec["model"], "--port", str(PORT)] + precision[server] + (
            ["--threads", str(args.threads)] if args.threads else [])
    if server in ("recipe", "recipe-batch"):
        command = [python, os.path.join(HERE, "recipe_server.py"), "--model", spec["model"], "--task", spec["task"],
                   "--port", str(PORT)]
        return command + (["--batch"] if server == "recipe-batch" else [])
    if server == "infinity":
        return [os.path.join(os.path.dirname(python), "infinity_emb"), "v2", "--model-id", spec["model"],
                "--served-model-name", "minilm", "--engine", "torch", "--device", "cpu", "--port", str(PORT),
                "--log-level", "warning"]
    raise ValueError(server)


def target(server, spec):
    """(url, body, content type) of one request of the workload for this server."""
    if server == "infinity":
        return f"http://127.0.0.1:{PORT}/embeddings", spec["infinity"], "application/json"
    return f"http://127.0.0.1:{PORT}/", spec["body"], spec["type"]


class Server:
    def __init__(self, server, spec, log_path):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                raise SystemExit(f"port {PORT} is taken by another process; choose another with --port")
        self.name = server
        self.log = open(log_path, "w")
        env = dict(os.environ)
        if args.threads:  # torch's intra-op threads in the Python servers
            env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
        self.process = subprocess.Popen(server_command(server, spec), stdout=self.log, stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True)

    def wait_ready(self, url, body, content_type, limit=600):
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log.name}")
            try:
                if request(url, body, content_type) == 200:
                    return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {limit} s; see {self.log.name}")

    def peak_rss(self):
        """VmHWM of the server and its children, in bytes (peak resident memory so far)."""
        import psutil

        total = 0
        try:
            processes = [psutil.Process(self.process.pid)]
            processes += processes[0].children(recursive=True)
        except psutil.NoSuchProcess:
            return None
        for p in processes:
            try:
                for line in open(f"/proc/{p.pid}/status"):
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run_wrk(url, body, content_type, clients, duration, path):
    threads = 1 if clients < 2 else 2
    env = dict(os.environ, BODY=body, CONTENT_TYPE=content_type)
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "--latency",
               "-s", os.path.join(HERE, "post.lua"), url]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    with open(path, "w") as f:
        f.write(result.stdout + result.stderr)
    return report.parse_wrk(result.stdout)


def measure_startup():
    """Seconds from launching `sluice serve` on the bert-base checkpoint to a 200 from /health,
    polled every 5 ms, and the server's resident memory once ready and idle."""
    times, rss = [], []
    spec = {"model": workloads.BERT}
    for i in range(startups):
        server = Server("sluice", spec, os.path.join(out, f"startup-{i}.log"))
        start = time.monotonic()
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"sluice serve exited; see {server.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() - start > 120:
                raise RuntimeError("sluice serve not healthy after 120 s")
            time.sleep(0.005)
        times.append(time.monotonic() - start)
        rss.append(server.peak_rss())
        server.stop()
    return {"seconds": times, "median_s": statistics.median(times), "peak_rss_idle": max(rss)}


def servers_for(workload):
    # The opt-in lower precisions on the fill-mask workload and one embedding workload.
    lower = ["sluice-bf16", "sluice-int8"] if workload in "ab" else []
    names = ["sluice"] + lower + ["recipe", "recipe-batch"] + ([] if workload == "a" else ["infinity"])
    return [n for n in names if not args.servers or n in args.servers.split(",")]


def http(specs, results):
    for w in args.workloads:
        spec = specs[w]
        for name in servers_for(w):
            log(f"== workload {w} ({spec['what']}): {name}")
            server = Server(name, spec, os.path.join(out, f"{w}-{name}.log"))
            try:
                url, body, content_type = target(name, spec)
                ready = server.wait_ready(url, body, content_type)
                log(f"   answering after {ready:.1f} s")
                run_wrk(url, body, content_type, 8, 1 if quick else 3, os.path.join(out, f"{w}-{name}-warmup.txt"))
                for c in concurrency:
                    r = run_wrk(url, body, content_type, c, seconds, os.path.join(out, f"{w}-{name}-{c}.txt"))
                    if r is not None:
                        r["peak_rss"] = server.peak_rss()
                    results["http"].setdefault(w, {}).setdefault(name, {})[str(c)] = r
                    log(f"   {c:4} clients: " + (report.short(r) if r else "no result"))
            except RuntimeError as error:
                log(f"   {error}")
                results["http"].setdefault(w, {})[name] = {"error": str(error)}
            finally:
                server.stop()
            save(results)


def save(results):
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


def main():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(workloads.MINILM)
    specs = workloads.http_workloads(tokenizer)
    command = " ".join(["scripts/bench/compare.sh"] + sys.argv[1:])
    results = {"machine": machine(), "command": command, "settings": {"concurrency": concurrency, "seconds": seconds,
                                                  "engine_iterations": engine_iterations, "quick": quick,
                                                  "threads": args.threads},
               "workloads": {}, "floors": {}, "http": {}}
    for w, spec in specs.items():
        bodies = spec["body"] if spec["type"] == "text/plain" else json.loads(spec["body"])["inputs"]
        lengths = [len(tokenizer(t)["input_ids"]) for t in ([bodies] if isinstance(bodies, str) else bodies)]
        results["workloads"][w] = {"what": spec["what"], "model": spec["model"], "task": spec["task"],
                                   "lengths": lengths, "masks": 1 if spec["task"] == "fill-mask" else 0,
                                   "weight_bytes": os.path.getsize(os.path.join(spec["model"], "model.safetensors"))}
    log(f"results in {out}")
    log("== floors (sluice bench --floors-json)")
    for model in sorted({specs[w]["model"] for w in specs} | set(workloads.FAMILY_MODELS.values())):
        results["floors"][model] = floors(model)
        f = results["floors"][model]
        log(f"   {model}: read {f['read_bytes_per_s'] / 1e9:.1f} GB/s, matrix products {f['gemm_flop_per_s'] / 1e9:.1f} GFLOP/s (OpenBLAS {f['blas_flop_per_s'] / 1e9:.1f}, Sluice {f['sluice_gemm_flop_per_s'] / 1e9:.1f})")
    # The read rate and the matrix-product rate are the machine's, not a model's: every floor
    # uses the best any of these measurements saw, so that a throttled or busy moment under one
    # of them (on a shared Xeon they moved between 204 and 336 GFLOP/s within a minute) cannot
    # lower that model's floors and flatter its fractions.
    for key in ("read_bytes_per_s", "gemm_flop_per_s"):
        best = max(f[key] for f in results["floors"].values())
        for f in results["floors"].values():
            f["measured_" + key] = f[key]
            f[key] = best
    f = next(iter(results["floors"].values()))
    log(f"   floors use the best of these: read {f['read_bytes_per_s'] / 1e9:.1f} GB/s, matrix products {f['gemm_flop_per_s'] / 1e9:.1f} GFLOP/s")
    save(results)
    if not args.skip_engine:
        import engine

        log("== engine only (same batches, in-process)")
        results["engine"] = engine.run(args.sluice, engine_iterations, results["floors"], out, log, args.threads)
        save(results)
    log(f"== start-up: sluice serve --model {workloads.BERT} to a ready /health ({startups}x)")
    results["startup"] = measure_startup()
    log("   " + ", ".join(f"{s * 1e3:.0f} ms" for s in results["startup"]["seconds"]))
    save(results)
    if not args.skip_http:
        http(specs, results)
    text = report.render(results)
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(text)
    print()
    print(text)
    if results["http"]:
        png = report.plot(results, os.path.join(out, "compare.png"))
        log(f"plot: {png}")


main()
