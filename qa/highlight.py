"""Which sentence of a passage answers the question: the one to highlight.

Without a reader model, the answering sentence is told apart by what it shares with the question (cosine and
BM25 of the sentence, and the question's words that no other sentence of the passage has) and by what it adds:
the kind of thing the question asks for (a date for "when", a number for "how many", a name for "who").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from .chunk import is_heading
from .lexical import tokenize
from .search import particular, zscore

AnswerType = Literal["time", "number", "name"]

# Signals per sentence, z-normalised within the passage. Weights fitted by benchmarks/tune_hybrid.py.
SENTENCE_FEATURES = (
    "dense",
    "lexical",
    "answer_type",
    "previous_dense",
    "previous_lexical",
    "anaphor",
    "contrast",
    "specific",
)
SENTENCE_WEIGHTS = np.array([-0.012, 0.065, 1.031, 0.197, 0.136, 0.163, 0.787, 1.155], dtype=np.float32)
# A sentence opening with one of these continues the one before ("It caused the most damage..."): the
# question's words may sit in the previous sentence while the answer sits in this one.
_ANAPHOR = re.compile(r"^[\"'“‘(]?(it|its|he|his|she|her|they|their|this|these|those|that|such|the latter)\b", re.I)

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion"
_QUESTION_TYPES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "time",
        re.compile(
            r"^\s*when\b|\b(what|which) (year|date|century|decade|month|day|time|period|era)\b|\bhow long ago\b", re.I
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|old|big|large|tall|high|often|fast|deep|wide)\b"
            r"|\bwhat (percentage|percent|proportion|number|amount|fraction|size|population)\b",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(r"^\s*(who|whom|whose|where)\b|\b(which|what) (person|people|company|team|country|city)\b", re.I),
    ),
)
_HAS_TYPE: dict[AnswerType, re.Pattern[str]] = {
    "time": re.compile(rf"\b(1\d{{3}}|20\d{{2}})s?\b|\b({_MONTHS})\b|\bcentur(y|ies)\b|\b\d{{1,2}}(st|nd|rd|th)\b"),
    "number": re.compile(rf"\d|\b({_NUMBER_WORDS})\b", re.I),
    "name": re.compile(r"(?<=\S\s)[A-Z][\w'’-]+"),  # a capitalised word that does not open the sentence
}


def expected_type(question: str) -> AnswerType | None:
    """The kind of answer a question asks for, when its wording says so."""
    return next((kind for kind, pattern in _QUESTION_TYPES if pattern.search(question)), None)


def sentence_features(
    question: str,
    question_terms: Sequence[str],
    idf: Mapping[str, float],
    texts: Sequence[str],
    dense: np.ndarray,
    lexical: np.ndarray,
    contrast: np.ndarray,
) -> np.ndarray:
    """Raw signals of each sentence (rows), in SENTENCE_FEATURES order. ``idf`` weighs the question's terms."""
    kind = expected_type(question)
    typed = np.array([_has_type(kind, text, question) for text in texts], dtype=np.float32)
    anaphor = np.array([bool(_ANAPHOR.match(text)) for text in texts], dtype=np.float32)
    specific = specific_sentences(question_terms, idf, [set(terms) for terms in tokenize(list(texts))])
    columns = [dense, lexical, typed, _previous(dense), _previous(lexical), anaphor, contrast, specific]
    return np.stack(columns, axis=1).astype(np.float32)


def specific_sentences(
    question_terms: Sequence[str], idf: Mapping[str, float], sentences: Sequence[set[str]]
) -> np.ndarray:
    """The question's terms each sentence holds, each weighed by its idf and by the share of the passage's
    sentences that lack it: the sentence that alone repeats the question's particular words stands out."""
    n = len(sentences)
    asked = set(question_terms)
    df = Counter(t for words in sentences for t in words & asked)
    return np.array(
        [sum(idf.get(t, 0.0) * particular(df[t], n) for t in words & asked) for words in sentences],
        dtype=np.float32,
    )


def contrastive_cosine(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine of each sentence with the question once what all the passage's sentences share (their mean, the
    passage's topic) is taken out of both: what this sentence says that its neighbours don't."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), np.float32)
    centre = vectors.mean(axis=0)
    v, q = vectors - centre, query - centre
    norms = np.linalg.norm(v, axis=1) * (np.linalg.norm(q) or 1.0)
    return np.asarray((v @ q) / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _previous(values: np.ndarray) -> np.ndarray:
    """Each sentence's predecessor's value; the first sentence gets the passage's lowest."""
    values = np.asarray(values, dtype=np.float32)
    if len(values) == 0:
        return values
    return np.concatenate([[values.min()], values[:-1]])


def best_sentence(features: np.ndarray, texts: Sequence[str] = ()) -> int:
    """The sentence to highlight: the best weighted sum of within-passage z-scores. A Markdown heading line
    among ``texts`` is a label, not an answer: it is passed over while the passage has any other sentence."""
    if len(features) == 1:
        return 0
    z = np.stack([zscore(features[:, i]) for i in range(features.shape[1])], axis=1)
    scores = z @ SENTENCE_WEIGHTS
    headings = np.array([is_heading(t) for t in texts], dtype=bool)
    if headings.any() and not headings.all():
        scores[headings] = -np.inf
    return int(np.argmax(scores))


def _has_type(kind: AnswerType | None, text: str, question: str) -> bool:
    if kind is None:
        return False
    if kind != "name":
        return bool(_HAS_TYPE[kind].search(text))
    asked = question.casefold()
    return any(m.group().casefold() not in asked for m in _HAS_TYPE["name"].finditer(text))
