"""The lectures' numbers measured over several seeds: each lecture's recipe rerun with only the seed changed.

    python benchmarks/seed_sweeps.py [--json benchmarks/results.json] [--only NAME]

A lecture trains its models once, with seed 0, and asserts what it claims on that run; where it
also says how the result varies with the seed, the numbers come from here. Every sweep calls the
same `course_utils` functions with the same arguments as the lecture's cells (the constants below
are copied from those cells, and tests/test_seed_sweeps.py checks that the cells still contain
them); the seed goes to the model's initial weights and to the data or batches, as in the lecture.
One thread (`setup(threads=1)`), as the notebooks run.

Key: `seed_sweeps` = {sweep name: {"lecture", "seeds", "values" (one list entry per seed),
"summary" (what the lecture quotes), "seconds"}}. `--only NAME` reruns one sweep and replaces only
its entry. The whole run takes several minutes on two cores (printed per sweep).
tests/test_seed_sweeps.py fails when a lecture quotes a number that differs from `summary`.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from _results import merge, parse_args

# ---------------------------------------------------------------- lecture 06, section 6 (weight decay)
L06 = dict(recall_T=40, theta=2.0, decays=(0.0, 0.01, 0.1), baseline=1 / 3)


def sweep_06_weight_decay(seeds=range(10)) -> tuple[dict, dict]:
    from course_utils import srn
    from course_utils.sgd_runs import final_loss, sgd_run
    from course_utils.tasks import recall_task

    recall = recall_task(L06["recall_T"])
    values = {f"{what}_{lam}": [] for what in ("sigma_max", "rho", "final_mse") for lam in L06["decays"]}
    for seed in seeds:
        for lam in L06["decays"]:
            log, params = sgd_run(recall, seed, clip=L06["theta"], weight_decay=lam)
            values[f"sigma_max_{lam}"].append(round(float(np.linalg.norm(params["W_hh"], 2)), 4))
            values[f"rho_{lam}"].append(round(float(srn.spectral_radius(params["W_hh"])), 4))
            values[f"final_mse_{lam}"].append(round(float(final_loss(log)), 4))
    s = np.array([values[f"sigma_max_{lam}"] for lam in L06["decays"]]).T      # (seeds, 3)
    mse_strong = np.array(values["final_mse_0.1"])
    n = len(s)
    summary = {
        "seeds": n,
        "mild_decay_lowers_sigma": int(np.sum(s[:, 1] < s[:, 0])),      # σ_max(0.01) < σ_max(0)
        "mild_decay_raises_sigma": int(np.sum(s[:, 1] > s[:, 0])),
        "strong_below_both": int(np.sum(s[:, 2] < s[:, :2].min(axis=1))),
        "mild_sigma_above_1": int(np.sum(s[:, 1] > 1)),
        "strong_sigma_below_1": int(np.sum(s[:, 2] < 1)),
        "strong_at_baseline": int(np.sum(mse_strong >= 0.9 * L06["baseline"])),
    }
    return values, summary


# ---------------------------------------------------------------- lecture 08, section 5 (adding problem, T = 100)
L08 = dict(T=100, H=32, batch=32, lr=2e-2, clip=1.0, eval_size=500, eval_every=100, target=0.01,
           runs={"lstm_bias1": ("lstm", 1600, {"forget_bias": 1.0}), "lstm_bias0": ("lstm", 1600, {"forget_bias": 0.0}),
                 "gru": ("gru", 400, {}), "srn": ("rnn", 1500, {})})


def _first_step_below(hist, bound: float):
    return next((int(s) for s, m in zip(hist.steps, hist.eval_mse) if m < bound), None)


def sweep_08_adding(seeds=range(5)) -> tuple[dict, dict]:
    from course_utils.regression import SequenceRegressor, train_regressor
    from course_utils.tasks import adding_task

    values = {}
    for name, (cell, steps, kwargs) in L08["runs"].items():
        values[f"{name}_final_mse"], values[f"{name}_step_below_target"] = [], []
        for seed in seeds:
            model = SequenceRegressor(cell, input_size=2, hidden_size=L08["H"], seed=seed, **kwargs)
            hist = train_regressor(model, adding_task(L08["T"]), steps=steps, batch_size=L08["batch"], lr=L08["lr"],
                                   clip=L08["clip"], eval_size=L08["eval_size"], eval_every=L08["eval_every"],
                                   flush_denormal=True, seed=seed)
            values[f"{name}_final_mse"].append(round(float(hist.final_eval_mse()), 4))
            values[f"{name}_step_below_target"].append(_first_step_below(hist, L08["target"]))
    summary = {"seeds": len(values["gru_final_mse"])}
    for name in ("lstm_bias1", "lstm_bias0", "gru"):
        steps = values[f"{name}_step_below_target"]
        summary[f"{name}_solved"] = sum(s is not None for s in steps)
        reached = [s for s in steps if s is not None]
        summary[f"{name}_steps"] = [min(reached), max(reached)] if reached else None
    summary["gated_worst_final_mse"] = max(max(values[f"{n}_final_mse"]) for n in ("lstm_bias1", "gru"))
    summary["srn_best_final_mse"] = min(values["srn_final_mse"])
    b1, b0 = values["lstm_bias1_step_below_target"], values["lstm_bias0_step_below_target"]
    never = 10 ** 9                                                   # "never" counts as later than any step
    b1, b0 = [never if s is None else s for s in b1], [never if s is None else s for s in b0]
    summary["bias0_earlier"] = sum(x < y for x, y in zip(b0, b1))
    summary["bias0_later"] = sum(x > y for x, y in zip(b0, b1))
    return values, summary


# ---------------------------------------------------------------- lecture 09, sections 7-8 (variants, adding problem)
L09 = dict(kinds=("standard", "no_forget", "peephole", "coupled", "clockwork", "srn"), T=20, H=16, steps=300, lr=0.03,
           batch=128, clip=1.0, eval_every=25, solved=0.02)


def _memory_checks(model, T: int) -> tuple[list[bool], list[bool]]:
    """Lecture 09's checks on the trained standard cell: the memory probe (cell "Evidence from a trained
    cell") and the errors beyond the trained length (cell "Does the memory fade")."""
    import torch

    from course_utils import memory_probe
    from course_utils.tasks import adding_problem

    x_wm, y_wm = adding_problem(T, 1000, np.random.default_rng(99))
    probe = memory_probe.probe_memory_unit(model, x_wm, y_wm)
    write, marked, f_unit = probe.write, probe.marked, probe.gate("f")
    probe_ok = [abs(probe.corr[probe.unit]) > 0.95, np.abs(write[marked]).mean() > 5 * np.abs(write[~marked]).mean(),
                abs(probe.content) > 0.85, f_unit[~marked].mean() > 0.85]
    longer = {}
    for T_test in (20, 40, 80):
        x_test, y_test = adding_problem(T_test, 1000, np.random.default_rng(5))
        with torch.no_grad():
            pred = model(torch.as_tensor(x_test, dtype=torch.float32)).numpy()[:, 0]
        err = pred - y_test
        longer[T_test] = (np.mean(err ** 2), err.mean(), np.corrcoef(pred, y_test)[0, 1])
    (m20, o20, c20), (m40, o40, c40), (m80, o80, c80) = longer.values()
    longer_ok = [m80 > 5 * m20, o40 ** 2 > 0.5 * m40, c40 > 0.9, abs(o20) < abs(o40) < abs(o80), c80 < c20]
    return [bool(b) for b in probe_ok], [bool(b) for b in longer_ok]


