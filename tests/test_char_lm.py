"""course_utils.char_lm: the character LM's step function, perplexity and training."""
import math
import time

import numpy as np
import pytest
import torch

from course_utils import char_lm, decoding
from course_utils.dropout import SequenceDropout
from course_utils.seq2seq import Seq2Seq
from course_utils.session import seeded

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_char_lm_step_perplexity_and_start_state():
    V = 6
    model = char_lm.CharLM(V, 4, 8, seed=0).double()
    ids = np.random.default_rng(0).integers(0, V, size=40)
    lp = char_lm.next_token_log_probs(model, ids)
    assert lp.shape == (39, V) and np.allclose(np.exp(lp).sum(axis=1), 1.0)
    assert char_lm.perplexity(model, ids) == pytest.approx(math.exp(-np.mean(lp[np.arange(39), ids[1:]])))
    state = model.start_state()
    for t in range(10):                           # the step function reproduces the full forward
        step_lp, state = model.step(ids[t:t + 1], state)
        assert np.allclose(step_lp[0], lp[t], atol=1e-12)
    h, c = model.start_state(ids[:10])
    assert torch.allclose(h, state[0], atol=1e-12) and torch.allclose(c, state[1], atol=1e-12)


def test_char_lm_training_learns_a_deterministic_cycle():
    ids = np.tile(np.arange(5), 200)                 # 0 1 2 3 4 0 1 …: perfectly predictable
    model = char_lm.CharLM(5, 4, 16, seed=0)
    hist = char_lm.train_char_lm(model, ids, steps=60, batch_size=8, num_steps=10, lr=3e-2, seed=0)
    losses = hist.train_loss                         # one entry per update
    assert hist.steps == list(range(1, 61)) and losses[-1] < 0.1 * losses[0]
    assert char_lm.perplexity(model, ids[:100]) < 1.2
    out = decoding.sample(model.step, model.start_state(), 0, 9, temperature=0.5, rng=np.random.default_rng(0))
    assert out == [1, 2, 3, 4, 0, 1, 2, 3, 4]


def test_char_lm_time_limit_and_cosine_schedule():
    ids = np.tile(np.arange(5), 200)
    model = char_lm.CharLM(5, 4, 16, seed=0)
    start = time.perf_counter()
    hist = char_lm.train_char_lm(model, ids, time_limit=0.3, batch_size=8, num_steps=10, seed=0)
    assert 1 <= hist.steps[-1] and time.perf_counter() - start < 5.0
    # cosine: the learning rate after the last of `steps` updates has decayed to (about) zero,
    # and a schedule changes the trajectory
    plain, decayed = char_lm.CharLM(5, 4, 16, seed=0), char_lm.CharLM(5, 4, 16, seed=0)
    a = char_lm.train_char_lm(plain, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, seed=0).train_loss
    b = char_lm.train_char_lm(decayed, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, cosine=True,
                              seed=0).train_loss
    assert a[0] == b[0] and a[-1] != b[-1] and len(b) == 20


def test_stacked_layers_are_torchs_multi_layer_lstm():
    """One nn.LSTM per layer: the same initial draws and the same function as nn.LSTM(num_layers=2)."""
    V, E, H = 7, 5, 6
    model = char_lm.CharLM(V, E, H, num_layers=2, seed=3).double()
    with seeded(3):
        embed, rnn, out = torch.nn.Embedding(V, E), torch.nn.LSTM(E, H, num_layers=2), torch.nn.Linear(H, V)
    for layer in range(2):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            assert torch.equal(getattr(model.rnn[layer], f"{name}_l0").float(), getattr(rnn, f"{name}_l{layer}"))
    assert torch.equal(model.embed.weight.float(), embed.weight) and torch.equal(model.out.weight.float(), out.weight)
    x = torch.as_tensor(np.random.default_rng(0).integers(0, V, size=(9, 3)))
    h0, c0 = torch.randn(2, 3, H, dtype=torch.float64), torch.randn(2, 3, H, dtype=torch.float64)
    logits, (h, c) = model(x, (h0, c0))
    rnn, embed, out = rnn.double(), embed.double(), out.double()
    ref_out, (ref_h, ref_c) = rnn(embed(x), (h0, c0))
    assert torch.allclose(logits, out(ref_out), atol=1e-12)
    assert torch.allclose(h, ref_h, atol=1e-12) and torch.allclose(c, ref_c, atol=1e-12)


@pytest.mark.parametrize("variational", [True, False])
def test_dropout_acts_in_training_only_and_between_every_layer(variational):
    V = 6
    ids = np.random.default_rng(1).integers(0, V, size=60)
    plain = char_lm.CharLM(V, 4, 8, num_layers=2, seed=0)
    dropped = char_lm.CharLM(V, 4, 8, num_layers=2, dropout=0.5, variational=variational, seed=0)
    assert isinstance(dropped.drop, SequenceDropout) and dropped.drop.per_sequence == variational
    assert char_lm.perplexity(dropped, ids) == char_lm.perplexity(plain, ids)      # eval mode: no dropout
    x = torch.as_tensor(ids[:20].reshape(10, 2))
    dropped.train()
    torch.manual_seed(0)
    a, _ = dropped(x)
    b, _ = dropped(x)
    assert not torch.allclose(a, b)                                                   # a new mask every call
    seen = []                                            # the dropout sees: embeddings, layer 1 output, layer 2 output
    dropped.drop.register_forward_hook(lambda module, args, result: seen.append(tuple(args[0].shape)))
    dropped(x)
    assert seen == [(10, 2, 4), (10, 2, 8), (10, 2, 8)]
    char_lm.next_token_log_probs(dropped, ids)
    assert dropped.training                              # evaluation restores the mode it found


