"""RSS and Atom feeds: parsed back strictly, validated, stable across rebuilds, text kept inert."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import os
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import feedparser
import lxml.html
import pytest
import yaml
from lxml import etree

from generator.build import SilentProgress, annotate, build, generate_docs
from generator.catalog import build_catalog
from generator.config import Settings, load_settings
from generator.errors import ConfigError
from generator.model import Catalog, Keyphrase, Topic
from generator.site.feeds import feed_links, render_feeds
from generator.site.pages import render_pages
from generator.site.prose import excerpt
from generator.site.publish import write_docs
from generator.site.sanitize import sanitize_html, xml_text
from generator.site.templates import make_environment
from generator.site.urls import page_url, paper_doc, relative_url
from generator.sources import read_digests
from tests.conftest import REPO, SMALL_DIGESTS, MakeProject, paper, write_digests
from tests.site_checks import publish
from tests.stand_in import StandInEmbedder

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "atom.rng"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
SITE_URL = "https://paper-digest.example.org/"
HOSTILE_TITLE = "Ünïcödé ]]> & <b>bold</b>\x07 — naïve café"
HOSTILE_ABSTRACT = (
    'Text <script>alert(1)</script> <img src=x onerror="alert(2)"> '
    '<a href="javascript:alert(3)">x</a> <a href=" JaVaScRiPt:alert(4)">y</a> end.'
)


# Catalogs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO / "mkdocs.yml")


def small_catalog(reverse: bool = False) -> Catalog:
    issues = read_digests(SMALL_DIGESTS).issues
    return build_catalog(tuple(reversed(issues)) if reverse else issues)


def slug_of(catalog: Catalog, title: str) -> str:
    return next(p.slug for p in catalog.papers if p.title == title)


def with_topics(catalog: Catalog) -> Catalog:
    """Give the fixture's papers topics, keyphrases and one paper none: what topics.py will do."""
    topics = (
        Topic("optimization", "Optimization", "Tuning and search.", ()),
        Topic("deep-learning", "Deep learning", "", ()),
        Topic("scaling", "Scaling", "", ()),
    )
    assigned = {
        "A Tutorial on Bayesian Optimization": ("optimization",),
        "Scaling Laws for Neural Language Models": ("scaling", "deep-learning"),
        "Deep Residual Learning for Image Recognition": ("deep-learning",),
        "Attention Is All You Need": ("deep-learning", "scaling"),
    }
    papers = tuple(
        dataclasses.replace(
            p,
            topics=assigned.get(p.title, ()),
            keyphrases=(Keyphrase(f"{p.slug[:12]} phrase", 0.9), Keyphrase("x < y & z", 0.5)),
        )
        for p in catalog.papers
    )
    filled = tuple(
        dataclasses.replace(t, paper_ids=tuple(p.id for p in papers if t.slug in p.topics))
        for t in topics
    )
    # A new Catalog, not dataclasses.replace(catalog, ...): that would share the index dicts.
    return Catalog(issues=catalog.issues, papers=papers, topics=filled)


@pytest.fixture(scope="module")
def topical() -> Catalog:
    return with_topics(small_catalog())


@pytest.fixture(scope="module")
def feeds(topical: Catalog, settings: Settings) -> dict[str, bytes]:
    return render_feeds(topical, settings)


# Reading feeds back ----------------------------------------------------------------------------


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, STRICT)


def is_atom(path: str) -> bool:
    return path.endswith("atom.xml")


