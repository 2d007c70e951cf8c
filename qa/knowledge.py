"""The knowledge base: articles, their passages, vectors and BM25 indexes, and the questions asked of them."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import store
from .answer import citation_for, make_answer, make_hits, signals
from .cache import EmbeddingCache
from .chunk import ChunkSettings, chunk_article
from .embed import BATCH, Embedder, load_embedder
from .errors import IndexMismatchError, InputError
from .growing import GrowingRows
from .highlight import best_sentence, contrastive_cosine, sentence_features
from .ingest import read_sources
from .lexical import TERMS, TermIndexes, coverage, pair_keys, tokenize
from .readers.records import JsonFields
from .search import CANDIDATES, Postings, Scored, SentenceTable, score_candidates, top_k
from .types import MODES, Answer, Article, Citation, Hit, Mode, Passage, Section, Skipped
from .vectors import PassageVectors

MAX_QUESTION_CHARS = 2_000
CACHE_FOLDER = "embed-cache"
MAX_TITLE_CONTEXT = 150  # characters of title put in front of each passage: a fraction of the window
DEFAULT_K = 5

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Changes:
    """What one ``add`` did."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    embedded: int  # texts that had to go through the model


@dataclass(frozen=True)
class SourceInfo:
    """One indexed source, as listed by ``KnowledgeBase.list_sources``."""

    source: str
    title: str
    passages: int
    date: str | None = None
    url: str | None = None


