"""Keeping an index in step with a changing folder: nothing unchanged is read or embedded again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa import embed, knowledge, vectors
from qa.cache import EmbeddingCache
from qa.cli import main
from qa.knowledge import KnowledgeBase

from .conftest import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    """Counts the texts it embeds; can be told to die after some batches, like a killed process."""

    def __init__(self, die_after: int | None = None) -> None:
        self.embedded: list[str] = []
        self.die_after = die_after

    def encode(self, texts: Sequence[str], *, query: bool = False, progress: object = None) -> np.ndarray:
        if not query:
            if self.die_after is not None and len(self.embedded) >= self.die_after:
                raise KeyboardInterrupt
            self.embedded += texts
        return super().encode(texts, query=query)


def _corpus(folder: Path, n: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        sentences = " ".join(f"Article {i} sentence {j} tells of topic{i} and item{j}." for j in range(40))
        (folder / f"a{i:02d}.txt").write_text(sentences)


def test_unchanged_folder_embeds_nothing_and_one_edit_embeds_only_its_text(tmp_path: Path) -> None:
    _corpus(tmp_path / "docs", 5)
    emb = CountingEmbedder()
    kb = KnowledgeBase(emb, cache_dir=tmp_path / "idx")
    first = kb.add([tmp_path / "docs"])
    kb.save(tmp_path / "idx")
    assert len(first.articles) == 5 and first.embedded == len(emb.embedded) > 0

    emb.embedded.clear()
    kb = KnowledgeBase.open(tmp_path / "idx", embedder=emb)
    again = kb.add([tmp_path / "docs"])
    assert again.articles == () and len(again.unchanged) == 5 and emb.embedded == []

    edited = tmp_path / "docs" / "a03.txt"
    edited.write_text(edited.read_text() + " A new closing sentence about zebras.")
    changes = kb.add([tmp_path / "docs"])
    assert [Path(a.source).name for a in changes.articles] == ["a03.txt"]
    assert emb.embedded and all("zebras" in t for t in emb.embedded)  # only the changed passage and sentence
    assert "zebras" in kb.ask("zebras").best.passage.text  # type: ignore[union-attr]
    assert len(kb.articles) == 5


def test_sync_removes_deleted_files_only(tmp_path: Path) -> None:
    _corpus(tmp_path / "docs", 3)
    kb = KnowledgeBase(CountingEmbedder())
    kb.add([tmp_path / "docs"])
    (tmp_path / "docs" / "a01.txt").unlink()
    assert kb.add([tmp_path / "docs"]).removed == ()  # without sync nothing is dropped
    changes = kb.add([tmp_path / "docs"], sync=True)
    assert [Path(s).name for s in changes.removed] == ["a01.txt"]
    assert sorted(Path(s.source).name for s in kb.list_sources()) == ["a00.txt", "a02.txt"]


def test_an_interrupted_run_resumes_from_the_cache(tmp_path: Path) -> None:
    _corpus(tmp_path / "docs", 30)
    dying = CountingEmbedder(die_after=embed.BATCH)
    kb = KnowledgeBase(dying, cache_dir=tmp_path / "idx")
    with pytest.raises(KeyboardInterrupt):
        kb.add([tmp_path / "docs"])
    assert len(dying.embedded) >= embed.BATCH  # some batches were done before the "kill"

    fresh = CountingEmbedder()
    kb = KnowledgeBase(fresh, cache_dir=tmp_path / "idx")
    kb.add([tmp_path / "docs"])
    assert fresh.embedded and not set(fresh.embedded) & set(dying.embedded)  # nothing embedded twice
    kb.save(tmp_path / "idx")
    assert not (tmp_path / "idx" / knowledge.CACHE_FOLDER).exists()  # the saved index holds it all now


def test_cli_add_remove_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(embed, "load_embedder", lambda model=None: FakeEmbedder())
    monkeypatch.setattr(knowledge, "load_embedder", lambda model=None: FakeEmbedder())
    _corpus(tmp_path / "docs", 3)
    (tmp_path / "docs" / "skip.md").write_text("# Skip me\n\nnot this one")
    idx = str(tmp_path / "idx")
    assert main(["index", str(tmp_path / "docs"), "--index", idx, "--exclude", "*.md"]) == 0
    assert "3 indexed, 0 skipped" in capsys.readouterr().out
    assert main(["index", str(tmp_path / "docs"), "--index", idx, "--exclude", "*.md"]) == 0
    assert "0 indexed, 0 skipped (3 unchanged, 0 removed)" in capsys.readouterr().out
    assert main(["remove", str(tmp_path / "docs" / "a00.txt"), "--index", idx]) == 0
    assert "removed 1 sources" in capsys.readouterr().out
    assert main(["sources", "--index", idx]) == 0
    listing = capsys.readouterr().out
    assert "a01.txt" in listing and "a00.txt" not in listing and "2 sources" in listing
    assert main(["remove", str(tmp_path / "nothing.txt"), "--index", idx]) == 2
    assert "nothing indexed matches" in capsys.readouterr().err


def test_the_cache_keeps_fresh_vectors_on_disk_only(tmp_path: Path) -> None:
    # Every vector is in the index it was embedded for; a second copy in memory would double a big run's RAM.
    cache = EmbeddingCache(4, tmp_path / "cache")
    vectors = np.eye(4, dtype=np.float32)[:2]
    cache.put(["one", "two"], vectors)
    assert cache.get("one") is None
    reopened = EmbeddingCache(4, tmp_path / "cache")  # the next run, after a crash
    np.testing.assert_array_equal(reopened.get("two"), vectors[1])
    cache.remember(["gone"], vectors[:1])  # a removed text that an edit may bring back
    np.testing.assert_array_equal(cache.get("gone"), vectors[0])


def test_an_edit_and_a_deletion_update_bm25_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # BM25 is never rebuilt from the texts after a change, yet answers as one built from the folder as it is.
    _corpus(tmp_path / "docs", 4)
    kb = KnowledgeBase(FakeEmbedder())
    kb.add([tmp_path / "docs"])
    kb.ask("topic0")
    builds: list[int] = []
    original = knowledge.TermIndexes.build
    monkeypatch.setattr(knowledge.TermIndexes, "build", lambda *args: builds.append(len(args[0])) or original(*args))
    edited = tmp_path / "docs" / "a01.txt"
    edited.write_text(edited.read_text() + " A new closing sentence about zebras.")
    (tmp_path / "docs" / "a02.txt").unlink()
    changes = kb.add([tmp_path / "docs"], sync=True)
    assert len(changes.articles) == 1 and len(changes.removed) == 1
    assert "zebras" in kb.ask("zebras").best.passage.text  # type: ignore[union-attr]
    assert builds == []
    fresh = KnowledgeBase(FakeEmbedder())
    fresh.add([tmp_path / "docs"])
    for question in ("zebras", "topic1 item3", "Which article tells of topic3 and item39?", "item12 of topic0"):
        mine, theirs = kb.ask(question), fresh.ask(question)  # passage ids differ: the edit went to the end
        assert mine.best and theirs.best and mine.best.passage.text == theirs.best.passage.text
        assert sorted((round(h.score, 4), h.passage.text, h.highlight) for h in mine.hits) == sorted(
            (round(h.score, 4), h.passage.text, h.highlight) for h in theirs.hits
        )
        assert mine.confidence == pytest.approx(theirs.confidence, rel=1e-5)


def test_edits_over_a_graph_index_survive_a_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Past HNSW_ABOVE passages a removed passage stays in the graph, skipped; what is saved must say so.
    monkeypatch.setattr(vectors, "HNSW_ABOVE", 10)
    _corpus(tmp_path / "docs", 6)
    kb = KnowledgeBase(FakeEmbedder())
    kb.add([tmp_path / "docs"])
    assert kb._vectors.removed == 0 and len(kb._vectors) == len(kb.passages) > 10
    edited = tmp_path / "docs" / "a04.txt"
    edited.write_text(edited.read_text() + " A new closing sentence about zebras.")
    kb.add([tmp_path / "docs"])
    assert kb._vectors.removed > 0  # the old text's nodes, skipped until a quarter of the graph is such
    kb.save(tmp_path / "idx")
    again = KnowledgeBase.open(tmp_path / "idx", embedder=FakeEmbedder())
    for question in ("zebras", "topic4 item39", "Which article tells of topic1 and item2?"):
        answer = again.ask(question)
        assert answer == kb.ask(question)
        assert answer.best and all(h.passage == kb.passages[h.passage.id] for h in answer.hits)
    assert "zebras" in again.ask("zebras").best.passage.text  # type: ignore[union-attr]
