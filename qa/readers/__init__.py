"""One reader per file format: bytes in, articles out. The only place that knows file formats."""

from __future__ import annotations

from collections.abc import Callable

from ..types import Article
from .plain import read_markdown, read_text

Reader = Callable[[bytes, str], list[Article]]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
}


def reader_for(suffix: str) -> Reader | None:
    """The reader for a file name's suffix (case-insensitive), or None if the format is not read."""
    return READERS.get(suffix.lower())


__all__ = ["READERS", "Reader", "reader_for"]
