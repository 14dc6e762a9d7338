"""Input checks shared by the public functions: each raises a ValueError that says what was expected."""
from __future__ import annotations

import numbers

import numpy as np


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return `value` as an int, or raise if it is not an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def finite_float(name: str, value, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return `value` as a float inside the given bounds, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def float_array(name: str, value, *, ndim: int | tuple[int, ...] | None = None,
                min_length: int = 0) -> np.ndarray:
    """Return `value` as a float64 array, or raise if it is not numeric, finite and of the right rank."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_length:
        raise ValueError(f"{name} must have at least {min_length} entries along axis 0, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def training_length(steps, time_limit) -> tuple[int | None, float | None]:
    """A training run's stop rule: `steps` updates and/or `time_limit` seconds (at least one)."""
    if steps is None and time_limit is None:
        raise ValueError("give steps or time_limit (or both): expected a way to stop training")
    steps = None if steps is None else positive_int("steps", steps)
    if time_limit is not None:
        time_limit = finite_float("time_limit", time_limit, low=0.0, low_open=True)
    return steps, time_limit


def optional_positive(name: str, value) -> float | None:
    """None, or a finite float > 0 (a clipping threshold, a target)."""
    return None if value is None else finite_float(name, value, low=0.0, low_open=True)


def choice(name: str, value, options) -> str:
    """Return `value` if it is one of `options`, or raise listing them."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def kind_of(value) -> str:
    """What a value is, for a message: None, or its type's name."""
    return "None" if value is None else type(value).__name__


def float_numpy(name: str, value) -> np.ndarray:
    """`value` itself if it is a float32 or float64 numpy array (the models compute in either)."""
    if not isinstance(value, np.ndarray) or value.dtype not in (np.float32, np.float64):
        got = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else kind_of(value)
        raise ValueError(f"{name} must be a float32 or float64 numpy array, got {got}")
    return value


def float_dtype(name: str, value) -> np.dtype:
    """`value` as a numpy dtype if it names float32 or float64 (what the models compute in), or raise."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be np.float32 or np.float64, got {getattr(value, '__name__', repr(value))}")
    return dtype


def recurrent_input(x, states: dict, D: int, H: int) -> tuple[int, int]:
    """Validate a time-major input x (T, N, D) and initial states {name: (N, H)}; return T, N."""
    float_numpy("x", x)
    if x.ndim != 3 or x.shape[2] != D:
        raise ValueError(f"x must have shape (T, N, D) = (T, N, {D}), time-major, got {x.shape}")
    T, N, _ = x.shape
    if T == 0 or N == 0:
        raise ValueError(f"x must have at least one step and one example, got shape {x.shape}")
    for name, s in states.items():
        float_numpy(name, s)
        if s.shape != (N, H):
            raise ValueError(f"{name} must have shape (N, H) = ({N}, {H}), got {s.shape}")
    return T, N


def flag(name: str, value) -> bool:
    """`value` as a bool, or raise: a switch given as a string or a number is refused, not read as truthy."""
    if not isinstance(value, (bool, np.bool_)):
        kind = "" if value is None else f" ({type(value).__name__})"
        raise ValueError(f"{name} must be True or False, got {value!r}{kind}")
    return bool(value)


def generator(rng) -> np.random.Generator:
    """`rng` itself if it is a numpy Generator; None gives np.random.default_rng(0)."""
    if rng is None:
        return np.random.default_rng(0)
    return required_generator(rng)


def required_generator(rng) -> np.random.Generator:
    """`rng` itself if it is a numpy Generator (data that must be drawn from the caller's generator)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator such as np.random.default_rng(0), "
                         f"got {type(rng).__name__}")
    return rng


def optional_float_numpy(name: str, value):
    """None, or `value` itself if it is a float32 or float64 numpy array (an optional gradient or state)."""
    return None if value is None else float_numpy(name, value)


class Cache(tuple):
    """What a forward pass hands to its backward: a plain tuple (unpack and index it as one) that
    also records which function made it, so that a backward given another function's cache says so."""

    def __new__(cls, producer: str, items):
        self = super().__new__(cls, items)
        self.producer = producer
        return self

    def __getnewargs__(self):                     # copy and pickle rebuild it through __new__
        return self.producer, tuple(self)


def cache_from(producer: str, cache, caller: str) -> Cache:
    """`cache` itself if `producer` made it; otherwise raise, saying what was passed instead."""
    if isinstance(cache, Cache) and cache.producer == producer:
        return cache
    if isinstance(cache, Cache):
        got = f"the cache of {cache.producer}"
    elif isinstance(cache, (tuple, list)):
        got = f"a {type(cache).__name__} of {len(cache)} items"
    else:
        got = kind_of(cache)
    raise ValueError(f"{caller}: cache must be the cache that {producer} returned, got {got}")


def backward_inputs(caller: str, cache, gradients: dict, optional: dict | None = None) -> Cache:
    """The cache given to `caller` (e.g. "gru.backward"), if its forward (e.g. "gru.forward") made it,
    after checking that the gradient arguments {name: value} are float32 or float64 numpy arrays
    (those in `optional` may also be None)."""
    cache = cache_from(caller.replace("backward", "forward"), cache, caller)
    for name, value in gradients.items():
        float_numpy(name, value)
    for name, value in (optional or {}).items():
        optional_float_numpy(name, value)
    return cache
