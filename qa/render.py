"""Answers and sources as escaped HTML for the chat. Pure functions, no Gradio.

Every piece of article text, title, source and question is escaped before it enters markup, so an article
holding ``<script>`` renders as text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from .conversation import rewritten
from .knowledge import KnowledgeBase
from .types import Answer, Citation, Hit, span_label

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