class KnowledgeBase:
    """Articles indexed for question answering. Build with ``from_paths`` or ``add``, persist with ``save``,
    reopen with ``open``; ask with ``ask`` (the best answer) or ``search`` (the top k hits)."""

    def __init__(
        self, embedder: Embedder | None = None, settings: ChunkSettings | None = None, cache_dir: Path | None = None
    ) -> None:
        self.embedder: Embedder = embedder or load_embedder()
        window = self.embedder.max_tokens
        self.settings = settings or ChunkSettings(
            max_tokens=window, target_tokens=min(ChunkSettings.target_tokens, window)
        )
        if self.settings.max_tokens > self.embedder.max_tokens:
            raise InputError(
                f"max_tokens {self.settings.max_tokens} is over the model's window of {self.embedder.max_tokens}"
            )
        self.articles: dict[str, Article] = {}
        self.sources: dict[str, list[str]] = {}  # article id -> every source with that exact text
        self.passages: list[Passage] = []
        self._sentence_store = GrowingRows(np.zeros((0, self.embedder.dimension), np.float16))
        self._sentence_rows: dict[str, int] = {}
        self._table = SentenceTable(np.zeros(1, np.int64), np.zeros(0, np.int64))
        self._vectors = PassageVectors.build(np.zeros((0, self.embedder.dimension), np.float32))
        self._term_indexes: TermIndexes | None = None  # built when first needed; see ``term_indexes``
        self.fingerprints: dict[str, str] = {}  # file -> size:mtime when it was indexed
        self.cache = EmbeddingCache(self.embedder.dimension, cache_dir / CACHE_FOLDER if cache_dir else None)

    # ----- building -------------------------------------------------------------------------------------------

    @classmethod
    def from_paths(
        cls, paths: Sequence[str | Path], model: str | None = None, progress: Progress | None = None
    ) -> KnowledgeBase:
        """Read, chunk and index every article under the given files and folders."""
        kb = cls(load_embedder(model))
        kb.add(paths, progress=progress)
        return kb

    def add(
        self,
        paths: Sequence[str | Path],
        progress: Progress | None = None,
        *,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        sync: bool = False,
        json_fields: JsonFields | None = None,
    ) -> Changes:
        """Index the articles under these paths, reading only files that changed since they were indexed.

        With ``sync``, sources under these paths that no longer exist are removed. Returns what was read,
        skipped (with reasons), left unchanged and removed.
        """
        ingested = read_sources(
            paths, include, exclude, json_fields=json_fields, is_unchanged=lambda s, f: self.fingerprints.get(s) == f
        )
        embedded = self.add_articles(ingested.articles, progress=progress)
        self.fingerprints.update(ingested.fingerprints)
        removed: list[str] = []
        if sync:
            roots = [Path(p).resolve() for p in paths if not str(p).startswith(("http://", "https://"))]
            for info in self.list_sources():
                file = Path(info.source.split("#", 1)[0])
                if not file.exists() and _under(file.resolve(), roots):
                    removed.append(info.source)
            self.remove(removed)
        return Changes(ingested.articles, ingested.skipped, ingested.unchanged, tuple(removed), embedded)

    def add_articles(self, articles: Iterable[Article], progress: Progress | None = None) -> int:
        """Index articles already read. A source whose text changed replaces its old article; byte-identical
        articles are stored once and cited with every source. Returns how many texts had to be embedded
        (passages and sentences not already in the index or the embedding cache)."""
        incoming = list(articles)
        owner = {source: aid for aid, sources in self.sources.items() for source in sources}
        changed = [a.source for a in incoming if owner.get(a.source, a.id) != a.id]
        self.remove(changed)
        fresh: list[Article] = []
        fresh_ids: set[str] = set()
        for article in incoming:
            if article.id in self.articles or article.id in fresh_ids:
                sources = self.sources.setdefault(article.id, [])
                if article.source not in sources:
                    sources.append(article.source)
                continue
            fresh.append(article)
            fresh_ids.add(article.id)
            self.sources[article.id] = [article.source]
        if not fresh:
            return 0
        new_passages: list[Passage] = []
        for article in fresh:
            self.articles[article.id] = article
            new_passages += chunk_article(
                article, self.embedder.count_tokens, self._settings_for(article), len(self.passages) + len(new_passages)
            )
        live = {self._contextual(p): p.id for p in self.passages}
        texts = [self._contextual(p) for p in new_passages]
        vectors, embedded = self._embed(texts, "passages", progress, live)
        rows, new_sentences = self._sentence_rows_for(new_passages)
        # float16, as they are kept: a float32 copy of a large batch's sentence vectors would double its memory
        sentence_vectors, embedded_sentences = self._embed(new_sentences, "sentences", progress, {}, np.float16)

        self.passages += new_passages
        self._vectors.add(vectors)
        self._sentence_store.append(sentence_vectors)
        counts = np.array([len(p.sentences) for p in new_passages], dtype=np.int64)
        offsets = np.concatenate([self._table.offsets, self._table.offsets[-1] + np.cumsum(counts)])
        self._table = SentenceTable(offsets, np.concatenate([self._table.rows, np.asarray(rows, np.int64)]))
        if self._term_indexes is not None:
            self._term_indexes.add(texts, new_sentences, [p.article_id for p in self.passages])
        return embedded + embedded_sentences

    def remove(self, sources: Iterable[str]) -> int:
        """Forget these sources; an article goes when its last source goes. Returns passages removed."""
        gone: set[str] = set()
        for source in sources:
            self.fingerprints.pop(source, None)
            for aid, srcs in self.sources.items():
                for s in [s for s in srcs if s == source or s.startswith(source + "#")]:
                    srcs.remove(s)
                if not srcs:
                    gone.add(aid)
        if not gone:
            return 0
        before = len(self.passages)
        kept = np.array([p.article_id not in gone for p in self.passages], dtype=bool)
        dropped_ids = np.flatnonzero(~kept)
        self.cache.remember(
            [self._contextual(self.passages[i]) for i in dropped_ids], self._vectors.vectors_of(dropped_ids)
        )
        texts = list(self._sentence_rows)
        dropped_rows = self._table.of(dropped_ids)[0]
        self.cache.remember(
            [texts[int(r)] for r in dropped_rows], self._sentence_vectors[dropped_rows].astype(np.float32)
        )
        for aid in gone:
            del self.articles[aid], self.sources[aid]
        keep_ids = np.flatnonzero(kept)
        flat, _ = self._table.of(keep_ids)
        counts = self._table.offsets[keep_ids + 1] - self._table.offsets[keep_ids]
        used, inverse = np.unique(flat, return_inverse=True)
        if self._term_indexes is not None:
            kept_rows = np.zeros(len(texts), dtype=bool)
            kept_rows[used] = True
            self._term_indexes.keep(kept, kept_rows, [self.passages[i].article_id for i in keep_ids])
        self._sentence_rows = {texts[int(r)]: i for i, r in enumerate(used)}
        self._sentence_store.keep(used)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._table = SentenceTable(offsets, inverse.astype(np.int64))
        first = int(dropped_ids[0])  # the passages before it keep their ids
        self.passages = self.passages[:first] + [
            replace(self.passages[old], id=new) for new, old in enumerate(keep_ids[first:].tolist(), first)
        ]
        self._vectors.remove(dropped_ids)
        return before - len(self.passages)

    def list_sources(self) -> list[SourceInfo]:
        """Every indexed source with its article's title, passage count and date."""
        counts: dict[str, int] = {}
        for p in self.passages:
            counts[p.article_id] = counts.get(p.article_id, 0) + 1
        return sorted(
            (
                SourceInfo(source=src, title=a.title, passages=counts.get(aid, 0), date=a.date, url=a.url)
                for aid, a in self.articles.items()
                for src in self.sources[aid]
            ),
            key=lambda info: info.source,
        )

    def _embed(
        self,
        texts: list[str],
        stage: str,
        progress: Progress | None,
        live: dict[str, int],
        dtype: type[np.floating[Any]] = np.float32,
    ) -> tuple[np.ndarray, int]:
        """Vectors for these texts, embedding only those found neither in the index (``live``: text -> passage
        id) nor in the cache. New vectors reach the cache batch by batch. Returns (vectors, count embedded)."""
        out = np.zeros((len(texts), self.embedder.dimension), dtype)
        missing: dict[str, list[int]] = {}
        known = [(i, live[t]) for i, t in enumerate(texts) if t in live]
        if known:
            out[[i for i, _ in known]] = self._vectors.vectors_of(np.array([p for _, p in known], np.int64))
        for i, text in enumerate(texts):
            if text in live:
                continue
            cached = self.cache.get(text)
            if cached is not None:
                out[i] = cached
            else:
                missing.setdefault(text, []).append(i)
        todo = list(missing)
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = self.embedder.encode(batch)
            self.cache.put(batch, vectors)
            for text, vector in zip(batch, vectors, strict=True):
                out[missing[text]] = vector
            if progress:
                progress(stage, start + len(batch), len(todo))
        return out, len(todo)

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

    @property
    def _sentence_vectors(self) -> np.ndarray:
        """One float16 vector per sentence row."""
        return self._sentence_store.array

    def _context(self, article: Article) -> str:
        """The article's title, when it says something the passage may not (a file name says nothing)."""
        if not self.settings.title_context or article.title == _stem(article.source):
            return ""
        return article.title[:MAX_TITLE_CONTEXT]

    def coverage(self, terms: list[str], passage: Passage) -> float:
        """The share of the question's terms found in the passage (with its title). Unweighted on purpose:
        idf collapses in a small collection (a name in every passage weighs nothing), and confidence must mean
        the same in a collection of two passages as in one of millions."""
        return coverage(terms, self._contextual(passage))

    def _contextual(self, passage: Passage) -> str:
        """What the model and BM25 see of a passage: its article's title, then its text."""
        context = self._context(self.articles[passage.article_id])
        return f"{context}\n{passage.text}" if context else passage.text

    def _settings_for(self, article: Article) -> ChunkSettings:
        """Chunk settings with room left in the model's window for the title put in front of each passage."""
        context = self._context(article)
        if not context:
            return self.settings
        room = self.embedder.count_tokens([context])[0] + 1
        return replace(
            self.settings,
            max_tokens=self.settings.max_tokens - room,
            target_tokens=max(8, min(self.settings.target_tokens, self.settings.max_tokens - room)),
        )

    @property
    def term_indexes(self) -> TermIndexes:
        """The BM25 indexes and article numbering, kept in step by ``add_articles`` and ``remove``. Built from
        the texts only when first needed: for a new collection, or one saved with terms cut another way."""
        if self._term_indexes is None:
            self._term_indexes = TermIndexes.build(
                [self._contextual(p) for p in self.passages],
                list(self._sentence_rows),
                [p.article_id for p in self.passages],
            )
        return self._term_indexes

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
            faiss_index=type(self._vectors.index).__name__,
            lexical=TERMS,
        )

        def write(folder: Path) -> None:
            store.write_jsonl(
                folder / "articles.jsonl", (_article_row(a, self.sources[a.id]) for a in self.articles.values())
            )
            store.write_jsonl(folder / "passages.jsonl", (asdict(p) for p in self.passages))
            store.write_jsonl(folder / "sentences.jsonl", ({"text": t} for t in self._sentence_rows))
            store.write_jsonl(
                folder / "fingerprints.jsonl", ({"source": s, "mark": m} for s, m in self.fingerprints.items())
            )
            self._vectors.save(folder)
            np.save(folder / "sentence_vectors.npy", self._sentence_vectors)
            np.save(folder / "sentence_offsets.npy", self._table.offsets)
            np.save(folder / "sentence_rows.npy", self._table.rows)
            self.term_indexes.save(folder / "bm25")

        folder = store.write_generation(index_dir, manifest, write)
        if self.cache.folder in (None, index_dir / CACHE_FOLDER):
            self.cache.clear()  # the saved index now holds every vector the cache had
            self.cache = EmbeddingCache(self.embedder.dimension, index_dir / CACHE_FOLDER)
        return folder

    @classmethod
    def open(cls, index_dir: str | Path, model: str | None = None, embedder: Embedder | None = None) -> KnowledgeBase:
        """Open a saved index. The model must be the one it was built with (checked by checksum)."""
        index_dir = Path(index_dir)
        folder = store.live_generation(index_dir)
        manifest = store.read_manifest(folder)
        embedder = embedder or load_embedder(model or manifest.model)
        store.read_manifest(folder, model_checksum=embedder.checksum)
        kb = cls(embedder, ChunkSettings(**manifest.chunking), cache_dir=index_dir)
        for row in store.read_jsonl(folder / "articles.jsonl"):
            sources = row.pop("sources")
            article = _article_from_row(row)
            kb.articles[article.id] = article
            kb.sources[article.id] = sources
        kb.passages = [_passage_from_row(r) for r in store.read_jsonl(folder / "passages.jsonl")]
        kb._sentence_rows = {r["text"]: i for i, r in enumerate(store.read_jsonl(folder / "sentences.jsonl"))}
        kb.fingerprints = {r["source"]: r["mark"] for r in store.read_jsonl(folder / "fingerprints.jsonl")}
        kb._vectors = PassageVectors.load(folder, manifest.passages, manifest.dimension)
        try:
            kb._sentence_store = GrowingRows(np.load(folder / "sentence_vectors.npy"))
            kb._table = SentenceTable(np.load(folder / "sentence_offsets.npy"), np.load(folder / "sentence_rows.npy"))
        except (OSError, ValueError) as exc:
            raise IndexMismatchError(f"{folder} has unreadable sentence arrays ({exc}); rebuild it") from exc
        # Saved by a version that cut texts into terms another way: left to ``term_indexes`` to rebuild.
        if manifest.lexical == TERMS:
            kb._term_indexes = TermIndexes.load(
                folder / "bm25", len(kb._sentence_rows), [p.article_id for p in kb.passages]
            )
        counts = (len(kb.articles), len(kb.passages), len(kb._sentence_rows), len(kb._sentence_vectors))
        expected = (manifest.articles, manifest.passages, manifest.sentences, manifest.sentences)
        if counts != expected or len(kb._table.offsets) != len(kb.passages) + 1:
            raise IndexMismatchError(
                f"{index_dir} is inconsistent (articles, passages, sentences, sentence vectors = {counts}, manifest"
                f" says {expected}); rebuild it with qa index"
            )
        return kb

    # ----- asking ---------------------------------------------------------------------------------------------

    def search(self, question: str, k: int = DEFAULT_K, mode: Mode = "hybrid", **filters: Any) -> list[Hit]:
        """The top k passages for the question, best first. Takes the same filters as ``ask``."""
        return list(self.ask(question, k=k, mode=mode, **filters).hits)

    def ask(
        self,
        question: str,
        k: int = DEFAULT_K,
        mode: Mode = "hybrid",
        *,
        sources: Sequence[str] | None = None,
        title: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Answer:
        """The passage that best answers the question, its highlighted sentence and citation, a confidence, and
        the runners-up. When the articles don't seem to hold the answer, ``found`` is False.

        Filters narrow the search to articles from these sources, whose title contains ``title``
        (case-insensitive), or dated within [since, until] (ISO dates, compared as text: "2024", "2024-05-01").
        """
        question = _check_question(question)
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if k < 1:
            raise InputError(f"k must be at least 1, not {k}")
        allowed = self._allowed(sources, title, since, until)
        if not self.passages or (allowed is not None and len(allowed) == 0):
            return make_answer(question, mode, (), None)
        scored, terms = self.rank(question, mode, k, allowed)
        hits = make_hits(
            scored, k, self.passages.__getitem__, self.cite, lambda p: self.highlight(question, terms, scored, p)
        )
        coverage = self.coverage(terms, hits[0].passage)
        return make_answer(question, mode, hits, signals(scored, coverage))

    def rank(
        self, question: str, mode: Mode, k: int = DEFAULT_K, allowed: np.ndarray | None = None
    ) -> tuple[Scored, list[str]]:
        """Every candidate passage for the question with its signals, best first; and the question's terms."""
        query = self.embedder.encode([question], query=True)[0]
        terms = tokenize([question])[0]
        pool = max(k, CANDIDATES)
        dense_top = self._vectors.search(query[None, :], pool, allowed)[1][0]
        bm25 = self.term_indexes
        keys = bm25.vocabulary.known(terms)
        lexical_all = bm25.passages.scores(keys)
        lexical_top = top_k(lexical_all, pool) if allowed is None else allowed[top_k(lexical_all[allowed], pool)]
        candidates = np.unique(np.concatenate([dense_top[dense_top >= 0], lexical_top]))
        dense = self._vectors.vectors_of(candidates) @ query
        rows, _ = self._table.of(candidates)
        sentence_dense = np.zeros(len(self._sentence_rows), np.float32)
        sentence_dense[rows] = self._sentence_vectors[rows].astype(np.float32) @ query
        distinct = np.array(list(dict.fromkeys(keys.tolist())), np.int64)
        postings = Postings(
            bm25.passages.postings(distinct), bm25.sentences.postings(distinct), bm25.passages.idf(distinct)
        )
        scored = score_candidates(
            mode,
            candidates,
            dense,
            lexical_all[candidates],
            bm25.phrases.scores(pair_keys(keys))[candidates],
            sentence_dense,
            bm25.sentences.scores(keys),
            self._table,
            bm25.articles,
            postings,
        )
        return replace(scored, query=query), terms

    def _allowed(
        self, sources: Sequence[str] | None, title: str | None, since: str | None, until: str | None
    ) -> np.ndarray | None:
        """Ids of the passages the filters let through, or None when nothing is filtered."""
        if not (sources or title or since or until):
            return None
        wanted = {str(s) for s in sources or ()}
        keep: set[str] = set()
        for aid, article in self.articles.items():
            if wanted and not wanted.intersection(self.sources.get(aid, [article.source])):
                continue
            if title and title.casefold() not in article.title.casefold():
                continue
            if since and not (article.date and article.date[: len(since)] >= since):
                continue
            if until and not (article.date and article.date[: len(until)] <= until):
                continue
            keep.add(aid)
        return np.array([p.id for p in self.passages if p.article_id in keep], dtype=np.int64)

    def sentence_features(self, question: str, terms: list[str], scored: Scored, passage: Passage) -> np.ndarray:
        """The signals of each of the passage's sentences for choosing the one to highlight."""
        rows = self._table.of(np.array([passage.id], np.int64))[0]
        texts = [passage.text[s:e] for s, e in passage.sentences]
        indexes = self.term_indexes
        idf = dict(zip(terms, indexes.passages.idf(indexes.vocabulary.known(terms)).tolist(), strict=True))
        vectors = self._sentence_vectors[rows].astype(np.float32)
        query = scored.query if scored.query is not None else np.zeros(vectors.shape[1], np.float32)
        return sentence_features(
            question,
            terms,
            idf,
            texts,
            scored.sentence_dense[rows],
            scored.sentence_lexical[rows],
            contrastive_cosine(vectors, query),
        )

    def highlight(self, question: str, terms: list[str], scored: Scored, passage: Passage) -> tuple[int, int]:
        """Offsets in the passage of the sentence that best answers the question."""
        if not passage.sentences:
            return 0, len(passage.text)
        texts = [passage.text[s:e] for s, e in passage.sentences]
        return passage.sentences[best_sentence(self.sentence_features(question, terms, scored, passage), texts)]

    def cite(self, passage: Passage) -> Citation:
        return citation_for(passage, self.articles[passage.article_id], self.sources.get(passage.article_id, ()))


def _stem(source: str) -> str:
    """A source's file name without its extension, as ``Path.stem`` gives it (without its cost: this runs for
    every passage whenever texts are added)."""
    return posixpath.splitext(posixpath.basename(source.split("#", 1)[0].rstrip("/")))[0]


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _check_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty; type a question, e.g. 'When was the warrant issued?'")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS:,} (ask one thing)"
        )
    return question


def _article_row(article: Article, sources: list[str]) -> dict[str, Any]:
    return {**asdict(article), "sources": sources}


def _article_from_row(row: dict[str, Any]) -> Article:
    sections = tuple(
        Section(start=s["start"], end=s["end"], path=tuple(s["path"]), page=s["page"]) for s in row.pop("sections")
    )
    return Article(**row, sections=sections)


def _passage_from_row(row: dict[str, Any]) -> Passage:
    row["sentences"] = tuple(tuple(s) for s in row["sentences"])
    row["section"] = tuple(row["section"])
    return Passage(**row)


__all__ = ["DEFAULT_K", "KnowledgeBase", "SourceInfo"]