def entries(root: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = (
        root.findall(f"{ATOM}entry")
        if root.tag == f"{ATOM}feed"
        else root.findall("./channel/item")
    )
    return found


def entry_id(entry: etree._Element) -> str:
    atom = entry.tag == f"{ATOM}entry"
    return str(entry.findtext(f"{ATOM}id") if atom else entry.findtext("guid"))


def entry_html(entry: etree._Element) -> str:
    found = (
        entry.find(f"{ATOM}content") if entry.tag == f"{ATOM}entry" else entry.find("description")
    )
    assert found is not None and found.text
    if entry.tag == f"{ATOM}entry":
        assert found.get("type") == "html"
    return str(found.text)


def urls_in(root: etree._Element) -> Iterator[str]:
    """Yield every URL a feed carries: attributes, link/guid/id/docs texts, links in content."""
    for element in root.iter():
        for name in ("href", "src", "scheme", "domain", "uri"):
            if element.get(name) is not None:
                yield element.get(name)
        local = etree.QName(element).localname
        if local in {"link", "guid", "id", "docs", "uri"} and element.text and element.text.strip():
            yield element.text.strip()
    for entry in entries(root):
        for element in lxml.html.fragment_fromstring(entry_html(entry), create_parent="div").iter():
            yield from (
                element.get(name) for name in ("href", "src") if element.get(name) is not None
            )


# Well-formed, valid, complete -------------------------------------------------------------------


def test_feed_files_are_the_newsletter_and_one_pair_per_topic(feeds: dict[str, bytes]) -> None:
    assert list(feeds) == [
        "atom.xml",
        "feed.xml",
        "topics/deep-learning/atom.xml",
        "topics/deep-learning/feed.xml",
        "topics/optimization/atom.xml",
        "topics/optimization/feed.xml",
        "topics/scaling/atom.xml",
        "topics/scaling/feed.xml",
    ]


def test_every_feed_parses_strictly_and_without_feedparser_complaints(
    feeds: dict[str, bytes],
) -> None:
    for path, data in feeds.items():
        root = parse(data)
        assert root.tag == (f"{ATOM}feed" if is_atom(path) else "rss"), path
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("atom10" if is_atom(path) else "rss20"), path
        assert len(parsed.entries) == len(entries(root)), path


def test_every_atom_feed_is_valid_rfc_4287(feeds: dict[str, bytes]) -> None:
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    for path, data in feeds.items():
        if not is_atom(path):
            continue
        root = parse(data)
        assert schema.validate(root), (path, schema.error_log)
        # The RFC's two Schematron rules, which RELAX NG does not check.
        assert root.find(f"{ATOM}author/{ATOM}name") is not None, path
        for entry in entries(root):
            assert entry.find(f"{ATOM}content") is not None or entry.find(f"{ATOM}link") is not None
            assert len(entry.findall(f"{ATOM}id")) == 1, path
            assert len(entry.findall(f"{ATOM}updated")) == 1, path


def test_schema_rejects_what_rfc_4287_forbids(feeds: dict[str, bytes]) -> None:
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    good = feeds["atom.xml"].decode()
    first_id = "<id>https://paper-digest.example.org/issues/03-third/</id>"
    broken = [
        good.replace(first_id, first_id * 2),  # two ids in an entry
        good.replace("2025-04-02T00:00:00+00:00", "Wed, 02 Apr 2025", 1),  # not an RFC 3339 date
        good.replace('type="html"', 'type="rich"', 1),
        good.replace("<title>Paper Digest</title>", ""),  # a feed without a title
    ]
    for text in broken:
        assert text != good
        assert not schema.validate(parse(text.encode())), text[:200]


def test_newsletter_has_one_entry_per_issue_newest_first(
    topical: Catalog, feeds: dict[str, bytes]
) -> None:
    expected = [SITE_URL + f"issues/{slug}/" for slug in ("03-third", "02-second", "01-first")]
    for path in ("feed.xml", "atom.xml"):
        root = parse(feeds[path])
        assert [entry_id(e) for e in entries(root)] == expected
    rss = feedparser.parse(feeds["feed.xml"])
    assert [e.title for e in rss.entries] == [i.title for i in topical.issues]
    assert rss.feed.title == "Paper Digest"
    atom = feedparser.parse(feeds["atom.xml"])
    assert atom.feed.author == "The Paper Digest editors"


def test_topic_feeds_list_their_papers_by_first_issue_newest_first(
    topical: Catalog, feeds: dict[str, bytes]
) -> None:
    root = parse(feeds["topics/deep-learning/feed.xml"])
    titles = [e.findtext("title") for e in entries(root)]
    # Attention (issue 3), ResNet (issue 2), Scaling laws (first listed in issue 1).
    assert titles == [
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
        "Scaling Laws for Neural Language Models",
    ]
    first = entries(root)[0]
    assert first.findtext("guid") == SITE_URL + "papers/" + slug_of(topical, titles[0]) + "/"
    assert [(c.text, c.get("domain")) for c in first.findall("category")] == [
        ("Deep learning", SITE_URL + "topics/"),
        ("Scaling", SITE_URL + "topics/"),
    ]
    atom = parse(feeds["topics/deep-learning/atom.xml"])
    assert atom.findtext(f"{ATOM}id") == SITE_URL + "topics/deep-learning/"
    assert [c.get("term") for c in entries(atom)[0].findall(f"{ATOM}category")] == [
        "deep-learning",
        "scaling",
    ]
    self_links = [a.get("href") for a in atom.findall(f"{ATOM}link") if a.get("rel") == "self"]
    assert self_links == [SITE_URL + "topics/deep-learning/atom.xml"]


def test_feeds_hold_the_newest_n_entries(topical: Catalog, settings: Settings) -> None:
    capped = dataclasses.replace(settings, feed_issues=2, feed_topic_papers=1)
    feeds = render_feeds(topical, capped)
    for path, data in feeds.items():
        expected = 2 if "/" not in path else 1
        assert len(entries(parse(data))) == expected, path
        assert len(feedparser.parse(data).entries) == expected, path
    newest = [entry_id(e) for e in entries(parse(feeds["feed.xml"]))]
    assert newest == [SITE_URL + "issues/03-third/", SITE_URL + "issues/02-second/"]
    [only] = entries(parse(feeds["topics/deep-learning/atom.xml"]))
    assert only.findtext(f"{ATOM}title") == "Attention Is All You Need"


def test_ids_are_unique_and_survive_rebuilds_and_input_order(
    settings: Settings, feeds: dict[str, bytes]
) -> None:
    for path, data in feeds.items():
        ids = [entry_id(e) for e in entries(parse(data))]
        assert len(ids) == len(set(ids)) and all(ids), path
    again = render_feeds(with_topics(small_catalog()), settings)
    reordered = render_feeds(with_topics(small_catalog(reverse=True)), settings)
    assert again == feeds
    assert reordered == feeds


def test_every_url_is_absolute_https(feeds: dict[str, bytes]) -> None:
    for path, data in feeds.items():
        urls = list(urls_in(parse(data)))
        assert urls, path
        assert [u for u in urls if not u.startswith("https://")] == [], path
    # Links in the content were written relative to the page and made absolute.
    html = entry_html(entries(parse(feeds["atom.xml"]))[0])
    hrefs = [a.get("href") for a in lxml.html.fragment_fromstring(html, "div").iter("a")]
    assert SITE_URL + "topics/deep-learning/" in hrefs
    assert SITE_URL + "papers/attention-is-all-you-need-bd4b24/" in hrefs


def test_rss_dates_are_rfc_822_and_come_from_the_digests(feeds: dict[str, bytes]) -> None:
    channel = parse(feeds["feed.xml"]).find("channel")
    assert channel is not None
    dates = [e.findtext("pubDate") for e in entries(parse(feeds["feed.xml"]))]
    # Issue 2 is undated: no pubDate (RSS makes it optional), never another issue's date.
    assert dates == ["Wed, 02 Apr 2025 00:00:00 +0000", None, "Tue, 11 Mar 2025 00:00:00 +0000"]
    for text in [
        *filter(None, dates),
        channel.findtext("lastBuildDate"),
        channel.findtext("pubDate"),
    ]:
        assert text is not None
        parsed = email.utils.parsedate_to_datetime(text)
        assert parsed.tzinfo is not None
        assert email.utils.format_datetime(parsed) == text
    assert channel.findtext("lastBuildDate") == dates[0]  # the newest date the feed knows


def test_undated_entries_claim_no_date_of_their_own(feeds: dict[str, bytes]) -> None:
    atom = entries(parse(feeds["atom.xml"]))
    undated = atom[1]  # issue 2
    assert undated.find(f"{ATOM}published") is None
    # Atom requires updated: the feed's own update time, the newest date the digests give.
    feed_updated = parse(feeds["atom.xml"]).findtext(f"{ATOM}updated")
    assert undated.findtext(f"{ATOM}updated") == feed_updated == "2025-04-02T00:00:00+00:00"
    assert [e.findtext(f"{ATOM}published") for e in (atom[0], atom[2])] == [
        "2025-04-02T00:00:00+00:00",
        "2025-03-11T00:00:00+00:00",
    ]
    parsed = feedparser.parse(feeds["feed.xml"])
    assert parsed.bozo == 0 and "published" not in parsed.entries[1]
    text = entry_html(undated)
    assert "Undated" not in text and "2025" not in text


# Content ---------------------------------------------------------------------------------------


def section_titles(html: str) -> list[str]:
    return [h.text_content() for h in lxml.html.fragment_fromstring(html, "div").iter("h2")]


def test_issue_content_is_its_highlights_and_links(
    topical: Catalog, feeds: dict[str, bytes]
) -> None:
    third, _, first = (entry_html(e) for e in entries(parse(feeds["atom.xml"])))
    tree = lxml.html.fragment_fromstring(first, create_parent="div")
    titles = [a.text_content() for a in tree.iter("a") if "/papers/" in (a.get("href") or "")]
    assert titles == [
        "A Tutorial on Bayesian Optimization",
        "Scaling Laws for Neural Language Models",
    ]
    text = tree.text_content()
    assert "Two classics to start with." in text  # the intro
    assert "Bayesian optimization is an approach" in text  # the excerpt
    assert "x < y & z" in text  # keyphrases, as text
    assert "$d = 20$" in text  # math as written
    hrefs = [a.get("href") for a in lxml.html.fragment_fromstring(third, "div").iter("a")]
    assert SITE_URL + "issues/03-third/" in hrefs  # the whole issue, one click away
    assert SITE_URL + "topics/deep-learning/" in hrefs  # a highlight's topics


def test_a_big_issues_entry_holds_its_highlights_under_30_kb(settings: Settings) -> None:
    from generator.site.layout import HIGHLIGHTS_PER_AREA
    from tests.test_reader_pages import catalog_with

    sizes = {f"t{n}": (f"area-{n % 9}", 20 + n) for n in range(30)}
    catalog = catalog_with(sizes)
    long = "We study a hard problem with a method of some length and find it works well. " * 20
    papers = tuple(dataclasses.replace(p, abstract=long) for p in catalog.papers)
    big = Catalog(catalog.issues, papers, catalog.topics, catalog.areas)
    assert len(big.issues[0].paper_ids) > 1000
    feeds = render_feeds(big, settings)
    for path in ("feed.xml", "atom.xml"):
        [item] = entries(parse(feeds[path]))
        html = entry_html(item)
        assert len(html.encode()) <= 30_000, len(html.encode())
        tree = lxml.html.fragment_fromstring(html, create_parent="div")
        papers_linked = [a for a in tree.iter("a") if "/papers/" in (a.get("href") or "")]
        assert len(papers_linked) == HIGHLIGHTS_PER_AREA * 9
        areas = [a for a in tree.iter("a") if "#area-" in (a.get("href") or "")]
        assert len(areas) == 2 * 9  # each area's heading and its "All N in" link


def test_issue_content_is_one_list_without_topics(settings: Settings) -> None:
    feeds = render_feeds(small_catalog(), settings)
    assert list(feeds) == ["atom.xml", "feed.xml"]
    for item in entries(parse(feeds["feed.xml"])):
        tree = lxml.html.fragment_fromstring(entry_html(item), create_parent="div")
        assert section_titles(entry_html(item)) == []
        assert len(list(tree.iter("ol"))) == 1
        assert not any(item.iter("category"))


def test_titles_come_back_as_the_text_they_are(settings: Settings) -> None:
    catalog = with_topics(small_catalog())
    papers = tuple(
        dataclasses.replace(p, title=HOSTILE_TITLE) if p.title.startswith("Attention") else p
        for p in catalog.papers
    )
    issues = tuple(
        dataclasses.replace(i, title=HOSTILE_TITLE) if i.number == 3 else i for i in catalog.issues
    )
    hostile = Catalog(issues=issues, papers=papers, topics=catalog.topics)
    feeds = render_feeds(hostile, settings)
    expected = HOSTILE_TITLE.replace("\x07", "")
    for path in ("feed.xml", "atom.xml", "topics/deep-learning/feed.xml"):
        assert feedparser.parse(feeds[path]).entries[0].title == expected, path
        assert (
            entries(parse(feeds[path]))[0].findtext(
                "title" if not is_atom(path) else f"{ATOM}title"
            )
            == expected
        )
    topic_atom = feedparser.parse(feeds["topics/deep-learning/atom.xml"])
    assert topic_atom.entries[0].title == expected
    assert topic_atom.entries[0].title_detail.type == "text/plain"
    # In the issue's HTML the title is the text of its link, not markup.
    html = entry_html(entries(parse(feeds["atom.xml"]))[0])
    links = [a.text_content() for a in lxml.html.fragment_fromstring(html, "div").iter("a")]
    assert expected in links
    assert not any(lxml.html.fragment_fromstring(html, "div").iter("b"))


def test_hostile_abstracts_stay_text_in_every_feed(settings: Settings) -> None:
    catalog = with_topics(small_catalog())
    papers = tuple(dataclasses.replace(p, abstract=HOSTILE_ABSTRACT) for p in catalog.papers)
    issues = tuple(
        dataclasses.replace(i, intro='<a href="javascript:x()">intro</a>') for i in catalog.issues
    )
    feeds = render_feeds(Catalog(issues=issues, papers=papers, topics=catalog.topics), settings)
    # The fixture's own hostile paper ("<script>alert(1)</script>", javascript: links) as well.
    feeds |= {f"plain/{k}": v for k, v in render_feeds(small_catalog(), settings).items()}
    for path, data in feeds.items():
        for item in entries(parse(data)):
            tree = lxml.html.fragment_fromstring(entry_html(item), create_parent="div")
            assert not list(tree.iter("script", "img", "iframe", "object", "style")), path
            for element in tree.iter():
                assert not [a for a in element.attrib if a.lower().startswith("on")], path
                for name in ("href", "src"):
                    value = "".join((element.get(name) or "").split()).lower()
                    assert not value.startswith(("javascript:", "data:", "vbscript:")), path
    text = lxml.html.fragment_fromstring(
        entry_html(entries(parse(feeds["topics/deep-learning/atom.xml"]))[0]), "div"
    ).text_content()
    assert "<script>alert(1)</script>" in text and 'onerror="alert(2)"' in text


def test_sanitizer_removes_markup_the_templates_never_write() -> None:
    html = (
        '<p onclick="x()">a<script>alert(1)</script></p><a href="../b/">b</a>'
        '<a href="javascript:alert(1)">c</a><img src="x" onerror="y()"><p>\x07\x00ok</p>'
    )
    tree = lxml.html.fragment_fromstring(sanitize_html(html, SITE_URL + "issues/a/"), "div")
    assert [a.get("href") for a in tree.iter("a")] == [SITE_URL + "issues/b/", None]
    assert not list(tree.iter("script", "img"))
    assert all(not e.attrib.get("onclick") for e in tree.iter())
    assert xml_text("a\x00b\x07c\ud800d\ufffe\tok\n") == "abcd\tok\n"


# Settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize("site_url", ["", "/", "paper-digest.example.org", "ftp://example.org/"])
def test_feeds_need_an_absolute_site_url(settings: Settings, site_url: str) -> None:
    with pytest.raises(ConfigError, match="site_url") as caught:
        render_feeds(small_catalog(), dataclasses.replace(settings, site_url=site_url))
    assert "mkdocs.yml" in caught.value.hint


def test_editor_email_and_description_reach_the_feed(settings: Settings) -> None:
    custom = dataclasses.replace(
        settings, editor="Ada", editor_email="ada@example.org", site_description=""
    )
    feeds = render_feeds(small_catalog(), custom)
    channel = parse(feeds["feed.xml"]).find("channel")
    assert channel is not None
    assert channel.findtext("managingEditor") == "ada@example.org (Ada)"
    assert channel.findtext("description") == "Every issue of Paper Digest."
    author = parse(feeds["atom.xml"]).find(f"{ATOM}author")
    assert author is not None and author.findtext(f"{ATOM}email") == "ada@example.org"


def test_an_empty_catalog_makes_empty_feeds_dated_at_the_epoch(settings: Settings) -> None:
    feeds = render_feeds(Catalog(issues=(), papers=()), settings)
    assert parse(feeds["atom.xml"]).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    assert feedparser.parse(feeds["feed.xml"]).bozo == 0


# Determinism -----------------------------------------------------------------------------------

RENDER_SCRIPT = """
import sys, time
from generator.config import load_settings
from generator.site.feeds import render_feeds
from tests.test_feeds import small_catalog, with_topics
sys.stderr.write(time.strftime("%Y", time.gmtime()))
feeds = render_feeds(with_topics(small_catalog(reverse=True)), load_settings(sys.argv[1]))
sys.stdout.buffer.write(b"".join(k.encode() + b"\\0" + v + b"\\0" for k, v in feeds.items()))
"""


def test_feeds_are_byte_identical_under_another_clock_and_input_order(
    feeds: dict[str, bytes],
) -> None:
    expected = b"".join(k.encode() + b"\0" + v + b"\0" for k, v in feeds.items())
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    runs: list[tuple[list[str], dict[str, str]]] = [
        ([], env),
        ([], {**env, "SOURCE_DATE_EPOCH": "2000000000"}),
    ]
    faketime = shutil.which("faketime")
    if faketime:
        runs.append(([faketime, "-f", "+3650d"], env))  # ten years from now, and ticking
    for prefix, environment in runs:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", RENDER_SCRIPT, str(REPO / "mkdocs.yml")],
            cwd=REPO,
            env=environment,
            capture_output=True,
            check=True,
            timeout=120,
        )
        assert done.stdout == expected, prefix
        if prefix:  # the fake clock was in effect, so the feeds did not read it
            assert int(done.stderr.decode()[-4:]) >= dt.date.today().year + 9


