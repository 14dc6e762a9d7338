"""Recursive (tree) networks (Pollack 1990; Socher et al. 2011), one weight matrix for every node:

    h_leaf = e(leaf),    h_v = tanh(W [h_left; h_right] + c_label + b)

`tree_forward` computes it node by node in numpy (the reference); `TreeNet` computes it in torch
for a whole batch of trees, one matrix product per tree level (`encode_forest` lays the batch
out as a `Forest`). On a left-branching chain (`trees.left_branching`) it is the SRN, which the
tests check exactly. Trees are those of `trees`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import _validate
from .session import seeded
from .trees import as_tree_list, is_leaf, positions, postorder


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
    for node, path in postorder(tree):
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
    trees = as_tree_list(trees)
    symbol_id, label_id = positions("symbols", symbols), positions("labels", labels)
    leaf_symbol: list[int] = []
    nodes: list[tuple[int, int, int, int]] = []     # (height, label id, left key, right key)
    root_keys: list[int] = []
    # keys: leaves are 0, 1, …; internal nodes are −1, −2, … until their rows are known
    for i, tree in enumerate(trees):
        stack: list[tuple[int, int]] = []            # (key, height)
        for node, path in postorder(tree):
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
