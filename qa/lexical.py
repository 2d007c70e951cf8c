"""BM25 over stemmed words. The only module that imports bm25s."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from .errors import IndexMismatchError

logging.getLogger("bm25s").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed words: the terms BM25 matches on."""
    if not texts:
        return []
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    return [list(t) for t in tokens]


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
        if not texts:
            return cls(None, 0)
        bm25 = bm25s.BM25()
        bm25.index(tokenize(texts), show_progress=False)
        return cls(bm25, len(texts))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every text for the query's terms (zeros where none match)."""
        if self._bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(query_terms)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

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
        if size == 0:
            return cls(None, 0)
        try:
            bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexMismatchError(f"{folder} is unreadable ({exc}); rebuild the index with qa index") from exc
        return cls(bm25, size)
