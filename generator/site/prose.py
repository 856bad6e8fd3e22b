"""Pieces of text shown to readers: excerpts, abstracts split into prose and math, dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
# Math as people type it in abstracts: $...$ (Pandoc's rule: no space just inside the dollars,
# no digit just after the closing one, so "$5 and $6" stays text), $$...$$, \(...\), \[...\].
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>[^$]+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?!\d)"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\\[(?P<bracket>.+?)\\\]"
)


@dataclass(frozen=True)
class Segment:
    """A run of an abstract: plain text, or TeX to typeset (inline or as a display)."""

    text: str
    math: bool = False
    display: bool = False


def split_math(text: str) -> tuple[Segment, ...]:
    """Split text into prose and math segments, in order; text without math is one segment."""
    segments: list[Segment] = []
    position = 0
    for match in _MATH.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position : match.start()]))
        display = match["display"] or match["bracket"]
        tex = display or match["inline"] or match["paren"] or ""
        segments.append(Segment(tex.strip(), math=True, display=bool(display)))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:]))
    return tuple(segments)


def excerpt(text: str, limit: int = 280, sentences: int = 2) -> str:
    """Return the first sentences of a text within `limit` characters, cut at a word."""
    parts = _SENTENCE_END.split(text.strip())
    chosen = ""
    for part in parts[:sentences]:
        candidate = f"{chosen} {part}".strip()
        if len(candidate) > limit:
            break
        chosen = candidate
    if chosen:
        return chosen
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space."""
    return " ".join(str(text).split())


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def long_date(day: dt.date) -> str:
    """Format a date the same way whatever the locale: "March 11, 2025"."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def counted(number: int, noun: str) -> str:
    """Say how many: "1 paper", "2 papers"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
