"""The header's search in headless Chromium, on the demo newsletter plus one hostile paper.

A reader presses "/" (or taps the search icon on a phone), types, and gets papers and topics,
one short entry each, best first. Screenshots of the dialog go to tests/artifacts/site/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.config import load_settings
from tests.conftest import (
    DEMO_DIGESTS,
    served_project,
    serving,
    write_digests,
)
from tests.stand_in import StandInEmbedder

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "site"
HOSTILE_TITLE = "Zyzzyva <img src=x onerror=alert(1)> & <b>friends</b>"
HOSTILE_DIGEST = (
    "Mar 12, 2025\n"
    f"{HOSTILE_TITLE}\n"
    "We study what a search result does with markup in a title. It shows it as text.\n"
)
RESULTS = ".md-search-result__item"
# Rows of text of each result shown: its title and its line, each measured in its line height.
RESULT_ROWS = """() => [...document.querySelectorAll('.md-search-result__item')].map((item) =>
  [...item.querySelectorAll('.pd-search-result__title, .pd-search-result__line')]
    .reduce((rows, el) => rows + Math.round(el.getBoundingClientRect().height /
      parseFloat(getComputedStyle(el).lineHeight)), 0))"""


@dataclass
class Site:
    base: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the demo digests and one hostile digest (stand-in vectors), served at site_url."""
    config, port = served_project(tmp_path_factory.mktemp("search-demo"), DEMO_DIGESTS)
    write_digests(config.parent / "digests", {"999-hostile.txt": HOSTILE_DIGEST})
    settings = load_settings(config)
    build(settings, embedder=StandInEmbedder())
    with serving(settings.site_dir, port) as url:
        yield Site(url)


@dataclass
class Reader:
    """A page whose dialogs, script errors and console errors are kept, and must stay none."""

    page: Any
    problems: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def search(self, query: str) -> list[str]:
        """Type a query into the open search box; return the results' titles once shown."""
        box = self.page.locator("input.md-search__input")
        box.fill("")
        box.press_sequentially(query)
        # Shown: the results of this query (the list names the query they answer).
        self.page.wait_for_function(
            "(q) => document.querySelector('[data-pd-search-results]').dataset.pdQuery === q",
            arg=query,
        )
        self.page.wait_for_load_state("networkidle")
        titles: list[str] = self.page.locator(
            f"{RESULTS} .pd-search-result__title"
        ).all_inner_texts()
        return titles


def open_reader(browser: Any, **options: Any) -> Reader:
    context = browser.new_context(**options)
    reader = Reader(context.new_page())

    def on_dialog(dialog: Any) -> None:
        reader.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    reader.page.on("dialog", on_dialog)
    reader.page.on("pageerror", lambda exc: reader.problems.append(f"page error: {exc}"))
    reader.page.on(
        "console", lambda msg: reader.problems.append(msg.text) if msg.type == "error" else None
    )
    return reader


@pytest.fixture
def desktop(browser: Any) -> Iterator[Reader]:
    reader = open_reader(browser, viewport={"width": 1280, "height": 800}, color_scheme="light")
    yield reader
    reader.page.context.close()
    assert reader.problems == []


@pytest.fixture
def phone(browser: Any) -> Iterator[Reader]:
    reader = open_reader(
        browser, viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True
    )
    yield reader
    reader.page.context.close()
    assert reader.problems == []


def test_muon_optimizer_finds_that_paper_first(site: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(site.base, wait_until="load")
    page.keyboard.press("/")  # the key readers know from Material's search
    assert page.evaluate("document.getElementById('__search').checked")
    assert page.evaluate("document.activeElement.matches('input.md-search__input')")
    titles = desktop.search("Muon optimizer")
    assert titles[0] == "Muon is Scalable for LLM Training"
    first = page.locator(f"{RESULTS} a").first
    assert first.get_attribute("href", timeout=0).endswith(
        "/papers/muon-is-scalable-for-llm-training-0c0758/"
    )
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")


def test_results_are_papers_and_topics_three_lines_at_most(site: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(site.base + "issues/", wait_until="load")
    page.locator("input.md-search__input").click()
    titles = desktop.search("RLHF")
    assert len(titles) == 10  # a page of results, then "Show more"
    hrefs = [a.get_attribute("href") for a in page.locator(f"{RESULTS} a").all()]
    paths = [href.removeprefix(site.base.rstrip("/")) for href in hrefs]
    assert all(p.startswith(("/papers/", "/topics/")) and p.count("/") == 3 for p in paths), paths
    kinds = page.locator(f"{RESULTS} .pd-search-result__what").all_inner_texts()
    assert all(kind.split(" · ")[0] in {"Paper", "Topic"} for kind in kinds), kinds
    assert max(page.evaluate(RESULT_ROWS)) <= 3
    assert page.locator(".md-search-result mark").count() >= 1  # the words found, marked
    desktop.shot("search-desktop-light")
    page.locator(".pd-search-more__button").click()
    page.locator(f"{RESULTS}:nth-child(20)").wait_for()
    # Down from the box reaches the first result.
    page.locator("input.md-search__input").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == hrefs[0]


def test_a_topic_is_found_by_its_name_before_papers(site: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(site.base, wait_until="load")
    # Any topic of this build: its name, searched, gives the topic first.
    page.goto(site.base + "topics/", wait_until="load")
    label = page.locator(".pd-topics--az a").first.inner_text()
    page.locator("input.md-search__input").click()
    titles = desktop.search(label)
    assert titles[0] == label
    what = page.locator(f"{RESULTS} .pd-search-result__what").first.inner_text()
    assert what.startswith("Topic · ")


def test_a_hostile_title_is_shown_as_text(site: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(site.base, wait_until="load")
    page.locator("input.md-search__input").click()
    titles = desktop.search("zyzzyva")
    assert titles == [HOSTILE_TITLE]
    assert page.locator(".md-search img, .md-search b").count() == 0
    assert "onerror" in page.locator(".md-search-result").inner_text()


def test_the_phone_dialog_in_dark_mode(site: Site, phone: Reader) -> None:
    page = phone.page
    page.goto(site.base, wait_until="load")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    page.locator("label.md-header__button[for='__search']").click()
    page.wait_for_function("document.activeElement.matches('input.md-search__input')")
    titles = phone.search("RLHF")
    assert titles
    assert max(page.evaluate(RESULT_ROWS)) <= 3
    phone.shot("search-phone-dark")
    page.locator("label.md-search__icon[for='__search']").click()  # the back arrow closes it
    assert not page.evaluate("document.getElementById('__search').checked")
