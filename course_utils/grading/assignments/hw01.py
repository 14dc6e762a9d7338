"""Grading spec of hw01: bigram statistics, interpolated Kneser–Ney, perplexity, and choosing the discount.

Every check draws new texts: V from 4 to 12 token ids, 20 to 300 tokens, sampled from a random
Markov chain with peaked rows (so some bigrams repeat), always with an id that never occurs and
one that occurs only as the last token (so unseen contexts and tokens are in every text),
plus edge cases with a fixed structure (2 tokens, V = 1, ids that leave part of the vocabulary
unused, a context seen only at the end, d = 1). Choosing d builds on the three earlier functions,
so it is also graded with the reference versions of them (one bug, one charge).
"""
import numpy as np

from ..spec import Assignment, Check, Question, compare_arrays, function

GRID = np.round(np.arange(1, 21) * 0.05, 2)   # the grid the homework prescribes: 0.05, 0.10, …, 1.00


def _text(rng, V, T, n_used=None, concentration=0.3):
    """T ids in [0, V) from a random first-order chain over n_used of the ids (all by default)."""
    used = np.sort(rng.choice(V, size=n_used or V, replace=False))
    k = used.size
    P = rng.dirichlet(np.full(k, concentration), size=k)
    P = np.maximum(P, 1e-12)
    P /= P.sum(axis=1, keepdims=True)
    state = int(rng.integers(k))
    out = np.empty(T, dtype=np.int64)
    for t in range(T):
        out[t] = used[state]
        state = int(rng.choice(k, p=P[state]))
    return out


def _random_case(rng):
    """A random text that always has what the model must handle: an id it never uses (an unseen
    context and an unseen token) and one it uses only as the very last token (a token seen, but
    never followed by anything). The seed changes the numbers, never which cases occur."""
    V, T = int(rng.integers(4, 13)), int(rng.integers(20, 301))
    ids = _text(rng, V, T, n_used=V - 2)
    last_only = rng.choice(np.setdiff1d(np.arange(V), ids))
    return {"ids": np.append(ids, last_only), "V": V}


def _edge_cases(rng):
    """Two tokens; V = 1; a text that uses only 2 of up to 12 ids; a text whose last token occurs once."""
    V = int(rng.integers(3, 13))
    last_once = _text(rng, V, int(rng.integers(20, 80)), n_used=V - 1)
    unused = np.setdiff1d(np.arange(V), last_once)[0]
    return {"cases": [
        {"ids": rng.choice(V, 2, replace=False), "V": V},
        {"ids": np.zeros(int(rng.integers(2, 30)), dtype=np.int64), "V": 1},
        {"ids": _text(rng, V, int(rng.integers(20, 200)), n_used=2), "V": V},
        {"ids": np.append(last_once, unused), "V": V},
    ]}


def _counts(ids, V):
    C = np.zeros((V, V), dtype=np.int64)
    np.add.at(C, (ids[:-1], ids[1:]), 1)
    return C


def _kn_inputs(rng, d=None, edge=False):
    cases = _edge_cases(rng)["cases"] if edge else [_random_case(rng) for _ in range(3)]
    return {"cases": [{"C": _counts(c["ids"], c["V"]),
                       "d": float(rng.uniform(0.05, 0.95)) if d is None else d} for c in cases]}


def _perplexity_inputs(rng, T=None):
    cases = []
    for _ in range(3):
        V = int(rng.integers(3, 13))
        cases.append({"p_first": rng.dirichlet(np.ones(V)), "P": rng.dirichlet(np.ones(V), size=V),
                      "ids": rng.integers(0, V, T or int(rng.integers(20, 301)))})
    return {"cases": cases}


def _discount_inputs(rng):
    V = int(rng.integers(3, 13))
    return {"train_ids": _text(rng, V, int(rng.integers(20, 301))),
            "val_ids": _text(rng, V, int(rng.integers(20, 301))),
            "V": V, "grid": GRID.copy()}


