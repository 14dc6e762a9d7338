"""course_utils.graphs: message passing against node-by-node loops, the SRN and the recursive network."""
import numpy as np
import pytest
from test_recursive_net import _recursive  # the textbook recursion, the independent reference

from course_utils import graphs, srn, trees
from course_utils.checks import max_abs_diff

DIGITS = [0, 1, 2]


def test_adjacency_conventions():
    A = graphs.adjacency(3, [(0, 1)], directed=True)
    assert A[1, 0] == 1 and A.sum() == 1                     # A[v, u] = 1 for u → v
    assert np.array_equal(graphs.adjacency(3, [(0, 1), (1, 2)]), graphs.adjacency(3, [(0, 1), (1, 2)]).T)
    assert np.array_equal(graphs.chain_adjacency(4), np.eye(4, k=-1))
    G = graphs.grid_adjacency(3, 4)
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
        graphs.adjacency(3, edges)
    with pytest.raises(ValueError, match="num_nodes must be an integer >= 1"):
        graphs.adjacency(0, [])
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        graphs.chain_adjacency(0)
    with pytest.raises(ValueError, match="rows must be an integer >= 1"):
        graphs.grid_adjacency(0, 3)


def test_hop_distances_match_matrix_powers(rng):
    n = 9
    A = (rng.random((n, n)) < 0.2).astype(float)
    np.fill_diagonal(A, 0)
    for source in range(n):
        dist = graphs.hop_distances(A, source)
        reach = np.eye(n)[source]                            # nodes reachable in exactly k steps: A^k e_source
        expected = np.full(n, np.inf)
        for k in range(n):
            expected[(reach > 0) & np.isinf(expected)] = k
            reach = A @ reach
        assert np.array_equal(dist, expected)
    assert graphs.hop_distances(graphs.grid_adjacency(5, 5), 0)[24] == 8


