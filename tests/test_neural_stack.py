"""course_utils.neural_stack: Siegelmann & Sontag's stack in one number, exact and in float64."""
from fractions import Fraction

import numpy as np
import pytest

from course_utils.neural_stack import pop, push, saturated_linear, stack_value, symbols_recovered, top


def test_saturated_linear_clips_to_the_unit_interval_and_keeps_the_number_type():
    assert [saturated_linear(z) for z in (-0.5, 0.25, 1.5)] == [0.0, 0.25, 1.0]
    assert isinstance(saturated_linear(Fraction(1, 3)), Fraction)


def test_push_top_pop_follow_the_base_4_encoding():
    q = push(push(Fraction(0), Fraction(1)), Fraction(0))        # stack "0 1", 0 on top
    assert q == Fraction(1, 4) + Fraction(3, 16)                  # (2·0 + 1)/4 + (2·1 + 1)/16
    assert top(q) == 0 and pop(q) == Fraction(3, 4) and top(pop(q)) == 1 and pop(pop(q)) == 0


def test_exact_arithmetic_returns_every_bit(rng):
    bits = [int(b) for b in rng.integers(0, 2, size=100)]
    assert symbols_recovered(bits, Fraction) == 100


def test_float64_holds_26_symbols_and_one_bit_of_the_27th(rng):
    for _ in range(20):
        bits = [int(b) for b in rng.integers(0, 2, size=60)]
        popped = bits[::-1]
        q = stack_value(bits, float, pops=26)
        assert q == (1.0 if popped[26] else 0.5)                 # one bit left for everything older
        ones = next((i for i, b in enumerate(popped[27:]) if b == 0), 33)
        assert symbols_recovered(bits, float) == 27 + ones       # then the saturated q = 1 reads as ones


def test_float32_holds_fewer_symbols_than_float64(rng):
    bits = [int(b) for b in rng.integers(0, 2, size=60)]
    assert symbols_recovered(bits, np.float32) < symbols_recovered(bits, float)


def test_stack_functions_refuse_bad_input():
    with pytest.raises(ValueError, match="0s and 1s"):
        symbols_recovered([0, 2])
    with pytest.raises(ValueError, match="a real number type"):
        stack_value([1], number=int)
    with pytest.raises(ValueError, match="a real number type"):
        stack_value([1], number="float")
    with pytest.raises(ValueError, match=r"pops must be an integer in \[0, 2\]"):
        stack_value([1, 0], pops=3)
