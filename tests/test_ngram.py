"""NGramLM against an independent dictionary-of-tuples implementation, plus edge cases and bad input."""
import time
import warnings
from collections import Counter

import numpy as np
import pytest

from course_utils.ngram import NGramLM, TuneResult, ngram_frequencies, tune_smoothing
from course_utils.text import Vocab

SMOOTHERS = ["none", "add_k", "interpolated", "stupid_backoff"]


# ---------------------------------------------------------------- an independent reference
def reference_counts(train, n):
    """pairs[m][(h, w)] and ctx[m][h] for contexts h (tuples) of length m = 0 … n−1."""
    pairs, ctx = [], []
    for m in range(n):
        c = Counter(tuple(train[t - m:t + 1]) for t in range(m, len(train)))
        pairs.append(c)
        h = Counter()
        for gram, k in c.items():
            h[gram[:-1]] += k
        ctx.append(h)
    return pairs, ctx


def reference_prob(pairs, ctx, history, w, V, smoothing, k=1.0, lambdas=None, alpha=0.4):
    """p(w | history) written straight from the formulas, one token at a time."""
    history = tuple(history)
    top = len(history)
    if smoothing in ("none", "add_k"):
        kk = k if smoothing == "add_k" else 0.0
        nh = ctx[top][history]
        return 1.0 / V if nh == 0 else (pairs[top][history + (w,)] + kk) / (nh + kk * V)
    if smoothing == "interpolated":
        p = 1.0 / V
        for m in range(top + 1):
            h = history[top - m:]
            if ctx[m][h] > 0:
                p = lambdas[m] * pairs[m][h + (w,)] / ctx[m][h] + (1 - lambdas[m]) * p
        return p
    for m in range(top, -1, -1):  # stupid backoff
        h = history[top - m:]
        if pairs[m][h + (w,)] > 0:
            return alpha ** (top - m) * pairs[m][h + (w,)] / ctx[m][h]
    return 0.0


def random_text(rng, V, size):
    # a sticky random walk, so that some n-grams repeat and others never occur
    steps = rng.choice([-1, 0, 1, 2], size=size, p=[0.3, 0.3, 0.3, 0.1])
    return np.mod(np.cumsum(steps), V).astype(np.int64)


@pytest.mark.parametrize("smoothing", SMOOTHERS)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_log_probs_match_reference(smoothing, n, rng):
    V = 7
    train, test = random_text(rng, V, 400), random_text(rng, V, 60)
    test[5] = 6 if 6 not in train else test[5]
    lambdas = rng.uniform(0.1, 0.9, size=n)
    model = NGramLM(n, V, smoothing=smoothing, k=0.3, lambdas=lambdas, alpha=0.5).fit(train)
    pairs, ctx = reference_counts(train.tolist(), n)
    want = [reference_prob(pairs, ctx, test[max(0, t - n + 1):t].tolist(), int(test[t]), V,
                           smoothing, k=0.3, lambdas=lambdas, alpha=0.5) for t in range(test.size)]
    with np.errstate(divide="ignore"):
        want = np.log(np.array(want))
    got = model.log_probs(test)
    finite = np.isfinite(want)
    assert np.array_equal(finite, np.isfinite(got))
    assert np.allclose(got[finite], want[finite], rtol=0, atol=1e-12)


@pytest.mark.parametrize("smoothing", SMOOTHERS)
def test_next_distribution_matches_log_probs_token_by_token(smoothing, rng):
    V, n = 5, 3
    train, test = random_text(rng, V, 300), random_text(rng, V, 30)
    model = NGramLM(n, V, smoothing=smoothing, k=0.5, lambdas=0.6).fit(train)
    lp = model.log_probs(test)
    for t in range(test.size):
        dist = model.next_distribution(test[:t])
        assert dist.shape == (V,)
        with np.errstate(divide="ignore"):
            assert np.log(dist[test[t]]) == pytest.approx(lp[t], abs=1e-12)
        assert model.prob(int(test[t]), test[:t].tolist()) == pytest.approx(dist[test[t]], abs=1e-15)


@pytest.mark.parametrize("smoothing", ["none", "add_k", "interpolated"])
def test_distributions_sum_to_one_for_seen_unseen_and_short_contexts(smoothing, rng):
    V, n = 6, 4
    train = random_text(rng, V, 500)
    model = NGramLM(n, V, smoothing=smoothing, k=0.1, lambdas=[0.3, 0.5, 0.7, 0.9]).fit(train)
    contexts = [[], [0], [1, 2], [5, 5, 5], [0, 3, 0], train[-3:], rng.integers(0, V, 10)]
    for c in contexts:
        dist = model.next_distribution(c)
        assert dist.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(dist >= 0)
        if smoothing != "none":
            assert np.all(dist > 0)


