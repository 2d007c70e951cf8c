"""The browser chat: a Gradio app over one index folder. Display only: answers come from ``Conversation``,
sources from ``KnowledgeBase``; this module turns them into escaped HTML and wires the events.

Every piece of article text, title, source and question is escaped before it enters markup, so an article
holding ``<script>`` renders as text. Binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import gradio as gr

from .conversation import Conversation, rewritten
from .errors import InputError, QAError
from .knowledge import KnowledgeBase
from .serialize import answer_to_dict
from .types import MODES, Answer, Citation, Hit, Mode, span_label

TITLE = "Ask the articles"
INTRO = (
    "Ask a question in plain words. The answer is the passage from your articles that holds it, with the "
    "sentence highlighted and where it comes from. Runs offline; nothing leaves this computer."
)
EXAMPLES = (
    "When did the ICC issue its arrest warrant for Putin?",
    "What is Putin accused of?",
    "Where did Putin travel?",
    "What did Amnesty International say?",
)
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf", ".json", ".jsonl")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOADS = "uploads"
AUTH_ENV = "QA_AUTH"
ALL_SOURCES = ""

CSS = """
.qa-answer mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
.qa-answer blockquote { margin: .4em 0; padding: .2em .8em; border-left: 3px solid #d1d5db; }
.qa-cite, .qa-meta, .qa-searched { font-size: .9em; opacity: .85; margin: .2em 0; }
.qa-notfound { font-weight: 600; }
.qa-answer details { margin-top: .5em; }
.qa-answer details ol { padding-left: 1.4em; }
.qa-sources table { width: 100%; border-collapse: collapse; font-size: .9em; }
.qa-sources td, .qa-sources th { text-align: left; padding: .25em .4em; border-bottom: 1px solid #e5e7eb;
  overflow-wrap: anywhere; }
"""

# ----- escaping and rendering ----------------------------------------------------------------------

# Characters Markdown would act on; as numeric entities they display as themselves.
_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_[]{}()#+-!|~$<>:"}


def escape(text: str) -> str:
    """Text made inert for the chat, which renders Markdown then HTML: HTML-escaped, Markdown characters as
    entities, line breaks as spaces (a blank line becomes a paragraph break)."""
    out = html.escape(text, quote=True)
    out = "".join(_MARKDOWN.get(c, c) if c not in "&;#" else c for c in out)
    paragraphs = re.split(r"\n\s*\n", out)
    return "<br><br>".join(" ".join(p.split()) for p in paragraphs)


def safe_href(url: str | None) -> str | None:
    """The URL escaped for an attribute, or None unless it is http(s)."""
    if not url or not re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.IGNORECASE):
        return None
    return html.escape(url.strip(), quote=True)


def render_passage(hit: Hit) -> str:
    text = hit.passage.text
    start, end = hit.highlight
    return f"{escape(text[:start])} <mark>{escape(text[start:end])}</mark> {escape(text[end:])}"


def render_citation(citation: Citation) -> str:
    title = f"<strong>{escape(citation.title)}</strong>"
    if citation.section:
        title += " › " + " › ".join(escape(s) for s in citation.section)
    href = safe_href(citation.url) or safe_href(citation.source)
    shown = (citation.url or citation.source) if href else (Path(citation.source).name or citation.source)
    place = escape(shown)
    if href:
        place = f'<a href="{href}" target="_blank" rel="noopener noreferrer">{place}</a>'
    where = [f"page {citation.page}"] if citation.page is not None else []
    where += [span_label("paragraph", citation.paragraphs), span_label("line", citation.lines)]
    also = ", ".join(escape(Path(s).name or s) for s in citation.also_in)
    also = f" (also in {also})" if also else ""
    return f"{title} — {place}, {', '.join(where)}{also}"


def render_answer(answer: Answer) -> str:
    """One chat reply: the best passage with its sentence marked, its citation, the confidence, and the other
    passages (numbered by rank) behind a <details>."""
    parts = ['<div class="qa-answer">']
    if rewritten(answer):
        parts.append(f'<p class="qa-searched">Searched for: <em>{escape(answer.searched_for)}</em></p>')
    if not answer.found:
        parts.append(f'<p class="qa-notfound">{escape(answer.message or "No answer found.")}</p>')
    best = answer.best
    if best is None:
        parts.append("<p>There are no articles in the index yet; add some under Sources.</p></div>")
        return "".join(parts)
    label = "Best passage" if answer.found else "Closest passage"
    parts.append(f'<p class="qa-meta">[{best.rank}] {label} · confidence {answer.confidence:.0%}</p>')
    parts.append(f"<blockquote>{render_passage(best)}</blockquote>")
    parts.append(f'<p class="qa-cite">{render_citation(best.citation)}</p>')
    others = answer.hits[1:]
    if others:
        noun = "supporting" if answer.found else "close"
        items = "".join(
            f'<li value="{h.rank}"><blockquote>{render_passage(h)}</blockquote>'
            f'<p class="qa-cite">{render_citation(h.citation)}</p></li>'
            for h in others
        )
        summary = f"<summary>{len(others)} other {noun} passages</summary>"
        parts.append(f"<details>{summary}<ol>{items}</ol></details>")
    parts.append("</div>")
    return "".join(parts)


def render_sources(kb: KnowledgeBase) -> str:
    rows = "".join(
        f"<tr><td>{escape(s.title)}</td><td>{escape(Path(s.source).name or s.source)}</td>"
        f"<td>{s.passages}</td><td>{escape(s.date or '')}</td></tr>"
        for s in kb.list_sources()
    )
    if not rows:
        return '<div class="qa-sources"><p>No articles indexed yet.</p></div>'
    head = "<tr><th>Title</th><th>File</th><th>Passages</th><th>Date</th></tr>"
    return f'<div class="qa-sources"><table>{head}{rows}</table></div>'


# ----- uploads --------------------------------------------------------------------------------


def safe_upload_name(name: str) -> str:
    """A plain file name from whatever the browser sent: the last path part only, no leading dots, only
    letters, digits, dot, dash, underscore and space, at most 120 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(base) > 120:
        base = f"{stem[: 119 - len(suffix)]}.{suffix}"
    return base[:120] or "upload"


def store_upload(source: Path, uploads: Path) -> Path:
    """Copy an uploaded file into the uploads folder under a safe, unused name; never outside it."""
    size = source.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{safe_upload_name(source.name)} is {size / 2**20:.1f} MB, over the "
            f"{MAX_UPLOAD_BYTES // 2**20} MB upload limit; split it or index it with `qa index`"
        )
    uploads.mkdir(parents=True, exist_ok=True)
    name = safe_upload_name(source.name)
    stem, suffix = os.path.splitext(name)
    target, n = uploads / name, 1
    while target.exists():
        target, n = uploads / f"{stem}-{n}{suffix}", n + 1
    if target.resolve().parent != uploads.resolve():
        raise InputError(f"refusing to write {name!r} outside {uploads}")
    shutil.copyfile(source, target)
    return target


