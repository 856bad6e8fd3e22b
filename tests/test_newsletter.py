"""The email of an issue: HTML, text and .eml that parse cleanly, stay inert and fit in Gmail."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest

from generator.build import read_catalog
from generator.cli.commands import email_build_command
from generator.config import Settings
from generator.errors import ConfigError
from generator.mail.compose import render_issue_email
from generator.mail.html import sanitize_email_html
from generator.mail.message import make_message
from generator.mail.outbox import GMAIL_CLIP_BYTES, build_emails
from generator.model import Area, Catalog, Issue, Keyphrase, Topic
from tests.conftest import REPO, MakeProject, paper
from tests.stand_in import StandInEmbedder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SENDER = "Paper Digest <news@paper-digest.example.org>"
UNSUBSCRIBE = "https://paper-digest.example.org/unsubscribe?u={recipient}"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "email"
XSS_TITLE = "Issue three: <untrusted> & friends"


def with_email(settings: Settings, **changes: object) -> Settings:
    """Return settings whose email section is filled in as a real newsletter's would be."""
    values: dict[str, object] = {"sender": SENDER, "unsubscribe_url": UNSUBSCRIBE, **changes}
    return replace(settings, email=replace(settings.email, **values))  # type: ignore[arg-type]


@pytest.fixture
def settings(make_project: MakeProject) -> Settings:
    return with_email(make_project())


