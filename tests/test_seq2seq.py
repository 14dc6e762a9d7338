"""course_utils.seq2seq: teacher forcing, the encoder–decoder as a step function, decoding and its errors."""

import numpy as np
import pytest
import torch

from course_utils import decoding
from course_utils import seq2seq as s2s
from course_utils.batching import IGNORE_INDEX
from course_utils.tasks import BOS, EOS, PAD, reverse_task

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_teacher_forcing_batch_shifts_the_target_right():
    sources = [np.array([4, 5, 6]), np.array([7])]
    targets = [np.array([6, 5, 4, EOS]), np.array([7, EOS])]
    src, lengths, dec_in, dec_out = s2s.teacher_forcing_batch(sources, targets)
    assert src.shape == (3, 2) and list(lengths) == [3, 1] and src[1, 1] == PAD
    assert dec_in[:, 0].tolist() == [BOS, 6, 5, 4] and dec_out[:, 0].tolist() == [6, 5, 4, EOS]
    assert dec_in[:2, 1].tolist() == [BOS, 7] and dec_out[:, 1].tolist() == [7, EOS, IGNORE_INDEX, IGNORE_INDEX]


def test_encoder_reads_each_padded_source_to_its_own_end():
    model = s2s.Seq2Seq(hidden_size=8, num_layers=2, seed=0).double()
    sources, _ = reverse_task(1, 6)(5, np.random.default_rng(1))
    h, c = model.start_state(sources)
    assert h.shape == (5, 2, 8)
    for i, s in enumerate(sources):
        _, (h1, c1) = model.encoder(model.src_embed(torch.as_tensor(s)[:, None]))
        assert torch.allclose(h[i], h1[:, 0], atol=1e-12) and torch.allclose(c[i], c1[:, 0], atol=1e-12)


def test_step_function_equals_teacher_forced_forward():
    model = s2s.Seq2Seq(hidden_size=16, seed=1).double()
    sources, targets = reverse_task(1, 5)(4, np.random.default_rng(2))
    src, lengths, dec_in, dec_out = s2s.teacher_forcing_batch(sources, targets)
    with torch.no_grad():
        log_probs = torch.log_softmax(model(src, lengths, dec_in), dim=-1).numpy()
    for i, (s, t) in enumerate(zip(sources, targets)):
        state = model.start_state([s])
        prev = BOS
        for k, tok in enumerate(t):
            lp, state = model.step(np.array([prev]), state)
            assert np.allclose(lp[0], log_probs[k, i], atol=1e-12)
            prev = tok
        ref = decoding.sequence_log_prob(model.step, model.start_state([s]), BOS, t)
        assert ref == pytest.approx(sum(log_probs[k, i, tok] for k, tok in enumerate(t)), abs=1e-10)


def test_decode_greedy_and_beam_go_through_decoding():
    model = s2s.Seq2Seq(hidden_size=8, seed=3)
    sources, targets = reverse_task(1, 4)(6, np.random.default_rng(3))
    greedy = s2s.decode(model, sources)
    assert len(greedy) == 6 and all(len(h) <= max(map(len, sources)) + 2 for h in greedy)
    beam1 = s2s.decode(model, sources, beam_width=1)
    assert [h.tokens for h in beam1] == [h.tokens for h in greedy]
    one_by_one = [decoding.beam_search(model.step, model.start_state([s]), BOS, EOS, max(map(len, sources)) + 2, 1)
                  for s in sources]
    assert [h.tokens for h in one_by_one] == [h.tokens for h in greedy]
    beam = s2s.decode(model, sources, beam_width=4)
    for b, src in zip(beam, sources):               # scores are the model's log-probabilities
        assert b.log_prob == pytest.approx(
            decoding.sequence_log_prob(model.step, model.start_state([src]), BOS, b.tokens), abs=1e-5)
    assert s2s.exact_match(greedy, [h.tokens for h in greedy]) == 1.0
    assert s2s.exact_match(greedy, targets) == np.mean([h.tokens == tuple(t) for h, t in zip(greedy, targets)])


