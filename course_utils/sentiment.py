"""A tiny bilingual sentiment set written for this course, with a fixed train/test split.

120 short sentences, 60 in English and 60 in Chinese, each labelled 1 (positive) or 0
(negative) and tagged with the phenomenon it exercises:

- "plain":      a sentiment word carries the label ("the food is good", 饭菜很好吃);
- "intensifier": very / really / so, 非常 / 特别 / 真的 strengthen it (the label does not change);
- "negation":   not / never, 不 / 一点也不 / 从来不 flip it ("not bad" is positive);
- "contrast":   two clauses joined by "but" / 但是 with opposite sentiment. Convention of this
  set: the clause after "but" decides the label. Every contrast sentence has a twin with the
  clauses swapped and the opposite label, so the two contain exactly the same words: a model
  that ignores word order (bag of words) must get one of each pair wrong.

Baseline: `last_word_rule` labels a sentence by the polarity of its last sentiment word (from
the small hand-made lexicon POSITIVE / NEGATIVE). By construction it is right on every plain,
intensifier and contrast sentence and wrong on every negated one: a reference point that shows
what a model gains beyond "the last sentiment word decides".

Split: 40 + 40 training and 20 + 20 test sentences, balanced in labels and phenomena per
language. Every test sentence is a new sentence, built from words (English) or characters
(Chinese) that occur in training. English is split into words, Chinese into characters.
The sentences were written for this course (CC0); the numbers any model gets on 40 test
sentences move by 2.5 points per sentence, so read them as a rough comparison only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate

KINDS = ("plain", "intensifier", "negation", "contrast")
LANGS = ("en", "zh")


@dataclass(frozen=True)
class Example:
    """One sentence: text, label (1 positive, 0 negative), language, phenomenon, split."""

    text: str
    label: int
    lang: str
    kind: str
    split: str

    @property
    def tokens(self) -> list[str]:
        return tokenize_sentence(self.text, self.lang)


# (text, label, kind); 20 positive then 20 negative per language for training, 10 + 10 for test.
_EN_TRAIN = [
    ("the food is good", 1, "plain"),
    ("the movie is great", 1, "plain"),
    ("i love this phone", 1, "plain"),
    ("the service was excellent", 1, "plain"),
    ("the weather is nice today", 1, "plain"),
    ("the teacher is kind", 1, "plain"),
    ("the class was fun", 1, "plain"),
    ("i am happy today", 1, "plain"),
    ("the food is very good", 1, "intensifier"),
    ("the song is really great", 1, "intensifier"),
    ("i really love this movie", 1, "intensifier"),
    ("the food is not bad", 1, "negation"),
    ("the movie is not boring", 1, "negation"),
    ("i do not hate this song", 1, "negation"),
    ("i am not sad", 1, "negation"),
    ("the teacher is never rude", 1, "negation"),
    ("the service is bad but the food is good", 1, "contrast"),
    ("the battery is weak but the phone is great", 1, "contrast"),
    ("the movie is boring but the song is nice", 1, "contrast"),
    ("the class was hard but the teacher was kind", 1, "contrast"),
    ("the food is bad", 0, "plain"),
    ("the movie is boring", 0, "plain"),
    ("i hate this phone", 0, "plain"),
    ("the service was terrible", 0, "plain"),
    ("the weather is awful today", 0, "plain"),
    ("the teacher is rude", 0, "plain"),
    ("the battery is weak", 0, "plain"),
    ("i am sad today", 0, "plain"),
    ("the phone is very bad", 0, "intensifier"),
    ("the service was really terrible", 0, "intensifier"),
    ("the song is so boring", 0, "intensifier"),
    ("the phone is not good", 0, "negation"),
    ("the service was not great", 0, "negation"),
    ("i do not love this movie", 0, "negation"),
    ("i am not happy", 0, "negation"),
    ("the class was never fun", 0, "negation"),
    ("the food is good but the service is bad", 0, "contrast"),
    ("the phone is great but the battery is weak", 0, "contrast"),
    ("the song is nice but the movie is boring", 0, "contrast"),
    ("the teacher was kind but the class was hard", 0, "contrast"),
]

_EN_TEST = [
    ("the song is good", 1, "plain"),
    ("i love this song", 1, "plain"),
    ("the phone is very nice", 1, "intensifier"),
    ("the teacher is really kind", 1, "intensifier"),
    ("the weather is not bad", 1, "negation"),
    ("the class was not boring", 1, "negation"),
    ("i do not hate this phone", 1, "negation"),
    ("the food is terrible but the movie is great", 1, "contrast"),
    ("the weather is awful but i am happy", 1, "contrast"),
    ("the battery is bad but the song is good", 1, "contrast"),
    ("the class was boring", 0, "plain"),
    ("i hate this song", 0, "plain"),
    ("the weather is really awful", 0, "intensifier"),
    ("the movie is so bad", 0, "intensifier"),
    ("the food is not great", 0, "negation"),
    ("the teacher is not kind", 0, "negation"),
    ("i do not love this phone", 0, "negation"),
    ("the movie is great but the food is terrible", 0, "contrast"),
    ("i am happy but the weather is awful", 0, "contrast"),
    ("the song is good but the battery is bad", 0, "contrast"),
]

_ZH_TRAIN = [
    ("饭菜很好吃", 1, "plain"),
    ("这部电影很好看", 1, "plain"),
    ("我喜欢这部手机", 1, "plain"),
    ("服务很周到", 1, "plain"),
    ("今天天气很好", 1, "plain"),
    ("老师很和蔼", 1, "plain"),
    ("这节课很有趣", 1, "plain"),
    ("我今天很开心", 1, "plain"),
    ("饭菜非常好吃", 1, "intensifier"),
    ("这首歌特别好听", 1, "intensifier"),
    ("我真的很喜欢这部电影", 1, "intensifier"),
    ("饭菜不难吃", 1, "negation"),
    ("这部电影一点也不无聊", 1, "negation"),
    ("我不讨厌这首歌", 1, "negation"),
    ("我并不难过", 1, "negation"),
    ("老师从来不凶", 1, "negation"),
    ("服务很差但是饭菜很好吃", 1, "contrast"),
    ("电池很差但是手机很棒", 1, "contrast"),
    ("电影很无聊但是歌很好听", 1, "contrast"),
    ("课很难但是老师很和蔼", 1, "contrast"),
    ("饭菜很难吃", 0, "plain"),
    ("这部电影很无聊", 0, "plain"),
    ("我讨厌这部手机", 0, "plain"),
    ("服务很差", 0, "plain"),
    ("今天天气很糟糕", 0, "plain"),
    ("老师很凶", 0, "plain"),
    ("电池很差", 0, "plain"),
    ("我今天很难过", 0, "plain"),
    ("手机非常差", 0, "intensifier"),
    ("服务特别糟糕", 0, "intensifier"),
    ("这首歌真的很无聊", 0, "intensifier"),
    ("手机不好", 0, "negation"),
    ("服务一点也不好", 0, "negation"),
    ("我不喜欢这部电影", 0, "negation"),
    ("我不开心", 0, "negation"),
    ("这节课一点也不有趣", 0, "negation"),
    ("饭菜很好吃但是服务很差", 0, "contrast"),
    ("手机很棒但是电池很差", 0, "contrast"),
    ("歌很好听但是电影很无聊", 0, "contrast"),
    ("老师很和蔼但是课很难", 0, "contrast"),
]

_ZH_TEST = [
    ("这首歌很好听", 1, "plain"),
    ("我喜欢这首歌", 1, "plain"),
    ("手机非常好看", 1, "intensifier"),
    ("老师特别和蔼", 1, "intensifier"),
    ("天气并不糟糕", 1, "negation"),
    ("这节课一点也不无聊", 1, "negation"),
    ("我不讨厌这部手机", 1, "negation"),
    ("饭菜很难吃但是电影很好看", 1, "contrast"),
    ("天气很糟糕但是我很开心", 1, "contrast"),
    ("电池很差但是歌很好听", 1, "contrast"),
    ("这节课很无聊", 0, "plain"),
    ("我讨厌这首歌", 0, "plain"),
    ("天气非常糟糕", 0, "intensifier"),
    ("这部电影真的很差", 0, "intensifier"),
    ("饭菜不好吃", 0, "negation"),
    ("老师一点也不和蔼", 0, "negation"),
    ("我不喜欢这部手机", 0, "negation"),
    ("电影很好看但是饭菜很难吃", 0, "contrast"),
    ("我很开心但是天气很糟糕", 0, "contrast"),
    ("歌很好听但是电池很差", 0, "contrast"),
]


# Sentiment words of the set (a hand-made lexicon), for the "last sentiment word" baseline.
POSITIVE = {"en": ("good", "great", "nice", "excellent", "kind", "fun", "happy", "love"),
            "zh": ("好", "好吃", "好看", "好听", "喜欢", "周到", "和蔼", "有趣", "开心", "棒")}
NEGATIVE = {"en": ("bad", "terrible", "awful", "boring", "rude", "weak", "sad", "hate", "hard"),
            "zh": ("差", "难", "难吃", "无聊", "讨厌", "糟糕", "凶", "难过")}


def last_sentiment_word(example: Example) -> tuple[str, int] | None:
    """The sentiment word of the lexicon that ends last in the sentence, and its polarity (1 or 0).

    English is searched word by word; Chinese as a string (the longest word ending at the last
    matching character wins, so 难过 beats 难). None if the sentence has no sentiment word.
    """
    if not isinstance(example, Example):
        raise ValueError(f"example must be a sentiment.Example, got {type(example).__name__}")
    words = [(w, 1) for w in POSITIVE[example.lang]] + [(w, 0) for w in NEGATIVE[example.lang]]
    if example.lang == "en":
        hits = [(i + 1, 1, w, pol) for i, tok in enumerate(example.tokens) for w, pol in words if tok == w]
    else:
        text = example.text
        hits = [(i + len(w), len(w), w, pol) for w, pol in words for i in range(len(text)) if text.startswith(w, i)]
    if not hits:
        return None
    _, _, word, polarity = max(hits)
    return word, polarity


def last_word_rule(example: Example) -> int:
    """Baseline classifier: the polarity of the last sentiment word (1 if there is none).

    It is right whenever the last sentiment word decides, which by the convention of this set
    includes every contrast sentence, and wrong on every negated one: it cannot see "not".
    """
    found = last_sentiment_word(example)
    return 1 if found is None else found[1]


def tokenize_sentence(text: str, lang: str) -> list[str]:
    """English: lower-cased words split on spaces; Chinese: one token per character (spaces dropped)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    _validate.choice("lang", lang, LANGS)
    return text.lower().split() if lang == "en" else [ch for ch in text if not ch.isspace()]


