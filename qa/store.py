"""Index folders on disk.

Layout: ``DIR/CURRENT`` names the live generation ``DIR/gen-…/``, a folder of plain files with a
``manifest.json``. A save writes a whole new generation, then swaps ``CURRENT`` with an atomic rename, so a
crash at any moment leaves the previous index intact and readable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import IndexMismatchError, IndexNotFoundError
from .ingest import INDEX_MARKER

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What an index was built with; checked on every load."""

    model: str
    model_checksum: str
    dimension: int
    chunking: dict[str, Any]
    articles: int
    passages: int
    sentences: int
    format_version: int = FORMAT_VERSION
    faiss_index: str = "flat"
    lexical: str = ""  # how BM25 cut texts into terms (qa.lexical.TERMS); BM25 is rebuilt when it differs
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))


def write_generation(index_dir: Path, manifest: Manifest, write_files: Callable[[Path], None]) -> Path:
    """Write a complete new generation with ``write_files(folder)``, then make it the live one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="gen-", dir=index_dir))
    try:
        write_files(folder)
        _write_json(folder / MANIFEST, asdict(manifest))
        for path in folder.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        _fsync_dir(folder)
        pointer = index_dir / f".{INDEX_MARKER}.tmp"
        pointer.write_text(folder.name + "\n", encoding="utf-8")
        os.replace(pointer, index_dir / INDEX_MARKER)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _remove_stale_generations(index_dir, keep=folder.name)
    return folder


def live_generation(index_dir: Path) -> Path:
    """The folder of the live generation, or IndexNotFoundError saying how to build one."""
    pointer = index_dir / INDEX_MARKER
    if not pointer.is_file():
        raise IndexNotFoundError(f"no index at {index_dir}; build one first: qa index PATH --index {index_dir}")
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not (folder / MANIFEST).is_file():
        raise IndexMismatchError(f"{index_dir} is damaged ({folder.name} is missing); rebuild it with qa index")
    return folder


def read_manifest(folder: Path, model_checksum: str | None = None) -> Manifest:
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexMismatchError(f"{folder / MANIFEST} is unreadable ({exc}); rebuild the index with qa index") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{folder.parent} has index format {manifest.format_version}, this version reads {FORMAT_VERSION};"
            " rebuild it with qa index"
        )
    if model_checksum is not None and model_checksum != manifest.model_checksum:
        raise IndexMismatchError(
            f"{folder.parent} was built with model {manifest.model!r} ({manifest.model_checksum[:12]}…), not the"
            f" one loaded now ({model_checksum[:12]}…); open it with that model or rebuild it"
        )
    return manifest


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every row of a file ``write_jsonl`` wrote, decoded as one JSON array: one call into the decoder instead
    of one per row, which at a million sentence rows is most of the time it takes to open an index."""
    try:
        with open(path, encoding="utf-8") as f:
            rows: list[dict[str, Any]] = json.loads("[" + ",".join(line for line in f if line.strip()) + "]")
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(f"{path} is unreadable ({exc}); rebuild the index with qa index") from exc
    if not all(isinstance(row, dict) for row in rows):
        raise IndexMismatchError(f"{path} holds rows that are not objects; rebuild the index with qa index")
    return rows


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_generations(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("gen-*"):
        if old.name != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
