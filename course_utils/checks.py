"""Verification helpers: relative error, centered finite differences, and a visible ✓/✗ check."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager

import numpy as np

from . import _validate


class CheckFailed(AssertionError):
    """Raised by `check` when a measured error is above its tolerance."""


_COLLECTING: list[list[str]] = []     # open `all_checks` blocks: the labels of their ✗ checks


@contextmanager
def all_checks():
    """Inside this block a failed strict check prints its ✗ and the block goes on; at the end it
    raises one CheckFailed naming every ✗. A test cell then shows all its results, not only the
    first failure. (An exception other than a failed check still stops the block at once.)"""
    failed: list[str] = []
    _COLLECTING.append(failed)
    try:
        yield
    finally:
        _COLLECTING.remove(failed)
    if failed:
        raise CheckFailed(f"{len(failed)} check{'s' if len(failed) > 1 else ''} failed: " + "; ".join(failed))


def _fail(message: str, label: str) -> None:
    """A failed strict check: noted by the innermost open `all_checks` block, else raised now."""
    if _COLLECTING:
        _COLLECTING[-1].append(label)
        return
    raise CheckFailed(message)


def rel_error(x, y, eps: float = 1e-8) -> float:
    """max |x − y| / max(eps, |x| + |y|) over all entries (CS231n's definition).

    Near 0 for equal arrays, about 1 for unrelated ones; insensitive to the overall scale.
    """
    x, y = _same_shape_pair("rel_error", x, y)
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def scaled_error(x, y) -> float:
    """max |x − y| / max(|x|, |y|) over all entries: the error measured against the array's largest entry.

    For finite differences of a whole gradient array: their absolute error (about 1e-11 for a
    centred step of 1e-5) makes `rel_error` of an entry that happens to be near 0 large, even when
    the formula is right; measured against the largest entry it stays small, and a wrong formula
    still gives about 1. (0 for two arrays of zeros.)
    """
    x, y = _same_shape_pair("scaled_error", x, y)
    scale = max(float(np.max(np.abs(x), initial=0.0)), float(np.max(np.abs(y), initial=0.0)))
    return float(np.max(np.abs(x - y), initial=0.0)) / scale if scale > 0 else 0.0


def max_abs_diff(x, y) -> float:
    """max |x − y| over all entries; for comparing two computations of the same float64 numbers."""
    x, y = _same_shape_pair("max_abs_diff", x, y)
    return float(np.max(np.abs(x - y)))


def _same_shape_pair(caller: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    x = _validate.float_array("x", x)
    y = _validate.float_array("y", y)
    if x.shape != y.shape:
        raise ValueError(f"{caller} needs arrays of the same shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        raise ValueError(f"{caller} needs non-empty arrays")
    return x, y


def numerical_gradient(f: Callable[[], object], x: np.ndarray, df=None, h: float = 1e-5) -> np.ndarray:
    """Centered finite-difference gradient of f with respect to the array `x`, changed in place.

    f takes no argument and reads `x` (the usual closure over a parameter). If f returns a
    scalar, the result is d f / d x. If f returns an array, pass the upstream gradient `df`
    of the same shape: the result is d (Σ f·df) / d x, a vector–Jacobian product.
    Each entry costs two calls of f and has error O(h²); x is restored afterwards.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError(f"x must be a float64 numpy array (finite differences need double precision), "
                         f"got {type(x).__name__}"
                         f"{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}")
    h = _validate.finite_float("h", h, low=0.0, low_open=True)
    if not callable(f):
        raise ValueError("f must be a callable taking no arguments")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = _weighted(f(), df)
        x[i] = old - h
        minus = _weighted(f(), df)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def _weighted(value, df) -> float:
    value = np.asarray(value, dtype=np.float64)
    if df is None:
        if value.size != 1:
            raise ValueError(f"f returned an array of shape {value.shape}; pass df (its upstream gradient) "
                             "or make f return a scalar")
        return float(value.reshape(()))
    df = np.asarray(df, dtype=np.float64)
    if df.shape != value.shape:
        raise ValueError(f"df must have the shape of f's output {value.shape}, got {df.shape}")
    return float(np.sum(value * df))


def check(label: str, measured: float, tol: float, *, strict: bool = True,
          typical: float | None = None) -> bool | None:
    """Print `✓ label: measured ≤ tol` or `✗ …`, and raise CheckFailed on ✗ when `strict`.

    Strict is the default so that a check inside a cell whose printed output is not compared
    (e.g. a training curve) still stops the notebook (inside `all_checks`, at the end of the
    block). A strict check returns None (the printed line is its result, and a notebook cell
    ending in it shows nothing more); pass strict=False to explore, and it returns True or False
    instead of raising. `typical` is the size of the error a right answer shows (printed, as
    CS231n's notebooks say "should be about 1e-10"), so a reader can tell a near miss from a bug.
    """
    if not isinstance(label, str) or not label:
        raise ValueError("label must be a non-empty string naming what is checked")
    tol = _validate.finite_float("tol", tol, low=0.0)
    if typical is not None:
        typical = _validate.finite_float("typical", typical, low=0.0)
    if callable(measured):           # measured inside the check: an error there is a ✗, not a crash
        try:
            measured = measured()
        except Exception as exc:
            return _errored(label, exc, strict)
    try:
        measured = float(measured)
    except (TypeError, ValueError):
        raise ValueError(f"measured must be a number, got {measured!r}") from None
    ok = bool(np.isfinite(measured) and measured <= tol)
    expect = f" (a right answer gives about {typical:.0e})" if typical is not None else ""
    print(f"{'✓' if ok else '✗'} {label}: {measured:.2e} {'≤' if ok else '>'} {tol:.3g}{expect}")
    if strict:
        if not ok:
            _fail(f"{label}: measured {measured:.3e}, allowed at most {tol:.1e}", label)
        return None
    return ok


def _errored(label: str, exc: Exception, strict: bool) -> bool | None:
    """A check whose measurement raised: printed as ✗ with the error, failed like any ✗."""
    text = f"{type(exc).__name__}: {exc}"
    print(f"✗ {label}: could not be measured ({text})")
    if strict:
        _fail(f"{label}: could not be measured ({text})", label)
        return None
    return False


def check_true(label: str, condition: bool, detail: str = "", *, strict: bool = True) -> bool | None:
    """Like `check`, for a yes/no claim: print ✓/✗ with `detail` (the numbers behind the claim).
    `condition` and `detail` may be functions without arguments, called here, so that an error
    while evaluating them is a ✗ with its message rather than a crash."""
    if not isinstance(label, str) or not label:
        raise ValueError("label must be a non-empty string naming what is checked")
    try:
        condition = condition() if callable(condition) else condition
        detail = detail() if callable(detail) else detail
    except Exception as exc:
        return _errored(label, exc, strict)
    ok = bool(condition)
    print(f"{'✓' if ok else '✗'} {label}{': ' + detail if detail else ''}")
    if strict:
        if not ok:
            _fail(f"{label} does not hold{': ' + detail if detail else ''}", label)
        return None
    return ok


def gradient_check(loss: Callable[[], float], params: Mapping[str, np.ndarray],
                   grads: Mapping[str, np.ndarray], tol: float = 1e-7, h: float = 1e-5,
                   *, strict: bool = True) -> dict[str, float]:
    """Compare analytic gradients with centered finite differences, one ✓/✗ line per parameter.

    `loss()` must recompute the scalar loss from the arrays in `params` (changed in place).
    Returns {name: relative error}.
    """
    missing = set(params) - set(grads)
    if missing:
        raise ValueError(f"grads has no entry for parameter(s) {sorted(missing)}")
    errors = {}
    for name, p in params.items():
        g = np.asarray(grads[name])
        if g.shape != p.shape:
            raise ValueError(f"gradient of {name} has shape {g.shape}, parameter has shape {p.shape}")
        errors[name] = rel_error(numerical_gradient(loss, p, h=h), g)
    for name, err in errors.items():
        check(f"d loss / d {name} vs finite differences (rel. error)", err, tol, strict=strict)
    return errors


def autograd_check(torch_fn: Callable, numpy_fn: Callable, arrays: Mapping[str, np.ndarray],
                   weights: Sequence[np.ndarray]) -> tuple[bool, float, dict[str, np.ndarray]]:
    """Check torch's autograd through `torch_fn` two ways, against a numpy reference `numpy_fn`.

    Both functions take the same named float64 arrays (`arrays`, as tensors for torch_fn) and
    return the same outputs as a tuple. Returns
    - whether `torch.autograd.gradcheck` passes for torch_fn (its own finite differences),
    - the largest `rel_error`, over all arrays, between autograd's gradient of
      L = Σ_k <weights[k], outputs[k]> and centred finite differences of the same L computed by
      numpy_fn (so the gradient is checked against code that shares nothing with torch),
    - autograd's gradients by name.
    """
    import torch
    from torch.autograd import gradcheck

    names = list(arrays)
    bad = [n for n in names if np.asarray(arrays[n]).dtype != np.float64]
    if bad:
        raise ValueError(f"autograd_check needs float64 arrays; {bad} are not")
    tensors = [torch.tensor(arrays[n], requires_grad=True) for n in names]
    positional = lambda *ts: torch_fn(**dict(zip(names, ts)))     # gradcheck passes tensors by position
    passed = bool(gradcheck(positional, tensors, eps=1e-6, atol=1e-8, rtol=1e-6, raise_exception=False))
    sum((torch.as_tensor(w) * out).sum() for w, out in zip(weights, positional(*tensors))).backward()
    grads = {n: t.grad.numpy() for n, t in zip(names, tensors)}
    numpy_loss = lambda: float(sum(np.sum(w * out) for w, out in zip(weights, numpy_fn(**arrays))))
    error = max(rel_error(grads[n], numerical_gradient(numpy_loss, arrays[n])) for n in names)
    return passed, error, grads


def as_arrays(value):
    """A result as the grader reads it: lists of numbers become numpy arrays, tuples stay tuples,
    dicts keep their keys; everything inside is converted the same way. Test cells call student
    functions through this, so an answer the grader accepts (e.g. a list for an array) does not
    crash a test."""
    if isinstance(value, dict):
        return {k: as_arrays(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(as_arrays(v) for v in value)
    if isinstance(value, list):
        try:
            array = np.array(value)
        except (ValueError, TypeError):      # items of different shapes: a list of things
            array = None
        if array is not None and array.dtype != object and (np.issubdtype(array.dtype, np.number)
                                                              or array.dtype == bool):
            return array
        return [as_arrays(v) for v in value]
    return value
