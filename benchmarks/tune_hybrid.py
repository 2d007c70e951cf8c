"""Fit the hybrid fusion weights and the confidence model on one half of SQuAD's articles; report both halves.

    .venv/bin/python benchmarks/tune_hybrid.py [--data PATH] [--cache DIR]

Every constant in qa/search.py (HYBRID_WEIGHTS), qa/highlight.py (SENTENCE_WEIGHTS) and qa/answer.py
(CONFIDENCE_*, ABSTAIN_BELOW) comes from this script:
fitted on the even-indexed articles, reported on the odd ones (a fixed split). Unanswerable questions are
built honestly: the odd half's questions asked of an index holding only the even half, and vice versa.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer import ABSTAIN_BELOW, CONFIDENCE_FEATURES, signals
from qa.chunk import ChunkSettings
from qa.embed import load_embedder
from qa.errors import QAError
from qa.eval_data import SquadArticle, load_squad
from qa.evaluate import select_articles, squad_article
from qa.highlight import SENTENCE_FEATURES, SENTENCE_WEIGHTS
from qa.knowledge import KnowledgeBase
from qa.readers.plain import article_id
from qa.search import FEATURES, Scored, zscore

ROOT = Path(__file__).resolve().parent.parent

SENTENCE_DEPTH = 10  # sentences are scored for the right passages among this many top candidates
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "squad-v1.1-dev.json.zip"


@dataclass
class Question:
    article: str  # article id
    features: np.ndarray  # (n, F) raw signals of the candidates, in FEATURES order
    labels: np.ndarray  # (n,) bool: candidate from the right article overlapping a gold span
    passage_ids: np.ndarray  # (n,) the candidates
    terms: list[str]  # the question's BM25 terms
    answerable: bool  # the question's article is in the index
    sentences: dict[int, tuple[np.ndarray, np.ndarray]]  # right passage -> its sentences' signals and labels


def open_or_build(articles: list[SquadArticle], cache: Path, name: str, settings: ChunkSettings) -> KnowledgeBase:
    embedder = load_embedder()
    folder = cache / name
    try:
        return KnowledgeBase.open(folder, embedder=embedder)
    except QAError:
        pass
    # One embedding cache shared by every configuration: sentences are embedded once for all of them.
    kb = KnowledgeBase(embedder, settings, cache_dir=cache / "shared")
    start = time.perf_counter()
    kb.add_articles([squad_article(a) for a in articles])
    print(f"indexed {name}: {len(kb.passages)} passages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    kb.save(folder)
    return kb


def collect(kb: KnowledgeBase, articles: list[SquadArticle], answerable: bool) -> list[Question]:
    out = []
    for a in articles:
        aid = article_id(a.text)
        for q in a.questions:
            scored, terms = kb.rank(q.question, "hybrid")
            passages = [kb.passages[int(p)] for p in scored.passage_ids]
            labels = np.array(
                [p.article_id == aid and any(s < p.end and p.start < e for s, e in q.answers) for p in passages]
            )
            sentences = {
                p.id: (
                    kb.sentence_features(q.question, terms, scored, p),
                    np.array(
                        [any(p.start + a <= s and e <= p.start + b for s, e in q.answers) for a, b in p.sentences]
                    ),
                )
                for p, right in zip(passages[:SENTENCE_DEPTH], labels[:SENTENCE_DEPTH], strict=True)
                if right
            }
            out.append(Question(aid, scored.features, labels, scored.passage_ids, terms, answerable, sentences))
    return out


def fused(q: Question, weights: np.ndarray) -> np.ndarray:
    return np.asarray(zscores(q.features) @ weights)


def zscores(features: np.ndarray) -> np.ndarray:
    return np.stack([zscore(features[:, i]) for i in range(features.shape[1])], axis=1)


def fit_weights(lists: list[tuple[np.ndarray, np.ndarray]], steps: int = 300, lr: float = 0.5) -> np.ndarray:
    """Listwise softmax over (raw features, labels) lists: raise the probability mass on the right items."""
    zs = [zscores(x) for x, y in lists if y.any() and len(y) > 1]
    ys = [y for x, y in lists if y.any() and len(y) > 1]
    w = np.ones(zs[0].shape[1])
    for _ in range(steps):
        grad = np.zeros_like(w)
        for z, y in zip(zs, ys, strict=True):
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            pos = p * y / max((p * y).sum(), 1e-12)
            grad += z.T @ (pos - p)
        w += lr * grad / len(zs)
    return w


def recall_at_1(questions: list[Question], weights: np.ndarray, column: int | None = None) -> float:
    hits = 0
    for q in questions:
        if column is None:
            top = int(np.argmax(fused(q, weights)))
        else:  # ties (an article-wide signal) go to the lowest passage id, not to the hybrid order
            top = int(np.lexsort((q.passage_ids, -q.features[:, column]))[0])
        hits += bool(q.labels[top])
    return hits / len(questions)


def highlight_at_1(questions: list[Question], weights: np.ndarray, sentence_weights: np.ndarray) -> float:
    """Share of questions whose top passage is right and whose chosen sentence holds a whole answer."""
    right = 0
    for q in questions:
        top = int(q.passage_ids[int(np.argmax(fused(q, weights)))])
        if top in q.sentences:
            features, labels = q.sentences[top]
            pick = 0 if len(labels) == 1 else int(np.argmax(zscores(features) @ sentence_weights))
            right += bool(labels[pick])
    return right / len(questions)


def confidence_data(
    kb: KnowledgeBase, questions: list[Question], weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each question's confidence signals under these weights, whether its top passage is right, and whether
    it was answerable at all."""
    xs, ys = [], []
    for q in questions:
        order = np.argsort(-fused(q, weights), kind="stable")
        empty = np.zeros(0, np.float32)
        scored = Scored(q.passage_ids[order], fused(q, weights)[order], q.features[order], empty, empty)
        xs.append(signals(scored, kb.coverage(q.terms, kb.passages[int(scored.passage_ids[0])])))
        ys.append(q.answerable and bool(q.labels[order[0]]))
    return np.array(xs), np.array(ys, dtype=float), np.array([q.answerable for q in questions])


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.5) -> tuple[np.ndarray, float]:
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= lr * z.T @ (p - y) / len(y)
        b -= lr * float((p - y).mean())
    return w / std, b - float((w / std) @ mean)  # back to raw signal units


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.minimum((p * bins).astype(int), bins - 1)
    return float(
        sum(
            abs(p[edges == b].mean() - y[edges == b].mean()) * (edges == b).mean()
            for b in range(bins)
            if (edges == b).any()
        )
    )


