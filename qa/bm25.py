"""BM25 that grows and shrinks with the collection: adding texts costs what the new texts cost, removing them a
pass over the postings, and nothing is ever rebuilt from the texts.

Scores are bm25s's ("lucene" BM25, k1 = 1.5, b = 0.75; a test holds them equal). bm25s bakes idf and the
average length into every stored score, so one new text changes them all and it can only rebuild; here the
postings keep raw term counts, and idf and lengths are applied when a question is scored.

Postings live in a few segments, each sorted by term key, as a log-structured merge keeps them: a new batch of
texts is a segment of its own, merged into the one before whenever that one is not much larger.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexMismatchError

K1 = 1.5
B = 0.75
Keys = np.ndarray | Sequence[int]  # integer term keys
_MERGE_RATIO = 4  # a segment is merged into the one before it once it is over a quarter of that one's size


@dataclass(frozen=True)
class _Segment:
    """Postings of some texts: texts ``docs[starts[i]:starts[i + 1]]`` hold term ``keys[i]``, ``counts`` times."""

    keys: np.ndarray  # (terms,) int64, ascending
    starts: np.ndarray  # (terms + 1,) int64
    docs: np.ndarray  # (postings,) int64, ascending within a term
    counts: np.ndarray  # (postings,) float32

    @classmethod
    def of(cls, keys: np.ndarray, docs: np.ndarray) -> _Segment:
        """From one entry per occurrence of a term, in the texts' order (``docs`` ascending)."""
        order = np.argsort(keys, kind="stable")  # within a term, texts stay in order
        keys, docs = keys[order], docs[order]
        new = np.ones(len(keys), dtype=bool)
        new[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        first = np.flatnonzero(new)
        return cls._grouped(keys[first], docs[first], np.diff(np.append(first, len(keys))))

    @classmethod
    def _grouped(cls, keys: np.ndarray, docs: np.ndarray, counts: np.ndarray) -> _Segment:
        """From one entry per (term, text), sorted by term and then text."""
        term_first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        return cls(keys[term_first], np.append(term_first, len(keys)), docs, counts.astype(np.float32))

    @property
    def size(self) -> int:
        return len(self.docs)

    def lookup(self, key: int) -> slice:
        i = int(np.searchsorted(self.keys, key))
        if i == len(self.keys) or self.keys[i] != key:
            return slice(0, 0)
        return slice(int(self.starts[i]), int(self.starts[i + 1]))

    def keep(self, kept: np.ndarray, new_ids: np.ndarray) -> _Segment:
        """Without the texts not ``kept``, the rest renumbered by ``new_ids`` (which keeps their order)."""
        mask = kept[self.docs]
        per_term = np.add.reduceat(mask.astype(np.int64), self.starts[:-1]) if len(self.keys) else self.starts[:0]
        alive = per_term > 0
        starts = np.append(0, np.cumsum(per_term[alive]))
        return _Segment(self.keys[alive], starts, new_ids[self.docs[mask]], self.counts[mask])

    @staticmethod
    def merge(a: _Segment, b: _Segment) -> _Segment:
        """One segment of both; ``b``'s texts all come after ``a``'s, as segments are made."""
        keys = np.concatenate([np.repeat(a.keys, np.diff(a.starts)), np.repeat(b.keys, np.diff(b.starts))])
        order = np.argsort(keys, kind="stable")  # two sorted runs: merged in linear time
        docs, counts = np.concatenate([a.docs, b.docs]), np.concatenate([a.counts, b.counts])
        return _Segment._grouped(keys[order], docs[order], counts[order])


class BM25:
    """BM25 over texts given as arrays of integer term keys, one array per text."""

    def __init__(self) -> None:
        self._segments: list[_Segment] = []
        self._lengths = np.zeros(0, np.float32)  # terms per text
        self._norm: np.ndarray | None = None  # k1 * (1 - b + b * length / average length), per text

    @classmethod
    def of(cls, texts: Sequence[np.ndarray]) -> BM25:
        index = cls()
        index.add(texts)
        return index

    @property
    def size(self) -> int:
        return len(self._lengths)

    def add(self, texts: Sequence[np.ndarray]) -> None:
        """Append texts; they get the next ids."""
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        if lengths.sum():
            keys = np.concatenate([np.asarray(t, np.int64) for t in texts])
            docs = np.repeat(np.arange(self.size, self.size + len(texts), dtype=np.int64), lengths)
            self._segments.append(_Segment.of(keys, docs))
            while len(self._segments) > 1 and self._segments[-2].size < _MERGE_RATIO * self._segments[-1].size:
                last = self._segments.pop()
                self._segments[-1] = _Segment.merge(self._segments[-1], last)
        self._lengths = np.concatenate([self._lengths, lengths.astype(np.float32)])
        self._norm = None

    def keep(self, kept: np.ndarray) -> None:
        """Drop the texts where ``kept`` is False; the rest are renumbered in order, as the caller's lists are."""
        kept = np.asarray(kept, dtype=bool)
        if len(kept) != self.size:
            raise ValueError(f"keep mask has {len(kept)} entries for {self.size} texts")
        new_ids = np.cumsum(kept, dtype=np.int64) - 1
        self._segments = [s for s in (seg.keep(kept, new_ids) for seg in self._segments) if s.size]
        self._lengths = self._lengths[kept]
        self._norm = None

    def _postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        parts = [(s.docs[r], s.counts[r]) for s in self._segments if _width(r := s.lookup(key))]
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([d for d, _ in parts]), np.concatenate([c for _, c in parts])

    def postings(self, keys: Keys) -> list[np.ndarray]:
        """For each key, the ids of the texts that hold it."""
        return [self._postings(int(k))[0] for k in keys]

    def frequencies(self, keys: Keys) -> np.ndarray:
        """How many texts hold each key."""
        return np.array([sum(_width(s.lookup(int(k))) for s in self._segments) for k in keys], np.float32)

    def largest_key(self) -> int:
        """The largest key any text holds, -1 when none holds any."""
        return max((int(s.keys[-1]) for s in self._segments if len(s.keys)), default=-1)

    def idf(self, keys: Keys) -> np.ndarray:
        """Inverse document frequency of each key (keys never seen get the rarest weight)."""
        df = self.frequencies(keys)
        return np.log1p((self.size - df + 0.5) / (df + 0.5)).astype(np.float32)

    def scores(self, keys: Keys) -> np.ndarray:
        """BM25 of every text for a query of these keys (a repeated key counts again, as in bm25s)."""
        scores = np.zeros(self.size, np.float32)
        if not self.size:
            return scores
        if self._norm is None:
            average = float(self._lengths.mean()) or 1.0
            self._norm = (K1 * ((1 - B) + B * self._lengths / average)).astype(np.float32)
        for key in keys:
            docs, counts = self._postings(int(key))
            if len(docs):
                idf = np.float32(np.log1p((self.size - len(docs) + 0.5) / (len(docs) + 0.5)))
                scores[docs] += idf * counts / (self._norm[docs] + counts)
        return scores

    def save(self, path: Path) -> None:
        """One file: the segments' arrays end to end, and how many terms and postings each segment has."""
        segments = self._segments or [_Segment.of(np.zeros(0, np.int64), np.zeros(0, np.int64))]
        with path.open("wb") as f:
            np.savez(
                f,
                lengths=self._lengths,
                shapes=np.array([(len(s.keys), s.size) for s in segments], np.int64),
                keys=np.concatenate([s.keys for s in segments]),
                starts=np.concatenate([s.starts[:-1] for s in segments]),
                docs=np.concatenate([s.docs for s in segments]),
                counts=np.concatenate([s.counts for s in segments]),
            )

    @classmethod
    def load(cls, path: Path, size: int) -> BM25:
        """Read a saved index of ``size`` texts; a file that is damaged or of another size is refused."""
        try:
            with np.load(path, allow_pickle=False) as data:
                lengths, shapes, keys, starts, docs, counts = (
                    data[n] for n in ("lengths", "shapes", "keys", "starts", "docs", "counts")
                )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexMismatchError(f"{path} is unreadable ({exc}); rebuild the index with qa index") from exc
        index = cls()
        index._lengths = lengths.astype(np.float32)
        if len(lengths) == size and shapes.ndim == 2 and shapes.sum(0).tolist() == [len(keys), len(docs)]:
            term_ends, posting_ends = np.cumsum(shapes, 0).T.tolist()
            for (terms, postings), t, d in zip(shapes.tolist(), term_ends, posting_ends, strict=True):
                segment_starts = np.append(starts[t - terms : t], postings)
                seg = _Segment(keys[t - terms : t], segment_starts, docs[d - postings : d], counts[d - postings : d])
                if seg.size:
                    index._segments.append(seg)
        if not _consistent(index, size, len(docs)):
            raise IndexMismatchError(f"{path} does not match the index's {size} texts; rebuild it with qa index")
        return index


def _width(span: slice) -> int:
    return int(span.stop - span.start)


def _consistent(index: BM25, size: int, postings: int) -> bool:
    if index.size != size or sum(s.size for s in index._segments) != postings:
        return False
    for s in index._segments:
        if len(s.starts) != len(s.keys) + 1 or s.starts[0] != 0 or s.starts[-1] != len(s.docs):
            return False
        if len(s.docs) != len(s.counts) or np.any(np.diff(s.starts) < 0) or np.any(np.diff(s.keys) <= 0):
            return False
        if len(s.docs) and (s.docs.min() < 0 or s.docs.max() >= size):
            return False
    return True
