from __future__ import annotations

import itertools

import pytest

from qa.chunk import ChunkSettings, chunk_article, paragraphs, sentences
from qa.readers.plain import read_markdown, read_text
from qa.types import Article

from .conftest import SEED_FILE, FakeEmbedder

count = FakeEmbedder().count_tokens


def _article(text: str) -> Article:
    return Article(id="a", title="t", text=text, source="s.txt")


def test_sentences_respect_abbreviations_and_initials() -> None:
    text = 'Dr. Smith met J. R. R. Tolkien in the U.S. in 1950. He said "Hi!" Then he left. It cost 3.5 dollars.'
    got = [text[s:e] for s, e in sentences(text)]
    assert got == [
        "Dr. Smith met J. R. R. Tolkien in the U.S. in 1950.",
        'He said "Hi!"',
        "Then he left.",
        "It cost 3.5 dollars.",
    ]


def test_paragraphs_split_on_blank_lines_and_headings() -> None:
    text = "# Title\nIntro line one\nline two.\n\n\nSecond para.\n## Part\nBody."
    got = [text[s:e] for s, e in paragraphs(text)]
    assert got == ["# Title", "Intro line one\nline two.", "Second para.", "## Part", "Body."]


def test_every_passage_is_its_exact_slice_with_lines_and_paragraphs() -> None:
    article = read_text(SEED_FILE.read_bytes(), str(SEED_FILE))[0]
    passages = chunk_article(article, count, ChunkSettings(max_tokens=60, target_tokens=40))
    assert len(passages) > 3
    lines = article.text.split("\n")
    for p in passages:
        assert article.text[p.start : p.end] == p.text
        assert p.text.split("\n")[0] in lines[p.line_start - 1]
        assert p.text.split("\n")[-1] in lines[p.line_end - 1]
        assert 1 <= p.paragraph_start <= p.paragraph_end
        assert sum(count([p.text[s:e] for s, e in p.sentences])) <= 60
        for s, e in p.sentences:
            assert p.text[s:e].strip() == p.text[s:e] and e > s
    covered = "".join(article.text[p.start : p.end] for p in passages)
    assert "March 2023" in covered and "Altantuya Batdorj" in covered


def test_passages_overlap_by_a_sentence_when_cut_inside_a_paragraph() -> None:
    text = " ".join(f"Sentence number {i} has five words." for i in range(30))
    passages = chunk_article(_article(text), count, ChunkSettings(max_tokens=40, target_tokens=30))
    for a, b in itertools.pairwise(passages):
        assert b.start < a.end  # the last sentence of one passage opens the next
    assert passages[-1].end == len(text)


def test_no_passage_exceeds_the_window_even_for_a_giant_sentence() -> None:
    text = "word " * 1000 + "end."
    passages = chunk_article(_article(text), count, ChunkSettings(max_tokens=50, target_tokens=40))
    assert all(count([p.text])[0] <= 50 for p in passages)
    assert passages[0].start == 0 and passages[-1].end == len(text)


def test_markdown_sections_reach_passages() -> None:
    md = b"# Guide\n\nIntro text here.\n\n## Install\n\nRun the installer now.\n\n### Linux\n\nUse apt to install."
    article = read_markdown(md, "guide.md")[0]
    assert article.title == "Guide"
    passages = chunk_article(article, count, ChunkSettings(max_tokens=20, target_tokens=8))
    by_text = {p.text: p.section for p in passages}
    linux = next(sec for text, sec in by_text.items() if "apt" in text)
    assert linux == ("Install", "Linux")


def test_settings_reject_a_target_over_the_window() -> None:
    with pytest.raises(ValueError, match="target_tokens"):
        ChunkSettings(max_tokens=100, target_tokens=200)
