"""Answer quality on labelled data: `qa eval squad FILE` and `qa eval beir DIR`, and the same from Python.

Every question is asked of the project's own KnowledgeBase in each mode; a hit is a returned passage from the
right article whose character range overlaps a gold answer (SQuAD) or a passage of a relevant document (BEIR).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from .embed import Embedder, load_embedder
from .errors import InputError
from .eval_data import BeirData, SquadArticle, load_beir, load_squad
from .progress import ProgressBar
from .readers.plain import article_id
from .types import MODES, Answer, Article, Mode

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase

T = TypeVar("T")
Split = Literal["all", "even", "odd"]
Unanswerable = Literal["heldout"]
Progress = Callable[[str, int, int], None]  # (stage, done, total), as the knowledge base reports
SQUAD_K = 10
BEIR_K = 50  # enough passages to find ten distinct documents for nDCG@10


@dataclass(frozen=True)
class Metrics:
    """One mode's scores. Rates are None where undefined (no answerable, or no unanswerable, questions)."""

    recall_at_1: float | None
    recall_at_5: float | None
    mrr_at_10: float | None
    highlight_at_1: float | None
    abstain_precision: float | None
    abstain_recall: float | None
    questions_per_second: float
    questions: int
    ndcg_at_10: float | None = None  # graded relevance only (BEIR)

    def as_dict(self) -> dict[str, float | int | None]:
        row: dict[str, float | int | None] = {
            "recall@1": _round(self.recall_at_1),
            "recall@5": _round(self.recall_at_5),
            "mrr@10": _round(self.mrr_at_10),
        }
        if self.ndcg_at_10 is not None:
            row["ndcg@10"] = _round(self.ndcg_at_10)
        row |= {
            "highlight@1": _round(self.highlight_at_1),
            "abstain_precision": _round(self.abstain_precision),
            "abstain_recall": _round(self.abstain_recall),
            "questions_per_second": round(self.questions_per_second, 1),
            "questions": self.questions,
        }
        return row


@dataclass(frozen=True)
class Case:
    """A question and what counts as finding its answer: gold spans per article id (SQuAD) or relevance grades
    per article id (BEIR). Neither means the indexed articles do not hold the answer."""

    id: str
    question: str
    spans: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    grades: Mapping[str, int] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return bool(self.spans or self.grades)


@dataclass(frozen=True)
class Judged:
    """How one answer fared against its case."""

    id: str
    answerable: bool
    abstained: bool
    first_relevant: int | None  # 1-based rank of the first relevant passage among the top ten
    highlight: bool  # the top passage's highlighted sentence holds a whole gold span
    ndcg: float | None = None


@dataclass(frozen=True)
class Run:
    """What an evaluation measured: metrics per mode, every judged question, and the cost of indexing."""

    metrics: dict[str, Metrics]
    judged: dict[str, tuple[Judged, ...]]
    index_seconds: float
    articles: int
    passages: int


# ----- judging (pure) ---------------------------------------------------------------------------------------


def judge(answer: Answer, case: Case) -> Judged:
    first = None
    for rank, hit in enumerate(answer.hits[:10], 1):
        p = hit.passage
        spans = case.spans.get(p.article_id, ())
        if any(s < p.end and p.start < e for s, e in spans) or case.grades.get(p.article_id, 0) > 0:
            first = rank
            break
    highlight = False
    if answer.hits and case.spans:
        top = answer.hits[0]
        lo, hi = top.passage.start + top.highlight[0], top.passage.start + top.highlight[1]
        highlight = any(lo <= s and e <= hi for s, e in case.spans.get(top.passage.article_id, ()))
    ndcg = ndcg_at_10([h.passage.article_id for h in answer.hits], case.grades) if case.grades else None
    return Judged(case.id, case.answerable, not answer.found, first, highlight, ndcg)