# Links from pages ------------------------------------------------------------------------------


def test_feed_links_point_at_the_feed_files(topical: Catalog, settings: Settings) -> None:
    topic = topical.topic("deep-learning")
    assert [(link.kind, link.href) for link in feed_links("index.md", None, settings)] == [
        ("rss", "./feed.xml"),
        ("atom", "./atom.xml"),
    ]
    links = feed_links("topics/deep-learning.md", topic, settings)
    assert [link.href for link in links] == [
        "../../feed.xml",
        "../../atom.xml",
        "./feed.xml",
        "./atom.xml",
    ]
    assert links[2].title == "Paper Digest: Deep learning (RSS)"
    assert links[3].media_type == "application/atom+xml"
    files = render_feeds(topical, settings)
    for doc in (
        "index.md",
        "issues/01-first.md",
        paper_doc(topical.papers[0]),
        "topics/deep-learning.md",
    ):
        folder = page_url(doc) or "."  # where the page's index.html sits
        for link in feed_links(doc, topic, settings):
            assert posixpath.normpath(posixpath.join(folder, link.href)) in files, (doc, link)


def render_subscribe(settings: Settings, doc: str, topic: Topic | None) -> lxml.html.HtmlElement:
    env = make_environment(settings.templates_dir)
    template = env.from_string(
        '{% from "pages/_subscribe.md.j2" import subscribe %}{{ subscribe(url, settings, topic) }}'
    )
    html = template.render(url=partial(relative_url, doc), settings=settings, topic=topic)
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_subscribe_macro_links_the_feeds_relative_to_the_page(
    topical: Catalog, settings: Settings
) -> None:
    topic = topical.topic("deep-learning")
    home = render_subscribe(settings, "index.md", None)
    assert [a.get("href") for a in home.iter("a")] == [
        link.href for link in feed_links("index.md", None, settings)
    ]
    page = render_subscribe(settings, "topics/deep-learning.md", topic)
    own = feed_links("topics/deep-learning.md", topic, settings)[2:]
    assert [a.get("href") for a in page.iter("a")] == [link.href for link in own]
    assert [a.get("type") for a in page.iter("a")] == [link.media_type for link in own]
    assert "Subscribe to Deep learning" in page.text_content()


