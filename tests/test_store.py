from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa import store
from qa import vectors as vectors_module
from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.knowledge import KnowledgeBase
from qa.lexical import TermIndexes
from qa.vectors import PassageVectors

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

    monkeypatch.setattr(PassageVectors, "save", crash)
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


def _unit(rows: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _nearest(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ vectors.T), axis=1)[:, :k]


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth, strict=True)]))


def test_flat_and_graph_indexes_agree_with_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _unit(3000, 32, seed=0)
    queries = vectors[:50] + 0.1 * np.random.default_rng(9).normal(size=(50, 32)).astype(np.float32)
    truth = _nearest(vectors, queries, 10)
    flat = PassageVectors.build(vectors)
    assert np.array_equal(flat.search(queries, 10)[1], truth)
    monkeypatch.setattr(vectors_module, "HNSW_ABOVE", 1000)
    graph = PassageVectors.build(vectors)
    assert isinstance(graph.index, faiss.IndexHNSW)
    assert _recall(graph.search(queries, 10)[1], truth) > 0.95
    allowed = np.arange(0, 3000, 7)
    filtered = graph.search(queries, 5, allowed)[1]
    assert set(filtered.ravel()) <= set(allowed)


def test_a_flat_index_drops_removed_vectors_and_keeps_the_rest_in_order() -> None:
    vectors = _unit(1200, 16, seed=1)
    index = PassageVectors.build(vectors)
    dropped = np.array([0, 5, 6, 700, 1199])
    index.remove(dropped)
    left = np.delete(vectors, dropped, axis=0)
    assert len(index) == index.index.ntotal == len(left)
    np.testing.assert_allclose(index.vectors_of(np.arange(len(left))), left, rtol=1e-6)


def test_a_graph_skips_removed_passages_until_it_is_built_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(vectors_module, "HNSW_ABOVE", 1000)
    vectors = _unit(2000, 16, seed=2)
    index = PassageVectors.build(vectors)
    graph = index.index
    dropped = np.arange(0, 2000, 5)  # 20%: below the share that rebuilds
    index.remove(dropped)
    left = np.delete(vectors, dropped, axis=0)
    index.add(vectors[:3])  # new passages after a removal get the next ids
    left = np.vstack([left, vectors[:3]])
    assert index.index is graph and index.removed == len(dropped) and len(index) == len(left)
    np.testing.assert_allclose(index.vectors_of(np.arange(len(left))), left, rtol=1e-6)
    queries = vectors[::40]
    found = index.search(queries, 10)[1]
    assert found.min() >= 0 and found.max() < len(left)
    assert _recall(found, _nearest(left, queries, 10)) > 0.9
    allowed = np.arange(0, len(left), 3)
    assert set(index.search(queries, 5, allowed)[1].ravel()) <= set(allowed)

    index.save(tmp_path)
    again = PassageVectors.load(tmp_path, len(left), 16)
    assert np.array_equal(again.search(queries, 10)[1], found)
    with pytest.raises(IndexMismatchError, match="rebuild"):
        PassageVectors.load(tmp_path, len(left) + 1, 16)
    slots = np.load(tmp_path / vectors_module.SLOTS_FILE)
    np.save(tmp_path / vectors_module.SLOTS_FILE, np.r_[slots[:-1], slots[0]])  # two passages on one node
    with pytest.raises(IndexMismatchError, match="rebuild"):
        PassageVectors.load(tmp_path, len(left), 16)
    (tmp_path / vectors_module.SLOTS_FILE).write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(IndexMismatchError, match="unreadable"):
        PassageVectors.load(tmp_path, len(left), 16)

    index.remove(np.arange(0, 400))  # past a quarter of the graph: built again, without the removed
    assert index.index is not graph and index.removed == 0 and len(index) == len(left) - 400
    np.testing.assert_allclose(index.vectors_of(np.arange(len(index))), left[400:], rtol=1e-6)


def test_growing_past_the_flat_limit_turns_the_index_into_a_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors_module, "HNSW_ABOVE", 1000)
    vectors = _unit(1500, 16, seed=3)
    index = PassageVectors.build(vectors[:900])
    index.add(vectors[900:])
    assert isinstance(index.index, faiss.IndexHNSW) and len(index) == 1500
    np.testing.assert_allclose(index.vectors_of(np.arange(1500)), vectors, rtol=1e-6)


def test_rows_that_are_not_objects_are_refused(tmp_path: Path) -> None:
    store.write_jsonl(tmp_path / "rows.jsonl", [{"text": "one"}, {"text": "two"}])
    assert store.read_jsonl(tmp_path / "rows.jsonl") == [{"text": "one"}, {"text": "two"}]
    (tmp_path / "rows.jsonl").write_text('{"text": "one"}\n2\n')
    with pytest.raises(IndexMismatchError, match="not objects"):
        store.read_jsonl(tmp_path / "rows.jsonl")
    (tmp_path / "empty.jsonl").write_text("")
    assert store.read_jsonl(tmp_path / "empty.jsonl") == []
