"""course_utils.lookahead: the chain sampler, the tagger, its parameter budget, training and accuracy."""
import matplotlib
import numpy as np
import pytest
import torch

from course_utils import lookahead

matplotlib.use("Agg")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

CYCLE = np.roll(np.eye(3), 1, axis=1)          # 0 → 1 → 2 → 0 with certainty
UNIFORM3 = np.full(3, 1 / 3)


def test_sample_chain_starts_from_pi_and_follows_P():
    P = np.array([[0.1, 0.9], [0.7, 0.3]])
    pi = np.array([0.25, 0.75])
    tokens = lookahead.sample_chain(P, pi, 6, 40_000, np.random.default_rng(0))
    assert tokens.shape == (6, 40_000) and tokens.dtype == np.int64
    assert abs(tokens[0].mean() - 0.75) < 0.01                          # P(x_1 = 1) = π_1
    for i in range(2):                                                   # empirical transition rows
        following = tokens[1:][tokens[:-1] == i]
        assert abs(following.mean() - P[i, 1]) < 0.01
    cyc = lookahead.sample_chain(CYCLE, UNIFORM3, 7, 5, np.random.default_rng(1))
    assert np.array_equal(cyc[1:], (cyc[:-1] + 1) % 3)                 # a deterministic chain is followed exactly


def test_sample_chain_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="rows are probability distributions"):
        lookahead.sample_chain(np.ones((2, 2)), [0.5, 0.5], 3, 2, rng)
    with pytest.raises(ValueError, match="pi must be a probability distribution over the 3 states"):
        lookahead.sample_chain(CYCLE, [0.5, 0.5], 3, 2, rng)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        lookahead.sample_chain(CYCLE, UNIFORM3, 3, 0, rng)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        lookahead.sample_chain(CYCLE, UNIFORM3, 3, 2, 7)


def test_tagger_shapes_seed_and_parameter_count():
    tokens = torch.as_tensor(lookahead.sample_chain(CYCLE, UNIFORM3, 5, 4, np.random.default_rng(0)))
    before = torch.random.get_rng_state()
    a, b = lookahead.Tagger(3, 6, seed=1), lookahead.Tagger(3, 6, seed=1)
    assert torch.equal(torch.random.get_rng_state(), before)           # the seed does not move torch's generator
    assert torch.equal(a(tokens), b(tokens)) and a(tokens).shape == (5, 4, 3)
    bi = lookahead.Tagger(3, 6, num_layers=2, bidirectional=True)
    assert bi(tokens).shape == (5, 4, 3)
    ref = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True)
    assert lookahead.n_params(bi) == sum(w.numel() for w in ref.parameters()) + (2 * 6 * 3 + 3)
    with pytest.raises(ValueError, match=r"tokens must be token ids of shape \(T, N\)"):
        a(tokens[0])
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        lookahead.n_params("model")


def test_hidden_for_budget_is_the_closest_size():
    budget = lookahead.n_params(lookahead.Tagger(4, 16, bidirectional=True))
    h = lookahead.hidden_for_budget(budget, 4, 1)
    gaps = {size: abs(lookahead.n_params(lookahead.Tagger(4, size)) - budget) for size in range(1, 65)}
    assert gaps[h] == min(gaps.values()) and h == 24                   # lecture 10's numbers: 2980 vs 2948
    with pytest.raises(ValueError, match="budget must be an integer >= 1"):
        lookahead.hidden_for_budget(0, 4, 1)


def test_answer_logits_read_the_delayed_steps():
    model = lookahead.Tagger(3, 5)
    tokens = torch.as_tensor(lookahead.sample_chain(CYCLE, UNIFORM3, 8, 2, np.random.default_rng(0)))
    full = model(tokens)
    assert torch.equal(lookahead.answer_logits(model, tokens, 3, 0), full[:5])
    assert torch.equal(lookahead.answer_logits(model, tokens, 3, 3), full[3:])
    acc, guess = lookahead.accuracy(model, tokens.numpy(), 3, 1)
    assert guess.shape == (5, 2) and acc == float((guess == tokens[3:].numpy()).mean())
    with pytest.raises(ValueError, match="delay must be between 0 and k = 3"):
        lookahead.answer_logits(model, tokens, 3, 4)
    with pytest.raises(ValueError, match=r"T > k = 8"):
        lookahead.answer_logits(model, tokens, 8, 0)


def test_training_learns_a_deterministic_chain_and_a_late_answer():
    sample = lambda n, rng: lookahead.sample_chain(CYCLE, UNIFORM3, 10, n, rng)   # noqa: E731
    heldout = sample(200, np.random.default_rng(1))
    model = lookahead.Tagger(3, 8)
    curve = lookahead.train_tagger(model, sample, 2, 0, heldout, steps=120, eval_every=40, lr=3e-2)
    assert len(curve) == 3 and curve[-1] == 1.0                        # x_{t+2} = x_t + 2 is known at step t
    late = lookahead.Tagger(3, 8)
    assert lookahead.train_tagger(late, sample, 2, 2, heldout, steps=80, eval_every=80, lr=3e-2) == [1.0]
    off_grid = lookahead.train_tagger(lookahead.Tagger(3, 8), sample, 2, 0, heldout, steps=50, eval_every=20)
    assert len(off_grid) == 2                                          # steps 20 and 40, as plot_curves places them
    with pytest.raises(ValueError, match="model must be a lookahead.Tagger"):
        lookahead.train_tagger(torch.nn.Linear(2, 2), sample, 2, 0, heldout)
    with pytest.raises(ValueError, match="sample must be a callable"):
        lookahead.train_tagger(model, None, 2, 0, heldout)


def test_plot_curves_draws_every_curve_and_both_lines():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    lookahead.plot_curves(ax, {"a": [0.3, 0.5, 0.6], "b": [0.4, 0.9]}, eval_every=25, limit=0.54, chance=0.25)
    lines = ax.get_lines()
    assert len(lines) == 4 and list(lines[0].get_xdata()) == [25, 50, 75]
    assert ax.get_xlabel() == "training step" and ax.get_ylabel() == "held-out accuracy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    plt.close(fig)
    with pytest.raises(ValueError, match="curves must map at least one model"):
        lookahead.plot_curves(ax, {}, 25, 0.5, 0.25)
