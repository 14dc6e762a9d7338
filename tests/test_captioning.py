"""The digit-name speller: tokens, the conditioned decoder (teacher forcing = step by step), training, decoding."""
import numpy as np
import pytest
import torch

from course_utils import captioning as cap
from course_utils import decoding


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small models train faster on one thread (and sums are reproducible)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, size=(6, 8, 8)), np.array([0, 1, 2, 3, 6, 7])


MODELS = [dict(cell="gru"), dict(cell="lstm"), dict(cell="gru", feed_image=True), dict(cell="lstm", feed_image=True)]


# ---------------------------------------------------------------- tokens
def test_vocabulary_holds_the_letters_of_the_ten_names():
    assert cap.VOCAB[:3] == ("<pad>", "<bos>", "<eos>") and len(cap.VOCAB) == 3 + 15
    assert "".join(cap.VOCAB[3:]) == "efghinorstuvwxz"
    for d, name in enumerate(cap.NAMES):
        ids = cap.encode_name(name)
        assert ids[-1] == cap.EOS and len(ids) == len(name) + 1
        assert cap.decode_name(ids) == name and cap.read_digit(cap.decode_name(ids)) == d
    assert cap.encode_name("one").tolist() == [cap.VOCAB.index("o"), cap.VOCAB.index("n"), cap.VOCAB.index("e"), 2]
    assert cap.decode_name([]) == "" and cap.decode_name([cap.EOS, 5]) == ""
    assert cap.decode_name(cap.encode_name("sevin")[:-1]) == "sevin" and cap.read_digit("sevin") == -1


def test_teacher_forcing_batch_shifts_the_names_and_pads():
    dec_in, dec_out = cap.teacher_forcing_batch([1, 7])                 # "one", "seven"
    assert dec_in.shape == dec_out.shape == (6, 2)
    assert dec_in[:, 1].tolist() == [cap.BOS] + cap.encode_name("seven")[:-1].tolist()
    assert dec_out[:, 1].tolist() == cap.encode_name("seven").tolist()
    assert dec_in[:, 0].tolist() == [cap.BOS, *cap.encode_name("one")[:-1], cap.PAD, cap.PAD]
    assert dec_out[4:, 0].tolist() == [-100, -100]                      # padding is ignored by the loss


def test_pixel_vectors_take_images_or_flat_vectors(images):
    imgs, _ = images
    flat = cap.pixel_vectors(imgs)
    assert flat.shape == (6, 64) and flat.dtype == torch.float32
    assert torch.equal(flat, cap.pixel_vectors(imgs.reshape(6, 64)))
    assert torch.equal(flat[2, 8:16], torch.as_tensor(imgs[2, 1], dtype=torch.float32))   # row 1 of image 2