def test_subscribe_macro_offers_the_signup_url_escaped(
    topical: Catalog, settings: Settings
) -> None:
    signup = 'https://example.org/join?list=1&name="<b>"'
    hostile = dataclasses.replace(topical.topic("scaling"), label='<script>x()</script> & "co"')
    tree = render_subscribe(
        dataclasses.replace(settings, signup_url=signup), "topics/scaling.md", hostile
    )
    links = list(tree.iter("a"))
    assert [a.text_content() for a in links] == ["RSS", "Atom", "Email", "Get this topic by email"]
    assert links[2].get("href") == "../../subscribe/"  # the chooser page
    assert links[3].get("href") == signup  # no {topics} in it: the link as it is
    assert not list(tree.iter("script", "b"))
    chooser = "https://example.org/join?t={topics}&how={every}"
    tree = render_subscribe(
        dataclasses.replace(settings, signup_url=chooser), "topics/scaling.md", hostile
    )
    assert list(tree.iter("a"))[-1].get("href") == "https://example.org/join?t=scaling&how=issue"
    home = render_subscribe(dataclasses.replace(settings, signup_url=chooser), "index.md", None)
    assert [a.get("href") for a in home.iter("a")][-1] == "subscribe/"
    assert '<script>x()</script> & "co"' in tree.text_content()
    unsafe = dataclasses.replace(settings, signup_url="javascript:alert(1)")
    assert [a.text_content() for a in render_subscribe(unsafe, "index.md", None).iter("a")] == [
        "RSS",
        "Atom",
    ]


