"""Trees, recursive networks and message passing (course_utils.structured) against independent
computations: hand-written recursions, the SRN of course_utils.srn, finite differences, brute force."""
import numpy as np
import pytest
import torch

from course_utils import srn
from course_utils import structured as S
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


# ------------------------------------------------------------------------------ trees

def test_validate_tree_counts_leaves_and_height():
    assert S.validate_tree(3) == (1, 0)
    assert S.validate_tree(("+", 1, 2)) == (2, 1)
    assert S.validate_tree(("*", ("+", 1, 2), ("-", 0, ("*", 2, 2)))) == (5, 3)
    assert S.height(S.left_branching(list(range(10)))) == 9
    assert S.leaves(("*", ("+", 1, 2), ("-", 0, 2))) == [1, 2, 0, 2]


@pytest.mark.parametrize("bad, match", [
    (("+", 1), "3-tuple"),
    (("+", 1, 2, 3), "3-tuple"),
    ((), "3-tuple"),
    ((5, 1, 2), "label must be a str or None"),
    (("+", 1.5, 2), "a leaf must be an int, a str or a 1-D float array"),
    (("+", [1], 2), "a leaf must be"),
    (("+", True, 2), "a leaf must be"),
    (("+", None, 2), "a leaf must be"),
    (("+", 1, np.zeros((2, 2))), "1-D float array"),
    (("+", 1, np.array([1, 2])), "1-D float array"),
])
def test_malformed_trees_raise_with_the_path(bad, match):
    with pytest.raises(ValueError, match=match):
        S.validate_tree(bad)
    with pytest.raises(ValueError, match=r"malformed tree at root\.right"):
        S.validate_tree(("*", 0, bad))


def test_malformed_subtree_is_located():
    bad = ("+", 1, ("*", 2.0, 1))
    for fn in (S.validate_tree, S.leaves, S.height, S.to_infix, S.evaluate):
        with pytest.raises(ValueError, match=r"malformed tree at root\.right\.left"):
            fn(bad)


def test_to_infix_and_evaluate():
    t = ("-", ("*", 2, ("+", 1, 2)), 7)
    assert S.to_infix(t) == "((2 * (1 + 2)) - 7)"
    assert S.evaluate(t) == -1
    assert S.evaluate(t, modulus=3) == 2          # Python's % is non-negative
    assert S.evaluate(4) == 4
    assert S.to_infix((None, "a", "b")) == "(a · b)"


@pytest.mark.parametrize("tree, kwargs, match", [
    (("+", "a", 1), {}, "int leaves"),
    (("/", 1, 2), {}, "labels in"),
    ((None, 1, 2), {}, "labels in"),
    (("+", 1, 2), {"modulus": 1}, "modulus must be an integer >= 2"),
    (("+", 1, 2.0), {}, "malformed tree"),
])
def test_evaluate_bad_input(tree, kwargs, match):
    with pytest.raises(ValueError, match=match):
        S.evaluate(tree, **kwargs)


def test_random_expression_has_the_requested_leaves(rng):
    for n in (1, 2, 5, 9):
        t = S.random_expression(n, rng, num_digits=4, operators=("+", "*"))
        assert S.validate_tree(t)[0] == n
        assert all(0 <= leaf < 4 for leaf in S.leaves(t))
        assert "-" not in S.to_infix(t)


