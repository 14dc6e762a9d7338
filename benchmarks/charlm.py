"""The course's LSTM language model after 60 s of CPU training, against the best n-gram and the entropy floor.

    python benchmarks/charlm.py [--json benchmarks/results.json] [--time-limit 60]

Text: lecture 02's corpus, the Python 3.11.7 pydoc topics reduced to 26 letters and space
(`text.load_corpus("pydoc", normalize="letters")`), split 80/10/10 in order.
- Best n-gram: interpolated smoothing with λs tuned on the validation text
  (`ngram.tune_smoothing`), the order n chosen on the validation text too, over ORDERS (lecture 02
  stops at n = 8; `charlm_details` also holds that comparison and every order's perplexity). Tuning on
  the text it is scored on favours the n-gram a little, so both models are also scored on the
  unused test split (`charlm_details`).
- LSTM: `char_lm.CharLM` trained by `char_lm.train_char_lm` for `time_limit` seconds on two threads
  (random windows, Adam with a cosine decay to 0 over the time budget, clipping at 1), then
  evaluated on the whole validation text read as one sequence.
- Where they differ: both models' validation perplexity split into the characters that follow a
  COPY_CONTEXT-character context occurring verbatim in the training text, and the rest
  (`charlm_details`: `copyable_share`, `*_ppl_copyable`, `*_ppl_novel`).
- Entropy floor: the same model and budget on 300,000 symbols of a synthetic order-2 Markov source
  (`markov.MarkovSource.random(8, 2, 0.5)`, as in lecture 02), scored on 100,000 fresh symbols
  against exp(entropy rate), the lowest expected perplexity any model can have.
Keys: `charlm_ppl_over_best_ngram` (goal ≤ 0.8), `ppl_over_entropy_floor` (goal ≤ 1.05), and the
raw numbers under `charlm_details`.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from _results import merge, parse_args

ORDERS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40, 48)   # gains stop near 48
COPY_CONTEXT = 30   # characters: a context this long seen verbatim in training lets a long n-gram copy
LSTM = dict(embed_size=32, hidden_size=128)
TRAINING = dict(batch_size=128, num_steps=128, lr=1e-2, clip=1.0, cosine=True, seed=0)


def pydoc_split():
    from course_utils import text

    tokens = text.tokenize(text.load_corpus("pydoc", normalize="letters"), "char")
    vocab = text.Vocab(tokens)
    train, val, test = (np.asarray(part) for part in text.split_tokens(vocab.encode(tokens), (0.8, 0.1, 0.1)))
    return train, val, test, len(vocab)


def tune_ngrams(train, val, V) -> dict:
    """{n: ngram.TuneResult} of the interpolated n-gram for every n in ORDERS."""
    from course_utils.ngram import tune_smoothing

    return {n: tune_smoothing(train, val, n, V, "interpolated") for n in ORDERS}


def copyable(train, val, context: int = COPY_CONTEXT) -> np.ndarray:
    """For every validation position t ≥ context: does val[t−context:t] occur verbatim in train?"""
    if max(train.max(), val.max()) > 255:
        raise ValueError("copyable compares contexts as bytes: token ids must be below 256")
    train_bytes, val_bytes = train.astype(np.uint8).tobytes(), val.astype(np.uint8).tobytes()
    seen = {train_bytes[i:i + context] for i in range(len(train_bytes) - context + 1)}
    return np.array([val_bytes[t - context:t] in seen for t in range(context, len(val_bytes))])


def lstm_token_log_probs(model, ids) -> np.ndarray:
    """log p(ids[t] | ids[:t]) for every position t, aligned with `NGramLM.log_probs` (NaN at t = 0,
    which the LSTM only reads)."""
    from course_utils.char_lm import next_token_log_probs

    ids = np.asarray(ids)
    return np.r_[np.nan, next_token_log_probs(model, ids)[np.arange(len(ids) - 1), ids[1:]]]


def perplexity_split(token_log_probs: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Perplexity over the positions where mask is True, and over the others."""
    return float(np.exp(-token_log_probs[mask].mean())), float(np.exp(-token_log_probs[~mask].mean()))


def train_lstm(train, V, time_limit: float):
    """A CharLM trained for `time_limit` seconds, and the number of training steps it got."""
    from course_utils import char_lm

    model = char_lm.CharLM(V, **LSTM, seed=0)
    hist = char_lm.train_char_lm(model, train, time_limit=time_limit, **TRAINING)
    return model, hist.steps[-1]


