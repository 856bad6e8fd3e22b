"""Feeds: RSS 2.0 and Atom 1.0 for the whole newsletter and for every topic, with feedgen.

Files, relative to the site root:

- `feed.xml` and `atom.xml`: one entry per issue, newest first (the newest
  `settings.feed_issues`); the content is the whole issue as HTML, so an RSS-to-email service
  can mail it as it is.
- `topics/<slug>/feed.xml` and `topics/<slug>/atom.xml`: one entry per paper of the topic, by
  the issue that first listed it, newest first (the newest `settings.feed_topic_papers`); the
  content is an excerpt of the abstract and a link to the paper's page, since a paper is in up
  to three topics' feeds, twice each, and the site's size is what a year of issues must fit.

Every feed is bounded: its size does not grow with the archive.

Identity: every id (Atom id, RSS guid) is the absolute URL of the page the entry stands for,
built from `site_url` and the issue's or paper's slug; slugs never change, so neither do ids.

Dates come from the digests, never from the clock nor SOURCE_DATE_EPOCH: an issue's entry is
dated as `generator.catalog.issue_dates` says: midnight UTC of its date, else of the nearest
dated issue before it, else the Unix epoch plus its issue number in days (issue 2 -> 1970-01-03).
A paper's entry takes the paper's date, else that of the issue that first listed it. A feed is
as new as its newest entry (the epoch when empty).

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

from generator.catalog import EPOCH, issue_dates
from generator.config import Settings
from generator.model import Catalog, Issue, Topic
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
    date: dt.datetime
    categories: tuple[Topic, ...] = ()


@dataclass(frozen=True)
class _Channel:
    """One feed before it is written as RSS or Atom: `folder` is "" or "topics/<slug>/"."""

    folder: str
    page: str
    title: str
    description: str
    items: tuple[_Item, ...]


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
    """Make the newsletter's feed: the newest issues, each with its whole content."""
    dates = issue_dates(catalog.issues)
    newest = sorted(catalog.issues, key=Issue.order, reverse=True)
    template = env.get_template("feeds/issue.html.j2")
    items = []
    for issue in newest[: settings.feed_issues]:
        doc = issue_doc(issue)
        sections = catalog.sections_of(issue)
        html = _render(template, catalog, settings, doc, issue=issue, sections=sections)
        topics = tuple(topic for topic, _ in sections if topic is not None)
        items.append(
            _Item(absolute_url(settings, doc), issue.title, html, dates[issue.slug], topics)
        )
    return _Channel(
        folder="",
        page=absolute_url(settings, "index.md"),
        title=settings.site_name,
        description=settings.site_description or f"Every issue of {settings.site_name}.",
        items=tuple(items),
    )


@dataclass(frozen=True)
class _Listings:
    """When each paper was first listed: its rank (newest issue first) and its entry date."""

    rank: dict[str, int]
    date: dict[str, dt.datetime]


def _first_listings(catalog: Catalog) -> _Listings:
    """Rank papers by the issue that first listed them, newest first, digest order within."""
    dates = issue_dates(catalog.issues)
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
        day = paper.date
        if day is not None:
            paper_dates[paper.id] = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        else:
            paper_dates[paper.id] = dates.get(first_issue.get(paper.id, ""), EPOCH)
    return _Listings({pid: index for index, pid in enumerate(order)}, paper_dates)


def _topic_channel(
    catalog: Catalog,
    topic: Topic,
    settings: Settings,
    env: jinja2.Environment,
    listings: _Listings,
) -> _Channel:
    """Make a topic's feed: its papers by the issue that first listed them, newest first."""
    unranked = len(listings.rank)
    papers = sorted(
        catalog.papers_of_topic(topic), key=lambda p: (listings.rank.get(p.id, unranked), p.slug)
    )
    known = {t.slug: t for t in catalog.topics}
    template = env.get_template("feeds/paper.html.j2")
    items = []
    for paper in papers[: settings.feed_topic_papers]:
        doc = paper_doc(paper)
        html = _render(template, catalog, settings, doc, paper=paper)
        topics = tuple(known[slug] for slug in paper.topics if slug in known)
        date = listings.date[paper.id]
        items.append(_Item(absolute_url(settings, doc), paper.title, html, date, topics))
    return _Channel(
        folder=feed_folder(topic),
        page=absolute_url(settings, topic_doc(topic)),
        title=f"{settings.site_name}: {topic.label}",
        description=topic.description or f"Papers about {topic.label} in {settings.site_name}.",
        items=tuple(items),
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
    updated = max((item.date for item in channel.items), default=EPOCH)
    feed.updated(updated)
    feed.pubDate(updated)
    for item in channel.items:
        _add_item(feed, item, root)
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


def _add_item(feed: FeedGenerator, item: _Item, root: str) -> None:
    """Append an entry: permanent id, its page, its whole HTML, its date, its topics."""
    entry = feed.add_entry(order="append")
    entry.guid(xml_text(item.url), permalink=True)
    entry.title(xml_text(item.title))
    entry.link(href=xml_text(item.url), rel="alternate", type="text/html")
    # type="html": escaped in the XML, never CDATA, so a "]]>" in the text cannot end it.
    entry.content(item.html, type="html")
    entry.published(item.date)
    entry.updated(item.date)
    for topic in _unique(item.categories):
        entry.category(
            term=xml_text(topic.slug), label=xml_text(topic.label), scheme=root + "topics/"
        )


def _unique(topics: Sequence[Topic]) -> list[Topic]:
    return list({topic.slug: topic for topic in topics}.values())
