"""course_utils.tasks: every synthetic task, its targets, its baseline and its checks."""
import numpy as np
import pytest

from course_utils import tasks, trees
from course_utils.tasks import BOS, EOS


# ---------------------------------------------------------------- remember over T steps
def test_adding_problem_targets_and_baseline(rng):
    x, y = tasks.adding_problem(50, 20000, rng)
    assert x.shape == (50, 20000, 2) and y.shape == (20000,)
    assert np.all(x[..., 1].sum(axis=0) == 2)
    assert np.all(x[:25, :, 1].sum(axis=0) == 1), "one mark in each half"
    assert np.allclose((x[..., 0] * x[..., 1]).sum(axis=0), y)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(tasks.ADDING_BASELINE_MSE, abs=0.01)


def test_adding_task_wraps_the_adding_problem(rng):
    x, y = tasks.adding_task(12)(300, rng)
    assert x.shape == (12, 300, 2) and y.shape == (300,)
    assert np.allclose((x[..., 0] * x[..., 1]).sum(axis=0), y)
    again = tasks.adding_problem(12, 300, np.random.default_rng(0))
    assert np.array_equal(tasks.adding_task(12)(300, np.random.default_rng(0))[0], again[0])


def test_recall_task_targets_the_first_input(rng):
    x, y = tasks.recall_task(6)(500, rng)
    assert x.shape == (6, 500, 1) and y.shape == (500,)
    assert np.array_equal(y, x[0, :, 0])
    assert np.mean(y ** 2) == pytest.approx(1 / 3, abs=0.05)   # the baseline of answering 0


def test_remember_tasks_reject_bad_input():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        tasks.adding_problem(1, 3)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        tasks.adding_problem(5, 0)
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        tasks.adding_task(1)
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        tasks.recall_task(1)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        tasks.recall_task(3)(0, np.random.default_rng(0))


# ---------------------------------------------------------------- next letter, delayed copy
def test_next_letter_pairs():
    assert tasks.next_letter_pairs(["abc", "fg"]) == [("abc", "bcd"), ("fg", "gh")]
    with pytest.raises(ValueError, match="outside"):
        tasks.next_letter_pairs(["xyz"])
    with pytest.raises(ValueError, match="list of strings"):
        tasks.next_letter_pairs("abc")
    with pytest.raises(ValueError, match="non-empty string"):
        tasks.next_letter_pairs([""])


def test_next_letter_data_and_letter_ids():
    assert tasks.letter_ids("cab", "abcd").tolist() == [2, 0, 1]
    (x, y), = tasks.next_letter_data(["ab"], alphabet="abc")
    assert x.shape == (2, 1, 3) and y.shape == (2, 1)
    assert x[:, 0].argmax(axis=1).tolist() == [0, 1] and y[:, 0].tolist() == [1, 2]
    with pytest.raises(ValueError, match="outside the alphabet"):
        tasks.letter_ids("abz", "abc")
    with pytest.raises(ValueError, match="must be strings"):
        tasks.letter_ids(["a"], "abc")


def test_delayed_copy_stream_repeats_the_input_after_the_delay():
    stream = tasks.delayed_copy_stream(3, np.random.default_rng(0))
    pairs = [next(stream) for _ in range(200)]
    x = np.array([p[0][0, 0] for p in pairs])
    y = np.array([p[1][0, 0] for p in pairs])
    assert pairs[0][0].shape == pairs[0][1].shape == (1, 1)
    assert set(x) == {-1.0, 1.0} and np.array_equal(y[:3], np.zeros(3)) and np.array_equal(y[3:], x[:-3])
    with pytest.raises(ValueError, match="delay must be an integer >= 1"):
        tasks.delayed_copy_stream(0)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        tasks.delayed_copy_stream(2, rng=7)


# ---------------------------------------------------------------- word segmentation
def test_segmentation_task_tags_bmes():
    task = tasks.segmentation_task(["A", "Ab", "Abc"], min_words=1, max_words=3)
    assert task.alphabet == ["A", "b", "c"]
    chars, tags = task(50, np.random.default_rng(0))
    for c, t in zip(chars, tags):
        text = "".join(task.alphabet[i] for i in c)
        words = [w for w in text.replace("A", " A").split()]
        expect = []
        for w in words:
            expect += [3] if len(w) == 1 else [0] + [1] * (len(w) - 2) + [2]
        assert list(t) == expect and len(c) == len(t)
    again = task(50, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(chars, again[0]))


def test_segmentation_task_rejects_bad_input():
    with pytest.raises(ValueError, match="lexicon must be a non-empty list of non-empty strings"):
        tasks.segmentation_task("Abc")
    with pytest.raises(ValueError, match="max_words must be an integer >= 3"):
        tasks.segmentation_task(["a"], min_words=3, max_words=2)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        tasks.segmentation_task(["a"])(0, np.random.default_rng(0))


