"""Read arXiv's daily listing email: saved as text, as an `.eml` file, or as an mbox of many.

The email lists each paper as a record between `\\\\` lines (arXiv's own layout):

    \\\\
    arXiv:2503.01234
    Date: Mon, 3 Mar 2025 18:59:59 GMT   (1234kb,D)

    Title: A title that may wrap
      onto the next line
    Authors: A. One, B. Two, and
      C. Three
    Categories: cs.LG cs.AI
    Comments: 12 pages
    \\\\
      The abstract, wrapped.
    \\\\ ( https://arxiv.org/abs/2503.01234 ,  1234kb)

Wrapped values are joined; the id gives the abstract page and PDF; categories, authors and
the comments line are read (comments are not kept, as in the listings). Replacements (a
"replaced with revised version" record) are new versions of papers announced before and are
left out without a message, as in the listing feeds. A paper is dated by the day the email was
sent (its `Date:` header), else by its own `Date:` line; the issue by the newest email.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from generator.model import Entry
from generator.sources import shapes
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    make_entry,
    parse_date,
    split_authors,
    split_words,
)
from generator.sources.formats import Parsed, Source

_SEPARATOR = re.compile(r"^\\\\\s*$")
_END = re.compile(r"^\\\\\s*\(\s*(?P<url>\S+)")
_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z\-]{1,20}):\s*(?P<value>.*)$")
# The rules between records and sections: "-----…", "%%--%%--…", "%%%---%%%---…".
_RULE = re.compile(r"^(?:-{20,}|%%+-+%%.*)\s*$")
_REPLACED = re.compile(r"^replaced with revised version", re.I)
_MBOX_FROM = re.compile(r"^From \S+.*$", re.MULTILINE)
_HEADER_END = re.compile(r"\n\s*\n")
_SIZE = re.compile(r"\s*\(\d+kb[^)]*\)\s*$")


@dataclass
class _Record:
    line: int  # 0-based line of its `\\` in the source text
    fields: dict[str, str] = field(default_factory=dict)
    abstract: list[str] = field(default_factory=list)
    replaced: bool = False
    url: str = ""


@dataclass
class _Scanner:
    """Walk a listing's lines: `\\`, the header block, `\\`, the abstract, `\\ ( url )`."""

    records: list[_Record] = field(default_factory=list)
    record: _Record | None = None
    state: str = "idle"  # idle, header, abstract
    key: str = ""

    def line(self, number: int, text: str) -> None:
        if self.state == "abstract":
            ended = _END.match(text)
            if ended is not None and self.record is not None:
                self.record.url = ended["url"]
                self.state = "idle"
            elif _SEPARATOR.match(text):  # a record with no abstract: a new one starts
                self._open(number)
            elif _RULE.match(text):  # the end line was lost: a rule ends the abstract
                self.state = "idle"
            elif self.record is not None:
                self.record.abstract.append(text.strip())
            return
        if _SEPARATOR.match(text):
            if self.state == "header":
                self.state = "abstract"
            else:
                self._open(number)
            return
        if self.state == "header" and self.record is not None:
            self._header(text)

    def _open(self, number: int) -> None:
        self.record = _Record(number)
        self.records.append(self.record)
        self.state, self.key = "header", ""

    def _header(self, text: str) -> None:
        assert self.record is not None
        if _REPLACED.match(text.strip()):
            self.record.replaced = True
            return
        match = _KEY.match(text)
        if text[:1].isspace() and self.key and text.strip():
            self.record.fields[self.key] += " " + text.strip()
        elif match is not None:
            self.key = match["key"].lower()
            self.record.fields[self.key] = match["value"].strip()
        elif text.strip().startswith("arXiv:"):
            self.key = "arxiv"
            self.record.fields["arxiv"] = text.strip()


@dataclass(frozen=True)
class _Part:
    """The text of one email's body, the file line it starts on, the day the email was sent."""

    text: str
    first_line: int
    sent: dt.date | None


def _messages(source: Source) -> list[_Part]:
    """The emails in a file: an mbox of many, one .eml, or a listing saved as plain text."""
    text = source.text
    starts = [m.start() for m in _MBOX_FROM.finditer(text)] if text.startswith("From ") else [0]
    parts: list[_Part] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        parts.append(_message(text[start:end], source.at(start).line))
    return parts


def _message(text: str, first_line: int) -> _Part:
    head = _HEADER_END.search(text)
    if head is None or not shapes.is_email(text):
        return _Part(text, first_line, None)
    message = email.message_from_string(text, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        return _Part(text, first_line, None)
    try:
        sent = parse_date(str(message.get("Date", "")))
        body = message.get_body(preferencelist=("plain",))
        content = body.get_content() if body is not None else ""
    except (LookupError, ValueError, TypeError, AttributeError, IndexError):
        # An unknown charset or a broken header: the text as saved is read instead.
        sent, content = None, ""
    plain = text[head.end() :]
    body_line = first_line + text[: head.end()].count("\n")
    if isinstance(content, str) and content.strip() and content.strip() not in plain:
        return _Part(content, first_line, sent)  # encoded: lines are the email's first
    return _Part(plain, body_line, sent)


def read(source: Source) -> Parsed:
    log = ProblemLog()
    entries: list[Entry] = []
    days: list[dt.date] = []
    for part in _messages(source):
        if part.sent is not None:
            days.append(part.sent)
        scanner = _Scanner()
        for number, text in enumerate(part.text.split("\n")):
            scanner.line(number, text)
        inner = Source(source.path, part.text, part.first_line, source.year)
        for record in scanner.records:
            if record.replaced:
                continue
            entry = _entry(log, inner, record, part.sent)
            if entry is not None:
                entries.append(entry)
    return Parsed(tuple(entries), log.result(), date=max(days) if days else None)


def _entry(log: ProblemLog, source: Source, record: _Record, sent: dt.date | None) -> Entry | None:
    fields = record.fields
    paper = arxiv_id(fields.get("arxiv", "").split(" ")[0]) or arxiv_id(record.url)
    what = f"record arXiv:{paper}" if paper else "record"
    dated = _SIZE.sub("", fields.get("date", ""))
    return make_entry(
        log,
        source.line(record.line),
        what,
        fields.get("title", ""),
        " ".join(record.abstract),
        date=sent or parse_date(dated),
        authors=split_authors(fields.get("authors", "")),
        arxiv_id=paper,
        categories=split_words(fields.get("categories", ""), spaces=True),
    )
