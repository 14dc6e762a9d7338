"""course_utils.decoding: greedy, beam and exhaustive search agree where they must; sampling with temperature."""
import math

import numpy as np
import pytest
import torch

from course_utils.decoding import (
    Hypothesis,
    TableModel,
    beam_search,
    entropy,
    exhaustive_search,
    greedy_decode,
    length_normalized,
    sample,
    select_rows,
    sequence_log_prob,
    tempered_probs,
)

EOS, A, B, BOS = 0, 1, 2, 3


class TreeModel:
    """A hand-written model: p(next | prefix) from a table keyed by the prefix; other prefixes uniform.

    The state is one integer per row, the id of the prefix read so far (a node of the prefix tree).
    """

    def __init__(self, table: dict, V: int = 3):
        self.table, self.V = table, V
        self.prefixes, self.ids = [()], {(): 0}

    def _node(self, prefix):
        if prefix not in self.ids:
            self.ids[prefix] = len(self.prefixes)
            self.prefixes.append(prefix)
        return self.ids[prefix]

    def step(self, tokens, state):
        rows = []
        new = np.empty(len(tokens), dtype=np.int64)
        for i, (tok, node) in enumerate(zip(tokens, state)):
            prefix = self.prefixes[node] + (() if tok == BOS else (int(tok),))
            new[i] = self._node(prefix)
            p = np.asarray(self.table.get(prefix, [1.0 / self.V] * self.V), dtype=np.float64)
            with np.errstate(divide="ignore"):
                rows.append(np.log(p))
        return np.array(rows), new

    @staticmethod
    def start():
        return np.zeros(1, dtype=np.int64)


def greedy_trap():
    """Greedy takes 'a' (0.6) and ends with probability 0.6·0.34 = 0.204; the best is 'b eos' = 0.4·0.9."""
    return TreeModel({(): [0.0, 0.6, 0.4], (A,): [0.34, 0.33, 0.33], (B,): [0.9, 0.05, 0.05]})


class RandomRNN:
    """A small random numpy RNN language model: the next-token distribution depends on the whole prefix."""

    def __init__(self, V, H=5, seed=0, scale=2.0, eos_bias=0.0):
        g = np.random.default_rng(seed)
        self.E = g.standard_normal((V + 1, H)) * scale      # V tokens + bos
        self.U = g.standard_normal((H, H)) * scale / np.sqrt(H)
        self.O = g.standard_normal((V, H)) * scale
        self.b = np.zeros(V)
        self.b[EOS] = eos_bias
        self.V, self.H = V, H

    def step(self, tokens, h):
        h = np.tanh(self.E[tokens] + h @ self.U.T)
        o = h @ self.O.T + self.b
        return o - np.logaddexp.reduce(o, axis=1, keepdims=True), h

    def start(self, rows=1):
        return np.zeros((rows, self.H))


# ---------------------------------------------------------------------------------------------- known best
def test_beam_finds_the_known_best_sequence_where_greedy_fails():
    m = greedy_trap()
    g = greedy_decode(m.step, m.start(), BOS, EOS, max_len=3)[0]
    assert g.tokens == (A, EOS) and g.log_prob == pytest.approx(math.log(0.6 * 0.34))
    b = beam_search(m.step, m.start(), BOS, EOS, max_len=3, beam_width=2)
    assert b.tokens == (B, EOS) and b.finished
    assert b.log_prob == pytest.approx(math.log(0.4 * 0.9), abs=1e-12)
    assert exhaustive_search(m.step, m.start(), BOS, EOS, max_len=3).tokens == (B, EOS)
    assert beam_search(m.step, m.start(), BOS, EOS, max_len=3, beam_width=1).tokens == g.tokens


def test_length_normalisation_changes_the_choice_on_a_hand_built_model():
    # 'eos' has p = 0.52 (one token); 'a b eos' has p = 0.48·0.9·0.9 = 0.389 but −0.315 nats per token
    m = TreeModel({(): [0.52, 0.48, 0.0], (A,): [0.05, 0.05, 0.9], (A, B): [0.9, 0.05, 0.05]})
    plain = beam_search(m.step, m.start(), BOS, EOS, max_len=3, beam_width=3)
    normed = beam_search(m.step, m.start(), BOS, EOS, max_len=3, beam_width=3, alpha=1.0)
    assert plain.tokens == (EOS,) and normed.tokens == (A, B, EOS)
    assert normed.score == pytest.approx(math.log(0.48 * 0.81) / 3)
    for alpha in (0.0, 1.0):
        assert (exhaustive_search(m.step, m.start(), BOS, EOS, 3, alpha=alpha).tokens
                == beam_search(m.step, m.start(), BOS, EOS, 3, 3, alpha=alpha).tokens)


