"""Beyond chains: recursive (tree) networks and message passing on graphs, in numpy and torch.

A chain is the simplest tree (every node has one leaf and one earlier node as children) and the
simplest graph (edges t−1 → t), so both models below contain the SRN as a special case; the
tests check that exactly.

Trees are nested tuples, readable as they are written:

    ("*", ("+", 1, 2), 0)          # (1 + 2) × 0

An internal node is a 3-tuple (label, left, right) whose label is a string (an operator) or None
(an unlabelled node, as in note 003's example); anything else is a leaf: an int or a str (a
symbol looked up in a table), or a 1-D float array (a leaf that is its own vector). Every
traversal here is iterative, so a chain of thousands of nodes does not hit Python's recursion
limit.

Recursive network (Pollack 1990; Socher et al. 2011), one weight matrix for every node:

    h_leaf = e(leaf),    h_v = tanh(W [h_left; h_right] + c_label + b)

`tree_forward` computes it node by node in numpy (the reference); `TreeNet` computes it in torch
for a whole batch of trees, one matrix product per tree level (`encode_forest`).

Message passing (Scarselli et al. 2009; Gilmer et al. 2017), for nodes v with input x_v:

    h_v ← tanh(W_in x_v + W_self h_v + Σ_r W_msg[r] Σ_{u: u →r v} h_u + b)

with the adjacency A[r, v, u] = 1 for an edge u → v of type r (`propagate`, `readout`).
"""
from __future__ import annotations

import numbers
import operator
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from .train import seeded

OPERATORS: dict[str, Callable[[int, int], int]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}

# ---------------------------------------------------------------------------------- trees


def is_leaf(node) -> bool:
    """True for anything that is not a tuple (a leaf); internal nodes are (label, left, right)."""
    return not isinstance(node, tuple)


def _check_leaf(leaf, where: str) -> None:
    if isinstance(leaf, np.ndarray):
        if leaf.ndim != 1 or leaf.size == 0 or not np.issubdtype(leaf.dtype, np.floating):
            raise ValueError(f"malformed tree at {where}: an array leaf must be a non-empty 1-D float "
                             f"array, got dtype {leaf.dtype} and shape {leaf.shape}")
        return
    if isinstance(leaf, bool) or not isinstance(leaf, (numbers.Integral, str)):
        raise ValueError(f"malformed tree at {where}: a leaf must be an int, a str or a 1-D float array, "
                         f"got {leaf!r} ({type(leaf).__name__})")


def _postorder(tree) -> Iterator[tuple[object, str]]:
    """Yield (node, path) children first, after checking each node's form; path is like 'root.left.right'."""
    stack: list[tuple[object, str, bool]] = [(tree, "root", False)]
    while stack:
        node, path, expanded = stack.pop()
        if is_leaf(node):
            _check_leaf(node, path)
            yield node, path
            continue
        if expanded:
            yield node, path
            continue
        if len(node) != 3:
            raise ValueError(f"malformed tree at {path}: an internal node must be a 3-tuple (label, left, "
                             f"right), got a tuple of length {len(node)}")
        label = node[0]
        if label is not None and not isinstance(label, str):
            raise ValueError(f"malformed tree at {path}: a label must be a str or None, got {label!r}")
        stack.append((node, path, True))
        stack.append((node[2], path + ".right", False))
        stack.append((node[1], path + ".left", False))


def validate_tree(tree) -> tuple[int, int]:
    """Check the form of `tree` and return (number of leaves, height); a single leaf has height 0."""
    heights: list[int] = []
    num_leaves = 0
    for node, _ in _postorder(tree):
        if is_leaf(node):
            num_leaves += 1
            heights.append(0)
        else:
            right, left = heights.pop(), heights.pop()
            heights.append(1 + max(left, right))
    return num_leaves, heights[0]


def leaves(tree) -> list:
    """The leaves from left to right."""
    return [node for node, _ in _postorder(tree) if is_leaf(node)]


def height(tree) -> int:
    """Number of internal nodes on the longest path from the root to a leaf (0 for a single leaf)."""
    return validate_tree(tree)[1]


