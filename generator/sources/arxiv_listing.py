"""Read arXiv's daily listing feeds (rss.arxiv.org/rss/<cat>, /atom/<cat>) and other paper feeds.

An arXiv listing item holds its abstract after a prefix: `arXiv:2604.21952v1 Announce Type:
new \\nAbstract: ...` (RSS `<description>`, Atom `<summary>`). The id comes from that prefix,
else from the link or the `oai:arXiv.org:` guid; the authors are one comma-joined
`dc:creator` (double spaces, single-name authors, sometimes "and" before the last one);
`<category>` elements give the categories and `arxiv:DOI` a doi.org link
(`arxiv:journal_reference` has no place in an entry and is not kept).

Decision: `replace` and `replace-cross` items are new versions of papers arXiv announced
before, not new papers, so they are left out of the issue without a problem; `read_listing`
counts them. `new` and `cross` items are read.

The feed's day (RSS channel `pubDate`, Atom feed `updated`) dates the issue, and each entry
is dated by its own `pubDate`/`published`, else by that day.

A feed that is not arXiv's (a journal's, a lab's) is read too: title and description (or
Atom summary/content) made plain text when they are HTML, the link kept as a page link
unless it is an arXiv address. Abstracts of arXiv items are never treated as HTML: literal
text such as `<swi>` or `a < b` stays exactly as written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from generator.model import Entry, Link, LinkKind
from generator.sources import feedxml
from generator.sources.doi import doi_link
from generator.sources.feedxml import Element, child, field, plain
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    link,
    make_entry,
    names,
    parse_date,
    words,
)
from generator.sources.formats import Parsed, Source

_PREFIX = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
_OAI = re.compile(r"^\s*oai:arXiv\.org:", re.IGNORECASE)
# arXiv's RSS 1.0 listings (before 2024) end each title with its id and category, and mark
# a new version "UPDATED", a cross-list "CROSS LISTED": "Title. (arXiv:2301.00001v2 [cs.LG]
# UPDATED)".
_OLD_TITLE = re.compile(
    r"\.?\s*\(arXiv:(?P<id>\S+?)\s*\[(?P<category>[^\]]*)\]"
    r"(?:\s*(?P<updated>UPDATED)|\s*CROSS LISTED)?\)\s*$"
)
# Not new papers: a new version of a paper announced before (see the module's docstring).
REPLACEMENTS = frozenset({"replace", "replace-cross"})
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"  # RSS 1.0 item address
# RSS 2.0 `<author>`: "alice@lab.example (Alice Liddell)".
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^)]*)\)\s*$")


@dataclass(frozen=True)
class Listing:
    """What a listing gave: the papers, and how many replacement items were left out."""

    parsed: Parsed
    replaced: int = 0


def read(source: Source) -> Parsed:
    return read_listing(source).parsed


def read_listing(source: Source) -> Listing:
    log = ProblemLog()
    feed = feedxml.parse_feed(source, log)
    if feed is None:
        return Listing(Parsed((), log.result()))
    day = listing_day(feed.root)
    entries: list[Entry] = []
    replaced = 0
    for number, record in feed.records:
        parts = _Parts.of(record)
        if _announce_type(record, parts) in REPLACEMENTS:
            replaced += 1
            continue
        entry = _entry(source, log, record, parts, number, day)
        if entry is not None:
            entries.append(entry)
    return Listing(Parsed(tuple(entries), log.result(), date=day), replaced)


def listing_day(root: Element) -> dt.date | None:
    """The day a feed lists: RSS channel `pubDate` (else `lastBuildDate`), Atom `updated`."""
    if feedxml.local(root) == "feed":
        return parse_date(field(root, "updated"))
    channel = child(root, "channel")
    if channel is None:
        return None
    return parse_date(field(channel, "pubdate", "lastbuilddate", "date"))


def _body(record: Element) -> str:
    """The record's description (RSS) or summary (Atom), else its full content."""
    return field(record, "description", "summary") or field(record, "encoded", "content")


@dataclass(frozen=True)
class _Parts:
    """What a record's kind and its entry are both read from, found once a record."""

    body: str
    prefix: re.Match[str] | None  # arXiv's "arXiv:ID Announce Type: new Abstract:"
    title: str
    old: re.Match[str] | None  # the old listings' title suffix "(arXiv:ID [cat] UPDATED)"

    @classmethod
    def of(cls, record: Element) -> _Parts:
        body, title = _body(record), field(record, "title")
        return cls(body, _PREFIX.match(body), title, _OLD_TITLE.search(title))


def _announce_type(record: Element, parts: _Parts) -> str:
    declared = field(record, "announce_type").strip().lower()
    if declared:
        return declared
    if parts.prefix:
        return parts.prefix["type"].lower()
    return "replace" if parts.old and parts.old["updated"] else ""


def _paper_id(record: Element, prefix: re.Match[str] | None) -> str | None:
    """The arXiv id from the abstract's prefix, the link, or the `oai:arXiv.org:` guid/id."""
    candidates = [
        prefix["id"] if prefix else "",
        feedxml.alternate(record),
        _OAI.sub("", field(record, "guid", "id")),
    ]
    for value in candidates:
        found = arxiv_id(value)
        if found is not None:
            return found
    return None


def _entry(
    source: Source,
    log: ProblemLog,
    record: Element,
    parts: _Parts,
    number: int,
    day: dt.date | None,
) -> Entry | None:
    where = source.line((record.sourceline or 1) - 1)
    body, prefix, old = parts.body, parts.prefix, parts.old
    paper = _paper_id(record, prefix)
    # arXiv's abstracts are plain text; only other feeds' descriptions are HTML.
    if prefix is not None:
        title, abstract = parts.title, body[prefix.end() :]
    elif old is not None:
        # The old listing: "<p>abstract</p>" as HTML, the id in the title's suffix.
        paper = paper or arxiv_id(old["id"])
        title, abstract = parts.title[: old.start()], plain(body)
    elif paper is not None:
        title, abstract = parts.title, plain(body)
    else:
        title, abstract = plain(parts.title), plain(body)
    links: list[Link | None] = [doi_link(field(record, "doi")) or _dc_doi(record)]
    if paper is None:
        links.append(link(LinkKind.PAGE, feedxml.alternate(record) or record.get(_RDF_ABOUT)))
    kind = "entry" if feedxml.local(record) == "entry" else "item"
    return make_entry(
        log,
        where,
        f"{kind} {number}",
        title,
        abstract,
        date=parse_date(field(record, "pubdate", "published", "date")) or day,
        authors=_authors(record),
        links=links,
        arxiv_id=paper,
        categories=feedxml.categories(record) or (words([old["category"]]) if old else ()),
    )


def _authors(record: Element) -> tuple[str, ...]:
    """`dc:creator` (arXiv: one comma-joined list), else Atom authors, else RSS `<author>`."""
    found = feedxml.creators(record) or feedxml.atom_authors(record)
    if found:
        return found
    written = [feedxml.text(element) for element in feedxml.children(record, "author")]
    return names(
        match["name"] if (match := _EMAIL_NAME.match(value)) else value for value in written
    )


def _dc_doi(record: Element) -> Link | None:
    """A journal feed's `<dc:identifier>doi:10.1038/...</dc:identifier>`."""
    for element in feedxml.children(record, "identifier"):
        found = doi_link(feedxml.text(element))
        if found is not None:
            return found
    return None
