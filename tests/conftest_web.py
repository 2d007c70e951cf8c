"""Helpers for the web tests: serve the app in-process on 127.0.0.1 with a free port."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.knowledge import KnowledgeBase
from qa.render import CSS
from qa.web import build_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_index(index: Path, into: Path) -> Path:
    target = into / "index"
    shutil.copytree(index, target)
    return target


@contextmanager
def serve(kb: KnowledgeBase, index_dir: Path) -> Iterator[str]:
    """The app over ``kb``, running until the block ends; yields its URL."""
    demo = build_app(kb, index_dir)
    demo.queue(default_concurrency_limit=2)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS, share=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
