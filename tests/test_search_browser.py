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
    folder: Path | None = None


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


# A small site for what a query that means nothing, a misspelling, a link and a phone do.
SEARCH_DIGESTS = Path(__file__).resolve().parent / "fixtures" / "digests" / "search"
NOTHING = "No paper or topic matches"
# Contrast of an element's text with what is behind it, from computed styles: colours with
# alpha are laid over the backgrounds of the element and its ancestors, down to white.
CONTRAST = """(selector) => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, under) =>
    [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const el = document.querySelector(selector);
  const layers = [];
  for (let at = el; at; at = at.parentElement) {
    layers.push(parse(getComputedStyle(at).backgroundColor));
  }
  let back = [255, 255, 255, 1];
  for (const layer of layers.reverse()) back = over(layer, back);
  const fore = over(parse(getComputedStyle(el).color), back);
  const lum = (c) => {
    const v = c.slice(0, 3).map((x) => {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  };
  const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the few papers of tests/fixtures/digests/search (stand-in vectors), served. Its
    search index is in two: the first issue's 8 papers are a closed part, merged into the main
    bundle (the second issue's 3 papers and the topics) in the reader's browser."""
    config, port = served_project(tmp_path_factory.mktemp("search-small"), SEARCH_DIGESTS)
    text = config.read_text()
    config.write_text(
        text.replace("  paper_digest:\n", "  paper_digest:\n    search_part_papers: 4\n", 1)
    )
    settings = load_settings(config)
    assert settings.search_part_papers == 4
    build(settings, embedder=StandInEmbedder())
    with serving(settings.site_dir, port) as url:
        yield Site(url, settings.site_dir)


def pagefind_count(page: Any, query: str) -> int:
    """How many results Pagefind itself gives a query, its parts merged (what the dialog is
    to judge)."""
    count: int = page.evaluate(
        """async (q) => { const pf = await import('/pagefind/pagefind.js');
        const parts = (await (await fetch('/pagefind/parts.json')).json()).parts;
        for (const part of parts) await pf.mergeIndex('/pagefind/' + part);
        return (await pf.search(q)).results.length; }""",
        query,
    )
    return count


def status(page: Any) -> str:
    text: str = page.locator(".md-search-result__meta").inner_text()
    return text


@pytest.mark.parametrize("query", ["GRPO", "Kaiming", "xyzzyq", "ViT"])
def test_words_the_site_does_not_hold_answer_nothing(
    small: Site, desktop: Reader, query: str
) -> None:
    page = desktop.page
    page.goto(small.base, wait_until="load")
    # Pagefind alone answers with pages on "g", "k", "x" or "vital": the dialog must not.
    assert pagefind_count(page, query) > 0
    page.keyboard.press("/")
    assert desktop.search(query) == []
    assert status(page).startswith(NOTHING)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("Muon", ["Muon is Scalable for LLM Training"]),  # in the closed part only
        ("glacier", ["Glacier Melt Forecasting with Recurrent Networks"]),  # in the main one
    ],
)
def test_a_word_one_part_lacks_shows_only_the_other_parts_answer(
    small: Site, desktop: Reader, query: str, titles: list[str]
) -> None:
    """The part without the word answers Pagefind with pages on a shorter word; the dialog
    shows only the part that holds it."""
    page = desktop.page
    page.goto(small.base, wait_until="load")
    assert small.folder is not None
    (part,) = (small.folder / "pagefind" / "parts").iterdir()
    assert (part / "pagefind-entry.json").is_file()  # only what mergeIndex reads
    assert not list(part.glob("*.js")) and not list(part.glob("wasm.*"))
    page.keyboard.press("/")
    assert desktop.search(query) == titles
    assert status(page) == "1 result"
    assert pagefind_count(page, query) > len(titles)


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("diffu", "Denoising Diffusion Probabilistic Models"),  # the start of a word
        ("optimizers", "Muon is Scalable for LLM Training"),  # another form of a word
        ("DiT", "Scalable Diffusion Models with Transformers"),  # a short word, itself
    ],
)
def test_words_the_site_holds_are_found(
    small: Site, desktop: Reader, query: str, title: str
) -> None:
    page = desktop.page
    page.goto(small.base, wait_until="load")
    page.keyboard.press("/")
    assert title in desktop.search(query)


