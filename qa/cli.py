"""The command line: qa index | ask | serve. Library errors become one line and a non-zero exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import QAError
from .types import MODES

DEFAULT_INDEX = Path(os.environ.get("QA_INDEX", "index/default"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa: interrupted; the saved index is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a last resort: one line, never a traceback
        print(f"qa: unexpected error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Question answering over a folder of articles, offline.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    index = sub.add_parser("index", help="read articles and build an index")
    index.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or URLs of articles")
    _index_option(index)
    index.add_argument("--model", help="sentence-transformers model name or path (default: all-MiniLM-L6-v2)")
    index.set_defaults(run=_index)

    ask = sub.add_parser("ask", help="answer a question from an index")
    ask.add_argument("question")
    _index_option(ask)
    ask.add_argument("--k", type=int, default=5, help="how many passages to return (default 5)")
    ask.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode (default hybrid)")
    ask.add_argument("--json", action="store_true", help="print the whole structured answer as JSON")
    ask.set_defaults(run=_ask)

    serve = sub.add_parser("serve", help="open the chat in the browser")
    _index_option(serve)
    serve.add_argument("--port", type=int, default=None, help="port (default 7860 or GRADIO_SERVER_PORT)")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.set_defaults(run=_serve)

    evaluate = sub.add_parser("eval", help="measure answer quality on a labelled data set")
    from .evaluate import add_arguments

    add_arguments(evaluate)
    return parser


def _index_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"index folder (default {DEFAULT_INDEX})")


def _index(args: argparse.Namespace) -> int:
    from .embed import load_embedder
    from .knowledge import KnowledgeBase
    from .progress import ProgressBar

    kb = KnowledgeBase(load_embedder(args.model))
    with ProgressBar() as bar:
        ingested = kb.add(args.paths, progress=bar)
    if not kb.articles:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in ingested.skipped) or "no readable files found"
        print(f"qa: error: nothing to index ({reasons})", file=sys.stderr)
        return 2
    kb.save(args.index)
    print(_summary(len(ingested.articles), ingested.skipped))
    print(f"{len(kb.articles)} articles, {len(kb.passages)} passages saved to {args.index}")
    return 0


def _summary(indexed: int, skipped: Sequence[object]) -> str:
    line = f"{indexed} indexed, {len(skipped)} skipped"
    if skipped:
        line += ":\n" + "\n".join(f"  {s.source}: {s.reason}" for s in skipped)  # type: ignore[attr-defined]
    return line


def _ask(args: argparse.Namespace) -> int:
    from .knowledge import KnowledgeBase
    from .serialize import answer_to_dict

    kb = KnowledgeBase.open(args.index)
    answer = kb.ask(args.question, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps(answer_to_dict(answer), indent=2, ensure_ascii=False))
        return 0
    if not answer.found:
        print(answer.message)
    for hit in answer.hits if not answer.found else answer.hits[:1]:
        print(f"\n[{hit.rank}] {hit.sentence}\n    {hit.citation}")
    if answer.found:
        print(f"    confidence {answer.confidence:.0%}")
        others = answer.hits[1:]
        if others:
            print("\nAlso relevant:")
            for hit in others:
                print(f"  [{hit.rank}] {hit.citation}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .web import launch

    launch(index_dir=args.index, port=args.port, host=args.host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