def sweep_09_variants(seeds=range(8)) -> tuple[dict, dict]:
    from course_utils import regression
    from course_utils.tasks import adding_task

    values = {kind: [] for kind in L09["kinds"]}
    values["probe_checks_held"], values["longer_checks_held"] = [], []
    for seed in seeds:
        for kind in L09["kinds"]:
            model = regression.variant_regressor(kind, 2, L09["H"], seed=seed)
            hist = regression.train_regressor(model, adding_task(L09["T"]), steps=L09["steps"], lr=L09["lr"],
                                              batch_size=L09["batch"], clip=L09["clip"], eval_every=L09["eval_every"],
                                              seed=seed)
            values[kind].append(round(float(hist.final_eval_mse()), 4))
            if kind == "standard":
                probe_ok, longer_ok = _memory_checks(model, L09["T"])
                values["probe_checks_held"].append(probe_ok)
                values["longer_checks_held"].append(longer_ok)
    summary = {"seeds": len(values["standard"])}
    for kind in L09["kinds"]:
        mse = np.array(values[kind])
        summary[kind] = {"median": round(float(np.median(mse)), 4), "best": float(mse.min()), "worst": float(mse.max()),
                         "solved": int(np.sum(mse < L09["solved"]))}
    summary["forget_cells_worst"] = max(summary[k]["worst"] for k in ("standard", "peephole", "coupled"))
    summary["srn_cw_best"] = min(summary[k]["best"] for k in ("srn", "clockwork"))
    summary["cw_beats_srn"] = int(np.sum(np.array(values["clockwork"]) < np.array(values["srn"])))
    summary["probe_checks_all_held"] = int(sum(all(c) for c in values["probe_checks_held"]))
    summary["longer_checks_all_held"] = int(sum(all(c) for c in values["longer_checks_held"]))
    return values, summary


