"""Read the text digests people save from Hugging Face's paper pages.

The format: a few boilerplate lines ("Subscribe", sometimes glued to the first title), an
optional date line ("Mar 11"), then a title line and an abstract line per paper, blank lines
optional. Lines are told apart by shape: an abstract is prose (long, or ending like a sentence),
a title is short and does not end with a full stop. The page drops the backslashes and dollars
of the abstracts' math; `tex.repair_tex` writes it back where that is unambiguous.
"""

from __future__ import annotations

import re

from generator.model import Entry, Location, Problem, Severity
from generator.sources.fields import ProblemLog, shorten
from generator.sources.formats import DateLine, Parsed, Source
from generator.sources.shapes import BOILERPLATE as BOILERPLATE
from generator.sources.shapes import looks_like_abstract as looks_like_abstract
from generator.sources.tex import repair_tex
from generator.sources.text import clean_text

# "Subscribe" glued to the first title: "SubscribeGitChameleon: ..."
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[^a-z\s])")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_DAY = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2})(?:,? (?P<year>\d{4}))?$")
_DAY_MONTH = re.compile(r"^(?P<day>\d{1,2}) (?P<month>[A-Za-z]{3,9})\.?(?:,? (?P<year>\d{4}))?$")
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")


def parse_date_line(line: str, location: Location) -> DateLine | None:
    """Recognise "Mar 11", "March 11, 2025", "11 Mar 2025" or "2025-03-11"."""
    for pattern in (_MONTH_DAY, _DAY_MONTH, _ISO):
        match = pattern.match(line)
        if not match:
            continue
        month_text = match["month"]
        month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.casefold())
        day = int(match["day"])
        if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        year = int(match["year"]) if match["year"] else None
        return DateLine(month, day, year, location)
    return None


def clean_line(raw: str) -> str:
    """Fold runs of white space (including no-break spaces) into one space; drop controls."""
    return clean_text(raw)


class _Parser:
    """Walk a digest's content lines: titles, abstracts and date lines, with problems met."""

    def __init__(self, path: str, year: int | None) -> None:
        self.path, self.year = path, year
        self.entries: list[Entry] = []
        self.dates: list[DateLine] = []
        self.log = ProblemLog()
        self.pending: tuple[str, Location] | None = None
        self.current_date: DateLine | None = None

    def report(self, problem: Problem) -> None:
        self.log.add(problem)

    def no_abstract(self, why: str) -> None:
        assert self.pending is not None
        title, where = self.pending
        self.report(
            Problem(
                where,
                f"title {shorten(title)!r} has no abstract ({why})",
                "put the paper's abstract on the line after its title, or delete the title",
            )
        )
        self.pending = None

    def date(self, date_line: DateLine) -> None:
        if self.pending is not None:
            self.no_abstract("a date line follows it")
        self.dates.append(date_line)
        self.current_date = date_line

    def text(self, line: str, where: Location, next_is_abstract: bool) -> None:
        """Take a line that is not a date: a title, or the abstract of the pending title."""
        if self.pending is None:
            if not looks_like_abstract(line):
                self.pending = (line, where)
            elif next_is_abstract and not line.endswith("."):
                # Two abstracts in a row, the first not a sentence: an overlong title.
                self.report(
                    Problem(
                        where,
                        f"title is {len(line):,} characters long ({shorten(line)!r})",
                        "check that the title and abstract lines are not run together",
                        Severity.WARNING,
                    )
                )
                self.pending = (line, where)
            else:
                self.report(
                    Problem(
                        where,
                        f"abstract with no title before it ({shorten(line)!r})",
                        "put the paper's title on the line above its abstract",
                    )
                )
            return
        if not looks_like_abstract(line):
            self.no_abstract(f"line {where.line} is another title")
            self.pending = (line, where)
            return
        title, title_at = self.pending
        day = self.current_date.resolve(self.year) if self.current_date else None
        # Titles stay as written: a paper's URL is made from its title.
        abstract = repair_tex(line)
        self.entries.append(Entry(title=title, abstract=abstract, location=title_at, date=day))
        self.pending = None

    def result(self) -> Parsed:
        if self.pending is not None:
            self.no_abstract("the file ends after it")
        return Parsed(tuple(self.entries), self.log.result(), dates=tuple(self.dates))


def content_lines(lines: list[str], path: str, first_line: int) -> list[tuple[str, Location]]:
    """Return the lines that hold something, cleaned, each with where it stands in the file."""
    found = []
    for offset, raw in enumerate(lines):
        line = clean_line(raw)
        if not line or line.casefold() in BOILERPLATE:
            continue
        line = _GLUED_SUBSCRIBE.sub("", line).strip()
        if line:
            found.append((line, Location(path, first_line + offset)))
    return found


def read(source: Source) -> Parsed:
    """The reader of Hugging Face page text."""
    return parse_text(source.lines, source.path, source.first_line, source.year)


def parse_text(lines: list[str], path: str, first_line: int = 1, year: int | None = None) -> Parsed:
    """Parse the lines of a text digest; `first_line` is the file line of `lines[0]`.

    `year` completes date lines written without one ("Mar 11").
    """
    parser = _Parser(path, year)
    content = content_lines(lines, path, first_line)
    for index, (line, where) in enumerate(content):
        date_line = parse_date_line(line, where)
        if date_line is not None:
            parser.date(date_line)
            continue
        following = content[index + 1][0] if index + 1 < len(content) else ""
        parser.text(line, where, looks_like_abstract(following))
    return parser.result()
