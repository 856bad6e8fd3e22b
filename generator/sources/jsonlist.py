"""Read any JSON list of papers: an array of records, or an object that holds one list of them.

Records carry a title and an abstract under the usual names (`jsonkeys.FIELDS`: `title`,
`paper_title`, `name`; `abstract`, `summary`; a one-line `tldr`/`description` when there is
nothing longer); authors as a string, a list of names or of `{"name": …}` objects; any value
that is a paper's address (arXiv, DOI, OpenReview, ACL Anthology, a PDF, code, a project page)
becomes a link, whatever its key. An object's own `date` dates the issue. A record that is not
a paper is one problem naming its number; the others are read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping

from generator.model import Entry, Location
from generator.sources.doi import arxiv_id_of_doi, doi_link
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    make_entry,
    names,
    parse_date,
    split_authors,
    split_words,
    words,
)
from generator.sources.formats import Parsed, Source
from generator.sources.jsonkeys import field_key, list_path
from generator.sources.jsonrecords import BROKEN, records
from generator.sources.paperlinks import paper_links

_HINT = "give each record a title and an abstract, or delete it; the other records are read"


def read(source: Source) -> Parsed:
    log = ProblemLog()
    items, date = _items(source, log)
    entries: list[Entry] = []
    for number, (where, record) in enumerate(items, start=1):
        if record is BROKEN:
            continue
        entry = record_entry(log, where, f"record {number}", record)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result(), date=date)


def _items(source: Source, log: ProblemLog) -> tuple[list[tuple[Location, object]], dt.date | None]:
    """The records with where they start, and the date of the object that holds them."""
    text = source.text
    if text.lstrip().startswith("["):
        return [(source.at(offset), value) for offset, value in records(source, log)], None
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError) as exc:
        log.error(source.at(0), f"the JSON does not parse ({exc})", "fix it; nothing is read")
        return [], None
    if not isinstance(whole, dict):
        return [], None
    path = list_path(whole)
    if path is None:  # one record
        return [(source.at(0), whole)], None
    date = parse_date(whole.get("date")) if isinstance(whole.get("date"), str) else None
    found: object = whole
    for key in path:
        found = found[key] if isinstance(found, dict) else []
    key = path[-1]
    opening = re.search(rf"{re.escape(json.dumps(key))}\s*:\s*\[", text)
    if opening is None or (len(path) > 1 and text.count(json.dumps(key)) > 1):
        # The key spelled with escapes, or not alone: records without their own lines.
        items = found if isinstance(found, list) else []
        return [(source.at(0), value) for value in items], date
    start = opening.end() - 1
    try:
        end = json.JSONDecoder().raw_decode(text, start)[1]
    except (ValueError, RecursionError):
        end = len(text)
    inner = Source(source.path, text[start:end], source.at(start).line, source.year)
    return [(inner.at(offset), value) for offset, value in records(inner, log)], date


def _value(record: Mapping[str, object], what: str) -> object:
    key = field_key(record, what)
    return record.get(key) if key is not None else None


def _text(record: Mapping[str, object], what: str) -> str:
    value = _value(record, what)
    return value if isinstance(value, str) else ""


def authors_of(value: object) -> tuple[str, ...]:
    """Authors from "A, B and C", ["A", "B"] or [{"name": "A"}, …]."""
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        return names(v.get("name") if isinstance(v, dict) else v for v in value)
    return ()


def _categories(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return words(value)
    return (
        split_words(value, spaces=" " in value and "," not in value)
        if isinstance(value, str)
        else ()
    )


def record_entry(log: ProblemLog, where: Location, what: str, record: object) -> Entry | None:
    """A paper from one record of usual names; a problem when it is not one."""
    if not isinstance(record, dict):
        log.error(where, f"{what} is not a JSON object", _HINT)
        return None
    found, links = paper_links([v for v in record.values() if isinstance(v, str)])
    found = arxiv_id(_value(record, "arxiv")) or found or arxiv_id_of_doi(_value(record, "doi"))
    upvotes = _value(record, "upvotes")
    return make_entry(
        log,
        where,
        what,
        _text(record, "title"),
        _text(record, "abstract") or _text(record, "summary"),
        summary=not _text(record, "abstract").strip(),
        date=parse_date(_value(record, "date")),
        authors=authors_of(_value(record, "authors")),
        links=[doi_link(_value(record, "doi")), *links],
        arxiv_id=found,
        categories=_categories(_value(record, "categories")),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
    )