# ---------------------------------------------------------------- digit reversal
def test_digits_round_trip_and_decode_stops_at_eos():
    ids = tasks.encode_digits("3017")
    assert list(ids) == [6, 3, 4, 10] and tasks.decode_digits(ids) == "3017"
    assert tasks.decode_digits([BOS, 4, 5, EOS, 6]) == "12"
    assert tasks.DIGIT_VOCAB[:3] == ("<pad>", "<bos>", "<eos>") and len(tasks.DIGIT_VOCAB) == 13


def test_reverse_task_targets_are_reversed_sources_plus_eos():
    sources, targets = tasks.reverse_task(2, 5)(200, np.random.default_rng(0))
    lengths = [len(s) for s in sources]
    assert min(lengths) == 2 and max(lengths) == 5
    for s, t in zip(sources, targets):
        assert list(t) == list(s[::-1]) + [EOS] and s.min() >= 3


def test_probability_drawn_follows_the_task_distribution():
    task = tasks.reverse_task(1, 2)
    sources = [tasks.encode_digits("7"), tasks.encode_digits("42")]
    p = tasks.probability_drawn(sources, task, draws=30)
    assert p == pytest.approx([1 - (1 - 0.1 / 2) ** 30, 1 - (1 - 0.01 / 2) ** 30])
    assert np.all(tasks.probability_drawn(sources, task, draws=0) == 0)
    rng = np.random.default_rng(0)                  # the formula against a simulation, for the one-digit source
    hits = [any(len(s) == 1 and s[0] == sources[0][0] for s in task(30, rng)[0]) for _ in range(4000)]
    assert abs(np.mean(hits) - p[0]) < 0.03
    with pytest.raises(ValueError, match="task must be made by reverse_task"):
        tasks.probability_drawn(sources, lambda n, r: None, 10)


def test_digit_tasks_reject_bad_input():
    with pytest.raises(ValueError, match="string of the digits 0-9"):
        tasks.encode_digits("12a")
    with pytest.raises(ValueError, match="token id 13 is out of range"):
        tasks.decode_digits([13])
    with pytest.raises(ValueError, match="max_len must be an integer >= 3"):
        tasks.reverse_task(3, 2)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        tasks.reverse_task()(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"sources must be non-empty 1-D sequences of token ids in \[0, 13\)"):
        tasks.digit_sequences("sources", [np.array([3, 20])])
    with pytest.raises(ValueError, match="sources must be a non-empty list"):
        tasks.digit_sequences("sources", [])


# ---------------------------------------------------------------- arithmetic expressions
def test_random_expression_has_the_requested_leaves(rng):
    for n in (1, 2, 5, 9):
        t = tasks.random_expression(n, rng, num_digits=4, operators=("+", "*"))
        assert trees.validate_tree(t)[0] == n
        assert all(0 <= leaf < 4 for leaf in trees.leaves(t))
        assert "-" not in trees.to_infix(t)


@pytest.mark.parametrize("args, kwargs, match", [
    ((0,), {}, "num_leaves must be an integer >= 1"),
    ((2,), {"num_digits": 0}, "num_digits must be an integer >= 1"),
    ((2,), {"operators": ("/",)}, "operators must be a non-empty sequence"),
    ((2,), {"operators": ()}, "operators must be a non-empty sequence"),
])
def test_random_expression_bad_input(rng, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tasks.random_expression(*args, rng, **kwargs)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        tasks.random_expression(2, np.random.RandomState(0))


def test_expression_task_labels_and_exclusion(rng):
    drawn, y = tasks.expression_task(2, 4, modulus=3)(300, rng)
    assert len(drawn) == 300 and y.dtype == np.int64
    assert all(trees.evaluate(t, 3) == v for t, v in zip(drawn, y))
    assert all(2 <= trees.validate_tree(t)[0] <= 4 for t in drawn)
    held, _ = tasks.expression_task(2, 4, exclude=drawn)(200, rng)
    assert not set(held) & set(drawn)


def test_expression_task_bad_input(rng):
    with pytest.raises(ValueError, match="max_leaves must be >= min_leaves"):
        tasks.expression_task(4, 3)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        tasks.expression_task()(0, rng)
    with pytest.raises(ValueError, match="modulus must be an integer >= 2"):
        tasks.expression_task(modulus=1)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        tasks.expression_task()(3, np.random.RandomState(0))
    # only 2 one-leaf trees exist over 2 digits: asking for 3 unseen ones must fail, not loop forever
    with pytest.raises(ValueError, match="outside `exclude`"):
        tasks.expression_task(1, 1, num_digits=2, exclude={0, 1}, max_tries=100)(3, rng)
