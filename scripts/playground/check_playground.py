#!/usr/bin/env python3
"""The playground (`GET /` in a browser) in headless Chromium (Debian's `chromium`): for each
task, the page is loaded with `?model=...&text=...` (which fills the form and sends it), the DOM
is read after its script ran, and the answer drawn must be the server's own answer to the same
request. Also writes docs/playground.png. Run by scripts/playground/check-playground.sh, which
starts the server; standard library only.

Usage: check_playground.py URL SCREENSHOT
"""
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request

URL, SCREENSHOT = sys.argv[1], sys.argv[2]
FAILURES = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        FAILURES.append(name)


def chromium(*args):
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", *args],
        capture_output=True, text=True, timeout=120).stdout


def page(model, **fields):
    query = urllib.parse.urlencode({"model": model, **fields})
    return chromium("--dump-dom", f"{URL}/?{query}")


def api(model, body):
    request = urllib.request.Request(
        f"{URL}/models/{model}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def rows(dom):
    """(name, score) of every bar drawn."""
    return [(name, float(score)) for name, score in re.findall(
        r'<div class="name">([^<]*)</div><div class="bar">.*?</div></div><div class="score">([-0-9.]+)</div>', dom)]


def unescape(text):
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


# fill-mask: every candidate, with its score, as a bar.
text = "Paris is the [MASK] of France."
dom = page("mask", text=text)
expected = [(c["token_str"], round(c["score"], 4)) for c in api("mask", {"inputs": text})]
drawn = [(unescape(n), s) for n, s in rows(dom)]
check("fill-mask: the candidates and their scores as bars", drawn == expected, f"{drawn} vs {expected}")
check("fill-mask: the server's timing is shown", "server: tokenize" in dom, re.findall(r'<div id="timing">[^<]*', dom))

# token classification: each entity highlighted in the text.
text = "Hello world! London is the capital, said the doctor."
dom = page("ner", text=text)
entities = api("ner", {"inputs": text, "parameters": {"aggregation_strategy": "simple"}})
marks = re.findall(r"<mark>([^<]*)<small>([^<]*)</small></mark>", dom)
expected = [(text[e["start"]:e["end"]], e["entity_group"]) for e in sorted(entities, key=lambda e: e["start"])]
check("token classification: each entity highlighted with its label", marks == expected and marks, f"{marks} vs {expected}")

# question answering: the span in the context, and the answer.
question, context = "Where did the man work?", "The man worked as a carpenter in Paris, and the doctor in London."
dom = page("qa", text=context, question=question)
answer = api("qa", {"inputs": {"question": question, "context": context}})
answer = answer[0] if isinstance(answer, list) else answer
shown = re.findall(r'<p class="qa-answer">Answer: ([^<]*)</p>', dom)
check("question answering: the answer span", shown == [answer["answer"]] and
      f"<mark>{answer['answer']}<small>" in dom, f"{shown} vs {answer}")

# sentence similarity: one bar per sentence, the scores the server's.
sentences = ["It is sunny outside.", "He drove to the stadium."]
dom = page("minilm", text="\n".join(["The weather is lovely today."] + sentences))
scores = api("minilm", {"inputs": {"source_sentence": "The weather is lovely today.", "sentences": sentences}})
drawn = rows(dom)
check("sentence similarity: one bar per sentence", [n for n, _ in drawn] == sentences and
      all(abs(s - round(e, 4)) < 1e-4 for (_, s), e in zip(drawn, scores)), f"{drawn} vs {scores}")

query = urllib.parse.urlencode({"model": "minilm", "text": "\n".join(
    ["The weather is lovely today.", "It is sunny outside.", "He drove to the stadium.", "The stock market fell."])})
chromium(f"--screenshot={SCREENSHOT}", "--window-size=1000,760", f"{URL}/?{query}")
print(f"screenshot: {SCREENSHOT}")
print(f"playground: {len(FAILURES)} failed")
sys.exit(1 if FAILURES else 0)
