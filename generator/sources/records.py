"""Read plain records: blocks of `Key: value` lines, one paper per block.

Records are separated by a line of three or more dashes (`---`); a second `Title:` in a block
starts a new record too (a forgotten separator). Keys are case-insensitive: `Title`,
`Summary` or `Abstract`, `Authors`, `Date`, `PDF` (an arXiv PDF gives the arXiv id, another
address a PDF link), `URL`/`Link` (an arXiv page gives the id, another address a page link),
`arXiv`, `Code`, `Project`, `Categories`, `Keywords`. A value may go on over the following
lines until the next key or separator; while a summary goes on, only a known key ends it (so
"Results: ..." in an abstract is text). A key the reader does not know is a warning, once per
key per file. A record without a title or summary is a problem at its first line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.model import Entry, Link, LinkKind, Location
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    link,
    make_entry,
    parse_date,
    split_authors,
    split_words,
)
from generator.sources.formats import Parsed, Source

_SEPARATOR = re.compile(r"^\s*-{3,}\s*$")
_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _-]{0,29}?)\s*:(?:\s+(?P<value>.*)|\s*)$")
KEYS = {
    "title": "title",
    "summary": "abstract",
    "abstract": "abstract",
    "authors": "authors",
    "author": "authors",
    "date": "date",
    "published": "date",
    "pdf": "pdf",
    "url": "url",
    "link": "url",
    "arxiv": "arxiv",
    "arxiv id": "arxiv",
    "code": "code",
    "project": "project",
    "categories": "categories",
    "category": "categories",
    "keywords": "keywords",
}


@dataclass
class _Record:
    where: Location
    number: int
    values: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return " ".join(self.values.get(name, []))


@dataclass
class _Reader:
    source: Source
    log: ProblemLog = field(default_factory=ProblemLog)
    records: list[_Record] = field(default_factory=list)
    record: _Record | None = None
    current: str | None = None  # the key whose value the next plain line goes on with
    warned: set[str] = field(default_factory=set)

    def line(self, number: int, text: str) -> None:
        if _SEPARATOR.match(text):
            self.record, self.current = None, None
            return
        if not text.strip():
            return
        match = _KEY.match(text.strip())
        key = " ".join(match["key"].lower().split()) if match else ""
        name = KEYS.get(key) if match else None
        continuing = self.current == "abstract"
        if name is None and (not match or continuing):
            if self.current is not None and self.record is not None:
                self.record.values[self.current].append(text.strip())
            return  # text before any key of a block (an introduction) is not a record
        if name is None:
            self._unknown(number, match["key"] if match else key)
            self._open_if_needed(number)
            self.current = None
            return
        if name == "title" and self.record is not None and "title" in self.record.values:
            self.record = None  # a second title: the separator was forgotten
        self._open_if_needed(number)
        assert self.record is not None and match is not None
        self.record.values.setdefault(name, []).append((match["value"] or "").strip())
        self.current = name

    def _open_if_needed(self, number: int) -> None:
        if self.record is None:
            self._open(number)

    def _open(self, number: int) -> None:
        self.record = _Record(self.source.line(number), len(self.records) + 1)
        self.records.append(self.record)
        self.current = None

    def _unknown(self, number: int, key: str) -> None:
        folded = key.lower()
        if folded in self.warned:
            return
        self.warned.add(folded)
        known = ", ".join(sorted({k.title() for k in KEYS}))
        self.log.warning(
            self.source.line(number),
            f"unknown key {key.strip()!r} (its lines are left out; said once per file)",
            f"the keys read are {known}",
        )


def _entry(log: ProblemLog, record: _Record) -> Entry | None:
    paper = arxiv_id(record.value("arxiv").split(" ")[0]) if "arxiv" in record.values else None
    links: list[Link | None] = []
    for name, kind in (("pdf", LinkKind.PDF), ("url", LinkKind.PAGE)):
        for value in record.values.get(name, []):
            found = arxiv_id(value)
            if found:
                paper = paper or found
            else:
                links.append(link(kind, value))
    for name, kind in (("code", LinkKind.CODE), ("project", LinkKind.PROJECT)):
        links.extend(link(kind, value) for value in record.values.get(name, []))
    return make_entry(
        log,
        record.where,
        f"record {record.number}",
        record.value("title"),
        record.value("abstract"),
        date=parse_date(record.value("date")),
        authors=split_authors(record.value("authors")),
        links=links,
        arxiv_id=paper,
        categories=split_words(record.value("categories"), spaces=True),
        keywords=split_words(record.value("keywords")),
    )


def read(source: Source) -> Parsed:
    """Read every record; a record without a title or summary costs only itself."""
    reader = _Reader(source)
    for number, text in enumerate(source.lines):
        reader.line(number, text)
    entries = [_entry(reader.log, record) for record in reader.records]
    return Parsed(tuple(e for e in entries if e is not None), reader.log.result())
