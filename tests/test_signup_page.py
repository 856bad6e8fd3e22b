"""The chooser page: areas and topics with check boxes, and the sign-up link they build.

A real site is built from the themed fixture with `signup_url` set, served on 127.0.0.1 and
driven in headless Chromium: ticking boxes changes the link as `signup_url` says. Without
`signup_url` the page is not built and nothing links to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import lxml.html
import pytest

from generator.build import build
from generator.config import Settings, load_settings
from tests.conftest import FIXTURES, MakeProject, free_port, serving
from tests.stand_in import StandInEmbedder

if TYPE_CHECKING:
    from playwright.sync_api import Browser

THEMED = FIXTURES / "digests" / "themed"
SIGNUP = "https://lists.example.org/join?topics={topics}&areas={areas}&every={every}"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "site"


def with_signup(settings: Settings, signup: str) -> Settings:
    """Write signup_url into the project's mkdocs.yml, as an editor would, and reload it."""
    config = settings.config_file
    text = config.read_text("utf-8")
    text = text.replace("  paper_digest:\n", f'  paper_digest:\n    signup_url: "{signup}"\n', 1)
    config.write_text(text, "utf-8")
    return load_settings(config)


def test_without_signup_url_there_is_no_chooser_and_no_link_to_it(
    make_project: MakeProject,
) -> None:
    settings = make_project(source=THEMED)
    build(settings, embedder=StandInEmbedder())
    assert not (settings.site_dir / "subscribe").exists()
    assert not (settings.docs_dir / "subscribe.md").exists()
    for page in settings.site_dir.rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        assert not tree.xpath("//a[contains(@href, 'subscribe/')]"), page
        assert not tree.xpath("//a[contains(@class, 'pd-subscribe__topic-email')]"), page


@pytest.mark.browser
def test_ticking_boxes_builds_the_signup_link(make_project: MakeProject, browser: Browser) -> None:
    port = free_port()
    site_url = f"http://127.0.0.1:{port}/"
    settings = with_signup(make_project(source=THEMED, site_url=site_url), SIGNUP)
    build(settings, embedder=StandInEmbedder())
    page_file = settings.site_dir / "subscribe" / "index.html"
    tree = lxml.html.fromstring(page_file.read_bytes())
    areas = tree.xpath("//input[@name='area']/@value")
    assert len(areas) >= 2
    by_area = {a: tree.xpath(f"//input[@name='topic'][@data-area='{a}']/@value") for a in areas}
    # A topic of an area with others (ticking it alone is not ticking its area), and another
    # area to tick whole.
    other_area = next(area for area in areas if len(by_area[area]) >= 2)
    other_topic = by_area[other_area][0]
    whole = next(area for area in areas if area != other_area)
    first_topics = by_area[whole]
    with serving(settings.site_dir, port) as base:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        try:
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(base + "subscribe/")
            link = page.locator("a.pd-chooser__link")
            assert link.get_attribute("href") == (
                "https://lists.example.org/join?topics=&areas=&every=issue"
            )
            assert link.inner_text() == "Sign up for every paper"
            page.check(f"input[name='topic'][value='{other_topic}']")
            assert link.get_attribute("href") == (
                f"https://lists.example.org/join?topics={other_topic}&areas=&every=issue"
            )
            page.check(f"input[name='area'][value='{whole}']")  # ticks its topics too
            boxes = page.locator(f"input[name='topic'][data-area='{whole}']")
            assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
            page.check("input[name='every'][value='week']")
            assert link.get_attribute("href") == (
                f"https://lists.example.org/join?topics={other_topic}&areas={whole}&every=week"
            )
            assert link.inner_text() == f"Sign up for {len(first_topics) + 1} topics"
            page.uncheck(
                f"input[name='topic'][value='{first_topics[0]}']"
            )  # the area is no longer whole
            assert not page.is_checked(f"input[name='area'][value='{whole}']")
            rest = sorted([*first_topics[1:], other_topic], key=[*first_topics, other_topic].index)
            assert link.get_attribute("href") == (
                f"https://lists.example.org/join?topics={','.join(rest)}&areas=&every=week"
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "chooser.png"), full_page=True)
            assert all(url.startswith(base) for url in requests), requests  # no other host
            page.goto(base + f"topics/{other_topic}/")
            offer = page.locator("a.pd-subscribe__topic-email")
            assert offer.inner_text() == "Get this topic by email"
            assert offer.get_attribute("href") == (
                f"https://lists.example.org/join?topics={other_topic}&areas=&every=issue"
            )
            page.locator("a.pd-subscribe__email").click()
            assert page.url == base + "subscribe/"
        finally:
            page.close()