def test_feeds_meta_macro_writes_front_matter_yaml_reads_back(settings: Settings) -> None:
    env = make_environment(settings.templates_dir)
    label = "Deep: \"learning\" <b> & 'co'\n# not a comment"
    topic = Topic("deep-learning", label, "", ())
    text = env.from_string(
        '{% from "pages/_subscribe.md.j2" import feeds_meta %}{{ feeds_meta(topic) }}'
    ).render(topic=topic)
    assert yaml.safe_load(text) == {"feeds": {"path": "topics/deep-learning/", "title": label}}


# Real sites ------------------------------------------------------------------------------------


def head_feeds(page: Path) -> list[tuple[str, str, str]]:
    tree = lxml.html.fromstring(page.read_bytes())
    return [
        (link.get("type"), link.get("title"), link.get("href"))
        for link in tree.xpath("//head/link[@rel='alternate']")
    ]


def test_every_page_head_names_the_feeds_and_a_topic_page_its_own(
    make_project: MakeProject,
) -> None:
    settings = make_project()
    catalog, _, _, _ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    catalog = with_topics(catalog)
    topic = dataclasses.replace(catalog.topic("scaling"), label='Scaling "laws" <i>&</i>')
    catalog = Catalog(catalog.issues, catalog.papers, (*catalog.topics[:2], topic))
    # The real topic page, as the build renders it.
    write_docs(settings.docs_dir, render_pages(catalog, settings))
    publish(settings.config_file, settings.site_dir, 0, render_feeds(catalog, settings))

    site = settings.site_dir
    newsletter = [
        ("application/rss+xml", "Paper Digest (RSS)", SITE_URL + "feed.xml"),
        ("application/atom+xml", "Paper Digest (Atom)", SITE_URL + "atom.xml"),
    ]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 8
    topic_pages = {site / "topics" / t.slug / "index.html" for t in catalog.topics}
    for html in pages:
        if html not in topic_pages:
            assert head_feeds(html) == newsletter, html
    title = 'Paper Digest: Scaling "laws" <i>&</i>'
    assert head_feeds(site / "topics/scaling/index.html") == [
        *newsletter,
        ("application/rss+xml", f"{title} (RSS)", SITE_URL + "topics/scaling/feed.xml"),
        ("application/atom+xml", f"{title} (Atom)", SITE_URL + "topics/scaling/atom.xml"),
    ]
    # The visible links resolve to the feed files published beside the page.
    tree = lxml.html.fromstring((site / "topics/scaling/index.html").read_bytes())
    visible = [a.get("href") for a in tree.xpath("//p[@class='pd-subscribe']/a")]
    assert visible == ["./feed.xml", "./atom.xml"]
    assert all((site / "topics/scaling" / href).is_file() for href in visible)
    assert not tree.xpath("//head//i | //p[@class='pd-subscribe']//i")
    for path, data in render_feeds(catalog, settings).items():
        assert (site / path).read_bytes() == data