def measure(time_limit: float = 60.0) -> dict:
    from course_utils import setup
    from course_utils.char_lm import perplexity
    from course_utils.markov import MarkovSource

    setup(threads=2)
    details = {}
    train, val, test, V = pydoc_split()
    t0 = time.perf_counter()
    tuned = tune_ngrams(train, val, V)
    by_order = {n: result.val_perplexity for n, result in tuned.items()}
    details["ngram_order"] = min(by_order, key=by_order.get)
    details["ngram_ppl"] = by_order[details["ngram_order"]]
    details["ngram_test_ppl"] = tuned[details["ngram_order"]].model.perplexity(test)
    details["ngram_up_to_8_order"] = min((n for n in by_order if n <= 8), key=by_order.get)   # lecture 02's orders
    details["ngram_up_to_8_ppl"] = by_order[details["ngram_up_to_8_order"]]
    details["ngram_ppl_by_order"] = {n: round(ppl, 4) for n, ppl in by_order.items()}
    print(f"  best n-gram: n = {details['ngram_order']}, validation perplexity {details['ngram_ppl']:.3f}, "
          f"test {details['ngram_test_ppl']:.3f} ({time.perf_counter() - t0:.0f} s to tune)", flush=True)
    lstm, details["lstm_steps"] = train_lstm(train, V, time_limit)
    details["lstm_ppl"], details["lstm_test_ppl"] = perplexity(lstm, val), perplexity(lstm, test)
    print(f"  LSTM after {time_limit:.0f} s ({details['lstm_steps']} steps): validation perplexity "
          f"{details['lstm_ppl']:.3f}, test {details['lstm_test_ppl']:.3f}", flush=True)

    # where the two models differ: validation characters after a 30-character context that occurs
    # verbatim in the training text (a long n-gram can copy their continuation) and all others
    mask = copyable(train, val)
    ngram_lp = tuned[details["ngram_order"]].model.log_probs(val)[COPY_CONTEXT:]
    lstm_lp = lstm_token_log_probs(lstm, val)[COPY_CONTEXT:]
    details["copyable_share"] = float(mask.mean())
    details["ngram_ppl_copyable"], details["ngram_ppl_novel"] = perplexity_split(ngram_lp, mask)
    details["lstm_ppl_copyable"], details["lstm_ppl_novel"] = perplexity_split(lstm_lp, mask)
    details["lstm_over_ngram_novel"] = details["lstm_ppl_novel"] / details["ngram_ppl_novel"]
    short_lp = tuned[details["ngram_up_to_8_order"]].model.log_probs(val)[COPY_CONTEXT:]
    details["ngram_up_to_8_ppl_copyable"], details["ngram_up_to_8_ppl_novel"] = perplexity_split(short_lp, mask)
    print(f"  {details['copyable_share']:.0%} of validation characters follow a {COPY_CONTEXT}-character context seen "
          f"in training: n-gram {details['ngram_ppl_copyable']:.3f}, LSTM {details['lstm_ppl_copyable']:.3f} there; "
          f"on the rest n-gram {details['ngram_ppl_novel']:.3f}, LSTM {details['lstm_ppl_novel']:.3f} "
          f"({details['ngram_up_to_8_order']}-gram: {details['ngram_up_to_8_ppl_copyable']:.3f} and "
          f"{details['ngram_up_to_8_ppl_novel']:.3f})", flush=True)

    source = MarkovSource.random(8, 2, 0.5, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    markov_train, markov_val = source.sample_ids(300_000, rng), source.sample_ids(100_000, rng)
    details["markov_floor"] = source.perplexity_floor()
    details["markov_true_model_ppl"] = float(np.exp(-source.log_likelihood(markov_val).mean()))
    markov_lstm, _ = train_lstm(markov_train, source.n_symbols, time_limit)
    details["markov_lstm_ppl"] = perplexity(markov_lstm, markov_val)
    print(f"  Markov source: floor exp(H) = {details['markov_floor']:.4f}, the true model on the validation "
          f"text {details['markov_true_model_ppl']:.4f}, LSTM {details['markov_lstm_ppl']:.4f}", flush=True)
    details["lstm_over_ngram_up_to_8"] = details["lstm_ppl"] / details["ngram_up_to_8_ppl"]
    return {"charlm_ppl_over_best_ngram": round(details["lstm_ppl"] / details["ngram_ppl"], 3),
            "ppl_over_entropy_floor": round(details["markov_lstm_ppl"] / details["markov_floor"], 4),
            "charlm_details": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in details.items()}}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, time_limit=60.0)
    results = measure(args.time_limit)
    print(f"charlm_ppl_over_best_ngram {results['charlm_ppl_over_best_ngram']:5.3f}  (goal ≤ 0.8)")
    print(f"ppl_over_entropy_floor   {results['ppl_over_entropy_floor']:6.4f}  (goal ≤ 1.05)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
