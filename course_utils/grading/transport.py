"""Move data between the grader and a student's process without pickle.

Values are described in JSON and their arrays stored in an .npz file read with
allow_pickle=False, so nothing a student's code returns can run code in the grader.
Supported: numbers, bools, None, strings, numeric numpy arrays, and tuples/lists/dicts of these.
"""
from __future__ import annotations

import json
import numbers
from pathlib import Path

import numpy as np


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