def to_infix(tree) -> str:
    """The tree as a fully parenthesised string, e.g. '((1 + 2) * 0)'; unlabelled nodes print as '·'."""
    parts: list[str] = []
    for node, _ in _postorder(tree):
        if is_leaf(node):
            parts.append(f"[{', '.join(f'{v:.2f}' for v in node)}]" if isinstance(node, np.ndarray) else str(node))
        else:
            right, left = parts.pop(), parts.pop()
            parts.append(f"({left} {node[0] if node[0] is not None else '·'} {right})")
    return parts[0]


def evaluate(tree, modulus: int | None = None) -> int:
    """The integer value of an arithmetic tree (int leaves, labels '+', '-', '*'); with `modulus`, value mod it.

    Python's % returns a value in [0, modulus) also for negative numbers, so (1 − 2) mod 3 = 2.
    """
    if modulus is not None:
        modulus = _validate.positive_int("modulus", modulus, minimum=2)
    values: list[int] = []
    for node, path in _postorder(tree):
        if is_leaf(node):
            if isinstance(node, (str, np.ndarray)):
                raise ValueError(f"evaluate needs int leaves, got {node!r} at {path}")
            values.append(int(node))
        else:
            if node[0] not in OPERATORS:
                raise ValueError(f"evaluate needs labels in {sorted(OPERATORS)}, got {node[0]!r} at {path}")
            right, left = values.pop(), values.pop()
            values.append(OPERATORS[node[0]](left, right))
    return values[0] if modulus is None else values[0] % modulus


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng), got {type(rng).__name__}")
    return rng


def random_expression(num_leaves: int, rng: np.random.Generator, num_digits: int = 3,
                      operators: Sequence[str] = ("+", "-", "*")):
    """A random arithmetic tree with `num_leaves` digits drawn from 0 … num_digits − 1.

    The left subtree gets a number of leaves drawn uniformly from 1 … n − 1 at every node, and
    each operator is drawn uniformly from `operators`.
    """
    num_leaves = _validate.positive_int("num_leaves", num_leaves)
    rng = _check_rng(rng)
    num_digits = _validate.positive_int("num_digits", num_digits)
    ops = list(operators)
    if not ops or any(op not in OPERATORS for op in ops):
        raise ValueError(f"operators must be a non-empty sequence drawn from {sorted(OPERATORS)}, got {operators!r}")

    def build(n: int):
        if n == 1:
            return int(rng.integers(num_digits))
        n_left = int(rng.integers(1, n))
        return (ops[int(rng.integers(len(ops)))], build(n_left), build(n - n_left))

    return build(num_leaves)   # depth ≤ num_leaves, small for the trees of the course


def expression_dataset(n: int, rng: np.random.Generator, *, min_leaves: int = 2, max_leaves: int = 5,
                       num_digits: int = 3, modulus: int = 3, exclude=frozenset(),
                       max_tries: int | None = None) -> tuple[list, np.ndarray]:
    """n random expressions (numbers of leaves uniform in [min_leaves, max_leaves]) and their values mod `modulus`.

    Trees found in `exclude` (e.g. a training set) are drawn again, so a held-out set can hold
    only unseen expressions; gives up with a ValueError after `max_tries` draws (default 50·n).
    Returns (trees, labels) with labels an int64 array in [0, modulus).
    """
    n = _validate.positive_int("n", n)
    rng = _check_rng(rng)
    min_leaves = _validate.positive_int("min_leaves", min_leaves)
    max_leaves = _validate.positive_int("max_leaves", max_leaves)
    if max_leaves < min_leaves:
        raise ValueError(f"max_leaves must be >= min_leaves = {min_leaves}, got {max_leaves}")
    modulus = _validate.positive_int("modulus", modulus, minimum=2)
    max_tries = 50 * n if max_tries is None else _validate.positive_int("max_tries", max_tries)
    exclude = set(exclude)
    trees: list = []
    for _ in range(max_tries):
        if len(trees) == n:
            break
        tree = random_expression(int(rng.integers(min_leaves, max_leaves + 1)), rng, num_digits)
        if tree not in exclude:
            trees.append(tree)
    if len(trees) < n:
        raise ValueError(f"found only {len(trees)} of n = {n} expressions outside `exclude` in {max_tries} draws; "
                         "expected fewer excluded trees or larger trees")
    return trees, np.array([evaluate(t, modulus) for t in trees], dtype=np.int64)


