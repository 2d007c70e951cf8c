"""Follow-up questions without a language model: spot a question that leans on earlier turns (a pronoun, or
too few words to stand alone) and carry the names and key terms of the previous turn into the search.

The rules are deliberately plain so that a user can predict them, and the rewritten query is always shown
(``Answer.searched_for``) so that a wrong guess is visible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from .lexical import STOPWORDS
from .types import Answer, Mode

# Pronouns that stand for a person: the context they need is a name.
PERSONAL = frozenset({"he", "she", "him", "his", "her", "hers", "himself", "herself"})
# Pronouns and pointers that may stand for anything. A question that names someone (for a personal pronoun)
# or something (for the others) of its own is taken to stand alone: "When did the ICC issue its warrant?"
GENERAL = frozenset({"it", "its", "itself", "they", "them", "their", "theirs", "there", "then"})
WEAK = frozenset({"that", "this", "those", "these"})
# Openings that always continue the previous turn ("And Mongolia?", "What about the children?").
CONTINUATIONS = ("and ", "what about ", "how about ", "also ")
MIN_CONTENT_WORDS = 3

QUESTION_WORDS = frozenset({"what", "when", "where", "who", "whom", "whose", "which", "why", "how", "is"})
SKIP = STOPWORDS | QUESTION_WORDS | PERSONAL | GENERAL | WEAK

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d.,]*")
_NAME = re.compile(r"\b(?:[A-Z][a-z'’-]+|[A-Z]{2,})(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]{2,}))*")


class Asker(Protocol):
    """What a conversation needs of a knowledge base (KnowledgeBase, or a fake in tests)."""

    def ask(
        self,
        question: str,
        k: int = ...,
        mode: Mode = ...,
        *,
        sources: Sequence[str] | None = ...,
        title: str | None = ...,
        since: str | None = ...,
        until: str | None = ...,
    ) -> Answer: ...


@dataclass(frozen=True)
class Turn:
    """What one turn leaves for the next: the names and key terms it was about."""

    names: tuple[str, ...]
    terms: tuple[str, ...]
    answer_names: tuple[str, ...] = ()


def words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in _WORD.findall(text)]


def names(text: str) -> list[str]:
    """Capitalised names and acronyms ("Vladimir Putin", "ICC"), skipping a sentence's first word when it is
    a common word ("When", "The"). Possessive endings are dropped."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        parts = match.group().split()
        before = text[: match.start()].rstrip()
        if (not before or before.endswith((".", "?", "!", '"', ":"))) and parts[0].lower() in SKIP:
            parts = parts[1:]
        parts = [re.sub(r"['’]s?$", "", p) for p in parts]
        name = " ".join(p for p in parts if p)
        if name and name.lower() not in STOPWORDS and name not in found:
            found.append(name)
    return found


def is_person_like(name: str) -> bool:
    """Acronyms name organisations far more often than people."""
    return not name.isupper()


def key_terms(text: str) -> list[str]:
    terms: list[str] = []
    for w in words(text):
        if w not in SKIP and len(w) > 2 and w not in terms:
            terms.append(w)
    return terms


def needs_context(question: str) -> bool:
    """Whether a question leans on earlier turns: a pronoun, a continuation, or too few words to stand on."""
    ws = set(words(question))
    own_names = names(question)
    if ws & PERSONAL and not any(is_person_like(n) for n in own_names):
        return True
    if ws & (GENERAL | WEAK) and not own_names:
        return True
    if question.strip().lower().startswith(CONTINUATIONS):
        return True
    return not own_names and len(key_terms(question)) < MIN_CONTENT_WORDS - 1


def rewrite(question: str, previous: Turn | None) -> str:
    """The query to search for: the question itself, plus what it needs from the previous turn.

    A personal pronoun brings the previous turn's person-like names; any other pronoun or a short question
    brings all its names (and, for a short question, its key terms). Nothing already in the question is
    repeated, and a standalone question is returned unchanged.
    """
    if previous is None or not needs_context(question):
        return question
    ws = set(words(question))
    lower = question.lower()
    pool = list(previous.names) or list(previous.answer_names)
    if ws & PERSONAL and not (ws & GENERAL or ws & WEAK):
        people = [n for n in pool if is_person_like(n)]
        if not people:
            people = [n for n in previous.answer_names if is_person_like(n)]
        pool = people or pool
    extra = [n for n in pool if n.lower() not in lower]
    if not (ws & (PERSONAL | GENERAL | WEAK)):  # too short, or a continuation: the topic too
        extra += [t for t in previous.terms if t not in lower and not any(t in n.lower() for n in extra)]
    return f"{question} {' '.join(extra)}" if extra else question


def turn_of(query: str, answer: Answer) -> Turn:
    best = answer.best
    return Turn(
        names=tuple(names(query)),
        terms=tuple(key_terms(query)),
        answer_names=tuple(names(best.sentence)) if best and answer.found else (),
    )


class Conversation:
    """A dialogue with a knowledge base: each question may lean on the one before.

    ``ask`` takes the same arguments as ``KnowledgeBase.ask``; the returned Answer keeps the user's words as
    ``question`` and holds the query actually searched in ``searched_for``.
    """

    def __init__(self, kb: Asker) -> None:
        self.kb = kb
        self.previous: Turn | None = None
        self.history: list[Answer] = []

    def ask(
        self,
        question: str,
        k: int = 5,
        mode: Mode = "hybrid",
        *,
        sources: Sequence[str] | None = None,
        title: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Answer:
        question = question.strip()
        query = rewrite(question, self.previous)
        answer = self.kb.ask(query, k=k, mode=mode, sources=sources, title=title, since=since, until=until)
        answer = replace(answer, question=question, searched_for=query)
        self.previous = turn_of(query, answer)
        self.history.append(answer)
        return answer

    def reset(self) -> None:
        self.previous = None
        self.history.clear()


def rewritten(answer: Answer) -> bool:
    """Whether the conversation searched for something other than the user's words."""
    return bool(answer.searched_for) and answer.searched_for != answer.question


__all__ = ["Conversation", "Turn", "needs_context", "rewrite", "rewritten"]
