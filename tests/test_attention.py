"""course_utils.attention: scores, masked softmax, numpy = torch, gradients, the model as a step function."""

import numpy as np
import pytest
import torch

from course_utils import attention as att
from course_utils import decoding
from course_utils import seq2seq as s2s
from course_utils.tasks import BOS, EOS, reverse_task

pytestmark = pytest.mark.usefixtures("one_torch_thread")

T, N, S, H, A = 3, 4, 5, 6, 7
LENGTHS = [5, 2, 4, 1]


def inputs(score, rng, dtype=torch.float64):
    q = torch.as_tensor(rng.normal(size=(T, N, H)), dtype=dtype)
    k = torch.as_tensor(rng.normal(size=(S, N, H)), dtype=dtype)
    mask = att.lengths_mask(LENGTHS, S)
    params = None
    if score == "additive":
        params = tuple(torch.as_tensor(rng.normal(size=shape), dtype=dtype) for shape in ((A, H), (A, H), (A,)))
    return q, k, mask, params


def test_lengths_mask_marks_real_positions():
    mask = att.lengths_mask([3, 1], 4)
    assert mask.dtype == torch.bool and mask.tolist() == [[True, True, True, False], [True, False, False, False]]


@pytest.mark.parametrize("score", att.SCORES)
def test_shapes_rows_sum_to_one_and_padding_gets_zero_weight(score, rng):
    q, k, mask, params = inputs(score, rng)
    context, weights = att.attend(q, k, mask, score=score, params=params)
    assert context.shape == (T, N, H) and weights.shape == (T, N, S)
    assert torch.allclose(weights.sum(-1), torch.ones(T, N, dtype=torch.float64), atol=1e-12)
    assert (weights[:, ~mask] == 0).all() and (weights[:, mask] > 0).all()
    assert torch.allclose(context[:, 3], k[0, 3].expand(T, H))      # one real position: all weight on it


@pytest.mark.parametrize("score", att.SCORES)
def test_padding_values_do_not_matter(score, rng):
    q, k, mask, params = inputs(score, rng)
    k2 = k.clone()
    k2[~mask.T] = 1e3                                                 # change only the padded keys
    for a, b in zip(att.attend(q, k, mask, score=score, params=params),
                    att.attend(q, k2, mask, score=score, params=params)):
        assert torch.equal(a, b)


def test_scores_match_their_formulas(rng):
    q, k, _, (W_q, W_k, v) = inputs("additive", rng)
    t, n, j = 2, 1, 3
    assert att.dot_scores(q, k)[t, n, j] == pytest.approx(float(q[t, n] @ k[j, n]) / np.sqrt(H), abs=1e-12)
    assert att.dot_scores(q, k, scaled=False)[t, n, j] == pytest.approx(float(q[t, n] @ k[j, n]), abs=1e-12)
    expected = float(v @ torch.tanh(W_q @ q[t, n] + W_k @ k[j, n]))
    assert att.additive_scores(q, k, W_q, W_k, v)[t, n, j] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("score", att.SCORES)
@pytest.mark.parametrize("scaled", [True, False])
def test_numpy_forward_equals_torch_in_float64(score, scaled, rng):
    q, k, mask, params = inputs(score, rng)
    context, weights = att.attend(q, k, mask, score=score, params=params, scaled=scaled)
    np_params = None if params is None else [p.numpy() for p in params]
    c_np, w_np = att.attend_numpy(q.numpy(), k.numpy(), mask.numpy(), score=score, params=np_params, scaled=scaled)
    assert np.abs(c_np - context.numpy()).max() < 1e-13 and np.abs(w_np - weights.numpy()).max() < 1e-13
    assert np.allclose(w_np.sum(-1), 1.0, atol=1e-14) and np.all(w_np[:, ~mask.numpy()] == 0)


@pytest.mark.parametrize("score", att.SCORES)
def test_gradcheck_in_float64(score, rng):
    q, k, mask, params = inputs(score, rng)
    leaves = [q, k] + ([] if params is None else list(params))
    for x in leaves:
        x.requires_grad_(True)

    def f(q, k, *params):
        return att.attend(q, k, mask, score=score, params=params or None)

    assert torch.autograd.gradcheck(f, tuple(leaves), eps=1e-6, atol=1e-7)


def test_bad_input_gets_a_clear_error(rng):
    q, k, mask, params = inputs("additive", rng)
    with pytest.raises(ValueError, match="score must be one of"):
        att.attend(q, k, mask, score="cosine")
    with pytest.raises(TypeError, match="queries must be a torch tensor"):
        att.attend(q.numpy(), k, mask)
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        att.attend(q, k, mask.double())
    with pytest.raises(ValueError, match=r"keys must be \(S, N, H\)"):
        att.attend(q, k[0], mask)
    with pytest.raises(ValueError, match="same N"):
        att.attend(q, k[:, :2], mask)
    with pytest.raises(ValueError, match=r"mask must be \(N, S\) = \(4, 5\)"):
        att.attend(q, k, mask.T)
    with pytest.raises(ValueError, match="at least one source position"):
        att.attend(q, k, torch.zeros(N, S, dtype=torch.bool))
    with pytest.raises(ValueError, match="same size"):
        att.attend(q[..., :3], k, mask)
    with pytest.raises(ValueError, match="no parameters"):
        att.attend(q, k, mask, params=params)
    with pytest.raises(ValueError, match="needs params"):
        att.attend(q, k, mask, score="additive")
    with pytest.raises(ValueError, match=r"W_q \(A, Hq=6\)"):
        att.attend(q, k, mask, score="additive", params=(params[0], params[1][:2], params[2]))
    with pytest.raises(TypeError, match="mask must be a bool array"):
        att.attend_numpy(q.numpy(), k.numpy(), np.ones((N, S)))
    with pytest.raises(ValueError, match="queries must be finite"):
        att.attend_numpy(np.full((T, N, H), np.nan), k.numpy(), mask.numpy())
    with pytest.raises(ValueError, match="lengths must be"):
        att.lengths_mask([0, 2], 3)
    with pytest.raises(ValueError, match="score must be one of"):
        att.AttentionSeq2Seq(score="general")
    with pytest.raises(ValueError, match="attention_size"):
        att.AttentionSeq2Seq(score="dot", attention_size=8)


