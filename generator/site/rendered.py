"""Paper pages kept from the last build: a day renders the paper pages that changed, not all.

A paper page's Markdown is a function of what its template reads (`templates/pages/paper.md.j2`):
the paper itself, the issues that list it, its area and topics, the topic each keyphrase leads to,
its related papers (title, address, date or first issue) and its neighbours in its issue; and of
the templates, the settings and the code that renders them. `fingerprint` writes all of that down
for one paper, `shared_digest` for the rest; a page's key hashes both. A page whose key was kept
by the last build is taken from the store, the others are rendered (in workers, as before).

The store is one SQLite database in the cache folder (`rendered/papers.sqlite`): key, text
(zlib), and the SHA-256 of the text, checked on read (a row that does not match is rendered
again). A build that rendered anything writes the new rows and deletes the rows it did not use,
in one transaction, so the store holds one archive's pages. A store that does not read is empty;
one that cannot be written is left as it is (the pages are rendered again next time).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import jinja2

from generator.config import Settings
from generator.model import Catalog, Paper
from generator.site.layout import Neighbours, keyphrase_topic
from generator.site.urls import paper_doc

STORE = "rendered/papers.sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, text BLOB, sha256 TEXT)"
SITE_CODE = Path(__file__).resolve().parent
BATCH = 500  # keys a query asks for at once (SQLite's limit of variables is higher)


def shared_digest(settings: Settings) -> str:
    """Digest what every page depends on: settings, templates, the code that renders them."""
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(jinja2.__version__.encode())
    files = sorted(settings.templates_dir.rglob("*")) + sorted(SITE_CODE.glob("*.py"))
    files.append(SITE_CODE.parent / "model.py")
    for path in files:
        if path.is_file():
            digest.update(path.as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(
    catalog: Catalog,
    paper: Paper,
    neighbours: Neighbours | None,
    topics_by_phrase: dict[str, str],
) -> str:
    """Write down everything of the catalog a paper's page shows."""

    def brief(other: Paper | None) -> tuple[str, str] | None:
        return None if other is None else (paper_doc(other), other.title)

    def first_issue(other: Paper) -> tuple[str, str] | None:
        if not other.issues:
            return None
        issue = catalog.issue(other.issues[0])
        return issue.slug, issue.title

    issues = [(i.slug, i.title, i.date, i.number) for i in map(catalog.issue, paper.issues)]
    area = catalog.area_of(paper) if paper.topics else None
    topics = [(t.slug, t.label) for t in map(catalog.topic, paper.topics)]
    chips = [keyphrase_topic(catalog, paper, k, topics_by_phrase) for k in paper.keyphrases]
    related = [
        (*(brief(other) or ()), other.date, first_issue(other))
        for other in map(catalog.paper, paper.related)
    ]
    near = (
        None
        if neighbours is None
        else (
            neighbours.issue.slug,
            neighbours.issue.title,
            brief(neighbours.previous),
            brief(neighbours.next),
        )
    )
    return repr(
        (
            paper,
            issues,
            (area.slug, area.label) if area else None,
            topics,
            [(t.slug, t.label) if t else None for t in chips],
            related,
            near,
        )
    )


def page_keys(shared: str, prints: Mapping[str, str]) -> dict[str, str]:
    """Return each page's key: the shared digest and its fingerprint, hashed."""
    return {
        doc: hashlib.sha256(f"{shared}\n{text}".encode()).hexdigest()
        for doc, text in prints.items()
    }


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(_SCHEMA)
    return connection


def load(cache_dir: Path | None, keys: Iterable[str]) -> dict[str, str]:
    """Return the kept text of each key the store holds whole; {} when it does not read."""
    if cache_dir is None or not (cache_dir / STORE).is_file():
        return {}
    wanted = sorted(set(keys))
    found: dict[str, str] = {}
    try:
        with contextlib.closing(_open(cache_dir / STORE)) as db:
            for start in range(0, len(wanted), BATCH):
                part = wanted[start : start + BATCH]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    f"SELECT key, text, sha256 FROM pages WHERE key IN ({marks})", part
                )
                for key, blob, sha in rows:
                    if isinstance(blob, bytes) and hashlib.sha256(blob).hexdigest() == sha:
                        with contextlib.suppress(zlib.error, UnicodeDecodeError):
                            found[key] = zlib.decompress(blob).decode("utf-8")
    except sqlite3.Error:
        return {}
    return found


def save(cache_dir: Path | None, pages: Mapping[str, str], kept: Iterable[str]) -> None:
    """Write the pages rendered now (key: text) and drop the rows not in `kept`."""
    if cache_dir is None:
        return
    keep = set(kept)
    try:
        with contextlib.closing(_open(cache_dir / STORE)) as db, db:
            for key, text in sorted(pages.items()):
                blob = zlib.compress(text.encode("utf-8"), 1)
                db.execute(
                    "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
                    (key, blob, hashlib.sha256(blob).hexdigest()),
                )
            stale = [k for (k,) in db.execute("SELECT key FROM pages") if k not in keep]
            for start in range(0, len(stale), BATCH):
                part = stale[start : start + BATCH]
                db.execute(f"DELETE FROM pages WHERE key IN ({','.join('?' * len(part))})", part)
    except (sqlite3.Error, OSError):
        return


def render_papers(
    papers: Iterable[Paper],
    keys: Mapping[str, str],
    cache_dir: Path | None,
    render: Callable[[list[Paper]], list[str]],
) -> dict[str, str]:
    """Return {doc: text} of every paper page: kept ones from the store, the rest rendered."""
    kept = load(cache_dir, keys.values())
    pages: dict[str, str] = {}
    todo: list[Paper] = []
    for paper in papers:
        doc = paper_doc(paper)
        if keys[doc] in kept:
            pages[doc] = kept[keys[doc]]
        else:
            todo.append(paper)
    fresh = dict(zip((paper_doc(p) for p in todo), render(todo), strict=True))
    pages.update(fresh)
    if fresh or len(kept) != len(set(keys.values())):
        save(cache_dir, {keys[doc]: text for doc, text in fresh.items()}, keys.values())
    return pages