# ---------------------------------------------------------------- lecture 11, section 2 (digits row by row)
def sweep_11_digits(seeds=range(6)) -> tuple[dict, dict]:
    from course_utils import digits
    from course_utils.classification import SequenceClassifier, evaluate_accuracy, train_classifier

    img_tr, img_te, y_tr, y_te = digits.load_split(test_size=0.25, random_state=0)
    x_te = digits.as_sequences(img_te)
    shifted = (digits.as_sequences(digits.shifted_copies(img_tr)), np.tile(y_tr, 5))
    plain = (digits.as_sequences(img_tr), y_tr)
    # name: (bidirectional, training set, changes to digits.RECIPE); the lecture's model is the first
    variants = {"lstm": (False, shifted, {}),
                "lstm_no_shifts_no_smoothing": (False, plain, {"label_smoothing": 0.0}),
                "lstm_no_shifts_no_smoothing_no_clip": (False, plain, {"label_smoothing": 0.0, "clip": None}),
                "bilstm": (True, shifted, {})}
    values = {name: [] for name in variants}
    for name, (bidirectional, (x, y), changes) in variants.items():
        for seed in seeds:
            if bidirectional:
                model = SequenceClassifier("lstm", 8, 64, 10, bidirectional=True, seed=seed)
            else:
                model = SequenceClassifier("lstm", 8, 64, 10, num_layers=2, seed=seed)
            train_classifier(model, x, y, seed=seed, **{**digits.RECIPE, **changes})
            values[name].append(round(float(evaluate_accuracy(model, x_te, y_te)), 4))
    summary = {"seeds": len(values["lstm"])}
    for name, accs in values.items():
        summary[name] = {"mean": round(float(np.mean(accs)), 4), "range": [min(accs), max(accs)],
                         "below_98": int(sum(a < 0.98 for a in accs))}
    return values, summary


# ---------------------------------------------------------------- lecture 11, section 3 (sentiment)
def _sentiment_data():
    from course_utils.batching import pad_batch
    from course_utils.sentiment import last_word_rule, load_sentiment
    from course_utils.text import Vocab

    train_set, test_set = load_sentiment("train"), load_sentiment("test")
    vocab = Vocab([t for e in train_set for t in e.tokens], unk="<unk>", reserved=["<pad>"])
    pad = vocab.token_to_id["<pad>"]

    def encode(examples):
        x, lengths = pad_batch([vocab.encode(e.tokens) for e in examples], pad_id=pad)
        return x, lengths, np.array([e.label for e in examples])

    kinds = np.array([e.kind for e in test_set])
    rule = np.array([last_word_rule(e) for e in test_set])
    return vocab, encode(train_set), encode(test_set), kinds, rule


def _train_sentiment(model, train, seed: int):
    from course_utils.classification import train_classifier

    s_tr, len_tr, lab_tr = train
    train_classifier(model, s_tr, lab_tr, lengths=len_tr, steps=100, batch_size=len(lab_tr), lr=1e-2,
                     eval_every=100, seed=seed)


