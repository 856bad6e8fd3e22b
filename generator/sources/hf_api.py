"""Read Hugging Face's daily-papers API JSON (huggingface.co/api/daily_papers) as saved.

The response is an array of items, each with a `paper` object, in one of two shapes:

- 2025 on: the item holds the whole `title` (and often `summary`); the item's `publishedAt`
  is the arXiv time and `paper.submittedOnDailyAt` the day Hugging Face listed the paper.
- 2024: the item has no `summary` (`paper.summary` is hard-wrapped), `paper.title` is broken
  across lines while the item's `title` is whole, and the item's `publishedAt` is the listing
  time (there is no `submittedOnDailyAt`).

Minified or indented, an array, JSON Lines of items or one item. An author's `hidden` flag
hides the link to their Hub account (a paper they keep off their profile), not their name,
so every author's name is kept. A file cut short gives one problem at the place it breaks,
and the records before it are read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from generator.model import Entry, LinkKind
from generator.sources.fields import (
    ProblemLog,
    arxiv_id,
    hugging_face_link,
    link,
    make_entry,
    names,
    parse_date,
    words,
)
from generator.sources.formats import Parsed, Source

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# Where JSON Lines pick up again after a broken record: a line that opens an object or array.
_RECORD_START = re.compile(r"^[{[]", re.MULTILINE)
_BROKEN = object()  # a record that is not valid JSON, reported where it was met
_CUT_HINT = (
    "the file may be cut short (download it again) or hand-edited; the records before it are read"
)


def read(source: Source) -> Parsed:
    """The reader of Hugging Face daily-papers JSON."""
    log = ProblemLog()
    entries: list[Entry] = []
    for number, (offset, value) in enumerate(_records(source, log), start=1):
        entry = _entry(source, log, number, offset, value)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), log.result(), date=listing_day(entries))


def listing_day(entries: list[Entry]) -> dt.date | None:
    """The day most entries were listed on; of days listed as often, the latest."""
    counts = Counter(entry.date for entry in entries if entry.date is not None)
    if not counts:
        return None
    return max(counts, key=lambda day: (counts[day], day))


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _column(text: str, pos: int) -> int:
    return pos - (text.rfind("\n", 0, pos) + 1) + 1


def _why(message: str) -> str:
    """json's message without its dangling "at" ("Unterminated string starting at")."""
    return message.removesuffix(" at").removesuffix(" starting").lower()


def _syntax_error(source: Source, log: ProblemLog, pos: int, why: str, number: int) -> None:
    where = source.at(pos)
    column = _column(source.text, pos)
    message = f"record {number} is broken: JSON syntax error at line {where.line}, column {column}"
    log.error(where, f"{message} ({why})", _CUT_HINT)


def _records(source: Source, log: ProblemLog) -> list[tuple[int, object]]:
    """The items of the file, each with the offset it starts at."""
    text = source.text
    start = _skip(text, 0)
    if text.startswith("[", start):
        return _array_items(source, log, start)
    return _stream_items(source, log, start)


@dataclass(frozen=True)
class _Failure:
    """Where a JSON value stops parsing, and why."""

    pos: int
    why: str


