from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexMismatchError
from qa.lexical import TermIndexes, pair_keys, tokenize

TEXTS = ["New York is a city by the sea.", "York is old; new walls stand there.", "Paris has a river."]


def _indexes(texts: list[str] = TEXTS) -> TermIndexes:
    return TermIndexes.build(texts, texts, [f"a{i}" for i in range(len(texts))])


def _keys(indexes: TermIndexes, text: str) -> np.ndarray:
    return indexes.vocabulary.known(tokenize([text])[0])


def test_the_phrase_index_prefers_the_words_kept_together() -> None:
    indexes = _indexes()
    scores = indexes.phrases.scores(pair_keys(_keys(indexes, "Where is New York?")))
    assert scores[0] > 0
    assert scores[1] == scores[2] == 0  # "york" and "new" both there, but not as "new york"


def test_postings_list_the_texts_holding_each_term() -> None:
    indexes = _indexes()
    new, york, river, unknown = indexes.passages.postings(indexes.vocabulary.known(["new", "york", "river", "zebra"]))
    assert sorted(new.tolist()) == [0, 1]
    assert sorted(york.tolist()) == [0, 1]
    assert river.tolist() == [2]
    assert unknown.tolist() == []


def test_a_term_pair_with_an_unseen_term_matches_nothing() -> None:
    ids = np.array([3, -1, 4, 5], np.int64)
    assert pair_keys(ids).tolist() == [(4 << 32) | 5]
    assert pair_keys(ids[:1]).tolist() == []


def test_indexes_kept_in_step_match_indexes_built_from_the_texts_left() -> None:
    indexes = _indexes(TEXTS[:2])
    indexes.add(TEXTS[2:], TEXTS[2:], ["a0", "a1", "a2"])
    indexes.keep(np.array([True, False, True]), np.array([True, False, True]), ["a0", "a2"])
    fresh = _indexes([TEXTS[0], TEXTS[2]])
    for question in ("New York by the sea", "Paris river", "old walls"):
        mine, theirs = _keys(indexes, question), _keys(fresh, question)
        np.testing.assert_allclose(indexes.passages.scores(mine), fresh.passages.scores(theirs), rtol=1e-6)
        np.testing.assert_allclose(indexes.phrases.scores(pair_keys(mine)), fresh.phrases.scores(pair_keys(theirs)))
        np.testing.assert_allclose(indexes.sentences.scores(mine), fresh.sentences.scores(theirs), rtol=1e-6)
    assert indexes.articles.of.tolist() == [0, 1]


def test_indexes_without_a_single_term_save_and_load(tmp_path: Path) -> None:
    _indexes(["the", ""]).save(tmp_path / "bm25")
    loaded = TermIndexes.load(tmp_path / "bm25", 2, ["a0", "a1"])
    assert loaded.passages.size == 2 and len(loaded.vocabulary) == 0
    assert np.array_equal(loaded.passages.scores(loaded.vocabulary.known(["one"])), np.zeros(2))


def test_a_vocabulary_that_lacks_indexed_terms_is_refused(tmp_path: Path) -> None:
    _indexes().save(tmp_path / "bm25")
    (tmp_path / "bm25" / "vocabulary.json").write_text('["new"]')
    with pytest.raises(IndexMismatchError, match="vocabulary lacks"):
        TermIndexes.load(tmp_path / "bm25", 3, ["a0", "a1", "a2"])
    (tmp_path / "bm25" / "vocabulary.json").write_text('["new", "yo')
    with pytest.raises(IndexMismatchError, match="unreadable"):
        TermIndexes.load(tmp_path / "bm25", 3, ["a0", "a1", "a2"])


def test_question_words_and_pronouns_are_not_terms() -> None:
    # In a two-passage index "he" or "where" would otherwise weigh as much as a rare name.
    assert tokenize(["Where did he travel after the summit?"]) == [["travel", "summit"]]


def test_terms_are_bm25s_own_with_these_stopwords_and_stemmer() -> None:
    import bm25s

    from qa.lexical import STOPWORDS, _stemmer

    texts = [
        *TEXTS,
        "",
        "Ünïcödé Straße in İstanbul: ΣΊΣΥΦΟΣ, café, naïve.",
        "It's 3.14, not 1,000; e-mail x y z don't.",
        "The Normans (Norman: Nourmands) gave their name to Normandy in the 10th and 11th centuries.",
    ]
    expected = bm25s.tokenize(
        texts, stopwords=sorted(STOPWORDS), stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    assert tokenize(texts) == [list(t) for t in expected]
