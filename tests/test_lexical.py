from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.lexical import Lexical, phrases, tokenize

TEXTS = ["New York is a city by the sea.", "York is old; new walls stand there.", "Paris has a river."]


def test_phrases_are_neighbouring_terms() -> None:
    assert phrases(tokenize(["the New York stock exchange"])[0]) == ["new york", "york stock", "stock exchang"]
    assert phrases(["one"]) == []


def test_the_phrase_index_prefers_the_words_kept_together() -> None:
    index = Lexical.from_terms([phrases(t) for t in tokenize(TEXTS)])
    scores = index.scores(phrases(tokenize(["Where is New York?"])[0]))
    assert scores[0] > 0
    assert scores[1] == scores[2] == 0  # "york" and "new" both there, but not as "new york"


def test_postings_list_the_texts_holding_each_term() -> None:
    index = Lexical.build(TEXTS)
    new, york, river, unknown = index.postings(["new", "york", "river", "zebra"])
    assert sorted(new.tolist()) == [0, 1]
    assert sorted(york.tolist()) == [0, 1]
    assert river.tolist() == [2]
    assert unknown.tolist() == []


def test_an_index_without_a_single_term_saves_and_loads(tmp_path: Path) -> None:
    index = Lexical.from_terms([phrases(["one"]), []])
    index.save(tmp_path / "bm25")
    loaded = Lexical.load(tmp_path / "bm25", 2)
    assert loaded.size == 2
    assert np.array_equal(loaded.scores(["one two"]), np.zeros(2))
    assert [p.tolist() for p in loaded.postings(["one two"])] == [[]]


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
