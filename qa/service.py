"""What the browser app does to the index: answer, add uploaded files and web pages, remove sources, all
under one lock so edits and questions don't interleave. No Gradio here."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .conversation import Conversation
from .errors import InputError, QAError
from .knowledge import KnowledgeBase
from .render import safe_href
from .types import Answer, Mode

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf", ".json", ".jsonl")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOADS = "uploads"


def safe_upload_name(name: str) -> str:
    """A plain file name from whatever the browser sent: the last path part only, no leading dots, only
    letters, digits, dot, dash, underscore and space, at most 120 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(base) > 120:
        base = f"{stem[: 119 - len(suffix)]}.{suffix}"
    return base[:120] or "upload"


def store_upload(source: Path, uploads: Path) -> Path:
    """Copy an uploaded file into the uploads folder under a safe, unused name; never outside it."""
    size = source.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{safe_upload_name(source.name)} is {size / 2**20:.1f} MB, over the "
            f"{MAX_UPLOAD_BYTES // 2**20} MB upload limit; split it or index it with `qa index`"
        )
    uploads.mkdir(parents=True, exist_ok=True)
    name = safe_upload_name(source.name)
    stem, suffix = os.path.splitext(name)
    target, n = uploads / name, 1
    while target.exists():
        target, n = uploads / f"{stem}-{n}{suffix}", n + 1
    if target.resolve().parent != uploads.resolve():
        raise InputError(f"refusing to write {name!r} outside {uploads}")
    shutil.copyfile(source, target)
    return target


@dataclass
class Service:
    """The knowledge base behind the app, its folder, and a lock so edits and questions don't interleave."""

    kb: KnowledgeBase
    index_dir: Path
    lock: threading.RLock

    @property
    def uploads(self) -> Path:
        return self.index_dir / UPLOADS

    def ask(self, conv: Conversation, question: str, mode: Mode, source: str, since: str, until: str) -> Answer:
        sources = [source] if source else None
        with self.lock:
            return conv.ask(question, mode=mode, sources=sources, since=since or None, until=until or None)

    def add_files(self, paths: Sequence[str]) -> str:
        lines: list[str] = []
        stored: list[Path] = []
        for raw in paths:
            try:
                stored.append(store_upload(Path(raw), self.uploads))
            except (QAError, OSError) as exc:
                lines.append(f"Skipped: {exc}")
        return "\n".join(lines + ([self._add([str(p) for p in stored])] if stored else []))

    def add_url(self, url: str) -> str:
        url = url.strip()
        if not safe_href(url):
            return "Paste a web address starting with http:// or https://"
        return self._add([url])

    def _add(self, sources: list[str]) -> str:
        with self.lock:
            try:
                ingested = self.kb.add(sources)
            except QAError as exc:
                return f"Not added: {exc}"
            except Exception as exc:  # a reader failing unexpectedly must not take the app down
                return f"Not added: {exc.__class__.__name__}: {exc}"
            if ingested.articles:
                self.kb.save(self.index_dir)
        for s in ingested.skipped:
            if s.source.startswith(str(self.uploads)):
                Path(s.source).unlink(missing_ok=True)
        lines = [f"Added: {a.title} ({Path(a.source).name or a.source})" for a in ingested.articles]
        lines += [f"Skipped {Path(s.source).name or s.source}: {s.reason}" for s in ingested.skipped]
        return "\n".join(lines) or "Nothing to add."

    def remove(self, source: str) -> str:
        if not source:
            return "Choose a source to remove."
        with self.lock:
            removed = self.kb.remove([source])
            self.kb.save(self.index_dir)
        path = Path(source)
        if path.parent.resolve() == self.uploads.resolve():
            path.unlink(missing_ok=True)
        return f"Removed {Path(source).name or source} ({removed} passages)."

    def source_choices(self) -> list[tuple[str, str]]:
        return [(f"{s.title} ({Path(s.source).name or s.source})", s.source) for s in self.kb.list_sources()]
