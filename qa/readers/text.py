"""Bytes -> text, honestly: BOMs, UTF-8, UTF-16 without a BOM, then a detected legacy encoding; never mangled."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from ..errors import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, source: str) -> str:
    """Decode a file's bytes to text with normalised newlines, or raise ReadError saying why it can't be."""
    if not data.strip():
        raise ReadError(source, "the file is empty; add text to it or leave it out")
    text = _decode(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ReadError(source, "the file holds no text; add text to it or leave it out")
    return text


def _decode(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReadError(source, f"starts with a {encoding} mark but is not valid {encoding}: {exc}") from exc
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            return utf16
        raise ReadError(source, "looks like a binary file, not text; convert it to text, Markdown, HTML or PDF")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is None or guess.encoding is None:
        raise ReadError(source, "is not text in any encoding that could be detected; save it as UTF-8")
    if _control_share(str(guess)) > 0.01:
        raise ReadError(source, "looks like a binary file, not text; convert it to text, Markdown, HTML or PDF")
    return str(guess)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 text without a byte-order mark has a zero in every other byte for ASCII-heavy text."""
    even_zeros = data[0::2].count(0)
    odd_zeros = data[1::2].count(0)
    half = max(len(data) // 2, 1)
    for zeros, encoding in ((odd_zeros, "utf-16-le"), (even_zeros, "utf-16-be")):
        if zeros / half > 0.3 and len(data) % 2 == 0:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _control_share(text) < 0.01:
                return text
    return None


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)
