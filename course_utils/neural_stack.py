"""The stack inside Siegelmann & Sontag's Turing-complete recurrent network (1995).

A stack of bits w_1 w_2 … (w_1 on top) is one number q = Σ_i (2 w_i + 1) / 4^i in [0, 1): each
symbol takes two base-2 digits, its bit and a marker 1. Push, top and pop are each an affine map
followed by the saturated-linear activation σ(z) = min(1, max(0, z)), i.e. one layer of recurrent
units:

    push(q, b) = σ(q/4 + (2b + 1)/4),    top(q) = σ(4q − 2),    pop(q) = σ(4q − 2 top(q) − 1).

With exact rational numbers (fractions.Fraction) the stack holds any number of symbols; with
float64's 53-bit significand it holds 26 symbols and one bit of the next (lecture 03 measures this).
Every function works in the number type it is given (Fraction, float, np.float32, …).
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction

Number = Fraction | float


def saturated_linear(z: Number) -> Number:
    """σ(z) = 0 below 0, z on [0, 1], 1 above 1, in z's own number type."""
    return min(max(z, 0 * z), 0 * z + 1)           # 0 * z keeps z's number type (float or Fraction)


def push(q: Number, bit: Number) -> Number:
    """The stack q with `bit` (0 or 1) put on top."""
    return saturated_linear(q / 4 + (2 * bit + 1) / 4)


def top(q: Number) -> Number:
    """The bit on top of the stack q (0 for an empty stack q = 0)."""
    return saturated_linear(4 * q - 2)


def pop(q: Number) -> Number:
    """The stack q without its top symbol."""
    return saturated_linear(4 * q - 2 * top(q) - 1)


def _check_bits(bits: Sequence[int]) -> list[int]:
    bits = list(bits)
    if any(b not in (0, 1) for b in bits):
        raise ValueError(f"bits must be a sequence of 0s and 1s, got {bits[:10]}{'…' if len(bits) > 10 else ''}")
    return bits


def _check_number(number) -> None:
    """`number` must make real numbers from ints: Fraction (exact), float (float64), np.float32, …"""
    try:
        zero = number(0) if callable(number) else None
    except (TypeError, ValueError):
        zero = None
    if isinstance(zero, bool) or not isinstance(zero, numbers.Real) or isinstance(zero, numbers.Integral):
        raise ValueError(f"number must be a real number type such as fractions.Fraction (exact), float or "
                         f"np.float32, got {number!r}")


def stack_value(bits: Sequence[int], number: Callable = float, pops: int = 0) -> Number:
    """Push `bits` (in order) on an empty stack, then pop `pops` times, in `number` arithmetic; return q."""
    bits = _check_bits(bits)
    _check_number(number)
    if isinstance(pops, bool) or not isinstance(pops, int) or not 0 <= pops <= len(bits):
        raise ValueError(f"pops must be an integer in [0, {len(bits)}], got {pops!r}")
    q = number(0)
    for b in bits:
        q = push(q, number(b))
    for _ in range(pops):
        q = pop(q)
    return q


def symbols_recovered(bits: Sequence[int], number: Callable = float) -> int:
    """Push all bits, then pop them back in `number` arithmetic (e.g. Fraction or float): the number of
    pops that read the right bit before the first wrong one (len(bits) when all come back)."""
    q = stack_value(bits, number)
    for n, expected in enumerate(reversed(_check_bits(bits))):
        if top(q) != expected:
            return n
        q = pop(q)
    return len(bits)
