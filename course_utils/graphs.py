"""Message passing on graphs (Scarselli et al. 2009; Gilmer et al. 2017), in numpy. For nodes v with input x_v:

    h_v ← tanh(W_in x_v + W_self h_v + Σ_r W_msg[r] Σ_{u: u →r v} h_u + b)

with the adjacency A[r, v, u] = 1 for an edge u → v of type r (`propagate`, then `readout`).
The chain t−1 → t is the simplest graph (`chain_adjacency`): on it message passing is the SRN;
`tree_graph` turns a tree of `trees` into a graph on which it is the recursive network.
"""
from __future__ import annotations

import numbers
from collections import deque
from collections.abc import Mapping, Sequence

import numpy as np

from . import _validate
from .trees import is_leaf, postorder

POOLINGS = ("sum", "mean", "max")     # how `readout` turns node states into one graph vector



def adjacency(num_nodes: int, edges: Sequence[tuple[int, int]], directed: bool = False) -> np.ndarray:
    """(n, n) matrix with A[v, u] = 1 for each edge u → v (and v → u too unless `directed`)."""
    n = _validate.positive_int("num_nodes", num_nodes)
    A = np.zeros((n, n))
    for e in edges:
        if not isinstance(e, (tuple, list)) or len(e) != 2:
            raise ValueError(f"each edge must be a pair (u, v) of node indices, got {e!r}")
        u, v = e
        if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= i < n for i in (u, v)):
            raise ValueError(f"edge {e!r} must join node indices in [0, {n})")
        if u == v:
            raise ValueError(f"edge {e!r} is a self-loop; the update has W_self for a node's own state")
        A[v, u] = 1.0
        if not directed:
            A[u, v] = 1.0
    return A


def chain_adjacency(T: int) -> np.ndarray:
    """The directed chain 0 → 1 → … → T−1: the graph of an SRN over T steps.

    With W_in = W_hx, W_self = 0, W_msg = W_hh, b = b_h and node inputs x_1 … x_T, `propagate` on
    this graph equals srn.forward (from h_0 = 0) after T − 1 rounds, whatever the starting state
    after T rounds: node t is final one round after node t − 1.
    """
    T = _validate.positive_int("T", T)
    return adjacency(T, [(t - 1, t) for t in range(1, T)], directed=True)


def grid_adjacency(rows: int, cols: int) -> np.ndarray:
    """Undirected rows × cols grid, node r·cols + c joined to its 4 neighbours."""
    rows, cols = _validate.positive_int("rows", rows), _validate.positive_int("cols", cols)
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = [(int(a), int(b)) for a, b in zip(idx[:, :-1].ravel(), idx[:, 1:].ravel())]
    edges += [(int(a), int(b)) for a, b in zip(idx[:-1].ravel(), idx[1:].ravel())]
    return adjacency(rows * cols, edges)


def _check_adjacency(A, n: int | None = None) -> np.ndarray:
    """A as a (R, n, n) stack of 0/1 edge-type matrices (an (n, n) matrix is one type)."""
    A = _validate.float_array("A", A, ndim=(2, 3))
    A3 = A[None] if A.ndim == 2 else A
    if A3.shape[1] != A3.shape[2] or A3.shape[0] == 0:
        raise ValueError(f"A must be square, (n, n) or (R, n, n), got shape {A.shape}")
    if n is not None and A3.shape[1] != n:
        raise ValueError(f"A must have shape (n, n) or (R, n, n) with n = {n} nodes, got {A.shape}")
    if not np.all((A3 == 0) | (A3 == 1)):
        raise ValueError("A must hold only 0 and 1 (A[v, u] = 1 for an edge u → v)")
    return A3


def hop_distances(A, source: int) -> np.ndarray:
    """Number of edges on the shortest path source → v for every node v, following u → v where A[v, u] = 1.

    Unreachable nodes get inf. Edge types (a 3-D A) all count as edges.
    """
    A3 = _check_adjacency(A)
    n = A3.shape[1]
    if isinstance(source, bool) or not isinstance(source, numbers.Integral) or not 0 <= source < n:
        raise ValueError(f"source must be a node index in [0, {n}), got {source!r}")
    reach = A3.max(axis=0)
    dist = np.full(n, np.inf)
    dist[source] = 0
    queue = deque([int(source)])
    while queue:
        u = queue.popleft()
        for v in np.flatnonzero(reach[:, u]):
            if dist[v] == np.inf:
                dist[v] = dist[u] + 1
                queue.append(int(v))
    return dist


def init_message_passing(D: int, H: int, rng: np.random.Generator | None = None,
                         edge_types: int = 1) -> dict[str, np.ndarray]:
    """W_in (H, D), W_self (H, H), W_msg (H, H) or (R, H, H) for R > 1 edge types, b (H,),
    drawn U(−1/√H, 1/√H) like nn.RNN."""
    D, H = _validate.positive_int("D", D), _validate.positive_int("H", H)
    R = _validate.positive_int("edge_types", edge_types)
    rng = np.random.default_rng(0) if rng is None else _validate.required_generator(rng)
    k = 1.0 / np.sqrt(H)
    shapes = {"W_in": (H, D), "W_self": (H, H), "W_msg": (H, H) if R == 1 else (R, H, H), "b": (H,)}
    return {name: rng.uniform(-k, k, size=shape) for name, shape in shapes.items()}


