from __future__ import annotations

import numpy as np
import pytest

from qa.highlight import specific_sentences
from qa.search import Articles, Postings, SentenceTable, specific_match


def test_articles_are_numbered_with_their_sizes() -> None:
    articles = Articles.number(["b", "a", "b", "b"])
    assert articles.of.tolist() == [1, 0, 1, 1]
    assert articles.sizes.tolist() == [1, 3]


def test_a_word_every_passage_of_the_article_has_tells_nothing_apart() -> None:
    # Article "a" has passages 0-3; "tesla" is in all of them, "pigeon" only in passage 2. Article "b" is
    # passage 4 alone, holding both words.
    articles = Articles.number(["a", "a", "a", "a", "b"])
    table = SentenceTable(np.arange(6, dtype=np.int64), np.arange(5, dtype=np.int64))  # one sentence each
    tesla, pigeon = np.array([0, 1, 2, 3, 4]), np.array([2, 4])
    postings = Postings([tesla, pigeon], [tesla, pigeon], np.array([1.0, 2.0]))
    candidates = np.array([0, 2, 4], dtype=np.int64)
    rows, owner = table.of(candidates)
    passage, sentence = specific_match(candidates, rows, owner, postings, articles)
    assert passage.tolist() == pytest.approx([0.25, 0.25 + 2.0, 1.0 + 2.0])
    assert sentence.tolist() == pytest.approx(passage.tolist())


def test_the_best_sentence_is_the_one_holding_the_particular_words() -> None:
    articles = Articles.number(["a", "a"])
    table = SentenceTable(np.array([0, 2, 4], dtype=np.int64), np.array([0, 1, 2, 3], dtype=np.int64))
    # "x" is in sentence rows 0 and 2 (passages 0 and 1); "y" only in row 3 (passage 1).
    postings = Postings([np.array([0, 1]), np.array([1])], [np.array([0, 2]), np.array([3])], np.array([1.0, 1.0]))
    candidates = np.array([0, 1], dtype=np.int64)
    rows, owner = table.of(candidates)
    passage, sentence = specific_match(candidates, rows, owner, postings, articles)
    assert passage.tolist() == pytest.approx([0.5, 0.5 + 1.0])
    assert sentence.tolist() == pytest.approx([0.5, 1.0])  # passage 1's best sentence holds "y" alone


def test_within_a_passage_the_sentence_alone_with_a_question_word_stands_out() -> None:
    sentences = [{"tesla", "born"}, {"tesla", "pigeon"}, {"tesla", "laboratori"}]
    scores = specific_sentences(["tesla", "pigeon"], {"tesla": 1.0, "pigeon": 1.0}, sentences)
    assert scores.tolist() == pytest.approx([1 / 3, 1 / 3 + 1.0, 1 / 3])
