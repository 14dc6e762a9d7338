"""course_utils.optim: numpy clipping and optimizers, and the gradient comparisons of lecture 04."""
import numpy as np
import pytest

from course_utils.optim import SGD, Adagrad, Adam, clip_grad_norm, global_norm


def test_clip_grad_norm_caps_length_and_keeps_direction():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_grad_norm(g, 1.0)
    assert norm == pytest.approx(5.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    assert np.allclose(clipped["a"] / clipped["b"][0, 0], g["a"] / g["b"][0, 0])
    same, _ = clip_grad_norm(g, 10.0)
    assert np.array_equal(same["a"], g["a"])


@pytest.mark.parametrize("opt_cls, kwargs", [(SGD, {"lr": 0.1}), (Adagrad, {"lr": 0.5}), (Adam, {"lr": 0.1})])
def test_optimizers_minimize_a_quadratic(opt_cls, kwargs):
    p = {"w": np.array([3.0, -2.0])}
    opt = opt_cls(p, **kwargs)
    for _ in range(300):
        opt.step({"w": 2 * p["w"]})
    assert np.abs(p["w"]).max() < 1e-2


def test_adam_first_step_moves_by_lr():
    p = {"w": np.array([1.0, -1.0])}
    Adam(p, lr=0.01).step({"w": np.array([5.0, -0.1])})
    assert np.allclose(p["w"], [0.99, -0.99])


def test_optim_rejects_bad_input():
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        clip_grad_norm({"a": np.ones(2)}, 0.0)
    with pytest.raises(ValueError, match="grads is empty"):
        global_norm({})
    with pytest.raises(ValueError, match="params is empty"):
        SGD({}, 0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        SGD({"w": np.ones(2)}, -1)
    opt = SGD({"w": np.ones(2)}, 0.1)
    with pytest.raises(ValueError, match="grads must have the keys"):
        opt.step({"v": np.ones(2)})
    with pytest.raises(ValueError, match="has shape"):
        opt.step({"w": np.ones(3)})


def test_flatten_relative_distance_and_cosine():
    from course_utils.optim import cosine, flatten, relative_distance

    g = {"b": np.array([3.0]), "a": np.array([[0.0, 4.0]])}
    assert flatten(g).tolist() == [0.0, 4.0, 3.0]                     # sorted by name: a, then b
    assert np.linalg.norm(flatten(g)) == pytest.approx(global_norm(g))
    assert relative_distance(g, g) == 0.0
    assert relative_distance({"a": np.zeros((1, 2)), "b": np.zeros(1)}, g) == pytest.approx(1.0)
    assert cosine(g, {k: -2 * v for k, v in g.items()}) == pytest.approx(-1.0)
    orthogonal = {"a": np.array([[0.0, 1.0]]), "b": np.ones(1)}
    assert cosine({"a": np.array([[1.0, 0.0]]), "b": np.zeros(1)}, orthogonal) == 0.0
    with pytest.raises(ValueError, match="same keys"):
        cosine(g, {"a": g["a"]})
    with pytest.raises(ValueError, match="has shapes"):
        relative_distance(g, {"a": g["a"], "b": np.ones(2)})
    with pytest.raises(ValueError, match="reference gradient is zero"):
        relative_distance(g, {k: 0 * v for k, v in g.items()})
    with pytest.raises(ValueError, match="no direction"):
        cosine(g, {k: 0 * v for k, v in g.items()})
    with pytest.raises(ValueError, match="non-empty dict"):
        flatten({})