def abstention(p: np.ndarray, answerable: np.ndarray, threshold: float) -> tuple[float, float]:
    """Precision and recall of abstaining below ``threshold`` at catching the unanswerable questions."""
    abstain, unanswerable = p < threshold, ~answerable
    caught = (abstain & unanswerable).sum()
    return caught / max(abstain.sum(), 1), caught / max(unanswerable.sum(), 1)


def fit_threshold(p: np.ndarray, answerable: np.ndarray) -> float:
    """The confidence below which abstaining best catches unanswerable questions (highest F1)."""

    def f1(threshold: float) -> float:
        precision, recall = abstention(p, answerable, threshold)
        return 2 * precision * recall / max(precision + recall, 1e-12)

    return float(max(np.arange(0.05, 0.96, 0.01).round(2).tolist(), key=f1))


def report_confidence(name: str, p: np.ndarray, y: np.ndarray, answerable: np.ndarray, threshold: float) -> None:
    precision, recall = abstention(p, answerable, threshold)
    answered_right = ((p >= threshold) & answerable & (y == 1)).sum() / answerable.sum()
    ece = expected_calibration_error(p, y)
    print(f"| {name} | {ece:.3f} | {precision:.3f} | {recall:.3f} | {answered_right:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qa-tune"))
    parser.add_argument("--target-tokens", type=int, default=ChunkSettings.target_tokens)
    parser.add_argument("--overlap", type=int, default=ChunkSettings.overlap_sentences)
    parser.add_argument("--no-title-context", action="store_true")
    parser.add_argument("--no-confidence", action="store_true", help="skip fitting the confidence model")
    args = parser.parse_args()
    data = load_squad(args.data)
    even, odd = select_articles(data, "even"), select_articles(data, "odd")
    embedder_window = 254
    settings = ChunkSettings(
        max_tokens=embedder_window,
        target_tokens=args.target_tokens,
        overlap_sentences=args.overlap,
        title_context=not args.no_title_context,
    )
    name = f"all-t{settings.target_tokens}-o{args.overlap}-{'title' if settings.title_context else 'plain'}"
    full = open_or_build(data, args.cache, name, settings)
    start = time.perf_counter()
    train = collect(full, even, True)
    test = collect(full, odd, True)
    print(f"collected {len(train) + len(test)} questions in {time.perf_counter() - start:.0f}s", file=sys.stderr)

    weights = fit_weights([(q.features, q.labels) for q in train])
    print(
        "fitted HYBRID_WEIGHTS",
        np.round(weights / np.abs(weights).max(), 3).tolist(),
        dict(zip(FEATURES, weights, strict=True)),
    )
    print("| signal / fusion | recall@1 even (fit) | recall@1 odd (held out) |")
    print("|---|---|---|")
    for i, feature in enumerate(FEATURES):
        print(f"| {feature} alone | {recall_at_1(train, weights, i):.3f} | {recall_at_1(test, weights, i):.3f} |")
    ones = np.ones(len(FEATURES))
    print(f"| equal weights | {recall_at_1(train, ones):.3f} | {recall_at_1(test, ones):.3f} |")
    print(f"| fitted weights | {recall_at_1(train, weights):.3f} | {recall_at_1(test, weights):.3f} |")

    sentence_weights = fit_weights([pair for q in train for pair in q.sentences.values()])
    print("fitted SENTENCE_WEIGHTS", dict(zip(SENTENCE_FEATURES, np.round(sentence_weights, 3).tolist(), strict=True)))
    print("| highlight@1 | even (fit) | odd (held out) |")
    print("|---|---|---|")
    for label, sw in (("current SENTENCE_WEIGHTS", SENTENCE_WEIGHTS), ("fitted", sentence_weights)):
        print(f"| {label} | {highlight_at_1(train, weights, sw):.3f} | {highlight_at_1(test, weights, sw):.3f} |")

    if args.no_confidence:
        return
    # Confidence: indexes of one half only; the other half's questions are unanswerable there.
    kb_even = open_or_build(even, args.cache, name + "-even", settings)
    kb_odd = open_or_build(odd, args.cache, name + "-odd", settings)
    fit = confidence_data(kb_even, collect(kb_even, even, True) + collect(kb_even, odd, False), weights)
    held_out = confidence_data(kb_odd, collect(kb_odd, odd, True) + collect(kb_odd, even, False), weights)
    w, b = fit_logistic(fit[0], fit[1])
    print(
        "fitted CONFIDENCE_WEIGHTS",
        dict(zip(CONFIDENCE_FEATURES, np.round(w, 3).tolist(), strict=True)),
        "BIAS",
        round(b, 3),
    )
    threshold = fit_threshold(1 / (1 + np.exp(-(fit[0] @ w + b))), fit[2])
    print(f"fitted ABSTAIN_BELOW {threshold} (current {ABSTAIN_BELOW})")
    print("| confidence | ECE | abstain precision | abstain recall | answered right |")
    print("|---|---|---|---|---|")
    for label, (x, y, answerable) in (("even index (fit)", fit), ("odd index (held out)", held_out)):
        report_confidence(label, 1 / (1 + np.exp(-(x @ w + b))), y, answerable, threshold)


if __name__ == "__main__":
    main()