@pytest.mark.parametrize("call, match", [
    (lambda: cap.encode_name("One"), "letters"),
    (lambda: cap.encode_name(""), "non-empty word"),
    (lambda: cap.decode_name([3, 99]), "token ids in"),
    (lambda: cap.decode_name([3, cap.BOS]), "letters and ⟨eos⟩"),
    (lambda: cap.read_digit(7), "string"),
    (lambda: cap.name_targets([3, 10]), "digits 0 … 9"),
    (lambda: cap.name_targets([]), "non-empty"),
    (lambda: cap.name_targets([1.0, 2.0]), "digits"),
    (lambda: cap.pixel_vectors(np.zeros((2, 7, 7))), "64 pixels"),
    (lambda: cap.pixel_vectors(np.zeros(64)), "2-D or 3-D"),
    (lambda: cap.pixel_vectors(np.full((1, 64), np.nan)), "finite"),
    (lambda: cap.NameDecoder(cell="rnn"), "cell must be one of"),
    (lambda: cap.NameDecoder(hidden_size=0), "hidden_size"),
    (lambda: cap.NameDecoder(feed_image="yes"), "feed_image"),
    (lambda: cap.NameDecoder(seed=0).initial_state(torch.zeros(2, 63)), r"pixels must be a tensor \(N, 64\)"),
    (lambda: cap.NameDecoder(seed=0)(torch.zeros(2, 64), torch.zeros(3, 4, dtype=torch.long)), "dec_in"),
    (lambda: cap.caption_loss(cap.NameDecoder(seed=0), np.zeros((3, 64)), [1, 2]), "same length"),
    (lambda: cap.caption_loss(torch.nn.Linear(2, 2), np.zeros((2, 64)), [1, 2]), "NameDecoder"),
    (lambda: cap.spell(cap.NameDecoder(seed=0), np.zeros((1, 64)), beam_width=0), "beam_width"),
    (lambda: cap.spelled_words([]), "non-empty list"),
    (lambda: cap.sample_words(cap.NameDecoder(seed=0), np.zeros((1, 64)), temperature=0.0), "temperature"),
    (lambda: cap.train_name_decoder(cap.NameDecoder(seed=0), np.zeros((2, 64)), [1, 2], steps=0), "steps"),
])
def test_bad_input_gets_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- the model
@pytest.mark.parametrize("kw", MODELS)
def test_initial_state_is_computed_from_the_pixels(kw, images):
    imgs, _ = images
    model = cap.NameDecoder(hidden_size=8, seed=1, **kw)
    pixels = cap.pixel_vectors(imgs)
    with torch.no_grad():
        state = model.initial_state(pixels)
        s0 = state[0] if kw["cell"] == "lstm" else state
        n_state = 2 if kw["cell"] == "lstm" else 1
        expected = torch.tanh(pixels @ model.init_state.weight.T + model.init_state.bias)[None]
        assert torch.allclose(torch.cat(state, -1) if n_state == 2 else state, expected)
        assert s0.shape == (1, 6, 8) and not torch.allclose(s0[0, 0], s0[0, 1])   # different images, states
        blank = model.initial_state(torch.zeros(1, 64))                          # defined: tanh(b_s)
        blank = torch.cat(blank, -1) if n_state == 2 else blank
        assert torch.allclose(blank[0, 0], torch.tanh(model.init_state.bias))
    first = np.exp(model.step(np.full(6, cap.BOS), model.start_state(imgs))[0])
    assert np.allclose(first.sum(1), 1.0) and np.abs(first[0] - first[1]).max() > 1e-4
    assert np.all(first[:, [cap.PAD, cap.BOS]] == 0)                            # never written


@pytest.mark.parametrize("kw", MODELS)
def test_teacher_forced_log_probs_equal_the_step_function_reading_the_name(kw, images):
    imgs, labels = images
    model = cap.NameDecoder(hidden_size=8, seed=2, **kw)
    dec_in, dec_out = cap.teacher_forcing_batch(labels)
    with torch.no_grad():
        log_p = torch.log_softmax(model(cap.pixel_vectors(imgs), dec_in), -1).double().numpy()
    state = model.start_state(imgs)
    for i, d in enumerate(labels):
        name = cap.encode_name(cap.NAMES[d])
        forced = sum(log_p[t, i, tok] for t, tok in enumerate(name))
        stepped = decoding.sequence_log_prob(model.step, decoding.select_rows(state, np.array([i])), cap.BOS, name)
        assert forced == pytest.approx(stepped, abs=1e-5)
        assert cap.name_log_probs(model, imgs[i:i + 1])[0, d] == pytest.approx(stepped, abs=1e-5)


def test_caption_loss_is_the_mean_cross_entropy_per_letter(images):
    imgs, labels = images
    model = cap.NameDecoder(hidden_size=8, seed=3)
    loss = cap.caption_loss(model, imgs, labels).item()
    state, total, count = model.start_state(imgs), 0.0, 0
    for i, d in enumerate(labels):                       # an explicit loop over images and letters
        prev, row = cap.BOS, decoding.select_rows(state, np.array([i]))
        for tok in cap.encode_name(cap.NAMES[d]):
            log_probs, row = model.step(np.array([prev]), row)
            total -= log_probs[0, tok]
            count += 1
            prev = tok
    assert count == sum(len(cap.NAMES[d]) + 1 for d in labels)
    assert loss == pytest.approx(total / count, rel=1e-5)


def test_hot_samples_are_still_letters(images):
    imgs, _ = images
    words = cap.sample_words(cap.NameDecoder(hidden_size=8, seed=5), imgs, temperature=50.0, seed=0)
    assert all(set(w) <= set(cap.VOCAB[3:]) for w in words) and len(set(words)) == len(words)


def test_name_log_probs_leave_room_for_other_strings(images):
    imgs, _ = images
    p = np.exp(cap.name_log_probs(cap.NameDecoder(hidden_size=8, seed=4), imgs))
    assert p.shape == (6, 10) and np.all(p > 0) and np.all(p.sum(1) < 1)


