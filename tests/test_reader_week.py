"""The reader's week on the demo, in headless Chromium: what's new in my area, one click to a paper.

The demo digests (746 papers, stand-in vectors) are built once for the address they are served
from. A reader lands on the home page (on a phone: a paper title above the fold), moves through
an issue by its table of contents, browses a topic a page at a time, and leaves a paper page by a
link out or a related paper. axe-core (bundled by the axe-playwright-python package, injected
into each page) finds no serious or critical accessibility violation on the pages read.
Screenshots, desktop light and phone dark, go to tests/artifacts/reader/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from generator.build import build
from generator.config import Settings, load_settings
from generator.site.export import read_export
from generator.site.layout import PAPERS_PER_PAGE
from tests.conftest import (
    DEMO_DIGESTS,
    served_project,
    serving,
)
from tests.site_checks import html_pages, search_fragments
from tests.stand_in import StandInEmbedder

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "reader"
SIGNUP = "https://paper-digest.example.org/signup"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Demo:
    settings: Settings
    base: str
    catalog: dict[str, Any]

    @property
    def site(self) -> Path:
        return self.settings.site_dir

    def issue_path(self, number: int) -> str:
        issue = next(i for i in self.catalog["issues"] if i["number"] == number)
        return f"issues/{issue['slug']}/"

    def biggest_issue(self) -> dict[str, Any]:
        return max(self.catalog["issues"], key=lambda i: (len(i["paper_ids"]), i["slug"]))

    def biggest_topic(self) -> dict[str, Any]:
        return max(self.catalog["topics"], key=lambda t: (len(t["paper_ids"]), t["slug"]))

    def paper_with_math(self) -> str:
        for path, tree in html_pages(self.site / "papers"):
            if tree.xpath("//div[@class='pd-abstract']//span[@class='arithmatex']"):
                return f"papers/{path.parent.name}/"
        raise AssertionError("the demo has no paper with math")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from demo_site(tmp_path_factory)


def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Build the demo (with a sign-up URL) and serve it while the caller runs."""
    config, port = served_project(tmp_path_factory.mktemp("reader-week"), DEMO_DIGESTS)
    text = config.read_text()
    config.write_text(
        text.replace("  paper_digest:\n", f"  paper_digest:\n    signup_url: {SIGNUP}\n")
    )
    settings = load_settings(config)
    build(settings, embedder=StandInEmbedder())
    catalog = read_export(settings.site_dir / "api")
    with serving(settings.site_dir, port) as url:
        yield Demo(settings, url, catalog)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    yield from page_opener(browser)


