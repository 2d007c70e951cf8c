"""Files, folders (and URLs) -> Articles. Bad files are skipped with their reason; the rest go on."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ReadError
from .readers import READERS, reader_for
from .readers.records import LINE_SUFFIXES, JsonFields, read_records
from .types import Article, Skipped

MAX_FILE_BYTES = 50 * 1024 * 1024
INDEX_MARKER = "CURRENT"  # the file that marks a saved index folder (see store.py)


@dataclass(frozen=True)
class Ingested:
    """What a read found: the articles read, the sources skipped with reasons, and the sources left unread
    because ``is_unchanged`` said they were already indexed as they are."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    unchanged: tuple[str, ...] = ()
    fingerprints: tuple[tuple[str, str], ...] = ()  # (source, fingerprint) of every file read or unchanged


def read_sources(
    paths: Sequence[str | Path],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    json_fields: JsonFields | None = None,
    is_unchanged: Callable[[str, str], bool] | None = None,
) -> Ingested:
    """Read every article under the given files, folders and URLs; one bad file never stops the others.

    ``json_fields`` names the fields of JSON records when they are not ``text``, ``title``, ``url``...
    JSON records without text are listed in ``skipped`` while the file's other records are read.
    ``is_unchanged(source, fingerprint)`` lets a caller skip files it already holds as they are.
    """
    if not paths:
        raise InputError("no paths given; name at least one file or folder of articles")
    articles: list[Article] = []
    skipped: list[Skipped] = []
    unchanged: list[str] = []
    fingerprints: list[tuple[str, str]] = []
    for source in iter_sources(paths, include, exclude):
        mark = fingerprint(source)
        if mark is not None and is_unchanged is not None and is_unchanged(source, mark):
            unchanged.append(source)
            fingerprints.append((source, mark))
            continue
        try:
            read, left_out = _read(source, json_fields)
        except ReadError as exc:
            skipped.append(Skipped(exc.source, exc.reason))
            continue
        articles.extend(read)
        skipped.extend(left_out)
        if mark is not None:
            fingerprints.append((source, mark))
    return Ingested(tuple(articles), tuple(skipped), tuple(unchanged), tuple(fingerprints))


def fingerprint(source: str) -> str | None:
    """Size and modification time of a file: cheap, and changes whenever the file is rewritten.
    None for URLs, which are always fetched again."""
    if _is_url(source):
        return None
    try:
        st = Path(source).stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


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


def read_source(source: str, *, json_fields: JsonFields | None = None) -> list[Article]:
    """Read one file (or URL) into its articles, or raise ReadError with the reason."""
    return _read(source, json_fields)[0]


def _read(source: str, json_fields: JsonFields | None) -> tuple[list[Article], list[Skipped]]:
    if _is_url(source):
        from .readers.url import read_url

        return read_url(source, json_fields=json_fields), []
    path = Path(source)
    reader = reader_for(path.suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(source, f"unsupported file type {path.suffix or '(none)'!r}; readable types: {known}")
    data = _read_bytes(path, source)
    if path.suffix.lower() in (".json", *LINE_SUFFIXES):
        records = read_records(data, source, json_fields)
        return list(records.articles), list(records.skipped)
    return reader(data, source), []


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReadError(source, f"is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; split it")
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(source, f"cannot be read: {exc.strerror or exc}") from exc


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