# ----- the app --------------------------------------------------------------------------------


@dataclass
class Service:
    """The knowledge base behind the app, its folder, and a lock so edits and questions don't interleave."""

    kb: KnowledgeBase
    index_dir: Path
    lock: threading.RLock

    @property
    def uploads(self) -> Path:
        return self.index_dir / UPLOADS

    def ask(self, conv: Conversation, question: str, mode: Mode, source: str, since: str, until: str) -> Answer:
        sources = [source] if source else None
        with self.lock:
            return conv.ask(question, mode=mode, sources=sources, since=since or None, until=until or None)

    def add_files(self, paths: Sequence[str]) -> str:
        lines: list[str] = []
        stored: list[Path] = []
        for raw in paths:
            try:
                stored.append(store_upload(Path(raw), self.uploads))
            except (QAError, OSError) as exc:
                lines.append(f"Skipped: {exc}")
        return "\n".join(lines + ([self._add([str(p) for p in stored])] if stored else []))

    def add_url(self, url: str) -> str:
        url = url.strip()
        if not safe_href(url):
            return "Paste a web address starting with http:// or https://"
        return self._add([url])

    def _add(self, sources: list[str]) -> str:
        with self.lock:
            try:
                ingested = self.kb.add(sources)
            except QAError as exc:
                return f"Not added: {exc}"
            except Exception as exc:  # a reader failing unexpectedly must not take the app down
                return f"Not added: {exc.__class__.__name__}: {exc}"
            if ingested.articles:
                self.kb.save(self.index_dir)
        for s in ingested.skipped:
            if s.source.startswith(str(self.uploads)):
                Path(s.source).unlink(missing_ok=True)
        lines = [f"Added: {a.title} ({Path(a.source).name or a.source})" for a in ingested.articles]
        lines += [f"Skipped {Path(s.source).name or s.source}: {s.reason}" for s in ingested.skipped]
        return "\n".join(lines) or "Nothing to add."

    def remove(self, source: str) -> str:
        if not source:
            return "Choose a source to remove."
        with self.lock:
            removed = self.kb.remove([source])
            self.kb.save(self.index_dir)
        path = Path(source)
        if path.parent.resolve() == self.uploads.resolve():
            path.unlink(missing_ok=True)
        return f"Removed {Path(source).name or source} ({removed} passages)."

    def source_choices(self) -> list[tuple[str, str]]:
        return [(f"{s.title} ({Path(s.source).name or s.source})", s.source) for s in self.kb.list_sources()]


