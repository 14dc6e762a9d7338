"""The longest adding problem each cell solves within 60 s of training (goal: LSTM and GRU ≥ 200).

    python benchmarks/adding_max_T.py [--json benchmarks/results.json] [--time-limit 60]

For each cell (torch's nn.RNN with tanh, nn.GRU, nn.LSTM with forget bias 1) and T = 25, 50, 100,
200, 400 in turn: train `regression.SequenceRegressor` with `regression.train_regressor` (lecture 08's recipe:
H = 32, batch 32, Adam 2e-2, clipping at 1; for the SRN Adam 2e-3, because at 2e-2 it does not
even solve T = 25, while at 2e-3 it solves T = 50) for at most `time_limit` seconds, stopping as
soon as the held-out MSE (500 sequences, every 100 steps) is below 0.01. T counts as solved if it got
there. A cell that fails at some T is not tried at longer ones (the problem only gets harder),
so the SRN's run stays short. Keys: `adding_max_T_solved` = {cell: longest T solved, 0 if none}, and
`adding_details` = {cell: {T: [seconds, steps, final held-out MSE]}}.
"""
from __future__ import annotations

import sys

from _results import merge, parse_args

LENGTHS = (25, 50, 100, 200, 400)
SOLVED_MSE = 0.01
# cell: (torch layer, SequenceRegressor options, Adam learning rate)
CELLS = {"srn": ("rnn", {}, 2e-3), "gru": ("gru", {}, 2e-2), "lstm": ("lstm", {"forget_bias": 1.0}, 2e-2)}


def solve(cell: str, T: int, time_limit: float):
    """(solved, seconds, steps, final held-out MSE) for one cell and length."""
    from course_utils.regression import SequenceRegressor, train_regressor
    from course_utils.tasks import adding_task

    kind, extra, lr = CELLS[cell]
    model = SequenceRegressor(kind, input_size=2, hidden_size=32, seed=0, **extra)
    hist = train_regressor(model, adding_task(T), time_limit=time_limit, batch_size=32, lr=lr, clip=1.0,
                           eval_size=500, eval_every=100, target_mse=SOLVED_MSE, seed=0,
                           flush_denormal=True)   # vanished SRN gradients: slow subnormal floats (lecture 08)
    mse = hist.final_eval_mse()
    return mse < SOLVED_MSE, hist.seconds[-1], hist.steps[-1], mse


def measure(time_limit: float = 60.0) -> dict:
    from course_utils import setup

    setup(threads=1)   # H = 32: a second thread does not pay
    best, details = {}, {}
    for cell in CELLS:
        best[cell], details[cell] = 0, {}
        for T in LENGTHS:
            solved, seconds, steps, mse = solve(cell, T, time_limit)
            details[cell][T] = [round(seconds, 1), steps, round(mse, 4)]
            print(f"  {cell:<4} T = {T:3d}: held-out MSE {mse:.4f} after {steps} steps, {seconds:5.1f} s"
                  f" -> {'solved' if solved else 'not solved'}", flush=True)
            if not solved:
                break
            best[cell] = T
    return {"adding_max_T_solved": best, "adding_details": details}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, time_limit=60.0)
    results = measure(args.time_limit)
    best = results["adding_max_T_solved"]
    print(f"adding_max_T_solved      {best}  (goal lstm, gru ≥ 200)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
