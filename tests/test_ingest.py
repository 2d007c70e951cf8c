"""Files and folders -> articles: walking, include/exclude, hidden and index folders, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fpdf import FPDF

from qa.errors import InputError, ReadError
from qa.ingest import read_source, read_sources
from qa.readers.records import JsonFields

HTML = """<html><head><title>Glaciers retreat</title><link rel="canonical" href="https://ex.org/glaciers"></head>
<body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article><h1>Glaciers retreat</h1><p>Alpine glaciers lost a tenth of their volume in two summers, the survey
found. Meltwater now reaches the valleys weeks earlier than it did in the 1990s.</p></article>
<footer>Contact the newsroom</footer></body></html>"""


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder of articles in every format, with the clutter a real folder has."""
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "glaciers.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "news" / "old.txt").write_bytes("Café crème brûlée is a French dessert.\n".encode("cp1252"))
    (tmp_path / "notes.md").write_text("# Tides\n\nTides follow the moon.\n", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "fundy.pdf").write_bytes(_pdf("The Bay of Fundy has the highest tides in the world."))
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"id": "a1", "text": "Storm surge flooded the harbour road."})
        + "\n"
        + json.dumps({"title": "no text"})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_text("a hidden note that must not be read\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "README.txt").write_text("git internals that must not be read\n")
    index = tmp_path / "my-index"
    index.mkdir()
    (index / "CURRENT").write_text("v1\n")
    (index / "v1").mkdir()
    (index / "v1" / "passages.jsonl").write_text(json.dumps({"text": "a passage inside a saved index"}) + "\n")
    (index / "v1" / "notes.txt").write_text("inside a saved index\n")
    return tmp_path


def test_folder_is_walked_recursively_and_every_format_read(library: Path) -> None:
    result = read_sources([library])
    by_name = {Path(a.source.split("#")[0]).name: a for a in result.articles}
    assert set(by_name) == {"glaciers.html", "old.txt", "notes.md", "fundy.pdf", "feed.jsonl"}
    assert "About us" not in by_name["glaciers.html"].text
    assert by_name["glaciers.html"].url == "https://ex.org/glaciers"
    assert by_name["old.txt"].text.startswith("Café crème brûlée")
    assert by_name["fundy.pdf"].sections[0].page == 1
    assert by_name["feed.jsonl"].source == f"{library / 'feed.jsonl'}#a1"


def test_hidden_files_and_saved_index_folders_are_skipped(library: Path) -> None:
    texts = " ".join(a.text for a in read_sources([library]).articles)
    assert "hidden note" not in texts
    assert "git internals" not in texts
    assert "inside a saved index" not in texts and "a passage inside" not in texts


def test_one_bad_file_does_not_stop_the_others(library: Path) -> None:
    result = read_sources([library])
    reasons = {Path(s.source.split("#")[0]).name: s.reason for s in result.skipped}
    assert "damaged" in reasons["broken.pdf"] or "PDF" in reasons["broken.pdf"]
    assert "no 'text' field" in reasons["feed.jsonl"]  # the record without text, not the whole file
    assert "photo.png" not in reasons  # unknown formats in a folder are not articles, not errors
    assert len(result.articles) == 5


def test_include_and_exclude_patterns(library: Path) -> None:
    only_news = read_sources([library], include=["news/*"])
    assert sorted(Path(a.source).name for a in only_news.articles) == ["glaciers.html", "old.txt"]
    no_pdf_or_json = read_sources([library], exclude=["*.pdf", "*.jsonl"])
    names = {Path(a.source).name for a in no_pdf_or_json.articles}
    assert names == {"glaciers.html", "old.txt", "notes.md"}
    assert not no_pdf_or_json.skipped


def test_a_file_named_directly_is_read_and_unknown_types_are_explained(library: Path) -> None:
    [article] = read_sources([library / "notes.md"]).articles
    assert article.title == "Tides"
    result = read_sources([library / "photo.png"])
    assert not result.articles
    assert "unsupported file type '.png'" in result.skipped[0].reason
    with pytest.raises(ReadError, match="unsupported"):
        read_source(str(library / "photo.png"))


def test_json_fields_pass_through(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"posts": [{"body": "Kelp forests grow fast.", "headline": "Kelp", "slug": "k"}]}))
    assert not read_sources([path]).articles  # default field names find no text
    fields = JsonFields(text="body", title="headline", id="slug")
    [article] = read_sources([path], json_fields=fields).articles
    assert (article.title, article.source) == ("Kelp", f"{path}#k")
    [again] = read_source(str(path), json_fields=fields)
    assert again == article


def test_missing_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no paths"):
        read_sources([])
    with pytest.raises(InputError, match="no such file or folder"):
        read_sources([tmp_path / "nowhere"])
