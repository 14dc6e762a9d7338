"""The course's LSTM language model after 60 s of CPU training, against the best n-gram and the entropy floor;
the regularised LSTM after 300 s against lecture 02's best n-gram with n ≤ 8.

    python benchmarks/charlm.py [--json benchmarks/results.json] [--time-limit 60] [--long-time-limit 300]

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
- Regularised LSTM (lecture 10): `char_lm.CharLM` with REGULARISED (dropout with one mask per
  sequence on the embeddings and the LSTM's output, tied input and output embeddings) trained by
  REG_TRAINING for `long_time_limit` seconds of training time (the validation perplexity is measured
  along the way, every EVAL_EVERY updates, off the clock), and two unregularised LSTMs trained as long
  for comparison: the 60-s model above, and the same size as the regularised one with dropout 0 and
  untied embeddings (SAME_SIZE, so that the gain is the regularisers', not the size's). All three
  validation curves against training time are drawn into PLOT.
Keys: `charlm_ppl_over_ngram8` = the regularised LSTM's validation perplexity over the best n-gram with
n ≤ 8 (goal ≤ 1.0), `charlm_ppl_over_best_ngram` (information: the 60-s LSTM against the best n-gram of
any order), `ppl_over_entropy_floor` (goal ≤ 1.05), and the raw numbers under `charlm_details` and
`charlm_regularised_details`.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from _results import merge, parse_args

ORDERS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40, 48)   # gains stop near 48
COPY_CONTEXT = 30   # characters: a context this long seen verbatim in training lets a long n-gram copy
LSTM = dict(embed_size=32, hidden_size=128)
TRAINING = dict(batch_size=128, num_steps=128, lr=1e-2, clip=1.0, cosine=True, seed=0)
REGULARISED = dict(embed_size=256, hidden_size=256, dropout=0.25, variational=True, tie_weights=True)
SAME_SIZE = dict(REGULARISED, dropout=0.0, variational=False, tie_weights=False)
REG_TRAINING = dict(batch_size=32, num_steps=128, lr=5e-3, clip=1.0, cosine=True, seed=0)
EVAL_EVERY = {"regularised": 200, "unregularised": 200}    # updates: about every 20–30 s of training on 2 cores
PLOT = Path(__file__).resolve().parent / "charlm_regularised.png"


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


def train_with_curve(model, train, val, time_limit: float, training: dict, eval_every: int) -> dict:
    """Train `model` for `time_limit` seconds of training time, measuring the validation perplexity every
    `eval_every` updates off the clock; the curve (steps, seconds, perplexity) and the final numbers."""
    from course_utils import char_lm

    hist = char_lm.train_char_lm(model, train, time_limit=time_limit, val_ids=val, eval_every=eval_every, **training)
    return {"steps": hist.steps[-1], "seconds": round(hist.seconds[-1], 1), "val_ppl": hist.eval_perplexity[-1],
            "best_val_ppl": min(hist.eval_perplexity), "curve_steps": hist.steps,
            "curve_seconds": [round(s, 1) for s in hist.seconds],
            "curve_val_ppl": [round(p, 4) for p in hist.eval_perplexity],
            "final_train_loss": round(float(np.mean(hist.train_loss[-1])), 4)}


def plot_curves(runs: dict, references: dict, path: Path) -> None:
    """Validation perplexity against training seconds, one line per run, n-grams as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils.plots import PROJECTOR_DPI, use_course_style

    use_course_style()
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=PROJECTOR_DPI)
    for (label, run), style in zip(runs.items(), ("-o", "-s", "-^")):
        ax.plot(run["curve_seconds"][1:], run["curve_val_ppl"][1:], style, ms=4, label=label)
    for (label, value), ls in zip(references.items(), ("--", ":")):
        ax.axhline(value, color="0.3", ls=ls, lw=1.3, label=f"{label}: {value:.3f}")
    ax.set_ylim(2.2, 3.9)     # room above the curves for the legend
    ax.set_xlabel("training time (s, evaluation excluded)")
    ax.set_ylabel("validation perplexity")
    ax.set_title("Character LM on the pydoc text: regularised vs not, 2 CPU threads")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def measure_regularised(train, val, test, V, ngram8_ppl: float, ngram_ppl: float, time_limit: float) -> dict:
    """The regularised LSTM and two unregularised ones, each `time_limit` seconds of training, with curves."""
    from course_utils import char_lm

    details = {"config": REGULARISED, "training": REG_TRAINING, "time_limit": time_limit}
    reg = char_lm.CharLM(V, **REGULARISED, seed=0)
    details["regularised"] = train_with_curve(reg, train, val, time_limit, REG_TRAINING, EVAL_EVERY["regularised"])
    details["regularised"]["test_ppl"] = char_lm.perplexity(reg, test)
    details["regularised"]["parameters"] = char_lm.parameter_count(reg)
    print(f"  regularised LSTM after {time_limit:.0f} s ({details['regularised']['steps']} steps): validation "
          f"perplexity {details['regularised']['val_ppl']:.4f}, test {details['regularised']['test_ppl']:.4f}",
          flush=True)
    plain = char_lm.CharLM(V, **LSTM, seed=0)
    details["unregularised"] = train_with_curve(plain, train, val, time_limit, TRAINING, EVAL_EVERY["unregularised"])
    details["unregularised"]["parameters"] = char_lm.parameter_count(plain)
    print(f"  unregularised LSTM after {time_limit:.0f} s ({details['unregularised']['steps']} steps): validation "
          f"perplexity {details['unregularised']['val_ppl']:.4f} (best along the way "
          f"{details['unregularised']['best_val_ppl']:.4f})", flush=True)
    same = char_lm.CharLM(V, **SAME_SIZE, seed=0)
    details["same_size_unregularised"] = train_with_curve(same, train, val, time_limit, REG_TRAINING,
                                                          EVAL_EVERY["regularised"])
    details["same_size_unregularised"]["parameters"] = char_lm.parameter_count(same)
    print(f"  the same LSTM without dropout or tying after {time_limit:.0f} s "
          f"({details['same_size_unregularised']['steps']} steps): validation perplexity "
          f"{details['same_size_unregularised']['val_ppl']:.4f} (best along the way "
          f"{details['same_size_unregularised']['best_val_ppl']:.4f})", flush=True)
    H = REGULARISED["hidden_size"]
    plot_curves({f"regularised (H = {H}, dropout {REGULARISED['dropout']}, tied)": details["regularised"],
                 f"unregularised (H = {LSTM['hidden_size']}, the 60-s model)": details["unregularised"],
                 f"unregularised (H = {H}, same training)": details["same_size_unregularised"]},
                {"best n-gram, n ≤ 8": ngram8_ppl, "best n-gram, any n": ngram_ppl}, PLOT)
    return details