# ------------------------------------------------------------------------------------ searches agree
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("alpha", [0.0, 0.75])
def test_beam_width_one_is_greedy(seed, alpha):
    m = RandomRNN(V=5, seed=seed, eos_bias=-1.0)
    g = greedy_decode(m.step, m.start(), 5, EOS, max_len=8, alpha=alpha)[0]
    b = beam_search(m.step, m.start(), 5, EOS, max_len=8, beam_width=1, alpha=alpha)
    assert b.tokens == g.tokens and b.finished == g.finished
    assert b.log_prob == pytest.approx(g.log_prob, abs=1e-12) and b.score == pytest.approx(g.score, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("V, max_len", [(3, 6), (4, 4)])
@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
def test_wide_beam_equals_exhaustive_search(seed, V, max_len, alpha):
    m = RandomRNN(V=V, seed=seed, eos_bias=-0.5)
    best = exhaustive_search(m.step, m.start(), V, EOS, max_len, alpha=alpha)
    wide = beam_search(m.step, m.start(), V, EOS, max_len, beam_width=V ** max_len, alpha=alpha)
    assert wide.tokens == best.tokens and wide.score == pytest.approx(best.score, abs=1e-12)
    for k in (1, 2, 3):       # any beam is at most as good as the exhaustive best
        assert beam_search(m.step, m.start(), V, EOS, max_len, k, alpha=alpha).score <= best.score + 1e-12


def test_exhaustive_search_scores_every_sequence_by_brute_force():
    V, max_len = 3, 4
    m = RandomRNN(V=V, seed=3)
    space = []
    for L in range(1, max_len + 1):                     # enumerate the hypothesis space independently
        for body in np.ndindex(*([V - 1] * (L - 1))):
            prefix = tuple(int(t) + 1 for t in body)
            for last in ([EOS] if L < max_len else range(V)):
                space.append(prefix + (last,))
    scores = {s: sequence_log_prob(m.step, m.start(), V, s) for s in space}
    probs_sum = sum(math.exp(v) for v in scores.values())
    assert probs_sum == pytest.approx(1.0, abs=1e-12)    # the space is a partition of all outcomes
    best = max(scores, key=scores.get)
    got = exhaustive_search(m.step, m.start(), V, EOS, max_len)
    assert got.tokens == best and got.log_prob == pytest.approx(scores[best], abs=1e-12)


def test_return_all_is_sorted_and_scores_match_the_model():
    m = RandomRNN(V=4, seed=1, eos_bias=-3.0)
    hyps = beam_search(m.step, m.start(), 4, EOS, 5, 3, alpha=0.5, return_all=True)
    assert len(hyps) >= 2 and all(h1.score >= h2.score for h1, h2 in zip(hyps, hyps[1:]))
    for h in hyps:
        assert h.log_prob == pytest.approx(sequence_log_prob(m.step, m.start(), 4, h.tokens), abs=1e-12)
        assert h.score == pytest.approx(h.log_prob / len(h) ** 0.5)
        assert h.finished == (h.tokens[-1] == EOS)


# ------------------------------------------------------------------------------------ lengths, batches
def test_max_len_cuts_a_model_that_never_ends():
    row = np.array([-np.inf, math.log(0.5), math.log(0.5)])

    def never(tokens, state):               # p(eos) = 0: the model would go on for ever
        return np.tile(row, (len(tokens), 1)), state

    g = greedy_decode(never, None, BOS, EOS, max_len=4)[0]
    b = beam_search(never, None, BOS, EOS, max_len=4, beam_width=2)
    for h in (g, b):
        assert len(h) == 4 and not h.finished and h.without_eos() == h.tokens
        assert h.log_prob == pytest.approx(4 * math.log(0.5))
    finished = Hypothesis((1, 2, EOS), -1.0, -1.0, True)
    assert finished.without_eos() == (1, 2)


def test_greedy_decodes_a_batch_like_one_row_at_a_time():
    m = RandomRNN(V=5, seed=4, eos_bias=0.5)
    g = np.random.default_rng(0)
    h0 = g.standard_normal((6, m.H))
    batch = greedy_decode(m.step, h0, 5, EOS, max_len=7)
    single = [greedy_decode(m.step, h0[i:i + 1], 5, EOS, max_len=7)[0] for i in range(6)]
    assert [h.tokens for h in batch] == [h.tokens for h in single]
    assert np.allclose([h.log_prob for h in batch], [h.log_prob for h in single], atol=1e-12)
    assert len({h.tokens for h in batch}) > 1          # the rows really differ


def test_length_normalized():
    assert length_normalized(-6.0, 3, 0.0) == -6.0
    assert length_normalized(-6.0, 3, 1.0) == -2.0
    assert length_normalized(-8.0, 4, 0.5) == pytest.approx(-4.0)


def test_select_rows_on_nested_states():
    a, t = np.arange(12).reshape(4, 3), torch.arange(8).reshape(4, 2)
    out = select_rows({"h": (a, t), "x": [a], "none": None}, np.array([2, 0, 2]))
    assert np.array_equal(out["h"][0], a[[2, 0, 2]]) and torch.equal(out["h"][1], t[[2, 0, 2]])
    assert np.array_equal(out["x"][0], a[[2, 0, 2]]) and out["none"] is None


def test_torch_log_probs_are_accepted():
    m = greedy_trap()

    def torch_step(tok, state):
        lp, s = m.step(tok, state)
        return torch.tensor(lp, dtype=torch.float32), s

    assert beam_search(torch_step, m.start(), BOS, EOS, 3, 2).tokens == (B, EOS)


# ------------------------------------------------------------------------------------ sampling
def test_sampling_frequencies_follow_the_tempered_distribution():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    step = lambda tok, s: (np.tile(logits, (len(tok), 1)), s)
    rng = np.random.default_rng(0)
    for temperature in (0.5, 1.0, 2.0):
        draws = sample(step, None, 9, 8000, temperature=temperature, rng=rng)
        freq = np.bincount(draws, minlength=4) / len(draws)
        p = tempered_probs(logits, temperature)
        assert np.max(np.abs(freq - p)) < 0.02        # ≈ 3.6 standard errors at n = 8000
    assert np.allclose(tempered_probs(logits, 1.0), np.exp(logits))


def test_sampling_stops_at_eos_and_cold_sampling_is_greedy():
    m = RandomRNN(V=5, seed=2, eos_bias=-0.3)
    g = greedy_decode(m.step, m.start(), 5, EOS, max_len=30)[0]
    cold = sample(m.step, m.start(), 5, 30, temperature=1e-3, eos=EOS, rng=np.random.default_rng(1))
    assert tuple(cold) == g.tokens
    out = sample(TreeModel({(): [1.0, 0.0, 0.0]}).step, TreeModel.start(), BOS, 10, eos=EOS)
    assert out == [EOS]


def test_entropy_grows_with_temperature():
    g = np.random.default_rng(3)
    log_probs = np.log(tempered_probs(g.standard_normal((20, 7)) * 3, 1.0))
    temps = [0.25, 0.5, 1.0, 1.5, 3.0, 100.0]
    H = np.array([entropy(tempered_probs(log_probs, t)) for t in temps])   # (len(temps), 20)
    assert np.all(np.diff(H, axis=0) > 0)
    assert np.allclose(H[-1], math.log(7), atol=1e-3)
    assert entropy(np.full(4, 0.25)) == pytest.approx(math.log(4))
    assert entropy(np.array([1.0, 0.0])) == 0.0


# ------------------------------------------------------------------------------------ TableModel
def test_table_model_is_the_hand_written_model_of_these_tests():
    table = {(): [0.0, 0.6, 0.4], (A,): [0.34, 0.33, 0.33], (B,): [0.9, 0.05, 0.05]}
    ours, ref = TableModel(table, bos=BOS), greedy_trap()
    assert ours.vocab_size == 3
    for tokens in [(A, EOS), (B, EOS), (A, B, EOS), (B, B), (EOS,)]:       # table rows and the uniform default
        assert sequence_log_prob(ours.step, ours.start_state(), BOS, tokens) == pytest.approx(
            sequence_log_prob(ref.step, ref.start(), BOS, tokens), abs=1e-15)
    greedy = greedy_decode(ours.step, ours.start_state(), BOS, EOS, 3)[0]
    beam = beam_search(ours.step, ours.start_state(), BOS, EOS, 3, 2)
    assert greedy.tokens == (A, EOS) and beam.tokens == (B, EOS)
    assert math.exp(greedy.log_prob) == pytest.approx(0.204) and math.exp(beam.log_prob) == pytest.approx(0.36)
    log_probs, state = ours.step(np.array([BOS, BOS]), ours.start_state(2))
    assert list(state) == [(), ()] and np.isneginf(log_probs[0, EOS])
    assert list(select_rows(ours.step(np.array([A, B]), state)[1], np.array([1, 1]))) == [(B,), (B,)]


def test_table_model_rejects_bad_tables():
    with pytest.raises(ValueError, match="table must be a non-empty dict"):
        TableModel({}, bos=3)
    with pytest.raises(ValueError, match="must be a tuple of token ids"):
        TableModel({"a": [0.5, 0.5]}, bos=3)
    with pytest.raises(ValueError, match="must be a probability distribution"):
        TableModel({(): [0.5, 0.6]}, bos=3)
    with pytest.raises(ValueError, match="same number of tokens V"):
        TableModel({(): [0.5, 0.5], (1,): [0.2, 0.3, 0.5]}, bos=3)
    with pytest.raises(ValueError, match="bos must not be one of the model's 2 output tokens"):
        TableModel({(): [0.5, 0.5]}, bos=1)


# ------------------------------------------------------------------------------------ bad input
def test_bad_input_raises_value_error():
    m = greedy_trap()
    step, s0 = m.step, m.start()
    with pytest.raises(ValueError, match="step must be a callable"):
        greedy_decode("model", s0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="max_len must be an integer >= 1"):
        greedy_decode(step, s0, BOS, EOS, 0)
    with pytest.raises(ValueError, match="eos must be an integer >= 0"):
        greedy_decode(step, s0, BOS, -1, 3)
    with pytest.raises(ValueError, match="eos = 7 is not a token"):
        greedy_decode(step, s0, BOS, 7, 3)
    with pytest.raises(ValueError, match=r"log_probs of shape \(B, V\) = \(1, V\)"):
        greedy_decode(lambda t, s: (np.zeros(3), s), s0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="must return a pair"):
        greedy_decode(lambda t, s: np.zeros((1, 3)), s0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="pass log_softmax"):
        greedy_decode(lambda t, s: (np.full((1, 3), -0.1), s), s0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="NaN or positive"):
        greedy_decode(lambda t, s: (np.array([[0.5, -1.0, -1.0]]), s), s0, BOS, EOS, 3)
    with pytest.raises(ValueError, match="beam_width must be an integer >= 1"):
        beam_search(step, s0, BOS, EOS, 3, 0)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        beam_search(step, s0, BOS, EOS, 3, 2, alpha=-1.0)
    with pytest.raises(ValueError, match="state must have 1 row, got 2"):
        beam_search(step, np.zeros(2, dtype=np.int64), BOS, EOS, 3, 2)
    with pytest.raises(ValueError, match="too large"):
        exhaustive_search(RandomRNN(V=6).step, RandomRNN(V=6).start(), 6, EOS, 12, limit=1000)
    with pytest.raises(ValueError, match="state must have 1 row"):
        exhaustive_search(step, np.zeros(3, dtype=np.int64), BOS, EOS, 3)
    with pytest.raises(ValueError, match="tokens is empty"):
        sequence_log_prob(step, s0, BOS, [])
    with pytest.raises(ValueError, match="token 5 is out of range"):
        sequence_log_prob(step, s0, BOS, [1, 5])
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sample(step, s0, BOS, 5, temperature=0.0)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        sample(step, s0, BOS, 5, rng=1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        sample(step, s0, BOS, 0)
    with pytest.raises(ValueError, match="non-empty last axis"):
        tempered_probs(np.zeros(0), 1.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        tempered_probs(np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="probs must be non-negative"):
        entropy(np.array([0.5, -0.5]))
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        length_normalized(-1.0, 0)
    with pytest.raises(ValueError, match="cannot select rows of a state of type str"):
        select_rows("h", np.array([0]))
    with pytest.raises(ValueError, match="empty container"):
        greedy_decode(step, (), BOS, EOS, 3)
