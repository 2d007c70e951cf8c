"""One reader per file format: bytes in, articles out. The only place that knows file formats."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ..types import Article
from .plain import read_markdown, read_text

Reader = Callable[[bytes, str], list[Article]]


def _lazy(module: str, name: str) -> Reader:
    """A reader whose module (and its heavy library: trafilatura, pypdf) is imported on first use."""

    def read(data: bytes, source: str) -> list[Article]:
        reader: Reader = getattr(import_module(f"{__name__}.{module}"), name)
        return reader(data, source)

    read.__name__ = name
    return read


read_html = _lazy("html", "read_html")
read_pdf = _lazy("pdf", "read_pdf")
read_json = _lazy("records", "read_json")

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".json": read_json,
    ".jsonl": read_json,
    ".ndjson": read_json,
}


def reader_for(suffix: str) -> Reader | None:
    """The reader for a file name's suffix (case-insensitive), or None if the format is not read."""
    return READERS.get(suffix.lower())


__all__ = ["READERS", "Reader", "reader_for"]
