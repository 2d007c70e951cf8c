"""Bytes -> text, honestly: BOMs, UTF-8, UTF-16 without a BOM, then a detected legacy encoding."""

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
_PREFERRED = "cp1252"  # the legacy encoding assumed when the bytes fit it as well as anything else
_TIE = 1.0  # percentage points of chaos / coherence within which two guesses count as equally good
_UTF16_BLOCKS = 3  # text in UTF-16 mostly stays within a few 256-character blocks...
_UTF16_SHARE = 0.9  # ...covering this share of its characters


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
    text = _legacy(data)
    if text is None:
        raise ReadError(source, "is not text in any encoding that could be detected (binary?); save it as UTF-8 text")
    if _control_share(text) > 0.01:
        raise ReadError(source, "looks like a binary file, not text; convert it to text, Markdown, HTML or PDF")
    return text


def _legacy(data: bytes) -> str | None:
    """A legacy (non-Unicode) encoding, detected by charset_normalizer, with windows-1252 winning ties.

    On short texts the detector often cannot tell code pages apart (``é`` is the same byte in cp1250 and
    cp1252, so "crème" and "crčme" look equally good) and picks one arbitrarily. windows-1252 is by far the
    most common legacy encoding, so among the guesses that fit the bytes as well as the best one, it wins.
    """
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        tied = (
            match.percent_chaos <= best.percent_chaos + _TIE
            and match.percent_coherence >= best.percent_coherence - _TIE
        )
        if tied and _PREFERRED in match.could_be_from_charset:
            try:
                return data.decode(_PREFERRED)
            except UnicodeDecodeError:
                break
    return str(best)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: the high byte of each code unit names its script block, so text
    (zero for ASCII, 0x04 for Cyrillic, 0x03 for Greek...) uses few distinct high bytes; binary does not."""
    if len(data) % 2:
        return None
    for high, encoding in ((data[1::2], "utf-16-le"), (data[0::2], "utf-16-be")):
        counts = sorted((high.count(b) for b in set(high)), reverse=True)
        if sum(counts[:_UTF16_BLOCKS]) < _UTF16_SHARE * len(high):
            continue
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
