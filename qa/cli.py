"""The command line: qa index | ask | serve. Library errors become one line and a non-zero exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, QAError
from .ingest import INDEX_MARKER
from .types import MODES

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase

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

    index = sub.add_parser("index", help="index articles, reading only what changed since the last run")
    index.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or URLs of articles")
    _index_option(index)
    index.add_argument("--sync", action="store_true", help="also remove indexed files under PATH that are gone")
    index.add_argument("--rebuild", action="store_true", help="start a new index instead of updating this one")
    _reading_options(index)
    index.set_defaults(run=_index)

    add = sub.add_parser("add", help="add or update articles in an index")
    add.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or URLs of articles")
    _index_option(add)
    _reading_options(add)
    add.set_defaults(run=_index, sync=False, rebuild=False)

    remove = sub.add_parser("remove", help="remove articles (files, folders of them, or URLs) from an index")
    remove.add_argument("paths", nargs="+", metavar="PATH")
    _index_option(remove)
    remove.set_defaults(run=_remove)

    sources = sub.add_parser("sources", help="list what an index holds")
    _index_option(sources)
    sources.add_argument("--json", action="store_true", help="print as JSON")
    sources.set_defaults(run=_sources)

    ask = sub.add_parser("ask", help="answer a question from an index")
    ask.add_argument("question")
    _index_option(ask)
    ask.add_argument("--k", type=int, default=5, help="how many passages to return (default 5)")
    ask.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode (default hybrid)")
    ask.add_argument("--json", action="store_true", help="print the whole structured answer as JSON")
    ask.add_argument("--source", action="append", default=None, help="only this source (repeatable)")
    ask.add_argument("--title", help="only articles whose title contains this")
    ask.add_argument("--since", help="only articles dated on or after this (2024, 2024-05, 2024-05-01)")
    ask.add_argument("--until", help="only articles dated on or before this")
    ask.set_defaults(run=_ask)

    serve = sub.add_parser("serve", help="open the chat in the browser")
    _index_option(serve)
    serve.add_argument("--port", type=int, default=None, help="port (default 7860 or GRADIO_SERVER_PORT)")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; 0.0.0.0 for all)")
    serve.add_argument("--share", action="store_true", help="also publish a temporary public link")
    serve.add_argument("--auth", default=None, metavar="USER:PASSWORD", help="require a login (or set QA_AUTH)")
    serve.set_defaults(run=_serve)

    evaluate = sub.add_parser("eval", help="measure answer quality on a labelled data set")
    from .evaluate import add_arguments

    add_arguments(evaluate)
    return parser


def _index_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help=f"index folder (default {DEFAULT_INDEX})")


def _reading_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="sentence-transformers model name or path (default: all-MiniLM-L6-v2)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help="only files matching (repeatable)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files matching (repeatable)")
    for field in ("text", "title", "url", "date", "author", "id"):
        p.add_argument(f"--json-{field}", default=field, metavar="FIELD", help=f"JSON records' {field} field")


def _open_or_new(index: Path, model: str | None, rebuild: bool = False) -> KnowledgeBase:
    from .embed import load_embedder
    from .knowledge import KnowledgeBase

    if not rebuild and (index / INDEX_MARKER).exists():
        return KnowledgeBase.open(index, model=model)
    return KnowledgeBase(load_embedder(model), cache_dir=index)


def _index(args: argparse.Namespace) -> int:
    from .progress import ProgressBar
    from .readers.records import JsonFields

    kb = _open_or_new(args.index, args.model, args.rebuild)
    fields = JsonFields(**{f: getattr(args, f"json_{f}") for f in ("text", "title", "url", "date", "author", "id")})
    with ProgressBar() as bar:
        changes = kb.add(
            args.paths, progress=bar, include=args.include, exclude=args.exclude, sync=args.sync, json_fields=fields
        )
    if not kb.articles:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in changes.skipped) or "no readable files found"
        print(f"qa: error: nothing to index ({reasons})", file=sys.stderr)
        return 2
    if changes.articles or changes.removed or args.rebuild or not (args.index / INDEX_MARKER).exists():
        kb.save(args.index)
    line = f"{len(changes.articles)} indexed, {len(changes.skipped)} skipped"
    if changes.unchanged or changes.removed:
        line += f" ({len(changes.unchanged)} unchanged, {len(changes.removed)} removed)"
    print(line + (":" if changes.skipped else ""))
    for s in changes.skipped:
        print(f"  {s.source}: {s.reason}")
    print(
        f"{len(kb.articles)} articles, {len(kb.passages)} passages in {args.index}; {changes.embedded} texts embedded"
    )
    return 0


def _remove(args: argparse.Namespace) -> int:
    from .knowledge import KnowledgeBase

    kb = KnowledgeBase.open(args.index)
    targets = [Path(p).resolve() for p in args.paths]
    matching = [
        info.source
        for info in kb.list_sources()
        if info.source in args.paths or any(_within(info.source.split("#", 1)[0], t) for t in targets)
    ]
    if not matching:
        raise InputError(f"nothing indexed matches {', '.join(args.paths)}; see what is indexed with: qa sources")
    passages = kb.remove(matching)
    kb.save(args.index)
    print(f"removed {len(matching)} sources ({passages} passages); {len(kb.articles)} articles left")
    return 0


def _within(source: str, target: Path) -> bool:
    path = Path(source).resolve()
    return path == target or target in path.parents


def _sources(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .knowledge import KnowledgeBase

    kb = KnowledgeBase.open(args.index)
    infos = kb.list_sources()
    if args.json:
        print(json.dumps([asdict(i) for i in infos], indent=2, ensure_ascii=False))
        return 0
    for i in infos:
        print(f"{i.passages:6d}  {i.date or '':10}  {i.title[:40]:40}  {i.source}")
    print(f"{len(infos)} sources, {sum(i.passages for i in infos)} passages")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from .knowledge import KnowledgeBase
    from .serialize import answer_to_dict

    kb = KnowledgeBase.open(args.index)
    answer = kb.ask(
        args.question,
        k=args.k,
        mode=args.mode,
        sources=args.source,
        title=args.title,
        since=args.since,
        until=args.until,
    )
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

    launch(index_dir=args.index, port=args.port, host=args.host, share=args.share, auth=args.auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
