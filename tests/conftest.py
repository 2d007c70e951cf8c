"""Shared fixtures: a deterministic fake embedder for unit speed, and the real model's knowledge base over seeds/."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.chunk import ChunkSettings
from qa.knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_0f264525bb44d001.txt"


class FakeEmbedder:
    """Bag of hashed words: texts that share words get similar unit vectors. Deterministic and instant."""

    name = "fake"
    checksum = "fake-v1"
    dimension = 64
    max_tokens = 254

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def encode(self, texts: Sequence[str], *, query: bool = False, progress: object = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
                out[i, h % self.dimension] += 1.0 if h & 1 << 31 else -1.0
            norm = float(np.linalg.norm(out[i]))
            out[i] = out[i] / norm if norm else out[i]
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_kb(fake_embedder: FakeEmbedder) -> KnowledgeBase:
    """The seed article in small passages, so ranking has something to rank."""
    kb = KnowledgeBase(fake_embedder, ChunkSettings(max_tokens=fake_embedder.max_tokens, target_tokens=60))
    kb.add([SEEDS])
    return kb


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from qa.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Path:
    """A saved index over a copy of seeds/, built once per test session with the real model."""
    work = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEEDS, work / "seeds")
    kb = KnowledgeBase(real_embedder)  # type: ignore[arg-type]
    kb.add([work / "seeds"])
    kb.save(work / "index")
    return work / "index"


@pytest.fixture(scope="session")
def seed_kb(seed_index: Path, real_embedder: object) -> KnowledgeBase:
    return KnowledgeBase.open(seed_index, embedder=real_embedder)  # type: ignore[arg-type]
