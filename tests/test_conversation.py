"""Follow-up questions: when context is carried over, what is carried, and that new questions stay clean."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from qa.conversation import Conversation, Turn, names, needs_context, rewrite, rewritten
from qa.knowledge import KnowledgeBase
from qa.types import Answer, Mode

FIRST = "When did the ICC issue its arrest warrant for Putin?"


class RecordingKB:
    """Answers nothing; remembers what it was asked and how."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.filters: list[dict[str, object]] = []

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
        self.queries.append(question)
        self.filters.append({"k": k, "mode": mode, "sources": sources, "since": since, "until": until})
        return Answer(question=question, found=False, confidence=0.0, hits=(), mode=mode, searched_for=question)


@pytest.mark.parametrize(
    "question",
    ["What is he accused of?", "Where did he travel?", "What did she say?", "When did it happen?", "Why?",
     "What about their children?", "And Mongolia?", "Who won?"],
)  # fmt: skip
def test_follow_ups_are_detected(question: str) -> None:
    assert needs_context(question)


@pytest.mark.parametrize(
    "question",
    [FIRST, "What is the capital of France?", "Why did Moscow relocate the children?",
     "Who said that Mongolia must arrest Putin?", "What happened in February 2022?"],
)  # fmt: skip
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not needs_context(question)


def test_names_skip_question_words_and_possessives() -> None:
    assert names(FIRST) == ["ICC", "Putin"]
    assert names("What did Amnesty International say about Putin's trip?") == [
        "Amnesty International",
        "Putin",
    ]


def test_personal_pronoun_brings_the_person_not_the_organisation() -> None:
    previous = Turn(names=("ICC", "Putin"), terms=("icc", "issue", "arrest", "warrant", "putin"))
    assert rewrite("What is he accused of?", previous) == "What is he accused of? Putin"


def test_short_question_brings_names_and_topic() -> None:
    previous = Turn(names=("ICC", "Putin"), terms=("icc", "issue", "arrest", "warrant", "putin"))
    assert rewrite("Why?", previous) == "Why? ICC Putin issue arrest warrant"


def test_nothing_is_repeated_and_first_turn_is_unchanged() -> None:
    previous = Turn(names=("Putin",), terms=("putin",))
    assert rewrite("Did Putin say his trip was safe?", Turn(names=("Batdorj",), terms=())) == (
        "Did Putin say his trip was safe?"
    )
    assert rewrite("What did he say about Putin?", previous) == "What did he say about Putin?"
    assert rewrite("What is he accused of?", None) == "What is he accused of?"


def test_conversation_keeps_the_users_words_and_passes_filters() -> None:
    kb = RecordingKB()
    conv = Conversation(kb)
    conv.ask(FIRST, mode="lexical", sources=["a.txt"], since="2024")
    answer = conv.ask("  What is he accused of? ")
    assert kb.queries == [FIRST, "What is he accused of? Putin"]
    assert answer.question == "What is he accused of?"
    assert answer.searched_for == "What is he accused of? Putin"
    assert rewritten(answer)
    assert kb.filters[0] == {"k": 5, "mode": "lexical", "sources": ["a.txt"], "since": "2024", "until": None}


def test_new_question_is_not_polluted_and_context_follows_the_latest_turn() -> None:
    kb = RecordingKB()
    conv = Conversation(kb)
    conv.ask(FIRST)
    conv.ask("What did Amnesty International say about Mongolia?")
    conv.ask("Who leads it?")
    assert kb.queries[1] == "What did Amnesty International say about Mongolia?"
    assert "Putin" not in kb.queries[2] and "Amnesty International" in kb.queries[2]
    conv.reset()
    conv.ask("What is he accused of?")
    assert kb.queries[-1] == "What is he accused of?"


@pytest.mark.e2e
def test_three_question_dialogue_with_the_real_model(seed_kb: KnowledgeBase) -> None:
    conv = Conversation(seed_kb)
    first = conv.ask(FIRST)
    assert first.found and first.best is not None and "March 2023" in first.best.sentence
    assert not rewritten(first)

    accused = conv.ask("What is he accused of?")
    assert accused.question == "What is he accused of?" and rewritten(accused)
    assert accused.found and accused.best is not None
    assert "deportation of Ukrainian children" in accused.best.sentence

    travel = conv.ask("Where did he travel?")
    assert travel.found and travel.best is not None
    assert "arrived in Mongolia" in travel.best.passage.text
    assert "Mongolia" in travel.best.sentence  # the arrival, not the warrant (whose "he" once drew the highlight)

    fresh = conv.ask("What is the capital of France?")
    assert fresh.searched_for == "What is the capital of France?"
    assert not fresh.found
