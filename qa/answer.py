"""Ranked candidates -> an Answer: the best passage, its highlighted sentence, its citation, an honest confidence."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .search import Scored
from .types import Answer, Article, Citation, Hit, Mode, Passage

# Logistic model of "the top passage answers the question", on signals that keep their meaning across corpora:
# the best sentence's cosine, the passage's cosine, the share of the question's terms the passage holds, and
# how far the top candidate stands above the runner-up. Fitted by benchmarks/tune_hybrid.py.
CONFIDENCE_FEATURES = ("dense_sentence", "dense", "coverage", "margin")
CONFIDENCE_WEIGHTS = (7.12, 3.217, 4.176, 1.145)
CONFIDENCE_BIAS = -9.379
# Below this confidence the answer says the articles don't seem to hold it: the threshold that best told
# unanswerable questions from answerable ones (highest F1) on the fitted half, also by tune_hybrid.py.
ABSTAIN_BELOW = 0.23

NOT_FOUND = "These articles don't seem to contain the answer. The closest passages are below."
NOTHING_TO_SEARCH = "There is nothing to search: the index is empty, or no article matches the filters."


def confidence(signals: Sequence[float]) -> float:
    z = CONFIDENCE_BIAS + sum(w * s for w, s in zip(CONFIDENCE_WEIGHTS, signals, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def citation_for(passage: Passage, article: Article, sources: Sequence[str] = ()) -> Citation:
    """Cite the passage at its article's first live source, and name the other sources with the same text."""
    source = sources[0] if sources else article.source
    return Citation(
        title=article.title,
        source=source,
        url=article.url,
        paragraphs=(passage.paragraph_start, passage.paragraph_end),
        lines=(passage.line_start, passage.line_end),
        chars=(passage.start, passage.end),
        section=passage.section,
        page=passage.page,
        also_in=tuple(sources[1:]),
    )


def make_hits(
    scored: Scored,
    k: int,
    passage: Callable[[int], Passage],
    cite: Callable[[Passage], Citation],
    highlight: Callable[[Passage], tuple[int, int]],
) -> tuple[Hit, ...]:
    hits = []
    for rank, (pid, score) in enumerate(zip(scored.passage_ids[:k], scored.scores[:k], strict=True), 1):
        p = passage(int(pid))
        hits.append(Hit(passage=p, citation=cite(p), score=float(score), highlight=highlight(p), rank=rank))
    return tuple(hits)


def make_answer(
    question: str, mode: Mode, hits: tuple[Hit, ...], signals: Sequence[float] | None, searched_for: str = ""
) -> Answer:
    conf = confidence(signals) if hits and signals is not None else 0.0
    found = bool(hits) and conf >= ABSTAIN_BELOW
    return Answer(
        question=question,
        found=found,
        confidence=round(conf, 4),
        hits=hits,
        mode=mode,
        searched_for=searched_for or question,
        message="" if found else NOT_FOUND if hits else NOTHING_TO_SEARCH,
    )


def signals(scored: Scored, coverage: float) -> tuple[float, ...]:
    """The top candidate's signals for the confidence model, in CONFIDENCE_FEATURES order."""
    top = scored.features[0]
    return float(top[1]), float(top[0]), coverage, margin(scored.scores)


def margin(scores: np.ndarray) -> float:
    """How far the top score stands above the runner-up, in units of the candidates' spread."""
    if len(scores) < 2:
        return 1.0
    spread = float(scores.std()) or 1.0
    return float(scores[0] - scores[1]) / spread
