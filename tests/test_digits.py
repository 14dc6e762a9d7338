import numpy as np
import pytest

from course_utils import digits


def test_split_is_stratified_scaled_and_reproducible():
    img_tr, img_te, y_tr, y_te = digits.load_split()
    assert img_tr.shape == (1347, 8, 8) and img_te.shape == (450, 8, 8)
    assert 0.0 <= img_tr.min() and img_tr.max() <= 1.0
    assert np.array_equal(np.bincount(y_te), [45, 46, 44, 46, 45, 46, 45, 45, 43, 45])
    assert np.array_equal(digits.load_split()[1], img_te)


def test_rows_become_time_steps():
    imgs = np.arange(2 * 8 * 8, dtype=float).reshape(2, 8, 8)
    x = digits.as_sequences(imgs)
    assert x.shape == (8, 2, 8) and x.dtype == np.float32 and x.flags.c_contiguous
    assert np.array_equal(x[3, 1], imgs[1, 3])


def test_shifted_copies_move_one_pixel_and_blank_the_edge():
    imgs = np.random.default_rng(0).random((3, 8, 8))
    out = digits.shifted_copies(imgs)
    assert out.shape == (15, 8, 8)
    assert np.array_equal(out[:3], imgs)
    down, up, right, left = out[3:6], out[6:9], out[9:12], out[12:15]
    assert np.array_equal(down[:, 1:], imgs[:, :-1]) and not down[:, 0].any()
    assert np.array_equal(up[:, :-1], imgs[:, 1:]) and not up[:, -1].any()
    assert np.array_equal(right[:, :, 1:], imgs[:, :, :-1]) and not right[:, :, 0].any()
    assert np.array_equal(left[:, :, :-1], imgs[:, :, 1:]) and not left[:, :, -1].any()


@pytest.mark.parametrize("bad", [np.zeros((8, 8)), np.array([["a"]] * 2), [[1, 2]]])
def test_bad_images_name_the_expected_shape(bad):
    for fn in (digits.as_sequences, digits.shifted_copies):
        with pytest.raises(ValueError, match=r"\(N, rows, columns\)"):
            fn(bad)


@pytest.mark.parametrize("kwargs", [{"test_size": 0.0}, {"test_size": 1.5}, {"random_state": -1}])
def test_bad_split_arguments(kwargs):
    with pytest.raises(ValueError):
        digits.load_split(**kwargs)
