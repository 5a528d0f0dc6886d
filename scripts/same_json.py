#!/usr/bin/env python3
"""Exit 0 when two JSON texts are the same answer: keys in the same order, lists of the same
length, numbers within 1e-4 (scores as the reference pipelines compare), the rest equal.

Usage: same_json.py EXPECTED ACTUAL
"""
import json
import sys


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-4
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


if __name__ == "__main__":
    sys.exit(0 if same(json.loads(sys.argv[1]), json.loads(sys.argv[2])) else 1)
