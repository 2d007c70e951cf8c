"""Every reader on small, real-looking files made by the tests: HTML, PDF, JSON/JSONL, URLs, encodings."""

from __future__ import annotations

import codecs
import http.server
import json
import os
import random
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest
from fpdf import FPDF

from qa.errors import ReadError
from qa.readers import reader_for
from qa.readers.html import read_html
from qa.readers.pdf import read_pdf
from qa.readers.plain import article_id, read_text
from qa.readers.records import JsonFields, read_json, read_records
from qa.readers.text import decode
from qa.readers.url import read_url
from qa.types import Article, Section

# --- HTML -------------------------------------------------------------------------------------------

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Harbour bridge reopens after repairs | The Coastal Gazette</title>
<meta name="author" content="Maria Lindqvist">
<meta property="og:title" content="Harbour bridge reopens after two years of repairs">
<meta property="og:url" content="https://gazette.example.com/news/harbour-bridge-reopens">
<meta property="article:published_time" content="2024-03-14T08:30:00Z">
<link rel="canonical" href="https://gazette.example.com/news/harbour-bridge-reopens">
<script>var tracker = "SECRET_TRACKING_CODE"; function showAd() {}</script>
<style>.nav { color: red }</style>
</head>
<body>
<header><nav class="nav"><ul>
<li><a href="/">Home</a></li><li><a href="/sport">Sport news menu</a></li>
<li><a href="/weather">Weather menu</a></li>
</ul></nav></header>
<div class="ad banner">Buy cheap flights now! Advertisement</div>
<main>
<article>
<h1>Harbour bridge reopens after two years of repairs</h1>
<p>The old harbour bridge reopened to traffic on Thursday morning after two years of repairs that cost
the city 48 million euros. Engineers replaced all 212 steel cables and rebuilt the deck.</p>
<p>Mayor Anna Berg cut the ribbon at seven o'clock, and the first bus crossed a few minutes later.
Commuters from the northern districts had faced detours of up to forty minutes while the bridge
was closed.</p>
<h2>What changed</h2>
<p>The new deck is two metres wider and carries a separate cycle lane on the seaward side. The lighting
was replaced with low-energy lamps that dim automatically late at night.</p>
<p>The repairs were finished three months ahead of schedule, according to the city's transport
department, which praised the contractor for working through the winter.</p>
<h2>Traffic expected</h2>
<p>About 35,000 vehicles are expected to cross the bridge every day, roughly the same number as before
it closed for the repairs in the spring of 2022.</p>
</article>
</main>
<aside class="sidebar"><h3>Most read</h3><ul><li>Local bakery wins national prize</li>
<li>Storm warning for the weekend</li></ul></aside>
<footer><p>© 2024 The Coastal Gazette. All rights reserved. Privacy policy. Cookie settings.</p></footer>
<script>showAd(); document.write("injected script text");</script>
</body>
</html>
"""


def test_html_keeps_the_article_and_drops_the_boilerplate() -> None:
    [article] = read_html(NEWS_PAGE.encode(), "news/bridge.html")
    assert "212 steel cables" in article.text
    assert "35,000 vehicles" in article.text
    for boilerplate in (
        "Sport news menu",
        "Buy cheap flights",
        "SECRET_TRACKING_CODE",
        "injected script",
        "All rights reserved",
        "Local bakery",
        "color: red",
    ):
        assert boilerplate not in article.text, boilerplate


def test_html_metadata_becomes_article_fields() -> None:
    [article] = read_html(NEWS_PAGE.encode(), "news/bridge.html")
    assert article.title == "Harbour bridge reopens after two years of repairs"
    assert article.author == "Maria Lindqvist"
    assert article.date == "2024-03-14"
    assert article.url == "https://gazette.example.com/news/harbour-bridge-reopens"
    assert article.source == "news/bridge.html"
    assert article.id == article_id(article.text)


def test_html_paragraphs_are_separated_by_blank_lines_and_headings_are_sections() -> None:
    [article] = read_html(NEWS_PAGE.encode(), "bridge.html")
    paragraphs = article.text.strip().split("\n\n")
    assert any(p.startswith("Mayor Anna Berg") and p.endswith("bridge was closed.") for p in paragraphs)
    assert all("\n\n" not in p for p in paragraphs)
    cycle = article.text.index("separate cycle lane")
    [section] = [s for s in article.sections if s.start <= cycle < s.end]
    assert section.path == ("What changed",)
    vehicles = article.text.index("35,000 vehicles")
    assert [s.path for s in article.sections if s.start <= vehicles < s.end] == [("Traffic expected",)]


def test_html_declared_legacy_charset_is_honoured() -> None:
    page = NEWS_PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "seaward side.", "seaward side, next to the café crème stall."
    )
    [article] = read_html(page.encode("cp1252"), "bridge.html")
    assert "café crème" in article.text


def test_html_without_main_text_is_refused_with_a_reason() -> None:
    menu = (
        "<html><head><title>Menu</title><script>render()</script></head><body><nav><ul>"
        + "".join(f"<li><a href='/s{i}'>Section number {i} of the site</a></li>" for i in range(30))
        + "</ul></nav><div id='app'></div><footer>Copyright 2024 Example Corp.</footer></body></html>"
    )
    with pytest.raises(ReadError, match="no main text"):
        read_html(menu.encode(), "menu.html")


@pytest.mark.parametrize("data", [b"just words, no markup at all", b"<html></html>", b"\x00\x01\x02\xff" * 40])
def test_html_that_is_not_a_page_is_refused(data: bytes) -> None:
    with pytest.raises(ReadError) as info:
        read_html(data, "broken.html")
    assert info.value.source == "broken.html"
    assert any(word in info.value.reason for word in ("HTML", "main text", "binary"))


# --- PDF --------------------------------------------------------------------------------------------

PAGE_ONE = (
    "Tidal power in the Bay of Fundy\n"
    "The Bay of Fundy has the highest tides in the world, with a range of up to sixteen metres. "
    "Engineers have studied the bay as a source of electricity since the 1910s."
)
PAGE_TWO = (
    "A pilot turbine was installed near Parrsboro in 2009 and was damaged within weeks by the strong "
    "currents. Later designs were anchored more deeply and survived several winters."
)


def make_pdf(pages: list[str], title: str | None = None, author: str | None = None) -> bytes:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_font("Helvetica", size=12)
    for page in pages:
        pdf.add_page()
        if page:
            pdf.multi_cell(0, 8, page)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # drawing only: a page without a text layer
    return bytes(pdf.output())


def test_pdf_text_by_page_with_page_sections() -> None:
    data = make_pdf([PAGE_ONE, PAGE_TWO], title="Fundy tidal energy report", author="J. Ortega")
    [article] = read_pdf(data, "reports/fundy.pdf")
    assert article.title == "Fundy tidal energy report"
    assert article.author == "J. Ortega"
    assert len(article.sections) == 2
    one, two = article.sections
    assert (one.page, two.page) == (1, 2)
    assert article.text[two.start - 2 : two.start] == "\n\n"  # pages joined by a blank line
    turbine = article.text.index("pilot turbine")
    assert one.end <= turbine < two.end and two.start <= turbine
    assert "highest tides in the world" in article.text[one.start : one.end]
    assert "highest tides" not in article.text[two.start : two.end]


def test_pdf_title_falls_back_to_first_short_line_then_file_name() -> None:
    [article] = read_pdf(make_pdf([PAGE_ONE]), "fundy.pdf")
    assert article.title == "Tidal power in the Bay of Fundy"
    [article] = read_pdf(make_pdf([PAGE_TWO]), "reports/turbines.pdf")
    assert article.title == "turbines"


def test_pdf_page_numbers_count_pages_without_text() -> None:
    [article] = read_pdf(make_pdf(["", PAGE_TWO]), "scan-then-text.pdf")
    assert [s.page for s in article.sections] == [2]


def test_pdf_without_text_layer_says_run_ocr() -> None:
    with pytest.raises(ReadError, match=r"no text layer.*OCR"):
        read_pdf(make_pdf(["", ""]), "scanned.pdf")


def test_encrypted_pdf_is_refused() -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, PAGE_ONE)
    with pytest.raises(ReadError, match="encrypted"):
        read_pdf(bytes(pdf.output()), "locked.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\n this is not really a pdf \x00\x01", b"hello, I am text"])
def test_corrupt_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ReadError, match="PDF"):
        read_pdf(data, "broken.pdf")


# --- JSON / JSONL -----------------------------------------------------------------------------------

RECORDS = [
    {
        "id": "tides-1",
        "title": "Spring tides",
        "text": "Spring tides happen at full and new moon.",
        "url": "https://example.org/tides",
        "date": "2023-05-01",
        "author": "A. Moon",
    },
    {"title": "Neap tides", "text": "Neap tides happen at the quarter moons, when the range is smallest."},
]


def test_json_list_of_records() -> None:
    articles = read_json(json.dumps(RECORDS).encode(), "data/tides.json")
    assert [a.title for a in articles] == ["Spring tides", "Neap tides"]
    first, second = articles
    assert first.source == "data/tides.json#tides-1"
    assert second.source == "data/tides.json#2"
    assert (first.url, first.date, first.author) == ("https://example.org/tides", "2023-05-01", "A. Moon")
    assert first.text.startswith("Spring tides happen") and first.id == article_id(first.text)
    assert second.url is None


def test_json_object_holding_a_list_and_a_single_object() -> None:
    wrapped = {"generated": "2024-01-01", "count": 2, "articles": RECORDS}
    assert len(read_json(json.dumps(wrapped).encode(), "w.json")) == 2
    nested = {"data": {"items": RECORDS}}
    assert len(read_json(json.dumps(nested).encode(), "n.json")) == 2
    [single] = read_json(json.dumps(RECORDS[1]).encode(), "one.json")
    assert single.title == "Neap tides" and single.source == "one.json#1"


def test_jsonl_records_and_bad_lines_are_skipped_not_fatal() -> None:
    lines = [
        json.dumps(RECORDS[0]),
        "",
        "{not json",
        json.dumps({"title": "No text here"}),
        json.dumps(RECORDS[1]),
    ]
    result = read_records("\n".join(lines).encode(), "feed.jsonl")
    assert [a.title for a in result.articles] == ["Spring tides", "Neap tides"]
    assert result.articles[1].source == "feed.jsonl#5"  # JSON Lines records are numbered by line
    reasons = {s.source: s.reason for s in result.skipped}
    assert "line 3 is not valid JSON" in reasons["feed.jsonl#3"]
    assert "no 'text' field" in reasons["feed.jsonl#4"]


def test_custom_field_names() -> None:
    records = [
        {
            "headline": "Ebb",
            "body": {"content": "The ebb is the outgoing tide."},
            "link": "https://x.org/e",
            "published": "2022-02-02",
            "byline": ["Ann", "Bo"],
            "uid": 77,
        }
    ]
    fields = JsonFields(text="body.content", title="headline", url="link", date="published", author="byline", id="uid")
    [article] = read_records(json.dumps(records).encode(), "c.json", fields).articles
    assert article.text == "The ebb is the outgoing tide.\n"
    assert (article.title, article.url, article.date, article.author) == (
        "Ebb",
        "https://x.org/e",
        "2022-02-02",
        "Ann, Bo",
    )
    assert article.source == "c.json#77"


def test_records_without_text_are_skipped_with_reason_and_a_file_of_them_is_refused() -> None:
    mixed = [{"title": "Empty", "text": "  "}, RECORDS[1], "a bare string"]
    result = read_records(json.dumps(mixed).encode(), "m.json")
    assert [a.title for a in result.articles] == ["Neap tides"]
    assert [s.source for s in result.skipped] == ["m.json#1", "m.json#3"]
    with pytest.raises(ReadError, match=r"no usable records.*'text'"):
        read_json(json.dumps([{"title": "a"}, {"body": "b"}]).encode(), "none.json")
    with pytest.raises(ReadError, match="no records"):
        read_json(b"[]", "empty-list.json")


def test_malformed_json_names_the_position() -> None:
    bad = b'[\n  {"text": "fine"},\n  {"text": "broken" "title": "x"}\n]'
    with pytest.raises(ReadError, match=r"not valid JSON: .* line 3, column 21") as info:
        read_json(bad, "bad.json")
    assert info.value.source == "bad.json"


# --- URLs -------------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/news/bridge")
            self.end_headers()
            return
        if self.path == "/endless":  # no Content-Length: the limit must hold while streaming
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"tide " * 2000)
            return
        status, content_type, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    pdf = make_pdf([PAGE_ONE, PAGE_TWO], title="Fundy tidal energy report")
    _Handler.routes = {
        "/news/bridge": (200, "text/html; charset=utf-8", NEWS_PAGE.encode()),
        "/plain-page": (
            200,
            "text/html",
            NEWS_PAGE.replace('<link rel="canonical"', "<link rel='x'")
            .replace('property="og:url"', 'property="og:x"')
            .encode(),
        ),
        "/report": (200, "application/pdf", pdf),
        "/files/report.pdf": (200, "application/octet-stream", pdf),
        "/feed": (200, "application/json", json.dumps({"articles": RECORDS}).encode()),
        "/notes.txt": (
            200,
            "text/plain; charset=iso-8859-1",
            "Crème brûlée at the café.\n".encode("latin-1"),
        ),
        "/big": (200, "text/plain", b"x" * 5000),
        "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n" + os.urandom(64)),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_html_after_redirect_keeps_canonical_url(server: str) -> None:
    [article] = read_url(f"{server}/moved")
    assert "212 steel cables" in article.text and "Sport news menu" not in article.text
    assert article.url == "https://gazette.example.com/news/harbour-bridge-reopens"
    assert article.source == f"{server}/moved"


def test_url_without_canonical_uses_the_final_url(server: str) -> None:
    [article] = read_url(f"{server}/plain-page")
    assert article.url == f"{server}/plain-page"


def test_url_pdf_by_content_type_and_by_suffix(server: str) -> None:
    for path in ("/report", "/files/report.pdf"):
        [article] = read_url(server + path)
        assert [s.page for s in article.sections] == [1, 2]
        assert article.url == server + path
        assert article.title == "Fundy tidal energy report"


def test_url_json_and_declared_charset(server: str) -> None:
    articles = read_url(f"{server}/feed")
    assert [a.source for a in articles] == [f"{server}/feed#tides-1", f"{server}/feed#2"]
    [note] = read_url(f"{server}/notes.txt")
    assert note.text == "Crème brûlée at the café.\n"


def test_url_errors_are_read_errors_with_reasons(server: str) -> None:
    with pytest.raises(ReadError, match="404"):
        read_url(f"{server}/missing")
    with pytest.raises(ReadError, match=r"did not answer within 0.3 seconds"):
        read_url(f"{server}/slow", timeout=0.3)
    with pytest.raises(ReadError, match=r"over the 0.001 MB limit"):
        read_url(f"{server}/big", max_bytes=1000)
    with pytest.raises(ReadError, match=r"larger than the 0.1 MB limit"):
        read_url(f"{server}/endless", max_bytes=100_000)
    with pytest.raises(ReadError, match="image/png"):
        read_url(f"{server}/image")
    with pytest.raises(ReadError, match="not an http"):
        read_url("ftp://127.0.0.1/file.txt")


# --- Encodings --------------------------------------------------------------------------------------

DESSERT = "Café crème brûlée is a French dessert made in Paris since 1691.\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (DESSERT, "cp1252"),
        (DESSERT, "latin-1"),
        ("Ça va très bien à l'hôtel, merci.\n", "latin-1"),
        ("He said “hello” — and left… for £5.\n", "cp1252"),
        ("El niño comió piñata en España.\n", "cp1252"),
        ("Smørrebrød og æbleskiver på Østerbro.\n", "cp1252"),
        ("Über die Brücke gehen Größe und Maß.\n", "cp1252"),
        ("Café\n", "cp1252"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy.\n", "cp1250"),
        ("Zażółć gęślą jaźń, powiedział Łukasz w Łodzi.\n", "cp1250"),
        ("Москва - столица России, крупнейший город страны.\n", "cp1251"),
        ("Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.\n", "cp1253"),
    ],
)
def test_legacy_encodings_decode_correctly(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding), "old.txt") == text


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + DESSERT.encode("utf-8"),
        codecs.BOM_UTF16_LE + DESSERT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + DESSERT.encode("utf-16-be"),
        DESSERT.encode("utf-16-le"),
        DESSERT.encode("utf-16-be"),
        DESSERT.encode("utf-8"),
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf8"],
)
def test_unicode_encodings_decode_correctly(data: bytes) -> None:
    assert decode(data, "u.txt") == DESSERT


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_in_other_scripts(encoding: str) -> None:
    for text in ("Москва - столица России, крупнейший город страны.\n", "Η Αθήνα είναι η πρωτεύουσα.\n"):
        assert decode(text.encode(encoding), "u16.txt") == text


def test_windows_newlines_are_normalised() -> None:
    assert decode(b"one\r\ntwo\rthree\n", "n.txt") == "one\ntwo\nthree\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4, "binary"),
        (bytes(range(128, 256)) * 8, "encoding"),
        (codecs.BOM_UTF8 + b"\n \n", "no text"),
    ],
    ids=["empty", "whitespace", "png", "high-bytes", "bom-only"],
)
def test_binary_and_empty_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ReadError, match=reason) as info:
        decode(data, "odd.txt")
    assert info.value.source == "odd.txt"


def test_random_bytes_are_refused() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(ReadError):
        read_text(data, "noise.txt")


# --- Registry ---------------------------------------------------------------------------------------


def test_registry_knows_every_format() -> None:
    for suffix in (".txt", ".md", ".html", ".HTM", ".pdf", ".json", ".jsonl"):
        assert reader_for(suffix) is not None, suffix
    assert reader_for(".docx") is None
    reader = reader_for(".pdf")
    assert reader is not None
    [article] = reader(make_pdf([PAGE_ONE]), "r.pdf")
    assert isinstance(article, Article) and article.sections == (Section(0, len(article.text) - 1, page=1),)
