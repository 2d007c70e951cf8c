"""The knowledge base: articles, their passages, vectors and BM25 indexes, and the questions asked of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import store
from .answer import citation_for, make_answer, make_hits, margin
from .chunk import ChunkSettings, chunk_article
from .embed import Embedder, load_embedder
from .errors import InputError
from .ingest import Ingested, read_sources
from .lexical import Lexical, tokenize
from .search import CANDIDATES, SentenceTable, score_candidates, top_k
from .types import MODES, Answer, Article, Citation, Hit, Mode, Passage, Section

MAX_QUESTION_CHARS = 2_000
DEFAULT_K = 5

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class KnowledgeBase:
    """Articles indexed for question answering. Build with ``from_paths`` or ``add``, persist with ``save``,
    reopen with ``open``; ask with ``ask`` (the best answer) or ``search`` (the top k hits)."""

    def __init__(self, embedder: Embedder | None = None, settings: ChunkSettings | None = None) -> None:
        self.embedder: Embedder = embedder or load_embedder()
        self.settings = settings or ChunkSettings(max_tokens=self.embedder.max_tokens)
        if self.settings.max_tokens > self.embedder.max_tokens:
            raise InputError(
                f"max_tokens {self.settings.max_tokens} is over the model's window of {self.embedder.max_tokens}"
            )
        self.articles: dict[str, Article] = {}
        self.sources: dict[str, list[str]] = {}  # article id -> every source with that exact text
        self.passages: list[Passage] = []
        self._sentence_vectors = np.zeros((0, self.embedder.dimension), np.float16)
        self._sentence_rows: dict[str, int] = {}
        self._table = SentenceTable(np.zeros(1, np.int64), np.zeros(0, np.int64))
        self._index = store.build_vector_index(np.zeros((0, self.embedder.dimension), np.float32))
        self._lexical = Lexical.build([])
        self._sentence_lexical = Lexical.build([])

    # ----- building -------------------------------------------------------------------------------------------

    @classmethod
    def from_paths(
        cls, paths: Sequence[str | Path], model: str | None = None, progress: Progress | None = None
    ) -> KnowledgeBase:
        """Read, chunk and index every article under the given files and folders."""
        kb = cls(load_embedder(model))
        kb.add(paths, progress=progress)
        return kb

    def add(self, paths: Sequence[str | Path], progress: Progress | None = None) -> Ingested:
        """Index the articles under these paths; returns what was read and what was skipped, with reasons."""
        ingested = read_sources(paths)
        self.add_articles(ingested.articles, progress=progress)
        return ingested

    def add_articles(self, articles: Iterable[Article], progress: Progress | None = None) -> int:
        """Index articles already read; byte-identical ones are stored once and cited with every source.
        Returns the number of passages added."""
        fresh: list[Article] = []
        for article in articles:
            if article.id in self.articles or any(a.id == article.id for a in fresh):
                sources = self.sources.setdefault(article.id, [])
                if article.source not in sources:
                    sources.append(article.source)
                continue
            fresh.append(article)
            self.sources[article.id] = [article.source]
        if not fresh:
            return 0
        new_passages: list[Passage] = []
        for article in fresh:
            new_passages += chunk_article(
                article, self.embedder.count_tokens, self.settings, first_id=len(self.passages) + len(new_passages)
            )
        vectors = self._embed([p.text for p in new_passages], "passages", progress)
        rows, new_sentences = self._sentence_rows_for(new_passages)
        sentence_vectors = self._embed(new_sentences, "sentences", progress)

        for article in fresh:
            self.articles[article.id] = article
        self.passages += new_passages
        self._index = store.add_vectors(self._index, vectors)
        self._sentence_vectors = np.vstack([self._sentence_vectors, sentence_vectors.astype(np.float16)])
        counts = np.array([len(p.sentences) for p in new_passages], dtype=np.int64)
        offsets = np.concatenate([self._table.offsets, self._table.offsets[-1] + np.cumsum(counts)])
        self._table = SentenceTable(offsets, np.concatenate([self._table.rows, np.asarray(rows, np.int64)]))
        self._reindex()
        return len(new_passages)

    def _embed(self, texts: list[str], stage: str, progress: Progress | None) -> np.ndarray:
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(stage, done, len(texts))

        return self.embedder.encode(texts, progress=tick)

    def _sentence_rows_for(self, passages: list[Passage]) -> tuple[list[int], list[str]]:
        """Rows of each passage's sentences in the sentence table, reusing rows for repeated sentences."""
        rows: list[int] = []
        new: list[str] = []
        for p in passages:
            for s, e in p.sentences:
                text = p.text[s:e]
                row = self._sentence_rows.get(text)
                if row is None:
                    row = self._sentence_rows[text] = len(self._sentence_rows)
                    new.append(text)
                rows.append(row)
        return rows, new

    def _reindex(self) -> None:
        self._lexical = Lexical.build([p.text for p in self.passages])
        self._sentence_lexical = Lexical.build(list(self._sentence_rows))

    # ----- saving and opening ---------------------------------------------------------------------------------

    def save(self, index_dir: str | Path) -> Path:
        """Write the index folder; a crash mid-save leaves the previous index as it was."""
        index_dir = Path(index_dir)
        manifest = store.Manifest(
            model=self.embedder.name,
            model_checksum=self.embedder.checksum,
            dimension=self.embedder.dimension,
            chunking=asdict(self.settings),
            articles=len(self.articles),
            passages=len(self.passages),
            sentences=len(self._sentence_rows),
            faiss_index=type(self._index).__name__,
        )

        def write(folder: Path) -> None:
            store.write_jsonl(folder / "articles.jsonl", (_article_row(a, self.sources[a.id]) for a in self.articles.values()))
            store.write_jsonl(folder / "passages.jsonl", (asdict(p) for p in self.passages))
            store.write_jsonl(folder / "sentences.jsonl", ({"text": t} for t in self._sentence_rows))
            store.write_vector_index(self._index, folder)
            np.save(folder / "sentence_vectors.npy", self._sentence_vectors)
            np.save(folder / "sentence_offsets.npy", self._table.offsets)
            np.save(folder / "sentence_rows.npy", self._table.rows)
            self._lexical.save(folder / "bm25_passages")
            self._sentence_lexical.save(folder / "bm25_sentences")

        return store.write_generation(index_dir, manifest, write)

    @classmethod
    def open(cls, index_dir: str | Path, model: str | None = None, embedder: Embedder | None = None) -> KnowledgeBase:
        """Open a saved index. The model must be the one it was built with (checked by checksum)."""
        index_dir = Path(index_dir)
        folder = store.live_generation(index_dir)
        manifest = store.read_manifest(folder)
        embedder = embedder or load_embedder(model or manifest.model)
        store.read_manifest(folder, model_checksum=embedder.checksum)
        kb = cls(embedder, ChunkSettings(**manifest.chunking))
        for row in store.read_jsonl(folder / "articles.jsonl"):
            sources = row.pop("sources")
            article = _article_from_row(row)
            kb.articles[article.id] = article
            kb.sources[article.id] = sources
        kb.passages = [_passage_from_row(r) for r in store.read_jsonl(folder / "passages.jsonl")]
        kb._sentence_rows = {r["text"]: i for i, r in enumerate(store.read_jsonl(folder / "sentences.jsonl"))}
        kb._index = store.read_vector_index(folder, manifest)
        try:
            kb._sentence_vectors = np.load(folder / "sentence_vectors.npy")
            kb._table = SentenceTable(np.load(folder / "sentence_offsets.npy"), np.load(folder / "sentence_rows.npy"))
        except (OSError, ValueError) as exc:
            raise store.IndexMismatchError(f"{folder} has unreadable sentence arrays ({exc}); rebuild it") from exc
        kb._lexical = Lexical.load(folder / "bm25_passages", len(kb.passages))
        kb._sentence_lexical = Lexical.load(folder / "bm25_sentences", len(kb._sentence_rows))
        counts = (len(kb.articles), len(kb.passages), len(kb._sentence_rows), len(kb._sentence_vectors))
        expected = (manifest.articles, manifest.passages, manifest.sentences, manifest.sentences)
        if counts != expected or len(kb._table.offsets) != len(kb.passages) + 1:
            raise store.IndexMismatchError(
                f"{index_dir} is inconsistent (articles, passages, sentences, sentence vectors = {counts}, manifest"
                f" says {expected}); rebuild it with qa index"
            )
        return kb

    # ----- asking ---------------------------------------------------------------------------------------------

    def search(self, question: str, k: int = DEFAULT_K, mode: Mode = "hybrid") -> list[Hit]:
        """The top k passages for the question, best first."""
        return list(self.ask(question, k=k, mode=mode).hits)

    def ask(self, question: str, k: int = DEFAULT_K, mode: Mode = "hybrid") -> Answer:
        """The passage that best answers the question, its highlighted sentence and citation, a confidence, and
        the runners-up. When the articles don't seem to hold the answer, ``found`` is False."""
        question = _check_question(question)
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if k < 1:
            raise InputError(f"k must be at least 1, not {k}")
        if not self.passages:
            return make_answer(question, mode, (), None)
        query = self.embedder.encode([question], query=True)[0]
        terms = tokenize([question])[0]
        dense_top = store.search_vectors(self._index, query[None, :], max(k, CANDIDATES))[1][0]
        lexical_all = self._lexical.scores(terms)
        candidates = np.unique(np.concatenate([dense_top[dense_top >= 0], top_k(lexical_all, max(k, CANDIDATES))]))
        dense = store.vectors_of(self._index, candidates) @ query
        rows, _ = self._table.of(candidates)
        sentence_dense = np.zeros(len(self._sentence_rows), np.float32)
        sentence_dense[rows] = self._sentence_vectors[rows].astype(np.float32) @ query
        scored = score_candidates(
            mode,
            candidates,
            dense,
            lexical_all[candidates],
            sentence_dense,
            self._sentence_lexical.scores(terms),
            self._table,
        )
        hits = make_hits(scored, k, self.passages.__getitem__, self.cite)
        top = scored.features[0]
        signals = (float(top[1]), float(top[0]), self._lexical.coverage(terms, hits[0].passage.text), margin(scored.scores))
        return make_answer(question, mode, hits, signals)

    def cite(self, passage: Passage) -> Citation:
        return citation_for(passage, self.articles[passage.article_id], self.sources.get(passage.article_id, ()))


def _check_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty; type a question, e.g. 'When was the warrant issued?'")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS:,} (ask one thing)"
        )
    return question


def _article_row(article: Article, sources: list[str]) -> dict[str, object]:
    row = asdict(article)
    row["sources"] = sources
    return row


def _article_from_row(row: dict[str, object]) -> Article:
    sections = tuple(
        Section(start=s["start"], end=s["end"], path=tuple(s["path"]), page=s["page"])
        for s in row.pop("sections")  # type: ignore[attr-defined]
    )
    return Article(**row, sections=sections)  # type: ignore[arg-type]


def _passage_from_row(row: dict[str, object]) -> Passage:
    row["sentences"] = tuple(tuple(s) for s in row["sentences"])  # type: ignore[attr-defined]
    row["section"] = tuple(row["section"])  # type: ignore[call-overload]
    return Passage(**row)  # type: ignore[arg-type]


__all__ = ["DEFAULT_K", "KnowledgeBase"]
