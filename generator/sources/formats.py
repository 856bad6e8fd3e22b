"""The digest formats, and how a file's content (not its name) tells which one it is in.

Each format has a reader: a function from a Source (the decoded text and where it came from)
to a Parsed (entries, problems, the day the file lists). A file that is in no format gets a
NotADigest that says what it looks like instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from generator.model import Entry, Location, Problem
from generator.sources.fields import LineIndex
from generator.sources.jsonrecords import first_record


@dataclass(frozen=True)
class DateLine:
    """A date line as written in a text digest; the year is None when the line has none."""

    month: int
    day: int
    year: int | None
    location: Location

    def resolve(self, year: int | None) -> dt.date | None:
        """Return the date, taking the year from the line first, else from `year`."""
        chosen = self.year if self.year is not None else year
        if chosen is None:
            return None
        try:
            return dt.date(chosen, self.month, self.day)
        except (ValueError, RecursionError):
            return None


@dataclass(frozen=True)
class Source:
    """A digest's text as a reader gets it: `\\n` line ends, front matter already taken off."""

    path: str  # as messages show it
    text: str
    first_line: int = 1  # the file line of text's first line
    year: int | None = None  # completes dates written without one ("Mar 11")

    @cached_property
    def _index(self) -> LineIndex:
        return LineIndex(self.text, self.first_line)

    def at(self, offset: int) -> Location:
        """The file location of a character offset in `text`."""
        return Location(self.path, self._index.line(offset))

    def line(self, number: int) -> Location:
        """The file location of `text`'s line `number` (0-based)."""
        return Location(self.path, self.first_line + number)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True)
class Parsed:
    """What a reader found in one digest."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    # The day the file lists, when the source says (a listing's date); text digests give
    # their date lines instead, and the first one dates the issue.
    date: dt.date | None = None
    dates: tuple[DateLine, ...] = ()


Reader = Callable[[Source], Parsed]


@dataclass(frozen=True)
class Format:
    """A digest format: its name in messages, and whether it may open with YAML front matter."""

    name: str
    front_matter: bool


HF_TEXT = Format("Hugging Face page text", front_matter=True)
MARKDOWN = Format("Markdown digest", front_matter=True)
RECORDS = Format("plain records (Title:/Summary:)", front_matter=True)
HF_API = Format("Hugging Face daily-papers JSON", front_matter=False)
ARXIV_API = Format("arXiv API Atom", front_matter=False)
ARXIV_LISTING = Format("arXiv listing feed (RSS/Atom)", front_matter=False)
ARXIV_JSONL = Format("arXiv metadata JSON Lines", front_matter=False)
CSV = Format("CSV with a header row", front_matter=False)
BIBTEX = Format("BibTeX", front_matter=False)

SUPPORTED = (HF_API, ARXIV_API, ARXIV_LISTING, ARXIV_JSONL, CSV, BIBTEX, MARKDOWN, RECORDS, HF_TEXT)


@dataclass(frozen=True)
class NotADigest:
    """A file in no digest format, and what it looks like instead ("an HTML page")."""

    kind: str


def not_a_digest(path: str, kind: str) -> Problem:
    """The one message for a file in no known format."""
    names = "; ".join(f.name for f in SUPPORTED)
    return Problem(
        Location(path, 1),
        f"not a digest — looks like {kind}; supported formats: {names}",
        "save it in one of these formats, or move it out of the digests folder",
    )


_SNIFF_CHARS = 65_536
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
# JabRef 2 wrote a plain-text line or two ahead of the first entry.
_JABREF_HEADER = re.compile(r"\AThis file was created with JabRef", re.IGNORECASE)
_RECORD_TITLE = re.compile(r"^\s*Title\s*:\s*\S", re.MULTILINE | re.IGNORECASE)
_RECORD_BODY = re.compile(r"^\s*(?:Summary|Abstract)\s*:", re.MULTILINE | re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_MD_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])[ \t]+\[[^\]\n]+\]\([^)\s]+\)", re.MULTILINE)
_LISTING_MARK = re.compile(r"rss\.arxiv\.org|announce_type|oai:arXiv\.org:", re.I)
_API_MARK = re.compile(r"opensearch|arxiv\.org/api|<id>\s*https?://arxiv\.org/abs/", re.I)
_CSV_TITLE = re.compile(r"(?:^|[,;\t])\s*\"?\s*(?:paper[ _]?)?title\s*\"?\s*(?:[,;\t]|$)", re.I)


def detect(text: str) -> Format | NotADigest:
    """Tell a digest's format from its content; the extension is never asked."""
    head = _FRONT_MATTER.sub("", text[:_SNIFF_CHARS], count=1).lstrip()
    if head.startswith(("{", "[")):
        return _json_kind(text)
    if head.startswith("<"):
        markup = _markup_kind(head)
        if markup is not None:
            return markup
    if head.startswith("%PDF"):
        return NotADigest("a PDF document")
    first = head.split("\n", 1)[0]
    if _BIBTEX_ENTRY.search(head) and (head.startswith(("@", "%")) or _JABREF_HEADER.match(head)):
        return BIBTEX
    if _CSV_TITLE.search(first) and any(sep in first for sep in ",;\t"):
        return CSV
    if _RECORD_TITLE.search(head) and _RECORD_BODY.search(head):
        return RECORDS
    if _MD_HEADING.search(head) or _MD_LINK_ITEM.search(head):
        return MARKDOWN
    if _looks_like_a_table(head):
        return NotADigest("a table (CSV) with no header row naming a title column")
    return HF_TEXT


