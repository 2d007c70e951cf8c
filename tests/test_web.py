"""The web app's library side: escaped rendering, safe uploads, login parsing, and the named API endpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa.answer import NOT_FOUND
from qa.errors import InputError
from qa.knowledge import KnowledgeBase
from qa.render import escape, render_answer, render_citation, safe_href
from qa.serialize import answer_to_dict
from qa.service import MAX_UPLOAD_BYTES, safe_upload_name, store_upload
from qa.types import Answer, Citation, Hit, Passage
from qa.web import parse_auth

from .conftest_web import serve

EVIL = "The festival <img src=x onerror=alert(1)> is in June. <script>alert(2)</script> [x](javascript:alert(3))"
CUT = EVIL.index("June.") + 5


def evil_hit(url: str | None = None, rank: int = 1) -> Hit:
    passage = Passage(
        id=rank, article_id="a", text=EVIL, start=0, end=len(EVIL), paragraph_start=1, paragraph_end=1,
        line_start=1, line_end=1, sentences=((0, CUT), (CUT + 1, len(EVIL))),
    )  # fmt: skip
    citation = Citation(
        title="<script>alert('t')</script>", source="/tmp/x/<img src=y onerror=alert(5)>.md",
        paragraphs=(1, 1), lines=(1, 1), chars=(0, len(EVIL)), url=url, section=("<i>Sec</i>",),
    )  # fmt: skip
    return Hit(passage=passage, citation=citation, score=1.0, highlight=(0, CUT), rank=rank)


def test_answer_html_escapes_article_text_titles_and_sources() -> None:
    answer = Answer(
        question="<b>q</b>", found=True, confidence=0.9, hits=(evil_hit(), evil_hit(rank=2)),
        searched_for="<img src=x onerror=alert(4)> q",
    )  # fmt: skip
    out = render_answer(answer)
    for raw in ("<script", "<img", "<b>", "<i>", "javascript:", "]("):
        assert raw not in out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=alert&#40;1&#41;&gt;" in out
    assert "<mark>The festival &lt;img" in out
    assert "Searched for:" in out and "<details>" in out and 'value="2"' in out
    assert "confidence 90%" in out


def test_not_found_says_so_and_shows_closest_passages() -> None:
    answer = Answer(question="q", found=False, confidence=0.1, hits=(evil_hit(), evil_hit(rank=2)), message=NOT_FOUND)
    out = render_answer(answer)
    assert "seem to contain" in out and "Closest passage" in out and "<mark>" in out
    assert "Searched for" not in out


def test_links_only_for_http_urls() -> None:
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("data:text/html,hi") is None
    assert safe_href('https://ex.com/a"onmouseover="x') is None
    assert safe_href("https://example.com/a?b=1&c=2") == "https://example.com/a?b=1&amp;c=2"
    bad = render_citation(evil_hit(url="javascript:alert(1)").citation)
    assert "<a " not in bad and "&lt;img src=y" in bad
    good = render_citation(evil_hit(url="https://example.com/x").citation)
    assert '<a href="https://example.com/x"' in good and 'rel="noopener noreferrer"' in good


def test_escape_neutralises_markdown_and_keeps_paragraphs() -> None:
    assert escape("**a** `b`\n\nc\nd") == "&#42;&#42;a&#42;&#42; &#96;b&#96;<br><br>c d"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/notes.md", "notes.md"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
        ("a<b>|c?.txt", "a_b__c_.txt"),
        ("x" * 300 + ".md", "x" * 117 + ".md"),
    ],
)
def test_upload_names_are_sanitised(name: str, expected: str) -> None:
    assert safe_upload_name(name) == expected


def test_uploads_stay_inside_the_folder_and_never_overwrite(tmp_path: Path) -> None:
    src = tmp_path / "in" / "..md"
    src.parent.mkdir()
    src.write_text("hello", encoding="utf-8")
    uploads = tmp_path / "index" / "uploads"
    first = store_upload(src, uploads)
    second = store_upload(src, uploads)
    assert first.parent == uploads and second.parent == uploads and first != second
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["..md", "md", "md-1"]


def test_oversized_upload_is_refused_with_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_UPLOAD_BYTES + 1)
    with pytest.raises(InputError, match="20 MB upload limit"):
        store_upload(big, tmp_path / "uploads")
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_login_comes_from_the_option_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_AUTH", raising=False)
    assert parse_auth(None) is None
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    monkeypatch.setenv("QA_AUTH", "bob:pw")
    assert parse_auth(None) == ("bob", "pw")
    with pytest.raises(InputError, match="user:password"):
        parse_auth("nopassword")


@pytest.mark.e2e
def test_api_returns_the_same_structured_answer_as_the_library(seed_kb: KnowledgeBase, tmp_path: Path) -> None:
    from gradio_client import Client

    question = "When did the ICC issue its arrest warrant for Putin?"
    expected = json.loads(json.dumps(answer_to_dict(seed_kb.ask(question, mode="hybrid"))))
    with serve(seed_kb, tmp_path / "index") as url:
        client = Client(url, verbose=False, download_files=False)
        got = client.predict(question, "hybrid", api_name="/ask")
        lexical = client.predict(question, "lexical", api_name="/ask")
    assert got == expected
    assert got["found"] and "March 2023" in got["answer"]["highlight"]["text"]
    assert lexical["mode"] == "lexical"
    assert not os.path.exists(tmp_path / "index")  # asking never writes
