"""Labelled data for evaluation: SQuAD v1.1/v2.0 JSON and BEIR folders -> plain frozen records.

Pure loaders: they read files and check them, and know nothing of indexes or metrics.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

PARAGRAPH_JOIN = "\n\n"


@dataclass(frozen=True)
class SquadQuestion:
    """One question with its gold answers as (start, end) character offsets into its article's text."""

    id: str
    question: str
    answers: tuple[tuple[int, int], ...]
    impossible: bool = False


@dataclass(frozen=True)
class SquadArticle:
    """A SQuAD article rebuilt as one text: its paragraphs joined by a blank line."""

    title: str
    text: str
    questions: tuple[SquadQuestion, ...]


@dataclass(frozen=True)
class BeirDoc:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class BeirQuery:
    """A query with its relevance judgements: document id -> grade (only grades above zero are kept)."""

    id: str
    text: str
    relevant: Mapping[str, int]


@dataclass(frozen=True)
class BeirData:
    docs: tuple[BeirDoc, ...]
    queries: tuple[BeirQuery, ...]


# ----- SQuAD ------------------------------------------------------------------------------------------------


def load_squad(path: str | Path) -> list[SquadArticle]:
    """Read a SQuAD v1.1 or v2.0 file (.json, or a .zip holding one .json)."""
    return parse_squad(_read_json(Path(path)), str(path))


def parse_squad(data: Any, source: str = "SQuAD data") -> list[SquadArticle]:
    """SQuAD's nested JSON -> articles, with every gold answer checked against the rebuilt article text."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputError(f"{source} is not SQuAD JSON (no top-level 'data' list); give a SQuAD v1.1 or v2.0 file")
    articles = []
    for a, raw in enumerate(data["data"]):
        try:
            articles.append(_squad_article(raw, a))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise InputError(f"{source}: {exc}") from exc
            raise InputError(f"{source}: article {a} is malformed ({exc.__class__.__name__}: {exc})") from exc
    if not articles:
        raise InputError(f"{source} holds no articles")
    return articles


def _squad_article(raw: dict[str, Any], position: int) -> SquadArticle:
    title = str(raw.get("title") or f"article {position}").replace("_", " ")
    texts: list[str] = []
    questions: list[SquadQuestion] = []
    offset = 0
    for paragraph in raw["paragraphs"]:
        context = paragraph["context"]
        if not isinstance(context, str):
            raise TypeError("a paragraph's context is not a string")
        if texts:
            offset += len(PARAGRAPH_JOIN)
        for qa in paragraph["qas"]:
            questions.append(_squad_question(qa, context, offset))
        texts.append(context)
        offset += len(context)
    return SquadArticle(title=title, text=PARAGRAPH_JOIN.join(texts), questions=tuple(questions))


def _squad_question(qa: dict[str, Any], context: str, offset: int) -> SquadQuestion:
    impossible = bool(qa.get("is_impossible", False))
    spans: list[tuple[int, int]] = []
    for answer in [] if impossible else qa["answers"]:
        start, text = int(answer["answer_start"]), str(answer["text"])
        if context[start : start + len(text)] != text:
            raise InputError(
                f"question {qa.get('id')!r}: answer {text!r} is not at offset {start} of its paragraph"
                f" (found {context[start : start + len(text)]!r}); the file is damaged"
            )
        span = (offset + start, offset + start + len(text))
        if span not in spans:
            spans.append(span)
    if not impossible and not spans:
        raise InputError(f"question {qa.get('id')!r} has no answers and is not marked is_impossible")
    return SquadQuestion(id=str(qa["id"]), question=str(qa["question"]), answers=tuple(spans), impossible=impossible)


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path} does not exist or is not a file; give a SQuAD .json or .json.zip file")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.endswith(".json") and not n.startswith("__MACOSX")]
                if len(names) != 1:
                    raise InputError(f"{path} should hold exactly one .json file, not {len(names)}")
                return json.loads(z.read(names[0]).decode("utf-8"))
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path} is not readable JSON ({exc})") from exc


# ----- BEIR -------------------------------------------------------------------------------------------------


def load_beir(folder: str | Path, split: str = "test") -> BeirData:
    """Read a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv. Queries without a relevant
    document are left out, as BEIR's own evaluation does."""
    folder = Path(folder)
    files = (folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"{folder} is not a BEIR folder: missing {', '.join(missing)}")
    corpus, queries, qrels = files
    docs = tuple(
        BeirDoc(id=str(r["_id"]), title=str(r.get("title") or ""), text=str(r.get("text") or ""))
        for r in _jsonl(corpus, ("_id",))
    )
    judgements = _qrels(qrels)
    known = {d.id for d in docs}
    unknown = sorted({d for rel in judgements.values() for d in rel} - known)
    if unknown:
        raise InputError(f"{qrels} judges documents not in corpus.jsonl: {', '.join(unknown[:5])}")
    asked = tuple(
        BeirQuery(id=str(r["_id"]), text=str(r["text"]), relevant=judgements[str(r["_id"])])
        for r in _jsonl(queries, ("_id", "text"))
        if judgements.get(str(r["_id"]))
    )
    if not docs or not asked:
        raise InputError(f"{folder} has {len(docs)} documents and {len(asked)} judged queries; it needs both")
    return BeirData(docs=docs, queries=asked)


def _jsonl(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is unreadable ({exc})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n} is not JSON ({exc})") from exc
        if not isinstance(row, dict) or any(key not in row for key in required):
            raise InputError(f"{path}:{n} needs the fields {', '.join(required)}")
        yield row


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    judgements: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    for n, row in enumerate(rows, 1):
        if n == 1 and row and row[0] == "query-id":
            continue
        if not row:
            continue
        try:
            query, doc, grade = row[0], row[1], int(float(row[2]))
        except (IndexError, ValueError) as exc:
            raise InputError(f"{path}:{n} should be 'query-id<TAB>corpus-id<TAB>score', not {row!r}") from exc
        if grade > 0:
            judgements.setdefault(query, {})[doc] = grade
    return judgements
