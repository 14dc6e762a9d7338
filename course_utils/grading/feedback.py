"""Feedback like a good TA's: name every wrong output and the pattern that explains it.

`describe_wrong(name, got, ref, layout, sizes)` looks at one wrong array against the reference
and says how it is wrong when a simple pattern explains it:

- off by a constant factor, named when it is one the sizes explain (1/T, 1/N, 2, −1, α, …);
- the transpose of the reference;
- reversed in time, or shifted by one step;
- right at some time steps only (the last step only: the gradient from later steps is missing);
- right except some blocks of a packed array of gates (named), or blocks in the wrong order;
- all zeros;

and always gives one differing entry, the student's value beside the reference's.
`question_hints` reads the pass/fail pattern across the checks of a question (right for T = 1
only, right for N = 1 only).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

CLOSE = 1e-6          # relative closeness for "this pattern explains the difference"


@dataclass(frozen=True)
class Layout:
    """What the axes of one output mean: `time` and `batch` axis (or None), and `blocks`: the
    axis and names of the equal blocks of a packed array of gates (e.g. (0, ("f", "g", "o"))), or
    (axis, None) when every entry along that axis is a block of its own (the states of h_n)."""
    time: int | None = None
    batch: int | None = None
    blocks: tuple[int, tuple[str, ...] | None] | None = None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0)) <= CLOSE * scale


def factor_names(value: float, sizes: dict) -> list[str]:
    """Expressions in the sizes (and −1, 2, 1/2) equal to `value`, e.g. ['1/N'] for 1/3 when N = 3."""
    candidates = {"−1": -1.0, "2": 2.0, "1/2": 0.5, "−2": -2.0}
    for name, size in sizes.items():
        if isinstance(size, (int, float)) and size not in (0, 1):
            candidates[name] = float(size)
            candidates[f"1/{name}"] = 1.0 / size
            if name == "alpha":
                candidates["1 − alpha"] = 1.0 - size
                if size != 1:
                    candidates["1/(1 − alpha)"] = 1.0 / (1.0 - size)
    if sizes.get("N", 1) > 1 and sizes.get("T", 1) > 1:
        candidates["1/(N·T)"] = 1.0 / (sizes["N"] * sizes["T"])
    return [name for name, v in candidates.items() if abs(value - v) <= 1e-6 * max(1.0, abs(v))]


def _constant_factor(got: np.ndarray, ref: np.ndarray) -> float | None:
    norm = float(np.sum(ref * ref))
    if norm == 0.0:
        return None
    c = float(np.sum(got * ref)) / norm
    return c if _close(got, c * ref) and abs(c - 1.0) > 1e-9 else None


def _blocks(got: np.ndarray, ref: np.ndarray, blocks) -> str | None:
    """Which blocks of a packed array are wrong, or which are swapped; None if no block is right."""
    axis, names = blocks
    gates = names is not None
    names = names or tuple(f"[{k}]" for k in range(got.shape[axis] if got.ndim else 0))
    if got.shape != ref.shape or len(names) < 2 or got.shape[axis] % len(names):
        return None
    g_parts = np.split(got, len(names), axis=axis)
    r_parts = np.split(ref, len(names), axis=axis)
    wrong = [i for i in range(len(names)) if not _close(g_parts[i], r_parts[i])]
    perm = _permuted(g_parts, r_parts)
    if not wrong or (len(wrong) == len(names) and not perm):
        return None
    if not gates:
        if perm:
            moves = [f"{names[i]} holds the reference's {names[_match(g_parts[i], r_parts)]}" for i in wrong]
            return f"its entries along axis {axis} are in the wrong order: {_and(moves)}"
        return f"right except at {_and([names[i] for i in wrong])} along axis {axis}"
    layout = ", ".join(names)
    if perm:
        return f"the blocks {_and([names[i] for i in wrong])} are in the wrong order (the packed layout is ({layout}))"
    label = "block" if len(wrong) == 1 else "blocks"
    return f"wrong only in {label} {_and([names[i] for i in wrong])} of the packed ({layout}) layout"


def _block_in_time(got: np.ndarray, ref: np.ndarray, layout: Layout) -> str:
    """When one block of a packed array is wrong, the time pattern of that block (if any)."""
    axis, names = layout.blocks
    if layout.time is None or names is None or got.shape[axis] % len(names):
        return ""
    parts = list(zip(np.split(got, len(names), axis=axis), np.split(ref, len(names), axis=axis)))
    wrong = [(g, r) for g, r in parts if not _close(g, r)]
    pattern = _along(*wrong[0], layout.time) if len(wrong) == 1 else None
    return f", where it is {pattern}" if pattern else ""


def _match(part: np.ndarray, r_parts) -> int:
    return next(j for j, r in enumerate(r_parts) if _close(part, r))


def _permuted(g_parts, r_parts) -> bool:
    """Every block of the student's array equals some other block of the reference (a swap)."""
    used = set()
    swapped = False
    for i, g in enumerate(g_parts):
        match = next((j for j, r in enumerate(r_parts) if j not in used and _close(g, r)), None)
        if match is None:
            return False
        used.add(match)
        swapped |= match != i
    return swapped