def build_app(kb: KnowledgeBase, index_dir: str | Path) -> gr.Blocks:
    """The Gradio app over this knowledge base; uploads and removals are saved to ``index_dir``."""
    service = Service(kb, Path(index_dir), threading.RLock())

    def respond(
        message: str,
        history: list[Any],
        conv: Conversation | None,
        mode: Mode,
        source: str,
        since: str,
        until: str,
    ) -> tuple[list[Any], Conversation, str]:
        conv = conv or Conversation(service.kb)
        if not message.strip():
            return history, conv, ""
        try:
            reply = render_answer(service.ask(conv, message, mode, source or ALL_SOURCES, since, until))
        except QAError as exc:
            reply = f'<p class="qa-notfound">{escape(str(exc))}</p>'
        user = {"role": "user", "content": escape(message)}
        return [*history, user, {"role": "assistant", "content": reply}], conv, ""

    def api_ask(question: str, mode: str = "hybrid") -> dict[str, Any]:
        """Answer one question: the same structured answer as ``qa ask --json`` and ``answer_to_dict``."""
        if mode not in MODES:
            raise gr.Error(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        try:
            with service.lock:
                return answer_to_dict(service.kb.ask(question, mode=mode))
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def refresh() -> tuple[str, Any, Any]:
        choices = service.source_choices()
        return (
            render_sources(service.kb),
            gr.update(choices=choices, value=None),
            gr.update(choices=[("All sources", ALL_SOURCES), *choices], value=ALL_SOURCES),
        )

    def on_upload(files: list[str] | None) -> tuple[str, None]:
        return _status(service.add_files(files or [])), None

    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\n{INTRO}")
        conv = gr.State(None)
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(
                label="Answers",
                height="60vh",
                elem_id="qa-chat",
                latex_delimiters=[],
                sanitize_html=True,
                examples=[{"text": q} for q in EXAMPLES],
                placeholder="Ask about the articles, or pick an example.",
                buttons=["copy"],
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Ask a question…",
                    scale=5,
                    elem_id="qa-question",
                    submit_btn=True,
                    max_lines=4,
                )
            clear = gr.Button("New conversation", size="sm", variant="secondary")
            with gr.Accordion("Search settings", open=False):
                mode = gr.Radio(
                    list(MODES),
                    value="hybrid",
                    label="Retrieval mode",
                    info="hybrid = meaning + exact words; dense = meaning; lexical = exact words",
                )
                source = gr.Dropdown(
                    [("All sources", ALL_SOURCES), *service.source_choices()],
                    value=ALL_SOURCES,
                    label="Only this source",
                )
                since = gr.Textbox(label="Dated from", placeholder="e.g. 2024 or 2024-05-01")
                until = gr.Textbox(label="Dated until", placeholder="e.g. 2024-12-31")
        with gr.Tab("Sources"):
            gr.Markdown(
                "Add articles (" + ", ".join(UPLOAD_TYPES) + f"; up to {MAX_UPLOAD_BYTES // 2**20} MB"
                " each) or a web page. They are saved in the index and kept across restarts."
            )
            files = gr.File(
                label="Upload articles",
                file_count="multiple",
                file_types=list(UPLOAD_TYPES),
                elem_id="qa-upload",
            )
            with gr.Row(equal_height=True):
                url = gr.Textbox(label="Web page", placeholder="https://…", scale=4)
                add_url = gr.Button("Add page", scale=1)
            status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="qa-status")
            sources_html = gr.HTML(render_sources(kb), elem_id="qa-sources")
            with gr.Row(equal_height=True):
                remove_choice = gr.Dropdown(service.source_choices(), value=None, label="Remove a source", scale=4)
                remove = gr.Button("Remove", variant="stop", scale=1, elem_id="qa-remove")

        inputs = [question, chatbot, conv, mode, source, since, until]
        question.submit(respond, inputs, [chatbot, conv, question], **private)
        chatbot.example_select(_example_text, None, question, **private).then(
            respond, inputs, [chatbot, conv, question], **private
        )
        clear.click(lambda: ([], None), None, [chatbot, conv], **private)
        lists = [sources_html, remove_choice, source]
        files.upload(on_upload, files, [status, files], **private).then(refresh, None, lists, **private)
        add_url.click(lambda u: (_status(service.add_url(u)), ""), url, [status, url], **private).then(
            refresh, None, lists, **private
        )
        remove.click(lambda s: _status(service.remove(s or "")), remove_choice, status, **private).then(
            refresh, None, lists, **private
        )
        gr.api(api_ask, api_name="ask")  # type: ignore[attr-defined]
    return cast(gr.Blocks, demo)