def test_stupid_backoff_scores_do_not_sum_to_one_and_perplexity_refuses(rng):
    V = 6
    train = random_text(rng, V, 500)
    model = NGramLM(3, V, smoothing="stupid_backoff").fit(train)
    sums = [model.next_distribution(c).sum() for c in ([0, 1], [3, 3], [5, 0], [2, 4])]
    assert max(abs(s - 1) for s in sums) > 1e-3
    with pytest.raises(ValueError, match="do not sum to 1"):
        model.perplexity(train[:50])
    with pytest.raises(ValueError, match="do not sum to 1"):
        model.cross_entropy(train[:50])


def test_hand_counts_of_a_tiny_corpus():
    words = "statistics is fun . statistics is hard . probability is fun .".split()
    vocab = Vocab(words)
    ids = vocab.encode(words)
    model = NGramLM(2, vocab, smoothing="none").fit(ids)
    s, i, f = (vocab.token_to_id[w] for w in ("statistics", "is", "fun"))
    assert model.prob(i, [s]) == pytest.approx(1.0)            # n(statistics is) / n(statistics) = 2/2
    assert model.prob(f, [i]) == pytest.approx(2 / 3)          # n(is fun) / n(is) = 2/3
    assert model.prob(s, []) == pytest.approx(2 / 12)          # unigram: 2 of 12 tokens
    tri = NGramLM(3, vocab, smoothing="none").fit(ids)
    assert tri.prob(f, [s, i]) == pytest.approx(0.5)          # n(statistics is fun) / n(statistics is)
    c_h, c_hw = model.counts(vocab.encode(["statistics", "is"]))
    assert c_h.tolist() == [12.0, 2.0] and c_hw.tolist() == [2.0, 2.0]


def test_unseen_bigram_zero_under_ml_positive_when_smoothed():
    ids = np.array([0, 1, 0, 1, 0, 1, 2])
    V = 3
    assert NGramLM(2, V, smoothing="none").fit(ids).prob(2, [0]) == 0.0
    assert NGramLM(2, V, smoothing="add_k", k=1).fit(ids).prob(2, [0]) == pytest.approx(1 / (3 + 3))
    p = NGramLM(2, V, smoothing="interpolated", lambdas=[0.5, 0.5]).fit(ids).prob(2, [0])
    assert p == pytest.approx(0.5 * (0.5 * 1 / 7 + 0.5 / 3))