def sweep_11_readout(seeds=range(8)) -> tuple[dict, dict]:
    from course_utils.classification import SequenceClassifier, evaluate_accuracy, predict
    from course_utils.sentiment import accuracy_by_kind

    vocab, train, (s_te, len_te, lab_te), kinds, rule = _sentiment_data()
    values = {}
    for readout in ("last", "mean"):
        values[f"{readout}_test"], values[f"{readout}_by_kind"], values[f"{readout}_train"] = [], [], []
        values[f"{readout}_agrees_with_rule"] = []
        for seed in seeds:
            model = SequenceClassifier("lstm", 16, 32, 2, vocab_size=len(vocab), readout=readout, seed=seed)
            _train_sentiment(model, train, seed)
            pred = predict(model, s_te, len_te)
            values[f"{readout}_test"].append(round(float(np.mean(pred == lab_te)), 4))
            values[f"{readout}_by_kind"].append([round(float(a), 4) for a in accuracy_by_kind(pred, lab_te, kinds)])
            values[f"{readout}_train"].append(round(float(evaluate_accuracy(model, train[0], train[2], train[1])), 4))
            values[f"{readout}_agrees_with_rule"].append(round(float(np.mean(pred == rule)), 4))
    last_k, mean_k = np.array(values["last_by_kind"]), np.array(values["mean_by_kind"])
    rule_acc = float(np.mean(rule == lab_te))
    held = {   # the asserted statements of the lecture's cell, over all seeds of the sweep
        "every run fits its training sentences": min(values["last_train"] + values["mean_train"]) == 1.0,
        "last beats mean on contrast, every seed": bool(np.all(last_k[:, 3] > mean_k[:, 3])),
        "last beats mean overall, on average": np.mean(values["last_test"]) > np.mean(values["mean_test"]),
        "neither readout learned negation (< 0.6)": bool(last_k[:, 2].mean() < 0.6 and mean_k[:, 2].mean() < 0.6),
        "last agrees with the rule (> 0.7)": float(np.mean(values["last_agrees_with_rule"])) > 0.7,
        "the rule beats both networks": rule_acc > max(np.mean(values["last_test"]), np.mean(values["mean_test"])),
    }
    held = {statement: bool(ok) for statement, ok in held.items()}
    summary = {"seeds": len(values["last_test"]), "asserted_statements_held": int(sum(held.values())),
               "asserted_statements": len(held), "held": held,
               "mean_beats_last_on_plain": int(np.sum(mean_k[:, 0] > last_k[:, 0])),
               "last_beats_mean_on_intensifier": int(np.sum(last_k[:, 1] > mean_k[:, 1])),
               "last_mean_test": round(float(np.mean(values["last_test"])), 3),
               "mean_mean_test": round(float(np.mean(values["mean_test"])), 3)}
    return values, summary


def sweep_11_dropout(seeds=range(5), p: float = 0.5) -> tuple[dict, dict]:
    """Exercise 4 of lecture 11: dropout p on the embeddings and on the last-state readout."""
    import torch
    from torch import nn

    from course_utils.classification import SequenceClassifier, predict
    from course_utils.sentiment import accuracy_by_kind

    class DropoutClassifier(SequenceClassifier):
        def __init__(self, *args, dropout: float, **kwargs):
            super().__init__(*args, **kwargs)
            self.drop = nn.Dropout(dropout)

        def _embed(self, x):
            return self.drop(super()._embed(x))

        def forward(self, x, lengths=None):
            return self.head(self.drop(self.features(x, lengths)))

    vocab, train, (s_te, len_te, lab_te), kinds, _ = _sentiment_data()
    values = {"without": [], "with": [], "without_by_kind": [], "with_by_kind": []}
    for seed in seeds:
        for name, rate in (("without", None), ("with", p)):
            if rate is None:
                model = SequenceClassifier("lstm", 16, 32, 2, vocab_size=len(vocab), readout="last", seed=seed)
            else:
                model = DropoutClassifier("lstm", 16, 32, 2, vocab_size=len(vocab), readout="last", seed=seed,
                                          dropout=rate)
            torch.manual_seed(seed)                                    # the dropout masks
            _train_sentiment(model, train, seed)
            pred = predict(model, s_te, len_te)
            values[name].append(round(float(np.mean(pred == lab_te)), 4))
            values[f"{name}_by_kind"].append([round(float(a), 4) for a in accuracy_by_kind(pred, lab_te, kinds)])
    summary = {"seeds": len(values["with"]), "dropout": p,
               "without_mean": round(float(np.mean(values["without"])), 3),
               "with_mean": round(float(np.mean(values["with"])), 3),
               "without_by_kind_mean": [round(float(a), 3) for a in np.mean(values["without_by_kind"], axis=0)],
               "with_by_kind_mean": [round(float(a), 3) for a in np.mean(values["with_by_kind"], axis=0)]}
    return values, summary