# ----- launching --------------------------------------------------------------------------------


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:pass`` (from --auth or the QA_AUTH variable) -> credentials, or None for no login."""
    value = value if value is not None else os.environ.get(AUTH_ENV)
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError(f"login must look like user:password, not {value.split(':')[0]!r}…")
    return user, password


def _example_text(selected: gr.SelectData) -> str:
    return str(selected.value["text"])


def _status(text: str) -> str:
    """Status lines go into a plain text box, which shows them as typed (no markup): only trim them."""
    return text.strip()


def open_or_build(index_dir: Path, seeds: Sequence[str | Path] = ()) -> KnowledgeBase:
    """Open the index; when there is none and seed folders are given, build it from them and save it."""
    from .errors import IndexNotFoundError

    try:
        return KnowledgeBase.open(index_dir)
    except IndexNotFoundError:
        if not seeds:
            raise
    kb = KnowledgeBase.from_paths(list(seeds))
    kb.save(index_dir)
    return kb


def launch(
    index_dir: Path,
    port: int | None = None,
    host: str | None = None,
    *,
    share: bool = False,
    auth: str | None = None,
    open_browser: bool = False,
    seeds: Sequence[str | Path] = (),
    block: bool = True,
) -> gr.Blocks:
    """Serve the chat over ``index_dir`` on 127.0.0.1 (another host or a share link only when asked)."""
    credentials = parse_auth(auth)
    demo = build_app(open_or_build(Path(index_dir), seeds), index_dir)
    demo.queue(default_concurrency_limit=2)
    demo.launch(
        server_name=host or "127.0.0.1",
        server_port=port,
        share=share,
        auth=credentials,
        inbrowser=open_browser,
        max_file_size=2 * MAX_UPLOAD_BYTES,
        css=CSS,
        prevent_thread_lock=not block,
        footer_links=["api"],
        quiet=not block,
    )
    return demo


__all__ = ["build_app", "launch", "render_answer", "safe_upload_name", "store_upload"]
