"""The real offline model, a real FAISS index on disk, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.cli import main
from qa.embed import DEFAULT_MODEL_SHA256
from qa.knowledge import KnowledgeBase

from .conftest import SEED_FILE

pytestmark = pytest.mark.e2e


def test_default_model_is_the_official_weights(real_embedder: object) -> None:
    assert real_embedder.checksum == DEFAULT_MODEL_SHA256  # type: ignore[attr-defined]
    assert real_embedder.max_tokens == 254  # type: ignore[attr-defined]


def test_passages_fit_the_model_window(seed_kb: KnowledgeBase) -> None:
    counts = seed_kb.embedder.count_tokens([p.text for p in seed_kb.passages])
    assert max(counts) <= seed_kb.embedder.max_tokens
    text = SEED_FILE.read_text(encoding="utf-8")
    for p in seed_kb.passages:
        assert text[p.start : p.end] == p.text


def test_warrant_question_cites_march_2023(seed_kb: KnowledgeBase) -> None:
    answer = seed_kb.ask("When did the ICC issue its arrest warrant for Putin?")
    assert answer.found
    hit = answer.best
    assert hit is not None
    assert "March 2023" in hit.sentence
    assert Path(hit.citation.source).name == SEED_FILE.name
    assert hit.citation.lines[0] <= 11 <= hit.citation.lines[1]


def test_amnesty_question_finds_altantuya_batdorj(seed_kb: KnowledgeBase) -> None:
    hit = seed_kb.ask("Who is the executive director of Amnesty International Mongolia?").best
    assert hit is not None
    assert "Altantuya Batdorj" in hit.sentence


def test_cli_index_then_ask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "seed.txt").write_bytes(SEED_FILE.read_bytes())
    (tmp_path / "docs" / "empty.md").write_text("")
    assert main(["index", str(tmp_path / "docs"), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "1 indexed, 1 skipped:" in out and "empty.md" in out
    assert main(["ask", "When did the ICC issue its arrest warrant for Putin?", "--index", str(index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True
    assert "March 2023" in data["answer"]["highlight"]["text"]
    assert data["answer"]["citation"]["source"].endswith("seed.txt")
    assert [h["rank"] for h in data["hits"]] == list(range(1, len(data["hits"]) + 1))
    assert len(data["hits"]) >= 2
    assert main(["ask", "When did the ICC issue its arrest warrant?", "--index", str(index)]) == 0
    assert "March 2023" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "  ", "--index", "{idx}"], "question is empty"),
        (["ask", "x" * 10_000, "--index", "{idx}"], "10,000 characters"),
        (["ask", "Who?", "--index", "{missing}"], "no index at"),
        (["index", "{missing}", "--index", "{idx2}"], "no such file or folder"),
        (["index", "{empty}", "--index", "{idx2}"], "nothing to index"),
    ],
)
def test_cli_errors_are_one_line_and_nonzero(
    seed_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    names = {"idx": seed_index, "missing": tmp_path / "nope", "idx2": tmp_path / "i2", "empty": tmp_path / "empty"}
    assert main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_off_topic_question_abstains_but_shows_the_closest_passages(seed_kb: KnowledgeBase) -> None:
    answer = seed_kb.ask("Who won the 2018 FIFA World Cup?")
    assert not answer.found
    assert answer.confidence < 0.5
    assert "don't seem to contain" in answer.message
    assert answer.hits  # the closest passages are still offered


def test_on_topic_question_does_not_abstain(seed_kb: KnowledgeBase) -> None:
    answer = seed_kb.ask("When did the ICC issue its arrest warrant?")
    assert answer.found and answer.confidence >= 0.5 and answer.message == ""
