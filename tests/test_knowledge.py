from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import InputError
from qa.knowledge import KnowledgeBase

from .conftest import SEED_FILE, FakeEmbedder


def test_dense_mode_matches_brute_force_cosine(fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder) -> None:
    for question in ["Putin visit Mongolia", "Amnesty International statement", "children deported"]:
        hits = fake_kb.search(question, k=4, mode="dense")
        query = fake_embedder.encode([question])[0]
        vectors = fake_embedder.encode([p.text for p in fake_kb.passages])
        expected = list(np.argsort(-(vectors @ query), kind="stable")[:4])
        assert [h.passage.id for h in hits] == expected
        assert [h.rank for h in hits] == [1, 2, 3, 4]


def test_every_mode_ranks_the_warrant_passage_first(fake_kb: KnowledgeBase) -> None:
    for mode in ("dense", "lexical", "hybrid"):
        answer = fake_kb.ask("When did the ICC issue its arrest warrant for Putin?", mode=mode)
        assert answer.best is not None
        assert "March 2023" in answer.best.passage.text, mode
        assert answer.mode == mode


def test_highlight_is_a_sentence_of_the_passage(fake_kb: KnowledgeBase) -> None:
    hit = fake_kb.ask("Who is the executive director of Amnesty International Mongolia?").best
    assert hit is not None
    assert "Altantuya Batdorj" in hit.sentence
    assert hit.passage.text[hit.highlight[0] : hit.highlight[1]] == hit.sentence
    assert hit.citation.source.endswith(SEED_FILE.name)


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_questions_are_refused(fake_kb: KnowledgeBase, question: str) -> None:
    with pytest.raises(InputError, match="empty"):
        fake_kb.ask(question)


def test_a_question_of_ten_thousand_characters_is_refused(fake_kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match="10,000 characters"):
        fake_kb.ask("w" * 10_000)


def test_bad_mode_and_k_are_refused(fake_kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match="unknown mode"):
        fake_kb.ask("Putin", mode="magic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="k must be"):
        fake_kb.ask("Putin", k=0)


def test_empty_folder_indexes_nothing(fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    kb = KnowledgeBase(fake_embedder)
    ingested = kb.add([tmp_path])
    assert ingested.articles == () and kb.passages == []
    answer = kb.ask("anything?")
    assert not answer.found and answer.hits == ()


def test_one_bad_file_does_not_stop_the_others(fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("The lighthouse was built in 1848 by Thomas Stevenson.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "latin.txt").write_bytes("Le café ouvre à huit heures.".encode("latin-1"))
    kb = KnowledgeBase(fake_embedder)
    ingested = kb.add([tmp_path])
    assert sorted(Path(a.source).name for a in ingested.articles) == ["good.txt", "latin.txt"]
    reasons = {Path(s.source).name: s.reason for s in ingested.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert any("café" in p.text for p in kb.passages)


def test_identical_articles_are_stored_once_and_cited_with_every_source(
    fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(SEED_FILE.read_bytes())
    kb = KnowledgeBase(fake_embedder)
    kb.add([tmp_path])
    assert len(kb.articles) == 1
    hit = kb.ask("arrest warrant March 2023").best
    assert hit is not None
    assert {Path(hit.citation.source).name, *(Path(s).name for s in hit.citation.also_in)} == {"a.txt", "b.txt"}


def test_remove_and_update_keep_everything_consistent(fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Owls hunt at night using silent flight.")
    (tmp_path / "two.txt").write_text("Bees make honey from flower nectar.")
    kb = KnowledgeBase(fake_embedder)
    kb.add([tmp_path])
    assert kb.remove([str(tmp_path / "one.txt")]) == 1
    assert [s.source for s in kb.list_sources()] == [str(tmp_path / "two.txt")]
    assert "honey" in kb.ask("honey bees").best.passage.text  # type: ignore[union-attr]
    (tmp_path / "two.txt").write_text("Bees make honey. Wasps do not make honey at all.")
    kb.add([tmp_path / "two.txt"])
    assert len(kb.articles) == 1 and "Wasps" in kb.passages[0].text
    assert [p.id for p in kb.passages] == list(range(len(kb.passages)))


def test_filters_narrow_the_search(fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    (tmp_path / "owls.md").write_text("# Owls\n\nOwls hunt at night.")
    (tmp_path / "bees.md").write_text("# Bees\n\nBees hunt for nectar by day.")
    kb = KnowledgeBase(fake_embedder)
    kb.add([tmp_path])
    only_bees = kb.search("who hunts?", sources=[str(tmp_path / "bees.md")])
    assert {h.citation.title for h in only_bees} == {"Bees"}
    assert {h.citation.title for h in kb.search("who hunts?", title="owl")} == {"Owls"}
    assert kb.search("who hunts?", since="2020") == []


def test_after_removal_every_sentence_row_still_points_at_its_text(fake_kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "extra.txt").write_text("Owls hunt at night. They fly without a sound. Mice hear nothing.")
    fake_kb.add([tmp_path])
    fake_kb.remove([fake_kb.list_sources()[0].source])
    texts = list(fake_kb._sentence_rows)
    for p in fake_kb.passages:
        rows = fake_kb._table.of(np.array([p.id]))[0]
        assert [texts[int(r)] for r in rows] == [p.text[s:e] for s, e in p.sentences]
    assert len(fake_kb._sentence_vectors) == len(texts)
