"""JSON and JSON Lines: one article per record, cited as ``file#<id>`` or ``file#<number>``.

Forgiving about shape: a single object, a list of objects, or an object holding such a list
(``{"articles": [...]}``, also nested a level or two down). Records without text are skipped with
their reason; the rest are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from ..errors import ReadError
from ..types import Article, Skipped
from .plain import article_id, title_from_file_name
from .text import decode

LINE_SUFFIXES = (".jsonl", ".ndjson")
_MAX_DEPTH = 3
_SHORT_LINE = 80
_SHOWN_REASONS = 3


@dataclass(frozen=True)
class JsonFields:
    """Which field of a record holds what. A dotted name (``"body.text"``) reaches into nested objects."""

    text: str = "text"
    title: str = "title"
    url: str = "url"
    date: str = "date"
    author: str = "author"
    id: str = "id"


@dataclass(frozen=True)
class Records:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]


def read_json(data: bytes, source: str) -> list[Article]:
    """The registry's reader: default field names; records without text are left out."""
    return list(read_records(data, source).articles)


def read_records(data: bytes, source: str, fields: JsonFields | None = None) -> Records:
    """Every record in a JSON or JSON Lines file as an article, plus the records skipped with reasons.

    Raises ReadError if the file is not valid JSON or holds no usable record at all.
    """
    fields = fields or JsonFields()
    text = decode(data, source)
    skipped: list[Skipped] = []
    if PurePath(source.split("?", 1)[0]).suffix.lower() in LINE_SUFFIXES:
        numbered = _json_lines(text, source, skipped)
    else:
        try:
            numbered = list(enumerate(_find_records(json.loads(text), fields), start=1))
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":
                raise ReadError(source, f"is not valid JSON: {_where(exc)}; fix the file") from exc
            numbered = _json_lines(text, source, skipped)  # several documents, one a line: JSON Lines
    articles: list[Article] = []
    for number, record in numbered:
        try:
            articles.append(_article(record, number, source, fields))
        except ReadError as exc:
            skipped.append(Skipped(exc.source, exc.reason))
    if not articles:
        raise ReadError(source, _nothing_usable(skipped, fields))
    return Records(tuple(articles), tuple(skipped))


def _json_lines(text: str, source: str, skipped: list[Skipped]) -> list[tuple[int, Any]]:
    """One record a line, numbered by line; a line that is not JSON is skipped, not fatal."""
    records: list[tuple[int, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            skipped.append(Skipped(f"{source}#{number}", f"line {number} is not valid JSON: {exc.msg}"))
    return records


def _find_records(value: Any, fields: JsonFields, depth: int = 0) -> list[Any]:
    """The records in a parsed document: itself, its items, or the best list found inside it."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or _get(value, fields.text) is not None:
        return [value]
    best: list[Any] = []
    if depth < _MAX_DEPTH:
        for child in value.values():
            if isinstance(child, (list, dict)):
                found = _find_records(child, fields, depth + 1)
                if _with_text(found, fields) > _with_text(best, fields):
                    best = found
    return best or [value]


def _with_text(records: list[Any], fields: JsonFields) -> int:
    return sum(1 for r in records if isinstance(r, dict) and _get(r, fields.text) is not None)


def _article(record: Any, number: int, source: str, fields: JsonFields) -> Article:
    record_id = _string(_get(record, fields.id)) if isinstance(record, dict) else ""
    where = f"{source}#{record_id or number}"
    if not isinstance(record, dict):
        raise ReadError(where, f"record {number} is a {type(record).__name__}, not an object with fields")
    raw = _get(record, fields.text)
    if isinstance(raw, list) and all(isinstance(part, str) for part in raw):
        raw = "\n\n".join(part.strip() for part in raw)
    if raw is None:
        raise ReadError(where, f"record {number} has no {fields.text!r} field; name the text field if it differs")
    if not isinstance(raw, str) or not raw.strip():
        raise ReadError(where, f"record {number} has an empty or non-text {fields.text!r} field")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"
    title = _string(_get(record, fields.title)) or _first_short_line(text) or _numbered_title(source, number)
    return Article(
        id=article_id(text),
        title=title,
        text=text,
        source=where,
        url=_string(_get(record, fields.url)) or None,
        author=_author(_get(record, fields.author)) or None,
        date=_string(_get(record, fields.date)) or None,
    )


def _get(record: dict[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _string(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return ""
    return " ".join(str(value).split())


def _author(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(name for name in (_string(v) for v in value) if name)
    if isinstance(value, dict):
        return _string(value.get("name"))
    return _string(value)


def _first_short_line(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first if len(first) <= _SHORT_LINE and not first.endswith((".", ",", ";", ":")) else ""


def _numbered_title(source: str, number: int) -> str:
    return f"{title_from_file_name(source)} #{number}"


def _where(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno} (character {exc.pos})"


def _nothing_usable(skipped: list[Skipped], fields: JsonFields) -> str:
    if not skipped:
        return f"holds no records; expected objects with a {fields.text!r} field"
    reasons = "; ".join(s.reason for s in skipped[:_SHOWN_REASONS])
    more = f" (and {len(skipped) - _SHOWN_REASONS} more)" if len(skipped) > _SHOWN_REASONS else ""
    return (
        f"has no usable records: {reasons}{more}; check that each record has a {fields.text!r} field, "
        "or name the text field (JsonFields(text=...))"
    )