def _decode(text: str, pos: int) -> tuple[object, int] | _Failure:
    """One JSON value from `pos`: the value and where it ends, or why it does not parse."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        return _Failure(exc.pos, _why(exc.msg))
    except (ValueError, RecursionError):  # a number too long, or nesting too deep
        return _Failure(pos, "nested too deeply, or a number too long")


def _array_items(source: Source, log: ProblemLog, start: int) -> list[tuple[int, object]]:
    """Walk a JSON array one element at a time, so a break late in the file keeps the rest."""
    text = source.text
    found: list[tuple[int, object]] = []
    pos = _skip(text, start + 1)
    if text.startswith("]", pos):
        return found
    while True:
        decoded = _decode(text, pos)
        if isinstance(decoded, _Failure):
            _syntax_error(source, log, decoded.pos, decoded.why, len(found) + 1)
            return found
        found.append((pos, decoded[0]))
        pos = _skip(text, decoded[1])
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if text.startswith("]", pos):
            after = _skip(text, pos + 1)
            if after < len(text):
                where = source.at(after)
                column = _column(text, after)
                message = (
                    f"text after the end of the JSON array (line {where.line}, column {column})"
                )
                log.error(where, message, "delete it; the records of the array are read")
            return found
        why = "the file ends inside the array" if pos >= len(text) else "expecting ',' or ']'"
        _syntax_error(source, log, pos, why, len(found) + 1)
        return found


def _stream_items(source: Source, log: ProblemLog, start: int) -> list[tuple[int, object]]:
    """Values one after another: one item, or JSON Lines; a broken line costs only itself."""
    text = source.text
    found: list[tuple[int, object]] = []
    pos = start
    while pos < len(text):
        decoded = _decode(text, pos)
        if not isinstance(decoded, _Failure):
            found.append((pos, decoded[0]))
            pos = _skip(text, decoded[1])
            continue
        at = source.at(decoded.pos)
        column = _column(text, decoded.pos)
        message = (
            f"record {len(found) + 1} is not valid JSON "
            f"({decoded.why} at line {at.line}, column {column})"
        )
        log.error(source.at(pos), message, "fix or delete the record; the other records are read")
        found.append((pos, _BROKEN))
        # Pick up again at the next line that opens an object (JSON Lines: the next record).
        line_end = text.find("\n", pos)
        resume = _RECORD_START.search(text, line_end + 1) if line_end >= 0 else None
        pos = resume.start() if resume else len(text)
    return found


def _text(*values: object) -> str | None:
    """The first value that is a string with something in it."""
    return next((v for v in values if isinstance(v, str) and v.strip()), None)


def _count(*values: object) -> int | None:
    """The first value that is a whole number of at least 0 (not a bool)."""
    return next(
        (v for v in values if isinstance(v, int) and not isinstance(v, bool) and v >= 0), None
    )


def _entry(
    source: Source, log: ProblemLog, number: int, offset: int, value: object
) -> Entry | None:
    if value is _BROKEN:
        return None
    where = source.at(offset)
    what = f"record {number}"
    if not isinstance(value, dict) or not isinstance(value.get("paper"), dict):
        kind = "an object" if isinstance(value, dict) else f"a JSON {_json_type(value)}"
        log.error(
            where,
            f'{what} is not a Hugging Face paper ({kind} with no "paper" object)',
            'each item of a daily-papers file holds a "paper"; fix or delete this one',
        )
        return None
    item: Mapping[str, object] = value
    paper: Mapping[str, object] = value["paper"]
    found_id = arxiv_id(paper.get("id"))
    authors = paper.get("authors")
    keywords = paper.get("ai_keywords", item.get("ai_keywords"))
    return make_entry(
        log,
        where,
        what,
        _text(item.get("title"), paper.get("title")),
        _text(item.get("summary"), paper.get("summary")),
        date=_listing_date(item, paper),
        authors=names(a.get("name") for a in authors if isinstance(a, dict))
        if isinstance(authors, list)
        else (),
        links=(
            hugging_face_link(found_id) if found_id else None,
            link(LinkKind.CODE, _text(paper.get("githubRepo"), item.get("githubRepo"))),
            link(LinkKind.PROJECT, _text(paper.get("projectPage"), item.get("projectPage"))),
        ),
        arxiv_id=found_id,
        upvotes=_count(paper.get("upvotes"), item.get("upvotes")),
        keywords=words(keywords) if isinstance(keywords, list) else (),
    )


def _listing_date(item: Mapping[str, object], paper: Mapping[str, object]) -> dt.date | None:
    """The day Hugging Face listed the paper: submittedOnDailyAt, else (2024) publishedAt."""
    listed = paper.get("submittedOnDailyAt", item.get("submittedOnDailyAt"))
    if listed is not None:
        return parse_date(listed)
    return parse_date(item.get("publishedAt"))


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (list, "array"),
    (str, "string"),
    (bool, "true/false"),
    (int, "number"),
    (float, "number"),
    (type(None), "null"),
)


def _json_type(value: object) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "value")
