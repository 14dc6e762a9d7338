import numpy as np
import pytest

from course_utils.markov import MarkovSource


def test_iid_source_entropy_is_shannon_entropy():
    p = np.array([0.5, 0.25, 0.25])
    src = MarkovSource(np.tile(p, (3, 1)), ["a", "b", "c"], order=1)
    assert src.entropy_rate() == pytest.approx(-(p * np.log(p)).sum(), abs=1e-12)
    assert src.perplexity_floor() == pytest.approx(2 ** 1.5, rel=1e-12)


def test_two_state_chain_against_closed_form():
    a, b = 0.1, 0.3  # P(0→1) = a, P(1→0) = b; stationary (b, a)/(a+b)
    P = np.array([[1 - a, a], [b, 1 - b]])
    src = MarkovSource(P, ["x", "y"])
    pi = np.array([b, a]) / (a + b)
    assert np.allclose(src.stationary_distribution(), pi, atol=1e-12)
    h = lambda q: -(q * np.log(q) + (1 - q) * np.log(1 - q))
    assert src.entropy_rate() == pytest.approx(pi[0] * h(a) + pi[1] * h(b), abs=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_sample_statistics_match_the_source(order, rng):
    src = MarkovSource.random(n_symbols=4, order=order, concentration=0.5, rng=rng)
    ids = src.sample_ids(100_000, rng)
    nll = -src.log_likelihood(ids)
    stderr = nll.std() / np.sqrt(nll.size)  # samples are dependent; 6 standard errors is generous
    assert abs(nll.mean() - src.entropy_rate()) < 6 * stderr + 1e-3
    freq = np.bincount(ids, minlength=4) / ids.size
    pi = src.stationary_distribution().reshape((4,) * order)
    assert np.allclose(freq, pi.sum(axis=tuple(range(order - 1))), atol=0.01)


def test_context_indexing_newest_symbol_last():
    # order 2 over {a, b}: next symbol copies the OLDER context symbol deterministically-ish
    P = np.full((4, 2), 1e-9)
    for ctx in range(4):
        older = ctx // 2
        P[ctx, older] = 1 - 1e-9
    src = MarkovSource(P, ["a", "b"], order=2)
    s = src.sample(12, np.random.default_rng(3))
    assert all(s[t] == s[t - 2] for t in range(2, len(s)))


def test_sample_is_string_of_symbols(rng):
    src = MarkovSource.random(5, 1, rng=rng)
    s = src.sample(50, rng)
    assert len(s) == 50 and set(s) <= set("abcde")


def test_markov_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(V\*\*order, V\) = \(4, 2\)"):
        MarkovSource(np.full((2, 2), 0.5), ["a", "b"], order=2)
    with pytest.raises(ValueError, match="probability distribution"):
        MarkovSource(np.array([[0.5, 0.6], [0.5, 0.5]]), ["a", "b"])
    with pytest.raises(ValueError, match="distinct"):
        MarkovSource(np.full((2, 2), 0.5), ["a", "a"])
    with pytest.raises(ValueError, match="n_symbols must be an integer >= 2"):
        MarkovSource.random(1)
    with pytest.raises(ValueError, match="at most 26"):
        MarkovSource.random(27)
    with pytest.raises(ValueError, match="concentration must be > 0"):
        MarkovSource.random(3, concentration=0)
    src = MarkovSource.random(3, 1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        src.sample(0)
    with pytest.raises(ValueError, match="1-D integer array"):
        src.log_likelihood(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="longer than the order"):
        src.log_likelihood(np.array([0]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\)"):
        src.log_likelihood(np.array([0, 5]))


def test_batch_means_se_matches_the_plain_standard_error_for_independent_values(rng):
    from course_utils.markov import batch_means_se

    x = rng.normal(size=100_000)
    assert batch_means_se(x, blocks=50) == pytest.approx(1 / np.sqrt(x.size), rel=0.3)


def test_batch_means_se_sees_the_dependence_that_the_plain_formula_misses(rng):
    from course_utils.markov import batch_means_se

    x = np.repeat(rng.normal(size=2000), 50)             # runs of 50 equal values: 2000 independent ones
    plain = x.std(ddof=1) / np.sqrt(x.size)
    assert batch_means_se(x, blocks=50) == pytest.approx(1 / np.sqrt(2000), rel=0.3)
    assert batch_means_se(x, blocks=50) > 5 * plain
    with pytest.raises(ValueError, match="at least 2 entries per block"):
        batch_means_se(np.ones(10), blocks=50)
    with pytest.raises(ValueError, match="blocks must be an integer >= 2"):
        batch_means_se(x, blocks=1)
