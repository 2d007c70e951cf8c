"""Article -> Passages: sentence-aware, never over the model's token window, each with its exact offsets.

Pure functions; the token counter is passed in so the model's own tokenizer decides what "too long" means.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .types import Article, Passage, Section

TokenCounter = Callable[[Sequence[str]], list[int]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S.*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s+["'“‘«(\[]?[A-Z0-9À-ÖØ-Þ])|[.!?…]+["'”’»)\]]*(?=\s*$)""")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft vs etc al gen col lt sgt capt gov sen rep rev inc ltd co corp no jan feb mar
    apr jun jul aug sep sept oct nov dec fig eq approx dept univ est e.g i.e u.s u.k u.n""".split()
)


@dataclass(frozen=True)
class ChunkSettings:
    """How articles are cut. ``max_tokens`` is a hard limit; ``target_tokens`` the size aimed for."""

    max_tokens: int = 254
    target_tokens: int = 254
    overlap_sentences: int = 1
    title_context: bool = True  # embed and match each passage with its article's title in front

    def __post_init__(self) -> None:
        if not 8 <= self.target_tokens <= self.max_tokens:
            raise ValueError(
                f"target_tokens ({self.target_tokens}) must be between 8 and max_tokens ({self.max_tokens})"
            )


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    paragraph: int
    tokens: int


def is_heading(text: str) -> bool:
    """Whether the text is one Markdown heading line ("## Reactions")."""
    return bool(_HEADING_LINE.fullmatch(text.strip()))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans of paragraphs: blocks between blank lines, with Markdown headings as blocks of their own."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_split_headings(text, pos, end))
        pos = match.end() if match else len(text)
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in spans) if e > s]


def _split_headings(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    for m in _HEADING_LINE.finditer(text, start, end):
        cuts.extend((m.start(), m.end()))
    cuts.append(end)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in text[start:end], found by punctuation and capitalisation.

    A rule-based splitter (no downloads): ends at . ! ? followed by a capitalised word, except after common
    abbreviations and single initials ("J. R. R. Tolkien").
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group().startswith(".") and _is_abbreviation(text, pos, m.start()):
            continue
        spans.append(_strip(text, pos, m.end()))
        pos = m.end()
    spans.append(_strip(text, pos, end))
    return [(s, e) for s, e in spans if e > s]


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace() and text[word_start - 1] not in "(\"'“":
        word_start -= 1
    word = text[word_start:dot].lower()
    return (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_article(
    article: Article, count_tokens: TokenCounter, settings: ChunkSettings, first_id: int = 0
) -> list[Passage]:
    """Cut one article into passages of about ``target_tokens``, never more than ``max_tokens``.

    Passages grow sentence by sentence, prefer to end where a paragraph ends, and repeat the last sentence of
    the previous passage when they had to cut inside a paragraph, so no answer is split from its context.
    """
    text = article.text
    units = _units(text, count_tokens, settings.max_tokens)
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    passages: list[Passage] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units):
            size = units[j].tokens
            if j > i and (total + size > settings.target_tokens or total + size > settings.max_tokens):
                break
            new_paragraph = j > i and units[j].paragraph != units[j - 1].paragraph
            if new_paragraph and total >= settings.target_tokens // 2:
                break
            total += size
            j += 1
        passages.append(_passage(article, units[i:j], line_starts, first_id + len(passages)))
        if j >= len(units):
            break
        cut_inside_paragraph = units[j].paragraph == units[j - 1].paragraph
        back = settings.overlap_sentences if cut_inside_paragraph else 0
        i = max(j - back, i + 1)
    return passages


def _units(text: str, count_tokens: TokenCounter, max_tokens: int) -> list[_Unit]:
    spans = [(s, e, p) for p, (ps, pe) in enumerate(paragraphs(text), 1) for s, e in sentences(text, ps, pe)]
    counts = count_tokens([text[s:e] for s, e, _ in spans]) if spans else []
    units: list[_Unit] = []
    for (s, e, p), n in zip(spans, counts, strict=True):
        if n <= max_tokens:
            units.append(_Unit(s, e, p, n))
        else:
            units.extend(_Unit(a, b, p, m) for a, b, m in _split_long(text, s, e, count_tokens, max_tokens))
    return units


def _split_long(
    text: str, start: int, end: int, count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence at word boundaries into pieces that fit the model."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    pieces: list[tuple[int, int, int]] = []
    i = 0
    while i < len(words):
        size = len(words) - i
        while True:
            a, b = start + words[i][0], start + words[i + size - 1][1]
            n = count_tokens([text[a:b]])[0]
            if n <= max_tokens or size == 1:
                break
            size = max(1, min(size - 1, size * max_tokens // n))
        if n > max_tokens:  # a single "word" longer than the window: cut it by characters
            b = a + max(1, (b - a) * max_tokens // n)
            n = count_tokens([text[a:b]])[0]
            pieces.append((a, b, n))
            words[i] = (b - start, words[i][1])
            continue
        pieces.append((a, b, n))
        i += size
    return pieces


def _passage(article: Article, units: list[_Unit], line_starts: list[int], pid: int) -> Passage:
    start, end = units[0].start, units[-1].end
    section = _section_at(article.sections, start)
    return Passage(
        id=pid,
        article_id=article.id,
        text=article.text[start:end],
        start=start,
        end=end,
        paragraph_start=units[0].paragraph,
        paragraph_end=units[-1].paragraph,
        line_start=bisect.bisect_right(line_starts, start),
        line_end=bisect.bisect_right(line_starts, max(start, end - 1)),
        sentences=tuple((u.start - start, u.end - start) for u in units),
        section=section.path if section else (),
        page=section.page if section else None,
    )


def _section_at(sections: tuple[Section, ...], offset: int) -> Section | None:
    found = None
    for section in sections:
        if section.start <= offset < section.end:
            found = section
    return found
