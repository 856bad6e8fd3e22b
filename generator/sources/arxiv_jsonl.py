"""Read JSON Lines of arXiv metadata: one paper a line, in either of two shapes.

- Daily digests (the daily-arXiv-ai-enhanced shape): `id, pdf, abs, authors` (a list),
  `title, categories` (a list), `comment, summary` (hard-wrapped). There is no date in the
  record: the issue's date comes from the file's name. Other keys (an `AI` object) are ignored.
- arXiv's metadata snapshot (Kaggle's arxiv-metadata-oai-snapshot.json): `authors` is one
  string ("A, B and C") next to `authors_parsed` ([last, first, suffix] lists, preferred),
  `categories` one space-separated string, `abstract` starts with a newline and is wrapped,
  `doi` may list two DOIs, the date is that of the first version (else `update_date`).

Other projects' records of papers read too: a JSON array instead of lines, `abstract`
preferred to `summary` when a record has both (the summary is then often an AI teaser), the id
from `arxiv_id`, `url` or `arxiv_url` as well, the date from `published` or `date`.

Blank lines are skipped; a record that is not a JSON object with a title and an abstract is
one problem at its line, and the other records are read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping

from generator.model import Entry, Location
from generator.sources.doi import doi_link
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    make_entry,
    names,
    parse_date,
    split_authors,
    words,
)
from generator.sources.formats import Parsed, Source
from generator.sources.jsonrecords import BROKEN, records, why
from generator.sources.paperlinks import paper_links

_HINT = "fix or delete the line; the other lines are read"
_ID_KEYS = ("id", "arxiv_id", "arxiv", "abs", "url", "arxiv_url", "pdf", "link")


def read(source: Source) -> Parsed:
    """The reader of arXiv metadata: JSON Lines, or a JSON array of records."""
    log = ProblemLog()
    entries: list[Entry] = []
    if source.text.lstrip().startswith("["):
        found = [
            (source.at(offset), value)
            for offset, value in records(source, log)
            if value is not BROKEN
        ]
    else:
        found = list(_lines(source, log))
    for number, (where, value) in enumerate(found, start=1):
        if value is BROKEN:
            continue
        entry = _entry(log, where, number, value)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result())


def _lines(source: Source, log: ProblemLog) -> Iterator[tuple[Location, object]]:
    """One record a line; a line that is not JSON is one problem, and costs only itself."""
    number = 0
    for index, line in enumerate(source.lines):
        if not line.strip():
            continue
        number += 1
        where = source.line(index)
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"record {number} is not valid JSON ({why(exc.msg)} at column {exc.colno})"
            log.error(where, message, _HINT)
            yield where, BROKEN
        except (ValueError, RecursionError):  # a number too long, or nesting too deep
            log.error(where, f"record {number} is not JSON this program can read", _HINT)
            yield where, BROKEN


def _text(record: Mapping[str, object], *keys: str) -> str | None:
    """The first of `keys` whose value is a string with something in it."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _entry(log: ProblemLog, where: Location, number: int, record: object) -> Entry | None:
    if not isinstance(record, dict):
        log.error(where, f"record {number} is not a JSON object", _HINT)
        return None
    found_id = next((i for k in _ID_KEYS if (i := arxiv_id(record.get(k))) is not None), None)
    what = f"record {number} (arXiv {found_id})" if found_id else f"record {number}"
    return make_entry(
        log,
        where,
        what,
        record.get("title"),
        _text(record, "abstract", "summary"),
        date=_date(record),
        authors=_authors(record),
        # Any value that is a paper's address (an OpenReview page, a project page) links too.
        links=(doi_link(record.get("doi")), *paper_links(list(record.values()))[1]),
        arxiv_id=found_id,
        categories=_categories(record.get("categories")),
    )


def _authors(record: Mapping[str, object]) -> tuple[str, ...]:
    """Names as "First Last Suffix": from authors_parsed, else the authors list or string."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        found = names(_parsed_name(part) for part in parsed)
        if found:
            return found
    authors = record.get("authors")
    if isinstance(authors, list):
        return names(authors)
    if isinstance(authors, str):
        return split_authors(authors)
    return ()


def _parsed_name(part: object) -> str:
    """["Evans", "Neal J.", "II"] -> "Neal J. Evans II"; a fourth item is an affiliation."""
    if not isinstance(part, list):
        return ""
    pieces = [p if isinstance(p, str) else "" for p in part[:3]]
    if not any(p.strip() for p in pieces):
        return ""
    last, first, suffix = [*pieces, "", ""][:3]
    return " ".join(p for p in (first, last, suffix) if p.strip())


def _categories(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return words(value)
    if isinstance(value, str):
        return words(value.split())
    return ()


def _date(record: Mapping[str, object]) -> dt.date | None:
    """The day of the first version ("Mon, 2 Apr 2007 19:18:42 GMT"), else update_date."""
    versions = record.get("versions")
    if isinstance(versions, list):
        first = next(
            (v for v in versions if isinstance(v, dict) and v.get("version") == "v1"), None
        )
        if first is None and versions and isinstance(versions[0], dict):
            first = versions[0]
        day = parse_date(first.get("created")) if first is not None else None
        if day is not None:
            return day
    return (
        parse_date(record.get("published"))
        or parse_date(record.get("date"))
        or parse_date(record.get("update_date"))
    )
