"""Embeddings by text: nothing already embedded is embedded again, even after a crash mid-run.

Vectors are keyed by a hash of their text. Each batch is appended to the cache folder as soon as it is
embedded, so an interrupted indexing run resumes where it stopped; a completed save clears the folder,
since the saved index then holds every vector.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """Text-hash -> vector: on disk batch by batch when given a folder (read back by the next run), and in
    memory for vectors of removed texts, which may come back with an edited article."""

    def __init__(self, dimension: int, folder: Path | None = None) -> None:
        self.dimension = dimension
        self.folder = folder
        self._vectors: dict[bytes, np.ndarray] = {}
        if folder is not None and folder.is_dir():
            for shard in sorted(folder.glob("batch-*.npz")):
                try:
                    with np.load(shard) as data:
                        keys, vectors = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError):
                    continue  # a shard cut short by a crash: its texts are simply embedded again
                if vectors.shape[1:] == (dimension,):
                    self._vectors.update(zip((bytes(k) for k in keys), vectors, strict=True))

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> np.ndarray | None:
        return self._vectors.get(text_key(text))

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep vectors in memory only (e.g. of passages about to be replaced)."""
        self._vectors.update(zip((text_key(t) for t in texts), vectors, strict=True))

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Append freshly embedded vectors to disk at once, for a run that dies before its save. They are not
        kept in memory: the index they are embedded for holds them, and a second copy of every vector until
        the save would double an indexing run's memory."""
        keys = [text_key(t) for t in texts]
        if self.folder is None or not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        n = len(list(self.folder.glob("batch-*.npz")))
        final = self.folder / f"batch-{n:06d}-{os.getpid()}.npz"
        tmp = final.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array([np.frombuffer(k, dtype=np.uint8) for k in keys]), vectors=vectors)
        os.replace(tmp, final)

    def clear(self) -> None:
        self._vectors.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
