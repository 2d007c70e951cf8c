"""PDF files: the text layer page by page, each page a section so a citation carries its page number."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime

from pypdf import PdfReader

from ..errors import ReadError
from ..types import Article, Section
from .plain import article_id, title_from_file_name

_SHORT_LINE = 80
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_PLACEHOLDER_TITLES = {"untitled", "title", "document", "microsoft word"}

# pypdf logs its complaints about damaged files; without a handler Python would print them to stderr,
# and the library never prints. Applications that configure logging still receive them.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


def read_pdf(data: bytes, source: str) -> list[Article]:
    """One article per PDF; pages are joined by a blank line and each page is a ``Section(page=n)``."""
    if not data.lstrip().startswith(b"%PDF"):
        raise ReadError(source, "is not a PDF (it lacks the %PDF header); check the file or its extension")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError(source, "is encrypted with a password; save an unprotected copy and read that")
        pages = [_page_text(page.extract_text() or "") for page in reader.pages]
    except ReadError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged files; any of them means "corrupt"
        raise ReadError(source, f"is damaged and could not be read as a PDF ({exc}); re-export or repair it") from exc
    if not pages:
        raise ReadError(source, "has no pages; re-export the PDF")
    if not any(pages):
        raise ReadError(source, "has no text layer (a scan?); run OCR on it first (e.g. ocrmypdf) and read the result")
    text, sections = _join(pages)
    info = _metadata(reader)
    return [
        Article(
            id=article_id(text),
            title=info.get("title") or _first_short_line(text) or title_from_file_name(source),
            text=text,
            source=source,
            author=info.get("author"),
            date=info.get("date"),
            sections=sections,
        )
    ]


def _page_text(raw: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _join(pages: list[str]) -> tuple[str, tuple[Section, ...]]:
    """Pages with text, separated by a blank line; pages without text keep their number but add nothing."""
    pieces: list[str] = []
    sections: list[Section] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        if not page:
            continue
        if pieces:
            offset += 2  # the blank line between pages
        sections.append(Section(start=offset, end=offset + len(page), page=number))
        pieces.append(page)
        offset += len(page)
    return "\n\n".join(pieces) + "\n", tuple(sections)


def _metadata(reader: PdfReader) -> dict[str, str]:
    """Title, author and date from the document information, when present and meaningful."""
    found: dict[str, str] = {}
    try:
        meta = reader.metadata
        if meta is None:
            return found
        title = _SPACES.sub(" ", str(meta.title or "")).strip()
        if title and title.lower() not in _PLACEHOLDER_TITLES and not title.lower().endswith((".doc", ".docx")):
            found["title"] = title
        author = _SPACES.sub(" ", str(meta.author or "")).strip()
        if author:
            found["author"] = author
        created = meta.creation_date
        if isinstance(created, datetime):
            found["date"] = created.date().isoformat()
    except Exception:  # unreadable metadata is not worth losing the text over
        pass
    return found


def _first_short_line(text: str) -> str:
    for line in text.split("\n"):
        line = line.strip()
        if line:
            short = len(line) <= _SHORT_LINE and not line.endswith((".", ",", ";", ":"))
            return line if short else ""
    return ""
