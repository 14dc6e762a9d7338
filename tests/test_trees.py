"""course_utils.trees: nested-tuple trees, their checks, traversal and evaluation."""
import numpy as np
import pytest

from course_utils import trees


def test_validate_tree_counts_leaves_and_height():
    assert trees.validate_tree(3) == (1, 0)
    assert trees.validate_tree(("+", 1, 2)) == (2, 1)
    assert trees.validate_tree(("*", ("+", 1, 2), ("-", 0, ("*", 2, 2)))) == (5, 3)
    assert trees.height(trees.left_branching(list(range(10)))) == 9
    assert trees.leaves(("*", ("+", 1, 2), ("-", 0, 2))) == [1, 2, 0, 2]


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
        trees.validate_tree(bad)
    with pytest.raises(ValueError, match=r"malformed tree at root\.right"):
        trees.validate_tree(("*", 0, bad))


def test_malformed_subtree_is_located():
    bad = ("+", 1, ("*", 2.0, 1))
    for fn in (trees.validate_tree, trees.leaves, trees.height, trees.to_infix, trees.evaluate):
        with pytest.raises(ValueError, match=r"malformed tree at root\.right\.left"):
            fn(bad)


def test_to_infix_and_evaluate():
    t = ("-", ("*", 2, ("+", 1, 2)), 7)
    assert trees.to_infix(t) == "((2 * (1 + 2)) - 7)"
    assert trees.evaluate(t) == -1
    assert trees.evaluate(t, modulus=3) == 2          # Python's % is non-negative
    assert trees.evaluate(4) == 4
    assert trees.to_infix((None, "a", "b")) == "(a · b)"


@pytest.mark.parametrize("tree, kwargs, match", [
    (("+", "a", 1), {}, "int leaves"),
    (("/", 1, 2), {}, "labels in"),
    ((None, 1, 2), {}, "labels in"),
    (("+", 1, 2), {"modulus": 1}, "modulus must be an integer >= 2"),
    (("+", 1, 2.0), {}, "malformed tree"),
])
def test_evaluate_bad_input(tree, kwargs, match):
    with pytest.raises(ValueError, match=match):
        trees.evaluate(tree, **kwargs)


def test_left_branching_shape_and_bad_input():
    assert trees.left_branching(["h0", 1, 2]) == (None, (None, "h0", 1), 2)
    assert trees.left_branching([0, 1], label="+") == ("+", 0, 1)
    with pytest.raises(ValueError, match="at least 2 leaves"):
        trees.left_branching([1])
    with pytest.raises(ValueError, match="sequence"):
        trees.left_branching("abc")
    with pytest.raises(ValueError, match="malformed tree"):
        trees.left_branching([1, 2.5])
