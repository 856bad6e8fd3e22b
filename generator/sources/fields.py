"""What every reader needs to turn a source's record into an Entry, the same way for each format.

Values come from the web: an address becomes a Link only when it is a plain http(s) URL, an
arXiv id is folded to one spelling without its version, dates are read from the few shapes
sources use, and an entry needs a title and an abstract or it is a problem, not a paper.
"""

from __future__ import annotations

import bisect
import datetime as dt
import email.utils
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.model import Entry, Link, LinkKind, Location, Problem, Severity, unique_links
from generator.sources.text import clean_text

# New ids (2007 on): YYMM.NNNN or YYMM.NNNNN; old ids: archive(.SUBJ)/YYMMNNN.
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_ID = re.compile(
    rf"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?"
    rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_URL_MAX = 2000
# Characters that have no place in an address a source hands us (quotes end attributes).
_UNSAFE_IN_URL = re.compile(r"[\s<>\"'`\\^{}|\x00-\x1f\x7f]")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def arxiv_id(value: object) -> str | None:
    """Fold "arXiv:2501.01234v2", an abs or pdf URL, or a bare id to "2501.01234"; else None."""
    if not isinstance(value, str):
        return None
    match = _ARXIV_ID.match(value.strip())
    if match is None:
        return None
    found = match["id"]
    # Old ids keep their archive in lower case and their subject class in upper case.
    if "/" in found:
        archive, number = found.split("/")
        head, _, subject = archive.partition(".")
        archive = f"{head.lower()}.{subject.upper()}" if subject else head.lower()
        found = f"{archive}/{number}"
    return found


def arxiv_links(paper: str) -> tuple[Link, ...]:
    """The abstract page and the PDF of an arXiv paper, made from its id (never from input)."""
    return (
        Link(LinkKind.ABSTRACT, f"https://arxiv.org/abs/{paper}"),
        Link(LinkKind.PDF, f"https://arxiv.org/pdf/{paper}"),
    )


def hugging_face_link(paper: str) -> Link:
    return Link(LinkKind.HUGGING_FACE, f"https://huggingface.co/papers/{paper}")


_HF_PAPER = re.compile(r"^https?://(?:www\.)?huggingface\.co/papers/(?P<id>[^/?#\s]+)/?$", re.I)


def paper_address(url: str, kind: LinkKind) -> tuple[str | None, Link | None]:
    """What an address says of its paper: an arXiv id (an arXiv page, or a Hugging Face papers
    page, then also kept as a Hugging Face link), else a link of `kind` (None if unsafe)."""
    found = arxiv_id(url)
    page = _HF_PAPER.match(url.strip())
    if found is None and page is not None:
        found = arxiv_id(page["id"])
    if found is not None:
        return found, hugging_face_link(found) if page is not None else None
    return None, link(kind, url)


def safe_url(value: object) -> str | None:
    """Return a plain absolute http(s) URL as given, or None for anything else.

    No other scheme (javascript:, data:, file:), no user or password, no white space, quotes
    or control characters, a host that is a name or an address: a link readers can follow
    without surprise. Relative addresses are refused too: there is nothing to resolve them by.
    """
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > _URL_MAX or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host or "@" in parts.netloc:
        return None
    if host.startswith(".") or ".." in host:
        return None
    return url


def link(kind: LinkKind, value: object) -> Link | None:
    """A Link of `kind` when `value` is a safe URL, else None."""
    url = safe_url(value)
    if url is None:
        return None
    return Link(kind, url)


def parse_date(value: object) -> dt.date | None:
    """Read "2025-03-11", "2025-03-11T17:59:49Z" or "Mon, 27 Apr 2026 00:00:00 -0400"."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _ISO_DAY.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp.date()


# A count (upvotes) is ASCII digits: "²" and "١٢" pass str.isdigit() but are not written counts.
_COUNT = re.compile(r"[0-9]{1,15}")
MAX_COUNT = 10**12  # more votes than people: a slip, and more than a page or a store can hold


def parse_count(value: object) -> int | None:
    """Read a count: a whole number from 0 to MAX_COUNT, given as one or written in ASCII digits.

    Anything else (a bool, "²", "-1", "12k", 4,300 digits) is None: the caller says so.
    """
    if isinstance(value, str) and _COUNT.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return None


def split_authors(value: str) -> tuple[str, ...]:
    """Split "A. One, B. Two, and C. Three" (commas, semicolons, " and ") into names."""
    parts = re.split(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+", clean_text(value))
    return names(parts)


# What author lists hold that is not a name: "et al.", "and others", a lone ":" or "+".
_NOT_A_NAME = re.compile(r"^(?:et\.? al\.?|and others|others|\W+)$", re.IGNORECASE)


def names(values: Iterable[object]) -> tuple[str, ...]:
    """Clean a list of names; drop empty ones, repeats and non-names, keep the order."""
    cleaned = (clean_text(v) for v in values if isinstance(v, str))
    return tuple(dict.fromkeys(n for n in cleaned if n and not _NOT_A_NAME.match(n)))


def words(values: Iterable[object]) -> tuple[str, ...]:
    """Clean a list of short strings (categories, keywords); drop empties and repeats."""
    return names(values)


def split_words(value: str, *, spaces: bool = False) -> tuple[str, ...]:
    """Keywords written on one line, split at "," and ";"; categories also at white space."""
    return words(re.split(r"[,;\s]+" if spaces else r"[,;]", value))


# A file of junk would otherwise print a line per junk record (a 50 MB file: 1.5 million).
MAX_PROBLEMS_PER_FILE = 20


@dataclass
class ProblemLog:
    """The problems of one file: the first few listed, the rest counted in one last line."""

    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    first_unlisted: Location | None = None

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(problem)
            return
        self.unlisted += 1
        self.first_unlisted = self.first_unlisted or problem.location

    def error(self, where: Location, message: str, hint: str) -> None:
        self.add(Problem(where, message, hint))

    def warning(self, where: Location, message: str, hint: str) -> None:
        self.add(Problem(where, message, hint, Severity.WARNING))

    def result(self) -> tuple[Problem, ...]:
        if not self.unlisted or self.first_unlisted is None:
            return tuple(self.problems)
        more = Problem(
            self.first_unlisted,
            f"{self.unlisted:,} more problems in this file are not listed",
            "is this file a digest? fix the problems above and run paper-digest check",
        )
        return (*self.problems, more)


class LineIndex:
    """Turn a character offset in a text into its 1-based line number, in log time."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._first = first_line

    def line(self, offset: int) -> int:
        return self._first + bisect.bisect_right(self._starts, offset) - 1


def shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _upvotes(log: ProblemLog, where: Location, what: str, upvotes: object) -> int | None:
    """The count `parse_count` reads; one it refuses is a warning (the paper is read)."""
    count = parse_count(upvotes)
    if count is None and (
        isinstance(upvotes, int) or (isinstance(upvotes, str) and upvotes.strip())
    ):
        # str() of a huge int raises (Python's digit limit): a number is named by its sign only.
        shown = repr(shorten(upvotes)) if isinstance(upvotes, str) else "a number out of range"
        log.warning(
            where,
            f"{what}: upvotes {shown} is not a count; left out",
            f"write a whole number from 0 to {MAX_COUNT:,} in digits 0-9; the paper is read",
        )
    return count


def make_entry(
    log: ProblemLog,
    where: Location,
    what: str,
    title: object,
    abstract: object,
    *,
    date: dt.date | None = None,
    authors: tuple[str, ...] = (),
    links: Iterable[Link | None] = (),
    arxiv_id: str | None = None,
    categories: tuple[str, ...] = (),
    upvotes: object = None,
    keywords: tuple[str, ...] = (),
    summary: bool = False,
) -> Entry | None:
    """Build an Entry from a record's fields, or log why the record is not a paper.

    `what` names the record in messages ("record 3", "entry smith2024"). With an arXiv id,
    the abstract page and PDF links are added, made from the id. `upvotes` is read by
    parse_count, as written or given; one it refuses is a warning, and the paper is read.
    `summary`: the text is a one-line summary taken because the source has no abstract (the
    page says so).
    """
    title_text = clean_text(title) if isinstance(title, str) else ""
    abstract_text = clean_text(abstract) if isinstance(abstract, str) else ""
    if not title_text:
        log.error(where, f"{what} has no title", "give the paper a title, or delete the record")
        return None
    if not abstract_text:
        log.error(
            where,
            f"{what} ({shorten(title_text)!r}) has no abstract",
            "add the paper's abstract, or delete the record; the other papers are read",
        )
        return None
    count = _upvotes(log, where, what, upvotes)
    found = list(links)
    if arxiv_id is not None:
        found.extend(arxiv_links(arxiv_id))
    found.reverse()  # of two links to one address, the later one given is kept
    return Entry(
        title=title_text,
        abstract=abstract_text,
        location=where,
        date=date,
        authors=authors,
        links=unique_links(found),
        arxiv_id=arxiv_id,
        categories=categories,
        upvotes=count,
        keywords=keywords,
        summary=summary,
    )
