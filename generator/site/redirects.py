"""Redirect pages for topics that moved: an old topic URL leads on, never to a 404.

There is no state between builds but the site itself: the previous build's
`site/api/catalog.json` lists its topics and the redirects it already served (`moved_topics`),
and its issue files (`api/issues/*.json`, version 3) each paper's topics; a catalog of version 2
(one file, each topic with its `paper_ids`) is read as well. A topic slug that was there and
is gone now redirects to the topic holding most of its papers (ties A-Z; the topics index if
none does); a redirect already served is kept, and followed on if its target has moved since.
A slug that is a topic again stops redirecting.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.model import Catalog, Location, Problem, Severity
from generator.paths import is_slug
from generator.site.urls import TOPICS_DOC, page_url, relative_url

# Where a redirect with no topic to go to leads: the topics index.
INDEX = ""
# Where the previous build's catalog is, in its site.
CATALOG_FILE = "api/catalog.json"
# Bad entries named one by one, at most (a file full of them is said in so many lines).
MAX_NAMED = 20
# The only issue files read back: `issues/<slug>.json`, `issues/<slug>.p2.json`… (export.py).
ISSUE_FILE = re.compile(r"issues/[a-z0-9-]+(?:\.p[0-9]{1,6})?\.json")
# Bytes read back from one file of the previous catalog, at most (the build writes < 5 MB).
MAX_FILE = 64 * 2**20


@dataclass(frozen=True)
class Previous:
    """What the previous catalog.json says of topics, its bad entries dropped and named."""

    topics: dict[str, list[str]]
    moved: dict[str, str]
    problems: tuple[Problem, ...] = ()


def read_previous(site_dir: Path, live: Collection[str] | None = None) -> Previous:
    """Read what the previous site's catalog says of topics (its index and issue files).

    The issue files are read only when a topic of the index is gone (not in `live`, when
    given): the papers of a topic still there are not needed, and the files grow with the
    archive.

    Untrusted like all that is read back: only plain files inside `site_dir/api` named as the
    build names them are read; a link or a device in their place is not.
    """
    api = site_dir / "api"

    def read(name: str) -> bytes | None:
        if name != "catalog.json" and not ISSUE_FILE.fullmatch(name):
            return None
        path = api / name
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE:
                return None
            return path.read_bytes()
        except OSError:
            return None

    if api.is_symlink():
        return Previous({}, {})
    return previous_topics(read("catalog.json"), CATALOG_FILE, read, live)


def previous_topics(
    data: bytes | None,
    where: str = CATALOG_FILE,
    read: Callable[[str], bytes | None] | None = None,
    live: Collection[str] | None = None,
) -> Previous:
    """Read the previous catalog.json: {slug: paper ids} and its moved topics; empty if unusable.

    Version 2 lists each topic's `paper_ids`; version 3 lists the topics, and their papers are
    found in the issue files, read through `read` (a name relative to `api/` -> its bytes).
    It was written by a build, but anything may have changed it since: a slug that is not one
    (`paths.is_slug`: `[a-z0-9-]+`, never the index's own name) is dropped with a warning, and
    never names a file (a `../..` would write outside the site).
    """
    try:
        parsed = json.loads(data or b"null")
        if all("paper_ids" in t for t in parsed["topics"]):
            topics = [(t["slug"], [str(p) for p in t["paper_ids"]]) for t in parsed["topics"]]
        else:
            slugs = [t["slug"] for t in parsed["topics"]]
            gone = live is None or any(not isinstance(s, str) or s not in live for s in slugs)
            held = _issue_topics(parsed["issues"], read or (lambda name: None)) if gone else {}
            topics = [(t["slug"], held.get(t["slug"], [])) for t in parsed["topics"]]
        moved = list(dict(parsed.get("moved_topics", {})).items())
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return Previous({}, {})
    bad = [slug for slug, _ in topics if not _usable(slug)]
    bad += [f"{key} -> {value}" for key, value in moved if not _usable(key) or not _target(value)]
    problems = tuple(
        Problem(
            Location(where, 1),
            f"topic slug {text!r} is not a slug [a-z0-9-]; it was left out of the redirects",
            "the previous site's catalog.json was changed since it was built; "
            "nothing is written through it",
            Severity.WARNING,
        )
        for text in bad[:MAX_NAMED]
    )
    if len(bad) > MAX_NAMED:
        more = f"and {len(bad) - MAX_NAMED} more bad topic slugs; left out of the redirects"
        problems += (Problem(Location(where, 1), more, "see the lines above", Severity.WARNING),)
    return Previous(
        {slug: ids for slug, ids in topics if _usable(slug)},
        {key: value for key, value in moved if _usable(key) and _target(value)},
        problems,
    )


def _issue_topics(
    issues: list[dict[str, object]], read: Callable[[str], bytes | None]
) -> dict[str, list[str]]:
    """Return {topic slug: sorted paper ids} from the papers of the issue files (and their next
    parts); a file missing or unreadable adds nothing, a file named twice is read once."""
    held: dict[str, set[str]] = {}
    seen: set[str] = set()
    for issue in issues:
        name = issue.get("url")
        while isinstance(name, str) and name not in seen:
            seen.add(name)
            try:
                part = json.loads(read(name) or b"null")
                for paper in part["papers"]:
                    for slug in paper["topics"]:
                        held.setdefault(str(slug), set()).add(str(paper["id"]))
                name = part.get("next")
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                break
    return {slug: sorted(ids) for slug, ids in held.items()}


def _usable(slug: object) -> bool:
    return is_slug(slug) and slug != "index"


def _target(slug: object) -> bool:
    return slug == INDEX or _usable(slug)


def moved_topics(catalog: Catalog, previous: bytes | Previous | None) -> dict[str, str]:
    """Return {gone slug: slug it redirects to ("" for the topics index)}, sorted."""
    if not isinstance(previous, Previous):
        previous = previous_topics(previous)
    old_topics, old_moved = previous.topics, previous.moved
    live = {topic.slug for topic in catalog.topics}
    known = {paper.id for paper in catalog.papers}
    moved: dict[str, str] = {}
    for slug, paper_ids in sorted(old_topics.items()):
        if slug not in live:
            votes = Counter(
                t for pid in paper_ids if pid in known for t in catalog.paper(pid).topics[:1]
            )
            best = min(votes.items(), key=lambda kv: (-kv[1], kv[0]), default=(INDEX, 0))
            moved[slug] = best[0]
    for slug, target in sorted(old_moved.items()):
        if slug not in live and slug not in moved:
            moved[slug] = target if target in live else moved.get(target, INDEX)
    return dict(sorted(moved.items()))


def redirect_pages(moved: Mapping[str, str]) -> dict[str, bytes]:
    """Return a small HTML page per moved topic: meta refresh, canonical link, a plain link."""
    pages = {}
    for slug, target in moved.items():
        old_doc = f"topics/{slug}.md"
        target_doc = f"topics/{target}.md" if target else TOPICS_DOC
        href = html.escape(relative_url(old_doc, target_doc))
        pages[page_url(old_doc) + "index.html"] = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="refresh" content="0; url={href}">\n'
            f'<link rel="canonical" href="{href}"><meta name="robots" content="noindex">\n'
            "<title>This topic has moved</title></head>\n"
            f'<body><p>This topic has moved: <a href="{href}">follow it</a>.</p></body></html>\n'
        ).encode()
    return pages
