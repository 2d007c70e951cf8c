"""BM25 over stemmed words. The only module that imports bm25s."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from .errors import IndexMismatchError

logging.getLogger("bm25s").setLevel(logging.ERROR)

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

# Names how texts are cut into terms. A saved index whose BM25 was built another way gets it rebuilt on open.
TERMS = "snowball-english/stopwords-2/pairs"


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) word: two or more word characters


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed words: the terms BM25 matches on. The same terms as
    ``bm25s.tokenize`` with these stopwords and stemmer, without its per-call and per-text overhead (it runs
    for every sentence of every answer shown)."""
    stem = _stemmer().stemWords
    return [stem([w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]) for text in texts]


def phrases(terms: Sequence[str]) -> list[str]:
    """Each pair of neighbouring terms as one token ("super bowl"): BM25 over these rewards the question's
    wording kept together, not just its words somewhere in the text."""
    return [f"{a} {b}" for a, b in pairwise(terms)]


def coverage(query_terms: Sequence[str], text: str) -> float:
    """The share of the question's distinct terms that the text contains."""
    terms = set(query_terms)
    return len(terms & set(tokenize([text])[0])) / len(terms) if terms else 0.0


class Lexical:
    """A BM25 index over a list of texts, scored all at once for a query."""

    def __init__(self, bm25: bm25s.BM25 | None, size: int) -> None:
        self._bm25 = bm25
        self.size = size
        self._df = np.diff(bm25.scores["indptr"]) if bm25 is not None else None  # documents per term

    @classmethod
    def build(cls, texts: Sequence[str]) -> Lexical:
        return cls.from_terms(tokenize(texts))

    @classmethod
    def from_terms(cls, terms: Sequence[list[str]]) -> Lexical:
        """An index over texts already cut into terms (one list per text)."""
        if not any(terms):
            return cls(None, len(terms))
        bm25 = bm25s.BM25()
        bm25.index(list(terms), show_progress=False)
        return cls(bm25, len(terms))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every text for the query's terms (zeros where none match)."""
        if self._bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(query_terms)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def postings(self, terms: Sequence[str]) -> list[np.ndarray]:
        """For each term, the ids of the texts that hold it."""
        if self._bm25 is None:
            return [np.zeros(0, np.int64) for _ in terms]
        vocab, indptr, indices = self._bm25.vocab_dict, self._bm25.scores["indptr"], self._bm25.scores["indices"]
        ids = [vocab.get(t) for t in terms]
        empty = np.zeros(0, np.int64)
        return [empty if i is None else np.asarray(indices[indptr[i] : indptr[i + 1]], np.int64) for i in ids]

    def idf(self, terms: Sequence[str]) -> np.ndarray:
        """Inverse document frequency of each term (terms never seen get the rarest weight)."""
        if self._bm25 is None or self._df is None:
            return np.ones(len(terms), dtype=np.float32)
        df_all = self._df
        vocab = self._bm25.vocab_dict
        df = np.array([df_all[vocab[t]] if t in vocab else 0 for t in terms], dtype=np.float32)
        return np.log1p((self.size - df + 0.5) / (df + 0.5)).astype(np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> Lexical:
        if size == 0 or (folder.is_dir() and not any(folder.iterdir())):
            return cls(None, size)  # saved from texts without a single term
        try:
            bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexMismatchError(f"{folder} is unreadable ({exc}); rebuild the index with qa index") from exc
        return cls(bm25, size)
