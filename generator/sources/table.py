"""Read a CSV file with a header row: one paper a row, columns found by their names.

Column names are matched without regard to case, spaces, "_" or "-", in the spellings
spreadsheets and reference managers use (a Zotero export's "Abstract Note", "Author" as
"Last, First; Last, First", "Url", "DOI", "Manual Tags"). The delimiter (comma, semicolon or
tab) is read from the header row; quoted fields may hold line breaks, and a record's place is
its first line. A row with the wrong number of fields, or no title, is one problem naming its
line; the other rows are read. A header with no title or no abstract column is one problem
that lists the columns found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator.model import Entry, Link, LinkKind
from generator.sources.doi import arxiv_id_of_doi, doi_link
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    link,
    make_entry,
    names,
    paper_address,
    parse_date,
    split_authors,
    words,
)
from generator.sources.formats import Parsed, Source
from generator.sources.paperlinks import paper_links
from generator.sources.text import clean_text

# What a column holds, and the names it goes by (the first one present is used).
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper title", "papertitle", "name"),
    "abstract": ("abstract", "summary", "abstract note", "abstractnote"),
    "fallback": ("description", "tldr", "tl;dr"),
    "arxiv": ("arxiv", "arxiv id", "arxivid", "eprint", "arxiv number"),
    "doi": ("doi",),
    "code": ("code", "github", "code url", "github url", "repo", "repository"),
    "project": ("project", "project page", "project url", "homepage", "website"),
    "date": ("date", "published", "published date", "publication date", "published at"),
    "authors": ("authors", "author", "creators"),
    "categories": ("categories", "category", "tags", "keywords", "manual tags", "subjects"),
    "upvotes": ("upvotes",),
    "extra": ("extra",),
}
# Every one of these columns present is read: an arXiv address gives the id, others are pages.
URL_COLUMNS = ("url", "paper url", "link", "pdf", "pdf url", "abs url", "arxiv url")
DELIMITERS = (",", "\t", ";")  # on a tie, the first wins
# A field longer than this is not an abstract (a paper's whole text, or a quote left open).
MAX_FIELD = 128 * 1024
_QUOTED = re.compile(r'"[^"]*"')
_ARXIV_IN_EXTRA = re.compile(r"\barXiv:\s*(?P<id>\S+)", re.IGNORECASE)
_ARXIV_CATEGORIES = re.compile(r"^[a-z\-]+(?:\.[A-Za-z\-]+)?(?: [a-z\-]+(?:\.[A-Za-z\-]+)?)+$")
_ROW_HINT = (
    "a field holding the delimiter or a line break must be in double quotes, and every quote "
    "opened must be closed; fix the row, the other rows are read"
)


def column_key(name: str) -> str:
    """ "Paper_Title" and "paper-title " -> "paper title"."""
    return " ".join(re.sub(r"[_\-]", " ", clean_text(name)).casefold().split())


def sniff_delimiter(text: str) -> str:
    """The delimiter the header row uses most (quoted names left out)."""
    header = _QUOTED.sub("", text.split("\n", 1)[0])
    return max(DELIMITERS, key=lambda d: (header.count(d), -DELIMITERS.index(d)))


@dataclass(frozen=True)
class Header:
    """Which field of a row holds what; the column names as written."""

    names: tuple[str, ...]
    fields: Mapping[str, int]
    urls: tuple[int, ...]
    zotero: bool  # authors are "Last, First" even alone

    @classmethod
    def of(cls, row: Sequence[str]) -> Header:
        keys = [column_key(cell) for cell in row]
        fields: dict[str, int] = {}
        for what, spellings in COLUMNS.items():
            index = next((keys.index(s) for s in spellings if s in keys), None)
            if index is not None:
                fields[what] = index
        urls = tuple(i for i, key in enumerate(keys) if key in URL_COLUMNS)
        zotero = "item type" in keys and "abstract note" in keys
        return cls(tuple(clean_text(c) for c in row), fields, urls, zotero)

    def missing(self) -> str | None:
        if "title" not in self.fields:
            return "title"
        if "abstract" not in self.fields and "fallback" not in self.fields:
            return "abstract"
        return None


def read(source: Source) -> Parsed:
    """The reader of CSV files with a header row."""
    log = ProblemLog()
    entries: list[Entry] = []
    header: Header | None = None
    number = 0
    for start, span, row in _records(source, log):
        if header is None:
            header = Header.of(row)
            if _refuse_header(source, log, start, header):
                return Parsed((), log.result())
            continue
        number += 1
        entry = _row_entry(source, log, (start, span), number, row, header)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result())


def _records(source: Source, log: ProblemLog) -> Iterator[tuple[int, int, list[str]]]:
    """Rows that hold something, each with the 0-based line it starts on and its line count."""
    delimiter = sniff_delimiter(source.text)
    # csv stops the whole file at a field over its limit (128 KB): the file is in memory
    # already, so no field is refused there; a field over MAX_FIELD costs only its row.
    csv.field_size_limit(max(csv.field_size_limit(), len(source.text) + 1))
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=delimiter)
    start = 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, reader.line_num - start, row
            start = reader.line_num
    except csv.Error as exc:
        where = source.line(start)
        message = f"the CSV breaks in the record that starts on line {where.line} ({exc})"
        hint = "is a quote opened and never closed? fix it; the rows before it are read"
        log.error(where, message, hint)


def _refuse_header(source: Source, log: ProblemLog, start: int, header: Header) -> bool:
    missing = header.missing()
    if missing is None:
        return False
    found = ", ".join(repr(name) for name in header.names)
    spellings = COLUMNS[missing] + (COLUMNS["fallback"] if missing == "abstract" else ())
    log.error(
        source.line(start),
        f"the header row has no {missing} column (columns found: {found})",
        "name the column " + " or ".join(repr(s) for s in spellings[:4]) + "; nothing is read",
    )
    return True


def _row_entry(
    source: Source,
    log: ProblemLog,
    lines: tuple[int, int],
    number: int,
    row: list[str],
    header: Header,
) -> Entry | None:
    start, span = lines
    where = source.line(start)
    what = f"row {number}"
    longest = max(range(len(row)), key=lambda i: len(row[i]))
    if len(row[longest]) > MAX_FIELD:
        column = header.names[longest] if longest < len(header.names) else f"field {longest + 1}"
        log.error(
            where,
            f"{what} has a field of {len(row[longest]):,} characters in column {column!r} "
            f"(the most read is {MAX_FIELD:,}); the row is left out",
            "is a quote left open? shorten the field or fix the quote; the other rows are read",
        )
        return None
    if len(row) != len(header.names):
        # A quote left open runs on over the next lines: say how far the record reached.
        reach = f" (lines {where.line}–{where.line + span - 1})" if span > 1 else ""
        count = f"{what}{reach} has {len(row)} fields, the header has {len(header.names)}"
        log.error(where, count, _ROW_HINT)
        return None

    def cell(what: str) -> str:
        index = header.fields.get(what)
        return row[index].strip() if index is not None else ""

    abstract = cell("abstract") or cell("fallback")
    found_id, links = _identify(cell, [row[i] for i in header.urls])
    # Any other column whose value is a paper's address (`PaperURL`, `OpenReview`) links too.
    from_values, more = paper_links([v for i, v in enumerate(row) if i not in header.urls])
    found_id, links = found_id or from_values, [*links, *more]
    return make_entry(
        log,
        where,
        what,
        cell("title"),
        abstract,
        date=parse_date(cell("date")),
        authors=parse_authors(cell("authors"), last_first=header.zotero),
        links=links,
        arxiv_id=found_id,
        categories=parse_categories(cell("categories")),
        upvotes=cell("upvotes") or None,
        summary=not cell("abstract"),
    )


def _identify(cell: Callable[[str], str], urls: list[str]) -> tuple[str | None, list[Link | None]]:
    """The arXiv id (from its column, an arXiv address, the DOI, Zotero's Extra) and links."""
    found = arxiv_id(cell("arxiv"))
    links: list[Link | None] = [
        doi_link(cell("doi")),
        link(LinkKind.CODE, cell("code")),
        link(LinkKind.PROJECT, cell("project")),
    ]
    for value in (v.strip() for v in urls if v.strip()):
        from_url, page = paper_address(value, LinkKind.PAGE)
        found = found or from_url
        links.append(page)
    extra = _ARXIV_IN_EXTRA.search(cell("extra"))
    found = found or arxiv_id_of_doi(cell("doi")) or (arxiv_id(extra["id"]) if extra else None)
    return found, links


def parse_authors(value: str, *, last_first: bool = False) -> tuple[str, ...]:
    """Authors from "A. One, B. Two and C. Three", or "Last, First; Last, First" (Zotero)."""
    if not value:
        return ()
    if ";" not in value and not last_first:
        return split_authors(value)
    parts = [p.strip() for p in value.split(";")]
    return names(_first_last(p) if p.count(",") == 1 else p for p in parts)


def _first_last(name: str) -> str:
    """ "Vaswani, Ashish" -> "Ashish Vaswani"."""
    last, first = (p.strip() for p in name.split(","))
    return f"{first} {last}".strip()


def parse_categories(value: str) -> tuple[str, ...]:
    """Categories or tags separated by ";", "," or "|"; arXiv's "cs.LG cs.AI" by spaces."""
    value = value.strip()
    if not value:
        return ()
    if _ARXIV_CATEGORIES.match(value):
        return words(value.split())
    return words(re.split(r"\s*[;,|]\s*", value))
