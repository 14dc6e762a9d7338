import numpy as np
import pytest

from course_utils.text import Vocab, load_corpus, normalize_text, split_tokens, tokenize


def test_corpus_is_large_english_text():
    text = load_corpus()
    assert len(text) > 200_000
    assert "assert" in text and "statement" in text


def test_frozen_corpus_is_pythons_own():
    import sys

    from course_utils.text import pydoc_topics

    assert len(pydoc_topics()) == 79
    if sys.version_info[:3] == (3, 11, 7):
        from pydoc_data.topics import topics

        assert pydoc_topics() == topics


def test_letters_normalization_keeps_27_symbols():
    text = load_corpus(normalize="letters")
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert "  " not in text
    assert normalize_text("Hello,  World!", "letters") == "hello world"


def test_corpus_rejects_bad_input():
    with pytest.raises(ValueError, match="name must be one of"):
        load_corpus("shakespeare")
    with pytest.raises(ValueError, match="normalize must be one of"):
        load_corpus(normalize="upper")
    with pytest.raises(ValueError, match="text must be a str"):
        normalize_text(b"bytes")


def test_tokenize():
    assert tokenize("ab c") == ["a", "b", " ", "c"]
    assert tokenize("Don't stop, 42 times.", "word") == ["don't", "stop", ",", "42", "times", "."]
    with pytest.raises(ValueError, match="empty"):
        tokenize("")
    with pytest.raises(ValueError, match="level must be one of"):
        tokenize("abc", "byte")
    with pytest.raises(ValueError, match="text must be a str"):
        tokenize(["a"])


def test_split_tokens_is_contiguous_and_complete():
    tokens = list(range(100))
    a, b, c = split_tokens(tokens, (0.8, 0.1, 0.1))
    assert a + b + c == tokens and len(a) == 80
    with pytest.raises(ValueError, match="sum to 1"):
        split_tokens(tokens, (0.5, 0.2))
    with pytest.raises(ValueError, match="empty"):
        split_tokens([], (0.5, 0.5))
    with pytest.raises(ValueError, match="too few"):
        split_tokens([1, 2], (0.9, 0.05, 0.05))
    with pytest.raises(ValueError, match="fraction must be > 0"):
        split_tokens(tokens, (1.0, 0.0))


def test_vocab_roundtrip_and_frequency_order():
    tokens = list("abracadabra")
    v = Vocab(tokens)
    assert v.id_to_token[0] == "a" and len(v) == 5
    ids = v.encode(tokens)
    assert ids.dtype == np.int64
    assert v.decode_text(ids) == "abracadabra"
    assert "a" in v and "z" not in v


def test_vocab_unknown_tokens():
    v = Vocab(list("aab"))
    with pytest.raises(ValueError, match="token 'z' is not in the vocabulary"):
        v.encode(["z"])
    v = Vocab(list("aabc"), min_freq=2, unk="<unk>")
    assert v.id_to_token == ["<unk>", "a"]
    assert v.encode(list("abz")).tolist() == [1, 0, 0]


def test_vocab_rejects_bad_input():
    with pytest.raises(ValueError, match="empty token sequence"):
        Vocab([])
    with pytest.raises(ValueError, match="unk"):
        Vocab(list("aab"), min_freq=2)
    with pytest.raises(ValueError, match="min_freq must be an integer >= 1"):
        Vocab(list("ab"), min_freq=0)
    v = Vocab(list("ab"))
    with pytest.raises(ValueError, match="out of range"):
        v.decode([5])
    with pytest.raises(ValueError, match="must be integers"):
        v.decode([0.5])
