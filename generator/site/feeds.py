"""Feeds: RSS 2.0 and Atom 1.0 for the whole newsletter and for every topic, with feedgen.

Files, relative to the site root:

- `feed.xml` and `atom.xml`: one entry per issue, newest first (the newest
  `settings.feed_issues`); the content is the issue's highlights (the home page's: a few papers
  an area, with excerpts) and links to each area and to the whole issue on the site, so an
  entry stays small (under 30 KB) however big the issue is.
- `topics/<slug>/feed.xml` and `topics/<slug>/atom.xml`: one entry per paper of the topic, by
  the issue that first listed it, newest first (the newest `settings.feed_topic_papers`); the
  content is an excerpt of the abstract and a link to the paper's page, since a paper is in up
  to three topics' feeds, twice each, and the site's size is what a year of issues must fit.

Every feed is bounded: its size does not grow with the archive.

Identity: every id (Atom id, RSS guid) is the absolute URL of the page the entry stands for,
built from `site_url` and the issue's or paper's slug; slugs never change, so neither do ids.

Dates come from the digests, never from the clock nor SOURCE_DATE_EPOCH, and nothing claims a
date the digests do not give. An issue's entry is dated midnight UTC of the issue's date; a
paper's entry the paper's date, else that of the issue that first listed it. A feed's update
time is the newest date its entries know (else the newest the digests know, else the Unix
epoch). An undated entry has no RSS pubDate and no Atom published (both optional); Atom requires
an updated, and it gets the feed's update time: the newest date known when it was written, not
a date of its own.

Untrusted text is escaped by the Jinja templates in templates/feeds/, the HTML is sanitized with
nh3 (no script, no event handlers, no javascript: URLs), its relative links are made absolute,
and characters that XML 1.0 forbids are stripped from every string. Same catalog in, same bytes
out: every order has an explicit key and nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import jinja2
from feedgen.feed import FeedGenerator

from generator.catalog import EPOCH
from generator.config import Settings
from generator.model import Catalog, Issue, Paper, Topic
from generator.site.layout import highlights
from generator.site.sanitize import sanitize_html, xml_text
from generator.site.templates import make_environment
from generator.site.urls import (
    absolute_url,
    issue_doc,
    page_url,
    paper_doc,
    relative_url,
    site_root,
    topic_doc,
)

RSS_FILE = "feed.xml"
ATOM_FILE = "atom.xml"
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
GENERATOR = "Paper Digest"
RSS_DOCS = "https://www.rssboard.org/rss-specification"


@dataclass(frozen=True)
class FeedLink:
    """A feed as a page links to it: format, media type, title, and href relative to the page."""

    kind: str  # "rss" | "atom"
    media_type: str
    title: str
    href: str


@dataclass(frozen=True)
class _Item:
    """One entry of a feed, in the terms both formats share."""

    url: str
    title: str
    html: str
    date: dt.datetime | None
    categories: tuple[Topic, ...] = ()


@dataclass(frozen=True)
class _Channel:
    """One feed before it is written as RSS or Atom: `folder` is "" or "topics/<slug>/"."""

    folder: str
    page: str
    title: str
    description: str
    items: tuple[_Item, ...]
    fallback: dt.datetime = EPOCH  # its update time when no entry has a date

    @property
    def updated(self) -> dt.datetime:
        """Return the feed's update time: the newest date an entry knows, else the fallback."""
        return max((item.date for item in self.items if item.date), default=self.fallback)


