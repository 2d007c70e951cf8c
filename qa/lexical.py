"""Terms: texts cut into stemmed words for BM25, their integer keys, and the BM25 indexes built on them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from .bm25 import BM25
from .errors import IndexMismatchError
from .search import Articles

# Function words, question words and pronouns: they tell how a question is asked, not what it is about. Left
# in, a word like "he" or "where" that few passages of a small collection hold gets a high idf and outweighs
# the words that matter.
STOPWORDS = frozenset(
    """
    a about after again against all also am an and any are as at be because been before being both but by can
    could did do does doing done during each few for from further had has have having he her hers herself him
    himself his how i if in into is it its itself just me more most my no nor not of off on once only or other
    our out over own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who whom whose
    why will with would you your said says say tell told ever yet still
    """.split()
)

# Names how texts are cut into terms and kept. A saved index whose BM25 was built another way gets it rebuilt
# from its texts when first asked.
TERMS = "snowball-english/stopwords-2/pairs/segments-1"


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) word: two or more word characters


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed words: the terms BM25 matches on. The same terms as
    ``bm25s.tokenize`` with these stopwords and stemmer (a test holds them equal), without its per-call and
    per-text overhead (it runs for every sentence of every answer shown)."""
    stem = _stemmer().stemWords
    return [stem([w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]) for text in texts]


def coverage(query_terms: Sequence[str], text: str) -> float:
    """The share of the question's distinct terms that the text contains."""
    terms = set(query_terms)
    return len(terms & set(tokenize([text])[0])) / len(terms) if terms else 0.0


class Vocabulary:
    """Term -> integer key for BM25, growing as texts come in. A pair of neighbouring terms gets its key from
    the two terms' ids (``pair_keys``), so no string is kept per pair: there are many more pairs than words."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self._ids: dict[str, int] = {t: i for i, t in enumerate(terms)}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, terms: Sequence[str]) -> np.ndarray:
        """The terms' ids, giving new terms the next ones."""
        ids = self._ids
        return np.fromiter((ids.setdefault(t, len(ids)) for t in terms), np.int64, len(terms))

    def known(self, terms: Sequence[str]) -> np.ndarray:
        """The terms' ids, -1 for a term no text has had."""
        ids = self._ids
        return np.fromiter((ids.get(t, -1) for t in terms), np.int64, len(terms))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(list(self._ids), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        try:
            terms = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise IndexMismatchError(f"{path} is unreadable ({exc}); rebuild the index with qa index") from exc
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise IndexMismatchError(f"{path} is not a list of terms; rebuild the index with qa index")
        return cls(terms)


def pair_keys(ids: np.ndarray) -> np.ndarray:
    """A key for each pair of neighbouring terms, from their ids; pairs with an unseen term (-1) are left out,
    as no text can hold them."""
    first, second = ids[:-1], ids[1:]
    keys: np.ndarray = ((first << 32) | second)[(first >= 0) & (second >= 0)]
    return keys


_BATCH = 2_000  # texts cut into terms at a time


@dataclass
class TermIndexes:
    """The BM25 indexes over passages, their term pairs and sentences, with the vocabulary they share and
    the article each passage belongs to. Kept in step with the collection as texts come and go."""

    vocabulary: Vocabulary
    passages: BM25
    phrases: BM25  # over pairs of neighbouring terms
    sentences: BM25  # by sentence row
    articles: Articles

    @classmethod
    def build(cls, passages: Sequence[str], sentences: Sequence[str], article_ids: Sequence[str]) -> TermIndexes:
        indexes = cls(Vocabulary(), BM25(), BM25(), BM25(), Articles.number([]))
        indexes.add(passages, sentences, article_ids)
        return indexes

    def add(self, passages: Sequence[str], sentences: Sequence[str], article_ids: Sequence[str]) -> None:
        """Append passages (as BM25 sees them) and new sentence rows; ``article_ids`` is for every passage."""
        ids = self._ids(passages)
        self.passages.add(ids)
        self.phrases.add([pair_keys(i) for i in ids])
        self.sentences.add(self._ids(sentences))
        self.articles = Articles.number(article_ids)

    def _ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's term ids, cut a batch at a time: a term as a Python string takes about 60 bytes, its id 8."""
        return [
            self.vocabulary.add(terms)
            for start in range(0, len(texts), _BATCH)
            for terms in tokenize(texts[start : start + _BATCH])
        ]

    def keep(self, passages: np.ndarray, sentences: np.ndarray, article_ids: Sequence[str]) -> None:
        """Drop the passages and sentence rows whose mask is False; the rest keep their order."""
        self.passages.keep(passages)
        self.phrases.keep(passages)
        self.sentences.keep(sentences)
        self.articles = Articles.number(article_ids)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.vocabulary.save(folder / "vocabulary.json")
        self.passages.save(folder / "passages.npz")
        self.phrases.save(folder / "phrases.npz")
        self.sentences.save(folder / "sentences.npz")

    @classmethod
    def load(cls, folder: Path, sentences: int, article_ids: Sequence[str]) -> TermIndexes:
        indexes = cls(
            Vocabulary.load(folder / "vocabulary.json"),
            BM25.load(folder / "passages.npz", len(article_ids)),
            BM25.load(folder / "phrases.npz", len(article_ids)),
            BM25.load(folder / "sentences.npz", sentences),
            Articles.number(article_ids),
        )
        words = max(
            indexes.passages.largest_key(), indexes.sentences.largest_key(), indexes.phrases.largest_key() >> 32
        )
        if words >= len(indexes.vocabulary):
            raise IndexMismatchError(f"{folder} has terms its vocabulary lacks; rebuild the index with qa index")
        return indexes
