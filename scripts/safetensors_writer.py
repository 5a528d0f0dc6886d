"""Writes a safetensors file of f32 numpy arrays, with only the standard library and numpy: the
benchmark checkpoints' writer (scripts/make-bench-model.py, scripts/make-family-bench-model.py)."""
import json
import struct


def write_safetensors(path, tensors):
    """`tensors` (name -> little-endian f32 array) in name order, the data 8-byte aligned."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(tensors):
        size = tensors[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name in sorted(tensors):
            f.write(tensors[name].tobytes())
