"""The structure-blind baseline of lecture 12: a tree read as a bag of its symbols and labels.

`symbol_counts` turns trees into count vectors; `best_bag_accuracy` is the ceiling of ANY
function of the bag on a set of trees; `bag_lookup` is the bag classifier as a table;
`BagOfSymbols` an MLP on the counts, trained like the tree network it is compared with.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from .session import seeded
from .trees import as_tree_list, is_leaf, positions, postorder


def symbol_counts(trees: Sequence, symbols: Sequence, labels: Sequence[str]) -> np.ndarray:
    """Bag-of-symbols features: row i counts each leaf symbol and each label in tree i (structure ignored)."""
    column = positions("symbols", symbols) | {("label", lab): len(symbols) + j
                                          for j, lab in enumerate(positions("labels", labels))}
    X = np.zeros((len(trees), len(column)))
    for i, tree in enumerate(as_tree_list(trees)):
        for node, path in postorder(tree):
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