def _discount_shuffled_and_tie(rng):
    """A coarse grid in random order on a random text, and V = 1, where every d gives perplexity 1 (a tie)."""
    grid = rng.permutation(np.array([0.1, 0.3, 0.5, 0.7, 0.9]))
    V = int(rng.integers(3, 13))
    return {"cases": [
        {"train_ids": _text(rng, V, int(rng.integers(20, 301))), "val_ids": _text(rng, V, int(rng.integers(20, 301))),
         "V": V, "grid": grid},
        {"train_ids": np.zeros(int(rng.integers(2, 50)), dtype=np.int64),
         "val_ids": np.zeros(int(rng.integers(1, 50)), dtype=np.int64), "V": 1, "grid": grid.copy()},
    ]}


def _statistics(ns, inp):
    return function(ns, "bigram_statistics")(inp["ids"], inp["V"])


def _statistics_cases(ns, inp):
    return [function(ns, "bigram_statistics")(c["ids"], c["V"]) for c in inp["cases"]]


def _kn(ns, inp):
    return [function(ns, "kn_bigram_model")(c["C"], c["d"]) for c in inp["cases"]]


def _perplexity(ns, inp):
    return [function(ns, "bigram_perplexity")(c["p_first"], c["P"], c["ids"]) for c in inp["cases"]]


def _discount(ns, inp):
    return function(ns, "choose_discount")(inp["train_ids"], inp["val_ids"], inp["V"], inp["grid"])


def _discount_cases(ns, inp):
    return [function(ns, "choose_discount")(c["train_ids"], c["val_ids"], c["V"], c["grid"]) for c in inp["cases"]]


# No partial credit here: whether a counting mistake also shows in, say, the follower counts
# depends on the random text, and the score must not depend on the seed.
STATISTICS = compare_arrays(tol=0.0, partial=False)
STATISTICS_CASES = compare_arrays(tol=0.0, cases=True, partial=False)
KN = compare_arrays(tol=1e-9, names=("p_cont", "P"), cases=True, partial=False)
PERPLEXITY = compare_arrays(tol=1e-9, cases=True, partial=False)
DISCOUNT = compare_arrays(tol=1e-9, names=("best_d", "perplexities"), partial=False)
DISCOUNT_CASES = compare_arrays(tol=1e-9, names=("best_d", "perplexities"), cases=True, partial=False)

ASSIGNMENT = Assignment(
    name="hw01",
    notebook="hw01_ngram_perplexity.ipynb",
    questions=(
        Question("test_counts", "bigram counts, followers, continuation counts, count of counts",
                 ("bigram_statistics",), (
            Check("random text (V 3..12, 20..300 tokens)", 2, _random_case, _statistics, STATISTICS),
            Check("2 tokens, V = 1, unused ids, a context seen only at the end", 1, _edge_cases,
                  _statistics_cases, STATISTICS_CASES),
        )),
        Question("test_kn", "interpolated Kneser–Ney bigram model", ("kn_bigram_model",), (
            Check("counts of random texts, d in (0, 1)", 3, _kn_inputs, _kn, KN),
            Check("d = 1", 1, lambda rng: _kn_inputs(rng, d=1.0), _kn, KN),
            Check("unseen contexts and tokens, 2 tokens, V = 1", 1, lambda rng: _kn_inputs(rng, edge=True), _kn, KN),
        )),
        Question("test_perplexity", "perplexity of a bigram model", ("bigram_perplexity",), (
            Check("random tables, 20..300 tokens", 1, _perplexity_inputs, _perplexity, PERPLEXITY),
            Check("a text of one token (only p_first is used)", 1, lambda rng: _perplexity_inputs(rng, T=1),
                  _perplexity, PERPLEXITY, edge=("T",)),
        )),
        Question("test_discount", "choosing d on validation text", ("choose_discount",), (
            Check("the grid 0.05 … 1.00 on random texts", 2, _discount_inputs, _discount, DISCOUNT),
            Check("a grid in random order; a tie (V = 1) goes to the smallest d", 1, _discount_shuffled_and_tie,
                  _discount_cases, DISCOUNT_CASES),
        ), builds_on=("bigram_statistics", "kn_bigram_model", "bigram_perplexity")),
    ),
)
