"""course_utils.sentiment: the bilingual sentence set is balanced, split as documented, and well-formed."""
from collections import Counter

import pytest

from course_utils.sentiment import (
    KINDS,
    LANGS,
    Example,
    accuracy_by_kind,
    contrast_twin,
    last_sentiment_word,
    last_word_rule,
    load_sentiment,
    tokenize_sentence,
)


def test_sizes_and_balance():
    train, test = load_sentiment("train"), load_sentiment("test")
    assert len(train) == 80 and len(test) == 40 and len(load_sentiment()) == 120
    for split, n in ((train, 40), (test, 20)):
        for lang in LANGS:
            part = [e for e in split if e.lang == lang]
            assert len(part) == n
            counts = Counter((e.label, e.kind) for e in part)
            for kind in KINDS:     # the same number of positive and negative sentences of every kind
                assert counts[(1, kind)] == counts[(0, kind)] > 0


def test_filters_and_fields():
    zh_test = load_sentiment("test", "zh")
    assert all(e.lang == "zh" and e.split == "test" for e in zh_test) and len(zh_test) == 20
    assert all(e.label in (0, 1) and e.kind in KINDS for e in load_sentiment())


def test_sentences_are_unique_and_test_is_new():
    texts = [e.text for e in load_sentiment()]
    assert len(set(texts)) == len(texts)


def test_every_test_token_occurs_in_training():
    seen = {t for e in load_sentiment("train") for t in e.tokens}
    for e in load_sentiment("test"):
        assert set(e.tokens) <= seen, e.text


def test_contrast_sentences_come_in_twins_with_opposite_labels():
    for split in ("train", "test"):
        part = load_sentiment(split)
        for e in part:
            twin = contrast_twin(e, part)
            if e.kind == "contrast":
                assert twin is not None and twin.label == 1 - e.label and twin.kind == "contrast"
                assert ("but" in e.tokens) if e.lang == "en" else ("但是" in e.text)
            else:
                assert twin is None


def test_tokenize_sentence():
    assert tokenize_sentence("The food is  GOOD", "en") == ["the", "food", "is", "good"]
    assert tokenize_sentence("饭菜 很好吃", "zh") == ["饭", "菜", "很", "好", "吃"]
    assert Example("我不开心", 0, "zh", "negation", "train").tokens == ["我", "不", "开", "心"]


def test_last_sentiment_word_takes_the_word_that_ends_last():
    ex = lambda text, lang: Example(text, 0, lang, "plain", "test")
    assert last_sentiment_word(ex("我今天很难过", "zh")) == ("难过", 0)           # not 难
    assert last_sentiment_word(ex("饭菜很好吃", "zh")) == ("好吃", 1)             # not 好
    assert last_sentiment_word(ex("课很难但是老师很和蔼", "zh")) == ("和蔼", 1)
    assert last_sentiment_word(ex("the food is good but the service is bad", "en")) == ("bad", 0)
    assert last_sentiment_word(ex("the phone is here", "en")) is None
    assert last_word_rule(ex("the phone is here", "en")) == 1


def test_the_rule_is_right_except_on_negation():
    for e in load_sentiment():
        assert last_sentiment_word(e) is not None
        assert (last_word_rule(e) == e.label) == (e.kind != "negation"), e.text


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="split must be one of"):
        load_sentiment("dev")
    with pytest.raises(ValueError, match="lang must be one of"):
        load_sentiment("train", "fr")
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        tokenize_sentence("  ", "en")
    with pytest.raises(ValueError, match="lang must be one of"):
        tokenize_sentence("hello", "de")
    with pytest.raises(ValueError, match="example must be a sentiment.Example"):
        contrast_twin("the food is good", load_sentiment())
    with pytest.raises(ValueError, match="example must be a sentiment.Example"):
        last_sentiment_word("the food is good")
    with pytest.raises(ValueError, match="example must be a sentiment.Example"):
        last_word_rule(None)


def test_accuracy_by_kind_in_the_order_of_kinds():
    test = load_sentiment("test")
    labels = [e.label for e in test]
    kinds = [e.kind for e in test]
    rule = [last_word_rule(e) for e in test]
    assert accuracy_by_kind(rule, labels, kinds) == [1.0, 1.0, 0.0, 1.0]     # the rule fails on negation only
    assert accuracy_by_kind(labels, labels, kinds) == [1.0] * len(KINDS)
    flipped = [1 - y if k == "plain" and i % 2 else y for i, (y, k) in enumerate(zip(labels, kinds))]
    plain = [i for i, k in enumerate(kinds) if k == "plain"]
    kept = sum(1 for i in plain if i % 2 == 0) / len(plain)
    assert accuracy_by_kind(flipped, labels, kinds)[0] == pytest.approx(kept)
    with pytest.raises(ValueError, match="same length"):
        accuracy_by_kind(rule[:3], labels, kinds)
    with pytest.raises(ValueError, match="has no sentence of"):
        accuracy_by_kind([1], [1], ["plain"])