def ndcg_at_10(ranked_articles: Sequence[str], grades: Mapping[str, int]) -> float:
    """nDCG@10 over distinct documents, each placed at the rank of its first passage; linear gains."""
    seen: list[str] = []
    for a in ranked_articles:
        if a not in seen:
            seen.append(a)
    dcg = sum(grades.get(a, 0) / math.log2(i + 2) for i, a in enumerate(seen[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:10]))
    return dcg / ideal if ideal > 0 else 0.0


def summarize(ranked: Sequence[Judged], abstention: Sequence[Judged], questions: int, seconds: float) -> Metrics:
    """Recall, MRR, highlight and nDCG over the answerable questions of ``ranked``; abstention precision and
    recall from ``abstention`` (null without unanswerable questions); speed from ``seconds`` of asking."""
    answerable = [j for j in ranked if j.answerable]
    ranks = [j.first_relevant for j in answerable]

    def share(ok: Callable[[Judged], bool]) -> float | None:
        return sum(map(ok, answerable)) / len(answerable) if answerable else None

    unanswerable = sum(not j.answerable for j in abstention)
    abstained = [j for j in abstention if j.abstained]
    right = sum(not j.answerable for j in abstained)
    ndcgs = [j.ndcg for j in answerable if j.ndcg is not None]
    return Metrics(
        recall_at_1=share(lambda j: j.first_relevant == 1),
        recall_at_5=share(lambda j: j.first_relevant is not None and j.first_relevant <= 5),
        mrr_at_10=sum(1 / r for r in ranks if r is not None) / len(answerable) if answerable else None,
        highlight_at_1=share(lambda j: j.highlight) if not ndcgs else None,
        abstain_precision=(right / len(abstained) if abstained else 0.0) if unanswerable else None,
        abstain_recall=right / unanswerable if unanswerable else None,
        questions_per_second=len(ranked) / seconds if seconds > 0 else 0.0,
        questions=questions,
        ndcg_at_10=sum(ndcgs) / len(ndcgs) if ndcgs else None,
    )


# ----- running ----------------------------------------------------------------------------------------------


def evaluate_squad(
    path: str | Path,
    embedder: Embedder | None = None,
    modes: Sequence[Mode] = MODES,
    limit: int | None = None,
    seed: int = 0,
    articles: Split = "all",
    unanswerable: Unanswerable | None = None,
    progress: Progress | None = None,
) -> dict[str, Metrics]:
    """Metrics per mode on a SQuAD v1.1/v2.0 file; see ``run_squad``."""
    return run_squad(
        load_squad(path), embedder, modes, limit, seed, articles, unanswerable, progress, str(path)
    ).metrics


def evaluate_beir(
    folder: str | Path,
    embedder: Embedder | None = None,
    modes: Sequence[Mode] = MODES,
    limit: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Metrics]:
    """Metrics per mode, nDCG@10 included, on a BEIR folder; see ``run_beir``."""
    return run_beir(load_beir(folder), embedder, modes, limit, seed, progress).metrics


