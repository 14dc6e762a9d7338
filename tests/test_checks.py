import numpy as np
import pytest

from course_utils.checks import (
    CheckFailed,
    autograd_check,
    check,
    check_true,
    gradient_check,
    max_abs_diff,
    numerical_gradient,
    rel_error,
    scaled_error,
)


def test_rel_error_values():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [0.0]) == 0.0


def test_max_abs_diff():
    assert max_abs_diff([1.0, 2.0], [1.5, 2.0]) == 0.5


def test_scaled_error_measures_against_the_largest_entry():
    assert scaled_error([2.0, 1e-6], [2.0, 0.0]) == pytest.approx(5e-7)    # rel_error says 1
    assert rel_error([2.0, 1e-6], [2.0, 0.0]) == pytest.approx(1.0)
    assert scaled_error([1.0, -1.0], [-1.0, 1.0]) == pytest.approx(2.0)     # a wrong sign is never small
    assert scaled_error(np.zeros(3), np.zeros(3)) == 0.0


def test_scaled_error_tells_a_right_gradient_from_a_wrong_one(rng):
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    x[0] = 1e-7                                                      # an entry of the gradient near 0
    g = numerical_gradient(lambda: np.sum((A @ x) ** 2) / 2, x)
    assert scaled_error(g, A.T @ (A @ x)) < 1e-9
    assert scaled_error(g, 0.9 * A.T @ (A @ x)) > 0.05


@pytest.mark.parametrize("fn", [rel_error, max_abs_diff, scaled_error])
def test_comparisons_reject_bad_input(fn):
    with pytest.raises(ValueError, match="same shape"):
        fn(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="non-empty"):
        fn(np.ones(0), np.ones(0))
    with pytest.raises(ValueError, match="real numbers"):
        fn(["a"], ["b"])
    with pytest.raises(ValueError, match="finite"):
        fn([np.nan], [1.0])


def test_numerical_gradient_scalar_and_vector_valued(rng):
    x = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 2))
    g = numerical_gradient(lambda: np.sum(np.sin(x)), x)
    assert rel_error(g, np.cos(x)) < 1e-8
    df = rng.standard_normal((3, 2))
    g = numerical_gradient(lambda: x @ A, x, df=df)
    assert rel_error(g, df @ A.T) < 1e-8
    before = x.copy()
    numerical_gradient(lambda: np.sum(x**2), x)
    assert np.array_equal(x, before), "x must be restored"


def test_numerical_gradient_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="float64 numpy array"):
        numerical_gradient(lambda: 0.0, np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="float64 numpy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    x = rng.standard_normal(3)
    with pytest.raises(ValueError, match="pass df"):
        numerical_gradient(lambda: x * 2, x)
    with pytest.raises(ValueError, match="df must have the shape"):
        numerical_gradient(lambda: x * 2, x, df=np.ones(2))
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(lambda: 0.0, x, h=0)
    with pytest.raises(ValueError, match="callable"):
        numerical_gradient(3, x)


def test_check_prints_and_raises(capsys):
    assert check("small", 1e-9, 1e-7) is None  # strict: the printed line is the result
    assert check("small", 1e-9, 1e-7, strict=False) is True
    assert "✓ small: 1.00e-09 ≤ 1e-07" in capsys.readouterr().out
    assert not check("big", 1e-3, 1e-7, strict=False)
    assert "✗ big" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="big"):
        check("big", 1e-3, 1e-7)
    with pytest.raises(CheckFailed):
        check("nan", float("nan"), 1.0)  # NaN never passes


def test_check_rejects_bad_input():
    with pytest.raises(ValueError, match="label"):
        check("", 0.0, 1.0)
    with pytest.raises(ValueError, match="tol must be >= 0"):
        check("x", 0.0, -1.0)
    with pytest.raises(ValueError, match="measured must be a number"):
        check("x", "abc", 1.0)


def test_check_true(capsys):
    assert check_true("claim", True, "1 < 2") is None
    assert "✓ claim: 1 < 2" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="claim does not hold"):
        check_true("claim", False)
    with pytest.raises(ValueError, match="label"):
        check_true("", True)


def test_gradient_check_passes_right_and_fails_wrong_gradients(rng, capsys):
    W = rng.standard_normal((3, 2))
    x = rng.standard_normal(2)
    loss = lambda: float(np.sum(np.tanh(W @ x)))
    right = {"W": np.outer(1 - np.tanh(W @ x) ** 2, x)}
    errors = gradient_check(loss, {"W": W}, right)
    assert errors["W"] < 1e-7
    with pytest.raises(CheckFailed):
        gradient_check(loss, {"W": W}, {"W": right["W"] * 1.01})


def test_gradient_check_rejects_bad_input(rng):
    W = rng.standard_normal((3, 2))
    with pytest.raises(ValueError, match="no entry for parameter"):
        gradient_check(lambda: 0.0, {"W": W}, {})
    with pytest.raises(ValueError, match="has shape"):
        gradient_check(lambda: 0.0, {"W": W}, {"W": np.zeros(2)})


def test_autograd_check_passes_a_right_layer_and_catches_a_wrong_reference(rng):
    import torch

    arrays = {"x": rng.standard_normal((3, 2)), "W": rng.standard_normal((4, 2))}
    torch_fn = lambda x, W: (torch.tanh(x @ W.T),)
    right = lambda x, W: (np.tanh(x @ W.T),)
    wrong = lambda x, W: (np.tanh(1.01 * x @ W.T),)
    weights = (rng.standard_normal((3, 4)),)
    passed, error, grads = autograd_check(torch_fn, right, arrays, weights)
    assert passed and error < 1e-7 and grads["W"].shape == (4, 2)
    assert autograd_check(torch_fn, wrong, arrays, weights)[1] > 1e-3
    with pytest.raises(ValueError, match="float64"):
        autograd_check(torch_fn, right, {"x": np.ones((3, 2), np.float32), "W": arrays["W"]}, weights)