def _along(got, ref, axis) -> str | None:
    """Time patterns: reversed, shifted by one, right at some steps only."""
    n = got.shape[axis]
    if n < 2:
        return None
    if _close(got, np.flip(ref, axis=axis)):
        return "reversed in time (the steps are in the opposite order)"
    g, r = np.moveaxis(got, axis, 0), np.moveaxis(ref, axis, 0)
    if _close(g[1:], r[:-1]):
        return "shifted one step later in time (step t holds the reference's step t − 1)"
    if _close(g[:-1], r[1:]):
        return "shifted one step earlier in time (step t holds the reference's step t + 1)"
    right = [t for t in range(n) if _close(g[t], r[t])]
    if right == [n - 1]:
        return "right at the last step only: the gradient from later steps is missing?"
    if right == [0]:
        return "right at the first step only: what carries over from one step to the next is wrong?"
    if right and len(right) < n:
        return f"right only at step{'s' if len(right) > 1 else ''} {_and([str(t) for t in right])} (of 0..{n - 1})"
    return None


def _entry(name: str, got: np.ndarray, ref: np.ndarray) -> str:
    """One differing entry (the one with the largest error), the student's value and the reference's."""
    if got.ndim == 0:
        return f"{name} = {float(got):.6g} where the reference has {float(ref):.6g}"
    index = np.unravel_index(int(np.argmax(np.abs(got - ref))), got.shape)
    where = ", ".join(str(int(i)) for i in index)
    return f"{name}[{where}] = {float(got[index]):.6g} where the reference has {float(ref[index]):.6g}"


@dataclass(frozen=True)
class Wrong:
    """One wrong output: its name, the pattern that explains it (or a structural problem such as a
    wrong shape), the named constant factor if that is the pattern, and one differing entry."""
    name: str
    pattern: str = ""
    factor: str | None = None
    example: str = ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_wrong(name: str, got, ref, layout: Layout | None = None, sizes: dict | None = None) -> Wrong:
    """How a wrong output (of the reference's shape, or its transpose's) differs from the reference."""
    layout, sizes = layout or Layout(), sizes or {}
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if got.ndim == 2 and got.shape == ref.shape[::-1] and got.shape != ref.shape:
        if _close(got, ref.T):
            return Wrong(name, f"the transpose of the reference: shape {got.shape}, expected {ref.shape}")
        return Wrong(name, f"shape {got.shape}, expected {ref.shape} (transposed?)")
    if got.shape != ref.shape:
        return Wrong(name, f"shape {got.shape}, expected {ref.shape}")
    example = _entry(name, got, ref)
    if not np.any(got) and np.any(ref):
        return Wrong(name, "all zeros", example=example)
    if got.size < 2:               # one number is a multiple of any other: only a factor the sizes name
        names = factor_names(float(got.ravel()[0] / ref.ravel()[0]), sizes) if ref.ravel()[0] else []
        if names:
            return Wrong(name, f"off by the constant factor {' or '.join(names)}", " or ".join(names), example)
        return Wrong(name, example=example)
    c = _constant_factor(got, ref)
    if c is not None:
        names = factor_names(c, sizes)
        factor = " or ".join(names) if names else f"{c:.4g}"
        sign = " (a sign error?)" if names == ["−1"] else ""
        return Wrong(name, f"off by the constant factor {factor}{sign}", factor, example)
    if got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got, ref.T):
        return Wrong(name, "the transpose of the reference", example=example)
    if layout.blocks is not None and _blocks(got, ref, layout.blocks):
        return Wrong(name, _blocks(got, ref, layout.blocks) + _block_in_time(got, ref, layout), example=example)
    if layout.time is not None and _along(got, ref, layout.time):
        return Wrong(name, _along(got, ref, layout.time), example=example)
    return Wrong(name, example=example)


def summarize(wrong: list[Wrong]) -> str:
    """One sentence for the wrong outputs of a check: all named, the patterns said (once for
    outputs that share one), one example."""
    names = _and([w.name for w in wrong])
    verb = "is" if len(wrong) == 1 else "are"
    factors = {w.factor for w in wrong}
    if len(wrong) > 1 and len(factors) == 1 and None not in factors:
        text = f"{names} are all wrong by the same factor {factors.pop()}"
    elif len(wrong) == 1 and wrong[0].pattern:
        text = f"{names} is wrong: {wrong[0].pattern}"
    else:
        by_pattern: dict[str, list[str]] = {}
        for w in wrong:
            if w.pattern:
                by_pattern.setdefault(w.pattern, []).append(w.name)
        text = f"{names} {verb} wrong" + "".join(f"; {_and(n)}: {p}" for p, n in by_pattern.items())
    example = next((w.example for w in wrong if w.example), "")
    return text + (f"; e.g. {example}" if example else "")


def question_hints(checks: list[tuple[tuple[str, ...], bool]], said: str = "") -> list[str]:
    """Hints from which checks passed: [(edge sizes set to 1, passed), ...] of one question. A size
    that a named factor already blames (`said` holds 1/T or 1/N) needs no hint of its own."""
    ordinary_failed = any(not edge and not ok for edge, ok in checks)
    if not ordinary_failed:
        return []
    hints = []
    # a size-1 check speaks for one size only when it sets no other of T, N and L to 1
    told = {"T", "N", "L"}
    passed_edges = {e for edge, ok in checks if ok for e in edge if e in told and len(told & set(edge)) == 1}
    passed_edges -= {size for size in ("T", "N") if re.search(rf"factor [^;]*\b{size}\b", said)}
    if "T" in passed_edges:
        hints.append("right for T = 1 but wrong for longer sequences: look at what links the steps (the state "
                     "carried forward, the gradient from later steps, the order of the steps)")
    if "N" in passed_edges:
        hints.append("right for N = 1 only: summed or averaged over the batch where it should not be, "
                     "or mixed up the examples of a batch?")
    if "L" in passed_edges:
        hints.append("right for one layer only: how do the layers connect, and where does each layer's "
                     "final state go?")
    return hints
