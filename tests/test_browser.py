"""The chat in a real headless Chromium: ask, follow up, upload, remove, and a hostile article.

Screenshots of every step go to test-artifacts/ (desktop, and the first step at phone width).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.knowledge import KnowledgeBase

from .conftest_web import copy_index, serve

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]  # fmt: skip
TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]

ZORBLAX = """# The Zorblax festival

The Zorblax festival is held every June in Quibbletown. It celebrates the town's glass-blowing guild.

The festival was founded in 1911 by the potter Wendeline Armbruster.
"""

EVIL = """# Evil <script>alert('title')</script> notes

The Flumph parade <img src=x onerror="alert('img')"> takes place in Snorkeldorf every October.
<script>alert('body')</script> [click me](javascript:alert('link')) and more words about Snorkeldorf.
"""


@pytest.fixture(scope="module")
def app_url(seed_index: Path, real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = copy_index(seed_index, tmp_path_factory.mktemp("browser"))
    kb = KnowledgeBase.open(index, embedder=real_embedder)
    with serve(kb, index) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(app_url)
    pg.wait_for_selector("#qa-question textarea")
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    time.sleep(0.3)  # let the last render settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page: Any, question: str) -> Any:
    """Ask and return the newest assistant reply once it has rendered."""
    before = page.locator("#qa-chat .qa-answer").count()
    page.fill("#qa-question textarea", question)
    page.press("#qa-question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#qa-chat .qa-answer').length > {before}")
    return page.locator("#qa-chat .qa-answer").last


def upload(page: Any, path: Path) -> str:
    page.get_by_role("tab", name="Sources").click()
    page.set_input_files("#qa-upload input[type=file]", str(path))
    status = page.locator("#qa-status textarea")
    page.wait_for_function("document.querySelector('#qa-status textarea').value.length > 0", timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"document.querySelector('#qa-sources').innerText.includes({path.name!r})", timeout=TIMEOUT_MS
    )
    return str(status.input_value())


def test_ask_follow_up_and_phone_width(page: Any, browser: Any, app_url: str) -> None:
    shot(page, "01-empty-chat")
    page.get_by_text("When did the ICC issue its arrest warrant for Putin?").click()  # an example
    page.wait_for_selector("#qa-chat .qa-answer")
    reply = page.locator("#qa-chat .qa-answer").last
    assert "March 2023" in reply.locator("mark").first.inner_text()
    assert "000_0f264525bb44d001.txt" in reply.locator(".qa-cite").first.inner_text()
    assert "confidence" in reply.inner_text()
    shot(page, "02-answer")

    follow = ask(page, "What is he accused of?")
    assert "Searched for" in follow.inner_text()
    assert "deportation of Ukrainian children" in follow.locator("mark").first.inner_text()
    follow.locator("details summary").first.click()
    shot(page, "03-follow-up")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(app_url)
    phone.wait_for_selector("#qa-question textarea")
    phone_reply = ask(phone, "Where did Putin travel?")
    assert "Mongolia" in phone_reply.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    shot(phone, "04-phone")
    phone.close()
    assert page.dialogs == []


def test_upload_ask_and_remove(page: Any, tmp_path: Path) -> None:
    article = tmp_path / "zorblax.md"
    article.write_text(ZORBLAX, encoding="utf-8")
    status = upload(page, article)
    assert "Added: The Zorblax festival" in status
    assert "zorblax.md" in page.locator("#qa-sources").inner_text()
    shot(page, "05-uploaded")

    page.get_by_role("tab", name="Chat").click()
    reply = ask(page, "Who founded the Zorblax festival?")
    # The passage, not necessarily its marked sentence: the library may mark the heading line.
    assert "Wendeline Armbruster" in reply.locator("blockquote").first.inner_text()
    assert reply.locator("blockquote mark").count() >= 1
    assert "zorblax.md" in reply.locator(".qa-cite").first.inner_text()
    shot(page, "06-asked-upload")

    page.get_by_role("tab", name="Sources").click()
    page.locator("#qa-remove").scroll_into_view_if_needed()
    dropdown = page.get_by_label("Remove a source")
    dropdown.click()
    page.get_by_role("option", name="zorblax.md").click()
    page.click("#qa-remove")
    page.wait_for_function("document.querySelector('#qa-status textarea').value.startsWith('Removed')")
    page.wait_for_function("!document.querySelector('#qa-sources').innerText.includes('zorblax.md')")
    shot(page, "07-removed")

    page.get_by_role("tab", name="Chat").click()
    after = ask(page, "Who founded the Zorblax festival?")
    assert "Wendeline" not in after.inner_text()


def test_hostile_article_renders_inert(page: Any, tmp_path: Path) -> None:
    article = tmp_path / "evil.md"
    article.write_text(EVIL, encoding="utf-8")
    upload(page, article)
    page.get_by_role("tab", name="Chat").click()
    reply = ask(page, "Where does the Flumph parade take place?")
    text = reply.inner_text()
    assert "<img src=x" in text and "Snorkeldorf" in text
    page.wait_for_timeout(1000)  # give any injected handler time to fire
    assert page.dialogs == []
    assert page.locator("#qa-chat img[onerror]").count() == 0
    assert page.locator("#qa-chat script").count() == 0
    assert page.locator("#qa-chat a[href^='javascript']").count() == 0
    shot(page, "08-hostile-article")
