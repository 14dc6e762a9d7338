import numpy as np
import pytest

from course_utils.batching import IGNORE_INDEX, lm_batches, pad_batch, sliding_windows


def test_sliding_windows_align_features_and_targets():
    x = np.arange(10.0)
    X, y = sliding_windows(x, tau=3)
    assert X.shape == (7, 3) and y.shape == (7,)
    assert X[0].tolist() == [0, 1, 2] and y[0] == 3
    X, y = sliding_windows(x, tau=3, horizon=4)
    assert X[-1].tolist() == [3, 4, 5] and y[-1] == 9


def test_sequential_batches_continue_each_lane():
    ids = np.arange(101)
    batches = list(lm_batches(ids, batch_size=4, num_steps=5))
    X0, Y0 = batches[0]
    assert X0.shape == (5, 4)
    assert np.array_equal(Y0, X0 + 1)
    X1, _ = batches[1]
    assert np.array_equal(X1[0], X0[-1] + 1), "lane j of batch 1 continues lane j of batch 0"


def test_random_batches_are_shifted_windows(rng):
    ids = np.arange(1000)
    seen = 0
    for X, Y in lm_batches(ids, batch_size=8, num_steps=10, sequential=False, rng=rng):
        assert X.shape == (10, 8) and np.array_equal(Y, X + 1)
        assert np.all(np.diff(X, axis=0) == 1)
        seen += 1
    assert seen >= 10


def test_batching_rejects_bad_input():
    with pytest.raises(ValueError, match="too short"):
        sliding_windows(np.arange(3.0), tau=3)
    with pytest.raises(ValueError, match="1-D"):
        sliding_windows(np.ones((3, 3)), tau=1)
    with pytest.raises(ValueError, match="tau must be an integer >= 1"):
        sliding_windows(np.arange(5.0), tau=0)
    with pytest.raises(ValueError, match="1-D integer array"):
        next(lm_batches(np.arange(10.0), 2, 2))
    with pytest.raises(ValueError, match="too few for one batch"):
        next(lm_batches(np.arange(10), 4, 3))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        next(lm_batches(np.arange(10), 0, 3))


def test_pad_batch_is_time_major_with_lengths():
    seqs = [np.array([3, 1, 4]), np.array([1]), np.array([5, 9])]
    x, lengths = pad_batch(seqs, pad_id=-7)
    assert x.shape == (3, 3) and x.dtype == np.int64 and list(lengths) == [3, 1, 2]
    assert list(x[:, 0]) == [3, 1, 4] and list(x[:, 1]) == [1, -7, -7] and list(x[:, 2]) == [5, 9, -7]
    targets, _ = pad_batch([np.array([2]), np.array([0, 1])], pad_id=IGNORE_INDEX)
    assert list(targets[:, 0]) == [2, IGNORE_INDEX] and IGNORE_INDEX == -100    # torch's default ignore_index


def test_pad_batch_rejects_bad_input():
    with pytest.raises(ValueError, match="seqs is empty"):
        pad_batch([])
    with pytest.raises(ValueError, match=r"seqs\[1\] must be a non-empty 1-D sequence of integers"):
        pad_batch([np.array([1]), np.array([0.5])])
