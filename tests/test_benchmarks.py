"""The benchmark scripts' plumbing (no timings are asserted: goals live in the benchmark output)."""
import importlib
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
SCRIPTS = importlib.import_module("run").SCRIPTS


def test_merge_creates_and_updates_the_results_file(tmp_path):
    from _results import merge

    path = tmp_path / "results.json"
    merge(path, {"a": 1})
    merge(path, {"b": {"c": 2}})
    merge(None, {"ignored": True})
    assert json.loads(path.read_text()) == {"a": 1, "b": {"c": 2}}


def test_parse_args_takes_json_and_typed_extras():
    from _results import parse_args

    args = parse_args("doc", ["--json", "x.json", "--time-limit", "5"], time_limit=60.0)
    assert args.json == Path("x.json") and args.time_limit == 5.0


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_benchmark_runs_alone_and_documents_itself(name):
    module = importlib.import_module(name)
    assert callable(module.main) and f"benchmarks/{name}.py" in module.__doc__
    assert (BENCH / f"{name}.py").exists() and name in (BENCH / "README.md").read_text()


@pytest.mark.slow
def test_adding_solve_reports_a_short_run(one_torch_thread):
    adding = importlib.import_module("adding_max_T")
    solved, seconds, steps, mse = adding.solve("lstm", 25, time_limit=0.5)
    assert isinstance(solved, bool) and 0 < seconds < 30 and steps >= 1 and mse >= 0


@pytest.mark.slow
def test_adding_seed_check_reports_every_seed_of_every_cell(one_torch_thread, monkeypatch):
    adding = importlib.import_module("adding_max_T")
    monkeypatch.setattr(adding, "SEED_STEPS", 2)
    out = adding.seed_check(2, ["irnn", "srn_orthogonal"])["adding_init_seeds"]
    assert list(out) == ["irnn", "srn_orthogonal"] and all(len(v) == 2 and min(v) > 0 for v in out.values())


def test_machine_description_names_cpu_and_versions():
    info = importlib.import_module("run").machine()
    assert {"cpu", "cores", "python", "numpy", "torch", "date"} <= set(info)


def test_table_marks_met_and_missed_goals():
    from _results import table

    text = table({"lstm_numpy_over_torch": 1.3, "charlm_ppl_over_best_ngram": 1.2, "rtrl_time_exponent": 3.5,
                  "charlm_ppl_over_ngram8": 0.99,
                  "adding_max_T_solved": {"srn": 0, "gru": 400, "lstm": 200},
                  "notebook_seconds": {"a.ipynb": 3.0, "b.ipynb": 50.0}, "unknown": 1})
    lines = text.splitlines()
    assert "| `lstm_numpy_over_torch` | 1.3 | ≤ 1.5 | yes |" in lines
    assert "| `charlm_ppl_over_best_ngram` | 1.2 | information |  |" in lines
    assert "| `rtrl_time_exponent` | 3.5 | theory 4 |  |" in lines
    assert "| `charlm_ppl_over_ngram8` | 0.99 | ≤ 1.0 | yes |" in lines
    assert "| `adding_max_T_solved` | srn 0, gru 400, lstm 200 | LSTM, GRU ≥ 200 | yes |" in lines
    assert "| `notebook_seconds` | max 50.0 (b.ipynb); total 53 | ≤ 45 each | **no** |" in lines
    assert "unknown" not in text


def test_copyable_marks_contexts_seen_verbatim_in_training():
    import numpy as np

    charlm = importlib.import_module("charlm")
    train = np.array([1, 2, 3, 4, 5, 6])
    val = np.array([2, 3, 4, 9, 3, 4, 5, 9])
    # positions t = 2 … 7 with contexts val[t−2:t]: (2,3) (3,4) (4,9) (9,3) (3,4) (4,5)
    assert charlm.copyable(train, val, context=2).tolist() == [True, True, False, False, True, True]
    log_probs = np.log(np.array([0.5, 0.5, 0.25, 0.25, 0.5, 0.5]))
    seen, unseen = charlm.perplexity_split(log_probs, charlm.copyable(train, val, context=2))
    assert seen == pytest.approx(2.0) and unseen == pytest.approx(4.0)


def test_lstm_log_probs_line_up_with_the_ngrams_positions():
    import numpy as np
    import torch

    from course_utils import char_lm

    charlm = importlib.import_module("charlm")
    model = char_lm.CharLM(5, embed_size=3, hidden_size=4, seed=0)
    ids = np.array([0, 3, 1, 4, 4, 2, 0, 1])
    log_probs = charlm.lstm_token_log_probs(model, ids)
    assert log_probs.shape == ids.shape and np.isnan(log_probs[0])
    assert np.exp(-log_probs[1:].mean()) == pytest.approx(char_lm.perplexity(model, ids), rel=1e-12)
    with torch.no_grad():                       # log p(ids[4] | ids[:4]) from the prefix alone
        logits, _ = model(torch.as_tensor(ids[:4])[:, None])
    assert log_probs[4] == pytest.approx(float(logits[3, 0].double().log_softmax(-1)[ids[4]]), rel=1e-6)


def test_regularised_run_records_a_curve_and_plots_it(tmp_path):
    import numpy as np

    from course_utils import char_lm

    charlm = importlib.import_module("charlm")
    ids = np.tile(np.arange(5), 100)
    model = char_lm.CharLM(5, 8, 8, dropout=0.2, variational=True, tie_weights=True, seed=0)
    run = charlm.train_with_curve(model, ids, ids[:50], 60.0, dict(batch_size=4, num_steps=8, lr=3e-2, seed=0,
                                                                   steps=20), eval_every=5)
    assert run["curve_steps"] == [0, 5, 10, 15, 20] and run["steps"] == 20
    assert run["val_ppl"] == pytest.approx(char_lm.perplexity(model, ids[:50]), rel=1e-12)
    assert run["curve_val_ppl"][-1] == pytest.approx(run["val_ppl"], abs=1e-4)
    assert run["best_val_ppl"] <= run["val_ppl"] and run["curve_seconds"] == sorted(run["curve_seconds"])
    path = tmp_path / "curves.png"
    charlm.plot_curves({"a": run, "b": run}, {"n-gram": 2.7}, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert charlm._rounded({"x": [1.234567, {"y": 2.0000001}], "z": 3}) == {"x": [1.2346, {"y": 2.0}], "z": 3}
