"""The shared input checks: switches, generators, gradient arguments, and caches that tie a backward to its forward."""
import copy
import pickle

import numpy as np
import pytest

from course_utils import _validate


def test_flag_accepts_bools_and_refuses_strings_and_numbers():
    assert _validate.flag("f", True) is True and _validate.flag("f", np.bool_(False)) is False
    for bad, shown in (("no", r"'no' \(str\)"), (1, r"1 \(int\)"), (None, "None$")):
        with pytest.raises(ValueError, match=rf"f must be True or False, got {shown}"):
            _validate.flag("f", bad)


def test_positive_int_accepts_numpy_integers():
    value = _validate.positive_int("n", np.int64(3))
    assert value == 3 and type(value) is int
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 2.0"):
        _validate.positive_int("n", 2.0)


def test_generator():
    assert isinstance(_validate.generator(None), np.random.Generator)
    g = np.random.default_rng(5)
    assert _validate.generator(g) is g
    with pytest.raises(ValueError, match=r"rng must be a numpy Generator such as np.random.default_rng\(0\), got int"):
        _validate.generator(0)


def test_optional_float_numpy():
    a = np.zeros(2, dtype=np.float32)
    assert _validate.optional_float_numpy("g", None) is None and _validate.optional_float_numpy("g", a) is a
    with pytest.raises(ValueError, match="g must be a float32 or float64 numpy array, got list"):
        _validate.optional_float_numpy("g", [0.0, 1.0])


def test_cache_is_a_tuple_that_knows_its_maker():
    x = np.arange(3.0)
    cache = _validate.Cache("m.forward", (x, 2))
    a, b = cache
    assert a is x and b == 2 and cache[1] == 2 and len(cache) == 2 and isinstance(cache, tuple)
    for twin in (copy.copy(cache), copy.deepcopy(cache), pickle.loads(pickle.dumps(cache))):
        assert twin.producer == "m.forward" and np.array_equal(twin[0], x) and twin[1] == 2


def test_backward_inputs_names_what_was_passed():
    cache = _validate.Cache("m.forward", (1,))
    assert _validate.backward_inputs("m.backward", cache, {"d": np.ones(2)}, {"e": None}) is cache
    with pytest.raises(ValueError, match="d must be a float32 or float64 numpy array, got None"):
        _validate.backward_inputs("m.backward", cache, {"d": None})
    with pytest.raises(ValueError, match="m.backward: cache must be the cache that m.forward returned, "
                                         "got the cache of other.forward"):
        _validate.backward_inputs("m.backward", _validate.Cache("other.forward", (1,)), {})
    with pytest.raises(ValueError, match="got a tuple of 3 items"):
        _validate.backward_inputs("m.backward", (1, 2, 3), {})
    with pytest.raises(ValueError, match="got None"):
        _validate.backward_inputs("m.backward", None, {})
    with pytest.raises(ValueError, match="d must be a float32 or float64 numpy array, got dtype int64"):
        _validate.backward_inputs("m.backward", cache, {}, {"d": np.ones(2, dtype=np.int64)})


def test_float_dtype():
    assert _validate.float_dtype("dtype", "float32") == np.float32
    assert _validate.float_dtype("dtype", np.float64) == np.float64
    for bad, shown in ((np.int64, "int64"), ("float16", "'float16'"), ("nonsense", "'nonsense'")):
        with pytest.raises(ValueError, match=f"^dtype must be np.float32 or np.float64, got {shown}$"):
            _validate.float_dtype("dtype", bad)


def test_required_generator_refuses_none_and_seeds():
    rng = np.random.default_rng(1)
    assert _validate.required_generator(rng) is rng
    for bad in (None, 0):
        with pytest.raises(ValueError, match="rng must be a numpy Generator such as np.random.default_rng"):
            _validate.required_generator(bad)
