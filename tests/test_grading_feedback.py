"""The grader's feedback names every wrong output and the pattern behind it, as a TA would."""
import numpy as np
import pytest

from course_utils.grading.feedback import Layout, describe_wrong, factor_names, question_hints
from course_utils.grading.spec import compare_arrays

RNG = np.random.default_rng(0)
REF = RNG.standard_normal((3, 4))


def test_constant_factors_are_named_from_the_sizes():
    assert factor_names(1 / 3, {"N": 3, "T": 5}) == ["1/N"]
    assert factor_names(-1.0, {}) == ["−1"]
    assert set(factor_names(0.25, {"N": 4, "T": 4})) == {"1/N", "1/T"}
    assert factor_names(0.37, {"N": 3}) == []
    wrong = describe_wrong("dW", REF / 5, REF, sizes={"N": 5})
    assert wrong.factor == "1/N" and "constant factor 1/N" in wrong.pattern
    assert "(a sign error?)" in describe_wrong("dx", -REF, REF).pattern
    assert describe_wrong("dx", REF * 0.37, REF).factor == "0.37"


def test_transposes_zeros_and_shapes():
    square = RNG.standard_normal((3, 3))
    assert describe_wrong("W", square.T, square).pattern == "the transpose of the reference"
    transposed = describe_wrong("W", REF.T, REF).pattern
    assert "transpose" in transposed and "(4, 3)" in transposed
    assert describe_wrong("h", np.zeros_like(REF), REF).pattern == "all zeros"
    assert describe_wrong("h", np.ones((2, 2)), REF).pattern == "shape (2, 2), expected (3, 4)"


def test_time_patterns():
    seq = RNG.standard_normal((5, 2, 3))
    time = Layout(time=0)
    assert "reversed in time" in describe_wrong("out", seq[::-1], seq, time).pattern
    assert "one step later" in describe_wrong("hs", np.concatenate([seq[:1] * 0 + 7, seq[:-1]]), seq, time).pattern
    last_only = seq.copy()
    last_only[:-1] += 1
    pattern = describe_wrong("dx", last_only, seq, time).pattern
    assert "last step only: the gradient from later steps is missing" in pattern
    first_only = seq.copy()
    first_only[1:] += 1
    assert "first step only" in describe_wrong("hs", first_only, seq, time).pattern


def test_gate_blocks_are_named_and_swaps_found():
    W = RNG.standard_normal((6, 2))                                   # H = 2, blocks (f, g, o)
    gates = Layout(blocks=(0, ("f", "g", "o")))
    one = W.copy()
    one[4:] *= 3
    assert describe_wrong("dW_x", one, W, gates).pattern == "wrong only in block o of the packed (f, g, o) layout"
    swapped = np.concatenate([W[2:4], W[:2], W[4:]])
    assert "blocks f and g are in the wrong order" in describe_wrong("dW_x", swapped, W, gates).pattern
    states = RNG.standard_normal((4, 2, 3))                           # h_n of two layers, two directions
    pattern = describe_wrong("h_n", states[[0, 2, 1, 3]], states, Layout(blocks=(0, None))).pattern
    assert "[1] holds the reference's [2]" in pattern
    halves = np.concatenate([RNG.standard_normal((4, 2, 3)), RNG.standard_normal((4, 2, 3))], axis=2)
    bad = halves.copy()
    bad[..., 3:] = halves[::-1, :, 3:]
    pattern = describe_wrong("output", bad, halves, Layout(time=0, blocks=(2, ("forward", "backward")))).pattern
    assert "block backward" in pattern and "reversed in time" in pattern


def test_one_differing_entry_is_shown_beside_the_reference():
    got = REF.copy()
    got[1, 2] += 10
    wrong = describe_wrong("dx", got, REF)
    assert wrong.example.startswith("dx[1, 2] = ") and f"{REF[1, 2]:.6g}" in wrong.example


def test_a_check_names_every_wrong_output_in_one_sentence():
    compare = compare_arrays(names=("dx", "dh_prev", "dW"))
    ref = (REF, REF + 1, REF + 2)
    text = compare((REF * 2, REF + 1, (REF + 2) * 2), ref, {"N": 2})
    assert text.startswith("dx and dW are all wrong by the same factor 2 or N; e.g. dx[")
    text = compare((REF * 2, (REF + 1).T, REF + 2), ref)
    assert text.startswith("dx and dh_prev are wrong; dx: off by the constant factor 2; dh_prev: the transpose")
    assert text.count("e.g.") == 1
    assert compare(ref, ref) is None


def test_hints_from_the_checks_that_passed():
    assert "right for T = 1" in question_hints([((), False), (("T",), True)])[0]
    assert "right for N = 1 only" in question_hints([((), False), (("N",), True), (("T",), False)])[0]
    assert question_hints([((), True), (("T",), True)]) == []                   # nothing failed
    assert question_hints([((), False), (("T", "N", "D"), True)]) == []          # T and N at once: no verdict
    assert "one layer only" in question_hints([((), False), (("L",), True)])[0]


@pytest.mark.parametrize("bad", [np.array([np.nan, 1.0]), "text", [1, "a"]])
def test_structural_problems_are_said_plainly(bad):
    text = compare_arrays()(bad, np.zeros(2))
    assert text.startswith("the result is wrong: ") and ("NaN" in text or "should be" in text)