def page_opener(browser: Any) -> Iterator[Any]:
    """Open a page at a viewport and color scheme, recording every URL it requests
    (`page.requested`); script errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(url: str, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> Any:
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        page.on("pageerror", lambda exc: errors.append(f"{url}: {exc}"))
        page.goto(url, wait_until="load")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(200)  # KaTeX and Material's scripts settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_home_shows_a_paper_title_above_the_fold_on_a_phone(demo: Demo, open_page: Any) -> None:
    page = open_page(demo.base, PHONE, "dark")
    title = page.locator(".pd-paper__title").first
    box = title.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    shot(page, "home-phone-dark")
    # Highlights per area, a count per area, the whole issue one click away; recent issues.
    assert page.locator("h2.pd-area-heading").count() >= 3
    latest = demo.catalog["issues"][-1]
    assert page.locator(".pd-all-papers").inner_text() == f"all {len(latest['paper_ids'])} papers →"
    assert (
        page.locator(".pd-papers .pd-paper").count()
        <= 3 * page.locator("h2.pd-area-heading").count()
    )
    page.locator(".pd-all-papers").click()
    page.wait_for_url(demo.base + f"issues/{latest['slug']}/")
    desktop = open_page(demo.base)
    assert desktop.title() == "Paper Digest"  # not "Paper Digest - Paper Digest"
    shot(desktop, "home-desktop-light")


def test_an_issue_page_has_a_table_of_contents_biggest_area_first(
    demo: Demo, open_page: Any
) -> None:
    page = open_page(demo.base + demo.issue_path(2))
    toc = page.locator(".md-sidebar--secondary .md-nav__link")
    assert toc.count() >= 5
    areas = page.locator(".md-content h2[id]")
    counts = [int(c) for c in page.locator(".pd-area-counts .pd-count").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and areas.count() == len(counts)
    shot(page, "issue-desktop-light")
    second = toc.nth(1)
    target = second.get_attribute("href")
    second.click()
    page.wait_for_function(f"location.hash === {json.dumps(target)}")
    heading = page.locator(f"[id='{target.lstrip('#')}']")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < DESKTOP["height"]
    phone = open_page(demo.base + demo.issue_path(2), PHONE, "dark")
    shot(phone, "issue-phone-dark")
    # On a phone the table of contents sits in the menu: Material puts it there from the page.
    assert phone.locator("nav.md-nav--secondary a.md-nav__link").count() == toc.count()


def test_a_topic_page_is_bounded_dated_and_starts_with_its_area(demo: Demo, open_page: Any) -> None:
    topic = demo.biggest_topic()
    page = open_page(demo.base + f"topics/{topic['slug']}/")
    shot(page, "topic-desktop-light")
    assert page.locator(".pd-crumbs a").count() == 2  # Topics › its area
    related = page.locator(".pd-related-topics a")
    assert related.count() >= 1
    box = related.first.bounding_box()
    assert box is not None and box["y"] < DESKTOP["height"]  # near the top
    items = page.locator(".pd-papers .pd-paper")
    assert 1 <= items.count() <= 2 * PAPERS_PER_PAGE - 1  # its own page: the newest papers
    metas = page.locator(".pd-papers .pd-paper__meta").all_inner_texts()
    assert len(metas) == items.count() and all(m.strip() for m in metas)  # a date or an issue
    assert page.locator(f".pd-papers a.pd-topic[href$='/{topic['slug']}/']").count() == 0
    if len(topic["paper_ids"]) >= 2 * PAPERS_PER_PAGE:  # older pages, numbered from the first
        page.locator(".pd-pager__older").click()
        newest = len(topic["paper_ids"]) // PAPERS_PER_PAGE - 1
        page.wait_for_url(demo.base + f"topics/{topic['slug']}/page/{newest}/")
        assert page.locator(".pd-papers .pd-paper").count() == PAPERS_PER_PAGE
    shot(open_page(demo.base + f"topics/{topic['slug']}/", PHONE, "dark"), "topic-phone-dark")


def test_every_paper_page_links_out_and_to_at_most_three_related_papers(demo: Demo) -> None:
    pages = list(html_pages(demo.site / "papers"))
    assert len(pages) == len(demo.catalog["papers"])
    with_related = 0
    for path, tree in pages:
        outs = tree.xpath("//p[@class='pd-links']/a")
        assert outs, path
        for link in outs:
            assert link.get("href", "").startswith("https://"), path
            assert link.get("rel") == "nofollow noopener", path
        related = tree.xpath("//ul[@class='pd-related']/li/a/@href")
        assert len(related) <= 3, path
        for href in related:
            assert (path.parent / href / "index.html").resolve().is_file(), (path, href)
        with_related += bool(related)
        subscribe = tree.xpath("//aside[@class='pd-footer-subscribe']//a")
        assert [a.text for a in subscribe] == ["RSS", "Atom", "Email"], path
        chooser = (path.parent / subscribe[-1].get("href", "") / "index.html").resolve()
        assert chooser == demo.site / "subscribe" / "index.html" and chooser.is_file(), path
        assert tree.xpath("//meta[@property='og:title']/@content") == [
            tree.xpath("string(//article/h1)")
        ], path
        [description] = tree.xpath("//meta[@name='description']/@content")  # the card's text
        assert description.strip(), path
    assert with_related >= 0.9 * len(pages)


def test_search_finds_a_paginated_topic_once(demo: Demo) -> None:
    paged = sorted(
        p.parent.parent.parent.name for p in demo.site.glob("topics/*/page/1/index.html")
    )
    assert paged  # the demo has topics over one page
    urls = [fragment["url"] for fragment in search_fragments(demo.site)]
    assert not [url for url in urls if "/page/" in url]
    assert all(f"/topics/{slug}/" in urls for slug in paged)


def test_a_paper_page_leads_to_related_papers_and_the_next_in_its_issue(
    demo: Demo, open_page: Any
) -> None:
    path = demo.paper_with_math()
    page = open_page(demo.base + path)
    page.wait_for_selector(".pd-abstract .arithmatex .katex", timeout=10_000)
    assert page.evaluate("typeof katex") == "object"
    shot(page, "paper-desktop-light")
    shot(open_page(demo.base + path, PHONE, "dark"), "paper-phone-dark")
    first = page.locator(".pd-related a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state("load")
    assert page.locator("article h1").inner_text() == title
    following = page.locator(".pd-pager__next")
    if following.count():
        target = page.evaluate("document.querySelector('.pd-pager__next').href")
        following.click()
        page.wait_for_load_state("load")
        assert page.url == target and page.locator("article h1").inner_text()


def test_no_raw_tex_outside_math_and_katex_only_where_math_is(demo: Demo, open_page: Any) -> None:
    for path, tree in html_pages(demo.site):
        for math in tree.xpath("//span[@class='arithmatex']"):
            math.drop_tree()
        text = tree.text_content()
        assert "mathcal{" not in text, path
    page = open_page(demo.base + "issues/")
    assert page.evaluate("typeof katex") == "undefined"
    assert page.locator("script[src*='katex']").count() == 0
    assert page.locator("link[href*='katex']").count() == 0


@pytest.mark.parametrize("where", ["home", "issue", "topic", "paper"])
def test_no_serious_or_critical_accessibility_violation(
    demo: Demo, open_page: Any, where: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    path = {
        "home": "",
        "issue": demo.issue_path(2),
        "topic": f"topics/{demo.biggest_topic()['slug']}/",
        "paper": demo.paper_with_math(),
    }[where]
    for viewport, scheme in ((DESKTOP, "light"), (PHONE, "dark")):
        page = open_page(demo.base + path, viewport, scheme)
        page.wait_for_timeout(200)
        # Material's search dialog is left out: the search is being replaced (Pagefind), and
        # its own tests check it.
        results = Axe().run(page, context={"exclude": [[".md-search"]]})
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert serious == [], (where, scheme)


def test_social_cards_are_escaped_text(demo: Demo) -> None:
    home = lxml.html.fromstring((demo.site / "index.html").read_bytes())
    assert home.xpath("//meta[@property='og:site_name']/@content") == ["Paper Digest"]
    assert home.xpath("//meta[@property='og:url']/@content") == [demo.base]
    assert home.xpath("//meta[@name='twitter:card']/@content") == ["summary"]
    # The description cards show is the page's own, which link previews read without og:.
    assert home.xpath("//meta[@name='description']/@content") == [
        "Research papers worth reading, issue by issue."
    ]
