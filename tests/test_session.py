import random

import numpy as np
import pytest
import torch

from course_utils import setup
from course_utils.session import seeded


def test_setup_makes_runs_repeatable():
    rng = setup(seed=7)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())
    rng = setup(seed=7)
    second = (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())
    assert first == second


def test_setup_leaves_the_environment_alone():
    import os

    before = dict(os.environ)
    setup()
    assert dict(os.environ) == before


def test_setup_fixes_threads_and_precision():
    from threadpoolctl import threadpool_info

    setup(seed=0, precision=3, threads=1)
    assert torch.get_num_threads() == 1
    assert np.get_printoptions()["precision"] == 3
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    setup()


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed must be an integer >= 0"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"precision": 17}, "precision must be an integer between 0 and 16"),
    ({"threads": 0}, "threads must be an integer >= 1"),
])
def test_setup_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        setup(**kwargs)


def test_seeded_draws_weights_from_its_seed_and_leaves_the_global_generator_alone():
    torch.manual_seed(0)
    with seeded(3):
        a = torch.nn.Linear(4, 2).weight.detach().clone()
    after = torch.rand(1).item()
    torch.manual_seed(0)
    assert torch.rand(1).item() == after                          # the global stream did not move
    with seeded(3):
        assert torch.equal(torch.nn.Linear(4, 2).weight, a)
    torch.manual_seed(5)
    with seeded(None):                                             # None: the global generator, as usual
        b = torch.nn.Linear(4, 2).weight.detach().clone()
    torch.manual_seed(5)
    assert torch.equal(torch.nn.Linear(4, 2).weight, b)
    with pytest.raises(ValueError, match="seed"):
        with seeded(-1):
            pass