def left_branching(leaf_list: Sequence, label: str | None = None):
    """The chain (((l0, l1), l2), …): each new leaf joins everything read so far, like an SRN step."""
    if isinstance(leaf_list, (str, np.ndarray)) or len(leaf_list) < 2:
        raise ValueError("leaf_list must be a sequence (list or tuple) of at least 2 leaves, got "
                         f"{type(leaf_list).__name__}")
    tree = leaf_list[0]
    for leaf in leaf_list[1:]:
        tree = (label, tree, leaf)
    validate_tree(tree)
    return tree


def symbol_counts(trees: Sequence, symbols: Sequence, labels: Sequence[str]) -> np.ndarray:
    """Bag-of-symbols features: row i counts each leaf symbol and each label in tree i (structure ignored)."""
    column = _index("symbols", symbols) | {("label", lab): len(symbols) + j
                                          for j, lab in enumerate(_index("labels", labels))}
    X = np.zeros((len(trees), len(column)))
    for i, tree in enumerate(_check_trees(trees)):
        for node, path in _postorder(tree):
            key = node if is_leaf(node) else ("label", node[0])
            if isinstance(node, np.ndarray) or key not in column:
                raise ValueError(f"tree {i} has {node if is_leaf(node) else node[0]!r} at {path}, "
                                 f"which is not among the symbols {list(symbols)} or labels {list(labels)}")
            X[i, column[key]] += 1
    return X


def best_bag_accuracy(trees: Sequence, y, symbols: Sequence, labels: Sequence[str]) -> float:
    """The highest accuracy that ANY function of the bag of symbols can reach on (trees, y).

    Trees with the same bag get the same prediction, so the best is to predict each bag's most
    frequent label: an upper bound even for a bag model fitted to this very set.
    """
    y = np.asarray(y)
    if y.shape != (len(trees),):
        raise ValueError(f"y must have one label per tree, shape ({len(trees)},), got {y.shape}")
    X = symbol_counts(trees, symbols, labels)
    groups: dict[bytes, Counter] = {}
    for row, label in zip(X, y):
        groups.setdefault(row.tobytes(), Counter())[label.item()] += 1
    return sum(c.most_common(1)[0][1] for c in groups.values()) / len(trees)


def bag_lookup(fit_trees: Sequence, fit_y, trees: Sequence, symbols: Sequence, labels: Sequence[str]) -> np.ndarray:
    """A bag-of-symbols classifier as a table: predict for each of `trees` the most frequent label
    of its bag among `fit_trees` (the smallest label on a tie), and for a bag never seen there the
    most frequent label of `fit_y`. Fitted to the very trees it predicts, it reaches
    `best_bag_accuracy`; fitted to other trees, it shows how much a bag model can generalise."""
    fit_y = np.asarray(fit_y)
    if fit_y.shape != (len(fit_trees),) or not np.issubdtype(fit_y.dtype, np.integer) or fit_y.size == 0 \
            or fit_y.min() < 0:
        raise ValueError(f"fit_y must hold one non-negative integer label per tree of fit_trees, shape "
                         f"({len(fit_trees)},), got shape {fit_y.shape} and dtype {fit_y.dtype}")
    n_classes = int(fit_y.max()) + 1
    votes: dict[bytes, np.ndarray] = {}
    for row, label in zip(symbol_counts(fit_trees, symbols, labels), fit_y):
        votes.setdefault(row.tobytes(), np.zeros(n_classes, dtype=np.int64))[label] += 1
    default = int(np.bincount(fit_y).argmax())
    return np.array([int(votes[row.tobytes()].argmax()) if row.tobytes() in votes else default
                     for row in symbol_counts(trees, symbols, labels)], dtype=np.int64)


def _index(name: str, items: Sequence) -> dict:
    if isinstance(items, (str, np.ndarray)) or not isinstance(items, Sequence) or len(items) == 0:
        raise ValueError(f"{name} must be a non-empty list or tuple, got {items!r}")
    index = {item: i for i, item in enumerate(items)}
    if len(index) != len(items):
        raise ValueError(f"{name} must not repeat an entry, got {list(items)}")
    return index


