"""The lectures quote what benchmarks/seed_sweeps.py measured: a quoted number that drifts from results.json fails.

Each row names a lecture, a text that finds one cell of it, the sweep and the summary entry in
results.json (key `seed_sweeps`), and how the lecture writes the number; the formatted value must
occur in that cell. Rerun the sweep (`python benchmarks/seed_sweeps.py --json benchmarks/results.json
--only NAME`) and update the lecture when one of these fails. A second table checks that the
lectures still train with the recipe the sweeps copy from them.
"""
import importlib
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
SWEEPS = importlib.import_module("seed_sweeps").SWEEPS


def _results() -> dict:
    return json.loads((ROOT / "benchmarks" / "results.json").read_text())["seed_sweeps"]


def pct(value) -> str:
    return f"{100 * value:.1f}%"


def span(spec: str, unit: str = ""):
    """[lo, hi] → 'lo–hi' with a format spec; unit '%' shows fractions as percentages."""
    def shown(pair):
        lo, hi = (100 * v for v in pair) if unit == "%" else pair
        return f"{lo:{spec}}–{hi:{spec}}{unit}"
    return shown


# (lecture, text that finds the cell, sweep, path in the summary, format); a format is a str.format spec,
# a callable, or ("of", path): 'k of n' with n at that path.
QUOTES = [
    # lecture 06 (edited by /work/wt/i18seeds_edits.py, owned by another branch)
    ("06_vanishing_exploding", "mild decay lowers", "06_weight_decay", ("mild_decay_lowers_sigma",),
     ("of", ("seeds",))),
    ("06_vanishing_exploding", "mild decay lowers", "06_weight_decay", ("mild_decay_raises_sigma",), "raised it on {}"),
    ("06_vanishing_exploding", "mild decay lowers", "06_weight_decay", ("strong_sigma_below_1",), ("of", ("seeds",))),
    ("06_vanishing_exploding", "mild decay lowers", "06_weight_decay", ("strong_at_baseline",), ("of", ("seeds",))),
    # lecture 08
    ("08_lstm", "The gated networks first do what", "08_adding", ("lstm_bias1_steps",), span("d", "")),
    ("08_lstm", "The gated networks first do what", "08_adding", ("gru_steps",), span("d", "")),
    ("08_lstm", "The gated networks first do what", "08_adding", ("gated_worst_final_mse",), "{:.4f}"),
    ("08_lstm", "The gated networks first do what", "08_adding", ("srn_best_final_mse",), "{:.3f}"),
    ("08_lstm", "The forget bias at $T = 100$", "08_adding", ("lstm_bias0_steps",), span("d", "")),
    ("08_lstm", "The forget bias at $T = 100$", "08_adding", ("bias0_earlier",), "on {} seed"),
    ("08_lstm", "The forget bias at $T = 100$", "08_adding", ("bias0_later",), "later on {}"),
    # lecture 09
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("standard",), "table"),
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("no_forget",), "table"),
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("peephole",), "table"),
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("coupled",), "table"),
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("clockwork",), "table"),
    ("09_lstm_variants", "| standard, forget bias 1 |", "09_variants", ("srn",), "table"),
    ("09_lstm_variants", "That is the only basis for the checks above", "09_variants", ("forget_cells_worst",),
     "worst {:.4f}"),
    ("09_lstm_variants", "That is the only basis for the checks above", "09_variants", ("srn_cw_best",),
     "best {:.4f}"),
    ("09_lstm_variants", "That is the only basis for the checks above", "09_variants", ("cw_beats_srn",),
     ("of", ("seeds",))),
    ("09_lstm_variants", "That is the only basis for the checks above", "09_variants", ("no_forget", "solved"),
     ("of", ("seeds",))),
    ("09_lstm_variants", "probe = memory_probe.probe_memory_unit(trained", "09_variants", ("probe_checks_all_held",),
     ("of", ("seeds",))),
    ("09_lstm_variants", "longer = {}", "09_variants", ("longer_checks_all_held",), ("of", ("seeds",))),
    ("09_lstm_variants", "## Summary", "09_variants", ("no_forget", "solved"), ("of", ("seeds",))),
    # lecture 11, applications
    ("11_applications", "These ingredients", "11_digits", ("lstm", "mean"), pct),
    ("11_applications", "These ingredients", "11_digits", ("lstm_no_shifts_no_smoothing", "mean"), pct),
    ("11_applications", "These ingredients", "11_digits", ("lstm_no_shifts_no_smoothing_no_clip", "mean"), pct),
    ("11_applications", "Nine errors or fewer", "11_digits", ("lstm", "range"), span(".1f", "%")),
    ("11_applications", "Both are at about 99%", "11_digits", ("lstm", "range"), span(".1f", "%")),
    ("11_applications", "Both are at about 99%", "11_digits", ("bilstm", "range"), span(".1f", "%")),
    ("11_applications", "With 40 test sentences and 5 seeds", "11_readout", ("asserted_statements_held",),
     ("of", ("asserted_statements",))),
    ("11_applications", "With 40 test sentences and 5 seeds", "11_readout", ("mean_beats_last_on_plain",),
     "{} of 8 seeds"),
    ("11_applications", "With 40 test sentences and 5 seeds", "11_readout", ("last_beats_mean_on_intensifier",),
     "intensifier sentences in {} of 8"),
    ("11_applications", "Regularise the sentiment LSTM", "11_dropout", ("without_mean",), "{:.3f}"),
    ("11_applications", "Regularise the sentiment LSTM", "11_dropout", ("with_mean",), "{:.3f}"),
    # lecture 11, generation (edited by /work/wt/i18seeds_edits.py, owned by another branch)
    ("11_applications_generation", "Beam search helps", "11_beam", ("gain_points",), span(".1f", "")),
    ("11_applications_generation", "Beam search helps", "11_beam", ("beam5_search_errors",), "{} search errors"),
    ("11_applications_generation", "The 8-gram wins because", "11_charlm", ("val_perplexity",), span(".3f", "")),
    ("11_applications_generation", "These two measurements on one 400-character sample", "11_charlm", ("order_held",),
     ("of", ("samples",))),
    # lecture 12
    ("12_beyond_chains", "The checks' bounds leave room for the seed", "12_trees", ("tree",), span(".3f", "")),
    ("12_beyond_chains", "The checks' bounds leave room for the seed", "12_trees", ("tree_larger",), span(".3f", "")),
    ("12_beyond_chains", "The checks' bounds leave room for the seed", "12_trees", ("bag_mlp",), span(".2f", "")),
]

