"""course_utils.srn_modes: one-hot inputs, and an SRN decoder fed by teacher forcing or by its own greedy choices."""
import numpy as np
import pytest

from course_utils import srn
from course_utils.srn_modes import decoder_logits, greedy_decode, one_hot


def test_one_hot_puts_a_single_one_at_each_id():
    ids = np.array([[2, 0], [1, 2]])
    x = one_hot(ids, 3)
    assert x.shape == (2, 2, 3) and x.dtype == np.float64
    assert np.array_equal(x.argmax(axis=-1), ids) and np.array_equal(x.sum(axis=-1), np.ones((2, 2)))


def test_one_hot_refuses_ids_outside_the_vocabulary():
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V\) = \[0, 3\)"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="integer token ids"):
        one_hot([0.0, 1.0], 3)
    with pytest.raises(ValueError, match="V must be an integer >= 1"):
        one_hot([0], 0)


def test_teacher_forcing_equals_the_srn_step_by_step(rng):
    dec = srn.init_params(5, 4, O=5, rng=rng)
    h0, ids = rng.normal(size=(2, 4)), np.array([[0, 1], [3, 3], [4, 2]])      # M = 3 steps, N = 2
    logits = decoder_logits(dec, h0, ids)
    h = h0
    for m in range(3):
        h = np.tanh(dec["W_hx"][:, ids[m]].T + h @ dec["W_hh"].T + dec["b_h"])  # a one-hot selects a column
        np.testing.assert_allclose(logits[m], h @ dec["W_oh"].T + dec["b_o"], atol=1e-14)


def test_greedy_feeds_back_its_argmax_and_agrees_with_teacher_forcing_on_its_own_tokens(rng):
    dec = srn.init_params(6, 5, O=6, rng=rng)
    h0 = rng.normal(size=(3, 5))
    tokens, logits = greedy_decode(dec, h0, bos=0, steps=4)
    assert tokens.shape == (4, 3) and logits.shape == (4, 3, 6)
    assert np.array_equal(tokens, logits.argmax(axis=2))
    fed = np.vstack([np.zeros((1, 3), dtype=int), tokens[:-1]])               # <bos>, then its own tokens
    np.testing.assert_allclose(decoder_logits(dec, h0, fed), logits, atol=1e-14)


def test_decoder_functions_refuse_bad_input(rng):
    dec = srn.init_params(6, 5, O=6, rng=rng)
    h0 = np.zeros((2, 5))
    with pytest.raises(ValueError, match="dec is missing"):
        decoder_logits({k: dec[k] for k in ("W_hx", "W_hh", "b_h")}, h0, np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match=r"W_oh must have shape \(V, H\) = \(6, 5\)"):
        greedy_decode(srn.init_params(6, 5, O=4, rng=rng), h0, bos=0, steps=2)
    with pytest.raises(ValueError, match=r"input_ids must have shape \(M, N\) = \(M, 2\)"):
        decoder_logits(dec, h0, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(N, 5\)"):
        greedy_decode(dec, np.zeros((2, 4)), bos=0, steps=2)
    with pytest.raises(ValueError, match=r"bos must be a token id in \[0, 6\)"):
        greedy_decode(dec, h0, bos=6, steps=2)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        greedy_decode(dec, h0, bos=0, steps=0)