# ---------------------------------------------------------------- lecture 11 generation, sections 4 and 6
def sweep_11_beam(seeds=range(6)) -> tuple[dict, dict]:
    from course_utils import seq2seq as s2s
    from course_utils import tasks

    task = tasks.reverse_task(1, 8)
    sources, targets = task(500, np.random.default_rng(12345))
    values = {"greedy": [], "beam5": [], "gain_points": [], "greedy_search_errors": [], "beam5_search_errors": []}
    for seed in seeds:
        model = s2s.Seq2Seq(hidden_size=64, embed_size=32, seed=seed)
        s2s.train_seq2seq(model, task, steps=400, batch_size=64, lr=5e-3, eval_every=50, seed=seed)
        greedy = s2s.decode(model, sources)
        beam = s2s.decode(model, sources, beam_width=5)
        g, b = float(s2s.matches(greedy, targets).mean()), float(s2s.matches(beam, targets).mean())
        values["greedy"].append(round(g, 3))
        values["beam5"].append(round(b, 3))
        values["gain_points"].append(round(100 * (b - g), 1))
        values["greedy_search_errors"].append(int(s2s.error_kinds(model, sources, targets, greedy)[0]))
        values["beam5_search_errors"].append(int(s2s.error_kinds(model, sources, targets, beam)[0]))
    gains = values["gain_points"]
    summary = {"seeds": len(gains), "gain_points": [min(gains), max(gains)],
               "negative_gains": sum(x < 0 for x in gains),
               "beam5_search_errors": sum(values["beam5_search_errors"]),
               "greedy_search_errors": [min(values["greedy_search_errors"]), max(values["greedy_search_errors"])]}
    return values, summary


def sweep_11_charlm(seeds=range(5), sampling_seeds=range(5)) -> tuple[dict, dict]:
    from course_utils import char_lm, decoding, text

    corpus = text.load_corpus("pydoc", normalize="letters")
    tokens = text.tokenize(corpus, "char")
    vocab = text.Vocab(tokens)
    ids = vocab.encode(tokens)
    train_ids, val_ids, _ = (np.asarray(part) for part in text.split_tokens(ids, (0.8, 0.1, 0.1)))
    train_words = set(vocab.decode_text(train_ids).split())
    space = vocab.token_to_id[" "]
    values = {"val_perplexity": [], "order_held": []}
    for seed in seeds:
        lm = char_lm.CharLM(len(vocab), embed_size=16, hidden_size=128, seed=seed)
        char_lm.train_char_lm(lm, train_ids, steps=400, batch_size=32, num_steps=32, lr=1e-2, seed=seed)
        values["val_perplexity"].append(round(float(char_lm.perplexity(lm, val_ids)), 3))
        held = []
        for sampling_seed in sampling_seeds:
            real_share, char_entropy = [], []
            for temperature in (0.5, 1.0, 1.5):
                drawn = decoding.sample(lm.step, lm.start_state(), space, 400, temperature=temperature,
                                        rng=np.random.default_rng(sampling_seed))
                words = vocab.decode_text(drawn).split()[:-1]
                real_share.append(np.mean([w in train_words for w in words]))
                char_entropy.append(decoding.entropy(np.bincount(drawn, minlength=len(vocab)) / len(drawn)))
            held.append(bool(real_share[0] > real_share[1] > real_share[2]
                             and char_entropy[0] < char_entropy[1] < char_entropy[2]))
        values["order_held"].append(held)
    ppl = values["val_perplexity"]
    summary = {"seeds": len(ppl), "sampling_seeds": len(sampling_seeds), "val_perplexity": [min(ppl), max(ppl)],
               "order_held": int(sum(map(sum, values["order_held"]))), "samples": len(ppl) * len(sampling_seeds)}
    return values, summary


