"""What every benchmark script shares: its command line and merging its keys into results.json."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def parse_args(doc: str, argv=None, **extra) -> argparse.Namespace:
    """`--json PATH` (merge the results into that file) plus any extra `--name default` options."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="merge this benchmark's keys into a JSON file")
    for name, default in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args(argv)


def merge(path: Path | None, results: dict) -> None:
    """Update the JSON object in `path` (created if missing) with `results`; no-op when path is None."""
    if path is None:
        return
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(results)
    path.write_text(json.dumps(data, indent=2) + "\n")


# key → (goal text, test of the value); None: reported without a goal
GOALS = {
    "lstm_numpy_over_torch": ("≤ 1.5", lambda v: v <= 1.5),
    "gru_numpy_over_torch": ("≤ 1.5", lambda v: v <= 1.5),
    "srn_numpy_over_torch": ("≤ 1.5", lambda v: v <= 1.5),
    "lstm_naive_numpy_over_torch": ("contrast", None),
    "rtrl_time_exponent": ("theory 4", None),
    "digits_lstm_accuracy": ("≥ 0.98", lambda v: v >= 0.98),
    "digits_lstm_seconds": ("≤ 10", lambda v: v <= 10),
    "attention_exact_match_long": ("attention > plain", lambda v: min(v["dot"], v["additive"]) > v["plain"]),
    "captioning_exact_match": ("≥ 0.96 every seed", lambda v: min(v.values()) >= 0.96),
    "adding_max_T_solved": ("LSTM, GRU ≥ 200", lambda v: v["lstm"] >= 200 and v["gru"] >= 200),
    "charlm_ppl_over_ngram8": ("≤ 1.0", lambda v: v <= 1.0),
    "charlm_ppl_over_best_ngram": ("information", None),
    "ppl_over_entropy_floor": ("≤ 1.05", lambda v: v <= 1.05),
    "notebook_seconds": ("≤ 45 each", lambda v: max(v.values()) <= 45),
    "grading_seconds_per_submission": ("≤ 4", lambda v: v <= 4),
    "slide_budget": ("≤ 2000 words, ≤ 150 code lines, cells ≤ 30 each",
                     lambda v: all(b["words"] <= 2000 and b["code_lines"] <= 150 and b["longest_cell"] <= 30
                                   for b in v.values())),
}


def _shown(key: str, value) -> str:
    if key == "notebook_seconds":
        slowest = max(value, key=value.get)
        return f"max {value[slowest]:.1f} ({slowest}); total {sum(value.values()):.0f}"
    if key == "slide_budget":
        return (f"max {max(b['words'] for b in value.values())} words, "
                f"{max(b['code_lines'] for b in value.values())} code lines, "
                f"longest cell {max(b['longest_cell'] for b in value.values())}")
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return f"{value:g}"


def table(results: dict) -> str:
    """A markdown table of the results that have a row in GOALS: key, value, goal, met?"""
    rows = ["| key | value | goal | met |", "|---|---|---|---|"]
    for key, (goal, test) in GOALS.items():
        if key in results:
            met = "" if test is None else ("yes" if test(results[key]) else "**no**")
            rows.append(f"| `{key}` | {_shown(key, results[key])} | {goal} | {met} |")
    return "\n".join(rows)
