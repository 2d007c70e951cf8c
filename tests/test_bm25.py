from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from qa.bm25 import BM25
from qa.errors import IndexMismatchError

WORDS = 300


def _texts(count: int, seed: int) -> list[np.ndarray]:
    rng = random.Random(seed)
    return [
        np.array([rng.randrange(rng.randint(5, WORDS)) for _ in range(rng.randint(0, 40))], np.int64)
        for _ in range(count)
    ]


QUERIES = [[1, 2], [5, 5, 7], [299, 0], [WORDS + 10], []]


def _same(index: BM25, texts: list[np.ndarray]) -> None:
    fresh = BM25.of(texts)
    assert index.size == fresh.size == len(texts)
    for query in QUERIES:
        np.testing.assert_allclose(index.scores(query), fresh.scores(query), rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(index.idf(query), fresh.idf(query))
        for mine, theirs in zip(index.postings(query), fresh.postings(query), strict=True):
            assert sorted(mine.tolist()) == sorted(theirs.tolist())


def test_scores_are_bm25s_own() -> None:
    texts = _texts(500, seed=0)
    reference = bm25s.BM25()
    reference.index([[str(k) for k in t] for t in texts], show_progress=False)
    index = BM25()
    for i in range(0, len(texts), 37):  # in batches, so the postings sit in several segments
        index.add(texts[i : i + 37])
    for query in QUERIES:
        ids = reference.get_tokens_ids([str(k) for k in query])
        expected = reference.get_scores_from_ids(ids) if ids else np.zeros(len(texts))
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6)
    assert index.scores([1, 2]).max() > 0


def test_adding_and_removing_match_an_index_built_from_the_texts_left() -> None:
    rng = np.random.default_rng(1)
    texts: list[np.ndarray] = []
    index = BM25()
    for step in range(40):
        if step % 3 == 2 and texts:
            kept = rng.random(len(texts)) > 0.3
            index.keep(kept)
            texts = [t for t, k in zip(texts, kept, strict=True) if k]
        else:
            batch = _texts(int(rng.integers(1, 30)), seed=step)
            index.add(batch)
            texts += batch
        _same(index, texts)


def test_segments_stay_few_as_texts_come_one_at_a_time() -> None:
    index = BM25()
    for text in _texts(2_000, seed=2):
        index.add([text])
    assert len(index._segments) <= 12


def test_removing_every_text_leaves_an_empty_index() -> None:
    index = BM25.of(_texts(20, seed=3))
    index.keep(np.zeros(20, dtype=bool))
    assert index.size == 0 and index.scores([1]).shape == (0,) and index.largest_key() == -1
    with pytest.raises(ValueError, match="keep mask"):
        index.keep(np.ones(3, dtype=bool))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    texts = _texts(100, seed=4)
    index = BM25()
    index.add(texts[:90])
    index.add(texts[90:])
    index.save(tmp_path / "bm25.npz")
    _same(BM25.load(tmp_path / "bm25.npz", 100), texts)
    BM25().save(tmp_path / "empty.npz")
    assert BM25.load(tmp_path / "empty.npz", 0).size == 0


def test_a_damaged_or_mismatched_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bm25.npz"
    BM25.of(_texts(50, seed=5)).save(path)
    with pytest.raises(IndexMismatchError, match="does not match"):
        BM25.load(path, 49)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IndexMismatchError, match="unreadable"):
        BM25.load(path, 50)
    with pytest.raises(IndexMismatchError, match="unreadable"):
        BM25.load(tmp_path / "missing.npz", 50)
