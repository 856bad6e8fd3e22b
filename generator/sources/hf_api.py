"""Read Hugging Face's daily-papers API JSON (huggingface.co/api/daily_papers) as saved.

The response is an array of items, each with a `paper` object, in one of two shapes:

- 2025 on: the item holds the whole `title` (and often `summary`); the item's `publishedAt`
  is the arXiv time and `paper.submittedOnDailyAt` the day Hugging Face listed the paper.
- 2024: the item has no `summary` (`paper.summary` is hard-wrapped), `paper.title` is broken
  across lines while the item's `title` is whole, and the item's `publishedAt` is the listing
  time (there is no `submittedOnDailyAt`).

Minified or indented, an array, JSON Lines of items or one item. An author's `hidden` flag
hides the link to their Hub account (a paper they keep off their profile), not their name,
so every author's name is kept. A file cut short gives one problem at the place it breaks,
and the records before it are read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from generator.model import Entry, LinkKind
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    hugging_face_link,
    link,
    make_entry,
    names,
    parse_count,
    parse_date,
    words,
)
from generator.sources.formats import Parsed, Source
from generator.sources.jsonrecords import BROKEN, records


def read(source: Source) -> Parsed:
    """The reader of Hugging Face daily-papers JSON."""
    log = ProblemLog()
    entries: list[Entry] = []
    for number, (offset, value) in enumerate(records(source, log), start=1):
        entry = _entry(source, log, number, offset, value)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result(), date=listing_day(entries))


def listing_day(entries: list[Entry]) -> dt.date | None:
    """The day most entries were listed on; of days listed as often, the latest."""
    counts = Counter(entry.date for entry in entries if entry.date is not None)
    if not counts:
        return None
    return max(counts, key=lambda day: (counts[day], day))


def _text(*values: object) -> str | None:
    """The first value that is a string with something in it."""
    return next((v for v in values if isinstance(v, str) and v.strip()), None)


def _count(*values: object) -> object:
    """The first value that is a count, else the first value given (make_entry names it)."""
    given = [v for v in values if v is not None]
    return next((v for v in given if parse_count(v) is not None), given[0] if given else None)


def _entry(
    source: Source, log: ProblemLog, number: int, offset: int, value: object
) -> Entry | None:
    if value is BROKEN:
        return None
    where = source.at(offset)
    what = f"record {number}"
    if not isinstance(value, dict) or not isinstance(value.get("paper"), dict):
        kind = "an object" if isinstance(value, dict) else f"a JSON {_json_type(value)}"
        log.error(
            where,
            f'{what} is not a Hugging Face paper ({kind} with no "paper" object)',
            'each item of a daily-papers file holds a "paper"; fix or delete this one',
        )
        return None
    item: Mapping[str, object] = value
    paper: Mapping[str, object] = value["paper"]
    found_id = arxiv_id(paper.get("id"))
    authors = paper.get("authors")
    keywords = paper.get("ai_keywords", item.get("ai_keywords"))
    return make_entry(
        log,
        where,
        what,
        _text(item.get("title"), paper.get("title")),
        _text(item.get("summary"), paper.get("summary")),
        date=_listing_date(item, paper),
        authors=names(a.get("name") for a in authors if isinstance(a, dict))
        if isinstance(authors, list)
        else (),
        links=(
            hugging_face_link(found_id) if found_id else None,
            link(LinkKind.CODE, _text(paper.get("githubRepo"), item.get("githubRepo"))),
            link(LinkKind.PROJECT, _text(paper.get("projectPage"), item.get("projectPage"))),
        ),
        arxiv_id=found_id,
        upvotes=_count(paper.get("upvotes"), item.get("upvotes")),
        keywords=words(keywords) if isinstance(keywords, list) else (),
    )


def _listing_date(item: Mapping[str, object], paper: Mapping[str, object]) -> dt.date | None:
    """The day Hugging Face listed the paper: submittedOnDailyAt, else (2024) publishedAt."""
    listed = paper.get("submittedOnDailyAt", item.get("submittedOnDailyAt"))
    if listed is not None:
        return parse_date(listed)
    return parse_date(item.get("publishedAt"))


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (list, "array"),
    (str, "string"),
    (bool, "true/false"),
    (int, "number"),
    (float, "number"),
    (type(None), "null"),
)


def _json_type(value: object) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "value")
