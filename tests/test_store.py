from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import store
from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.knowledge import KnowledgeBase
from qa.lexical import TermIndexes

from .conftest import FakeEmbedder


def test_save_and_open_round_trip(fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    fake_kb.save(tmp_path / "idx")
    again = KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder)
    assert again.passages == fake_kb.passages
    assert again.articles == fake_kb.articles
    assert again.sources == fake_kb.sources
    question = "When did the ICC issue its arrest warrant?"
    assert again.ask(question) == fake_kb.ask(question)
    manifest = json.loads(next((tmp_path / "idx").glob("gen-*/manifest.json")).read_text())
    assert manifest["model"] == "fake" and manifest["passages"] == len(fake_kb.passages)
    assert manifest["chunking"]["max_tokens"] == fake_embedder.max_tokens


def test_an_index_whose_terms_were_cut_another_way_gets_bm25_rebuilt(
    fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    folder = fake_kb.save(tmp_path / "idx")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["lexical"]  # as an index saved before the manifest named its terms
    (folder / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(folder / "bm25")
    stale = ["where he putin"] * len(fake_kb.passages)  # stale terms: "where" and "he" were indexed then
    TermIndexes.build(stale, stale[:1], [p.article_id for p in fake_kb.passages]).save(folder / "bm25")
    again = KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder)
    question = "Where did he travel, and who issued the arrest warrant for Putin?"
    assert again.ask(question) == fake_kb.ask(question)


def test_open_missing_index_says_how_to_build_one(fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="qa index"):
        KnowledgeBase.open(tmp_path / "nothing", embedder=fake_embedder)


def test_open_with_another_model_is_refused(fake_kb: KnowledgeBase, tmp_path: Path) -> None:
    fake_kb.save(tmp_path / "idx")
    other = FakeEmbedder()
    other.checksum = "another"
    with pytest.raises(IndexMismatchError, match="built with model 'fake'"):
        KnowledgeBase.open(tmp_path / "idx", embedder=other)


def test_open_newer_format_is_refused(fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path) -> None:
    folder = fake_kb.save(tmp_path / "idx")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format 99"):
        KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder)


@pytest.mark.parametrize(
    "victim",
    [
        "vectors.faiss",
        "passages.jsonl",
        "manifest.json",
        "sentence_vectors.npy",
        "bm25/passages.npz",
        "bm25/vocabulary.json",
    ],
)
def test_corrupted_files_give_a_clear_error(
    fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path, victim: str
) -> None:
    folder = fake_kb.save(tmp_path / "idx")
    data = (folder / victim).read_bytes()
    (folder / victim).write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexMismatchError, match="rebuild"):
        KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder)


def test_crash_mid_save_leaves_the_previous_index(
    fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_kb.save(tmp_path / "idx")
    before = KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder).passages

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_vector_index", crash)
    fake_kb.remove([fake_kb.list_sources()[0].source])
    with pytest.raises(OSError, match="disk full"):
        fake_kb.save(tmp_path / "idx")
    assert KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder).passages == before
    assert len(list((tmp_path / "idx").glob("gen-*"))) == 1


def test_a_killed_save_leaves_a_stray_folder_that_is_ignored_and_cleaned(
    fake_kb: KnowledgeBase, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    fake_kb.save(tmp_path / "idx")
    stray = tmp_path / "idx" / "gen-killed"
    stray.mkdir()
    (stray / "vectors.faiss").write_bytes(b"half")
    assert KnowledgeBase.open(tmp_path / "idx", embedder=fake_embedder).passages == fake_kb.passages
    fake_kb.save(tmp_path / "idx")
    assert not stray.exists()


def test_flat_and_graph_indexes_agree_with_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:50] + 0.1 * rng.normal(size=(50, 32)).astype(np.float32)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    flat = store.build_vector_index(vectors)
    assert np.array_equal(store.search_vectors(flat, queries, 10)[1], truth)
    monkeypatch.setattr(store, "HNSW_ABOVE", 1000)
    graph = store.build_vector_index(vectors)
    found = store.search_vectors(graph, queries, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
    assert recall > 0.95
    allowed = np.arange(0, 3000, 7)
    filtered = store.search_vectors(graph, queries, 5, allowed)[1]
    assert set(filtered.ravel()) <= set(allowed)


@pytest.mark.parametrize("graph", [False, True])
def test_removing_vectors_keeps_the_rest_in_order(monkeypatch: pytest.MonkeyPatch, graph: bool) -> None:
    vectors = np.random.default_rng(1).normal(size=(1200, 16)).astype(np.float32)
    if graph:
        monkeypatch.setattr(store, "HNSW_ABOVE", 1000)
    index = store.build_vector_index(vectors)
    dropped = np.array([0, 5, 6, 700, 1199])
    index = store.remove_vectors(index, dropped)
    left = np.delete(vectors, dropped, axis=0)
    assert index.ntotal == len(left)
    np.testing.assert_allclose(store.vectors_of(index, np.arange(len(left))), left, rtol=1e-6)
    assert isinstance(index, store.faiss.IndexFlat) == (not graph)  # a graph is built again, still a graph
