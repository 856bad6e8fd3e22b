"""JSON records with the offsets they start at: an array walked one element at a time, or
values one after another (one object, or JSON Lines), so a break late in a file keeps what came
before it and a broken line costs only itself. Shared by the JSON readers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.sources.fields import ProblemLog

if TYPE_CHECKING:  # formats.py asks this module for a file's first record
    from generator.sources.formats import Source

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# Where JSON Lines pick up again after a broken record: a line that opens an object or array.
_RECORD_START = re.compile(r"^[{[]", re.MULTILINE)
BROKEN = object()  # a record that is not valid JSON, reported where it was met
_CUT_HINT = (
    "the file may be cut short (download it again) or hand-edited; the records before it are read"
)


# JSON Lines whose first line or two are broken still tell their kind by the next ones.
_LOOKAHEAD_LINES = 5


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def first_record(text: str) -> object | None:
    """The first record of a file, read alone: an array's first element (the array may be
    cut short), the one object, or the first of JSON Lines that parses; None if none does.

    An empty array gives the empty list. Detection reads only this, never the whole file.
    """
    start = _skip(text, 0)
    if text.startswith("[", start):
        inner = _skip(text, start + 1)
        if text.startswith("]", inner):
            return []
        decoded = _decode(text, inner)
        return None if isinstance(decoded, _Failure) else decoded[0]
    decoded = _decode(text, start)
    if not isinstance(decoded, _Failure):
        return decoded[0]
    lines = [line for line in text.split("\n") if line.strip()][:_LOOKAHEAD_LINES]
    for line in lines:
        found = _decode(line, _skip(line, 0))
        if not isinstance(found, _Failure):
            return found[0]
    return None


def _column(text: str, pos: int) -> int:
    return pos - (text.rfind("\n", 0, pos) + 1) + 1


def why(message: str) -> str:
    """json's message without its dangling "at" ("Unterminated string starting at")."""
    return message.removesuffix(" at").removesuffix(" starting").lower()


def _syntax_error(source: Source, log: ProblemLog, pos: int, why: str, number: int) -> None:
    where = source.at(pos)
    column = _column(source.text, pos)
    message = f"record {number} is broken: JSON syntax error at line {where.line}, column {column}"
    log.error(where, f"{message} ({why})", _CUT_HINT)


def records(source: Source, log: ProblemLog) -> list[tuple[int, object]]:
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
        return _Failure(exc.pos, why(exc.msg))
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
        found.append((pos, BROKEN))
        # Pick up again at the next line that opens an object (JSON Lines: the next record).
        line_end = text.find("\n", pos)
        resume = _RECORD_START.search(text, line_end + 1) if line_end >= 0 else None
        pos = resume.start() if resume else len(text)
    return found
