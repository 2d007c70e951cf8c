"""A terminal progress bar for long work, fed by the library's (stage, done, total) callbacks."""

from __future__ import annotations

from types import TracebackType

from tqdm import tqdm

EMBEDDING_STAGES = ("passages", "sentences")


class ProgressBar:
    """One tqdm bar per stage, on stderr; callable as the library's progress callback."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage or self._bar is None:
            self.close()
            desc = f"embedding {stage}" if stage in EMBEDDING_STAGES else stage
            self._bar = tqdm(total=total, desc=desc, leave=False)
            self._stage = stage
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