def test_hop_distances_bad_input():
    with pytest.raises(ValueError, match=r"source must be a node index in \[0, 3\)"):
        graphs.hop_distances(graphs.chain_adjacency(3), 3)
    with pytest.raises(ValueError, match="A must be square"):
        graphs.hop_distances(np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        graphs.hop_distances(np.full((2, 2), 0.5), 0)


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
    p = graphs.init_message_passing(D, H, rng, edge_types=edge_types)
    assert max_abs_diff(graphs.message_passing_step(X, A, h, p), _loop_step(X, A, h, p)) <= 1e-14
    states = graphs.propagate(X, A, p, rounds=2, h0=h)
    assert max_abs_diff(states[2], _loop_step(X, A, _loop_step(X, A, h, p), p)) <= 1e-14


def test_directed_chain_with_srn_update_is_an_srn(rng):
    """The statement of lecture 12: message passing on a directed chain with W_self = 0 is exactly an SRN."""
    T, D, H = 15, 3, 6
    p = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((T, 1, D))
    hs, _ = srn.forward(x, np.zeros((1, H)), **p)
    mp = {"W_in": p["W_hx"], "W_self": np.zeros((H, H)), "W_msg": p["W_hh"], "b": p["b_h"]}
    for h0 in (None, rng.standard_normal((T, H))):          # the starting state does not matter after T rounds
        states = graphs.propagate(x[:, 0], graphs.chain_adjacency(T), mp, rounds=T, h0=h0)
        assert max_abs_diff(states[-1], hs[:, 0]) <= 1e-12


def test_tree_graph_message_passing_is_the_recursive_net(rng):
    H = 5
    t = ("*", ("+", 1, 2), ("-", 0, ("*", 2, 2)))
    nodes, A = graphs.tree_graph(t)
    assert A.shape == (2, 9, 9) and A.sum() == 8 and nodes[-1] == t
    p = graphs.init_message_passing(3, H, rng, edge_types=2)
    p["W_self"][:] = 0.0
    X = np.array([np.eye(3)[v] if trees.is_leaf(v) else np.zeros(3) for v in nodes])
    states = graphs.propagate(X, A, p, rounds=trees.height(t))
    leaf_vec = {d: np.tanh(p["W_in"] @ np.eye(3)[d] + p["b"]) for d in DIGITS}
    W = np.hstack([p["W_msg"][0], p["W_msg"][1]])
    assert max_abs_diff(states[-1][-1], _recursive(t, W, p["b"], leaf_vec)) <= 1e-12
    with pytest.raises(ValueError, match="malformed tree"):
        graphs.tree_graph(("+", 1))


def test_information_travels_one_hop_per_round(rng):
    A = graphs.grid_adjacency(4, 6)
    X = rng.standard_normal((24, 2))
    p = graphs.init_message_passing(2, 8, rng)
    base = graphs.propagate(X, A, p, rounds=8)
    X2 = X.copy()
    X2[5] += 0.5
    change = np.abs(graphs.propagate(X2, A, p, rounds=8) - base).max(axis=2)
    hops = graphs.hop_distances(A, 5)
    for k in range(9):
        assert np.all(change[k][hops > k] == 0.0)
        assert np.all(change[k][hops <= k] > 0.0)


def test_readout_is_permutation_invariant(rng):
    A = graphs.adjacency(6, [(0, 1), (1, 2), (2, 3), (3, 0), (3, 4), (4, 5)])
    X = rng.standard_normal((6, 2))
    p = graphs.init_message_passing(2, 4, rng)
    perm = rng.permutation(6)
    h = graphs.propagate(X, A, p, rounds=3)[-1]
    hp = graphs.propagate(X[perm], A[np.ix_(perm, perm)], p, rounds=3)[-1]
    assert max_abs_diff(hp, h[perm]) <= 1e-12
    for how in graphs.POOLINGS:
        assert max_abs_diff(graphs.readout(hp, how), graphs.readout(h, how)) <= 1e-12
    assert np.array_equal(graphs.readout(np.array([[1.0, 5.0], [3.0, -1.0]]), "max"), [3.0, 5.0])
    assert np.array_equal(graphs.readout(np.array([[1.0, 5.0], [3.0, -1.0]]), "mean"), [2.0, 2.0])


def test_propagate_round_zero_and_initial_state(rng):
    X = rng.standard_normal((3, 2))
    p = graphs.init_message_passing(2, 4, rng)
    states = graphs.propagate(X, graphs.chain_adjacency(3), p, rounds=0)
    assert states.shape == (1, 3, 4)
    assert max_abs_diff(states[0], np.tanh(X @ p["W_in"].T + p["b"])) == 0.0


def test_message_passing_bad_input(rng):
    X, A = rng.standard_normal((4, 2)), graphs.chain_adjacency(4)
    p = graphs.init_message_passing(2, 3, rng)
    h = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"X must have shape \(n, D\) = \(n, 2\)"):
        graphs.message_passing_step(np.zeros((4, 3)), A, h, p)
    with pytest.raises(ValueError, match="n = 4 nodes"):
        graphs.message_passing_step(X, graphs.chain_adjacency(5), h, p)
    with pytest.raises(ValueError, match="only 0 and 1"):
        graphs.message_passing_step(X, 2 * A, h, p)
    with pytest.raises(ValueError, match=r"h must have shape \(n, H\) = \(4, 3\)"):
        graphs.message_passing_step(X, A, np.zeros((4, 2)), p)
    with pytest.raises(ValueError, match="params is missing"):
        graphs.message_passing_step(X, A, h, {k: v for k, v in p.items() if k != "W_self"})
    with pytest.raises(ValueError, match="R = 2 edge types"):
        graphs.message_passing_step(X, np.stack([A, A]), h, p)
    with pytest.raises(ValueError, match="W_self must be"):
        graphs.message_passing_step(X, A, h, p | {"W_self": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="rounds must be an integer >= 0"):
        graphs.propagate(X, A, p, rounds=-1)
    with pytest.raises(ValueError, match=r"h0 must have shape \(n, H\) = \(4, 3\)"):
        graphs.propagate(X, A, p, rounds=1, h0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="how must be one of"):
        graphs.readout(h, "median")
    with pytest.raises(ValueError, match="h must be 2-D"):
        graphs.readout(np.zeros(3))
    with pytest.raises(ValueError, match="edge_types must be an integer >= 1"):
        graphs.init_message_passing(2, 3, rng, edge_types=0)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        graphs.init_message_passing(2, 3, rng=0)
