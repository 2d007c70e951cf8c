"""Web pages: the main text (no menus, ads, scripts or footers) via trafilatura, with the page's metadata.

Paragraphs are separated by blank lines, as the chunker expects, and headings in the main text become
sections, so a passage is cited with the heading it sits under.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import trafilatura
from lxml import etree
from trafilatura.settings import Document

from ..errors import ReadError
from ..types import Article
from .plain import article_id, markdown_sections, title_from_file_name
from .text import decode

_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_HEADING_LEVEL = re.compile(r"h([1-6])")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_PROSE = re.compile(r"\w[.!?…][\"'”’)]?(\s|$)")
_PROSE_WORDS = 4


def read_html(data: bytes, source: str) -> list[Article]:
    """One article from a saved web page (or a fetched URL, where ``source`` is the URL)."""
    html = _decode_html(data, source)
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ReadError(source, "could not be parsed as HTML (malformed, or not a web page); save the page again")
    document = _extract(tree, source)
    blocks = _blocks(document.body)
    if not blocks or not any(_is_prose(text) for text, _ in blocks):
        raise ReadError(source, _NO_MAIN_TEXT)
    text, headings = _join(blocks)
    title = _clean(document.title) or (headings[0][2] if headings else "") or title_from_file_name(source)
    return [
        Article(
            id=article_id(text),
            title=title,
            text=text,
            source=source,
            url=_clean(document.url) or None,
            author=_clean(document.author) or None,
            date=_clean(document.date) or None,
            sections=markdown_sections(text, headings),
        )
    ]


_NO_MAIN_TEXT = (
    "has no main text (only navigation, scripts or boilerplate were found); "
    "save the article page itself rather than a menu, index or script-rendered page"
)


def _decode_html(data: bytes, source: str) -> str:
    """A byte-order mark first, then the charset the page declares if it is real and fits; else detection."""
    declared = _DECLARED_CHARSET.search(data[:4096])
    if declared and b"\x00" not in data and not data.startswith(_BOMS):
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
            return data.decode(name).replace("\r\n", "\n")
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall back to detection
    return decode(data, source)


def _extract(tree: Any, source: str) -> Document:
    """Precise extraction first (it drops link lists posing as text); the default one if that finds none."""
    options: dict[str, Any] = {
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "include_images": False,
        "include_links": False,
        "deduplicate": False,
    }
    url = source if source.startswith(("http://", "https://")) else None
    try:
        document = trafilatura.bare_extraction(tree, url=url, favor_precision=True, **options)
        if not isinstance(document, Document) or document.body is None:
            document = trafilatura.bare_extraction(tree, url=url, **options)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        raise ReadError(source, f"could not be parsed as HTML ({exc}); save the page again") from exc
    if not isinstance(document, Document) or document.body is None:
        raise ReadError(source, _NO_MAIN_TEXT)
    return document


def _blocks(body: Any) -> list[tuple[str, int]]:
    """The main text's blocks in order, each with its heading level (0 for anything but a heading)."""
    blocks: list[tuple[str, int]] = []
    for element in body:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "head":
            level = _HEADING_LEVEL.fullmatch(element.get("rend") or "")
            text = _inline(element)
            if text:
                blocks.append((text, int(level.group(1)) if level else 2))
        elif tag == "list":
            items = [_inline(item) for item in element.iter("item")]
            text = "\n".join(f"- {item}" for item in items if item)
            if text:
                blocks.append((text, 0))
        elif tag == "table":
            rows = [" | ".join(_inline(cell) for cell in row.iter("cell")) for row in element.iter("row")]
            text = "\n".join(row for row in rows if row.strip(" |"))
            if text:
                blocks.append((text, 0))
        else:
            text = _inline(element)
            if text:
                blocks.append((text, 0))
    return blocks


def _inline(element: Any) -> str:
    """An element's text with line breaks kept as single newlines and runs of spaces collapsed."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _join(blocks: list[tuple[str, int]]) -> tuple[str, list[tuple[int, int, str]]]:
    """Blocks joined by blank lines, and each heading's (offset, level, name) for the sections."""
    pieces: list[str] = []
    headings: list[tuple[int, int, str]] = []
    offset = 0
    for text, level in blocks:
        if level:
            headings.append((offset, level, text.replace("\n", " ")))
        pieces.append(text)
        offset += len(text) + 2
    return "\n\n".join(pieces) + "\n", headings


def _is_prose(text: str) -> bool:
    """A sentence of a few words: what an article has and a menu, link list or cookie banner lacks."""
    return len(text.split()) >= _PROSE_WORDS and bool(_PROSE.search(text))


def _clean(value: object) -> str:
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""
