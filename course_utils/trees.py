"""Trees as nested tuples, the structure of lecture 12's recursive networks and expressions.

    ("*", ("+", 1, 2), 0)          # (1 + 2) × 0

An internal node is a 3-tuple (label, left, right) whose label is a string (an operator) or None
(an unlabelled node, as in note 003's example); anything else is a leaf: an int or a str (a
symbol looked up in a table), or a 1-D float array (a leaf that is its own vector). A chain is
the simplest tree (`left_branching`: every node has one leaf and one earlier node as children).
Every traversal here is iterative (`postorder`), so a chain of thousands of nodes does not hit
Python's recursion limit.
"""
from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from . import _validate

OPERATORS: dict[str, Callable[[int, int], int]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}


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


def postorder(tree) -> Iterator[tuple[object, str]]:
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
    for node, _ in postorder(tree):
        if is_leaf(node):
            num_leaves += 1
            heights.append(0)
        else:
            right, left = heights.pop(), heights.pop()
            heights.append(1 + max(left, right))
    return num_leaves, heights[0]


def leaves(tree) -> list:
    """The leaves from left to right."""
    return [node for node, _ in postorder(tree) if is_leaf(node)]


def height(tree) -> int:
    """Number of internal nodes on the longest path from the root to a leaf (0 for a single leaf)."""
    return validate_tree(tree)[1]


def to_infix(tree) -> str:
    """The tree as a fully parenthesised string, e.g. '((1 + 2) * 0)'; unlabelled nodes print as '·'."""
    parts: list[str] = []
    for node, _ in postorder(tree):
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
    for node, path in postorder(tree):
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


def positions(name: str, items: Sequence) -> dict:
    """{item: its position} for a list of distinct symbols or labels (the ids a model looks up)."""
    if isinstance(items, (str, np.ndarray)) or not isinstance(items, Sequence) or len(items) == 0:
        raise ValueError(f"{name} must be a non-empty list or tuple, got {items!r}")
    index = {item: i for i, item in enumerate(items)}
    if len(index) != len(items):
        raise ValueError(f"{name} must not repeat an entry, got {list(items)}")
    return index


def as_tree_list(trees) -> list:
    """`trees` as a list, checked to be a non-empty sequence of trees (not a single tree)."""
    if isinstance(trees, tuple) or not isinstance(trees, Sequence) or len(trees) == 0:
        raise ValueError("trees must be a non-empty list of trees (a single tree goes in a list: [tree])")
    return list(trees)
