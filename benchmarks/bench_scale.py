"""What grows with the index: search, highlight, adding an article, save and open, from 10k passages up.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000] [--questions 200]

The embedding model's cost grows with the text embedded, not with the index (bench_core and bench_index
measure it), so it is left out here: texts get vectors from a hashing embedder (instant, deterministic). What
remains is everything that grows with the index: FAISS, the three BM25 indexes, the specificity counts, the
sentence signals, the bookkeeping of an update. The build and each update (adding an article; editing one,
its old text out and the new in) are timed until the next question is answered, so no work left for later
goes uncounted. Articles are synthetic: sentences of words drawn from a Zipf vocabulary, as natural text's words
are, so BM25's posting lists have natural lengths. Each question takes six words of one sentence of the
index. Baseline in the same run: the bare FAISS search of the same vectors.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from qa.chunk import ChunkSettings
from qa.knowledge import KnowledgeBase
from qa.readers.plain import article_id
from qa.types import Article

T = TypeVar("T")
VOCABULARY = 50_000
SENTENCES_PER_ARTICLE = 40  # about five passages of 254 tokens


class HashingEmbedder:
    """A fixed random unit vector per text, picked by the text's checksum: costs nothing, means nothing."""

    name = "hashing"
    checksum = "hashing-v1"
    dimension = 384
    max_tokens = 254

    def __init__(self, pool: int = 1 << 16) -> None:
        vectors = np.random.default_rng(0).standard_normal((pool, self.dimension)).astype(np.float32)
        self._pool = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + t.count(",") for t in texts]

    def encode(self, texts: Sequence[str], *, query: bool = False, progress: object = None) -> np.ndarray:
        rows = [zlib.crc32(t.encode()) % len(self._pool) for t in texts]
        return np.asarray(self._pool[rows])


class Corpus:
    """Synthetic articles whose words follow Zipf's law over a fixed vocabulary."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        ranks = np.arange(1, VOCABULARY + 1)
        self._p = 1 / ranks / (1 / ranks).sum()
        self._words = np.array([_word(i) for i in range(VOCABULARY)])
        self.count = 0

    def article(self) -> Article:
        lengths = self._rng.integers(8, 30, SENTENCES_PER_ARTICLE)
        words = self._words[self._rng.choice(VOCABULARY, int(lengths.sum()), p=self._p)]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        sentences = [" ".join(words[a:b]).capitalize() + "." for a, b in itertools.pairwise(bounds)]
        text = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))
        self.count += 1
        return Article(id=article_id(text), title=f"Article {self.count}", text=text, source=f"a{self.count}.txt")


def _word(i: int) -> str:
    """A distinct pronounceable word for vocabulary rank i."""
    syllables = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "gu")
    out = ""
    while True:
        out += syllables[i % 10]
        i //= 10
        if i == 0:
            return out + "n"


def questions(kb: KnowledgeBase, n: int, rng: np.random.Generator) -> list[str]:
    out = []
    for pid in rng.choice(len(kb.passages), n, replace=False):
        passage = kb.passages[int(pid)]
        start, end = passage.sentences[int(rng.integers(len(passage.sentences)))]
        words = passage.text[start:end].rstrip(".").split()
        pick = sorted(rng.choice(len(words), min(6, len(words)), replace=False))
        out.append("What is " + " ".join(words[i] for i in pick) + "?")
    return out


def timed_ms(calls: Iterable[T], run: Callable[[T], object]) -> list[float]:
    """Milliseconds of ``run`` on each of ``calls``."""
    out = []
    for call in calls:
        start = time.perf_counter()
        run(call)
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(target: int, n_questions: int) -> dict[str, float]:
    corpus, embedder = Corpus(), HashingEmbedder()
    kb = KnowledgeBase(embedder, ChunkSettings(max_tokens=embedder.max_tokens))
    probe = KnowledgeBase(embedder, kb.settings)
    probe.add_articles([corpus.article() for _ in range(20)])
    articles = [corpus.article() for _ in range(round(target * 20 / len(probe.passages)))]
    start = time.perf_counter()
    kb.add_articles(articles)  # one batch, as `qa index` adds a folder
    asked = questions(kb, n_questions, np.random.default_rng(1))
    kb.ask(asked[0])
    build = time.perf_counter() - start
    start = time.perf_counter()
    kb.add_articles([corpus.article()])
    kb.ask(asked[0])
    add_one = time.perf_counter() - start
    old = next(iter(kb.articles.values()))
    text = old.text + " One more sentence."
    start = time.perf_counter()
    kb.add_articles([replace(old, id=article_id(text), text=text)])  # the same source, edited
    kb.ask(asked[0])
    edit_one = time.perf_counter() - start

    hybrid = timed_ms(asked, kb.ask)
    vectors = embedder.encode(asked, query=True)
    index = kb._vectors  # the very index the hybrid search uses
    bare = timed_ms(range(len(asked)), lambda i: index.search(vectors[i : i + 1], 5))

    with tempfile.TemporaryDirectory(prefix="qa-bench-scale-") as folder:
        start = time.perf_counter()
        kb.save(folder)
        save = time.perf_counter() - start
        start = time.perf_counter()
        KnowledgeBase.open(folder, embedder=embedder)
        opened = time.perf_counter() - start
    return {
        "passages": len(kb.passages),
        "build": build,
        "add_one": add_one,
        "edit_one": edit_one,
        "save": save,
        "open": opened,
        "median": statistics.median(hybrid),
        "p95": sorted(hybrid)[int(0.95 * len(hybrid))],
        "bare": statistics.median(bare),
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="passage counts, comma-separated, ascending")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    print(
        "| passages | build s | add one article s | edit one article s | save s | open s | question ms median |"
        " p95 | bare FAISS ms | ratio | peak memory GB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.questions)
        print(
            f"| {r['passages']:,} | {r['build']:.0f} | {r['add_one']:.1f} | {r['edit_one']:.1f} | {r['save']:.1f} |"
            f" {r['open']:.1f} |"
            f" {r['median']:.1f} | {r['p95']:.1f} | {r['bare']:.2f} | {r['median'] / r['bare']:.0f}x |"
            f" {r['peak_gb']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