def load_sentiment(split: str = "all", lang: str = "all") -> list[Example]:
    """The sentences of one split ("train", "test" or "all") and language ("en", "zh" or "all")."""
    _validate.choice("split", split, ("train", "test", "all"))
    _validate.choice("lang", lang, LANGS + ("all",))
    parts = {("train", "en"): _EN_TRAIN, ("test", "en"): _EN_TEST,
             ("train", "zh"): _ZH_TRAIN, ("test", "zh"): _ZH_TEST}
    out = []
    for (s, l), rows in parts.items():
        if split in (s, "all") and lang in (l, "all"):
            out.extend(Example(text, label, l, kind, s) for text, label, kind in rows)
    return out


def contrast_twin(example: Example, examples: list[Example]) -> Example | None:
    """The sentence of `examples` with the same words as `example` in another order (its contrast twin)."""
    if not isinstance(example, Example):
        raise ValueError(f"example must be a sentiment.Example, got {type(example).__name__}")
    bag = sorted(example.tokens)
    for other in examples:
        if other is not example and other.lang == example.lang and sorted(other.tokens) == bag \
                and other.text != example.text:
            return other
    return None


def accuracy_by_kind(pred, labels, kinds) -> list[float]:
    """Accuracy of the predictions on each phenomenon, in the order of KINDS.

    pred, labels: one 0/1 label per sentence; kinds: the phenomenon of each sentence
    (`Example.kind`). A phenomenon with no sentence in the set raises, as its accuracy is undefined.
    """
    pred, labels, kinds = np.asarray(pred), np.asarray(labels), np.asarray(kinds)
    if pred.ndim != 1 or pred.shape != labels.shape or pred.shape != kinds.shape:
        raise ValueError(f"pred, labels and kinds must be 1-D and of the same length, got shapes "
                         f"{pred.shape}, {labels.shape} and {kinds.shape}")
    missing = [k for k in KINDS if not np.any(kinds == k)]
    if missing:
        raise ValueError(f"kinds has no sentence of {missing}: expected every phenomenon of {KINDS}")
    return [float(np.mean(pred[kinds == k] == labels[kinds == k])) for k in KINDS]