def midnight(day: dt.date | None) -> dt.datetime | None:
    """Return midnight UTC of a day, or None for no day."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None


def newest_known_date(catalog: Catalog) -> dt.datetime:
    """Return the newest date the digests give (an issue's or a paper's), else the epoch."""
    days = [i.date for i in catalog.issues if i.date] + [p.date for p in catalog.papers if p.date]
    return midnight(max(days, default=None)) or EPOCH


def feed_folder(topic: Topic | None) -> str:
    """Return the folder of a feed's files relative to the site root: its page's URL."""
    return page_url(topic_doc(topic)) if topic is not None else ""


def feed_links(doc: str, topic: Topic | None, settings: Settings) -> tuple[FeedLink, ...]:
    """List the feeds a page offers, hrefs relative to it: the site's, then the topic's."""
    owners: list[tuple[str, str]] = [("index.md", settings.site_name)]
    if topic is not None:
        owners.append((topic_doc(topic), f"{settings.site_name}: {topic.label}"))
    links = []
    for owner, title in owners:
        folder = relative_url(doc, owner)
        links.append(FeedLink("rss", RSS_TYPE, f"{title} (RSS)", folder + RSS_FILE))
        links.append(FeedLink("atom", ATOM_TYPE, f"{title} (Atom)", folder + ATOM_FILE))
    return tuple(links)


def render_feeds(catalog: Catalog, settings: Settings) -> dict[str, bytes]:
    """Render every feed: {path relative to the site root: XML bytes}."""
    root = site_root(settings)
    env = make_environment(settings.templates_dir, settings.excerpt_chars)
    channels = [_newsletter(catalog, settings, env)]
    if catalog.topics:
        listings = _first_listings(catalog)
        channels += [
            _topic_channel(catalog, topic, settings, env, listings)
            for topic in sorted(catalog.topics, key=lambda t: t.slug)
        ]
    files: dict[str, bytes] = {}
    for channel in channels:
        files[channel.folder + RSS_FILE] = _write(channel, root, settings, "rss")
        files[channel.folder + ATOM_FILE] = _write(channel, root, settings, "atom")
    return dict(sorted(files.items()))


def _newsletter(catalog: Catalog, settings: Settings, env: jinja2.Environment) -> _Channel:
    """Make the newsletter's feed: the newest issues, each with its highlights and links."""
    newest = sorted(catalog.issues, key=Issue.order, reverse=True)
    template = env.get_template("feeds/issue.html.j2")
    slugs = frozenset(topic.slug for topic in catalog.topics)
    items = []
    for issue in newest[: settings.feed_issues]:
        doc = issue_doc(issue)
        chosen = highlights(catalog, issue)
        html = _render(
            template, catalog, settings, doc, issue=issue, highlights=chosen, topic_slugs=slugs
        )
        topics = _topics_of(catalog, [paper for _, papers in chosen for paper in papers])
        items.append(
            _Item(absolute_url(settings, doc), issue.title, html, midnight(issue.date), topics)
        )
    return _Channel(
        folder="",
        page=absolute_url(settings, "index.md"),
        title=settings.site_name,
        description=settings.site_description or f"Every issue of {settings.site_name}.",
        items=tuple(items),
        fallback=newest_known_date(catalog),
    )


def _topics_of(catalog: Catalog, papers: Sequence[Paper]) -> tuple[Topic, ...]:
    """Return the topics with a page of some papers, each once, in the papers' order."""
    known = {t.slug: t for t in catalog.topics}
    found = {slug: known[slug] for paper in papers for slug in paper.topics if slug in known}
    return tuple(found.values())


@dataclass(frozen=True)
class _Listings:
    """When each paper was first listed: its rank (newest issue first) and its entry date."""

    rank: dict[str, int]
    date: dict[str, dt.datetime | None]
    newest: dt.datetime


def _first_listings(catalog: Catalog) -> _Listings:
    """Rank papers by the issue that first listed them, newest first, digest order within."""
    first_issue: dict[str, str] = {}
    oldest_first = sorted(catalog.issues, key=Issue.order)
    for issue in oldest_first:
        for pid in issue.paper_ids:
            first_issue.setdefault(pid, issue.slug)
    order = [
        pid
        for issue in reversed(oldest_first)
        for pid in issue.paper_ids
        if first_issue[pid] == issue.slug
    ]
    paper_dates = {}
    for paper in catalog.papers:
        first = first_issue.get(paper.id)
        paper_dates[paper.id] = midnight(
            paper.date or (catalog.issue(first).date if first is not None else None)
        )
    ranks = {pid: index for index, pid in enumerate(order)}
    return _Listings(ranks, paper_dates, newest_known_date(catalog))


