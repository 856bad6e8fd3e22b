"""Read answers of the arXiv API (export.arxiv.org/api/query): an Atom feed, one entry a paper.

Both layouts are read: the one before 2025 (namespaces declared on each element, titles and
summaries wrapped at 80 columns, `http` links) and the 2025+ one (one-line summaries, `https`
links, elements in another order). Per entry: every `<author><name>` in order (feedparser's
`entry.author` is only the last one), the primary category first and then the others, the id
from `<id>` without its version, the date of the first version (`published`), and the DOI as a
doi.org link. `arxiv:comment` and `arxiv:journal_ref` have no place in an entry and are not
kept.

The API answers a bad query with an Atom feed whose one entry is the error ("Error", id
`http://arxiv.org/api/errors#...`): that is one problem quoting arXiv's message, not a paper.
An answer with no entries (`opensearch:totalResults` 0) gives no paper, and the caller says so.
"""

from __future__ import annotations

import datetime as dt

from generator.model import Entry, Link, LinkKind
from generator.sources import feedxml
from generator.sources.doi import doi_link
from generator.sources.feedxml import Element, child, children, field
from generator.sources.fields import ProblemLog, arxiv_id, link, make_entry, parse_date
from generator.sources.formats import Parsed, Source

_ERROR_ID = "arxiv.org/api/errors"


def read(source: Source) -> Parsed:
    log = ProblemLog()
    feed = feedxml.parse_feed(source, log)
    if feed is None:
        return Parsed((), log.result())
    entries: list[Entry] = []
    for number, record in feed.records:
        if feedxml.local(record) != "entry":
            continue
        entry = _entry(source, log, record, number)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result(), date=newest_day(entries))


def newest_day(entries: list[Entry]) -> dt.date | None:
    """An answer is dated by its entries: the newest first-version day among them."""
    return max((e.date for e in entries if e.date is not None), default=None)


def _entry(source: Source, log: ProblemLog, record: Element, number: int) -> Entry | None:
    where = source.line((record.sourceline or 1) - 1)
    raw_id = field(record, "id").strip()
    if _ERROR_ID in raw_id:
        message = " ".join(field(record, "summary").split()) or raw_id
        log.error(
            where,
            f"the arXiv API answered with an error: {message!r}",
            "fix the query or the ids it asks for, and save the API's answer again",
        )
        return None
    paper = arxiv_id(raw_id) or arxiv_id(feedxml.alternate(record))
    primary = child(record, "primary_category")
    links: list[Link | None] = [doi_link(field(record, "doi")) or _doi_from_links(record)]
    if paper is None:
        links.append(link(LinkKind.PAGE, feedxml.alternate(record) or raw_id))
    return make_entry(
        log,
        where,
        f"entry {number}",
        field(record, "title"),
        field(record, "summary"),
        date=parse_date(field(record, "published")) or parse_date(field(record, "updated")),
        authors=feedxml.atom_authors(record),
        links=links,
        arxiv_id=paper,
        categories=feedxml.categories(
            record, primary.get("term", "") if primary is not None else ""
        ),
    )


def _doi_from_links(record: Element) -> Link | None:
    """The older layout's `<link title="doi" href="http://dx.doi.org/...">`."""
    for element in children(record, "link"):
        if element.get("title") == "doi":
            return doi_link(element.get("href", ""))
    return None
