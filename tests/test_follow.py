"""Follow topics without an account, in headless Chromium, with the network cut off.

A site is built from the themed fixture (with `signup_url`, so the chooser is there) and served
on 127.0.0.1. The reader follows a topic on its page, reloads the home page and finds "New in
your topics" with that topic's papers; the chooser saves the ticked topics' feeds as OPML,
which lxml reads. Every request a page makes must be to the site itself: the browser context
is offline for any other host (a request elsewhere fails the test).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest

from generator.build import build
from generator.config import Settings, load_settings
from generator.site.follow import FOLLOW_FILE, PAPERS_PER_TOPIC
from tests.conftest import FIXTURES, served_project, serving
from tests.stand_in import StandInEmbedder
from tests.test_signup_page import SIGNUP, with_signup

pytestmark = pytest.mark.browser

THEMED = FIXTURES / "digests" / "themed"
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"


@dataclass
class Built:
    settings: Settings
    base: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    config, port = served_project(tmp_path_factory.mktemp("follow"), THEMED)
    settings = with_signup(load_settings(config), SIGNUP)
    build(settings, embedder=StandInEmbedder())
    with serving(settings.site_dir, port) as base:
        yield Built(settings, base)


@pytest.fixture
def offline_page(browser: Any, built: Built) -> Iterator[Any]:
    """A page whose requests may only go to the site; any other fails the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True)
    elsewhere: list[str] = []
    problems: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(built.base) or url.startswith(("blob:", "data:")):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()
    assert elsewhere == []
    assert problems == []


def topic_with_papers(built: Built) -> dict[str, Any]:
    data = json.loads((built.settings.site_dir / FOLLOW_FILE).read_bytes())
    slug = min(slug for slug, topic in data["topics"].items() if topic["papers"])
    topic: dict[str, Any] = data["topics"][slug]
    topic["slug"] = slug
    return topic


def test_the_follow_file_is_small(built: Built) -> None:
    path = built.settings.site_dir / FOLLOW_FILE
    data = json.loads(path.read_bytes())
    assert data["topics"]
    assert all(len(t["papers"]) <= PAPERS_PER_TOPIC for t in data["topics"].values())
    assert all(p["url"].startswith("papers/") for t in data["topics"].values() for p in t["papers"])
    assert len(path.read_bytes()) < 2_000 * len(data["topics"])


def test_follow_a_topic_then_the_home_page_shows_its_new_papers(
    built: Built, offline_page: Any
) -> None:
    page = offline_page
    topic = topic_with_papers(built)
    page.goto(built.base + topic["url"], wait_until="load")
    button = page.locator("button.pd-follow")
    assert button.inner_text() == "Follow"
    button.click()
    assert button.inner_text() == "Following"
    assert button.get_attribute("aria-pressed") == "true"
    stored = json.loads(page.evaluate("localStorage.getItem('paper-digest:follow')"))
    assert stored["topics"] == {topic["slug"]: topic["label"]}

    page.goto(built.base, wait_until="load")
    block = page.locator("section.pd-follow-new")
    block.wait_for()
    assert block.locator("h2").inner_text() == "New in your topics"
    titles = block.locator(".pd-follow-new__list li > a:first-child").all_inner_texts()
    latest = json.loads((built.settings.site_dir / FOLLOW_FILE).read_bytes())["latest"]
    expected = [p["title"] for p in topic["papers"] if p["issue"] == latest]
    assert titles == sorted(expected)[:10] or titles == expected[:10]
    page.reload(wait_until="load")  # the same visit: the same block
    page.locator("section.pd-follow-new").wait_for()
    assert page.locator(".pd-follow-new__list li").count() == len(titles)
    # Unfollowed: the home page is as it was.
    page.goto(built.base + topic["url"], wait_until="load")
    page.locator("button.pd-follow").click()
    page.goto(built.base, wait_until="load")
    page.wait_for_load_state("networkidle")
    assert page.locator("section.pd-follow-new").count() == 0


def test_titles_from_storage_and_the_file_stay_text(built: Built, offline_page: Any) -> None:
    page = offline_page
    topic = topic_with_papers(built)
    page.goto(built.base, wait_until="load")
    state = {"topics": {topic["slug"]: HOSTILE_LABEL, "no-such-topic": HOSTILE_LABEL}}
    page.evaluate("(s) => localStorage.setItem('paper-digest:follow', s)", json.dumps(state))
    page.reload(wait_until="load")
    page.locator("section.pd-follow-new").wait_for()
    assert page.locator("section.pd-follow-new img").count() == 0


def test_the_chooser_saves_the_chosen_feeds_as_opml(built: Built, offline_page: Any) -> None:
    page = offline_page
    page.goto(built.base + "subscribe/", wait_until="load")
    tree = lxml.html.fromstring((built.settings.site_dir / "subscribe/index.html").read_bytes())
    slugs = tree.xpath("//input[@name='topic']/@value")[:2]
    for slug in slugs:
        page.check(f"input[name='topic'][value='{slug}']")
    assert (
        page.locator("a.pd-chooser__link")
        .get_attribute("href")
        .startswith("https://lists.example.org/join?topics=")
    )  # the email sign-up link, as before
    with page.expect_download() as download_info:
        page.locator("button.pd-chooser__opml").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".opml")
    opml = lxml.etree.parse(download.path())
    outlines = opml.xpath("/opml/body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [
        f"{built.base}topics/{slug}/feed.xml" for slug in slugs
    ]
    for slug, outline in zip(slugs, outlines, strict=True):
        assert outline.get("type") == "rss"
        assert (built.settings.site_dir / "topics" / slug / "feed.xml").is_file()
        label = tree.xpath(f"//input[@value='{slug}']/parent::label")[0].text_content().strip()
        assert outline.get("text") == label
    assert Path(download.path()).read_bytes().startswith(b"<?xml")
