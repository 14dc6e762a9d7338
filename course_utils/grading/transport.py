"""Move data between the grader and a student's process without pickle.

Values are described in JSON and their arrays stored in an .npz file read with
allow_pickle=False, so nothing a student's code returns can run code in the grader.
Supported: numbers, bools, None, strings, numeric numpy arrays, and tuples/lists/dicts of these.
"""
from __future__ import annotations

import io
import json
import numbers
import os
import struct
from pathlib import Path

import numpy as np

MAX_ARRAY_BYTES = 64 << 20     # a larger array crosses as "unsupported": no answer here needs one


def encode(value, arrays: dict, prefix: str = "a"):
    """A JSON-able description of value; its arrays are added to `arrays` under fresh keys."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return {"t": "none"} if value is None else {"t": "bool", "v": bool(value)}
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return {"t": "num", "v": float(value) if isinstance(value, (float, np.floating)) else int(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value[:10_000]}
    if isinstance(value, np.ndarray):
        if value.dtype == object or not (np.issubdtype(value.dtype, np.number) or value.dtype == bool):
            return {"t": "unsupported", "type": f"numpy array of dtype {value.dtype}"}
        if value.nbytes > MAX_ARRAY_BYTES:
            return {"t": "unsupported", "type": f"numpy array of {value.nbytes / 2**20:.0f} MB (far larger than asked)"}
        key = f"{prefix}{len(arrays)}"
        arrays[key] = value
        return {"t": "array", "k": key}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "items": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {"t": "unsupported", "type": "dict with non-string keys"}
        return {"t": "dict", "items": {k: encode(v, arrays, prefix) for k, v in value.items()}}
    return {"t": "unsupported", "type": type(value).__module__ + "." + type(value).__qualname__}


class Unsupported:
    """Stands for a value of a type that cannot cross (e.g. a torch tensor); compares as wrong."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def decode(desc, arrays):
    kind = desc.get("t") if isinstance(desc, dict) else None
    if kind == "none":
        return None
    if kind in ("bool", "num", "str"):
        return desc["v"]
    if kind == "array":
        return np.array(arrays[desc["k"]])
    if kind in ("tuple", "list"):
        items = [decode(d, arrays) for d in desc["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(d, arrays) for k, d in desc["items"].items()}
    return Unsupported(desc.get("type", "unknown") if isinstance(desc, dict) else "unknown")


def save(path: Path, payload: dict, values: dict) -> None:
    """Write JSON `payload` plus encoded `values` as path.json and path.npz (atomically)."""
    arrays: dict = {}
    described = {name: encode(v, arrays) for name, v in values.items()}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path.with_suffix(".npz"))
    tmp_json = path.with_suffix(".tmp.json")
    tmp_json.write_text(json.dumps({"payload": payload, "values": described}))
    tmp_json.replace(path.with_suffix(".json"))


def load(path: Path) -> tuple[dict, dict]:
    """Read what `save` wrote: (payload, {name: value}); arrays never unpickled."""
    doc = json.loads(path.with_suffix(".json").read_text())
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return doc["payload"], {name: decode(d, arrays) for name, d in doc["values"].items()}


def pack(payload: dict, values: dict) -> bytes:
    """`save` into bytes, for a pipe: header length, JSON, then the .npz."""
    arrays: dict = {}
    described = {name: encode(v, arrays) for name, v in values.items()}
    head = json.dumps({"payload": payload, "values": described}).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return struct.pack("<Q", len(head)) + head + buffer.getvalue()


def unpack(data: bytes) -> tuple[dict, dict]:
    """What `pack` wrote: (payload, {name: value}); arrays never unpickled."""
    (size,) = struct.unpack("<Q", data[:8])
    doc = json.loads(data[8:8 + size].decode("utf-8"))
    with np.load(io.BytesIO(data[8 + size:]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return doc["payload"], {name: decode(d, arrays) for name, d in doc["values"].items()}


def send(fd: int, payload: dict, values: dict) -> None:
    """One message on a pipe: its length, then `pack`'s bytes."""
    data = pack(payload, values)
    view = memoryview(struct.pack("<Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int) -> tuple[dict, dict]:
    """The next message `send` wrote to the pipe; EOFError when the other end has closed."""
    (size,) = struct.unpack("<Q", _read_exactly(fd, 8))
    return unpack(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other end of the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)

