"""Question -> ranked passages: dense, lexical, and a hybrid that fuses both with sentence-level evidence.

Pure functions over arrays; the knowledge base hands in what it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .types import Mode

# Signals per candidate passage. Each is z-normalised over the question's candidates before fusion, so the
# weights compare like with like whatever the corpus's score scales.
FEATURES = (
    "dense",
    "dense_sentence",
    "lexical",
    "lexical_sentence",
    "article_dense",
    "article_lexical",
    "specific",
    "specific_sentence",
    "phrase",
)
HYBRID_WEIGHTS = np.array([0.516, 1.0, -0.026, 0.091, 0.098, 0.374, 0.399, 0.324, 0.083], dtype=np.float32)
CANDIDATES = 100


@dataclass(frozen=True)
class Scored:
    """Candidates for one question, best first under the chosen mode."""

    passage_ids: np.ndarray  # (n,) int64
    scores: np.ndarray  # (n,) the ranking score under the mode
    features: np.ndarray  # (n, len(FEATURES)) raw signals
    sentence_dense: np.ndarray  # by sentence row: cosine with the question (candidates' sentences only)
    sentence_lexical: np.ndarray  # by sentence row: BM25 for the question
    query: np.ndarray | None = None  # the question's vector


@dataclass(frozen=True)
class SentenceTable:
    """Every passage's sentences as rows of the (deduplicated) sentence arrays."""

    offsets: np.ndarray  # (passages + 1,) int64: passage p's rows are rows[offsets[p]:offsets[p + 1]]
    rows: np.ndarray  # (total,) int64 into sentence vectors / lexical scores

    def of(self, passage_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentence rows of these passages, flattened, and which candidate each row belongs to."""
        starts, ends = self.offsets[passage_ids], self.offsets[passage_ids + 1]
        lengths = ends - starts
        owner = np.repeat(np.arange(len(passage_ids)), lengths)
        positions = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self.rows[np.repeat(starts, lengths) + positions], owner


@dataclass(frozen=True)
class Postings:
    """Where each of the question's terms occurs: ids of the passages and sentence rows that hold it."""

    passages: list[np.ndarray]
    sentences: list[np.ndarray]
    idf: np.ndarray  # (terms,) over passages


@dataclass(frozen=True)
class Articles:
    """Which article each passage belongs to, numbered 0..n-1, and how many passages each article has."""

    of: np.ndarray  # (passages,) int64
    sizes: np.ndarray  # (articles,) int64

    @classmethod
    def number(cls, article_ids: Sequence[str]) -> Articles:
        _, of, sizes = np.unique(np.asarray(article_ids, dtype=object), return_inverse=True, return_counts=True)
        return cls(of.astype(np.int64).reshape(-1), sizes.astype(np.int64))


def zscore(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def particular(df: np.ndarray | int, size: np.ndarray | int) -> np.ndarray | float:
    """The share of a group's ``size`` texts that lack a term ``df`` of them hold, counting the one at hand as
    lacking it: 1 when only that text has the term, 1/size when every text has it."""
    return 1.0 - (df - 1) / size


def specific_match(
    candidates: np.ndarray, rows: np.ndarray, owner: np.ndarray, postings: Postings, articles: Articles
) -> tuple[np.ndarray, np.ndarray]:
    """How much of the question each candidate matches in words particular to it within its own article, and
    the same for its best sentence.

    A matched term counts its idf times the share of the article's passages that lack it (1 when only this
    passage has it): an article's topic words, found in all its passages, cannot tell its passages apart, while
    the words that only one passage shares with the question can. An article of one passage counts every term
    in full.
    """
    article = articles.of[candidates]
    size = articles.sizes[article]
    passage_score = np.zeros(len(candidates), np.float32)
    sentence_score = np.zeros(len(rows), np.float32)
    for docs, sentences, idf in zip(postings.passages, postings.sentences, postings.idf, strict=True):
        if len(docs) == 0:
            continue
        df = np.bincount(articles.of[docs], minlength=len(articles.sizes))[article]
        weight = (idf * particular(df, size)).astype(np.float32)
        # kind="table": a lookup table over the ids, linear in the posting list; sorting it would cost more
        # than the rest of the question for a common term in a large index.
        passage_score += np.where(np.isin(candidates, docs, kind="table"), weight, 0.0)
        sentence_score += np.where(np.isin(rows, sentences, kind="table"), weight[owner], 0.0)
    best_sentence = np.zeros(len(candidates), np.float32)
    np.maximum.at(best_sentence, owner, sentence_score)
    return passage_score, best_sentence


def score_candidates(
    mode: Mode,
    candidates: np.ndarray,
    dense: np.ndarray,
    lexical: np.ndarray,
    phrase: np.ndarray,
    sentence_dense: np.ndarray,
    sentence_lexical: np.ndarray,
    table: SentenceTable,
    articles: Articles,
    postings: Postings,
) -> Scored:
    """Rank candidate passages given each one's dense, lexical and phrase score and every sentence's scores.

    ``sentence_dense`` / ``sentence_lexical`` are indexed by sentence row; ``articles`` tells which candidates
    share an article, so a passage can draw on the evidence of its article's other candidates and be told
    apart from them by the words particular to it (``postings``).
    """
    rows, owner = table.of(candidates)
    s_dense = sentence_dense[rows]
    s_lex = sentence_lexical[rows]
    n = len(candidates)
    best_dense = np.full(n, -np.inf, dtype=np.float32)
    best_lex = np.full(n, -np.inf, dtype=np.float32)
    np.maximum.at(best_dense, owner, s_dense)
    np.maximum.at(best_lex, owner, s_lex)
    _, group = np.unique(articles.of[candidates], return_inverse=True)
    group = group.reshape(-1)
    article_dense = np.full(group.max() + 1, -np.inf, dtype=np.float32)
    article_lex = np.full(group.max() + 1, -np.inf, dtype=np.float32)
    np.maximum.at(article_dense, group, dense)
    np.maximum.at(article_lex, group, lexical)
    specific, specific_sentence = specific_match(candidates, rows, owner, postings, articles)
    features = np.stack(
        [
            dense,
            best_dense,
            lexical,
            best_lex,
            article_dense[group],
            article_lex[group],
            specific,
            specific_sentence,
            phrase,
        ],
        axis=1,
    ).astype(np.float32)

    if mode == "dense":
        scores = dense.astype(np.float32)
    elif mode == "lexical":
        scores = lexical.astype(np.float32) + 1e-3 * dense.astype(np.float32)  # cosine breaks BM25 ties
    else:
        z = np.stack([zscore(features[:, i]) for i in range(len(FEATURES))], axis=1)
        scores = z @ HYBRID_WEIGHTS
    order = np.argsort(-scores, kind="stable")
    return Scored(candidates[order], scores[order], features[order], sentence_dense, sentence_lexical)