def parse(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def header_lines(data: bytes) -> list[str]:
    """Return the header section's lines once unfolded (a fold is CRLF then a space or tab)."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return re.sub(r"\r\n[ \t]", " ", head).split("\r\n")


def assert_clean_message(data: bytes) -> EmailMessage:
    """Parse a message and check it: no defects, text before HTML, one header a line."""
    msg = parse(data)
    assert msg.defects == []
    assert all(part.defects == [] for part in msg.walk())
    assert msg.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    lines = header_lines(data)
    assert all(re.fullmatch(r"[!-9;-~]+: [^\r\n]*", line) for line in lines), lines
    names = [line.split(":", 1)[0].lower() for line in lines]
    assert len(names) == len(set(names))
    return msg


def retitled(catalog: Catalog, number: int, title: str) -> tuple[Catalog, Issue]:
    """Return the catalog with one issue's title replaced, and that issue."""
    issues = tuple(replace(i, title=title) if i.number == number else i for i in catalog.issues)
    new = Catalog(issues, catalog.papers, catalog.topics)
    return new, next(i for i in issues if i.number == number)


def test_build_writes_html_text_and_eml_for_every_issue(settings: Settings) -> None:
    said: list[str] = []
    assert email_build_command(settings, None, said.append, StandInEmbedder()) == 0
    names = sorted(path.name for path in settings.email_dir.iterdir())
    slugs = ["01-first", "02-second", "03-third"]
    assert names == sorted(f"{slug}.{ext}" for slug in slugs for ext in ("eml", "html", "txt"))
    assert said[-1].startswith("Built 3 emails in ")
    assert not any(line.startswith("warning: email.") for line in said)
    said.clear()
    assert email_build_command(settings, 2, said.append, StandInEmbedder()) == 0
    assert said[0].startswith("02-second: ")
    with pytest.raises(ConfigError, match="no issue number 9"):
        email_build_command(settings, 9, said.append, StandInEmbedder())


def test_eml_parses_cleanly_with_the_headers_a_newsletter_needs(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    build = build_emails(catalog, settings)
    for issue in catalog.issues:
        msg = assert_clean_message(build.files[f"{issue.slug}.eml"])
        assert msg["Message-ID"] == f"<{issue.slug}.{issue.number}@paper-digest.example.org>"
        assert msg["From"] == SENDER
        assert msg["Subject"] == f"Paper Digest: {issue.title}"
        assert msg["List-Unsubscribe"] == "<https://paper-digest.example.org/unsubscribe?u=>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "To" not in msg  # the preview is nobody's copy
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert text is not None and html is not None
        assert text.get_content().replace("\r\n", "\n") == build.files[f"{issue.slug}.txt"].decode()
        assert (
            html.get_content().replace("\r\n", "\n") == build.files[f"{issue.slug}.html"].decode()
        )
    dated = parse(build.files["03-third.eml"])
    assert dated["Date"] == "Wed, 02 Apr 2025 00:00:00 +0000"


def test_undated_issue_claims_no_date_of_another_issue(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    undated = catalog.issue("02-second")
    assert undated.date is None
    build = build_emails(catalog, settings, undated.number)
    # A Date header is required: the newest date the digests give (issue 3, April 2), as the
    # feeds' update time, never issue 1's date stamped on issue 2.
    assert parse(build.files["02-second.eml"])["Date"] == "Wed, 02 Apr 2025 00:00:00 +0000"
    assert any("02-second) has no date" in warning for warning in build.warnings)
    html = build.files["02-second.html"].decode()
    assert "March 11" not in html and "Undated" not in html
    issues = tuple(replace(issue, date=None) for issue in catalog.issues)
    papers = tuple(replace(paper, date=None) for paper in catalog.papers)
    nothing_dated = Catalog(issues, papers)
    email = render_issue_email(nothing_dated, nothing_dated.issue("02-second"), settings)
    assert email.date == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # nothing known: the epoch


def test_an_undated_issue_is_in_no_weekly_digest(settings: Settings) -> None:
    from generator.mail.editions import week_edition

    catalog, _ = read_catalog(settings)
    week = week_edition(catalog, "2025-W11", settings)
    assert [issue.slug for issue in week.issues] == ["01-first"]  # not the undated 02-second
    with pytest.raises(ConfigError, match="no issue falls in 2025-W12") as caught:
        week_edition(catalog, "2025-W12", settings)
    assert "2025-W11, 2025-W14" in caught.value.hint
    assert "undated issues are in no week (Issue 2)" in caught.value.hint


@pytest.mark.parametrize(
    "title",
    [
        "Über Aufmerksamkeit — ニューラルネットワークの注意機構 🧠 " * 6,
        "Hi\r\nBcc: victim@example.com\r\n\r\n<b>injected body</b>",
        "Tabs\tand\nnewlines\rin a title",
    ],
)
def test_subject_round_trips_and_no_title_injects_a_header(settings: Settings, title: str) -> None:
    catalog, issue = retitled(read_catalog(settings)[0], 2, title)
    data = make_message(render_issue_email(catalog, issue, settings), settings)
    msg = assert_clean_message(data)
    assert msg["Subject"] == "Paper Digest: " + " ".join(title.split())
    assert "Bcc" not in msg
    assert all(len(line) <= 78 for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))
    # The email package refuses a raw line break in a header: a second line of defence.
    with pytest.raises(ValueError):
        EmailMessage(policy=policy.SMTP)["Subject"] = "a\r\nBcc: victim@example.com"


def test_untrusted_text_stays_inert(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    email = render_issue_email(catalog, catalog.issue("03-third"), settings)
    tree = lxml.html.document_fromstring(email.html)
    assert tree.xpath("//script") == []
    assert tree.xpath("//img") == []
    for element in tree.iter():
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    hrefs = tree.xpath("//a/@href")
    assert hrefs and all(href.startswith("https://paper-digest.example.org/") for href in hrefs)
    values = [value.lower() for element in tree.iter() for value in element.attrib.values()]
    assert not [value for value in values if "javascript:" in value]
    assert tree.xpath("string(//h1)") == XSS_TITLE
    assert "<script>alert(1)</script>" in tree.xpath("string(//a[@class='pd-title'][1])")
    assert XSS_TITLE in email.text and "<script>alert(1)</script>" in email.text


def test_sanitizer_removes_live_html_that_gets_past_the_templates() -> None:
    document = (
        "<html><head><title>t</title><script>alert(1)</script></head>"
        "<body><p onclick='alert(1)'>x</p><a href='javascript:alert(1)'>y</a>"
        "<img src=x onerror=alert(1)><script>alert(2)</script><style>p{}</style>"
        "<a href='https://ok.example/'>z</a></body></html>"
    )
    clean = sanitize_email_html(document)
    assert "script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript" not in clean and "<img" not in clean and "p{}" not in clean
    assert '<a href="https://ok.example/">z</a>' in clean


def test_text_part_writes_every_link_out(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    issue = catalog.issue("02-second")
    text = render_issue_email(catalog, issue, settings).text
    for item in catalog.papers_of(issue):
        assert f"https://paper-digest.example.org/papers/{item.slug}/" in text
    assert "https://paper-digest.example.org/issues/02-second/" in text
    assert "https://paper-digest.example.org/feed.xml" in text
    assert "https://paper-digest.example.org/atom.xml" in text
    assert "Unsubscribe: https://paper-digest.example.org/unsubscribe?u=" in text
    assert "&amp;" not in text and "&lt;" not in text


def test_papers_are_grouped_by_the_area_of_their_first_topic(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    issue = catalog.issue("02-second")
    first, second = catalog.papers_of(issue)
    topics = (
        Topic("language-models", "Language models", "", (), area="area-text"),
        Topic("vision", "Vision", "", (first.id,), area="area-vision"),
    )
    areas = (
        Area("area-text", "Text", "", ("language-models",)),
        Area("area-vision", "Seeing things", "", ("vision",)),
    )
    papers = tuple(
        replace(
            p,
            topics=("vision", "language-models") if p.id == first.id else p.topics,
            keyphrases=(Keyphrase("residual learning", 0.9), Keyphrase("deep networks", 0.5)),
        )
        for p in catalog.papers
    )
    sectioned = Catalog(catalog.issues, papers, topics, areas)
    email = render_issue_email(sectioned, issue, settings)
    tree = lxml.html.document_fromstring(email.html)
    assert [h.text_content() for h in tree.xpath("//h2")] == ["Seeing things", "Other papers"]
    assert tree.xpath("//h2/a/@href") == [
        "https://paper-digest.example.org/topics/#area-vision",
        "https://paper-digest.example.org/other-papers/",
    ]
    assert "residual learning · deep networks" in tree.xpath("string(//p[@class='pd-keys'])")
    assert "SEEING THINGS\nhttps://paper-digest.example.org/topics/#area-vision" in email.text
    assert "Keyphrases: residual learning, deep networks" in email.text
    assert second.title in email.text


def test_max_excerpts_lists_the_rest_as_titles(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    issue = catalog.issue("02-second")
    email = render_issue_email(catalog, issue, with_email(settings, max_excerpts=1))
    tree = lxml.html.document_fromstring(email.html)
    assert len(tree.xpath("//p[@class='pd-excerpt']")) == 1
    assert len(tree.xpath("//ul[@class='pd-rest']/li/a")) == 1
    assert (email.excerpts, email.papers) == (1, 2)


def big_project(make_project: MakeProject, papers: int = 400) -> Settings:
    titles = [
        f"Synthetic paper number {n} on very long titles about attention" for n in range(papers)
    ]
    digest = "title: A big issue\n\n" + "\n".join(paper(title, words=80) for title in titles)
    return with_email(make_project({"01-big.md": digest}))


def test_size_guard_warns_by_how_much_and_max_excerpts_bounds_the_size(
    make_project: MakeProject,
) -> None:
    settings = with_email(big_project(make_project), max_excerpts=400)
    catalog, _ = read_catalog(settings)
    build = build_emails(catalog, settings)
    [email] = build.emails
    over = email.html_bytes - GMAIL_CLIP_BYTES
    assert over > 0
    [warning] = [w for w in build.warnings if "clip limit" in w]
    assert f"{email.html_bytes:,} bytes, {over:,} over Gmail's 102,400-byte clip limit" in warning
    fits = int(re.search(r"set email.max_excerpts to (\d+) or less", warning)[1])  # type: ignore[index]
    sizes = [
        render_issue_email(catalog, email.issue, settings, max_excerpts=cap).html_bytes
        for cap in (0, fits, fits + 1, 400)
    ]
    assert sizes == sorted(sizes)
    assert sizes[1] <= GMAIL_CLIP_BYTES < sizes[2]
    capped = build_emails(catalog, with_email(settings, max_excerpts=fits))
    assert not [w for w in capped.warnings if "clip limit" in w]


def test_building_twice_gives_identical_bytes(settings: Settings, tmp_path: Path) -> None:
    catalog, _ = read_catalog(settings)
    first = build_emails(catalog, settings).files
    assert build_emails(read_catalog(settings)[0], settings).files == first
    # Another process with other hash seeds writes the same bytes too.
    script = (
        "import sys; from dataclasses import replace; from pathlib import Path\n"
        "from generator.config import load_settings\n"
        "from generator.build import read_catalog\n"
        "from generator.cli.commands import write_emails\n"
        "from generator.mail.outbox import build_emails\n"
        "s = load_settings(sys.argv[1])\n"
        "s = replace(s, email=replace(s.email, sender=sys.argv[2], unsubscribe_url=sys.argv[3]))\n"
        "write_emails(build_emails(read_catalog(s)[0], s), Path(sys.argv[4]))\n"
    )
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", script, str(settings.config_file), SENDER, UNSUBSCRIBE, str(out)],
        check=True,
        cwd=REPO,
        env=env,
    )
    assert {path.name: path.read_bytes() for path in out.iterdir()} == first


def test_email_needs_an_absolute_site_url(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    with pytest.raises(ConfigError, match="site_url"):
        build_emails(catalog, replace(settings, site_url=""))
    with pytest.raises(ConfigError, match="https"):
        build_emails(catalog, with_email(settings, unsubscribe_url="http://x.example/u"))


def test_missing_sender_and_unsubscribe_are_warnings_for_a_build(settings: Settings) -> None:
    catalog, _ = read_catalog(settings)
    build = build_emails(catalog, with_email(settings, sender="", unsubscribe_url=""))
    assert any("email.sender is not set" in warning for warning in build.warnings)
    assert any("email.unsubscribe_url is not set" in warning for warning in build.warnings)
    msg = assert_clean_message(build.files["01-first.eml"])
    assert "List-Unsubscribe" not in msg


# --- In headless Chromium --------------------------------------------------------------------


def _overflow(page: Page) -> dict[str, Any]:
    """Measure the page: its scroll width, viewport width and the elements past its edge."""
    measured: dict[str, Any] = page.evaluate(
        """() => {
            const width = window.innerWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 0.5)
                .map(e => e.tagName + '.' + e.className);
            return {scroll: document.scrollingElement.scrollWidth, width, wide};
        }"""
    )
    return measured


ALL_SHOWN = "els => els.every(e => e.getBoundingClientRect().height > 0 && e.innerText.trim())"


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 800])
def test_email_fits_narrow_and_wide_windows(
    make_project: MakeProject, browser: Browser, width: int
) -> None:
    small = with_email(make_project())
    long_word = "Supercalifragilistic" * 8
    catalog, issue = retitled(read_catalog(small)[0], 3, f"{XSS_TITLE} {long_word}")
    big = big_project(make_project, papers=120)
    big_catalog, _ = read_catalog(big)
    cases = [
        ("small-issue-3", catalog, issue, small),
        ("big-issue", big_catalog, big_catalog.issues[0], big),
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, cat, target, settings in cases:
        email = render_issue_email(cat, target, settings)
        featured = min(len(target.paper_ids), settings.email.max_excerpts)
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            try:
                page.set_content(email.html, wait_until="load")
                measured = _overflow(page)
                assert measured["scroll"] <= measured["width"], measured
                assert measured["wide"] == [], measured
                titles = page.locator("a.pd-title")
                rest = page.locator("ul.pd-rest li a")
                assert titles.count() == featured
                assert rest.count() == len(target.paper_ids) - featured
                assert titles.evaluate_all(ALL_SHOWN) and rest.evaluate_all(ALL_SHOWN)
                card = page.eval_on_selector(".pd-card", "e => getComputedStyle(e).backgroundColor")
                assert card == ("rgb(22, 27, 34)" if scheme == "dark" else "rgb(255, 255, 255)")
                shot = ARTIFACTS / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=True)
            finally:
                page.close()


def test_a_big_issue_has_its_biggest_areas_first_and_shares_excerpts(settings: Settings) -> None:
    from generator.mail.compose import email_sections
    from generator.model import Issue, Location, Paper

    papers, topics, areas = [], [], []
    for a in range(3):  # area a has 12 - 3a papers, in two topics
        slugs = (f"topic-{a}-x", f"topic-{a}-y")
        for n in range(12 - 3 * a):
            pid = f"a{a}p{n:02d}"
            topic = slugs[n % 3 == 0]  # x holds two thirds, y one third
            papers.append(
                Paper(
                    pid,
                    pid,
                    f"Paper {pid}",
                    "An abstract.",
                    ("i",),
                    (Location("x", 1),),
                    topics=(topic,),
                )
            )
        for slug in slugs:
            ids = tuple(p.id for p in papers if p.topics == (slug,))
            topics.append(Topic(slug, slug.title(), "", ids, area=f"area-{a}"))
        areas.append(Area(f"area-{a}", f"Area {'CBA'[a]}", "", slugs))
    loose = Paper("loose", "loose", "Loose", "Far from all.", ("i",), (Location("x", 1),))
    papers.append(loose)
    issue = Issue("i", 1, "Issue 1", "x", paper_ids=tuple(p.id for p in papers))
    catalog = Catalog((issue,), tuple(papers), tuple(topics), tuple(reversed(areas)))
    sections = email_sections(catalog, catalog.papers_of(issue), settings, max_excerpts=5)
    assert [s.label for s in sections] == ["Area C", "Area B", "Area A", "Other papers"]
    assert [s.more for s in sections][:3] == ["More in Area C", "More in Area B", "More in Area A"]
    assert [len(s.featured) for s in sections] == [2, 1, 1, 1]  # round-robin, biggest first
    assert [len(s.featured) + len(s.rest) for s in sections] == [12, 9, 6, 1]
    first = [*sections[0].featured, *sections[0].rest]
    assert {p.topics for p in first[:8]} == {("topic-0-x",)}  # the bigger topic first