def run_squad(
    data: Sequence[SquadArticle],
    embedder: Embedder | None = None,
    modes: Sequence[Mode] = MODES,
    limit: int | None = None,
    seed: int = 0,
    articles: Split = "all",
    unanswerable: Unanswerable | None = None,
    progress: Progress | None = None,
    source: str = "squad",
) -> Run:
    """Index the split's articles in one knowledge base and ask (a sample of) their questions in every mode.

    ``articles`` keeps every article ("all") or those at even or odd positions in the file. With
    ``unanswerable="heldout"`` only every other article of the split is indexed at first, and every question
    is asked: the held-out half's (and SQuAD 2.0's impossible) questions must be abstained on. The held-out
    half is then added to the same index and recall is measured with all the split's articles indexed.
    """
    modes = _check_modes(modes)
    chosen = select_articles(data, articles)
    if unanswerable not in (None, "heldout"):
        raise InputError(f"unknown --unanswerable {unanswerable!r}; the only choice is 'heldout'")
    if unanswerable and len(chosen) < 2:
        raise InputError("--unanswerable heldout needs at least two articles, one to index and one to hold out")
    docs = [squad_article(a, source) for a in chosen]
    pairs = sample([(d, q) for d, a in zip(docs, chosen, strict=True) for q in a.questions], limit, seed)
    first = docs[0::2] if unanswerable else docs
    kb = _knowledge_base(embedder)
    index_seconds = _index(kb, first, progress)

    def cases(indexed: set[str]) -> list[Case]:
        return [
            Case(q.id, q.question, spans={d.id: q.answers} if d.id in indexed and not q.impossible else {})
            for d, q in pairs
        ]

    abstention = cases({d.id for d in first})
    held: dict[str, tuple[list[Judged], float]] = {}
    if unanswerable:
        held = {m: _ask_all(kb, abstention, m, SQUAD_K, progress) for m in modes}
        index_seconds += _index(kb, docs[1::2], progress)
    ranked = [c for c in cases({d.id for d in docs}) if c.answerable] if unanswerable else abstention
    metrics: dict[str, Metrics] = {}
    judged: dict[str, tuple[Judged, ...]] = {}
    for m in modes:
        results, seconds = _ask_all(kb, ranked, m, SQUAD_K, progress)
        metrics[m] = summarize(results, held[m][0] if unanswerable else results, len(pairs), seconds)
        judged[m] = tuple(results)
    return Run(metrics, judged, index_seconds, len(kb.articles), len(kb.passages))


