"""course_utils.bag_of_symbols: the structure-blind baseline of lecture 12, against brute force."""
import numpy as np
import pytest
import torch

from course_utils import bag_of_symbols as bag
from course_utils import tasks
from course_utils.trees import evaluate

DIGITS, OPS = [0, 1, 2], ["+", "-", "*"]


def test_symbol_counts_and_best_bag_accuracy():
    trees = [("*", ("+", 1, 2), 2), ("+", 1, ("*", 2, 2)), ("+", 0, 0), ("-", 0, 0)]
    X = bag.symbol_counts(trees, DIGITS, OPS)
    assert X.tolist()[0] == [0, 1, 2, 1, 0, 1]
    assert np.array_equal(X[0], X[1]) and X[2].tolist() == [2, 0, 0, 1, 0, 0]
    y = np.array([evaluate(t, 3) for t in trees])                 # 0, 2, 0, 0: first two share a bag
    assert bag.best_bag_accuracy(trees, y, DIGITS, OPS) == 0.75


def test_best_bag_accuracy_bounds_any_bag_classifier(rng):
    trees, y = tasks.expression_task(max_leaves=5)(400, rng)
    bound = bag.best_bag_accuracy(trees, y, DIGITS, OPS)
    X = bag.symbol_counts(trees, DIGITS, OPS)
    for _ in range(20):                                       # random functions of the bag
        w = rng.standard_normal((X.shape[1], 3))
        assert np.mean((X @ w).argmax(axis=1) == y) <= bound + 1e-12


def test_symbol_counts_bad_input():
    with pytest.raises(ValueError, match="not among the symbols"):
        bag.symbol_counts([("+", 1, 5)], DIGITS, OPS)
    with pytest.raises(ValueError, match="not among the symbols"):
        bag.symbol_counts([("/", 1, 2)], DIGITS, OPS)
    with pytest.raises(ValueError, match="must not repeat"):
        bag.symbol_counts([("+", 1, 2)], [0, 1, 1], OPS)
    with pytest.raises(ValueError, match="non-empty list of trees"):
        bag.symbol_counts(("+", 1, 2), DIGITS, OPS)
    with pytest.raises(ValueError, match="one label per tree"):
        bag.best_bag_accuracy([("+", 1, 2)], np.array([0, 1]), DIGITS, OPS)


def test_bag_lookup_predicts_each_bags_majority_and_reaches_the_bound_on_its_own_trees(rng):
    trees = [("+", 1, 2), ("+", 2, 1), ("*", 1, 2), ("+", 0, 0), ("+", 1, 2)]
    y = np.array([0, 0, 2, 1, 2])                     # bag {1, 2, +}: labels 0, 0, 2 -> 0
    assert bag.bag_lookup(trees, y, [("+", 2, 1), ("*", 2, 1), ("-", 1, 1)], DIGITS, OPS).tolist() == [0, 2, 0]
    many, labels = tasks.expression_task(max_leaves=4)(300, rng)
    own = float(np.mean(bag.bag_lookup(many, labels, many, DIGITS, OPS) == labels))
    assert own == bag.best_bag_accuracy(many, labels, DIGITS, OPS)


def test_bag_lookup_rejects_bad_labels():
    with pytest.raises(ValueError, match="fit_y"):
        bag.bag_lookup([("+", 1, 2)], np.array([0.5]), [("+", 1, 2)], DIGITS, OPS)
    with pytest.raises(ValueError, match="fit_y"):
        bag.bag_lookup([("+", 1, 2)], np.array([0, 1]), [("+", 1, 2)], DIGITS, OPS)


def test_bag_of_symbols_model_bad_input():
    with pytest.raises(ValueError, match=r"counts must be a tensor of shape \(N, 6\)"):
        bag.BagOfSymbols(6, 4, 3)(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="num_features must be an integer >= 1"):
        bag.BagOfSymbols(0, 4, 3)