# (lecture, text its code must still contain): the recipe each sweep copies
RECIPES = [
    ("08_lstm", "T_ADD, H_ADD, BATCH, LR = 100, 32, 32, 2e-2"),
    ("08_lstm", "eval_size=500, eval_every=100, flush_denormal=True, seed=0)"),
    ("08_lstm", 'train_on_adding("lstm", steps=1600, forget_bias=1.0)'),
    ("08_lstm", 'train_on_adding("gru", steps=400)'),
    ("08_lstm", 'train_on_adding("rnn", steps=1500)'),
    ("09_lstm_variants", "T_ADD, H_CMP = 20, 16"),
    ("09_lstm_variants", "steps=300, lr=0.03, batch_size=128"),
    ("11_applications", 'SequenceClassifier("lstm", 8, 64, 10, num_layers=2, seed=0)'),
    ("11_applications", 'SequenceClassifier("lstm", 8, 64, 10, bidirectional=True, seed=0)'),
    ("11_applications", "steps=100, batch_size=len(train_set), lr=1e-2"),
    ("11_applications_generation", "s2s.train_seq2seq(model, task, steps=400, batch_size=64, lr=5e-3, eval_every=50"),
    ("11_applications_generation", "steps=400, batch_size=32, num_steps=32, lr=1e-2, seed=0"),
    ("12_beyond_chains", "steps=600, lr=3e-3, eval_set=(test_forest, y_test)"),
    ("06_vanishing_exploding", "sgd_run(recall, shown, clip=THETA, weight_decay=lam)"),
]


