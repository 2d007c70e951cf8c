"""Speed of the core path, measured against a plain sentence-transformers + FAISS baseline in the same run.

    .venv/bin/python benchmarks/bench_core.py [--corpus seeds] [--questions 200]

Prints: time to build and save the index, cold start to first answer from the saved index (a fresh process,
as a user running `qa ask`), and the median and p95 latency of one question, for this project's hybrid
search and for the baseline (the same model encoding the question + an exact FAISS search, nothing else).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


QUESTIONS = [
    "When did the ICC issue its arrest warrant for Putin?",
    "Who is the executive director of Amnesty International Mongolia?",
    "What is Putin accused of?",
    "Where did Putin land?",
    "What did the Kremlin say about the visit?",
    "How many children does Kyiv say were deported?",
    "What does Moscow say about the children?",
    "Which country did Putin visit?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--questions", type=int, default=200, help="questions timed per system")
    args = parser.parse_args()

    import faiss
    import numpy as np

    from qa.embed import load_embedder
    from qa.knowledge import KnowledgeBase

    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    start = time.perf_counter()
    embedder = load_embedder()
    embedder.encode(["warm up"])
    model_load = time.perf_counter() - start

    start = time.perf_counter()
    kb = KnowledgeBase(embedder)
    kb.add([args.corpus])
    kb.save(work / "index")
    build = time.perf_counter() - start

    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", QUESTIONS[0], "--index", str(work / "index")],
        check=True,
        capture_output=True,
    )
    cold = time.perf_counter() - start

    asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.questions)]
    ours = []
    for q in asked:
        t = time.perf_counter()
        kb.ask(q)
        ours.append(time.perf_counter() - t)

    # The baseline: the same passages, the same model, an exact FAISS search and nothing more.
    flat = faiss.IndexFlatIP(embedder.dimension)
    flat.add(embedder.encode([p.text for p in kb.passages]))
    base = []
    for q in asked:
        t = time.perf_counter()
        flat.search(np.ascontiguousarray(embedder.encode([q], query=True)), 5)
        base.append(time.perf_counter() - t)

    print(f"corpus: {args.corpus} ({len(kb.articles)} articles, {len(kb.passages)} passages)")
    print("| measure | value |")
    print("|---|---|")
    print(f"| model load (once per process) | {model_load:.2f} s |")
    print(f"| build + save index (model loaded) | {build:.2f} s |")
    print(f"| cold start to first answer (`qa ask`, fresh process) | {cold:.2f} s |")
    print()
    print(f"| one question ({args.questions} asked) | median | p95 | median vs baseline |")
    print("|---|---|---|---|")
    ours_median, base_median = statistics.median(ours), statistics.median(base)
    print(
        f"| qa hybrid (`kb.ask`) | {ours_median * 1e3:.1f} ms | {percentile(ours, 0.95) * 1e3:.1f} ms | "
        f"{ours_median / base_median:.2f}x |"
    )
    print(
        f"| baseline: encode + FAISS flat | {base_median * 1e3:.1f} ms |"
        f" {percentile(base, 0.95) * 1e3:.1f} ms | 1.00x |"
    )


if __name__ == "__main__":
    main()
