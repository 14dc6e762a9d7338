"""course_utils.dropout: inverted dropout masks per step and per sequence."""
import pytest
import torch

from course_utils.dropout import SequenceDropout, check_rate, dropout_mask, sequence_masks


def _zero_or(mask: torch.Tensor, kept: float) -> bool:
    """Every entry is 0 or `kept` (up to float rounding)."""
    return bool(torch.all(mask.eq(0) | torch.isclose(mask, torch.tensor(kept, dtype=mask.dtype))))


def test_check_rate_accepts_zero_and_rejects_one_and_junk():
    assert check_rate(0) == 0.0 and check_rate(0.5) == 0.5
    for bad in (-0.1, 1.0, 1.5, float("nan"), "0.3", None, True):
        with pytest.raises(ValueError, match=r"p \(the dropout probability\) must"):
            check_rate(bad)


def test_dropout_mask_is_zero_or_rescaled_with_mean_one():
    g = torch.Generator().manual_seed(0)
    mask = dropout_mask((200, 500), 0.3, g)
    assert _zero_or(mask, 1 / 0.7) and mask.eq(0).any()
    assert mask.eq(0).float().mean().item() == pytest.approx(0.3, abs=0.01)     # 100,000 draws: σ ≈ 0.0015
    assert mask.mean().item() == pytest.approx(1.0, abs=0.02)                   # the expected value is kept
    assert torch.equal(dropout_mask((3, 4), 0.0), torch.ones(3, 4))


def test_sequence_masks_repeat_over_time_only_when_per_sequence():
    g = torch.Generator().manual_seed(1)
    locked = sequence_masks(6, 5, 40, 0.5, per_sequence=True, generator=g)
    assert locked.shape == (6, 5, 40)
    assert all(torch.equal(locked[t], locked[0]) for t in range(6))          # the same mask at every step
    assert not any(torch.equal(locked[0, n], locked[0, 0]) for n in range(1, 5))   # another one per sequence
    fresh = sequence_masks(6, 5, 40, 0.5, per_sequence=False, generator=g)
    assert not any(torch.equal(fresh[t], fresh[0]) for t in range(1, 6))     # a new mask at every step
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        sequence_masks(0, 5, 4, 0.5, per_sequence=True)


@pytest.mark.parametrize("per_sequence", [True, False])
def test_sequence_dropout_in_training_and_eval_mode(per_sequence):
    torch.manual_seed(0)
    drop = SequenceDropout(0.4, per_sequence=per_sequence)
    x = torch.rand(7, 3, 50) + 1.0                                           # no zeros, so x·mask reveals the mask
    y = drop(x)
    mask = y / x
    assert _zero_or(mask, 1 / 0.6)
    same_over_time = all(torch.allclose(mask[t], mask[0]) for t in range(7))
    assert same_over_time == per_sequence
    assert not torch.allclose(mask[:, 0], mask[:, 1])                          # sequences get different masks
    mean = torch.stack([drop(x) for _ in range(400)]).mean(0)                  # E[drop(x)] = x
    assert torch.allclose(mean, x, rtol=0.15) and (mean / x).mean().item() == pytest.approx(1.0, abs=0.01)
    drop.eval()
    assert drop(x) is x                                                        # eval mode: the identity
    assert SequenceDropout(0.0).train()(x) is x


def test_sequence_dropout_gradient_is_the_mask():
    torch.manual_seed(2)
    drop = SequenceDropout(0.5)
    x = torch.ones(4, 2, 8, requires_grad=True)
    y = drop(x)
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())                                     # dy/dx = mask, 0 where dropped


def test_sequence_dropout_rejects_bad_input():
    with pytest.raises(ValueError, match=r"p \(the dropout probability\) must be < 1.0"):
        SequenceDropout(1.0)
    with pytest.raises(ValueError, match="per_sequence must be True or False"):
        SequenceDropout(0.2, per_sequence="yes")
    with pytest.raises(ValueError, match=r"x must be time-major activations of shape \(T, N, D\)"):
        SequenceDropout(0.2)(torch.ones(3, 4))
    assert "per_sequence=True" in repr(SequenceDropout(0.2))
