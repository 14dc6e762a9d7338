"""The step-wise output layer and the losses: gradients, and bad input refused with a message naming it."""
import numpy as np
import pytest

from course_utils import layers
from course_utils.checks import numerical_gradient, rel_error


def test_temporal_affine_backward_matches_finite_differences(rng):
    h, W, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    o, cache = layers.temporal_affine_forward(h, W, b)
    do = rng.standard_normal(o.shape)
    dh, dW, db = layers.temporal_affine_backward(do, cache)
    f = lambda: np.sum(layers.temporal_affine_forward(h, W, b)[0] * do)
    for got, arr in ((dh, h), (dW, W), (db, b)):
        assert rel_error(got, numerical_gradient(f, arr)) < 1e-8


def test_layers_refuse_bad_input_by_name(rng):
    h, W, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    o, cache = layers.temporal_affine_forward(h, W, b)
    with pytest.raises(ValueError, match="^do must be a float32 or float64 numpy array, got list$"):
        layers.temporal_affine_backward(o.tolist(), cache)
    with pytest.raises(ValueError, match="temporal_affine_backward: cache must be the cache that "
                                         "temporal_affine_forward returned, got a tuple of 2 items"):
        layers.temporal_affine_backward(o, (h, W))
    with pytest.raises(ValueError, match="W must be 2-D, got shape"):
        layers.temporal_affine_forward(h, W[0], b)
    with pytest.raises(ValueError, match=r"o \(logits\) must be a float32 or float64 numpy array, got list"):
        layers.softmax_cross_entropy(o.tolist(), np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match="pred must be a float32 or float64 numpy array, got dtype int64"):
        layers.squared_error(np.zeros(3, dtype=np.int64), np.zeros(3))
    with pytest.raises(ValueError, match="o must hold real numbers, got dtype <U1"):
        layers.softmax(["a", "b"])


def test_softmax_takes_lists_like_arrays():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])
    assert np.array_equal(layers.softmax(logits.tolist()), layers.softmax(logits))
    assert np.allclose(layers.softmax([1, 1]), [0.5, 0.5])
    assert layers.softmax(logits.astype(np.float32)).dtype == np.float32
