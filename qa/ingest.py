"""Files, folders (and URLs) -> Articles. Bad files are skipped with their reason; the rest go on."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ReadError
from .readers import READERS, reader_for
from .types import Article

MAX_FILE_BYTES = 50 * 1024 * 1024
INDEX_MARKER = "CURRENT"  # the file that marks a saved index folder (see store.py)


@dataclass(frozen=True)
class Skipped:
    """A source that was not indexed, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]


def read_sources(
    paths: Sequence[str | Path],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Ingested:
    """Read every article under the given files and folders; one bad file never stops the others."""
    if not paths:
        raise InputError("no paths given; name at least one file or folder of articles")
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for source in iter_sources(paths, include, exclude):
        try:
            articles.extend(read_source(source))
        except ReadError as exc:
            skipped.append(Skipped(exc.source, exc.reason))
    return Ingested(tuple(articles), tuple(skipped))


def iter_sources(paths: Sequence[str | Path], include: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    """Files named directly are always read; folders are walked for known formats, skipping hidden
    entries and index folders."""
    for raw in paths:
        path = Path(raw)
        if _is_url(str(raw)):
            yield str(raw)
        elif path.is_file():
            yield str(path)
        elif path.is_dir():
            yield from (str(p) for p in _walk(path, include, exclude))
        else:
            raise InputError(f"{raw}: no such file or folder; check the path")


def read_source(source: str) -> list[Article]:
    """Read one file (or URL) into its articles, or raise ReadError with the reason."""
    if _is_url(source):
        from .readers.url import read_url

        return read_url(source)
    path = Path(source)
    reader = reader_for(path.suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(source, f"unsupported file type {path.suffix or '(none)'!r}; readable types: {known}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReadError(source, f"is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; split it")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(source, f"cannot be read: {exc.strerror or exc}") from exc
    return reader(data, source)


def _walk(folder: Path, include: Sequence[str], exclude: Sequence[str]) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if any((folder / parent / INDEX_MARKER).exists() for parent in rel.parents):
            continue
        if include and not any(fnmatch.fnmatch(str(rel), pat) or fnmatch.fnmatch(path.name, pat) for pat in include):
            continue
        if any(fnmatch.fnmatch(str(rel), pat) or fnmatch.fnmatch(path.name, pat) for pat in exclude):
            continue
        if reader_for(path.suffix) is not None:
            yield path


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))