def test_tied_weights_are_one_parameter_with_one_gradient():
    V, H = 9, 6
    untied = char_lm.CharLM(V, H, H, seed=0).double()
    tied = char_lm.CharLM(V, H, H, tie_weights=True, seed=0).double()
    assert tied.out.weight is tied.embed.weight
    assert char_lm.parameter_count(untied) - char_lm.parameter_count(tied) == V * H
    assert torch.equal(tied.embed.weight, untied.out.weight)          # the shared matrix starts as the output layer's
    # the tied gradient is the sum of the gradients the two uses get when the matrices are separate copies
    with torch.no_grad():
        untied.embed.weight.copy_(tied.embed.weight)
    x = torch.as_tensor(np.random.default_rng(2).integers(0, V, size=(7, 3)))
    for model in (tied, untied):
        model(x)[0].square().sum().backward()
    assert torch.allclose(tied.embed.weight.grad, untied.embed.weight.grad + untied.out.weight.grad, atol=1e-12)
    assert sum(p is tied.embed.weight for p in tied.parameters()) == 1


def test_train_char_lm_measures_validation_perplexity_off_the_clock():
    ids = np.tile(np.arange(5), 200)
    model = char_lm.CharLM(5, 4, 16, dropout=0.1, variational=True, seed=0)
    hist = char_lm.train_char_lm(model, ids, steps=30, batch_size=8, num_steps=10, lr=3e-2, val_ids=ids[:100],
                                 eval_every=10, seed=0)
    assert hist.steps == [0, 10, 20, 30] and len(hist.eval_perplexity) == 4
    assert hist.eval_perplexity[-1] == pytest.approx(char_lm.perplexity(model, ids[:100]))
    assert hist.eval_perplexity[-1] < 0.5 * hist.eval_perplexity[0] and model.training
    default = char_lm.train_char_lm(char_lm.CharLM(5, 4, 16, seed=0), ids, steps=3, batch_size=8, num_steps=10,
                                    val_ids=ids[:50])
    assert default.steps == [0, 3]                                     # eval_every 100 with a validation text


def test_char_lm_rejects_bad_regularisers():
    with pytest.raises(ValueError, match="tie_weights needs embed_size == hidden_size"):
        char_lm.CharLM(5, 4, 8, tie_weights=True)
    with pytest.raises(ValueError, match=r"p \(the dropout probability\) must be < 1.0"):
        char_lm.CharLM(5, 4, 8, dropout=1.0)
    with pytest.raises(ValueError, match="variational and tie_weights must be True or False"):
        char_lm.CharLM(5, 4, 8, variational="yes")
    with pytest.raises(ValueError, match="tie_embedding needs an nn.Embedding and an nn.Linear"):
        char_lm.tie_embedding(torch.nn.Linear(3, 4), torch.nn.Linear(3, 4))
    with pytest.raises(ValueError, match="tying needs the embedding"):
        char_lm.tie_embedding(torch.nn.Embedding(5, 3), torch.nn.Linear(4, 5))
    with pytest.raises(ValueError, match=r"val_ids must hold token ids in \[0, 5\)"):
        char_lm.train_char_lm(char_lm.CharLM(5, 4, 8), np.arange(100) % 5, steps=1, batch_size=2, num_steps=3,
                              val_ids=np.array([0, 9]))
    with pytest.raises(ValueError, match="eval_every must be an integer >= 1"):
        char_lm.train_char_lm(char_lm.CharLM(5, 4, 8), np.arange(100) % 5, steps=1, batch_size=2, num_steps=3,
                              eval_every=0)


def test_char_lm_rejects_bad_input():
    lm = char_lm.CharLM(5, 2, 3)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2"):
        char_lm.CharLM(1)
    with pytest.raises(ValueError, match=r"x must be token ids of shape \(T, N\)"):
        lm(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        char_lm.train_char_lm(Seq2Seq(hidden_size=4, seed=0), np.arange(5), steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        char_lm.train_char_lm(lm, np.arange(100) % 5)
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        char_lm.train_char_lm(lm, np.arange(100) % 5, time_limit=0)
    with pytest.raises(ValueError, match="at least 33 token ids"):
        char_lm.train_char_lm(lm, np.arange(5) % 5, steps=1, batch_size=4, num_steps=8)
    with pytest.raises(ValueError, match=r"token ids in \[0, 5\)"):
        char_lm.next_token_log_probs(lm, np.array([0, 7]))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        char_lm.perplexity(Seq2Seq(hidden_size=4, seed=0), np.array([0, 1]))