def test_a_real_build_publishes_the_feeds(make_project: MakeProject) -> None:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    catalog = build_catalog(read_digests(settings.digests_dir).issues)
    catalog, _ = annotate(catalog, settings, SilentProgress(), StandInEmbedder())
    for path, data in render_feeds(catalog, settings).items():
        assert (settings.site_dir / path).read_bytes() == data, path
    home = lxml.html.fromstring((settings.site_dir / "index.html").read_bytes())
    for href in home.xpath("//p[@class='pd-subscribe']/a[@type]/@href"):
        assert (settings.site_dir / href).is_file(), href


def test_a_new_digest_keeps_the_ids_of_older_entries(tmp_path: Path, settings: Settings) -> None:
    write_digests(tmp_path, {"1.txt": paper("Alpha Paper"), "2.txt": paper("Beta Paper")})
    before = render_feeds(build_catalog(read_digests(tmp_path).issues), settings)
    write_digests(tmp_path, {"3.txt": paper("Gamma Paper") + paper("Alpha Paper")})
    after = render_feeds(build_catalog(read_digests(tmp_path).issues), settings)
    old = {entry_id(e): etree.tostring(e) for e in entries(parse(before["atom.xml"]))}
    new = {entry_id(e): etree.tostring(e) for e in entries(parse(after["atom.xml"]))}
    assert set(old) < set(new)
    # Entries already published do not change at all: readers do not see them again.
    assert {k: new[k] for k in old} == old


def test_paper_entries_show_an_excerpt_and_the_issues(
    topical: Catalog, feeds: dict[str, bytes]
) -> None:
    merged = next(p for p in topical.papers if len(p.issues) > 1)
    item = next(
        e
        for e in entries(parse(feeds["topics/scaling/atom.xml"]))
        if e.findtext(f"{ATOM}title") == merged.title
    )
    tree = lxml.html.fragment_fromstring(entry_html(item), create_parent="div")
    text = tree.text_content()
    # An excerpt: the abstract's first sentences (a long first one whole), the rest on its page.
    assert excerpt(merged.abstract) in text
    assert excerpt(merged.abstract).endswith(".")
    assert any(a.text_content() == "Read on the site" for a in tree.iter("a"))
    issue_links = [a.text_content() for a in tree.iter("a") if "/issues/" in (a.get("href") or "")]
    assert issue_links == ["The first issue", "Issue 2"]
