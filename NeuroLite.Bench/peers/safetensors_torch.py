#!/usr/bin/python3
"""Moves models between NeuroLite and PyTorch through safetensors files.

Debian ships no `safetensors` package, so this holds a small reader and writer written against the format:
an 8-byte little-endian header length N, N bytes of UTF-8 JSON
({"name": {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}),
then the little-endian, C-order data buffer (offsets relative to it).

A NeuroLite MLP is the nn.Sequential that computes the same function: each layer an nn.Linear followed by its
activation module when it has one (nn.Tanh, nn.ReLU), so a tanh MLP's Linear modules sit at indices 0, 2, 4, ...
and its state dict names are 0.weight (out, in), 0.bias (out), 2.weight, ... NeuroLite's own facts ride in
__metadata__: neurolite.format_version "1", neurolite.model "MLP", neurolite.sizes "in,h1,...,out",
neurolite.activations "tanh,...,none".

  safetensors_torch.py check MODEL IO      load a NeuroLite MLP file into nn.Sequential, run IO's x through it and
                                           compare with IO's y (NeuroLite's outputs); exit 1 beyond 1e-12
  safetensors_torch.py export MODEL IO     write a seeded PyTorch float64 MLP (3-5-4-2, tanh then relu) as MODEL,
                                           and its outputs on a seeded batch as IO (x, y), for NeuroLite to load
  safetensors_torch.py both MODEL IO OUT_MODEL OUT_IO    check, then export (one interpreter start)

NeuroLite.Tests runs both (SafetensorsPeerTests) when /usr/bin/python3 can import torch.
"""
import json
import math
import struct
import sys

import torch

MAX_HEADER = 100_000_000
DTYPES = {"F64": (torch.float64, 8), "F32": (torch.float32, 4)}
ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate name {key!r} in the header")
        seen[key] = value
    return seen


def read(path):
    """Returns ({name: tensor}, metadata) from a safetensors file, F64 and F32 (as stored)."""
    if sys.byteorder != "little":
        raise SystemExit("this reader assumes a little-endian machine")
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: truncated ({len(blob)} bytes)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} is too large or past the end")
    header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r}: dtype {entry['dtype']} not read here")
        dtype, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        count = math.prod(shape)
        if end - begin != count * size or end > len(data) or begin > end:
            raise ValueError(f"{path}: tensor {name!r}: bad data_offsets [{begin}, {end}] for shape {shape}")
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(shape).clone()
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes {name: tensor} as F64 (C order, little-endian), the header padded with spaces to 8 bytes."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        raw = t.detach().to(torch.float64).contiguous().numpy().astype("<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def sequential_from(metadata):
    """The nn.Sequential (float64) that NeuroLite's metadata describes."""
    if metadata.get("neurolite.model") != "MLP" or metadata.get("neurolite.format_version") != "1":
        raise ValueError(f"not a NeuroLite MLP file (metadata {metadata})")
    sizes = [int(s) for s in metadata["neurolite.sizes"].split(",")]
    modules = []
    for k, act in enumerate(metadata["neurolite.activations"].split(",")):
        modules.append(torch.nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64))
        if act != "none":
            modules.append(ACTIVATIONS[act]())
    return torch.nn.Sequential(*modules)


def check(model_path, io_path):
    state, metadata = read(model_path)
    model = sequential_from(metadata)
    model.load_state_dict({k: v.to(torch.float64) for k, v in state.items()}, strict=True)
    io, _ = read(io_path)
    with torch.no_grad():
        y = model(io["x"])
    diff = (y - io["y"]).abs().max().item() if y.numel() else 0.0
    print(f"NeuroLite file {model_path}: {list(state)} -> {model}")
    print(f"max |PyTorch - NeuroLite| over {tuple(y.shape)} outputs: {diff:.3e}")
    return 0 if diff <= 1e-12 else 1


def export(model_path, io_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5, dtype=torch.float64), torch.nn.Tanh(),
        torch.nn.Linear(5, 4, dtype=torch.float64), torch.nn.ReLU(),
        torch.nn.Linear(4, 2, dtype=torch.float64))
    x = torch.randn(6, 3, dtype=torch.float64)
    with torch.no_grad():
        y = model(x)
    metadata = {"neurolite.format_version": "1", "neurolite.model": "MLP",
                "neurolite.sizes": "3,5,4,2", "neurolite.activations": "tanh,relu,none"}
    write(model_path, model.state_dict(), metadata)
    write(io_path, {"x": x, "y": y})
    print(f"PyTorch model {list(model.state_dict())} written to {model_path}; x, y to {io_path}")
    return 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 6 and sys.argv[1] == "both":
        sys.exit(check(sys.argv[2], sys.argv[3]) or export(sys.argv[4], sys.argv[5]))
    if len(sys.argv) != 4 or sys.argv[1] not in ("check", "export"):
        print(__doc__)
        sys.exit(2)
    sys.exit((check if sys.argv[1] == "check" else export)(sys.argv[2], sys.argv[3]))
