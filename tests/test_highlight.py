from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.highlight import best_sentence, expected_type, sentence_features
from qa.knowledge import KnowledgeBase
from qa.lexical import tokenize

from .conftest import FakeEmbedder


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the ICC issue its arrest warrant?", "time"),
        ("In what year was the bridge built?", "time"),
        ("How many children were deported?", "number"),
        ("What percentage of voters agreed?", "number"),
        ("Who is the executive director of Amnesty International Mongolia?", "name"),
        ("Where did Putin land?", "name"),
        ("Why did Kyiv object?", None),
    ],
)
def test_expected_answer_type(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_the_sentence_holding_the_asked_for_kind_wins_a_tie() -> None:
    question = "When was the bridge over the river opened?"
    texts = ["The bridge over the river is long.", "The bridge over the river was opened in 1932."]
    same = np.array([0.5, 0.5], dtype=np.float32)
    features = sentence_features(question, tokenize([question])[0], {}, texts, same, same, same)
    assert features[:, 2].tolist() == [0.0, 1.0]
    assert best_sentence(features) == 1


def test_a_name_already_in_the_question_is_no_answer() -> None:
    question = "Who criticised Putin?"
    texts = ["Then Putin flew home.", "Later Amnesty International criticised the visit."]
    features = sentence_features(question, tokenize([question])[0], {}, texts, np.zeros(2), np.zeros(2), np.zeros(2))
    assert features[:, 2].tolist() == [0.0, 1.0]


def test_highlight_picks_the_answering_sentence_in_the_seed(fake_kb: KnowledgeBase) -> None:
    hit = fake_kb.ask("When did the ICC issue its arrest warrant for Putin?").best
    assert hit is not None
    assert "March 2023" in hit.sentence


def test_a_markdown_heading_is_never_the_highlight_while_the_passage_has_a_sentence() -> None:
    texts = ["## Reactions to the visit", "Amnesty International criticised the visit."]
    favours_heading = np.array([[1.0] * 8, [0.0] * 8], dtype=np.float32)
    assert best_sentence(favours_heading) == 0  # without the texts, the scores alone decide
    assert best_sentence(favours_heading, texts) == 1
    assert best_sentence(favours_heading[:1], texts[:1]) == 0  # a heading alone is still shown


def test_an_uploaded_markdown_file_highlights_a_sentence_not_its_heading(
    fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    (tmp_path / "visit.md").write_text(
        "# Putin in Mongolia\n\n## Reactions to the visit\n\n"
        "Amnesty International said the visit was a blow to justice. Kyiv called on Mongolia to arrest him.\n",
        encoding="utf-8",
    )
    kb = KnowledgeBase(fake_embedder)
    kb.add([tmp_path])
    hit = kb.ask("What were the reactions to the visit?").best
    assert hit is not None
    assert not hit.sentence.lstrip().startswith("#")
    assert hit.sentence in hit.passage.text