def _check_trees(trees) -> list:
    if isinstance(trees, tuple) or not isinstance(trees, Sequence) or len(trees) == 0:
        raise ValueError("trees must be a non-empty list of trees (a single tree goes in a list: [tree])")
    return list(trees)


# ------------------------------------------------------------------- recursive net, numpy


def _vector_table(name: str, table) -> Mapping | None:
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ValueError(f"{name} must be a dict from symbol to 1-D vector, or None, got {type(table).__name__}")
    return table


def tree_forward(tree, W, b, leaf_vectors: Mapping | None = None,
                 label_vectors: Mapping | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Recursive network in numpy: h_v = tanh(W [h_left; h_right] + c_label + b), children first.

    Symbol leaves (int, str) are looked up in `leaf_vectors` (dict symbol → vector); array leaves
    are their own vectors. With `label_vectors` (dict label → vector of size H) each internal node adds the
    vector of its label; without it, labels are ignored. W (H, d_left + d_right) must fit the sizes
    of the two children at every node (internal nodes have size H). Returns (root state, states
    of the internal nodes in post-order).
    """
    W = _validate.float_array("W", W, ndim=2)
    H = W.shape[0]
    b = _validate.float_array("b", b, ndim=1)
    if b.shape != (H,):
        raise ValueError(f"b must have shape (H,) = ({H},) to match W {W.shape}, got {b.shape}")
    leaf_vectors = _vector_table("leaf_vectors", leaf_vectors)
    label_vectors = _vector_table("label_vectors", label_vectors)
    states: list[np.ndarray] = []
    stack: list[np.ndarray] = []
    for node, path in _postorder(tree):
        if is_leaf(node):
            if isinstance(node, np.ndarray):
                vec = node                      # a leaf that is its own vector
            elif leaf_vectors is None:
                raise ValueError(f"leaf {node!r} at {path} is a symbol; pass leaf_vectors to look it up")
            elif node not in leaf_vectors:
                raise ValueError(f"leaf {node!r} at {path} is not a key of leaf_vectors")
            else:
                vec = leaf_vectors[node]
            stack.append(_validate.float_array(f"the vector of leaf {path}", vec, ndim=1))
            continue
        right, left = stack.pop(), stack.pop()
        if left.size + right.size != W.shape[1]:
            raise ValueError(f"W must have shape (H, {left.size} + {right.size}) for the children of {path}, "
                             f"got {W.shape}")
        a = W @ np.concatenate([left, right]) + b
        if label_vectors is not None:
            if node[0] not in label_vectors:
                raise ValueError(f"label {node[0]!r} at {path} is not a key of label_vectors")
            c = _validate.float_array(f"the vector of label {node[0]!r}", label_vectors[node[0]], ndim=1)
            if c.shape != (H,):
                raise ValueError(f"label vectors must have shape (H,) = ({H},), got {c.shape} for {node[0]!r}")
            a = a + c
        h = np.tanh(a)
        states.append(h)
        stack.append(h)
    return stack[0], states


# --------------------------------------------------------------- recursive net, torch batch


@dataclass
class Forest:
    """A batch of trees laid out for level-by-level evaluation (made by `encode_forest`).

    Node states live in one tensor: the leaves first (rows 0 … L−1, symbol ids in
    `leaf_symbol`), then the internal nodes of height 1, then height 2, … Each entry of
    `levels` holds, for the nodes of one height, their label ids and the rows of their left and
    right children, which all lie in earlier rows. `roots` are the rows of the trees' roots.
    """

    leaf_symbol: torch.Tensor
    levels: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = field(default_factory=list)
    roots: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))

    @property
    def num_trees(self) -> int:
        return int(self.roots.numel())


def encode_forest(trees: Sequence, symbols: Sequence, labels: Sequence[str]) -> Forest:
    """Lay out `trees` (leaves in `symbols`, labels in `labels`) as a Forest for TreeNet."""
    trees = _check_trees(trees)
    symbol_id, label_id = _index("symbols", symbols), _index("labels", labels)
    leaf_symbol: list[int] = []
    nodes: list[tuple[int, int, int, int]] = []     # (height, label id, left key, right key)
    root_keys: list[int] = []
    # keys: leaves are 0, 1, …; internal nodes are −1, −2, … until their rows are known
    for i, tree in enumerate(trees):
        stack: list[tuple[int, int]] = []            # (key, height)
        for node, path in _postorder(tree):
            if is_leaf(node):
                if isinstance(node, np.ndarray) or node not in symbol_id:
                    raise ValueError(f"tree {i}: leaf {node!r} at {path} is not among the symbols {list(symbols)}")
                stack.append((len(leaf_symbol), 0))
                leaf_symbol.append(symbol_id[node])
            else:
                if node[0] not in label_id:
                    raise ValueError(f"tree {i}: label {node[0]!r} at {path} is not among the labels {list(labels)}")
                (r_key, r_h), (l_key, l_h) = stack.pop(), stack.pop()
                nodes.append((1 + max(l_h, r_h), label_id[node[0]], l_key, r_key))
                stack.append((-len(nodes), 1 + max(l_h, r_h)))
        root_keys.append(stack[0][0])
    order = sorted(range(len(nodes)), key=lambda j: nodes[j][0])       # stable: by height
    row = {-(j + 1): len(leaf_symbol) + r for r, j in enumerate(order)}

    def to_row(key: int) -> int:
        return key if key >= 0 else row[key]

    levels = []
    for h in sorted({nodes[j][0] for j in order}):
        js = [j for j in order if nodes[j][0] == h]
        levels.append(tuple(torch.tensor(v, dtype=torch.long) for v in (
            [nodes[j][1] for j in js], [to_row(nodes[j][2]) for j in js], [to_row(nodes[j][3]) for j in js])))
    return Forest(torch.tensor(leaf_symbol, dtype=torch.long), levels,
                  torch.tensor([to_row(k) for k in root_keys], dtype=torch.long))


class TreeNet(nn.Module):
    """Recursive network with an output layer: h_leaf = E[symbol], h_v = tanh(W [h_l; h_r] + C[label] + b),
    scores = W_out h_root + b_out.

    All nodes of the same height are independent of each other, so forward() computes each level
    of the whole batch with one matrix product: a batch of trees of height ≤ k costs k sequential steps.
    """

    def __init__(self, num_symbols: int, num_labels: int, hidden_size: int, output_size: int, *,
                 seed: int | None = None):
        super().__init__()
        num_symbols = _validate.positive_int("num_symbols", num_symbols)
        num_labels = _validate.positive_int("num_labels", num_labels)
        H = _validate.positive_int("hidden_size", hidden_size)
        output_size = _validate.positive_int("output_size", output_size)
        with seeded(seed):
            self.leaf_embedding = nn.Embedding(num_symbols, H)     # E: N(0, 1) entries
            self.label_embedding = nn.Embedding(num_labels, H)     # C
            self.compose = nn.Linear(2 * H, H)                     # W, b
            self.out = nn.Linear(H, output_size)                   # W_out, b_out

    def root_states(self, forest: Forest) -> torch.Tensor:
        """h_root of every tree, (num_trees, H)."""
        if not isinstance(forest, Forest):
            raise ValueError(f"forest must be a Forest made by encode_forest, got {type(forest).__name__}")
        states = self.leaf_embedding(forest.leaf_symbol)
        for label, left, right in forest.levels:
            a = self.compose(torch.cat([states[left], states[right]], dim=1)) + self.label_embedding(label)
            states = torch.cat([states, torch.tanh(a)])        # this level's rows follow the earlier ones
        return states[forest.roots]

    def forward(self, forest: Forest) -> torch.Tensor:
        return self.out(self.root_states(forest))

    def numpy_params(self) -> dict[str, np.ndarray]:
        """E, C, W, b, W_out, b_out as float64 numpy arrays (for tree_forward)."""
        p = {"E": self.leaf_embedding.weight, "C": self.label_embedding.weight, "W": self.compose.weight,
             "b": self.compose.bias, "W_out": self.out.weight, "b_out": self.out.bias}
        return {k: v.detach().double().numpy().copy() for k, v in p.items()}


class BagOfSymbols(nn.Module):
    """The structure-blind baseline: an MLP (two tanh layers) on symbol counts (see `symbol_counts`)."""

    def __init__(self, num_features: int, hidden_size: int, output_size: int, *, seed: int | None = None):
        super().__init__()
        num_features = _validate.positive_int("num_features", num_features)
        H = _validate.positive_int("hidden_size", hidden_size)
        output_size = _validate.positive_int("output_size", output_size)
        with seeded(seed):
            self.net = nn.Sequential(nn.Linear(num_features, H), nn.Tanh(), nn.Linear(H, H), nn.Tanh(),
                                     nn.Linear(H, output_size))
        self.num_features = num_features

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        if not isinstance(counts, torch.Tensor) or counts.ndim != 2 or counts.shape[1] != self.num_features:
            raise ValueError(f"counts must be a tensor of shape (N, {self.num_features}), got "
                             f"{tuple(counts.shape) if isinstance(counts, torch.Tensor) else type(counts).__name__}")
        return self.net(counts)


@dataclass
class FitHistory:
    """Logged by `fit_classifier`: update counts, mean training loss since the last entry, held-out accuracy."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    eval_accuracy: list[float] = field(default_factory=list)


def accuracy(model: nn.Module, inputs, y) -> float:
    """Fraction of examples whose highest score is the true class (no gradients, eval mode)."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = model(inputs)
    model.train(was_training)
    if scores.ndim != 2 or scores.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError(f"y must hold one class per example, shape ({scores.shape[0]},), got {tuple(y.shape)}")
    return float((scores.argmax(dim=1) == y).double().mean())


def fit_classifier(model: nn.Module, batches: Sequence, *, steps: int, lr: float = 3e-3,
                   eval_set: tuple | None = None, eval_every: int = 50) -> FitHistory:
    """Train `model` in place with Adam on cross-entropy, cycling through `batches` [(inputs, y), …].

    Inputs are whatever the model takes (a Forest for TreeNet, a count tensor for BagOfSymbols),
    y int class labels. With eval_set = (inputs, y), held-out accuracy is logged at step 0, every
    `eval_every` updates, and after the last one.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    if not isinstance(batches, Sequence) or len(batches) == 0 or any(
            not isinstance(bt, tuple) or len(bt) != 2 for bt in batches):
        raise ValueError("batches must be a non-empty list of (inputs, y) pairs")
    steps = _validate.positive_int("steps", steps)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    eval_every = _validate.positive_int("eval_every", eval_every)
    if eval_set is not None and (not isinstance(eval_set, tuple) or len(eval_set) != 2):
        raise ValueError("eval_set must be an (inputs, y) pair or None")
    targets = [torch.as_tensor(np.asarray(y), dtype=torch.long) for _, y in batches]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist, window = FitHistory(), []

    def log(step: int) -> None:
        hist.steps.append(step)
        hist.train_loss.append(float(np.mean(window)) if window else float("nan"))
        hist.eval_accuracy.append(accuracy(model, *eval_set) if eval_set is not None else float("nan"))

    model.train()
    log(0)
    for step in range(1, steps + 1):
        inputs, _ = batches[(step - 1) % len(batches)]
        loss = nn.functional.cross_entropy(model(inputs), targets[(step - 1) % len(batches)])
        opt.zero_grad()
        loss.backward()
        opt.step()
        window.append(loss.item())
        if step % eval_every == 0 or step == steps:
            log(step)
            window = []
    return hist


# ------------------------------------------------------------------------- graphs


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
    """W_in (H, D), W_self (H, H), W_msg (H, H) or (R, H, H) for R > 1 edge types, b (H,): U(−1/√H, 1/√H) like nn.RNN."""
    D, H = _validate.positive_int("D", D), _validate.positive_int("H", H)
    R = _validate.positive_int("edge_types", edge_types)
    rng = np.random.default_rng(0) if rng is None else _check_rng(rng)
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


READOUTS = ("sum", "mean", "max")


def readout(h, how: str = "sum") -> np.ndarray:
    """Graph-level vector from node states h (n, H): their sum, mean or elementwise max (order-free)."""
    h = _validate.float_array("h", h, ndim=2, min_length=1)
    how = _validate.choice("how", how, READOUTS)
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
    for node, _ in _postorder(tree):
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
