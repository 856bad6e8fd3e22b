"""What `paper-digest enrich` found for a digest's papers, read back by the build.

`enrich` looks up papers that carry no arXiv id (Hugging Face page text has none) by their
exact title and writes what arXiv answered beside the digest, as `<name>.arxiv.yml`. The build
reads that file (never the network), so builds stay offline and deterministic: a paper whose
title the file lists gets its arXiv id (and so its abstract-page and PDF links), authors,
first-version date and categories, where the digest did not give them. A damaged file is one
warning and is left out; a wrong value in it costs only that paper.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import yaml

from generator.model import Entry, Location, Problem, Severity, unique_links
from generator.sources.fields import arxiv_id, arxiv_links, names, parse_date, words

SUFFIX = ".arxiv.yml"
_HINT = "run paper-digest enrich --force to write it again, or delete it"


def sidecar(digest: Path) -> Path:
    """Where enrich writes what it found for a digest: `<stem>.arxiv.yml` beside it."""
    return digest.with_name(digest.stem + SUFFIX)


def title_key(title: str) -> str:
    """Titles compared as a reader would: case, spacing and a final full stop aside."""
    return " ".join(title.casefold().split()).rstrip(".")


@dataclasses.dataclass(frozen=True)
class Found:
    """One paper as arXiv knows it."""

    arxiv_id: str
    authors: tuple[str, ...] = ()
    date: dt.date | None = None
    categories: tuple[str, ...] = ()

    def as_yaml(self) -> dict[str, object]:
        return {
            "arxiv_id": self.arxiv_id,
            "authors": list(self.authors),
            "published": self.date.isoformat() if self.date else None,
            "categories": list(self.categories),
        }


@dataclasses.dataclass(frozen=True)
class Enriched:
    """A sidecar's content: found papers by title key, and the titles arXiv did not match."""

    found: Mapping[str, Found] = dataclasses.field(default_factory=dict)
    not_found: tuple[str, ...] = ()

    def looked_up(self, title: str) -> bool:
        return title_key(title) in self.found or title_key(title) in set(self.not_found)


def _found(value: object) -> Found | None:
    if not isinstance(value, Mapping):
        return None
    paper = arxiv_id(value.get("arxiv_id"))
    if paper is None:
        return None
    authors, categories = value.get("authors"), value.get("categories")
    published = value.get("published")
    return Found(
        paper,
        names(authors) if isinstance(authors, list) else (),
        published if isinstance(published, dt.date) else parse_date(published),
        words(categories) if isinstance(categories, list) else (),
    )


def load(path: Path, display: str) -> tuple[Enriched, list[Problem]]:
    """Read a sidecar; an absent one is empty, a damaged one a warning (and empty)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Enriched(), []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        problem = Problem(Location(display, 1), f"enrich file unreadable ({why})", _HINT)
        return Enriched(), [dataclasses.replace(problem, severity=Severity.WARNING)]
    if not isinstance(data, Mapping):
        problem = Problem(Location(display, 1), "enrich file is not a mapping", _HINT)
        return Enriched(), [dataclasses.replace(problem, severity=Severity.WARNING)]
    raw = data.get("found")
    found = {
        title_key(str(title)): paper
        for title, value in (raw.items() if isinstance(raw, Mapping) else ())
        if (paper := _found(value)) is not None
    }
    missing = data.get("not_found")
    not_found = tuple(title_key(str(t)) for t in missing) if isinstance(missing, list) else ()
    return Enriched(found, not_found), []


def apply(entries: tuple[Entry, ...], enriched: Enriched) -> tuple[Entry, ...]:
    """Give each paper without an arXiv id what the sidecar found for its title."""
    return tuple(_apply(entry, enriched) for entry in entries)


def _apply(entry: Entry, enriched: Enriched) -> Entry:
    found = enriched.found.get(title_key(entry.title))
    if entry.arxiv_id is not None or found is None:
        return entry
    return dataclasses.replace(
        entry,
        arxiv_id=found.arxiv_id,
        authors=entry.authors or found.authors,
        date=entry.date or found.date,
        categories=entry.categories or found.categories,
        links=unique_links([*entry.links, *arxiv_links(found.arxiv_id)]),
    )


def dump(enriched: Enriched, titles: Mapping[str, str]) -> str:
    """The sidecar's text: sorted keys, titles as the digest writes them."""
    found = {titles.get(key, key): paper.as_yaml() for key, paper in enriched.found.items()}
    data = {
        "found": dict(sorted(found.items())),
        "not_found": sorted(titles.get(key, key) for key in enriched.not_found),
    }
    head = (
        "# Written by `paper-digest enrich`: arXiv's records of this digest's papers, found by\n"
        "# exact title. The build reads this file; it never asks the network.\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