def _check_mp(X, A, params) -> tuple[np.ndarray, np.ndarray, dict]:
    if not isinstance(params, Mapping):
        raise ValueError("params must be a dict with W_in, W_self, W_msg, b")
    missing = [k for k in ("W_in", "W_self", "W_msg", "b") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_in, W_self, W_msg, b")
    p = {k: _validate.float_array(k, params[k]) for k in ("W_in", "W_self", "W_msg", "b")}
    if p["W_in"].ndim != 2:
        raise ValueError(f"W_in must be 2-D (H, D), got shape {p['W_in'].shape}")
    H, D = p["W_in"].shape
    X = _validate.float_array("X", X, ndim=2)
    if X.shape[1] != D:
        raise ValueError(f"X must have shape (n, D) = (n, {D}) to match W_in {p['W_in'].shape}, got {X.shape}")
    A3 = _check_adjacency(A, X.shape[0])
    W_msg = p["W_msg"][None] if p["W_msg"].ndim == 2 else p["W_msg"]
    if W_msg.shape != (A3.shape[0], H, H):
        raise ValueError(f"W_msg must have shape (H, H) = ({H}, {H}) for one edge type, or (R, H, H) with "
                         f"R = {A3.shape[0]} edge types of A, got {p['W_msg'].shape}")
    if p["W_self"].shape != (H, H) or p["b"].shape != (H,):
        raise ValueError(f"W_self must be ({H}, {H}) and b ({H},), got {p['W_self'].shape} and {p['b'].shape}")
    return X, A3, p | {"W_msg": W_msg}


def message_passing_step(X, A, h, params: Mapping) -> np.ndarray:
    """One synchronous round for all nodes: tanh(X W_inᵀ + h W_selfᵀ + Σ_r A_r h W_msg[r]ᵀ + b).

    Row v of A_r h is Σ_{u →r v} h_u, the sum of the states of v's in-neighbours of type r.
    """
    X, A3, p = _check_mp(X, A, params)
    h = _validate.float_array("h", h, ndim=2)
    if h.shape != (X.shape[0], p["b"].shape[0]):
        raise ValueError(f"h must have shape (n, H) = ({X.shape[0]}, {p['b'].shape[0]}), got {h.shape}")
    return _step(X, A3, h, p)


def _step(X, A3, h, p) -> np.ndarray:
    messages = sum(A3[r] @ h @ p["W_msg"][r].T for r in range(A3.shape[0]))
    return np.tanh(X @ p["W_in"].T + h @ p["W_self"].T + messages + p["b"])


def propagate(X, A, params: Mapping, rounds: int, h0=None) -> np.ndarray:
    """States after 0, 1, …, `rounds` synchronous rounds: (rounds + 1, n, H).

    By default every node starts from its own input alone, h0 = tanh(X W_inᵀ + b) (the update of a
    node without neighbours and without a previous state), so after k rounds a node has heard from
    exactly the nodes within k hops.
    """
    X, A3, p = _check_mp(X, A, params)
    rounds = _validate.positive_int("rounds", rounds, minimum=0)
    n, H = X.shape[0], p["b"].shape[0]
    if h0 is None:
        h = np.tanh(X @ p["W_in"].T + p["b"])
    else:
        h = _validate.float_array("h0", h0, ndim=2)
        if h.shape != (n, H):
            raise ValueError(f"h0 must have shape (n, H) = ({n}, {H}), got {h.shape}")
    out = [h]
    for _ in range(rounds):
        h = _step(X, A3, h, p)
        out.append(h)
    return np.stack(out)


def readout(h, how: str = "sum") -> np.ndarray:
    """Graph-level vector from node states h (n, H): their sum, mean or elementwise max (order-free)."""
    h = _validate.float_array("h", h, ndim=2, min_length=1)
    how = _validate.choice("how", how, POOLINGS)
    return {"sum": np.sum, "mean": np.mean, "max": np.max}[how](h, axis=0)


def tree_graph(tree) -> tuple[list, np.ndarray]:
    """The tree as a graph for message passing: nodes in post-order and A (2, n, n) with edges child → parent,
    type 0 from left children, type 1 from right children (the order of the children matters).

    With W_self = 0 and W_msg = (W_left, W_right), `propagate` for height(tree) rounds gives the
    recursive network with W = [W_left  W_right]: leaf states tanh(W_in x_leaf + b), and the input
    of an internal node (e.g. its operator, one-hot) adds W_in x_v, an operator vector.
    """
    nodes: list = []
    stack: list[int] = []
    edges: list[tuple[int, int, int]] = []
    for node, _ in postorder(tree):
        v = len(nodes)
        nodes.append(node)
        if not is_leaf(node):
            right, left = stack.pop(), stack.pop()
            edges += [(0, left, v), (1, right, v)]
        stack.append(v)
    A = np.zeros((2, len(nodes), len(nodes)))
    for r, u, v in edges:
        A[r, v, u] = 1.0
    return nodes, A