def run_beir(
    data: BeirData,
    embedder: Embedder | None = None,
    modes: Sequence[Mode] = MODES,
    limit: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Run:
    """Index every corpus document as an article and ask (a sample of) the judged queries in every mode."""
    modes = _check_modes(modes)
    docs: dict[str, Article] = {}
    for d in data.docs:
        text = d.text if d.text.strip() else d.title
        if text.strip():
            docs[d.id] = Article(id=article_id(text), title=d.title or d.id, text=text, source=f"beir:{d.id}")
    cases = []
    for q in sample(data.queries, limit, seed):
        grades: dict[str, int] = {}
        for doc, grade in q.relevant.items():
            if doc in docs:  # byte-identical documents share one article: keep the higher grade
                grades[docs[doc].id] = max(grade, grades.get(docs[doc].id, 0))
        cases.append(Case(q.id, q.text, grades=grades))
    kb = _knowledge_base(embedder)
    index_seconds = _index(kb, list(docs.values()), progress)
    metrics: dict[str, Metrics] = {}
    judged: dict[str, tuple[Judged, ...]] = {}
    for m in modes:
        results, seconds = _ask_all(kb, cases, m, BEIR_K, progress)
        metrics[m] = summarize(results, results, len(cases), seconds)
        judged[m] = tuple(results)
    return Run(metrics, judged, index_seconds, len(kb.articles), len(kb.passages))


def select_articles(data: Sequence[SquadArticle], which: Split) -> list[SquadArticle]:
    """A fixed split by position in the file: constants tuned on one half are reported on the other."""
    if which == "all":
        return list(data)
    if which in ("even", "odd"):
        return list(data[0 if which == "even" else 1 :: 2])
    raise InputError(f"unknown article split {which!r}; choose all, even or odd")


def sample(items: Sequence[T], limit: int | None, seed: int) -> list[T]:
    """``limit`` items drawn without replacement (seeded), in their original order; all without a limit."""
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    if limit is None or limit >= len(items):
        return list(items)
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def squad_article(a: SquadArticle, source: str = "squad") -> Article:
    """A SQuAD article as the knowledge base takes it, cited as ``source#title``."""
    return Article(id=article_id(a.text), title=a.title, text=a.text, source=f"{source}#{a.title}")


def _check_modes(modes: Sequence[Mode]) -> list[Mode]:
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise InputError(f"unknown mode(s) {', '.join(bad) or '(none)'}; choose from {', '.join(MODES)}")
    return list(dict.fromkeys(modes))


def _knowledge_base(embedder: Embedder | None) -> KnowledgeBase:
    from .knowledge import KnowledgeBase

    return KnowledgeBase(embedder or load_embedder())


def _index(kb: KnowledgeBase, articles: list[Article], progress: Progress | None) -> float:
    start = time.perf_counter()
    kb.add_articles(articles, progress=progress)
    return time.perf_counter() - start


def _ask_all(
    kb: KnowledgeBase, cases: Sequence[Case], mode: Mode, k: int, progress: Progress | None
) -> tuple[list[Judged], float]:
    """Each case judged, and the seconds spent asking (judging excluded)."""
    results, seconds = [], 0.0
    for n, case in enumerate(cases, 1):
        start = time.perf_counter()
        answer = kb.ask(case.question, k=k, mode=mode)
        seconds += time.perf_counter() - start
        results.append(judge(answer, case))
        if progress:
            progress(f"{mode} questions", n, len(cases))
    return results, seconds


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ----- command line -----------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(required=True, metavar="DATASET")
    squad = sub.add_parser("squad", help="SQuAD v1.1 / v2.0 JSON (.json or .json.zip)")
    squad.add_argument("path", type=Path, metavar="FILE")
    squad.add_argument(
        "--articles",
        choices=("all", "even", "odd"),
        default="all",
        help="index all articles, or those at even or odd positions in the file (default all)",
    )
    squad.add_argument(
        "--unanswerable",
        choices=("heldout",),
        default=None,
        help="score abstention by holding out every other article: its questions are unanswerable",
    )
    beir = sub.add_parser("beir", help="a BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv")
    beir.add_argument("path", type=Path, metavar="DIR")
    for p in (squad, beir):
        p.add_argument("--json", action="store_true", help="print one JSON object of metrics per mode")
        p.add_argument("--limit", type=int, default=None, help="ask a seeded sample of N questions")
        p.add_argument("--seed", type=int, default=0, help="seed of the --limit sample (default 0)")
        p.add_argument(
            "--modes", type=_modes, default=list(MODES), help="comma-separated (default dense,lexical,hybrid)"
        )
        p.add_argument("--model", default=None, help="sentence-transformers model (default all-MiniLM-L6-v2)")
    squad.set_defaults(run=_run_squad)
    beir.set_defaults(run=_run_beir)


def _modes(value: str) -> list[Mode]:
    modes = [m.strip() for m in value.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise argparse.ArgumentTypeError(
            f"unknown mode(s) {', '.join(bad) or '(none)'}; choose from {', '.join(MODES)}"
        )
    return modes  # type: ignore[return-value]


def _run_squad(args: argparse.Namespace) -> int:
    data = load_squad(args.path)
    with ProgressBar() as bars:
        run = run_squad(
            data,
            load_embedder(args.model),
            args.modes,
            args.limit,
            args.seed,
            args.articles,
            args.unanswerable,
            bars,
            str(args.path),
        )
    return _report(run, args.json)


def _run_beir(args: argparse.Namespace) -> int:
    data = load_beir(args.path)
    with ProgressBar() as bars:
        run = run_beir(data, load_embedder(args.model), args.modes, args.limit, args.seed, bars)
    return _report(run, args.json)


def _report(run: Run, as_json: bool) -> int:
    if as_json:
        print(json.dumps({m: metrics.as_dict() for m, metrics in run.metrics.items()}, indent=2))
        return 0
    print(f"{run.articles} articles, {run.passages} passages indexed in {run.index_seconds:.1f} s")
    print(format_table(run.metrics))
    return 0


def format_table(metrics: Mapping[str, Metrics]) -> str:
    """A plain-text table, one row per mode; "-" where a metric does not apply."""
    rows = [{"mode": m, **x.as_dict()} for m, x in metrics.items()]
    keys = list(rows[0]) if rows else ["mode"]
    cells = [[_cell(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.1f}"
    return str(value)
