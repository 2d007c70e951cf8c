"""The shared vocabulary: frozen dataclasses handed from stage to stage. No logic lives here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["dense", "lexical", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")


@dataclass(frozen=True)
class Section:
    """A span of an article's text under a heading path (Markdown sections) or on a page (PDF)."""

    start: int
    end: int
    path: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Article:
    """One document's text and metadata, as read from a file, a URL or a JSON record."""

    id: str
    title: str
    text: str
    source: str
    url: str | None = None
    author: str | None = None
    date: str | None = None
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A source (file, URL or JSON record) that did not become an article, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """A piece of an article small enough for the model, with its exact place in the article.

    Invariant: ``article.text[start:end] == text``. Paragraphs and lines are 1-based and inclusive.
    """

    id: int
    article_id: str
    text: str
    start: int
    end: int
    paragraph_start: int
    paragraph_end: int
    line_start: int
    line_end: int
    sentences: tuple[tuple[int, int], ...] = ()
    section: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, precisely enough to find it again."""

    title: str
    source: str
    paragraphs: tuple[int, int]
    lines: tuple[int, int]
    chars: tuple[int, int]
    url: str | None = None
    section: tuple[str, ...] = ()
    page: int | None = None
    also_in: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = [self.title]
        if self.section:
            where[0] = " › ".join((self.title, *self.section))
        place = self.url or self.source
        para = span_label("paragraph", self.paragraphs)
        lines = span_label("line", self.lines)
        page = f"page {self.page}, " if self.page is not None else ""
        return f"{where[0]} — {place}, {page}{para}, {lines}, chars {self.chars[0]}–{self.chars[1]}"


def span_label(name: str, span: tuple[int, int]) -> str:
    """ "paragraph 3" or "paragraphs 3–5"."""
    first, last = span
    return f"{name} {first}" if first == last else f"{name}s {first}–{last}"


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its score and the sentence in it that best matches the question.

    ``highlight`` holds character offsets into ``passage.text``.
    """

    passage: Passage
    citation: Citation
    score: float
    highlight: tuple[int, int]
    rank: int = 1

    @property
    def sentence(self) -> str:
        start, end = self.highlight
        return self.passage.text[start:end]


@dataclass(frozen=True)
class Answer:
    """The reply to one question: the best hit (if the articles seem to hold the answer) and the runners-up."""

    question: str
    found: bool
    confidence: float
    hits: tuple[Hit, ...]
    mode: Mode = "hybrid"
    searched_for: str = ""
    message: str = ""

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None
