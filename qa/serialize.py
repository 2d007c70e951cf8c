"""Answers as plain JSON-ready dicts: the one structured form the CLI, the UI and its API all return."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .types import Answer, Hit


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    p = hit.passage
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "passage": p.text,
        "highlight": {"start": hit.highlight[0], "end": hit.highlight[1], "text": hit.sentence},
        "citation": asdict(hit.citation),
        "article_id": p.article_id,
        "passage_id": p.id,
    }


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    best = answer.best
    return {
        "question": answer.question,
        "searched_for": answer.searched_for,
        "mode": answer.mode,
        "found": answer.found,
        "confidence": answer.confidence,
        "message": answer.message,
        "answer": hit_to_dict(best) if best else None,
        "hits": [hit_to_dict(h) for h in answer.hits],
    }
