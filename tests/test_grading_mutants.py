"""Same mistake, same mark: plausible buggy submissions (course_utils.grading.mutants) each get one
score, below full marks, under ten different seeds, and the report says what a TA would say."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from course_utils.grading.grade import Grader
from course_utils.grading.mutants import MUTANTS, write

# 26 buggy submissions, each graded under ten seeds: `make test` only
pytestmark = pytest.mark.slow

SEEDS = range(10)

# The score of each mutant: one number whatever the seed. A change here is a change in how a known
# mistake is charged; say why in the commit.
EXPECTED = {
    "hw01/largest_d_on_ties": 12.0,
    "hw01/last_pair_dropped": 10.0,
    "hw01/no_lower_order_mass": 8.0,
    "hw01/perplexity_over_pairs": 12.0,
    "hw01/unseen_context_zero_row": 8.0,
    "hw02/batch_mean": 11.9,
    "hw02/bptt_time_mean": 12.25,
    "hw02/dx_sign": 13.2,
    "hw02/no_accumulation": 11.25,
    "hw02/no_tanh_derivative": 10.0,
    "hw02/per_array_clipping": 13.5,
    "hw02/transposed_dW_hh": 13.3,
    "hw03/last_step_only": 11.5,
    "hw03/no_leak_in_P": 13.5,
    "hw03/onehot_all_rows": 13.75,
    "hw03/readout_batch_mean": 12.5,
    "hw04/coupled_batch_mean": 18.25,
    "hw04/coupled_gates_swapped": 16.66,
    "hw04/coupled_no_accumulation": 15.0,
    "hw04/output_gate_no_sigmoid_derivative": 16.66,
    "hw04/peephole_o_path_missing": 16.45,
    "hw05/backward_not_reversed": 11.5,
    "hw05/dh_n_ignored": 11.0,
    "hw05/h_n_backward_at_T": 13.25,
    "hw05/h_n_direction_major": 13.25,
    "hw05/summary_last_step_both_halves": 14.0,
}


@pytest.fixture(scope="module")
def grader():
    with Grader(jobs=2) as g:
        yield g


def _text(report) -> str:
    return " ".join([q.message for q in report.questions] + report.problems)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.assignment}/{m.name}")
def test_a_buggy_submission_gets_one_score_under_every_seed(mutant, grader, tmp_path):
    path = write(mutant, tmp_path)
    with ThreadPoolExecutor(grader.jobs) as pool:
        reports = list(pool.map(lambda seed: grader.grade(path, seed=seed), SEEDS))
    scores = [r.score for r in reports]
    assert len(set(scores)) == 1, f"{mutant.what}: scores {scores} under seeds {list(SEEDS)}"
    assert scores[0] < reports[0].max_score, f"{mutant.what} earns full marks"
    key = f"{mutant.assignment}/{mutant.name}"
    assert scores[0] == EXPECTED[key], f"{mutant.what}: {scores[0]}, expected {EXPECTED[key]}"
    for report in reports:
        assert mutant.hint in _text(report), f"{mutant.what}: no '{mutant.hint}' in: {_text(report)}"