def test_training_lowers_the_loss_and_learns_short_reversals():
    model = s2s.Seq2Seq(hidden_size=32, seed=0)
    task = reverse_task(1, 3)
    hist = s2s.train_seq2seq(model, task, steps=150, batch_size=64, lr=1e-2, eval_every=50, seed=0)
    assert hist.steps == [50, 100, 150] and len(hist.train_loss) == len(hist.seconds) == 3
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    sources, targets = task(200, np.random.default_rng(9))
    assert s2s.teacher_forced_accuracy(model, sources, targets) > 0.9
    assert s2s.exact_match(s2s.decode(model, sources), targets) > 0.7


def test_seq2seq_rejects_bad_input():
    model = s2s.Seq2Seq(hidden_size=4, seed=0)
    with pytest.raises(ValueError, match="same length"):
        s2s.teacher_forcing_batch([np.array([3])], [])
    with pytest.raises(ValueError, match=r"token ids in \[0, 13\)"):
        s2s.teacher_forcing_batch([np.array([3, 20])], [np.array([3, EOS])])
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 3"):
        s2s.Seq2Seq(vocab_size=2)
    with pytest.raises(ValueError, match=r"src must be token ids of shape \(S, N\)"):
        model.encode(torch.zeros(3, dtype=torch.long), [3])
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.train_seq2seq("model", reverse_task(), steps=1)
    with pytest.raises(ValueError, match="task must be a callable"):
        s2s.train_seq2seq(model, None, steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        s2s.train_seq2seq(model, reverse_task(), steps=0)
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.teacher_forced_accuracy(None, [np.array([3])], [np.array([3, EOS])])
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.decode(None, [np.array([3])])
    with pytest.raises(ValueError, match="beam_width must be an integer >= 1"):
        s2s.decode(model, [np.array([3])], beam_width=0)
    with pytest.raises(ValueError, match="same length"):
        s2s.exact_match([], [])


def test_all_tokens_right_matches_the_teacher_forced_predictions():
    model = s2s.Seq2Seq(hidden_size=8, seed=4)
    sources, targets = reverse_task(1, 4)(30, np.random.default_rng(5))
    right = s2s.all_tokens_right(model, sources, targets)
    assert right.shape == (30,) and right.dtype == bool
    for i, (s, t) in enumerate(zip(sources, targets)):
        src, lengths, d_in, d_out = s2s.teacher_forcing_batch([s], [t])
        with torch.no_grad():
            pred = model(src, lengths, d_in).argmax(-1)[:, 0]
        assert right[i] == bool((pred == d_out[:, 0]).all())
    assert s2s.all_tokens_right(model, sources[:1], [model_output_of(model, sources[0])])[0]


def model_output_of(model, source):
    """The greedy output: teacher forcing on it predicts every token right by construction."""
    return np.array(s2s.decode(model, [source], max_len=12)[0].tokens)


def test_matches_and_error_kinds_split_the_wrong_outputs():
    model = s2s.Seq2Seq(hidden_size=8, seed=6)
    sources, targets = reverse_task(1, 3)(25, np.random.default_rng(7))
    greedy = s2s.decode(model, sources)
    right = s2s.matches(greedy, targets)
    assert right.dtype == bool and s2s.exact_match(greedy, targets) == right.mean()
    search, model_errors = s2s.error_kinds(model, sources, targets, greedy)
    assert search + model_errors == int((~right).sum()) > 0
    expected = sum(decoding.sequence_log_prob(model.step, model.start_state([s]), BOS, t) > h.log_prob
                   for s, t, h, ok in zip(sources, targets, greedy, right) if not ok)
    assert search == expected
    assert s2s.error_kinds(model, sources, [h.tokens for h in greedy], greedy) == (0, 0)
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.error_kinds(None, sources, targets, greedy)
    with pytest.raises(ValueError, match="same length"):
        s2s.error_kinds(model, sources, targets, greedy[:3])


def test_pad_tokens_is_time_major_and_pads_with_the_given_id():
    from course_utils.seq2seq import pad_tokens

    padded = pad_tokens([np.array([3, 4, 5]), np.array([6])], value=0)
    assert padded.shape == (3, 2) and padded[:, 0].tolist() == [3, 4, 5] and padded[:, 1].tolist() == [6, 0, 0]
