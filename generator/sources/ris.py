"""Read RIS exports (Zotero, Mendeley, EndNote, Scopus, Web of Science) with `rispy`.

A record runs from `TY  - ` to `ER  - `; the fields read: `TI` or `T1` the title (`T2` is the
journal, never the title), `AB` or `N2` the abstract, `AU` and `A1` the authors ("Last,
First" turned round), `DA`, `PY` or `Y1` the date when it names a day (`2024/03/11/`), `DO`
a DOI link (an arXiv DOI gives the id), `UR` and `L1` addresses (an arXiv one gives the id;
a local file is never read), `KW` keywords, and an `arXiv:ID` in `M3`, `AN`, `N1` or `ID`.
A record without a title or abstract is one problem at its `TY` line; the others are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import rispy

from generator.model import Entry, Link, Location
from generator.sources.doi import arxiv_id_of_doi, doi_link
from generator.sources.fields import ProblemLog, arxiv_id, make_entry, words
from generator.sources.formats import Parsed, Source
from generator.sources.paperlinks import paper_links
from generator.sources.table import parse_authors

_START = re.compile(r"^TY  - ", re.MULTILINE)
_END = re.compile(r"^ER  -", re.MULTILINE)
_DAY = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_ARXIV = re.compile(r"\barXiv:\s*(?P<id>\S+)", re.IGNORECASE)
_ID_FIELDS = ("type_of_work", "accession_number", "notes", "id", "note", "custom1")


def _records(source: Source, log: ProblemLog) -> list[tuple[Location, dict[str, object]]]:
    """Each record (from its `TY` line to the next) parsed alone: a record the parser cannot
    read costs only itself; a last record cut before `ER` is read as far as it goes."""
    text = source.text
    starts = [m.start() for m in _START.finditer(text)]
    found: list[tuple[Location, dict[str, object]]] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunk, where = text[start:end], source.at(start)
        if _END.search(chunk) is None:
            if index + 1 == len(starts):
                log.warning(
                    where,
                    "the last record has no `ER  - ` line (the file may be cut short)",
                    "export the file again; the record is read as far as it goes",
                )
            chunk += "\nER  - \n"
        try:
            parsed = rispy.loads(chunk, skip_unknown_tags=True)
        except (KeyError, ValueError, TypeError, AttributeError, IndexError):
            parsed = []
        if not parsed:
            hint = "export it again; the other records are read"
            log.error(where, f"record {index + 1} cannot be read as RIS", hint)
            continue
        found.append((where, parsed[0]))
    return found


def read(source: Source) -> Parsed:
    log = ProblemLog()
    entries: list[Entry] = []
    for number, (where, record) in enumerate(_records(source, log), start=1):
        found, links = _links(record)
        entry = make_entry(
            log,
            where,
            f"record {number}",
            _first(record, "title", "primary_title"),
            _first(record, "abstract", "notes_abstract"),
            date=_date(record),
            authors=parse_authors(
                "; ".join(_list(record, "authors") + _list(record, "first_authors")),
                last_first=True,
            ),
            links=links,
            arxiv_id=found,
            keywords=words(_list(record, "keywords")),
        )
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result())


def _list(record: Mapping[str, object], name: str) -> list[str]:
    value = record.get(name)
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _first(record: Mapping[str, object], *fields: str) -> str:
    return next((" ".join(v) for f in fields if (v := _list(record, f)) and any(v)), "")


def _date(record: Mapping[str, object]) -> dt.date | None:
    for name in ("date", "year", "publication_year"):
        for value in _list(record, name):
            match = _DAY.match(value.strip())
            if match is None:
                continue
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def _links(record: Mapping[str, object]) -> tuple[str | None, list[Link | None]]:
    doi = _first(record, "doi")
    found, links = paper_links(
        [*_list(record, "urls"), *_list(record, "file_attachments1"), *_list(record, "link")]
    )
    for name in _ID_FIELDS:
        for value in _list(record, name):
            match = _ARXIV.search(value)
            found = found or (arxiv_id(match["id"]) if match else None)
    return found or arxiv_id_of_doi(doi), [doi_link(doi), *links]
