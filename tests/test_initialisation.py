"""course_utils.initialisation: identity (IRNN) and orthogonal initial recurrent weights."""
import numpy as np
import pytest
import torch
from torch import nn

from course_utils.initialisation import INITS, IRNN_INPUT_STD, identity_, initialise_recurrence, orthogonal_
from course_utils.session import seeded

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _orthogonality_error(W: np.ndarray) -> float:
    return float(np.max(np.abs(W.T @ W - np.eye(W.shape[1]))))


def test_orthogonal_fills_a_float64_matrix_with_an_orthogonal_one():
    W = torch.empty(40, 40, dtype=torch.float64)
    with seeded(0):
        out = orthogonal_(W)
    Q = W.numpy()
    assert out is W
    assert _orthogonality_error(Q) < 1e-12 and np.max(np.abs(Q @ Q.T - np.eye(40))) < 1e-12
    assert np.allclose(np.linalg.svd(Q, compute_uv=False), 1.0, rtol=0, atol=1e-12)
    assert not np.allclose(Q, np.eye(40))          # a random rotation, not the identity


def test_orthogonal_is_sign_corrected_so_its_diagonal_is_not_biased():
    """Without moving R's signs into Q, a QR-based Q is not uniform: (Q)_11 = sign · |column 1|.

    With the correction the diagonal entries average 0 over many draws; the mean of 2000 draws of
    an entry with variance 1/H (H = 8) has standard error ~0.008."""
    diag = []
    with seeded(1):
        for _ in range(2000):
            diag.append(orthogonal_(torch.empty(8, 8, dtype=torch.float64)).diagonal().numpy())
    assert abs(np.mean(diag)) < 0.03


def test_identity_is_exactly_the_identity():
    W = torch.randn(7, 7, dtype=torch.float64)
    identity_(W)
    assert torch.equal(W, torch.eye(7, dtype=torch.float64))


@pytest.mark.parametrize("fill", [orthogonal_, identity_])
def test_fills_reject_a_matrix_that_is_not_square(fill):
    with pytest.raises(ValueError, match=r"W must be a square 2-D torch tensor \(H, H\), got \(3, 4\)"):
        fill(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="got ndarray"):
        fill(np.zeros((3, 3)))


def test_identity_init_is_the_irnn_of_le_et_al():
    rnn = nn.RNN(2, 64, num_layers=2, nonlinearity="relu").double()
    with seeded(0):
        initialise_recurrence(rnn, "identity")
    for layer in range(2):
        assert torch.equal(getattr(rnn, f"weight_hh_l{layer}"), torch.eye(64, dtype=torch.float64))
        assert torch.count_nonzero(getattr(rnn, f"bias_ih_l{layer}")) == 0
        assert torch.count_nonzero(getattr(rnn, f"bias_hh_l{layer}")) == 0
    W_hx = rnn.weight_ih_l1.detach().numpy()        # 64 × 64 = 4096 draws from N(0, 0.001²)
    assert W_hx.std() == pytest.approx(IRNN_INPUT_STD, rel=0.05) and abs(W_hx.mean()) < 1e-4


def test_identity_init_makes_the_relu_state_an_integrator():
    """W_hh = I, b = 0 and non-negative input weights: h_t = h_{t−1} + W_hx x_t, the running sum."""
    rnn = nn.RNN(1, 3, nonlinearity="relu").double()
    initialise_recurrence(rnn, "identity")
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor([[1.0], [2.0], [0.5]]))
        x = torch.rand(6, 4, 1, dtype=torch.float64)
        states, _ = rnn(x)
    expected = torch.cumsum(x, dim=0) * torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    assert torch.allclose(states, expected, atol=1e-14)


@pytest.mark.parametrize("layer_cls", [nn.RNN, nn.GRU, nn.LSTM])
def test_orthogonal_init_makes_every_gate_block_orthogonal(layer_cls):
    rnn = layer_cls(3, 16, num_layers=2).double()
    before = {name: p.detach().clone() for name, p in rnn.named_parameters()}
    with seeded(0):
        initialise_recurrence(rnn, "orthogonal")
    for layer in range(2):
        W = getattr(rnn, f"weight_hh_l{layer}").detach().numpy()
        blocks = [W[i:i + 16] for i in range(0, W.shape[0], 16)]
        assert len(blocks) == {nn.RNN: 1, nn.GRU: 3, nn.LSTM: 4}[layer_cls]
        for block in blocks:
            assert _orthogonality_error(block) < 1e-12
            assert np.allclose(np.linalg.svd(block, compute_uv=False), 1.0, rtol=0, atol=1e-12)
    for name, p in rnn.named_parameters():          # input weights and biases keep torch's draw
        if not name.startswith("weight_hh"):
            assert torch.equal(p, before[name]), name


def test_default_init_changes_nothing():
    rnn = nn.LSTM(2, 5)
    before = [p.detach().clone() for p in rnn.parameters()]
    assert initialise_recurrence(rnn, "default") is rnn
    assert all(torch.equal(p, q) for p, q in zip(rnn.parameters(), before))


def test_initialise_recurrence_is_reproducible_under_a_seed():
    def draw():
        rnn = nn.RNN(2, 8)
        with seeded(3):
            initialise_recurrence(rnn, "orthogonal")
        return rnn.weight_hh_l0.detach()
    assert torch.equal(draw(), draw())


def test_initialise_recurrence_rejects_bad_input():
    with pytest.raises(ValueError, match=r"init must be one of \['default', 'identity', 'orthogonal'\], got 'eye'"):
        initialise_recurrence(nn.RNN(2, 4), "eye")
    assert set(INITS) == {"default", "identity", "orthogonal"}
    with pytest.raises(ValueError, match="rnn must be a torch recurrent layer"):
        initialise_recurrence(nn.Linear(2, 4), "identity")
    with pytest.raises(ValueError, match="init='identity' \\(IRNN\\) is defined for nn.RNN only, got LSTM"):
        initialise_recurrence(nn.LSTM(2, 4), "identity")
    with pytest.raises(ValueError, match="input_std must be"):
        initialise_recurrence(nn.RNN(2, 4), "identity", input_std=0.0)
    with pytest.raises(ValueError, match="proj_size > 0 is not supported"):
        initialise_recurrence(nn.LSTM(2, 4, proj_size=2), "orthogonal")
