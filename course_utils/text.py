"""Text with no download: Python's own reference manual as a corpus, tokens, and a vocabulary."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from . import _validate

NORMALIZATIONS = ("none", "lower", "letters")
# Python's `pydoc_data.topics` changes between patch releases; the course reads one frozen copy
# (Python 3.11.7's, PSF License) so that every machine prints the same counts.
PYDOC_SNAPSHOT = "pydoc_topics_3.11.7.json.gz"
PYDOC_SHA256 = "4594d824487ea711258725d3dd158b2a0bfdea6bccd9f358421913684e2dfcfd"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+|[^\sa-z0-9]")


def load_corpus(name: str = "pydoc", normalize: str = "none") -> str:
    """Return an English text corpus that ships with Python.

    name: "pydoc" — the 79 topics of the Python language reference that Python ships as
    `pydoc_data.topics` (about 465,000 characters, joined in sorted topic order), read from
    the copy of Python 3.11.7 frozen in course_utils/data, because the text changes slightly
    between patch releases and the notebooks print counts from it.
    normalize: "none" keeps every character (about 100 distinct); "lower" lower-cases;
    "letters" keeps a–z and single spaces only (27 symbols, like d2l's Time Machine).
    """
    _validate.choice("name", name, ("pydoc",))
    _validate.choice("normalize", normalize, NORMALIZATIONS)
    topics = pydoc_topics()
    text = "\n".join(topics[key] for key in sorted(topics))
    return normalize_text(text, normalize)


@lru_cache(maxsize=1)
def pydoc_topics() -> dict[str, str]:
    """The frozen {topic: text} of Python 3.11.7's pydoc_data.topics, checked against its SHA-256."""
    import hashlib

    try:
        raw = gzip.decompress((resources.files("course_utils") / "data" / PYDOC_SNAPSHOT).read_bytes())
    except (FileNotFoundError, OSError) as exc:
        raise FileNotFoundError(f"the corpus file course_utils/data/{PYDOC_SNAPSHOT} is missing or unreadable "
                                f"({exc}); reinstall the course package") from None
    if hashlib.sha256(raw).hexdigest() != PYDOC_SHA256:
        raise ValueError(f"course_utils/data/{PYDOC_SNAPSHOT} is corrupted (SHA-256 mismatch); restore it from git")
    return json.loads(raw.decode("utf-8"))


def normalize_text(text: str, normalize: str = "letters") -> str:
    """Apply one of the normalizations of `load_corpus` to any string."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    _validate.choice("normalize", normalize, NORMALIZATIONS)
    if normalize == "none":
        return text
    text = text.lower()
    if normalize == "letters":
        text = re.sub(r"[^a-z]+", " ", text).strip()
    return text


def tokenize(text: str, level: str = "char") -> list[str]:
    """Split text into characters (level="char") or lower-cased words and punctuation (level="word")."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    _validate.choice("level", level, ("char", "word"))
    if not text:
        raise ValueError("text is empty: there is nothing to tokenize")
    return list(text) if level == "char" else _WORD.findall(text.lower())


def split_tokens(tokens: Sequence, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> list[list]:
    """Cut a token sequence into contiguous parts (train, validation, test, …) by fractions.

    Contiguous, not shuffled: shuffling single tokens would leak n-grams across the parts.
    """
    if len(tokens) == 0:
        raise ValueError("tokens is empty: there is nothing to split")
    fractions = [_validate.finite_float("fraction", f, low=0.0, low_open=True) for f in fractions]
    if not fractions or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"fractions must be positive and sum to 1, got {list(fractions)}")
    bounds = np.round(np.cumsum([0.0] + fractions) * len(tokens)).astype(int)
    parts = [list(tokens[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    if any(len(p) == 0 for p in parts):
        raise ValueError(f"{len(tokens)} tokens are too few to split by {list(fractions)}: a part is empty")
    return parts


class Vocab:
    """Map tokens to integer ids and back; ids are sorted by frequency (most frequent first).

    unk: a token that unknown tokens map to (added as id 0), or None to raise on unknown tokens.
    min_freq: tokens seen fewer times are left out (they become `unk`).
    """

    def __init__(self, tokens: Iterable, min_freq: int = 1, unk: str | None = None,
                 reserved: Sequence[str] = ()):
        min_freq = _validate.positive_int("min_freq", min_freq)
        self.counts = Counter(tokens)
        if not self.counts:
            raise ValueError("cannot build a vocabulary from an empty token sequence")
        if min_freq > 1 and unk is None:
            raise ValueError("min_freq > 1 drops tokens, so an `unk` token is needed to stand for them")
        special = ([unk] if unk is not None else []) + [r for r in reserved if r != unk]
        kept = sorted((t for t, c in self.counts.items() if c >= min_freq and t not in special),
                      key=lambda t: (-self.counts[t], str(t)))
        self.unk = unk
        self.id_to_token = special + kept
        self.token_to_id = {t: i for i, t in enumerate(self.id_to_token)}

    def __len__(self) -> int:
        return len(self.id_to_token)

    def __contains__(self, token) -> bool:
        return token in self.token_to_id

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.id_to_token[:8])
        return f"Vocab(size={len(self)}, unk={self.unk!r}, first=[{head}{', …' if len(self) > 8 else ''}])"

    def encode(self, tokens: Iterable) -> np.ndarray:
        """Ids of `tokens` as an int64 array; unknown tokens map to `unk` or raise."""
        ids = []
        for t in tokens:
            i = self.token_to_id.get(t)
            if i is None:
                if self.unk is None:
                    raise ValueError(f"token {t!r} is not in the vocabulary (size {len(self)}) "
                                     "and the vocabulary has no unk token")
                i = self.token_to_id[self.unk]
            ids.append(i)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list:
        """Tokens of integer ids."""
        out = []
        for i in np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids).reshape(-1):
            if not np.issubdtype(type(i), np.integer) and not float(i).is_integer():
                raise ValueError(f"ids must be integers, got {i!r}")
            i = int(i)
            if not 0 <= i < len(self):
                raise ValueError(f"id {i} is out of range for a vocabulary of size {len(self)}")
            out.append(self.id_to_token[i])
        return out

    def decode_text(self, ids: Iterable[int], sep: str = "") -> str:
        """Tokens of `ids` joined into one string (sep="" for characters, " " for words)."""
        return sep.join(map(str, self.decode(ids)))