# ---------------------------------------------------------------- lecture 12, section 2 (tree network)
def sweep_12_trees(seeds=range(10)) -> tuple[dict, dict]:
    import torch

    from course_utils import bag_of_symbols as bag
    from course_utils import recursive_net, tasks
    from course_utils.classification import accuracy, train_on_batches

    digits_, ops, H, B = [0, 1, 2], ["+", "-", "*"], 64, 128
    values = {"tree": [], "tree_larger": [], "bag_mlp": []}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        train_trees, y_train = tasks.expression_task(min_leaves=2, max_leaves=5)(4000, rng)
        test_trees, y_test = tasks.expression_task(min_leaves=2, max_leaves=5, exclude=train_trees)(2000, rng)
        big_trees, y_big = tasks.expression_task(min_leaves=6, max_leaves=8)(2000, rng)
        tree_net = recursive_net.TreeNet(num_symbols=3, num_labels=3, hidden_size=H, output_size=3, seed=seed)
        test_forest = recursive_net.encode_forest(test_trees, digits_, ops)
        tree_batches = [(recursive_net.encode_forest(train_trees[i:i + B], digits_, ops), y_train[i:i + B])
                        for i in range(0, len(train_trees), B)]
        tree_hist = train_on_batches(tree_net, tree_batches, steps=600, lr=3e-3, eval_set=(test_forest, y_test))

        def counts(ts):
            return torch.tensor(bag.symbol_counts(ts, digits_, ops), dtype=torch.float32)

        bag_net = bag.BagOfSymbols(num_features=6, hidden_size=H, output_size=3, seed=seed)
        x_bag = counts(train_trees)
        bag_batches = [(x_bag[i:i + B], y_train[i:i + B]) for i in range(0, len(train_trees), B)]
        bag_hist = train_on_batches(bag_net, bag_batches, steps=600, lr=3e-3, eval_set=(counts(test_trees), y_test))
        values["tree"].append(round(float(tree_hist.eval_accuracy[-1]), 4))
        big_forest = recursive_net.encode_forest(big_trees, digits_, ops)
        values["tree_larger"].append(round(float(accuracy(tree_net, big_forest, y_big)), 4))
        values["bag_mlp"].append(round(float(bag_hist.eval_accuracy[-1]), 4))
    summary = {"seeds": len(values["tree"])}
    summary.update({name: [min(v), max(v)] for name, v in values.items()})
    return values, summary


SWEEPS = {  # name: (lecture, function)
    "06_weight_decay": ("06_vanishing_exploding", sweep_06_weight_decay),
    "08_adding": ("08_lstm", sweep_08_adding),
    "09_variants": ("09_lstm_variants", sweep_09_variants),
    "11_digits": ("11_applications", sweep_11_digits),
    "11_readout": ("11_applications", sweep_11_readout),
    "11_dropout": ("11_applications", sweep_11_dropout),
    "11_beam": ("11_applications_generation", sweep_11_beam),
    "11_charlm": ("11_applications_generation", sweep_11_charlm),
    "12_trees": ("12_beyond_chains", sweep_12_trees),
}


def run(name: str) -> dict:
    from course_utils import setup

    lecture, sweep = SWEEPS[name]
    setup(threads=1, plots=False)
    t0 = time.perf_counter()
    values, summary = sweep()
    seconds = round(time.perf_counter() - t0, 1)
    seeds = summary["seeds"]
    return {"lecture": lecture, "seeds": list(range(seeds)), "values": values, "summary": summary, "seconds": seconds}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, only="")
    if args.only and args.only not in SWEEPS:
        raise ValueError(f"--only must be one of {', '.join(SWEEPS)}, got {args.only!r}")
    names = [args.only] if args.only else list(SWEEPS)
    print(f"{'sweep':18s} {'lecture':28s} seeds  seconds  summary")
    for name in names:
        entry = run(name)
        shown = {k: v for k, v in entry["summary"].items() if k not in ("seeds", "held")}
        print(f"{name:18s} {entry['lecture']:28s} {len(entry['seeds']):5d} {entry['seconds']:8.1f}  "
              f"{json.dumps(shown, ensure_ascii=False)}", flush=True)
        merge(args.json, {"seed_sweeps": {**_done(args.json), name: entry}})   # the other sweeps' entries stay
    return 0


def _done(path) -> dict:
    """The sweeps already in the results file (read just before writing, so parallel runs keep each other's)."""
    if path is None or not Path(path).exists():
        return {}
    return json.loads(Path(path).read_text()).get("seed_sweeps", {})


if __name__ == "__main__":
    sys.exit(main())