@pytest.mark.parametrize("args, kwargs, match", [
    ((0,), {}, "num_leaves must be an integer >= 1"),
    ((2,), {"num_digits": 0}, "num_digits must be an integer >= 1"),
    ((2,), {"operators": ("/",)}, "operators must be a non-empty sequence"),
    ((2,), {"operators": ()}, "operators must be a non-empty sequence"),
])
def test_random_expression_bad_input(rng, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        S.random_expression(*args, rng, **kwargs)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        S.random_expression(2, np.random.RandomState(0))


def test_expression_dataset_labels_and_exclusion(rng):
    trees, y = S.expression_dataset(300, rng, min_leaves=2, max_leaves=4, modulus=3)
    assert len(trees) == 300 and y.dtype == np.int64
    assert all(S.evaluate(t, 3) == v for t, v in zip(trees, y))
    assert all(2 <= S.validate_tree(t)[0] <= 4 for t in trees)
    held, _ = S.expression_dataset(200, rng, min_leaves=2, max_leaves=4, exclude=set(trees))
    assert not set(held) & set(trees)


def test_expression_dataset_bad_input(rng):
    with pytest.raises(ValueError, match="max_leaves must be >= min_leaves"):
        S.expression_dataset(10, rng, min_leaves=4, max_leaves=3)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        S.expression_dataset(0, rng)
    with pytest.raises(ValueError, match="modulus must be an integer >= 2"):
        S.expression_dataset(5, rng, modulus=1)
    # only 2 one-leaf trees exist over 2 digits: asking for 3 unseen ones must fail, not loop forever
    seen = {0, 1}
    with pytest.raises(ValueError, match="outside `exclude`"):
        S.expression_dataset(3, rng, min_leaves=1, max_leaves=1, num_digits=2, exclude=seen, max_tries=100)


def test_left_branching_shape_and_bad_input():
    assert S.left_branching(["h0", 1, 2]) == (None, (None, "h0", 1), 2)
    assert S.left_branching([0, 1], label="+") == ("+", 0, 1)
    with pytest.raises(ValueError, match="at least 2 leaves"):
        S.left_branching([1])
    with pytest.raises(ValueError, match="sequence"):
        S.left_branching("abc")
    with pytest.raises(ValueError, match="malformed tree"):
        S.left_branching([1, 2.5])


def test_symbol_counts_and_best_bag_accuracy():
    trees = [("*", ("+", 1, 2), 2), ("+", 1, ("*", 2, 2)), ("+", 0, 0), ("-", 0, 0)]
    X = S.symbol_counts(trees, DIGITS, OPS)
    assert X.tolist()[0] == [0, 1, 2, 1, 0, 1]
    assert np.array_equal(X[0], X[1]) and X[2].tolist() == [2, 0, 0, 1, 0, 0]
    y = np.array([S.evaluate(t, 3) for t in trees])           # 0, 2, 0, 0: first two share a bag
    assert S.best_bag_accuracy(trees, y, DIGITS, OPS) == 0.75


def test_best_bag_accuracy_bounds_any_bag_classifier(rng):
    trees, y = S.expression_dataset(400, rng, max_leaves=5)
    bound = S.best_bag_accuracy(trees, y, DIGITS, OPS)
    X = S.symbol_counts(trees, DIGITS, OPS)
    for _ in range(20):                                       # random functions of the bag
        w = rng.standard_normal((X.shape[1], 3))
        assert np.mean((X @ w).argmax(axis=1) == y) <= bound + 1e-12


def test_symbol_counts_bad_input():
    with pytest.raises(ValueError, match="not among the symbols"):
        S.symbol_counts([("+", 1, 5)], DIGITS, OPS)
    with pytest.raises(ValueError, match="not among the symbols"):
        S.symbol_counts([("/", 1, 2)], DIGITS, OPS)
    with pytest.raises(ValueError, match="must not repeat"):
        S.symbol_counts([("+", 1, 2)], [0, 1, 1], OPS)
    with pytest.raises(ValueError, match="non-empty list of trees"):
        S.symbol_counts(("+", 1, 2), DIGITS, OPS)
    with pytest.raises(ValueError, match="one label per tree"):
        S.best_bag_accuracy([("+", 1, 2)], np.array([0, 1]), DIGITS, OPS)


# --------------------------------------------------------------- recursive net, numpy

def test_tree_forward_equals_the_textbook_recursion(rng):
    H = 6
    W, b = rng.standard_normal((H, 2 * H)) / 3, rng.standard_normal(H)
    leaf_vec = {d: rng.standard_normal(H) for d in DIGITS}
    label_vec = {op: rng.standard_normal(H) for op in OPS}
    for n in (1, 2, 4, 7):
        t = S.random_expression(n, rng)
        root, states = S.tree_forward(t, W, b, leaf_vec, label_vec)
        assert max_abs_diff(root, _recursive(t, W, b, leaf_vec, label_vec)) < 1e-14
        assert len(states) == n - 1
    # without label vectors, labels are ignored
    t = ("+", ("*", 1, 2), 0)
    assert max_abs_diff(S.tree_forward(t, W, b, leaf_vec)[0], _recursive((None, (None, 1, 2), 0), W, b, leaf_vec)) == 0


@pytest.mark.parametrize("T", [1, 5, 3000])
def test_left_branching_tree_is_an_srn(rng, T):
    """A chain of 3000 nodes also checks that no traversal recurses."""
    D, H = 3, 4
    p = srn.init_params(D, H, rng=rng)
    x, h0 = rng.standard_normal((T, 1, D)), rng.standard_normal((1, H))
    hs, _ = srn.forward(x, h0, **p)
    tree = S.left_branching([h0[0]] + [x[t, 0] for t in range(T)])
    root, states = S.tree_forward(tree, np.hstack([p["W_hh"], p["W_hx"]]), p["b_h"])
    assert max_abs_diff(np.stack(states), hs[:, 0]) <= 1e-12
    assert S.height(tree) == T


def test_tree_forward_bad_input(rng):
    H = 3
    W, b = rng.standard_normal((H, 2 * H)), np.zeros(H)
    leaf = {0: np.ones(H), 1: np.ones(H)}
    with pytest.raises(ValueError, match="b must have shape"):
        S.tree_forward(("+", 0, 1), W, np.zeros(H + 1), leaf)
    with pytest.raises(ValueError, match="W must be 2-D"):
        S.tree_forward(("+", 0, 1), np.zeros(6), b, leaf)
    with pytest.raises(ValueError, match=r"W must have shape \(H, 3 \+ 2\)"):
        S.tree_forward(("+", 0, np.ones(2)), W, b, leaf)
    with pytest.raises(ValueError, match="not a key of leaf_vectors"):
        S.tree_forward(("+", 0, 7), W, b, leaf)
    with pytest.raises(ValueError, match="pass leaf_vectors"):
        S.tree_forward(("+", 0, 1), W, b)
    with pytest.raises(ValueError, match="label '\\+' at root is not a key of label_vectors"):
        S.tree_forward(("+", 0, 1), W, b, leaf, {"*": np.zeros(H)})
    with pytest.raises(ValueError, match="label vectors must have shape"):
        S.tree_forward(("+", 0, 1), W, b, leaf, {"+": np.zeros(H + 1)})
    with pytest.raises(ValueError, match="leaf_vectors must be a dict"):
        S.tree_forward(("+", 0, 1), W, b, [np.ones(H)])
    with pytest.raises(ValueError, match="malformed tree"):
        S.tree_forward(("+", 0), W, b, leaf)


# --------------------------------------------------------------- recursive net, torch

def _net_and_numpy(seed=0, H=5):
    net = S.TreeNet(3, 3, H, 3, seed=seed).double()
    P = net.numpy_params()
    return net, P, {d: P["E"][i] for i, d in enumerate(DIGITS)}, {op: P["C"][j] for j, op in enumerate(OPS)}


def test_treenet_batch_equals_numpy_recursion(rng):
    net, P, leaf_vec, label_vec = _net_and_numpy()
    trees = [2, ("+", 0, 1)] + [S.random_expression(int(n), rng) for n in rng.integers(1, 9, size=30)]
    with torch.no_grad():
        roots = net.root_states(S.encode_forest(trees, DIGITS, OPS)).numpy()
        scores = net(S.encode_forest(trees, DIGITS, OPS)).numpy()
    ref = np.stack([_recursive(t, P["W"], P["b"], leaf_vec, label_vec) for t in trees])
    assert max_abs_diff(roots, ref) <= 1e-12
    assert max_abs_diff(scores, ref @ P["W_out"].T + P["b_out"]) <= 1e-12


def test_treenet_gradient_matches_finite_differences(rng):
    """The batched backward (indexing and concatenation by level) against finite differences of the recursion."""
    net, P, leaf_vec, label_vec = _net_and_numpy(H=4)
    trees = [S.random_expression(n, rng) for n in (2, 3, 5, 6)]
    u = rng.standard_normal((len(trees), 4))
    (net.root_states(S.encode_forest(trees, DIGITS, OPS)) * torch.tensor(u)).sum().backward()
    W = P["W"].copy()

    def f():
        return sum(float(u[i] @ _recursive(t, W, P["b"], leaf_vec, label_vec)) for i, t in enumerate(trees))

    assert rel_error(numerical_gradient(f, W), net.compose.weight.grad.numpy()) < 1e-7


def test_treenet_seed_is_reproducible():
    a, b = S.TreeNet(3, 3, 4, 2, seed=7), S.TreeNet(3, 3, 4, 2, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_forest_and_model_bad_input():
    with pytest.raises(ValueError, match="not among the symbols"):
        S.encode_forest([("+", 0, 3)], DIGITS, OPS)
    with pytest.raises(ValueError, match="label '/' at root is not among the labels"):
        S.encode_forest([("/", 0, 1)], DIGITS, OPS)
    with pytest.raises(ValueError, match="non-empty list of trees"):
        S.encode_forest([], DIGITS, OPS)
    with pytest.raises(ValueError, match="symbols must be a non-empty list"):
        S.encode_forest([0], [], OPS)
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        S.TreeNet(3, 3, 0, 3)
    with pytest.raises(ValueError, match="forest must be a Forest"):
        S.TreeNet(3, 3, 4, 3)(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"counts must be a tensor of shape \(N, 6\)"):
        S.BagOfSymbols(6, 4, 3)(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="num_features must be an integer >= 1"):
        S.BagOfSymbols(0, 4, 3)


def test_fit_classifier_learns_and_logs(rng, one_torch_thread):
    trees, y = S.expression_dataset(256, rng, min_leaves=2, max_leaves=2)   # one operator: easy
    forest = S.encode_forest(trees, DIGITS, OPS)
    net = S.TreeNet(3, 3, 32, 3, seed=0)
    before = S.accuracy(net, forest, y)
    hist = S.fit_classifier(net, [(forest, y)], steps=150, lr=1e-2, eval_set=(forest, y), eval_every=50)
    assert hist.steps == [0, 50, 100, 150]
    assert hist.eval_accuracy[0] == before and hist.eval_accuracy[-1] > 0.9
    assert hist.train_loss[-1] < hist.train_loss[1]


def test_fit_classifier_and_accuracy_bad_input(rng):
    net = S.BagOfSymbols(6, 4, 3)
    X = torch.zeros(4, 6)
    y = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="batches must be a non-empty list"):
        S.fit_classifier(net, [], steps=1)
    with pytest.raises(ValueError, match="batches must be a non-empty list"):
        S.fit_classifier(net, [X], steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        S.fit_classifier(net, [(X, y)], steps=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        S.fit_classifier(net, [(X, y)], steps=1, lr=0.0)
    with pytest.raises(ValueError, match="eval_set must be an"):
        S.fit_classifier(net, [(X, y)], steps=1, eval_set=X)
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        S.fit_classifier(lambda z: z, [(X, y)], steps=1)
    with pytest.raises(ValueError, match=r"one class per example, shape \(4,\)"):
        S.accuracy(net, X, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        S.accuracy(None, X, y)


# ------------------------------------------------------------------------------ graphs

def test_adjacency_conventions():
    A = S.adjacency(3, [(0, 1)], directed=True)
    assert A[1, 0] == 1 and A.sum() == 1                     # A[v, u] = 1 for u → v
    assert np.array_equal(S.adjacency(3, [(0, 1), (1, 2)]), S.adjacency(3, [(0, 1), (1, 2)]).T)
    assert np.array_equal(S.chain_adjacency(4), np.eye(4, k=-1))
    G = S.grid_adjacency(3, 4)
    assert G.shape == (12, 12) and np.array_equal(G, G.T)
    assert sorted(G.sum(axis=1).astype(int).tolist()) == [2] * 4 + [3] * 6 + [4] * 2


@pytest.mark.parametrize("edges, match", [
    ([(0, 3)], r"node indices in \[0, 3\)"),
    ([(0, -1)], r"node indices in \[0, 3\)"),
    ([(1, 1)], "self-loop"),
    ([(0, 1, 2)], "pair"),
    ([(0.0, 1)], "node indices"),
])
def test_adjacency_bad_input(edges, match):
    with pytest.raises(ValueError, match=match):
        S.adjacency(3, edges)
    with pytest.raises(ValueError, match="num_nodes must be an integer >= 1"):
        S.adjacency(0, [])
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        S.chain_adjacency(0)
    with pytest.raises(ValueError, match="rows must be an integer >= 1"):
        S.grid_adjacency(0, 3)


def test_hop_distances_match_matrix_powers(rng):
    n = 9
    A = (rng.random((n, n)) < 0.2).astype(float)
    np.fill_diagonal(A, 0)
    for source in range(n):
        dist = S.hop_distances(A, source)
        reach = np.eye(n)[source]                            # nodes reachable in exactly k steps: A^k e_source
        expected = np.full(n, np.inf)
        for k in range(n):
            expected[(reach > 0) & np.isinf(expected)] = k
            reach = A @ reach
        assert np.array_equal(dist, expected)
    assert S.hop_distances(S.grid_adjacency(5, 5), 0)[24] == 8


def test_hop_distances_bad_input():
    with pytest.raises(ValueError, match=r"source must be a node index in \[0, 3\)"):
        S.hop_distances(S.chain_adjacency(3), 3)
    with pytest.raises(ValueError, match="A must be square"):
        S.hop_distances(np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        S.hop_distances(np.full((2, 2), 0.5), 0)


def _loop_step(X, A, h, p):
    """Independent reference: node by node, edge by edge."""
    A3 = A[None] if A.ndim == 2 else A
    W_msg = p["W_msg"][None] if p["W_msg"].ndim == 2 else p["W_msg"]
    new = np.empty_like(h)
    for v in range(len(h)):
        a = p["W_in"] @ X[v] + p["W_self"] @ h[v] + p["b"]
        for r in range(A3.shape[0]):
            for u in range(len(h)):
                if A3[r, v, u]:
                    a = a + W_msg[r] @ h[u]
        new[v] = np.tanh(a)
    return new


@pytest.mark.parametrize("edge_types", [1, 3])
def test_message_passing_step_equals_loop(rng, edge_types):
    n, D, H = 7, 3, 5
    A = (rng.random((edge_types, n, n)) < 0.3).astype(float)
    A = A[0] if edge_types == 1 else A
    X, h = rng.standard_normal((n, D)), rng.standard_normal((n, H))
    p = S.init_message_passing(D, H, rng, edge_types=edge_types)
    assert max_abs_diff(S.message_passing_step(X, A, h, p), _loop_step(X, A, h, p)) <= 1e-14
    states = S.propagate(X, A, p, rounds=2, h0=h)
    assert max_abs_diff(states[2], _loop_step(X, A, _loop_step(X, A, h, p), p)) <= 1e-14


def test_directed_chain_with_srn_update_is_an_srn(rng):
    """The statement of lecture 12: message passing on a directed chain with W_self = 0 is exactly an SRN."""
    T, D, H = 15, 3, 6
    p = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((T, 1, D))
    hs, _ = srn.forward(x, np.zeros((1, H)), **p)
    mp = {"W_in": p["W_hx"], "W_self": np.zeros((H, H)), "W_msg": p["W_hh"], "b": p["b_h"]}
    for h0 in (None, rng.standard_normal((T, H))):          # the starting state does not matter after T rounds
        states = S.propagate(x[:, 0], S.chain_adjacency(T), mp, rounds=T, h0=h0)
        assert max_abs_diff(states[-1], hs[:, 0]) <= 1e-12


def test_tree_graph_message_passing_is_the_recursive_net(rng):
    H = 5
    t = ("*", ("+", 1, 2), ("-", 0, ("*", 2, 2)))
    nodes, A = S.tree_graph(t)
    assert A.shape == (2, 9, 9) and A.sum() == 8 and nodes[-1] == t
    p = S.init_message_passing(3, H, rng, edge_types=2)
    p["W_self"][:] = 0.0
    X = np.array([np.eye(3)[v] if S.is_leaf(v) else np.zeros(3) for v in nodes])
    states = S.propagate(X, A, p, rounds=S.height(t))
    leaf_vec = {d: np.tanh(p["W_in"] @ np.eye(3)[d] + p["b"]) for d in DIGITS}
    W = np.hstack([p["W_msg"][0], p["W_msg"][1]])
    assert max_abs_diff(states[-1][-1], _recursive(t, W, p["b"], leaf_vec)) <= 1e-12
    with pytest.raises(ValueError, match="malformed tree"):
        S.tree_graph(("+", 1))


def test_information_travels_one_hop_per_round(rng):
    A = S.grid_adjacency(4, 6)
    X = rng.standard_normal((24, 2))
    p = S.init_message_passing(2, 8, rng)
    base = S.propagate(X, A, p, rounds=8)
    X2 = X.copy()
    X2[5] += 0.5
    change = np.abs(S.propagate(X2, A, p, rounds=8) - base).max(axis=2)
    hops = S.hop_distances(A, 5)
    for k in range(9):
        assert np.all(change[k][hops > k] == 0.0)
        assert np.all(change[k][hops <= k] > 0.0)


def test_readout_is_permutation_invariant(rng):
    A = S.adjacency(6, [(0, 1), (1, 2), (2, 3), (3, 0), (3, 4), (4, 5)])
    X = rng.standard_normal((6, 2))
    p = S.init_message_passing(2, 4, rng)
    perm = rng.permutation(6)
    h = S.propagate(X, A, p, rounds=3)[-1]
    hp = S.propagate(X[perm], A[np.ix_(perm, perm)], p, rounds=3)[-1]
    assert max_abs_diff(hp, h[perm]) <= 1e-12
    for how in S.READOUTS:
        assert max_abs_diff(S.readout(hp, how), S.readout(h, how)) <= 1e-12
    assert np.array_equal(S.readout(np.array([[1.0, 5.0], [3.0, -1.0]]), "max"), [3.0, 5.0])
    assert np.array_equal(S.readout(np.array([[1.0, 5.0], [3.0, -1.0]]), "mean"), [2.0, 2.0])


def test_propagate_round_zero_and_initial_state(rng):
    X = rng.standard_normal((3, 2))
    p = S.init_message_passing(2, 4, rng)
    states = S.propagate(X, S.chain_adjacency(3), p, rounds=0)
    assert states.shape == (1, 3, 4)
    assert max_abs_diff(states[0], np.tanh(X @ p["W_in"].T + p["b"])) == 0.0


def test_message_passing_bad_input(rng):
    X, A = rng.standard_normal((4, 2)), S.chain_adjacency(4)
    p = S.init_message_passing(2, 3, rng)
    h = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"X must have shape \(n, D\) = \(n, 2\)"):
        S.message_passing_step(np.zeros((4, 3)), A, h, p)
    with pytest.raises(ValueError, match="n = 4 nodes"):
        S.message_passing_step(X, S.chain_adjacency(5), h, p)
    with pytest.raises(ValueError, match="only 0 and 1"):
        S.message_passing_step(X, 2 * A, h, p)
    with pytest.raises(ValueError, match=r"h must have shape \(n, H\) = \(4, 3\)"):
        S.message_passing_step(X, A, np.zeros((4, 2)), p)
    with pytest.raises(ValueError, match="params is missing"):
        S.message_passing_step(X, A, h, {k: v for k, v in p.items() if k != "W_self"})
    with pytest.raises(ValueError, match="R = 2 edge types"):
        S.message_passing_step(X, np.stack([A, A]), h, p)
    with pytest.raises(ValueError, match="W_self must be"):
        S.message_passing_step(X, A, h, p | {"W_self": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="rounds must be an integer >= 0"):
        S.propagate(X, A, p, rounds=-1)
    with pytest.raises(ValueError, match=r"h0 must have shape \(n, H\) = \(4, 3\)"):
        S.propagate(X, A, p, rounds=1, h0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="how must be one of"):
        S.readout(h, "median")
    with pytest.raises(ValueError, match="h must be 2-D"):
        S.readout(np.zeros(3))
    with pytest.raises(ValueError, match="edge_types must be an integer >= 1"):
        S.init_message_passing(2, 3, rng, edge_types=0)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        S.init_message_passing(2, 3, rng=0)


def test_bag_lookup_predicts_each_bags_majority_and_reaches_the_bound_on_its_own_trees(rng):
    trees = [("+", 1, 2), ("+", 2, 1), ("*", 1, 2), ("+", 0, 0), ("+", 1, 2)]
    y = np.array([0, 0, 2, 1, 2])                     # bag {1, 2, +}: labels 0, 0, 2 -> 0
    assert S.bag_lookup(trees, y, [("+", 2, 1), ("*", 2, 1), ("-", 1, 1)], DIGITS, OPS).tolist() == [0, 2, 0]
    many, labels = S.expression_dataset(300, rng, max_leaves=4)
    own = float(np.mean(S.bag_lookup(many, labels, many, DIGITS, OPS) == labels))
    assert own == S.best_bag_accuracy(many, labels, DIGITS, OPS)


def test_bag_lookup_rejects_bad_labels():
    with pytest.raises(ValueError, match="fit_y"):
        S.bag_lookup([("+", 1, 2)], np.array([0.5]), [("+", 1, 2)], DIGITS, OPS)
    with pytest.raises(ValueError, match="fit_y"):
        S.bag_lookup([("+", 1, 2)], np.array([0, 1]), [("+", 1, 2)], DIGITS, OPS)