@pytest.mark.parametrize("score", att.SCORES)
def test_model_step_equals_teacher_forced_forward_and_decodes(score):
    model = att.AttentionSeq2Seq(hidden_size=16, score=score, num_layers=2, seed=1).double()
    sources, targets = reverse_task(1, 6)(5, np.random.default_rng(2))
    src, lengths, dec_in, _ = s2s.teacher_forcing_batch(sources, targets)
    with torch.no_grad():
        log_probs = torch.log_softmax(model(src, lengths, dec_in), dim=-1).numpy()
    for i, (s, t) in enumerate(zip(sources, targets)):
        state, prev = model.start_state([s]), BOS
        for k, tok in enumerate(t):
            lp, state = model.step(np.array([prev]), state)
            assert np.allclose(lp[0], log_probs[k, i], atol=1e-12)
            prev = tok
    greedy = s2s.decode(model, sources)
    beam = s2s.decode(model, sources, beam_width=3)
    assert len(greedy) == len(beam) == 5
    for b, s in zip(beam, sources):
        assert b.log_prob == pytest.approx(
            decoding.sequence_log_prob(model.step, model.start_state([s]), BOS, b.tokens), abs=1e-9)


def test_padding_in_a_batch_does_not_change_a_source_output():
    model = att.AttentionSeq2Seq(hidden_size=8, score="additive", seed=0).double()
    sources, _ = reverse_task(1, 6)(6, np.random.default_rng(3))
    batched = s2s.decode(model, sources, max_len=8)             # untrained: it may never write <eos>
    alone = [s2s.decode(model, [s], max_len=8)[0] for s in sources]
    assert [h.tokens for h in batched] == [h.tokens for h in alone]
    assert np.allclose([h.log_prob for h in batched], [h.log_prob for h in alone], atol=1e-10)


def test_same_seed_shares_the_plain_model_weights():
    plain, attn = s2s.Seq2Seq(hidden_size=8, seed=4), att.AttentionSeq2Seq(hidden_size=8, score="dot", seed=4)
    for name, p in plain.named_parameters():
        assert torch.equal(p, dict(attn.named_parameters())[name])


@pytest.mark.slow
def test_training_learns_reversal_and_aligns_anti_diagonally():
    model = att.AttentionSeq2Seq(hidden_size=32, score="additive", seed=0)
    task = reverse_task(3, 6)
    hist = s2s.train_seq2seq(model, task, steps=150, batch_size=64, lr=1e-2, eval_every=50, seed=0)
    assert hist.train_loss[-1] < 0.2 * hist.train_loss[0]
    sources, targets = task(100, np.random.default_rng(9))
    assert s2s.exact_match(s2s.decode(model, sources), targets) > 0.9
    src = sources[0]
    weights = att.alignment(model, src, targets[0])
    assert weights.shape == (len(src) + 1, len(src)) and np.allclose(weights.sum(1), 1.0)
    assert list(weights[:-1].argmax(1)) == list(range(len(src) - 1, -1, -1))   # output t looks at input S − t


def test_alignment_and_its_plot(course_figures):
    model = att.AttentionSeq2Seq(hidden_size=8, score="dot", seed=0)
    src, out = np.array([4, 5, 6]), np.array([6, 5, 4, EOS])
    weights = att.alignment(model, src, out)
    assert weights.shape == (4, 3) and np.allclose(weights.sum(1), 1.0)
    fig = att.plot_alignment(weights, src, out, title="t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3", "2", "1", "<eos>"]
    import matplotlib.pyplot as plt

    fig2, axes = plt.subplots(1, 2)
    assert att.plot_alignment(weights, src, out, ax=axes[1]) is fig2 and axes[1].get_title() == ""
    with pytest.raises(ValueError, match=r"weights must be \(len\(output\), len\(source\)\) = \(4, 3\)"):
        att.plot_alignment(weights.T, src, out)
    with pytest.raises(ValueError, match="model must be an AttentionSeq2Seq"):
        att.alignment(s2s.Seq2Seq(hidden_size=8), src, out)


def test_exact_match_by_length_splits_the_share():
    hyps = [decoding.Hypothesis((5, EOS), 0.0, 0.0, True), decoding.Hypothesis((4, EOS), 0.0, 0.0, True),
            decoding.Hypothesis((6, 5, EOS), 0.0, 0.0, True)]
    sources = [np.array([5]), np.array([6]), np.array([5, 6])]
    targets = [np.array([5, EOS]), np.array([6, EOS]), np.array([6, 5, EOS])]
    assert s2s.exact_match_by_length(hyps, sources, targets) == {1: 0.5, 2: 1.0}
    with pytest.raises(ValueError, match="same length"):
        s2s.exact_match_by_length(hyps, sources[:2], targets)
