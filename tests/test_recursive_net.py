"""course_utils.recursive_net: the numpy recursion and the batched TreeNet against independent
computations: hand-written recursions, the SRN of course_utils.srn, finite differences."""
import numpy as np
import pytest
import torch

from course_utils import recursive_net as rn
from course_utils import srn, tasks, trees
from course_utils.checks import max_abs_diff, numerical_gradient, rel_error

DIGITS, OPS = [0, 1, 2], ["+", "-", "*"]


def _recursive(tree, W, b, leaf_vec, label_vec=None):
    """Independent reference: the textbook recursion."""
    if not isinstance(tree, tuple):
        return leaf_vec[tree] if not isinstance(tree, np.ndarray) else tree
    a = W @ np.concatenate([_recursive(tree[1], W, b, leaf_vec, label_vec),
                            _recursive(tree[2], W, b, leaf_vec, label_vec)]) + b
    if label_vec is not None:
        a = a + label_vec[tree[0]]
    return np.tanh(a)


def test_tree_forward_equals_the_textbook_recursion(rng):
    H = 6
    W, b = rng.standard_normal((H, 2 * H)) / 3, rng.standard_normal(H)
    leaf_vec = {d: rng.standard_normal(H) for d in DIGITS}
    label_vec = {op: rng.standard_normal(H) for op in OPS}
    for n in (1, 2, 4, 7):
        t = tasks.random_expression(n, rng)
        root, states = rn.tree_forward(t, W, b, leaf_vec, label_vec)
        assert max_abs_diff(root, _recursive(t, W, b, leaf_vec, label_vec)) < 1e-14
        assert len(states) == n - 1
    # without label vectors, labels are ignored
    t = ("+", ("*", 1, 2), 0)
    assert max_abs_diff(rn.tree_forward(t, W, b, leaf_vec)[0], _recursive((None, (None, 1, 2), 0), W, b, leaf_vec)) == 0


@pytest.mark.parametrize("T", [1, 5, 3000])
def test_left_branching_tree_is_an_srn(rng, T):
    """A chain of 3000 nodes also checks that no traversal recurses."""
    D, H = 3, 4
    p = srn.init_params(D, H, rng=rng)
    x, h0 = rng.standard_normal((T, 1, D)), rng.standard_normal((1, H))
    hs, _ = srn.forward(x, h0, **p)
    tree = trees.left_branching([h0[0]] + [x[t, 0] for t in range(T)])
    root, states = rn.tree_forward(tree, np.hstack([p["W_hh"], p["W_hx"]]), p["b_h"])
    assert max_abs_diff(np.stack(states), hs[:, 0]) <= 1e-12
    assert trees.height(tree) == T


def test_tree_forward_bad_input(rng):
    H = 3
    W, b = rng.standard_normal((H, 2 * H)), np.zeros(H)
    leaf = {0: np.ones(H), 1: np.ones(H)}
    with pytest.raises(ValueError, match="b must have shape"):
        rn.tree_forward(("+", 0, 1), W, np.zeros(H + 1), leaf)
    with pytest.raises(ValueError, match="W must be 2-D"):
        rn.tree_forward(("+", 0, 1), np.zeros(6), b, leaf)
    with pytest.raises(ValueError, match=r"W must have shape \(H, 3 \+ 2\)"):
        rn.tree_forward(("+", 0, np.ones(2)), W, b, leaf)
    with pytest.raises(ValueError, match="not a key of leaf_vectors"):
        rn.tree_forward(("+", 0, 7), W, b, leaf)
    with pytest.raises(ValueError, match="pass leaf_vectors"):
        rn.tree_forward(("+", 0, 1), W, b)
    with pytest.raises(ValueError, match="label '\\+' at root is not a key of label_vectors"):
        rn.tree_forward(("+", 0, 1), W, b, leaf, {"*": np.zeros(H)})
    with pytest.raises(ValueError, match="label vectors must have shape"):
        rn.tree_forward(("+", 0, 1), W, b, leaf, {"+": np.zeros(H + 1)})
    with pytest.raises(ValueError, match="leaf_vectors must be a dict"):
        rn.tree_forward(("+", 0, 1), W, b, [np.ones(H)])
    with pytest.raises(ValueError, match="malformed tree"):
        rn.tree_forward(("+", 0), W, b, leaf)


# --------------------------------------------------------------- recursive net, torch

def _net_and_numpy(seed=0, H=5):
    net = rn.TreeNet(3, 3, H, 3, seed=seed).double()
    P = net.numpy_params()
    return net, P, {d: P["E"][i] for i, d in enumerate(DIGITS)}, {op: P["C"][j] for j, op in enumerate(OPS)}


def test_treenet_batch_equals_numpy_recursion(rng):
    net, P, leaf_vec, label_vec = _net_and_numpy()
    batch = [2, ("+", 0, 1)] + [tasks.random_expression(int(n), rng) for n in rng.integers(1, 9, size=30)]
    with torch.no_grad():
        roots = net.root_states(rn.encode_forest(batch, DIGITS, OPS)).numpy()
        scores = net(rn.encode_forest(batch, DIGITS, OPS)).numpy()
    ref = np.stack([_recursive(t, P["W"], P["b"], leaf_vec, label_vec) for t in batch])
    assert max_abs_diff(roots, ref) <= 1e-12
    assert max_abs_diff(scores, ref @ P["W_out"].T + P["b_out"]) <= 1e-12


def test_treenet_gradient_matches_finite_differences(rng):
    """The batched backward (indexing and concatenation by level) against finite differences of the recursion."""
    net, P, leaf_vec, label_vec = _net_and_numpy(H=4)
    batch = [tasks.random_expression(n, rng) for n in (2, 3, 5, 6)]
    u = rng.standard_normal((len(batch), 4))
    (net.root_states(rn.encode_forest(batch, DIGITS, OPS)) * torch.tensor(u)).sum().backward()
    W = P["W"].copy()

    def f():
        return sum(float(u[i] @ _recursive(t, W, P["b"], leaf_vec, label_vec)) for i, t in enumerate(batch))

    assert rel_error(numerical_gradient(f, W), net.compose.weight.grad.numpy()) < 1e-7


def test_treenet_seed_is_reproducible():
    a, b = rn.TreeNet(3, 3, 4, 2, seed=7), rn.TreeNet(3, 3, 4, 2, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_forest_and_model_bad_input():
    with pytest.raises(ValueError, match="not among the symbols"):
        rn.encode_forest([("+", 0, 3)], DIGITS, OPS)
    with pytest.raises(ValueError, match="label '/' at root is not among the labels"):
        rn.encode_forest([("/", 0, 1)], DIGITS, OPS)
    with pytest.raises(ValueError, match="non-empty list of trees"):
        rn.encode_forest([], DIGITS, OPS)
    with pytest.raises(ValueError, match="symbols must be a non-empty list"):
        rn.encode_forest([0], [], OPS)
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        rn.TreeNet(3, 3, 0, 3)
    with pytest.raises(ValueError, match="forest must be a Forest"):
        rn.TreeNet(3, 3, 4, 3)(torch.zeros(2, 3))
