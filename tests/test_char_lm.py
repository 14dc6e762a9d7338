"""course_utils.char_lm: the character LM's step function, perplexity and training."""
import math
import time

import numpy as np
import pytest
import torch

from course_utils import char_lm, decoding
from course_utils.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_char_lm_step_perplexity_and_start_state():
    V = 6
    model = char_lm.CharLM(V, 4, 8, seed=0).double()
    ids = np.random.default_rng(0).integers(0, V, size=40)
    lp = char_lm.next_token_log_probs(model, ids)
    assert lp.shape == (39, V) and np.allclose(np.exp(lp).sum(axis=1), 1.0)
    assert char_lm.perplexity(model, ids) == pytest.approx(math.exp(-np.mean(lp[np.arange(39), ids[1:]])))
    state = model.start_state()
    for t in range(10):                           # the step function reproduces the full forward
        step_lp, state = model.step(ids[t:t + 1], state)
        assert np.allclose(step_lp[0], lp[t], atol=1e-12)
    h, c = model.start_state(ids[:10])
    assert torch.allclose(h, state[0], atol=1e-12) and torch.allclose(c, state[1], atol=1e-12)


def test_char_lm_training_learns_a_deterministic_cycle():
    ids = np.tile(np.arange(5), 200)                 # 0 1 2 3 4 0 1 …: perfectly predictable
    model = char_lm.CharLM(5, 4, 16, seed=0)
    hist = char_lm.train_char_lm(model, ids, steps=60, batch_size=8, num_steps=10, lr=3e-2, seed=0)
    losses = hist.train_loss                         # one entry per update
    assert hist.steps == list(range(1, 61)) and losses[-1] < 0.1 * losses[0]
    assert char_lm.perplexity(model, ids[:100]) < 1.2
    out = decoding.sample(model.step, model.start_state(), 0, 9, temperature=0.5, rng=np.random.default_rng(0))
    assert out == [1, 2, 3, 4, 0, 1, 2, 3, 4]


def test_char_lm_time_limit_and_cosine_schedule():
    ids = np.tile(np.arange(5), 200)
    model = char_lm.CharLM(5, 4, 16, seed=0)
    start = time.perf_counter()
    hist = char_lm.train_char_lm(model, ids, time_limit=0.3, batch_size=8, num_steps=10, seed=0)
    assert 1 <= hist.steps[-1] and time.perf_counter() - start < 5.0
    # cosine: the learning rate after the last of `steps` updates has decayed to (about) zero,
    # and a schedule changes the trajectory
    plain, decayed = char_lm.CharLM(5, 4, 16, seed=0), char_lm.CharLM(5, 4, 16, seed=0)
    a = char_lm.train_char_lm(plain, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, seed=0).train_loss
    b = char_lm.train_char_lm(decayed, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, cosine=True,
                              seed=0).train_loss
    assert a[0] == b[0] and a[-1] != b[-1] and len(b) == 20


def test_char_lm_rejects_bad_input():
    lm = char_lm.CharLM(5, 2, 3)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2"):
        char_lm.CharLM(1)
    with pytest.raises(ValueError, match=r"x must be token ids of shape \(T, N\)"):
        lm(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        char_lm.train_char_lm(Seq2Seq(hidden_size=4, seed=0), np.arange(5), steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        char_lm.train_char_lm(lm, np.arange(100) % 5)
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        char_lm.train_char_lm(lm, np.arange(100) % 5, time_limit=0)
    with pytest.raises(ValueError, match="at least 33 token ids"):
        char_lm.train_char_lm(lm, np.arange(5) % 5, steps=1, batch_size=4, num_steps=8)
    with pytest.raises(ValueError, match=r"token ids in \[0, 5\)"):
        char_lm.next_token_log_probs(lm, np.array([0, 7]))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        char_lm.perplexity(Seq2Seq(hidden_size=4, seed=0), np.array([0, 1]))
