"""The names JSON records give a paper's fields, and where a JSON object keeps its list of papers.

Knowledge, not code: `FIELDS` lists each field's usual names in order of preference (keys are
compared without case, `_`, `-` or spaces); `LIST_KEYS` the names of the list an object holds
its papers under. Shared by detection (`formats.py`) and the reader (`jsonlist.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper title", "papertitle", "name", "paper name"),
    "abstract": ("abstract", "abstract text", "summary", "original abstract", "abs"),
    # A one-line text, read when a record has no abstract (the page says it is a summary).
    "summary": ("tldr", "tl;dr", "description", "ai summary", "one line summary", "teaser"),
    "authors": ("authors", "author", "author names", "creators"),
    "date": ("date", "published", "published date", "publication date", "submitted", "updated"),
    "arxiv": ("arxiv id", "arxiv", "arxivid", "id", "paper id", "eprint"),
    "doi": ("doi",),
    "categories": ("categories", "category", "tags", "keywords", "subjects"),
    "upvotes": ("upvotes", "votes", "likes"),
}
LIST_KEYS = ("papers", "items", "results", "data", "entries", "records", "articles", "hits")


def key_of(name: str) -> str:
    """ "Paper_Title" and "paper-title " -> "paper title"."""
    return " ".join(re.sub(r"[_\-]", " ", name).casefold().split())


def field_key(record: Mapping[str, object], what: str) -> str | None:
    """The record's key for a field (the first usual name present), or None."""
    keys = {key_of(str(key)): str(key) for key in record}
    return next((keys[name] for name in FIELDS[what] if name in keys), None)


def is_paper(record: object) -> bool:
    """A record with a title and an abstract (or a one-line summary) under the usual names."""
    return (
        isinstance(record, Mapping)
        and field_key(record, "title") is not None
        and (field_key(record, "abstract") or field_key(record, "summary")) is not None
    )


def list_key(record: Mapping[str, object]) -> str | None:
    """The key of the one list of paper records an object holds (the usual names first)."""
    candidates = [
        str(key)
        for key, value in record.items()
        if isinstance(value, list) and value and is_paper(value[0])
    ]
    candidates.sort(key=lambda k: LIST_KEYS.index(k.lower()) if k.lower() in LIST_KEYS else 99)
    return candidates[0] if candidates else None


def list_path(record: Mapping[str, object]) -> tuple[str, ...] | None:
    """The keys that lead to the object's list of papers: its own list, else one in an object
    it holds (`{"data": {"papers": [...]}}`)."""
    key = list_key(record)
    if key is not None:
        return (key,)
    for outer, value in record.items():
        inner = list_key(value) if isinstance(value, Mapping) else None
        if inner is not None:
            return (str(outer), inner)
    return None


def untexted(record: Mapping[str, object]) -> Mapping[str, object] | None:
    """The first record of papers that have titles but no abstract or summary, if it is one."""
    candidates: list[Mapping[str, object]] = [record]
    for value in record.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            candidates.append(value[0])
    return next(
        (c for c in candidates if field_key(c, "title") is not None and not is_paper(c)), None
    )


def paper_list(record: Mapping[str, object]) -> str | None:
    """Why a JSON file's first record makes it a list of papers (the evidence), or None."""
    if is_paper(record):
        return "its records have a title and an abstract under the usual names"
    path = list_path(record)
    if path is not None:
        where = ".".join(path)
        return f'an object whose "{where}" list holds records with a title and an abstract'
    return None
