"""Readers choose their topics: the list's format, and each reader's copy over real SMTP.

The themed fixture (tests/fixtures/digests/themed: three dated issues, six themes of papers)
gives topics in two areas with the stand-in embedder. Each test reads the catalog the command
reads and works out, on its own terms, which papers each reader should get; then it sends
through `email send` to aiosmtpd on 127.0.0.1 and compares with what arrived.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import lxml.html
import pytest

from generator.build import read_annotated_catalog
from generator.cli.commands import email_send_command
from generator.config import Settings
from generator.errors import ConfigError
from generator.mail.readers import EVERY_WEEK, Interests, check_slugs, read_readers
from generator.mail.send import NOTHING, SENT, send_issue
from generator.mail.smtp import smtp_outlet
from generator.model import Catalog, Paper
from tests.conftest import FIXTURES, MakeProject, smtp_server, smtp_settings
from tests.stand_in import StandInEmbedder
from tests.test_mail_promises import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

THEMED = FIXTURES / "digests" / "themed"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "email"
LATEST = 3  # the themed newsletter's third issue


@pytest.fixture
def server() -> Iterator[tuple[Server, int]]:
    handler = Server()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture
def themed(make_project: MakeProject, server: tuple[Server, int]) -> tuple[Settings, Catalog]:
    settings = smtp_settings(make_project(source=THEMED), server[1])
    catalog, _ = read_annotated_catalog(settings, embedder=StandInEmbedder())
    assert len(catalog.areas) >= 2, "the themed fixture should give two areas or more"
    return settings, catalog


def expected(catalog: Catalog, papers: tuple[Paper, ...], line: str) -> set[str]:
    """Return the slugs of the papers a list line asks for, worked out from the catalog."""
    fields = dict(word.split("=", 1) for word in line.split()[1:])
    chosen = {s for f in ("areas", "topics") for s in fields.get(f, "").split(",") if s}
    excluded = set(filter(None, fields.get("exclude", "").split(",")))
    found = set()
    for paper in papers:
        marks = {m for slug in paper.topics for m in (slug, catalog.topic(slug).area)}
        if not marks & excluded and (not chosen or marks & chosen):
            found.add(paper.slug)
    return found


def papers_in(html: str) -> list[str]:
    """Return the slugs of the papers a copy links to, in order."""
    tree = lxml.html.document_fromstring(html)
    hrefs = tree.xpath("//a[@class='pd-title']/@href | //ul[@class='pd-rest']/li/a/@href")
    return [re.search(r"/papers/([^/]+)/$", href)[1] for href in hrefs]  # type: ignore[index]


def write_list(settings: Settings, lines: list[str]) -> Path:
    path = settings.config_file.parent / "readers.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_list_format_reads_interests_and_names_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "readers.txt"
    path.write_text(
        "# a comment\n"
        "plain@example.com\n"
        "chosen@example.com\ttopics=b-topic,a-topic  areas=area-x exclude=c  # a comment\n"
        "weekly@example.com every=week\n"
        "typo@example.com topic=a-topic\n"
        "twice@example.com topics=a topics=b\n"
        "empty@example.com exclude=\n"
        "upper@example.com topics=Diffusion\n"
        "often@example.com every=day\n"
        "not an address\n"
        "PLAIN@example.com\n"
        "plain@example.com every=week\n",
        encoding="utf-8",
    )
    listing = read_readers(path)
    assert listing.addresses == ("plain@example.com", "chosen@example.com", "weekly@example.com")
    chosen = listing.readers[1].interests
    assert chosen == Interests(areas=("area-x",), topics=("a-topic", "b-topic"), exclude=("c",))
    assert [r.address for r in listing.taking(EVERY_WEEK)] == ["weekly@example.com"]
    said = {p.location.line: p.message for p in listing.problems}
    assert sorted(said) == [5, 6, 7, 8, 9, 10, 12]
    assert "'topic=a-topic' is not a field" in said[5]
    assert "topics= is given twice" in said[6]
    assert "exclude= is empty" in said[7]
    assert "'Diffusion', which is not a slug" in said[8]
    assert "every=day is neither issue nor week" in said[9]
    assert "first on the line 'not an address'" in said[10]
    assert "already on line 2 with other choices" in said[12]
    assert all(message.endswith(": line left out") for message in said.values())
    assert all(str(p).startswith(f"{path}:") for p in listing.problems)


def test_unknown_slugs_are_named_and_their_lines_left_out(
    themed: tuple[Settings, Catalog], tmp_path: Path
) -> None:
    _, catalog = themed
    area, topic = catalog.areas[0].slug, catalog.topics[0].slug
    path = tmp_path / "readers.txt"
    path.write_text(
        f"a@example.com areas={area} topics={topic}\n"
        f"b@example.com areas={topic}\n"  # a topic is not an area
        "c@example.com exclude=nothing-like-this\n",
        encoding="utf-8",
    )
    listing = check_slugs(read_readers(path), catalog)
    assert listing.addresses == ("a@example.com",)
    assert [str(p.location) for p in listing.problems] == [f"{path}:2", f"{path}:3"]
    assert f"no such area or topic: areas={topic}" in listing.problems[0].message
    with pytest.raises(ConfigError, match="no usable recipients"):
        path.write_text("# nobody\n", encoding="utf-8")
        read_readers(path)


def test_one_issue_reaches_each_reader_with_their_papers_only(
    themed: tuple[Settings, Catalog], server: tuple[Server, int]
) -> None:
    settings, catalog = themed
    box, _ = server
    issue = next(i for i in catalog.issues if i.number == LATEST)
    papers = catalog.papers_of(issue)
    first, second = catalog.areas[0], catalog.areas[1]
    lines = [
        "everything@example.com",
        f"area@example.com areas={first.slug}",
        f"topic@example.com topics={second.topic_slugs[0]}",
        f"mixed@example.com areas={first.slug} topics={second.topic_slugs[-1]} "
        f"exclude={first.topic_slugs[0]}",
        f"nothing@example.com exclude={','.join(a.slug for a in catalog.areas)}",
        "weekly@example.com every=week",
        "unknown@example.com topics=no-such-topic",
    ]
    said: list[str] = []
    outlet = smtp_outlet(settings, {})
    readers = write_list(settings, lines)
    status = email_send_command(
        settings, LATEST, readers, None, False, said.append, outlet, StandInEmbedder()
    )
    assert status == 3, said  # done; one bad line named
    bad = f"{readers}:7: error: no such area or topic: topics=no-such-topic: line left out — "
    assert said[0].startswith(bad)
    assert said[-2].endswith(
        ": 4 sent, 1 nothing in their topics. Ledger: " + str(settings.ledger_path)
    )
    for line in lines[:4]:
        address = line.split()[0]
        [msg] = box.received(address)
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        got = papers_in(html)
        want = expected(catalog, papers, line)
        assert want and set(got) == want and len(got) == len(want), address
        assert msg["Subject"] == f"Paper Digest: {issue.title}"
        assert address.replace("@", "@") in msg["List-Unsubscribe"]
        more = len(papers) - len(want)
        if more:
            assert f"{more} more papers in this issue →" in html
            assert "This copy holds the papers of" in html and "This copy holds" in text
        else:
            assert "more papers in this issue" not in html and "This copy holds" not in html
        # Sections are the site's areas, biggest first; none is a false "Other papers".
        tree = lxml.html.document_fromstring(html)
        labels = [h.text_content() for h in tree.xpath("//h2")]
        assert "Other papers" not in labels
        sizes = [
            sum(1 for p in papers if p.slug in want and catalog.area_of(p).label == label)
            for label in labels
        ]  # type: ignore[union-attr]
        assert sizes == sorted(sizes, reverse=True) and sum(sizes) == len(want)
    assert box.received("nothing@example.com") == [] and box.received("weekly@example.com") == []
    mixed = box.received("mixed@example.com")[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    for slug in (first.slug, second.topic_slugs[-1], first.topic_slugs[0]):
        label = {a.slug: a.label for a in catalog.areas} | {t.slug: t.label for t in catalog.topics}
        assert label[slug] in mixed.split("This copy holds the papers of")[1]


def test_a_reader_with_nothing_gets_a_notice_when_the_setting_asks(
    themed: tuple[Settings, Catalog], server: tuple[Server, int]
) -> None:
    settings, catalog = themed
    box, _ = server
    noticing = replace(settings, email=replace(settings.email, empty_copy="notice"))
    nobody = f"nobody@example.com exclude={','.join(a.slug for a in catalog.areas)}"
    listing = read_readers(write_list(settings, [nobody]))
    report = send_issue(catalog, noticing, LATEST, listing.readers, smtp_outlet(noticing, {}))
    assert [d.status for d in report.deliveries] == [SENT]
    [msg] = box.received("nobody@example.com")
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Nothing in your topics this time." in html and papers_in(html) == []
    issue = next(i for i in catalog.issues if i.number == LATEST)
    assert f"{len(issue.paper_ids)} more papers in this issue →" in html
    skipping = send_issue(catalog, settings, LATEST - 1, listing.readers, smtp_outlet(settings, {}))
    assert [d.status for d in skipping.deliveries] == [NOTHING]
    assert len(box.messages) == 1


@pytest.mark.browser
def test_two_readers_copies_of_one_issue_as_screenshots(
    themed: tuple[Settings, Catalog], server: tuple[Server, int], browser: Browser
) -> None:
    settings, catalog = themed
    box, _ = server
    choose = replace(settings, signup_url="https://example.org/join?topics={topics}")
    first, second = catalog.areas[0], catalog.areas[1]
    lines = [
        f"ada@example.com areas={first.slug}",
        f"alan@example.com topics={second.topic_slugs[0]}",
    ]
    listing = read_readers(write_list(settings, lines))
    assert send_issue(catalog, choose, LATEST, listing.readers, smtp_outlet(choose, {})).finished
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for reader in listing.readers:
        [msg] = box.received(reader.address)
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        page = browser.new_page(viewport={"width": 600, "height": 900})
        try:
            page.set_content(html, wait_until="load")
            titles = page.locator("a.pd-title").all_inner_texts()
            assert titles and all(title.strip() for title in titles)
            assert page.locator("a", has_text="Choose your topics").count() == 1
            name = reader.address.split("@")[0]
            page.screenshot(
                path=str(ARTIFACTS / f"reader-{name}-issue-{LATEST}.png"), full_page=True
            )
        finally:
            page.close()