def test_a_misspelling_gets_a_did_you_mean(small: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(small.base, wait_until="load")
    page.keyboard.press("/")
    assert desktop.search("difusion models") == []
    offer = page.locator(".md-search-result__meta button.pd-search-suggest")
    offer.wait_for()
    assert offer.inner_text() == "diffusion models"
    assert status(page) == f"{NOTHING}. Did you mean diffusion models?"
    offer.click()
    page.wait_for_function(
        "document.querySelector('[data-pd-search-results]').dataset.pdQuery === 'diffusion models'"
    )
    titles = page.locator(f"{RESULTS} .pd-search-result__title").all_inner_texts()
    assert "Denoising Diffusion Probabilistic Models" in titles
    assert page.locator("input.md-search__input").input_value() == "diffusion models"
    assert desktop.search("transfomer") == []
    offer.wait_for()
    assert offer.inner_text() == "transformer"


def test_a_link_opens_the_search_with_its_query(small: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(small.base + "?q=Muon%20optimizer", wait_until="load")
    page.wait_for_function(
        "document.querySelector('[data-pd-search-results]').dataset.pdQuery === 'Muon optimizer'"
    )
    assert page.evaluate("document.getElementById('__search').checked")
    assert page.locator("input.md-search__input").input_value() == "Muon optimizer"
    titles = page.locator(f"{RESULTS} .pd-search-result__title").all_inner_texts()
    assert titles[0] == "Muon is Scalable for LLM Training"
    # Typing another query keeps the address a link to it; closing the search drops it.
    desktop.search("diffusion")
    assert page.evaluate("new URL(location.href).searchParams.get('q')") == "diffusion"
    page.keyboard.press("Escape")
    assert page.evaluate("new URL(location.href).searchParams.get('q')") is None


def test_keys_typed_right_after_the_tap_are_kept(small: Site, browser: Any) -> None:
    phone = open_reader(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.page
    page.goto(small.base, wait_until="load")
    page.locator("label.md-header__button[for='__search']").tap()
    page.keyboard.type("Muon optimizer")  # at once: the box takes the focus 250 ms later
    page.wait_for_function(
        "document.querySelector('[data-pd-search-results]').dataset.pdQuery === 'Muon optimizer'"
    )
    assert page.locator("input.md-search__input").input_value() == "Muon optimizer"
    titles = page.locator(f"{RESULTS} .pd-search-result__title").all_inner_texts()
    assert titles[0] == "Muon is Scalable for LLM Training"
    page.context.close()
    assert phone.problems == []


def test_tex_in_a_snippet_is_its_plain_words(small: Site, desktop: Reader) -> None:
    page = desktop.page
    page.goto(small.base, wait_until="load")
    page.keyboard.press("/")
    assert desktop.search("characterize") == ["Optimal Policies Without Their Values"]
    line = page.locator(f"{RESULTS} .pd-search-result__line").first.inner_text()
    assert "G*" in line
    assert not any(char in line for char in "\\${}"), line


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_words_found_and_the_count_are_readable(small: Site, browser: Any, scheme: str) -> None:
    reader = open_reader(browser, viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    page = reader.page
    page.goto(small.base, wait_until="load")
    page.keyboard.press("/")
    assert reader.search("diffusion")
    assert page.evaluate(CONTRAST, ".md-search-result mark") >= 4.5
    assert page.evaluate(CONTRAST, ".md-search-result__meta") >= 4.5
    reader.search("difusion")
    page.locator(".pd-search-suggest").wait_for()
    assert page.evaluate(CONTRAST, ".pd-search-suggest") >= 4.5
    reader.shot(f"search-suggest-{scheme}")
    page.context.close()
    assert reader.problems == []


def test_no_accessibility_violation_with_the_search_open(small: Site, desktop: Reader) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = desktop.page
    page.goto(small.base, wait_until="load")
    page.keyboard.press("/")
    desktop.search("diffusion")
    results = Axe().run(page, context={"include": [[".md-search"]]})
    violations = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
    ]
    assert violations == []
    desktop.search("difusion")
    page.locator(".pd-search-suggest").wait_for()
    results = Axe().run(page, context={"include": [[".md-search"]]})
    assert [v["id"] for v in results.response["violations"]] == []