def measure(time_limit: float = 60.0, long_time_limit: float = 300.0) -> dict:
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
    reg = measure_regularised(train, val, test, V, details["ngram_up_to_8_ppl"], details["ngram_ppl"],
                              long_time_limit)
    return {"charlm_ppl_over_ngram8": round(reg["regularised"]["val_ppl"] / details["ngram_up_to_8_ppl"], 4),
            "charlm_ppl_over_best_ngram": round(details["lstm_ppl"] / details["ngram_ppl"], 3),
            "ppl_over_entropy_floor": round(details["markov_lstm_ppl"] / details["markov_floor"], 4),
            "charlm_details": _rounded(details), "charlm_regularised_details": _rounded(reg)}


def _rounded(value):
    """Floats to 4 decimals, through dicts and lists (results.json stays readable)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, time_limit=60.0, long_time_limit=300.0)
    results = measure(args.time_limit, args.long_time_limit)
    print(f"charlm_ppl_over_ngram8     {results['charlm_ppl_over_ngram8']:6.4f}  (goal ≤ 1.0)")
    print(f"charlm_ppl_over_best_ngram {results['charlm_ppl_over_best_ngram']:5.3f}  (information)")
    print(f"ppl_over_entropy_floor   {results['ppl_over_entropy_floor']:6.4f}  (goal ≤ 1.05)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