# ---------------------------------------------------------------- training and decoding
@pytest.fixture(scope="module")
def trained():
    """A decoder that has learned 40 random images' names (a memorisation test, a second)."""
    rng = np.random.default_rng(1)
    imgs, labels = rng.uniform(0, 1, size=(40, 64)), np.arange(40) % 10
    model = cap.NameDecoder(hidden_size=32, seed=0)
    hist = cap.train_name_decoder(model, imgs, labels, steps=200, batch_size=20, lr=1e-2, eval_every=50, seed=0)
    return model, imgs, labels, hist


def test_training_learns_the_names_and_is_reproducible(trained):
    model, imgs, labels, hist = trained
    assert hist.steps == [50, 100, 150, 200] and hist.train_loss[-1] < 0.1 * hist.train_loss[0]
    words = cap.spelled_words(cap.spell(model, imgs))
    assert words == [cap.NAMES[d] for d in labels]
    again = cap.NameDecoder(hidden_size=32, seed=0)
    hist2 = cap.train_name_decoder(again, imgs, labels, steps=200, batch_size=20, lr=1e-2, eval_every=50, seed=0)
    assert hist2.train_loss == pytest.approx(hist.train_loss, rel=1e-6)


def test_greedy_beam_and_ten_name_readout_agree_on_a_learned_set(trained):
    model, imgs, labels, _ = trained
    greedy = cap.spell(model, imgs[:5])
    beam = cap.spell(model, imgs[:5], beam_width=3)
    assert [h.tokens for h in greedy] == [h.tokens for h in beam]
    assert [b.log_prob for b in beam] == pytest.approx([g.log_prob for g in greedy], abs=1e-4)   # batched: float32
    assert np.array_equal(cap.name_log_probs(model, imgs).argmax(1), labels)


def test_sampling_is_seeded_and_turns_greedy_when_cold(trained):
    model, imgs, labels, _ = trained
    cold = cap.sample_words(model, imgs[:8], temperature=0.01, seed=0)
    assert cold == [cap.NAMES[d] for d in labels[:8]]
    hot = cap.sample_words(model, imgs[:8], temperature=5.0, seed=1)
    assert hot == cap.sample_words(model, imgs[:8], temperature=5.0, seed=1)
    assert hot != cold and all(len(w) <= 8 for w in hot)


def test_letter_entropy_is_nan_past_each_name_and_small_where_learned(trained):
    model, imgs, labels, _ = trained
    H = cap.letter_entropy(model, imgs, labels)
    assert H.shape == (6, 40)                                            # "three", "seven", "eight" + ⟨eos⟩
    assert np.isnan(H[4:, 1]).all() and not np.isnan(H[:4, 1]).any()     # "one" + ⟨eos⟩: 4 steps
    assert np.all(H[~np.isnan(H)] >= 0) and np.nanmean(H[0]) > np.nanmean(H[1:])   # the first letter decides most
    uniform = cap.letter_entropy(cap.NameDecoder(hidden_size=8, seed=0), imgs[:2], labels[:2])
    assert np.all(uniform[:3] > 1.5)                                     # an untrained model: near log 16


def test_spelling_samples_and_the_figure(trained, course_figures):
    model, imgs, labels, _ = trained
    samples = cap.spelling_samples(model, imgs[:3], temperature=2.0, n=4, seed=7)
    assert len(samples) == 3 and all(len(row) == 4 for row in samples)
    assert [row[1] for row in samples] == cap.sample_words(model, imgs[:3], temperature=2.0, seed=8)
    fig = cap.plot_spellings(model, imgs[:3], labels[:3], temperatures=(1.0, 2.0), n=2)
    top = fig.axes[0]
    assert len(fig.axes) == 6 and top.get_title() == "zero → zero" and top.title.get_color() == "black"
    assert top.get_xlabel().startswith("τ=1: ") and "τ=2: " in top.get_xlabel()
    assert np.array_equal(top.images[0].get_array(), imgs[0].reshape(8, 8).astype(np.float32))
    heights = [b.get_height() for b in fig.axes[3].patches]                  # under the first image
    assert np.allclose(heights, np.exp(cap.name_log_probs(model, imgs[:1]))[0])
    wrong = cap.plot_spellings(model, imgs[:1], [5])
    assert wrong.axes[0].get_title() == "five → zero" and wrong.axes[0].title.get_color() == "#d6262b"
    with pytest.raises(ValueError, match="at most 8"):
        cap.plot_spellings(model, imgs[:9])
    with pytest.raises(ValueError, match="same length"):
        cap.plot_spellings(model, imgs[:2], [1])