def _looks_like_a_table(head: str) -> bool:
    """Rows of one width (3 fields or more) in most of the first lines: a table, not prose.

    Page text has a title line (few commas) and an abstract line (commas anywhere) by turns,
    so its lines never share one width.
    """
    for delimiter in ",;\t":
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(head), delimiter=delimiter), 20))
        except csv.Error:
            continue
        widths = Counter(len(row) for row in rows if row)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        if width >= 3 and len(rows) >= 3 and count >= 0.8 * len(rows):
            return True
    return False


def _json_kind(text: str) -> Format | NotADigest:
    """HF daily-papers (an array of {"paper": ...}) or JSON Lines of arXiv metadata."""
    record = first_record(text)
    if record is None:
        return NotADigest("JSON with a syntax error in its first record")
    if not isinstance(record, dict):
        return NotADigest("JSON of another kind (not a list of papers)")
    if isinstance(record.get("paper"), dict):
        return HF_API
    if "title" in record and ("summary" in record or "abstract" in record):
        return ARXIV_JSONL
    keys = ", ".join(sorted(map(str, record))[:6])
    return NotADigest(f"JSON of another kind (its records have the keys {keys})")


def _markup_kind(head: str) -> Format | NotADigest | None:
    """An RSS or Atom feed, an HTML page, XML of another kind; None: not a markup document.

    Text that merely opens with a tag ("<script>" as a hostile title) is not a document: only
    an XML declaration or a feed's or page's root element make one.
    """
    start = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", head, flags=re.S | re.I)
    root = re.match(r"\s*<\s*([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", start)
    name = root[2].lower() if root else ""
    if name == "html" or re.match(r"\s*<!doctype\s+html", head, re.I):
        return NotADigest("an HTML page (save the paper list, or use paper-digest fetch)")
    if name in {"rss", "rdf"}:
        return ARXIV_LISTING
    if name == "feed":
        # A daily listing names its announce types and oai: ids; an API answer has an
        # OpenSearch count, its api/ ids, or entries with abs/ ids. Other Atom feeds (a
        # journal's) are read as listings.
        if _LISTING_MARK.search(head):
            return ARXIV_LISTING
        return ARXIV_API if _API_MARK.search(head) else ARXIV_LISTING
    if head.startswith("<?xml"):
        return NotADigest(f"XML of another kind (<{name or '?'}>)")
    return None
