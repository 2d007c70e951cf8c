"""Keeping an index in step with a folder of SQuAD's articles, against rebuilding it from scratch.

    .venv/bin/python benchmarks/bench_index.py [--data PATH]

Writes the 48 dev-set articles as text files to a temporary folder, then times `qa index` as a user runs it
(a fresh process each time, peak memory from the OS): the first full index, a re-run on the unchanged folder,
an update after editing one article, and, as the baseline, a full rebuild after the same edit.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qa.eval_data import load_squad

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "squad-v1.1-dev.json.zip"


def run_qa(*args: str) -> tuple[float, float, str]:
    """Seconds, peak resident MB of the child, and its last output line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa.cli", *args], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    last = done.stdout.strip().splitlines()[-1]
    return seconds, max(peak, before) / 1024, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-index-"))
    docs, index = work / "docs", str(work / "index")
    docs.mkdir()
    articles = load_squad(args.data)
    for i, a in enumerate(articles):
        (docs / f"{i:02d}.md").write_text(f"# {a.title}\n\n{a.text}\n", encoding="utf-8")

    rows = [("full index", *run_qa("index", str(docs), "--index", index))]
    rows.append(("re-index, nothing changed", *run_qa("index", str(docs), "--index", index)))
    edited = docs / "07.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA sentence added to one article.\n", encoding="utf-8")
    rows.append(("update after editing one article", *run_qa("index", str(docs), "--index", index)))
    rows.append(("baseline: full rebuild after that edit", *run_qa("index", str(docs), "--index", index, "--rebuild")))

    print(f"{len(articles)} SQuAD dev articles as Markdown files; each row a fresh `qa index` process")
    print("| run | seconds | vs full rebuild | peak memory so far | result |")
    print("|---|---|---|---|---|")
    rebuild = rows[-1][1]
    for name, seconds, peak, last in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / rebuild:.2f}x | {peak:.0f} MB | {last} |")


if __name__ == "__main__":
    main()
