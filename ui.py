"""Open the chat over the default index: ``python ui.py [--open]``. The first start builds the index from
``seeds/``. Also exposes ``demo`` (built on first access) for ``gradio ui.py``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
INDEX = Path(os.environ.get("QA_INDEX", ROOT / "index" / "default"))
SEEDS = ROOT / "seeds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chat with the articles in the default index.")
    parser.add_argument("--open", action="store_true", help="open the chat in the browser")
    parser.add_argument("--index", type=Path, default=INDEX, help=f"index folder (default {INDEX})")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860 or GRADIO_SERVER_PORT)")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--share", action="store_true", help="also publish a temporary public gradio.live link")
    parser.add_argument("--auth", default=None, help="require a login, as user:password (or set QA_AUTH)")
    args = parser.parse_args(argv)

    from qa.errors import QAError
    from qa.web import launch

    try:
        launch(
            args.index,
            args.port,
            args.host,
            share=args.share,
            auth=args.auth,
            open_browser=args.open,
            seeds=[SEEDS],
        )
    except QAError as exc:
        print(f"ui.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


def __getattr__(name: str) -> Any:
    if name == "demo":
        from qa.web import build_app, open_or_build

        return build_app(open_or_build(INDEX, [SEEDS]), INDEX)
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
