"""The longest adding problem each cell solves within 60 s of training (goal: LSTM and GRU ≥ 200).

    python benchmarks/adding_max_T.py [--json benchmarks/results.json] [--time-limit 60] [--seeds 0]

For each cell (torch's nn.RNN with tanh, nn.GRU, nn.LSTM with forget bias 1, and two remedies of
lecture 06 at initialisation: the tanh nn.RNN with an orthogonal W_hh, "srn_orthogonal", and the
identity-initialised ReLU nn.RNN of Le et al. 2015, "irnn") and T = 25, 50, 100, 200, 400 in turn:
train `regression.SequenceRegressor` with `regression.train_regressor` (lecture 08's recipe: H = 32,
batch 32, Adam 2e-2, clipping at 1; for the SRN Adam 2e-3, because at 2e-2 it does not even solve
T = 25, while at 2e-3 it solves T = 50) for at most `time_limit` seconds, stopping as
soon as the held-out MSE (500 sequences, every 100 steps) is below 0.01. T counts as solved if it got
there. A cell that fails at some T is not tried at longer ones (the problem only gets harder),
so the SRN's run stays short. Keys: `adding_max_T_solved` = {cell: longest T solved, 0 if none}, and
`adding_details` = {cell: {T: [seconds, steps, final held-out MSE]}}.

The two initialisations train like the SRN (Adam 2e-3, clipping 1), except the IRNN: Adam 1e-4,
because at 1e-3 and 3e-3 it sat at the baseline for 8000 steps at T = 100 (seed 0), while at 1e-4
it left it. `--seeds N` (N > 0) adds a check on seeds 0 … N−1 that does not depend on the machine's
speed: srn, srn_orthogonal and irnn at T = 100 for a fixed number of steps (SEED_STEPS), the same
for every seed, giving `adding_init_seeds` = {cell: [final held-out MSE per seed]}; with
`--time-limit 0` only this check runs; `--seed-cells irnn,srn` limits it to those cells.
"""
from __future__ import annotations

import sys

from _results import merge, parse_args

LENGTHS = (25, 50, 100, 200, 400)
SOLVED_MSE = 0.01
# cell: (torch layer, SequenceRegressor options, Adam learning rate)
CELLS = {"srn": ("rnn", {}, 2e-3), "gru": ("gru", {}, 2e-2), "lstm": ("lstm", {"forget_bias": 1.0}, 2e-2),
         "srn_orthogonal": ("rnn", {"init": "orthogonal"}, 2e-3),
         "irnn": ("rnn", {"nonlinearity": "relu", "init": "identity"}, 1e-4)}
SEED_CELLS, SEED_T, SEED_STEPS = ("srn", "srn_orthogonal", "irnn"), 100, 12000


def solve(cell: str, T: int, time_limit: float | None, steps: int | None = None, seed: int = 0):
    """(solved, seconds, steps, final held-out MSE) for one cell and length."""
    from course_utils.regression import SequenceRegressor, train_regressor
    from course_utils.tasks import adding_task

    kind, extra, lr = CELLS[cell]
    model = SequenceRegressor(kind, input_size=2, hidden_size=32, seed=seed, **extra)
    hist = train_regressor(model, adding_task(T), steps=steps, time_limit=time_limit, batch_size=32, lr=lr,
                           clip=1.0, eval_size=500, eval_every=100, target_mse=SOLVED_MSE, seed=seed,
                           flush_denormal=True)   # vanished SRN gradients: slow subnormal floats (lecture 08)
    mse = hist.final_eval_mse()
    return mse < SOLVED_MSE, hist.seconds[-1], hist.steps[-1], mse


def seed_check(seeds: int, cells=SEED_CELLS) -> dict:
    """Final held-out MSE at T = SEED_T after SEED_STEPS updates (or below SOLVED_MSE), per cell and seed."""
    from course_utils import setup

    setup(threads=1)
    out = {}
    for cell in cells:
        out[cell] = []
        for seed in range(seeds):
            _, seconds, steps, mse = solve(cell, SEED_T, None, steps=SEED_STEPS, seed=seed)
            out[cell].append(round(mse, 4))
            print(f"  {cell:<14} T = {SEED_T}, seed {seed}: held-out MSE {mse:.4f} after {steps} steps, "
                  f"{seconds:5.1f} s", flush=True)
    return {"adding_init_seeds": out}


def measure(time_limit: float = 60.0) -> dict:
    from course_utils import setup

    setup(threads=1)   # H = 32: a second thread does not pay
    best, details = {}, {}
    for cell in CELLS:
        best[cell], details[cell] = 0, {}
        for T in LENGTHS:
            solved, seconds, steps, mse = solve(cell, T, time_limit)
            details[cell][T] = [round(seconds, 1), steps, round(mse, 4)]
            print(f"  {cell:<14} T = {T:3d}: held-out MSE {mse:.4f} after {steps} steps, {seconds:5.1f} s"
                  f" -> {'solved' if solved else 'not solved'}", flush=True)
            if not solved:
                break
            best[cell] = T
    return {"adding_max_T_solved": best, "adding_details": details}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, time_limit=60.0, seeds=0, seed_cells=",".join(SEED_CELLS))
    results = {}
    if args.time_limit > 0:
        results = measure(args.time_limit)
        print(f"adding_max_T_solved      {results['adding_max_T_solved']}  (goal lstm, gru ≥ 200)")
    if args.seeds > 0:
        results.update(seed_check(args.seeds, args.seed_cells.split(",")))
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
