"""Engine-only part of the comparison (scripts/bench/compare.py): the same batches of texts
through Sluice's engine (`sluice bench --batches`: one ragged forward pass and the task's head,
as the server's inference thread runs it), ONNX Runtime on the model exported by optimum-onnx,
and PyTorch, each timed in-process on pre-tokenized inputs (median of N passes after one
warm-up). ONNX Runtime and PyTorch get the batch padded to its longest sequence, as users run
them (`tokenizer(texts, padding=True)`); Sluice computes only the real tokens. Fill-mask on
ORT and torch projects every position onto the vocabulary (the exported model's output);
Sluice only the masked positions.
"""
import json
import os
import statistics
import subprocess
import time

import report
import workloads

EXPORTS = os.path.join("bench-results", "onnx")


def export(model, task):
    """The ONNX export of `model` for `task` (made once into bench-results/onnx/)."""
    folder = os.path.join(EXPORTS, f"{os.path.basename(model)}-{task}")
    if not os.path.exists(os.path.join(folder, "model.onnx")):
        from optimum.exporters.onnx import main_export

        main_export(model, output=folder, task=task)
    return os.path.join(folder, "model.onnx")


def median_ms(fn, iterations):
    fn()  # warm-up
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def time_sluice(sluice, model, task, batches, iterations, out, threads):
    path = os.path.join(out, f"batches-{os.path.basename(model)}.jsonl")
    with open(path, "w") as f:
        for name, texts in batches:
            f.write(json.dumps({"name": name, "texts": texts}) + "\n")
    text = subprocess.run([sluice, "bench", "--model", model, "--task", task, "--batches", path,
                           "--iterations", str(iterations), "--threads", str(threads)], check=True, capture_output=True, text=True).stdout
    return {r["name"]: r for r in map(json.loads, text.splitlines())}


def floor_ms(floors, task, lengths):
    """The batch's floor: reading every weight once, or its FLOPs at the best matrix-product rate."""
    memory, compute = report.floor_seconds(floors, lengths, len(lengths) if task == "fill-mask" else 0)
    return max(memory, compute) * 1e3, "memory" if memory > compute else "compute"


def run(sluice, iterations, floors, out, log, threads=None):
    import numpy as np
    import onnxruntime as ort
    import torch
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    threads = threads or os.cpu_count()
    torch.set_num_threads(threads)
    rows = []
    minilm_tokenizer = AutoTokenizer.from_pretrained(workloads.MINILM)
    models = workloads.engine_batches(minilm_tokenizer, AutoTokenizer.from_pretrained)
    for model, task, _ in models:
        export(model, task)
    # Sluice first, before this process has started any ORT or torch thread that could still
    # be spinning while it runs.
    sluice_times = {model: time_sluice(sluice, model, task, batches, iterations, out, threads)
                    for model, task, batches in models}
    for model, task, batches in models:
        tokenizer = AutoTokenizer.from_pretrained(model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(export(model, task), options, providers=["CPUExecutionProvider"])
        feeds = {i.name for i in session.get_inputs()}
        net = (AutoModelForMaskedLM if task == "fill-mask" else AutoModel).from_pretrained(model).eval()
        for name, texts in batches:
            enc = tokenizer(texts, padding=True, return_tensors="np")
            lengths = [int(n) for n in enc["attention_mask"].sum(axis=1)]
            inputs = {k: v.astype(np.int64) for k, v in enc.items() if k in feeds}
            if "position_ids" in feeds:
                # Decoder exports (Qwen3) take positions: 0, 1, 2, … over each row's real tokens.
                mask = enc["attention_mask"].astype(np.int64)
                inputs["position_ids"] = np.maximum(np.cumsum(mask, axis=1) - 1, 0)
            ort_ms = median_ms(lambda: session.run(None, inputs), iterations)
            pt = {k: torch.from_numpy(v) for k, v in inputs.items()}
            with torch.inference_mode():
                torch_ms = median_ms(lambda: net(**pt), iterations)
            s = sluice_times[model][name]
            if s["tokens"] != sum(lengths):
                log(f"   warning: {name}: Sluice computed {s['tokens']} tokens, the tokenizer made {sum(lengths)}")
            floor, bound = floor_ms(floors[model], task, lengths)
            row = {"model": model, "task": task, "batch": name, "sequences": len(texts), "tokens": sum(lengths),
                   "padded_tokens": int(enc["input_ids"].size), "sluice_ms": s["median_ms"], "ort_ms": ort_ms,
                   "torch_ms": torch_ms, "floor_ms": floor, "bound": bound}
            rows.append(row)
            log(f"   {name:24} sluice {s['median_ms']:8.2f} ms  onnxruntime {ort_ms:8.2f} ms  torch {torch_ms:8.2f} ms")
    return {"threads": threads, "iterations": iterations, "rows": rows}
