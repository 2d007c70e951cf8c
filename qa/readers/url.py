"""Web addresses: fetch with urllib (redirects followed, size and time limited), then read by content type."""

from __future__ import annotations

import codecs
import socket
import urllib.error
import urllib.request
from dataclasses import replace
from email.message import Message
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from ..errors import ReadError
from ..types import Article
from .html import read_html
from .pdf import read_pdf
from .plain import read_markdown, read_text
from .records import JsonFields, read_records

DEFAULT_TIMEOUT = 10.0
MAX_URL_BYTES = 20 * 1024 * 1024
USER_AGENT = "qa-articles/0.1 (+offline question answering over articles)"
_CHUNK = 64 * 1024
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_JSON_TYPES = {
    "application/json",
    "text/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/x-jsonlines",
}
_TEXT_TYPES = {"text/plain"}
_MARKDOWN_TYPES = {"text/markdown", "text/x-markdown"}
_SUFFIX_KINDS = {
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}


def read_url(
    url: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_URL_BYTES,
    json_fields: JsonFields | None = None,
) -> list[Article]:
    """The articles at a web address. Article.url is the page's canonical address, else the final URL."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ReadError(url, "is not an http(s) address; give a full URL such as https://example.com/article")
    data, final_url, content_type, charset = _fetch(url, timeout, max_bytes)
    kind = _kind(content_type, final_url, data)
    if kind is None:
        raise ReadError(url, f"has content type {content_type or '(none)'!r}, which is not HTML, PDF, JSON or text")
    if charset and kind != "pdf":
        data = _as_utf8(data, charset)
    if kind == "json":
        return list(read_records(data, url, json_fields).articles)
    reader = {"html": read_html, "pdf": read_pdf, "text": read_text, "markdown": read_markdown}[kind]
    return [replace(a, url=a.url or final_url) for a in reader(data, url)]


def _fetch(url: str, timeout: float, max_bytes: int) -> tuple[bytes, str, str, str | None]:
    """Body, final URL after redirects, media type and declared charset; every failure a ReadError."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    limit = f"{max_bytes / 1e6:g} MB"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            headers: Message = response.headers
            length = headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ReadError(url, f"is {int(length) / 1e6:.1f} MB, over the {limit} limit; save a smaller copy")
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ReadError(url, f"is larger than the {limit} limit; save a smaller copy")
                chunks.append(chunk)
            return (
                b"".join(chunks),
                response.geturl(),
                headers.get_content_type(),
                headers.get_content_charset(),
            )
    except urllib.error.HTTPError as exc:
        raise ReadError(url, f"the server answered {exc.code} {exc.reason}; check the address") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise ReadError(url, _timed_out(timeout)) from exc
        raise ReadError(url, f"could not be reached ({exc.reason}); check the address and the network") from exc
    except TimeoutError as exc:
        raise ReadError(url, _timed_out(timeout)) from exc
    except (OSError, ValueError) as exc:  # connection reset, bad redirect target, malformed response
        raise ReadError(url, f"could not be fetched ({exc}); check the address and try again") from exc


def _kind(content_type: str, final_url: str, data: bytes) -> str | None:
    """Which reader: the declared content type, else the address's suffix, else the bytes themselves."""
    if content_type in _HTML_TYPES:
        return "html"
    if content_type == "application/pdf":
        return "pdf"
    if content_type in _JSON_TYPES or content_type.endswith("+json"):
        return "json"
    if content_type in _MARKDOWN_TYPES:
        return "markdown"
    suffix = PurePosixPath(urlsplit(final_url).path).suffix.lower()
    if suffix in _SUFFIX_KINDS:
        return _SUFFIX_KINDS[suffix]
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if content_type in _TEXT_TYPES:
        return "text"
    return None


def _as_utf8(data: bytes, charset: str) -> bytes:
    """Re-encode a body in the charset the server declared, with a BOM so readers trust it over guesses."""
    try:
        codecs.lookup(charset)
        return codecs.BOM_UTF8 + data.decode(charset).lstrip("\ufeff").encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data  # a wrong declaration is common; let the reader detect the encoding


def _timed_out(timeout: float) -> str:
    return f"did not answer within {timeout:g} seconds; try again later or raise the timeout"
