"""The project's errors: one base class, each message naming the bad value and the fix."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(QAError, ValueError):
    """A question, path or option that cannot be used as given."""


class ReadError(QAError):
    """A file or URL that could not be read into an article (empty, binary, undecodable, too large)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IndexNotFoundError(QAError, FileNotFoundError):
    """No saved index at the given folder."""


class IndexMismatchError(QAError):
    """A saved index that was built by another model or format, or whose files disagree."""


class ModelError(QAError):
    """The embedding model could not be loaded or failed its checksum."""
