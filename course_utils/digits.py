"""scikit-learn's 8×8 handwritten digits read row by row: an image is a sequence of T = 8 rows.

Lecture 11 and `benchmarks/digits_lstm.py` share this data pipeline and the training recipe.
The digits ship with scikit-learn (no download): 1,797 images, pixel values 0 … 16, 10 classes.
"""
from __future__ import annotations

import numpy as np

from . import _validate

# steps, batch, Adam learning rate with cosine decay, clipping and label smoothing for `classification.train_classifier`
RECIPE = dict(steps=1000, batch_size=64, lr=1e-2, cosine=True, clip=1.0, label_smoothing=0.1, eval_every=1000)


def load_split(test_size: float = 0.25, random_state: int = 0):
    """(img_tr, img_te, y_tr, y_te): images (N, 8, 8) scaled to [0, 1], a stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_size = _validate.finite_float("test_size", test_size, low=0.0, high=1.0, low_open=True, high_open=True)
    random_state = _validate.positive_int("random_state", random_state, minimum=0)
    digits = load_digits()
    return train_test_split(digits.images / 16.0, digits.target, test_size=test_size,
                            random_state=random_state, stratify=digits.target)


def _images(imgs) -> np.ndarray:
    arr = np.asarray(imgs)
    if arr.ndim != 3 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"imgs must be a numeric array of images (N, rows, columns), got shape {arr.shape} "
                         f"and dtype {arr.dtype}")
    return arr


def as_sequences(imgs) -> np.ndarray:
    """(N, 8, 8) images → time-major float32 (T = 8 rows, N, D = 8 pixels): row t of an image is x_t."""
    return np.ascontiguousarray(_images(imgs).transpose(1, 0, 2), dtype=np.float32)


def shifted_copies(imgs) -> np.ndarray:
    """The images, then copies moved one pixel down, up, right and left (blank pixels shifted in): (5N, 8, 8).

    Labels of the result are np.tile(labels, 5).
    """
    imgs = _images(imgs)
    out = [imgs]
    for axis in (1, 2):
        for step in (1, -1):
            moved = np.roll(imgs, step, axis=axis)
            edge = [slice(None)] * 3
            edge[axis] = 0 if step == 1 else -1
            moved[tuple(edge)] = 0.0
            out.append(moved)
    return np.concatenate(out)
