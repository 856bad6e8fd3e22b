"""What a text file looks like, told by the shape of its lines: page text, RIS, an email, a table.

Hugging Face page text is the last resort of detection, and page text would take almost any
text as titles and abstracts; so a file is read as page text only when it has that shape: its
content lines (boilerplate and date lines left out) are title lines each followed by a line of
prose, and such pairs make up most of the file (`PAGE_TEXT_SHARE`). Any other text is refused
whole, with what it looks like (`looks_like`), never read as junk papers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.sources.text import clean_text

BOILERPLATE = frozenset(
    {
        "new",
        "subscribe",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "byak and the research community",
        "daily papers",
        "trending papers",
    }
)
# An abstract is prose: many words, or a sentence of some length that ends with a full stop.
_ABSTRACT_MIN_WORDS = 30
_SENTENCE_MIN_WORDS = 8
_TITLE_MAX_CHARS = 300
# Page text: the share of its content lines that are a title followed by its abstract.
PAGE_TEXT_SHARE = 0.6
_DATE_LINE = re.compile(
    r"^(?:[A-Za-z]{3,9}\.? \d{1,2}(?:,? \d{4})?|\d{1,2} [A-Za-z]{3,9}\.?(?:,? \d{4})?"
    r"|\d{4}-\d{2}-\d{2})$"
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[^a-z\s])")

# What other text files look like: (what, a pattern its first lines match), in order.
RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ?", re.MULTILINE)
_MAIL_HEADER = re.compile(
    r"^(?:From|To|Subject|Date|Received|Return-Path|Message-ID|MIME-Version|Delivered-To)"
    r":[ \t]",
    re.MULTILINE | re.IGNORECASE,
)
_MBOX_FROM = re.compile(r"\AFrom \S+ ")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)
_PYTHON_REPR = re.compile(r"[{\[,]\s*'[^'\n]{1,60}'\s*:|\bNone\b|\bTrue\b|\bFalse\b")


def looks_like_abstract(line: str) -> bool:
    """Tell an abstract (prose) from a title by its shape."""
    words = len(line.split())
    if words >= _ABSTRACT_MIN_WORDS or len(line) > _TITLE_MAX_CHARS:
        return True
    return words >= _SENTENCE_MIN_WORDS and line.endswith(".")


def content(lines: Iterable[str]) -> list[str]:
    """The lines that hold something, cleaned, boilerplate and date lines left out."""
    found = []
    for raw in lines:
        line = clean_text(raw)
        if not line or line.casefold() in BOILERPLATE or _DATE_LINE.match(line):
            continue
        line = _GLUED_SUBSCRIBE.sub("", line).strip()
        if line:
            found.append(line)
    return found


def page_text_pairs(lines: list[str]) -> int:
    """How many title lines are followed by an abstract line."""
    pairs, index = 0, 0
    while index + 1 < len(lines):
        if not looks_like_abstract(lines[index]) and looks_like_abstract(lines[index + 1]):
            pairs += 1
            index += 2
        else:
            index += 1
    return pairs


def page_text_shape(text: str) -> tuple[bool, str]:
    """Whether text has page text's shape, and the evidence ("3 title/abstract pairs in …")."""
    lines = content(text.split("\n"))
    pairs = page_text_pairs(lines)
    evidence = f"{pairs} title/abstract pairs in {len(lines)} content lines"
    return pairs > 0 and 2 * pairs >= PAGE_TEXT_SHARE * len(lines), evidence


def is_ris(head: str) -> bool:
    """A RIS export: a `TY  - ` line opens a record, and most lines are tagged."""
    lines = [line for line in head.split("\n")[:200] if line.strip()]
    tagged = sum(1 for line in lines if RIS_TAG.match(line))
    return bool(re.search(r"^TY  - ", head, re.MULTILINE)) and 2 * tagged >= len(lines)


def is_email(head: str) -> bool:
    """A saved email or mbox: an mbox `From ` line, or mail headers at the top."""
    top = head.split("\n\n", 1)[0]
    return bool(_MBOX_FROM.match(head)) or len(_MAIL_HEADER.findall(top)) >= 2


def has_pipe_table(head: str) -> bool:
    """A Markdown table: rows between pipes and a `|---|---|` rule."""
    return bool(_PIPE_RULE.search(head)) and len(_PIPE_ROW.findall(head)) >= 2


def is_python_repr(head: str) -> bool:
    """A Python `repr` dump of dicts and lists: single-quoted keys, None/True/False."""
    return head.lstrip().startswith(("{", "[")) and bool(_PYTHON_REPR.search(head[:4096]))


def looks_like(head: str) -> str:
    """What a text in no digest format looks like, for the one message that refuses it."""
    if is_ris(head):
        return "RIS"
    if is_email(head):
        return "an email (not arXiv's daily listing email)"
    if has_pipe_table(head):
        return "a Markdown table with no abstract column"
    return "text that is not page text (title lines each followed by a paragraph of prose)"