def test_ml_perplexity_is_infinite_without_warnings():
    model = NGramLM(2, 3, smoothing="none").fit(np.array([0, 1, 0, 1, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.perplexity(np.array([0, 2, 0])) == np.inf
        assert model.log_probs(np.array([0, 2]))[1] == -np.inf


def test_perplexity_sanity_values():
    V = 9
    uniform = NGramLM(1, V, smoothing="add_k", k=1.0).fit(np.arange(V))  # every count 1 → uniform
    assert uniform.perplexity(np.array([3, 1, 4, 1, 5, 8, 2, 6])) == pytest.approx(V, rel=1e-12)
    cycle = np.tile([0, 1, 2], 50)
    det = NGramLM(2, 3, smoothing="none").fit(cycle)
    assert np.exp(-det.log_probs(cycle)[1:].mean()) == pytest.approx(1.0, abs=1e-12)
    # the first token has no context: unigram 1/3, so the whole-text perplexity is 3^(1/T)
    assert det.perplexity(cycle) == pytest.approx(3 ** (1 / cycle.size), rel=1e-12)
    assert det.cross_entropy(cycle) == pytest.approx(np.log(3) / cycle.size, rel=1e-12)


def test_unigram_is_shorter_context_convention():
    ids = np.array([0, 0, 1, 0, 2, 0])
    model = NGramLM(3, 3, smoothing="add_k", k=1).fit(ids)
    uni = NGramLM(1, 3, smoothing="add_k", k=1).fit(ids)
    bi = NGramLM(2, 3, smoothing="add_k", k=1).fit(ids)
    test = np.array([1, 2, 0, 0])
    lp = model.log_probs(test)
    assert lp[0] == pytest.approx(uni.log_probs(test)[0])
    assert lp[1] == pytest.approx(bi.log_probs(test)[1])


@pytest.mark.slow
def test_vocab_object_accepted_and_large_vocabulary_does_not_overflow(rng):
    assert NGramLM(2, Vocab(list("abc"))).vocab_size == 3
    V = 2_000_000  # V**7 overflows int64; re-indexed keys must not
    ids = rng.integers(0, V, 3000)
    ids[1000:1010] = ids[0:10]
    model = NGramLM(8, V, smoothing="none").fit(ids)
    c_h, c_hw = model.counts(ids[:10])
    assert c_hw[-1] == 2.0 and c_h[-1] == 2.0
    assert model.next_distribution(ids[:7])[ids[7]] == pytest.approx(1.0)


def test_set_params_rescores_without_refit(rng):
    train = random_text(rng, 4, 200)
    model = NGramLM(2, 4, smoothing="add_k", k=1.0).fit(train)
    a = model.perplexity(train[:40])
    model.set_params(k=0.01)
    assert model.perplexity(train[:40]) != a
    assert "k=0.01" in repr(model) and "fitted on 200 tokens" in repr(model)


def test_tune_add_k_picks_grid_minimum(rng):
    V = 6
    train, val = random_text(rng, V, 2000), random_text(rng, V, 500)
    grid = [0.001, 0.01, 0.1, 1.0, 10.0]
    res = tune_smoothing(train, val, 3, V, "add_k", k_grid=grid)
    assert isinstance(res, TuneResult)
    ppl = [NGramLM(3, V, "add_k", k=k).fit(train).perplexity(val) for k in grid]
    assert res.param == grid[int(np.argmin(ppl))]
    assert res.val_perplexity == pytest.approx(min(ppl), rel=1e-12)
    assert [p for _, p in res.tried] == pytest.approx(ppl, rel=1e-12)
    assert res.model.k == res.param


def test_tuned_lambdas_beat_every_other_choice(rng):
    V, n = 6, 3
    train, val = random_text(rng, V, 3000), random_text(rng, V, 800)
    res = tune_smoothing(train, val, n, V, "interpolated")
    assert res.model.perplexity(val) == pytest.approx(res.val_perplexity, rel=1e-12)
    for _ in range(30):
        lam = rng.uniform(0, 0.999, size=n)
        assert NGramLM(n, V, lambdas=lam).fit(train).perplexity(val) >= res.val_perplexity - 1e-9
    for i in range(n):  # a small step along each axis cannot help either
        for step in (-0.02, 0.02):
            lam = np.clip(np.array(res.param) + step * np.eye(n)[i], 0, 0.999)
            assert NGramLM(n, V, lambdas=lam).fit(train).perplexity(val) >= res.val_perplexity - 1e-9


def test_tuning_recovers_the_order_of_a_markov_source():
    from course_utils.markov import MarkovSource

    src = MarkovSource.random(4, 1, rng=np.random.default_rng(5))
    ids = src.sample_ids(60_000, np.random.default_rng(6))
    res = tune_smoothing(ids[:40_000], ids[40_000:50_000], 4, 4, "interpolated")
    lam = np.array(res.param)
    assert lam[1] > 0.9 and np.all(lam[2:] < 0.1)  # bigram counts suffice: longer contexts switched off
    floor = src.perplexity_floor()
    assert res.model.perplexity(ids[50_000:]) == pytest.approx(floor, rel=0.03)


def test_speed_of_fit_and_scoring(rng):
    ids = random_text(rng, 100, 400_000)
    start = time.perf_counter()
    model = NGramLM(8, 100).fit(ids)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    model.log_probs(ids[:50_000])
    score_s = time.perf_counter() - start
    assert fit_s < 5.0 and score_s < 2.0  # ~0.3 s and ~0.05 s when the machine is idle


def test_ngram_rejects_bad_input():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        NGramLM(0, 5)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 1"):
        NGramLM(2, 0)
    with pytest.raises(ValueError, match="smoothing must be one of"):
        NGramLM(2, 5, smoothing="kneser_ney")
    with pytest.raises(ValueError, match="k must be > 0"):
        NGramLM(2, 5, smoothing="add_k", k=0)
    with pytest.raises(ValueError, match=r"lambdas must be one number or 2 numbers"):
        NGramLM(2, 5, lambdas=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"lambdas must lie in \[0, 1\)"):
        NGramLM(2, 5, lambdas=[0.5, 1.5])
    with pytest.raises(ValueError, match=r"lambdas must lie in \[0, 1\)"):
        NGramLM(2, 5, lambdas=[0.5, 1.0])
    with pytest.raises(ValueError, match=r"lambdas must lie in \[0, 1\)"):
        NGramLM(2, 5, lambdas=-0.1)
    with pytest.raises(ValueError, match="lambdas must hold real numbers"):
        NGramLM(2, 5, lambdas=["a", "b"])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        NGramLM(2, 5, smoothing="stupid_backoff", alpha=0.0)
    model = NGramLM(2, 5)
    with pytest.raises(ValueError, match="not fitted yet"):
        model.log_probs([0, 1])
    with pytest.raises(ValueError, match="not fitted yet"):
        model.next_distribution([0])
    with pytest.raises(ValueError, match="not fitted yet"):
        model.counts([0])
    with pytest.raises(ValueError, match="integer token ids"):
        model.fit(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"token ids in \[0, 5\)"):
        model.fit([0, 1, 5])
    with pytest.raises(ValueError, match="at least 2 token id"):
        model.fit([1])
    model.fit([0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="1-D sequence of integer token ids"):
        model.log_probs([[0, 1]])
    with pytest.raises(ValueError, match="at least 1 token id"):
        model.perplexity([])
    with pytest.raises(ValueError, match=r"context must be token ids in \[0, 5\)"):
        model.next_distribution([7])
    with pytest.raises(ValueError, match=r"next_id must be a token id in \[0, 5\)"):
        model.prob(5, [0])
    with pytest.raises(ValueError, match="next_id must be an integer >= 0"):
        model.prob(-1, [0])
    with pytest.raises(ValueError, match=r"ids must be token ids in \[0, 5\)"):
        model.counts([9])
    with pytest.raises(ValueError, match="k must be a finite real number"):
        model.set_params(k=float("nan"))


def test_tune_smoothing_rejects_bad_input(rng):
    train = random_text(rng, 4, 100)
    with pytest.raises(ValueError, match="smoothing must be one of"):
        tune_smoothing(train, train, 2, 4, "none")
    with pytest.raises(ValueError, match="k_grid must hold positive"):
        tune_smoothing(train, train, 2, 4, "add_k", k_grid=[0.1, -1.0])
    with pytest.raises(ValueError, match=r"val_ids must be token ids in \[0, 4\)"):
        tune_smoothing(train, [0, 9], 2, 4)
    with pytest.raises(ValueError, match="at least 1 token id"):
        tune_smoothing(train, [], 2, 4)


# ---------------------------------------------------------------- sampling and n-gram frequencies
def test_sample_follows_a_deterministic_bigram_and_keeps_the_prompt():
    cycle = np.tile([0, 1, 2], 50)                       # 0 → 1 → 2 → 0 …: each token fixes the next
    model = NGramLM(2, 3, smoothing="none").fit(cycle)
    ids = model.sample([2, 0], 7, np.random.default_rng(0))
    assert ids == [2, 0, 1, 2, 0, 1, 2, 0, 1]


def test_sample_draws_from_next_distribution(rng):
    train = rng.integers(0, 4, size=2000)
    model = NGramLM(2, 4, smoothing="add_k", k=0.5).fit(train)
    draws = np.array([model.sample([3], 1, np.random.default_rng(s))[-1] for s in range(3000)])
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, model.next_distribution([3]), atol=0.03)


def test_sample_refuses_bad_input(rng):
    model = NGramLM(2, 3).fit([0, 1, 2, 1])
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        model.sample([0], 0)
    with pytest.raises(ValueError, match=r"prompt_ids must be token ids in \[0, 3\)"):
        model.sample([5], 3)
    with pytest.raises(ValueError, match="not fitted"):
        NGramLM(2, 3).sample([0], 3)


def test_ngram_frequencies_count_every_distinct_ngram_largest_first():
    tokens = "a b a b a c".split()
    np.testing.assert_array_equal(ngram_frequencies(tokens, 1), [3, 2, 1])
    np.testing.assert_array_equal(ngram_frequencies(tokens, 2), [2, 2, 1])      # ab ×2, ba ×2, ac
    assert ngram_frequencies(tokens, 2).sum() == len(tokens) - 1
    with pytest.raises(ValueError, match="at least n = 7 tokens"):
        ngram_frequencies(tokens, 7)
