"""The browser chat: a Gradio app over one index folder. Wiring only: answers and edits go through
``Service``, markup comes from ``render`` (which escapes every piece of text). Binds 127.0.0.1 unless told
otherwise.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import gradio as gr

from .conversation import Conversation
from .errors import InputError, QAError
from .knowledge import KnowledgeBase
from .render import CSS, escape, render_answer, render_sources
from .serialize import answer_to_dict
from .service import MAX_UPLOAD_BYTES, UPLOAD_TYPES, Service
from .types import MODES, Mode

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
AUTH_ENV = "QA_AUTH"
ALL_SOURCES = ""


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


__all__ = ["build_app", "launch"]
