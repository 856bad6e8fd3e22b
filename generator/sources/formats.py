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
from generator.sources import shapes
from generator.sources.fields import LineIndex
from generator.sources.jsonkeys import paper_list, untexted
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
    # What the file looks like when the reader finds it is no digest after all (the whole
    # file is refused with that, as if detection had said so).
    refused: str | None = None


Reader = Callable[[Source], Parsed]


@dataclass(frozen=True)
class Format:
    """A digest format: its name in messages, and whether it may open with YAML front matter."""

    name: str
    front_matter: bool
    key: str = ""  # its name on the command line (`paper-digest check --format KEY`)


HF_TEXT = Format("Hugging Face page text", front_matter=True, key="hf-text")
MARKDOWN = Format("Markdown digest", front_matter=True, key="markdown")
RECORDS = Format("plain records (Title:/Summary:)", front_matter=True, key="records")
HF_API = Format("Hugging Face daily-papers JSON", front_matter=False, key="hf-api")
ARXIV_API = Format("arXiv API Atom", front_matter=False, key="arxiv-api")
ARXIV_LISTING = Format("arXiv listing feed (RSS/Atom)", front_matter=False, key="arxiv-listing")
ARXIV_JSONL = Format("arXiv metadata JSON Lines", front_matter=False, key="arxiv-jsonl")
CSV = Format("CSV with a header row", front_matter=False, key="csv")
BIBTEX = Format("BibTeX", front_matter=False, key="bibtex")
RIS = Format("RIS", front_matter=False, key="ris")
ARXIV_EMAIL = Format("arXiv listing email", front_matter=False, key="arxiv-email")
JSON_LIST = Format("JSON list of papers", front_matter=False, key="json")

SUPPORTED = (
    HF_API,
    ARXIV_API,
    ARXIV_LISTING,
    ARXIV_EMAIL,
    ARXIV_JSONL,
    JSON_LIST,
    CSV,
    BIBTEX,
    RIS,
    MARKDOWN,
    RECORDS,
    HF_TEXT,
)


FORMAT_KEYS = {f.key: f for f in SUPPORTED}


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
_MD_SUB_HEADING = re.compile(r"^#{2,6}[ \t]+\S", re.MULTILINE)
# arXiv's daily email: records open with a `\\` line and give `arXiv:ID` on the next lines.
_MAIL_RECORD = re.compile(r"^\\\\\s*$", re.MULTILINE)
_ARXIV_MAIL = re.compile(r"^arXiv:(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})\b", re.MULTILINE)
_MD_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])[ \t]+\[[^\]\n]+\]\([^)\s]+\)", re.MULTILINE)
_LISTING_MARK = re.compile(r"rss\.arxiv\.org|announce_type|oai:arXiv\.org:", re.I)
_API_MARK = re.compile(r"opensearch|arxiv\.org/api|<id>\s*https?://arxiv\.org/abs/", re.I)
_CSV_TITLE = re.compile(r"(?:^|[,;\t])\s*\"?\s*(?:paper[ _]?)?title\s*\"?\s*(?:[,;\t]|$)", re.I)


@dataclass(frozen=True)
class Detected:
    """The format a file was read as (or what it looks like instead), and why it was chosen."""

    found: Format | NotADigest
    evidence: str


def detect(text: str) -> Format | NotADigest:
    """Tell a digest's format from its content; the extension is never asked."""
    return sniff(text).found


def sniff(text: str) -> Detected:
    """The format of a text, with the evidence that chose it (`paper-digest check` shows it)."""
    head = _FRONT_MATTER.sub("", text[:_SNIFF_CHARS], count=1).lstrip()
    if head.startswith(("{", "[")):
        return _json_kind(text)
    if head.startswith("<"):
        markup = _markup_kind(head)
        if markup is not None:
            return Detected(markup, "opens with an XML root element")
    if head.startswith("%PDF"):
        return Detected(NotADigest("a PDF document"), "opens with %PDF")
    first = head.split("\n", 1)[0]
    if _BIBTEX_ENTRY.search(head) and (head.startswith(("@", "%")) or _JABREF_HEADER.match(head)):
        return Detected(BIBTEX, "opens with an @entry{")
    if shapes.is_ris(head):
        return Detected(RIS, "a `TY  - ` line, and most lines are RIS tags")
    mail = _mail_kind(head)
    if mail is not None:
        return mail
    if _CSV_TITLE.search(first) and any(sep in first for sep in ",;\t"):
        return Detected(CSV, "the first row names a title column")
    if _RECORD_TITLE.search(head) and _RECORD_BODY.search(head):
        return Detected(RECORDS, "`Title:` and `Summary:`/`Abstract:` lines")
    markdown = _markdown_kind(head)
    if markdown is not None:
        return markdown
    if _looks_like_a_table(head):
        kind = NotADigest("a table (CSV) with no header row naming a title column")
        return Detected(kind, "rows of one width")
    shaped, evidence = shapes.page_text_shape(head)
    if shaped or not shapes.content(head.split("\n")):  # an empty file: no papers, said so
        return Detected(HF_TEXT, evidence)
    return Detected(NotADigest(shapes.looks_like(head)), evidence)


def _mail_kind(head: str) -> Detected | None:
    """arXiv's daily email (saved text, .eml, mbox), or another email."""
    listing = _ARXIV_MAIL.search(head) is not None and _MAIL_RECORD.search(head) is not None
    if listing:
        return Detected(ARXIV_EMAIL, "`\\\\` record lines with `arXiv:ID` lines")
    if shapes.is_email(head):
        return Detected(NotADigest(shapes.looks_like(head)), "mail headers at the top")
    return None


def _markdown_kind(head: str) -> Detected | None:
    """A Markdown digest: headings below `#`, link items, a table; `#` headings alone only when
    the text is not page text (a title that starts with "# " stays page text)."""
    if _MD_SUB_HEADING.search(head) or _MD_LINK_ITEM.search(head):
        return Detected(MARKDOWN, "`##` headings or list items that open with a link")
    if shapes.has_pipe_table(head):
        return Detected(MARKDOWN, "a Markdown table (`|---|` rule)")
    if _MD_HEADING.search(head) and not shapes.page_text_shape(head)[0]:
        return Detected(MARKDOWN, "`#` headings")
    return None


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


def _json_kind(text: str) -> Detected:
    """HF daily-papers, JSON Lines or an array of paper records, or an object holding a list."""
    record = first_record(text)
    if record is None:
        if shapes.is_python_repr(text):
            kind = "a Python repr dump (single quotes, None), not JSON; save it with json.dump"
            return Detected(NotADigest(kind), "single-quoted keys or None/True/False")
        return Detected(NotADigest("JSON with a syntax error in its first record"), "JSON")
    if not isinstance(record, dict):
        return Detected(NotADigest("JSON of another kind (not a list of papers)"), "JSON")
    if isinstance(record.get("paper"), dict):
        return Detected(HF_API, 'its records hold a "paper" object')
    if "title" in record and ("summary" in record or "abstract" in record):
        return Detected(ARXIV_JSONL, 'its records have "title" and "summary"/"abstract"')
    found = paper_list(record)
    if found is not None:
        return Detected(JSON_LIST, found)
    titled = untexted(record)
    keys = ", ".join(sorted(map(str, titled or record))[:6])
    kind = f"JSON of another kind (its records have the keys {keys})"
    if titled is not None:
        kind = f"a JSON list of papers with no abstract or summary field (keys: {keys})"
    return Detected(NotADigest(kind), "JSON")


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
