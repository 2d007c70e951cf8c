"""Plain text and Markdown: the text as written, a title, and (Markdown) the heading path of each section."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from ..types import Article, Section
from .text import decode

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SHORT_LINE = 80


def article_id(text: str) -> str:
    """Stable id from the content, so byte-identical articles are stored once."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def title_from_file_name(source: str) -> str:
    return PurePath(source).stem or source


def read_text(data: bytes, source: str) -> list[Article]:
    text = decode(data, source)
    return [Article(id=article_id(text), title=_plain_title(text, source), text=text, source=source)]


def read_markdown(data: bytes, source: str) -> list[Article]:
    text = decode(data, source)
    headings = [(m.start(), len(m.group(1)), m.group(2).strip()) for m in _HEADING.finditer(text)]
    title = headings[0][2] if headings else _plain_title(text, source)
    return [
        Article(
            id=article_id(text),
            title=title,
            text=text,
            source=source,
            sections=markdown_sections(text, headings),
        )
    ]


def markdown_sections(text: str, headings: list[tuple[int, int, str]]) -> tuple[Section, ...]:
    """Each heading opens a section that runs to the next heading; its path holds the headings above it.

    The top-level title heading is left out of the path, since the citation shows the title already.
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    first_level = headings[0][1] if headings else 0
    title_only = sum(1 for _, level, _ in headings if level <= first_level) == 1
    for i, (start, level, name) in enumerate(headings):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, name))
        end = headings[i + 1][0] if i + 1 < len(headings) else len(text)
        path = tuple(n for lvl, n in stack if not (title_only and lvl == first_level))
        sections.append(Section(start=start, end=end, path=path))
    return tuple(sections)


def _plain_title(text: str, source: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    if 0 < len(first) <= _SHORT_LINE and not first.endswith((".", ",", ";", ":")):
        return first.lstrip("# ").strip() or title_from_file_name(source)
    return title_from_file_name(source)
