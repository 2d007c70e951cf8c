"""A matrix that grows by appending rows without copying the rows it already has, most of the time."""

from __future__ import annotations

import numpy as np


class GrowingRows:
    """Rows kept in a buffer with room at its end: an append writes only the new rows, and the buffer is
    copied only when full, into one twice as large (so each row is copied about once on average). ``array``
    is a view of the rows so far."""

    def __init__(self, rows: np.ndarray) -> None:
        self._buffer = rows
        self._count = len(rows)

    @property
    def array(self) -> np.ndarray:
        return self._buffer[: self._count]

    def __len__(self) -> int:
        return self._count

    def append(self, rows: np.ndarray) -> None:
        end = self._count + len(rows)
        if end > len(self._buffer):
            bigger = np.empty((max(end, 2 * len(self._buffer)), *self._buffer.shape[1:]), self._buffer.dtype)
            bigger[: self._count] = self.array
            self._buffer = bigger
        self._buffer[self._count : end] = rows
        self._count = end

    def keep(self, rows: np.ndarray) -> None:
        """Keep only these rows (ascending indices), in place and in order. The rows before the first one
        dropped stay where they are, and the room at the end stays for the next append."""
        rows = np.asarray(rows, dtype=np.int64)
        moved = np.flatnonzero(rows != np.arange(len(rows)))
        if len(moved):
            first = int(moved[0])
            self._buffer[first : len(rows)] = self._buffer[rows[first:]]
        self._count = len(rows)
