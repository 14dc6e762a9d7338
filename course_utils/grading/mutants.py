"""Plausible buggy submissions, made from the solution notebooks by small edits.

Each `Mutant` is one mistake a student makes (a missing derivative term, no accumulation across
steps, a mean instead of a sum, a swapped gate block, a wrong `h_n` layout, an off-by-one count),
written as text replacements in one or more solution cells. They serve three purposes:

- tests/test_grading_mutants.py grades each one under many seeds and asserts one score, below full
  marks, every time, and the hint a TA would give;
- benchmarks/grading_speed.py grades a folder of them;
- a TA who changes a grading spec can see what it does to known bugs:
  `python -m course_utils.grading.mutants DIR` writes every mutant as a notebook into DIR.

`hint` is a piece of text the grader's report must contain for that mutant.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import nbgrader_meta as meta
from .paths import course_root

NOTEBOOKS = {"hw01": "hw01_ngram_perplexity.ipynb", "hw02": "hw02_leaky_srn_bptt.ipynb", "hw03": "hw03_rtrl.ipynb",
             "hw04": "hw04_gated_cells.ipynb", "hw05": "hw05_stacked_bidirectional.ipynb"}


@dataclass(frozen=True)
class Mutant:
    assignment: str
    name: str
    what: str                                      # the mistake, as a TA would name it
    edits: tuple[tuple[str, str, str], ...]       # (grade_id, text in the solution, replacement)
    hint: str = ""                                 # text the report must contain


MUTANTS = (
    # ---------------------------------------------------------------- hw01
    Mutant("hw01", "last_pair_dropped", "off by one: the last bigram of the text is not counted",
           (("bigram_statistics", "np.add.at(C, (ids[:-1], ids[1:]), 1)", "np.add.at(C, (ids[:-2], ids[1:-1]), 1)"),),
           hint="counts"),
    Mutant("hw01", "perplexity_over_pairs", "perplexity divides by the number of pairs T − 1, not by T",
           (("bigram_perplexity", "-log_q / ids.size", "-log_q / max(ids.size - 1, 1)"),),
           hint="result"),
    Mutant("hw01", "no_lower_order_mass", "Kneser–Ney without the discounted mass d·U/V in p_cont",
           (("kn_bigram_model", "+ d * U / V) / types", ") / types"),),
           hint="p_cont"),
    Mutant("hw01", "largest_d_on_ties", "a tie goes to the largest d, not the smallest",
           (("choose_discount", "float(best.min())", "float(best.max())"),),
           hint="tie"),
    Mutant("hw01", "unseen_context_zero_row", "a context never seen gets a row of zeros instead of p_cont",
           (("kn_bigram_model", "P = np.tile(p_cont, (V, 1))", "P = np.zeros((V, V))"),),
           hint="P of case"),
    # ---------------------------------------------------------------- hw02
    Mutant("hw02", "no_tanh_derivative", "the step backward forgets tanh′ = 1 − n²",
           (("leaky_step_backward", "da = alpha * dh * (1.0 - n * n)", "da = alpha * dh"),),
           hint="dx, dh_prev, dW_hx, dW_hh and db_h are wrong"),
    Mutant("hw02", "no_accumulation", "BPTT does not add the gradient that h_{t+1} sends back",
           (("leaky_bptt", "leaky_step_backward(dhs[t] + dh_next, caches[t])",
             "leaky_step_backward(dhs[t], caches[t])"),),
           hint="right for T = 1"),
    Mutant("hw02", "batch_mean", "parameter gradients averaged over the batch instead of summed",
           (("leaky_step_backward", "dW_hx = da.T @ x\n", "dW_hx = da.T @ x / x.shape[0]\n"),
            ("leaky_step_backward", "dW_hh = da.T @ h_prev\n", "dW_hh = da.T @ h_prev / x.shape[0]\n"),
            ("leaky_step_backward", "db_h = da.sum(axis=0)", "db_h = da.mean(axis=0)")),
           hint="1/N"),
    Mutant("hw02", "transposed_dW_hh", "dW_hh computed as h_prevᵀ·da, the transpose",
           (("leaky_step_backward", "dW_hh = da.T @ h_prev", "dW_hh = h_prev.T @ da"),),
           hint="transpose"),
    Mutant("hw02", "dx_sign", "a sign error in dx",
           (("leaky_step_backward", "dx = da @ W_hx", "dx = -da @ W_hx"),),
           hint="(a sign error?)"),
    Mutant("hw02", "bptt_time_mean", "the parameter gradients averaged over time",
           (("leaky_bptt", '    grads["x"] = np.stack(dxs)',
             '    for k in ("W_hx", "W_hh", "b_h"):\n        grads[k] = grads[k] / len(caches)\n'
             '    grads["x"] = np.stack(dxs)'),),
           hint="1/T"),
    Mutant("hw02", "per_array_clipping", "each gradient array clipped on its own norm",
           (("clip_global_norm", "return {k: g * scale for k, g in grads.items()}, norm",
             "return {k: g * min(1.0, max_norm / (float(np.linalg.norm(g)) + 1e-12))"
             " for k, g in grads.items()}, norm"),),
           hint="clipped"),
    # ---------------------------------------------------------------- hw03
    Mutant("hw03", "no_leak_in_P", "the RTRL step drops the (1 − α)·P_{t−1} term",
           (("rtrl_leaky_step", "P[name] = (1.0 - alpha) * P_prev[name] + g * Q", "P[name] = g * Q"),),
           hint="P"),
    Mutant("hw03", "readout_batch_mean", "read-out loss and gradients averaged over the batch",
           (("rtrl_readout_gradients", "loss = -float(np.sum(log_p[rows, y]))",
             "loss = -float(np.mean(log_p[rows, y]))"),
            ("rtrl_readout_gradients", "do[rows, y] -= 1.0 ", "do[rows, y] -= 1.0\n    do /= h.shape[0]"),),
           hint="1/N"),
    Mutant("hw03", "onehot_all_rows", "softmax minus one-hot written as do[:, y] -= 1 (every row, every label)",
           (("rtrl_readout_gradients", "do[rows, y] -= 1.0", "do[:, y] -= 1.0"),),
           hint="right for N = 1 only"),
    Mutant("hw03", "last_step_only", "the sequence gradient keeps only the last step's contribution",
           (("rtrl_leaky_gradients", 'grads[name] += np.einsum("ni,ni...->...", dhs[t], P[name])',
             'grads[name] = np.einsum("ni,ni...->...", dhs[t], P[name])'),
            ("rtrl_leaky_gradients", 'grads["h0"] += np.einsum', 'grads["h0"] = np.einsum')),
           hint="right for T = 1"),
    # ---------------------------------------------------------------- hw04
    Mutant("hw04", "coupled_gates_swapped", "the coupled cell's f and g gradient blocks in the wrong order",
           (("coupled_step_backward",
             "dz = np.concatenate([dc_total * (c_prev - g) * f * (1.0 - f),   # f mixes c_prev and g\n"
             "                         dc_total * (1.0 - f) * (1.0 - g * g),",
             "dz = np.concatenate([dc_total * (1.0 - f) * (1.0 - g * g),\n"
             "                         dc_total * (c_prev - g) * f * (1.0 - f),"),),
           hint="blocks f and g"),
    Mutant("hw04", "coupled_no_accumulation", "BPTT through the coupled cell drops the gradient from h_{t+1}",
           (("coupled_backward", "coupled_step_backward(dhs[t] + dh_next, dc_next, cache[t])",
             "coupled_step_backward(dhs[t], dc_next, cache[t])"),),
           hint="the gradient from later steps is missing"),
    Mutant("hw04", "coupled_batch_mean", "parameter gradients of the coupled step averaged over the batch",
           (("coupled_step_backward", "dW_x, dW_h, db = dz.T @ x, dz.T @ h_prev, dz.sum(axis=0)",
             "dW_x, dW_h, db = dz.T @ x / len(x), dz.T @ h_prev / len(x), dz.mean(axis=0)"),),
           hint="1/N"),
    Mutant("hw04", "output_gate_no_sigmoid_derivative", "the output gate forgets σ′ = o(1 − o)'s factor o",
           (("coupled_step_backward", "dh * tanh_c * o * (1.0 - o)]", "dh * tanh_c * (1.0 - o)]"),),
           hint="block o"),
    Mutant("hw04", "peephole_o_path_missing", "the peephole cell forgets that c_t also feeds the output gate",
           (("peephole_step_backward", " + dz_o * p_o     # c_t also feeds the output gate", ""),),
           hint="dc_prev"),
    # ---------------------------------------------------------------- hw05
    Mutant("hw05", "h_n_backward_at_T", "h_n takes the backward direction's state at step T, not at step 1",
           (("bi_layer_forward", "h_n = np.stack([fw[-1], bw[0]])", "h_n = np.stack([fw[-1], bw[-1]])"),),
           hint="h_n"),
    Mutant("hw05", "h_n_direction_major",
           "h_n ordered by direction, then layer (torch orders by layer, then direction)",
           (("stacked_bi_forward", "return layer_in, np.concatenate(finals, axis=0)",
             "return layer_in, np.concatenate([f[:1] for f in finals] + [f[1:] for f in finals], axis=0)"),),
           hint="h_n"),
    Mutant("hw05", "backward_not_reversed", "the backward direction's outputs are left in reading order",
           (("bi_layer_forward", "bw = run(x[::-1], h0[1], p_bw)[::-1]", "bw = run(x[::-1], h0[1], p_bw)"),),
           hint="reversed in time"),
    Mutant("hw05", "summary_last_step_both_halves", "the summary from output takes output[-1] for both halves",
           (("top_final_states", "output[0, :, H:]", "output[-1, :, H:]"),),
           hint="block backward"),
    Mutant("hw05", "dh_n_ignored", "the backward pass ignores the gradient arriving at h_n",
           (("stacked_bi_backward", "dh = np.zeros_like(h0[k]) if dh_n is None else dh_n[k].copy()",
             "dh = np.zeros_like(h0[k])"),),
           hint="dh_n"),
)


def by_name(assignment: str, name: str) -> Mutant:
    for m in MUTANTS:
        if (m.assignment, m.name) == (assignment, name):
            return m
    raise ValueError(f"no mutant {assignment}/{name}; known: {[f'{m.assignment}/{m.name}' for m in MUTANTS]}")


def build(mutant: Mutant, solutions: Path | None = None):
    """The solution notebook of the mutant's assignment with its edits applied (outputs cleared).
    Each edited text must occur exactly once in its cell, so a changed solution breaks loudly here."""
    nb = nbformat.read((solutions or course_root() / "solutions") / NOTEBOOKS[mutant.assignment], as_version=4)
    cells = {meta.meta(c).get("grade_id"): c for c in nb.cells}
    for grade_id, old, new in mutant.edits:
        cell = cells.get(grade_id)
        if cell is None:
            raise ValueError(f"{mutant.name}: no cell {grade_id!r} in {NOTEBOOKS[mutant.assignment]}")
        found = cell.source.count(old)
        if found != 1:
            raise ValueError(f"{mutant.name}: {old!r} occurs {found} times in cell {grade_id!r}, expected once")
        cell.source = cell.source.replace(old, new)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def write(mutant: Mutant, folder: Path) -> Path:
    path = Path(folder) / f"{mutant.assignment}_{mutant.name}.ipynb"
    nbformat.write(build(mutant), path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.mutants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="where to write one notebook per mutant")
    parser.add_argument("--assignment", help="only this assignment's mutants (hwNN)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    for m in MUTANTS:
        if args.assignment in (None, m.assignment):
            print(f"{write(m, args.folder)}: {m.what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