def _cell(lecture: str, needle: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / f"{lecture}.ipynb", as_version=4)
    hits = [c.source for c in nb.cells if needle in c.source]
    assert len(hits) == 1, f"{lecture}: {len(hits)} cells contain {needle!r} (expected one)"
    return hits[0]


def _at(summary: dict, path: tuple):
    for key in path:
        summary = summary[key]
    return summary


def quoted(summary: dict, path: tuple, fmt) -> str:
    """How the lecture writes summary[path]."""
    value = _at(summary, path)
    if isinstance(fmt, tuple) and fmt[0] == "of":
        return f"{value} of {_at(summary, fmt[1])}"
    if fmt == "table":           # a row of lecture 09's table: median | best | worst | solved
        return (f"| {value['median']:.4f} | {value['best']:.4f} | {value['worst']:.4f} | "
                f"{value['solved']} / {summary['seeds']} |")
    if callable(fmt):
        return fmt(value)
    return fmt.format(value)


def test_every_sweep_has_its_results():
    results = _results()
    for name, (lecture, _) in SWEEPS.items():
        entry = results[name]
        assert entry["lecture"] == lecture and entry["seeds"] == list(range(entry["summary"]["seeds"]))
        assert all(len(v) == len(entry["seeds"]) for v in entry["values"].values()), name


def test_every_sweep_is_quoted_by_its_lecture():
    assert {sweep for _, _, sweep, _, _ in QUOTES} == set(SWEEPS)


@pytest.mark.parametrize("lecture, needle, sweep, path, fmt", QUOTES,
                         ids=[f"{q[0]}-{q[2]}-{'.'.join(q[3])}" for q in QUOTES])
def test_lecture_quotes_the_measured_value(lecture, needle, sweep, path, fmt):
    text = quoted(_results()[sweep]["summary"], path, fmt)
    cell = _cell(lecture, needle)
    assert text in cell, f"{lecture} should quote {text!r} (results.json, seed_sweeps → {sweep}) in:\n{cell}"
    assert "seed_sweeps" in cell, f"{lecture}: the cell quoting {sweep} should name benchmarks/seed_sweeps.py"


@pytest.mark.parametrize("lecture, snippet", RECIPES)
def test_lecture_still_uses_the_recipe_the_sweep_copies(lecture, snippet):
    nb = nbformat.read(ROOT / "notebooks" / f"{lecture}.ipynb", as_version=4)
    assert any(snippet in c.source for c in nb.cells if c.cell_type == "code"), f"{lecture} lost {snippet!r}"


def test_quoted_formats():
    summary = {"seeds": 8, "k": 3, "r": [0.989, 0.9933], "t": {"median": 0.0021, "best": 0.0004, "worst": 0.0107,
                                                                 "solved": 8}}
    assert quoted(summary, ("k",), ("of", ("seeds",))) == "3 of 8"
    assert quoted(summary, ("r",), span(".1f", "%")) == "98.9–99.3%"
    assert quoted(summary, ("t",), "table") == "| 0.0021 | 0.0004 | 0.0107 | 8 / 8 |"
    assert quoted(summary, ("k",), "raised it on {}") == "raised it on 3"


def test_first_step_below_reads_the_history():
    from course_utils.train import History

    sweeps = importlib.import_module("seed_sweeps")
    hist = History(steps=[0, 100, 200], eval_mse=[1.0, 0.02, 0.005])
    assert sweeps._first_step_below(hist, 0.01) == 200 and sweeps._first_step_below(hist, 0.001) is None


def test_only_names_a_sweep():
    with pytest.raises(ValueError, match="--only must be one of"):
        importlib.import_module("seed_sweeps").main(["--only", "no_such_sweep"])
