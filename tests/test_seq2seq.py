"""course_utils.seq2seq: the reversal task, teacher forcing, the encoder–decoder and char LM as step functions."""
import math
import time

import numpy as np
import pytest
import torch

from course_utils import decoding
from course_utils import seq2seq as s2s
from course_utils.seq2seq import BOS, EOS, IGNORE_INDEX, PAD


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_digits_round_trip_and_decode_stops_at_eos():
    ids = s2s.encode_digits("3017")
    assert list(ids) == [6, 3, 4, 10] and s2s.decode_digits(ids) == "3017"
    assert s2s.decode_digits([BOS, 4, 5, EOS, 6]) == "12"
    assert s2s.VOCAB[:3] == ("<pad>", "<bos>", "<eos>") and len(s2s.VOCAB) == 13


def test_reverse_task_targets_are_reversed_sources_plus_eos():
    sources, targets = s2s.reverse_task(2, 5)(200, np.random.default_rng(0))
    lengths = [len(s) for s in sources]
    assert min(lengths) == 2 and max(lengths) == 5
    for s, t in zip(sources, targets):
        assert list(t) == list(s[::-1]) + [EOS] and s.min() >= 3


def test_teacher_forcing_batch_shifts_the_target_right():
    sources = [np.array([4, 5, 6]), np.array([7])]
    targets = [np.array([6, 5, 4, EOS]), np.array([7, EOS])]
    src, lengths, dec_in, dec_out = s2s.teacher_forcing_batch(sources, targets)
    assert src.shape == (3, 2) and list(lengths) == [3, 1] and src[1, 1] == PAD
    assert dec_in[:, 0].tolist() == [BOS, 6, 5, 4] and dec_out[:, 0].tolist() == [6, 5, 4, EOS]
    assert dec_in[:2, 1].tolist() == [BOS, 7] and dec_out[:, 1].tolist() == [7, EOS, IGNORE_INDEX, IGNORE_INDEX]


def test_encoder_reads_each_padded_source_to_its_own_end():
    model = s2s.Seq2Seq(hidden_size=8, num_layers=2, seed=0).double()
    sources, _ = s2s.reverse_task(1, 6)(5, np.random.default_rng(1))
    h, c = model.start_state(sources)
    assert h.shape == (5, 2, 8)
    for i, s in enumerate(sources):
        _, (h1, c1) = model.encoder(model.src_embed(torch.as_tensor(s)[:, None]))
        assert torch.allclose(h[i], h1[:, 0], atol=1e-12) and torch.allclose(c[i], c1[:, 0], atol=1e-12)


def test_step_function_equals_teacher_forced_forward():
    model = s2s.Seq2Seq(hidden_size=16, seed=1).double()
    sources, targets = s2s.reverse_task(1, 5)(4, np.random.default_rng(2))
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
    sources, targets = s2s.reverse_task(1, 4)(6, np.random.default_rng(3))
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
    task = s2s.reverse_task(1, 3)
    hist = s2s.train_seq2seq(model, task, steps=150, batch_size=64, lr=1e-2, log_every=50, seed=0)
    assert hist.steps == [50, 100, 150] and len(hist.loss) == len(hist.seconds) == 3
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    sources, targets = task(200, np.random.default_rng(9))
    assert s2s.teacher_forced_accuracy(model, sources, targets) > 0.9
    assert s2s.exact_match(s2s.decode(model, sources), targets) > 0.7


def test_char_lm_step_perplexity_and_start_state():
    V = 6
    model = s2s.CharLM(V, 4, 8, seed=0).double()
    ids = np.random.default_rng(0).integers(0, V, size=40)
    lp = s2s.next_token_log_probs(model, ids)
    assert lp.shape == (39, V) and np.allclose(np.exp(lp).sum(axis=1), 1.0)
    assert s2s.perplexity(model, ids) == pytest.approx(math.exp(-np.mean(lp[np.arange(39), ids[1:]])))
    state = model.start_state()
    for t in range(10):                           # the step function reproduces the full forward
        step_lp, state = model.step(ids[t:t + 1], state)
        assert np.allclose(step_lp[0], lp[t], atol=1e-12)
    h, c = model.start_state(ids[:10])
    assert torch.allclose(h, state[0], atol=1e-12) and torch.allclose(c, state[1], atol=1e-12)


def test_char_lm_training_learns_a_deterministic_cycle():
    ids = np.tile(np.arange(5), 200)                 # 0 1 2 3 4 0 1 …: perfectly predictable
    model = s2s.CharLM(5, 4, 16, seed=0)
    losses = s2s.train_char_lm(model, ids, steps=60, batch_size=8, num_steps=10, lr=3e-2, seed=0)
    assert len(losses) == 60 and losses[-1] < 0.1 * losses[0]
    assert s2s.perplexity(model, ids[:100]) < 1.2
    out = decoding.sample(model.step, model.start_state(), 0, 9, temperature=0.5, rng=np.random.default_rng(0))
    assert out == [1, 2, 3, 4, 0, 1, 2, 3, 4]


