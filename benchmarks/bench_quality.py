"""Answer quality on the SQuAD v1.1 dev set, all three modes in one run, next to the published floor to beat.

    .venv/bin/python benchmarks/bench_quality.py [--limit N] [--split all|even|odd] [--data F] [--misses F]

Recall is measured with every article of the split indexed. Abstention is measured honestly first: with every
other article held out of the index, the held-out articles' questions must be abstained on (see
``qa.evaluate.run_squad``). Tune on one split (--split even) and report on the other (--split odd).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.embed import load_embedder  # noqa: E402
from qa.eval_data import SquadArticle, load_squad  # noqa: E402
from qa.evaluate import Metrics, Run, run_squad  # noqa: E402
from qa.progress import ProgressBar  # noqa: E402
from qa.types import MODES  # noqa: E402

DEFAULT_DATA = "../shared/data/squad-v1.1-dev.json.zip"
PUBLISHED = (  # data/README.md: same model, 2,000 sampled questions, each tool with its documented chunking
    ("txtai hybrid (published, 2,000-question sample)", 0.800, 0.950),
    ("bm25s (published, 2,000-question sample)", 0.777, 0.927),
)
COLUMNS = ("mode", "recall@1", "recall@5", "mrr@10", "highlight@1", "abstain P", "abstain R", "q/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="sample N questions (default: all 10,570)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("all", "even", "odd"), default="all", help="articles by file position")
    parser.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help=f"SQuAD file (default {DEFAULT_DATA})")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default one per core)")
    parser.add_argument("--misses", type=Path, default=None, help="write questions hybrid misses at rank 1 (JSONL)")
    args = parser.parse_args()
    data_path = args.data if args.data.is_absolute() else (REPO / args.data).resolve()

    started = time.perf_counter()
    data = load_squad(data_path)
    embedder = load_embedder()
    if args.threads:
        # Two processes each spinning one torch thread per core thrash: single queries slow down ~50x.
        import torch

        embedder.encode(["warm up"])  # the model loads lazily and sets its own thread count when it does
        torch.set_num_threads(args.threads)
    with ProgressBar() as bars:
        run = run_squad(data, embedder, MODES, args.limit, args.seed, args.split, "heldout", bars, str(data_path))
    total = time.perf_counter() - started

    asked = run.metrics["hybrid"].questions
    print(f"SQuAD v1.1 dev ({data_path.name}), split {args.split}, {asked:,} questions")
    print(f"(limit {args.limit}, seed {args.seed}); {run.articles} articles, {run.passages:,} passages,")
    threads = f"{args.threads} torch thread(s)" if args.threads else "default torch threads"
    print(f"indexed in {run.index_seconds:.1f} s; whole run {total:.0f} s; model {embedder.name}, {threads}\n")
    print(table(run.metrics))
    best_single = max(run.metrics["dense"].recall_at_1 or 0.0, run.metrics["lexical"].recall_at_1 or 0.0)
    hybrid = run.metrics["hybrid"].recall_at_1 or 0.0
    ratio = hybrid / best_single if best_single else float("nan")
    print(f"\nhybrid recall@1 / best single mode recall@1 = {hybrid:.3f} / {best_single:.3f} = {ratio:.3f}")
    if args.misses:
        write_misses(args.misses, data, run)
    return 0


def table(metrics: dict[str, Metrics]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for mode, m in metrics.items():
        cells = (
            m.recall_at_1,
            m.recall_at_5,
            m.mrr_at_10,
            m.highlight_at_1,
            m.abstain_precision,
            m.abstain_recall,
        )
        lines.append(f"| {mode} | " + " | ".join(_num(c) for c in cells) + f" | {m.questions_per_second:.1f} |")
    for name, r1, r5 in PUBLISHED:
        lines.append(f"| {name} | {r1:.3f} | {r5:.3f} | - | - | - | - | - |")
    return "\n".join(lines)


def write_misses(path: Path, data: Sequence[SquadArticle], run: Run) -> None:
    """Every question hybrid did not answer at rank 1, with where each mode ranked its answer."""
    questions = {q.id: (a.title, q.question) for a in data for q in a.questions}
    ranks = {m: {j.id: j.first_relevant for j in judged} for m, judged in run.judged.items()}
    with open(path, "w", encoding="utf-8") as f:
        for j in run.judged["hybrid"]:
            if j.first_relevant != 1:
                title, question = questions[j.id]
                row = {
                    "id": j.id,
                    "title": title,
                    "question": question,
                    **{m: r[j.id] for m, r in ranks.items()},
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    sys.exit(main())