def _topic_channel(
    catalog: Catalog,
    topic: Topic,
    settings: Settings,
    env: jinja2.Environment,
    listings: _Listings,
) -> _Channel:
    """Make a topic's feed: its papers by the issue that first listed them, newest first."""
    unranked = len(listings.rank)
    # A topic that split keeps its subscribers: its feed carries its children's papers too.
    held = {p.id: p for t in catalog.subtopics(topic) for p in catalog.papers_of_topic(t)}
    papers = sorted(held.values(), key=lambda p: (listings.rank.get(p.id, unranked), p.slug))
    template = env.get_template("feeds/paper.html.j2")
    items = []
    for paper in papers[: settings.feed_topic_papers]:
        doc = paper_doc(paper)
        html = _render(template, catalog, settings, doc, paper=paper)
        topics = _topics_of(catalog, [paper])
        date = listings.date[paper.id]
        items.append(_Item(absolute_url(settings, doc), paper.title, html, date, topics))
    return _Channel(
        folder=feed_folder(topic),
        page=absolute_url(settings, topic_doc(topic)),
        title=f"{settings.site_name}: {topic.label}",
        description=topic.description or f"Papers about {topic.label} in {settings.site_name}.",
        items=tuple(items),
        fallback=listings.newest,
    )


def _render(
    template: jinja2.Template, catalog: Catalog, settings: Settings, doc: str, **context: object
) -> str:
    """Render an entry's HTML as if on page `doc`, then make it safe and its links absolute."""
    html = template.render(
        catalog=catalog, settings=settings, url=partial(relative_url, doc), doc=doc, **context
    )
    return sanitize_html(html, absolute_url(settings, doc))


def _write(channel: _Channel, root: str, settings: Settings, kind: str) -> bytes:
    """Write one channel as RSS 2.0 or Atom 1.0, every field and date set explicitly."""
    feed = FeedGenerator()
    feed.id(xml_text(channel.page))
    feed.title(xml_text(channel.title))
    feed.description(xml_text(channel.description))
    own_file, media_type = (RSS_FILE, RSS_TYPE) if kind == "rss" else (ATOM_FILE, ATOM_TYPE)
    # feedgen takes the RSS channel link from the last link added: the page, not the feed.
    feed.link(href=xml_text(root + channel.folder + own_file), rel="self", type=media_type)
    feed.link(href=xml_text(channel.page), rel="alternate", type="text/html")
    editor = _editor(settings)
    feed.author(editor)
    if settings.editor_email:
        feed.managingEditor(xml_text(f"{editor['email']} ({editor['name']})"))
    feed.generator(GENERATOR)
    feed.docs(RSS_DOCS)
    updated = channel.updated
    feed.updated(updated)
    feed.pubDate(updated)
    for item in channel.items:
        _add_item(feed, item, root, updated)
    if kind == "rss":
        data: bytes = feed.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    else:
        data = feed.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _editor(settings: Settings) -> dict[str, str]:
    """Return the feed's author: the editor, else the site itself (Atom requires a name)."""
    author = {"name": xml_text(settings.editor or settings.site_name)}
    if settings.editor_email:
        author["email"] = xml_text(settings.editor_email)
    return author


def _add_item(feed: FeedGenerator, item: _Item, root: str, updated: dt.datetime) -> None:
    """Append an entry: permanent id, its page, its HTML, its date if known, its topics.

    An undated entry is published at no date (RSS pubDate and Atom published are optional);
    its Atom updated, which is required, is the feed's `updated`.
    """
    entry = feed.add_entry(order="append")
    entry.guid(xml_text(item.url), permalink=True)
    entry.title(xml_text(item.title))
    entry.link(href=xml_text(item.url), rel="alternate", type="text/html")
    # type="html": escaped in the XML, never CDATA, so a "]]>" in the text cannot end it.
    entry.content(item.html, type="html")
    if item.date is not None:
        entry.published(item.date)
    entry.updated(item.date or updated)
    for topic in _unique(item.categories):
        entry.category(
            term=xml_text(topic.slug), label=xml_text(topic.label), scheme=root + "topics/"
        )


def _unique(topics: Sequence[Topic]) -> list[Topic]:
    return list({topic.slug: topic for topic in topics}.values())
