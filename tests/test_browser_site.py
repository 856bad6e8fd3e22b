"""The built site in headless Chromium, as a reader uses it.

The site is built for the address it is served from (site_url), as a deployed site is, so
absolute links (feeds in the head, the 404 page) resolve. Screenshots go to
tests/artifacts/site/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.etree
import pytest

from generator.build import build
from generator.catalog import paper_id, paper_slug
from generator.config import Settings, load_settings
from generator.site.export import read_export
from tests.conftest import (
    DEMO_DIGESTS,
    SMALL_DIGESTS,
    served_project,
    serving,
)
from tests.stand_in import StandInEmbedder

pytestmark = pytest.mark.browser

XSS_TITLE = "<script>alert(1)</script>"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "site"


def paper_path(title: str) -> str:
    return f"papers/{paper_slug(title, paper_id(title))}/"


@dataclass
class Site:
    settings: Settings
    base: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the fixture digests once and serve the site on 127.0.0.1 at its site_url."""
    config, port = served_project(tmp_path_factory.mktemp("browser-site"), SMALL_DIGESTS)
    # Five papers: let every shared concept have a topic page, so there are topics to browse.
    config.write_text(config.read_text().replace("min_topic_papers: 3", "min_topic_papers: 1"))
    settings = load_settings(config)
    build(settings, embedder=StandInEmbedder())
    with serving(settings.site_dir, port) as url:
        yield Site(settings, url)


@dataclass
class Watched:
    """A page whose dialogs, script errors, console errors and failed requests are kept."""

    page: Any
    problems: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.fixture
def reader(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page())
    page, problems = watched.page, watched.problems

    def on_dialog(dialog: Any) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    # Requests cut short by the next navigation are aborted, not failed.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if request.failure == "net::ERR_ABORTED"
            else problems.append(f"{request.url}: {request.failure}")
        ),
    )
    yield watched
    context.close()
    assert watched.problems == []


def test_home_shows_the_latest_issue_and_leads_to_it(site: Site, reader: Watched) -> None:
    page = reader.page
    page.goto(site.base, wait_until="load")
    reader.shot("home")
    latest = page.locator(".pd-latest h1 a")
    assert latest.inner_text() == "Issue three: <untrusted> & friends"
    assert page.locator(".pd-latest .pd-paper").count() == 2
    latest.click()
    page.wait_for_url(site.base + "issues/03-third/")
    assert page.locator("article h1, .md-content h1").first.inner_text() == latest_title()


def latest_title() -> str:
    return "Issue three: <untrusted> & friends"


def test_untrusted_paper_page_runs_nothing_and_math_renders(site: Site, reader: Watched) -> None:
    page = reader.page
    page.goto(site.base + paper_path(XSS_TITLE), wait_until="load")
    assert page.locator("article h1").inner_text() == XSS_TITLE
    assert page.locator("img[src='x']").count() == 0
    page.goto(site.base + paper_path("A Tutorial on Bayesian Optimization"), wait_until="load")
    page.wait_for_selector(".arithmatex .katex", timeout=10_000)
    # KaTeX keeps the source TeX in a MathML annotation beside what it draws.
    assert page.locator(".arithmatex annotation").text_content() == "d = 20"
    reader.shot("paper-with-math")


def test_search_finds_a_paper_by_one_of_its_keyphrases(site: Site, reader: Watched) -> None:
    catalog = read_export(site.settings.site_dir / "api")
    paper = next(
        p for p in catalog["papers"] if p["title"] == "A Tutorial on Bayesian Optimization"
    )
    # A keyphrase the title does not hold: search finds the paper by its abstract's words.
    keyphrase = next(k for k in paper["keyphrases"] if k.lower() not in paper["title"].lower())
    page = reader.page
    page.goto(site.base, wait_until="load")
    page.locator("input.md-search__input").click()
    page.keyboard.type(keyphrase)  # key by key, as Material's search listens for keys
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    titles = results.all_inner_texts()
    assert any("A Tutorial on Bayesian Optimization" in title for title in titles), titles
    reader.shot("search")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo's 746 papers (stand-in vectors): enough papers for areas and topics."""
    config, port = served_project(tmp_path_factory.mktemp("browser-demo"), DEMO_DIGESTS)
    settings = load_settings(config)
    build(settings, embedder=StandInEmbedder())
    with serving(settings.site_dir, port) as url:
        yield Site(settings, url)


def test_a_topic_page_lists_its_papers_and_links_to_them(demo_site: Site, reader: Watched) -> None:
    """From the topics index (areas, then their topics) to a topic, a paper, and back."""
    catalog = read_export(demo_site.settings.site_dir / "api")
    topic = max(catalog["topics"], key=lambda t: (len(t["paper_ids"]), t["slug"]))
    area = next(a for a in catalog["areas"] if topic["slug"] in a["topics"])
    page = reader.page
    page.goto(demo_site.base + "topics/", wait_until="load")
    heading = page.locator(f"h2#{area['slug']}")
    assert heading.inner_text() == area["label"]
    page.locator(f"a[href='{topic['slug']}/']").first.click()
    page.wait_for_url(demo_site.base + f"topics/{topic['slug']}/")
    reader.shot("topic")
    assert page.locator(".md-content h1").first.inner_text() == topic["label"]
    titles = page.locator(".pd-papers .pd-paper__title")
    assert titles.count() >= 1
    first = titles.first.inner_text()
    titles.first.click()
    page.wait_for_url(demo_site.base + paper_path(first))
    assert page.locator("article h1").inner_text() == first
    # The paper links back to its topic.
    assert page.locator(".pd-paper__topics a", has_text=topic["label"]).count() >= 1


def test_light_dark_toggle_switches_the_scheme(site: Site, reader: Watched) -> None:
    page = reader.page
    page.emulate_media(color_scheme="light")
    page.goto(site.base, wait_until="load")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("label[title='Switch to dark mode']").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    reader.shot("dark")
    page.locator("label[title='Switch to light mode']").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")


def test_feed_links_in_the_head_resolve(site: Site, reader: Watched) -> None:
    page = reader.page
    page.goto(site.base + "issues/01-first/", wait_until="load")
    links = page.locator("head link[rel~=alternate]")  # "alternate feed" once scripts ran
    kinds = {links.nth(i).get_attribute("type") for i in range(links.count())}
    assert kinds == {"application/rss+xml", "application/atom+xml"}
    for i in range(links.count()):
        response = page.request.get(links.nth(i).get_attribute("href"))
        assert response.status == 200
        root = lxml.etree.fromstring(response.body())
        assert root.tag in {"rss", "{http://www.w3.org/2005/Atom}feed"}