def test_char_lm_time_limit_and_cosine_schedule():
    ids = np.tile(np.arange(5), 200)
    model = s2s.CharLM(5, 4, 16, seed=0)
    start = time.perf_counter()
    losses = s2s.train_char_lm(model, ids, time_limit=0.3, batch_size=8, num_steps=10, seed=0)
    assert 1 <= len(losses) and time.perf_counter() - start < 5.0
    # cosine: the learning rate after the last of `steps` updates has decayed to (about) zero,
    # and a schedule changes the trajectory
    plain, decayed = s2s.CharLM(5, 4, 16, seed=0), s2s.CharLM(5, 4, 16, seed=0)
    a = s2s.train_char_lm(plain, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, seed=0)
    b = s2s.train_char_lm(decayed, ids, steps=20, batch_size=8, num_steps=10, lr=3e-2, cosine=True, seed=0)
    assert a[0] == b[0] and a[-1] != b[-1] and len(b) == 20


def test_seq2seq_rejects_bad_input():
    model = s2s.Seq2Seq(hidden_size=4, seed=0)
    with pytest.raises(ValueError, match="string of the digits 0-9"):
        s2s.encode_digits("12a")
    with pytest.raises(ValueError, match="token id 13 is out of range"):
        s2s.decode_digits([13])
    with pytest.raises(ValueError, match="max_len must be an integer >= 3"):
        s2s.reverse_task(3, 2)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        s2s.reverse_task()(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="same length"):
        s2s.teacher_forcing_batch([np.array([3])], [])
    with pytest.raises(ValueError, match=r"token ids in \[0, 13\)"):
        s2s.teacher_forcing_batch([np.array([3, 20])], [np.array([3, EOS])])
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 3"):
        s2s.Seq2Seq(vocab_size=2)
    with pytest.raises(ValueError, match=r"src must be token ids of shape \(S, N\)"):
        model.encode(torch.zeros(3, dtype=torch.long), [3])
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.train_seq2seq("model", s2s.reverse_task(), steps=1)
    with pytest.raises(ValueError, match="task must be a callable"):
        s2s.train_seq2seq(model, None, steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        s2s.train_seq2seq(model, s2s.reverse_task(), steps=0)
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.teacher_forced_accuracy(None, [np.array([3])], [np.array([3, EOS])])
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        s2s.decode(None, [np.array([3])])
    with pytest.raises(ValueError, match="beam_width must be an integer >= 1"):
        s2s.decode(model, [np.array([3])], beam_width=0)
    with pytest.raises(ValueError, match="same length"):
        s2s.exact_match([], [])
    lm = s2s.CharLM(5, 2, 3)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2"):
        s2s.CharLM(1)
    with pytest.raises(ValueError, match=r"x must be token ids of shape \(T, N\)"):
        lm(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        s2s.train_char_lm(model, np.arange(5), steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        s2s.train_char_lm(lm, np.arange(100) % 5)
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        s2s.train_char_lm(lm, np.arange(100) % 5, time_limit=0)
    with pytest.raises(ValueError, match="at least 33 token ids"):
        s2s.train_char_lm(lm, np.arange(5) % 5, steps=1, batch_size=4, num_steps=8)
    with pytest.raises(ValueError, match=r"token ids in \[0, 5\)"):
        s2s.next_token_log_probs(lm, np.array([0, 7]))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        s2s.perplexity(model, np.array([0, 1]))


def test_probability_drawn_follows_the_task_distribution():
    task = s2s.reverse_task(1, 2)
    sources = [s2s.encode_digits("7"), s2s.encode_digits("42")]
    p = s2s.probability_drawn(sources, task, draws=30)
    assert p == pytest.approx([1 - (1 - 0.1 / 2) ** 30, 1 - (1 - 0.01 / 2) ** 30])
    assert np.all(s2s.probability_drawn(sources, task, draws=0) == 0)
    rng = np.random.default_rng(0)                  # the formula against a simulation, for the one-digit source
    hits = [any(len(s) == 1 and s[0] == sources[0][0] for s in task(30, rng)[0]) for _ in range(4000)]
    assert abs(np.mean(hits) - p[0]) < 0.03
    with pytest.raises(ValueError, match="task must be made by reverse_task"):
        s2s.probability_drawn(sources, lambda n, r: None, 10)


def test_all_tokens_right_matches_the_teacher_forced_predictions():
    model = s2s.Seq2Seq(hidden_size=8, seed=4)
    sources, targets = s2s.reverse_task(1, 4)(30, np.random.default_rng(5))
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
    sources, targets = s2s.reverse_task(1, 3)(25, np.random.default_rng(7))
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
