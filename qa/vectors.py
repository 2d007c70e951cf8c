"""Passage vectors in FAISS: exact search up to ``HNSW_ABOVE`` passages, an HNSW graph beyond. The only module
that imports FAISS.

Passages are numbered 0..n-1 and renumbered, in order, when some go. A flat index drops removed vectors and
renumbers the same way. A graph cannot drop nodes: a removed passage's node stays, skipped by every search,
until such nodes are a quarter of the graph, which is then built again from the vectors left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np

from .errors import IndexMismatchError

HNSW_ABOVE = 200_000  # passages; exact search below, graph search above
REBUILD_ABOVE = 0.25  # share of a graph's nodes that are removed passages
FILE = "vectors.faiss"
SLOTS_FILE = "vector_slots.npy"


def _built(vectors: np.ndarray) -> faiss.Index:
    dimension = vectors.shape[1]
    index: faiss.Index
    if len(vectors) > HNSW_ABOVE:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class PassageVectors:
    """One unit vector per passage, searched by inner product."""

    def __init__(self, index: faiss.Index, slots: np.ndarray | None = None) -> None:
        self.index = index
        self._slots = slots  # passage id -> FAISS id; None while they are the same
        self._live: tuple[np.ndarray, np.ndarray] | None = None  # FAISS id -> passage id (-1: gone), and a bitmap

    @classmethod
    def build(cls, vectors: np.ndarray) -> PassageVectors:
        return cls(_built(vectors))

    def __len__(self) -> int:
        return int(self.index.ntotal) if self._slots is None else len(self._slots)

    @property
    def removed(self) -> int:
        """Nodes of removed passages still in the graph."""
        return int(self.index.ntotal) - len(self)

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors for the next passage ids; past ``HNSW_ABOVE`` passages, the flat index becomes a graph."""
        if isinstance(self.index, faiss.IndexFlat) and len(self) + len(vectors) > HNSW_ABOVE:
            self._rebuild(np.vstack([self.vectors_of(np.arange(len(self))), vectors]))
            return
        if self._slots is not None:
            self._slots = np.concatenate([self._slots, np.arange(self.index.ntotal, self.index.ntotal + len(vectors))])
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._live = None

    def remove(self, ids: np.ndarray) -> None:
        """Drop these passages' vectors; the passages after them move up, in order."""
        if isinstance(self.index, faiss.IndexFlat):
            self.index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64)))
            return
        slots = np.arange(self.index.ntotal) if self._slots is None else self._slots
        self._slots = np.delete(slots, ids)
        self._live = None
        if self.removed > REBUILD_ABOVE * self.index.ntotal:
            self._rebuild(self.vectors_of(np.arange(len(self))))

    def _rebuild(self, vectors: np.ndarray) -> None:
        self.index, self._slots, self._live = _built(vectors), None, None

    def vectors_of(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.index.d), np.float32)
        slots = ids if self._slots is None else self._slots[ids]
        return np.asarray(self.index.reconstruct_batch(np.ascontiguousarray(slots, dtype=np.int64)), np.float32)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest passages by inner product, optionally among the ``allowed`` ids only (-1 pads)."""
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        x = np.ascontiguousarray(queries, dtype=np.float32)
        selector: Any
        if self._slots is None:
            selector = None if allowed is None else faiss.IDSelectorBatch(np.ascontiguousarray(allowed, np.int64))
            return self._search(x, k, selector)
        owners, bitmap = self._owners()
        if allowed is None:
            selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))  # kept alive by self._live
        else:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(self._slots[allowed], np.int64))
        scores, found = self._search(x, k, selector)
        return scores, np.where(found >= 0, owners[np.maximum(found, 0)], -1)

    def _search(self, x: np.ndarray, k: int, selector: Any) -> tuple[np.ndarray, np.ndarray]:
        if selector is None:
            return self.index.search(x, k)
        params: Any
        if isinstance(self.index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(128, k))  # type: ignore[attr-defined]
        else:
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        return self.index.search(x, k, params=params)

    def _owners(self) -> tuple[np.ndarray, np.ndarray]:
        """Which passage each FAISS id holds (-1 for a removed one), and a bitmap of the live ids."""
        if self._live is None:
            assert self._slots is not None
            owners = np.full(self.index.ntotal, -1, np.int64)
            owners[self._slots] = np.arange(len(self._slots))
            self._live = owners, np.packbits(owners >= 0, bitorder="little")
        return self._live

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / FILE))
        if self._slots is not None:
            np.save(folder / SLOTS_FILE, self._slots)

    @classmethod
    def load(cls, folder: Path, passages: int, dimension: int) -> PassageVectors:
        """Read the vectors of an index of ``passages`` passages; a damaged or mismatched file is refused."""
        try:
            index = faiss.read_index(str(folder / FILE))
            slots = np.load(folder / SLOTS_FILE) if (folder / SLOTS_FILE).exists() else None
        except (RuntimeError, OSError, ValueError) as exc:
            raise IndexMismatchError(f"{folder / FILE} is unreadable; rebuild the index with qa index") from exc
        vectors = cls(index, slots)
        if index.d != dimension or len(vectors) != passages or not _valid(slots, index.ntotal):
            raise IndexMismatchError(
                f"{folder / FILE} holds {len(vectors)} vectors of dimension {index.d}, but the manifest says"
                f" {passages} of dimension {dimension}; rebuild the index with qa index"
            )
        return vectors


def _valid(slots: np.ndarray | None, nodes: int) -> bool:
    """Whether saved slots name distinct nodes of the graph."""
    if slots is None:
        return True
    return (
        slots.ndim == 1
        and (len(slots) == 0 or (slots.min() >= 0 and slots.max() < nodes))
        and len(np.unique(slots)) == len(slots)
    )
