"""course_utils.classification: sequence classifiers and taggers, and classifiers trained on fixed batches."""
import numpy as np
import pytest
import torch

from course_utils import bag_of_symbols as bag
from course_utils import classification, tasks
from course_utils import recursive_net as rn
from course_utils.batching import IGNORE_INDEX, pad_batch
from course_utils.classification import SequenceClassifier, evaluate_accuracy, predict, train_classifier
from course_utils.train import History

DIGITS, OPS = [0, 1, 2], ["+", "-", "*"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _ragged(rng, N=5, V=7, T_max=6):
    seqs = [rng.integers(0, V, size=rng.integers(1, T_max + 1)) for _ in range(N)]
    seqs[0] = rng.integers(0, V, size=T_max)          # one of full length
    return seqs


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout", ["last", "mean", "each"])
def test_classifier_on_a_padded_batch_equals_each_sequence_alone(rng, cell, bidirectional, readout):
    V = 7
    model = SequenceClassifier(cell, 4, 5, 3, vocab_size=V, num_layers=2, bidirectional=bidirectional,
                               readout=readout, seed=0).double()
    seqs = _ragged(rng, V=V)
    x, lengths = pad_batch(seqs)
    with torch.no_grad():
        batch = model(torch.as_tensor(x), lengths)
        for j, s in enumerate(seqs):
            alone = model(torch.as_tensor(s)[:, None])            # no padding, no lengths
            got = batch[:len(s), j] if readout == "each" else batch[j]
            assert torch.allclose(got, alone[:, 0] if readout == "each" else alone[0], atol=1e-12)


def test_classifier_readouts_follow_their_definitions(rng):
    model = SequenceClassifier("lstm", 3, 4, 2, bidirectional=True, seed=1).double()
    x = torch.as_tensor(rng.standard_normal((6, 2, 3)))
    out, (h_n, _) = model.rnn(x)
    H = 4
    with torch.no_grad():
        last = model.features(x)
        # last = [forward state after x_T ; backward state after x_1] = out[-1, :, :H] and out[0, :, H:]
        assert torch.allclose(last, torch.cat([out[-1, :, :H], out[0, :, H:]], dim=1), atol=1e-12)
        model.readout = "mean"
        assert torch.allclose(model.features(x), out.mean(dim=0), atol=1e-12)
        model.readout = "each"
        assert torch.allclose(model(x), model.head(out), atol=1e-12)


def test_train_classifier_learns_a_separable_task_and_logs():
    g = np.random.default_rng(0)
    seqs = [g.integers(2, 6, size=g.integers(2, 7)) for _ in range(200)]
    labels = np.array([int(s[0] >= 4) for s in seqs])          # the class is set by the FIRST token
    x, lengths = pad_batch(seqs)
    model = SequenceClassifier("gru", 8, 16, 2, vocab_size=6, seed=0)
    hist = train_classifier(model, x, labels, lengths=lengths, steps=150, batch_size=32, lr=1e-2,
                            eval_data=(x, labels, lengths), eval_every=50, seed=0)
    assert isinstance(hist, History) and hist.steps == [0, 50, 100, 150]
    assert len(hist.train_loss) == len(hist.eval_accuracy) == len(hist.seconds) == 4
    assert hist.eval_accuracy[0] < 0.8 and hist.train_loss[-1] < hist.train_loss[1]
    assert evaluate_accuracy(model, x, labels, lengths) == hist.eval_accuracy[-1] >= 0.97
    assert predict(model, x, lengths).shape == (200,)


def test_train_classifier_is_deterministic_and_cosine_ends_at_zero():
    g = np.random.default_rng(1)
    x = g.standard_normal((5, 40, 3)).astype(np.float32)
    y = (x[0, :, 0] > 0).astype(np.int64)
    runs = []
    for _ in range(2):
        m = SequenceClassifier("lstm", 3, 6, 2, seed=3)
        train_classifier(m, x, y, steps=7, batch_size=16, seed=2, label_smoothing=0.1)
        runs.append(torch.cat([p.detach().flatten() for p in m.parameters()]))
    assert torch.equal(runs[0], runs[1])


def test_tagging_accuracy_ignores_padding():
    model = SequenceClassifier("rnn", 2, 3, 4, vocab_size=5, readout="each", seed=0)
    x, lengths = pad_batch([np.array([1, 2, 3]), np.array([4])])
    pred = predict(model, x, lengths)
    assert pred.shape == (3, 2)
    y = np.full((3, 2), IGNORE_INDEX)
    y[:3, 0], y[0, 1] = pred[:3, 0], (pred[0, 1] + 1) % 4      # 3 right, 1 wrong, 2 padded
    assert evaluate_accuracy(model, x, y, lengths) == pytest.approx(0.75)


def test_classifier_and_tagging_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="readout must be one of"):
        SequenceClassifier("lstm", 2, 3, 2, readout="max")
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
        SequenceClassifier("lstm", 2, 3, 1)
    with pytest.raises(ValueError, match="bidirectional must be True or False"):
        SequenceClassifier("lstm", 2, 3, 2, bidirectional=1)
    model = SequenceClassifier("lstm", 2, 3, 2, vocab_size=4, seed=0)
    with pytest.raises(ValueError, match=r"x must be an integer tensor \(T, N\)"):
        model(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match=r"lengths must be N = 2 integers in \[1, T = 3\]"):
        model(torch.zeros(3, 2, dtype=torch.long), np.array([4, 1]))
    feats = SequenceClassifier("gru", 2, 3, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 2\)"):
        feats(torch.zeros(3, 2, 5))
    x = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(ValueError, match=r"y must be integer class labels of shape \(4,\)"):
        train_classifier(model, x, np.zeros(3, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        train_classifier(model, x, np.array([0, 1, 2, 0]), steps=1)
    with pytest.raises(ValueError, match="x must be integer token ids"):
        train_classifier(model, np.zeros((3, 4, 2)), np.zeros(4, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\) = \(4,\)"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), lengths=np.ones(3, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=0)
    with pytest.raises(ValueError, match="label_smoothing must be < 1"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=1, label_smoothing=1.0)
    with pytest.raises(ValueError, match=r"eval_data must be a tuple \(x, y\)"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=1, eval_data=[x])
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        train_classifier(torch.nn.RNN(1, 2), x, np.zeros(4, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        evaluate_accuracy("model", x, np.zeros(4))
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        predict(None, x)


@pytest.mark.slow
def test_train_classifier_steps_through_shuffled_epochs():
    """The batches are train.shuffled_batches(N, batch_size, default_rng(seed)): the same update by hand."""
    g = np.random.default_rng(3)
    x = g.standard_normal((4, 10, 2))
    y = (x[0, :, 0] > 0).astype(np.int64)
    model = SequenceClassifier("gru", 2, 3, 2, seed=0).double()
    ref = SequenceClassifier("gru", 2, 3, 2, seed=0).double()
    train_classifier(model, x, y, steps=1, batch_size=4, lr=0.1, cosine=False, clip=None, seed=7)
    idx = np.random.default_rng(7).permutation(10)[:4]
    loss = torch.nn.functional.cross_entropy(ref(torch.as_tensor(x[:, idx])), torch.as_tensor(y[idx]))
    loss.backward()
    torch.optim.Adam(ref.parameters(), lr=0.1).step()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert torch.allclose(p, q, atol=1e-12)


# ------------------------------------------------------------------ any classifier, fixed batches
def test_train_on_batches_learns_and_logs(rng):
    trees, y = tasks.expression_task(2, 2)(256, rng)   # one operator: easy
    forest = rn.encode_forest(trees, DIGITS, OPS)
    net = rn.TreeNet(3, 3, 32, 3, seed=0)
    before = classification.accuracy(net, forest, y)
    hist = classification.train_on_batches(net, [(forest, y)], steps=150, lr=1e-2, eval_set=(forest, y), eval_every=50)
    assert hist.steps == [0, 50, 100, 150]
    assert hist.eval_accuracy[0] == before and hist.eval_accuracy[-1] > 0.9
    assert hist.train_loss[-1] < hist.train_loss[1]


def test_train_on_batches_and_accuracy_bad_input(rng):
    net = bag.BagOfSymbols(6, 4, 3)
    X = torch.zeros(4, 6)
    y = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="batches must be a non-empty list"):
        classification.train_on_batches(net, [], steps=1)
    with pytest.raises(ValueError, match="batches must be a non-empty list"):
        classification.train_on_batches(net, [X], steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        classification.train_on_batches(net, [(X, y)], steps=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        classification.train_on_batches(net, [(X, y)], steps=1, lr=0.0)
    with pytest.raises(ValueError, match="eval_set must be an"):
        classification.train_on_batches(net, [(X, y)], steps=1, eval_set=X)
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        classification.train_on_batches(lambda z: z, [(X, y)], steps=1)
    with pytest.raises(ValueError, match=r"one class per example, shape \(4,\)"):
        classification.accuracy(net, X, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        classification.accuracy(None, X, y)
