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

The older pages of lists (a topic's, the archive's, the other papers': `layout.stable_pages`)
are kept the same way in `rendered/lists.sqlite` (`KeptLists`), each keyed by its template,
its place among the pages and what it shows of its items (`card`) and of its topic.
"""

from __future__ import annotations

import contextlib
import hashlib
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import jinja2

from generator.blobs import BlobStore, source_digest
from generator.config import Settings
from generator.model import Catalog, Paper
from generator.site.layout import Neighbours, keyphrase_topic
from generator.site.urls import paper_doc

STORE = "rendered/papers.sqlite"
# The older pages of lists (topics, archive, other papers), kept the same way.
LIST_STORE = "rendered/lists.sqlite"
SITE_CODE = Path(__file__).resolve().parent


def shared_digest(settings: Settings) -> str:
    """Digest what every page depends on: settings, templates, the code that renders them."""
    code = [
        *settings.templates_dir.rglob("*"),
        *SITE_CODE.glob("*.py"),
        SITE_CODE.parent / "model.py",
    ]
    return hashlib.sha256(
        f"{settings!r}\n{jinja2.__version__}\n{source_digest(code)}".encode()
    ).hexdigest()


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


def card(catalog: Catalog, paper: Paper) -> tuple[object, ...]:
    """Write down what a paper's entry in a list shows (`paper_item` in
    templates/pages/_macros.md.j2): the paper, its topics' names, its first issue if undated."""
    first = None
    if not paper.date and paper.issues:
        issue = catalog.issue(paper.issues[0])
        first = (issue.slug, issue.title)
    topics = [(slug, catalog.topic(slug).label) for slug in paper.topics]
    return (
        paper.id,
        paper.slug,
        paper.title,
        paper.date,
        paper.authors,
        paper.abstract,
        topics,
        first,
    )


class KeptLists:
    """The older pages of lists (`layout.stable_pages`), each rendered only when what it shows
    changed since the last build kept it (`LIST_STORE`, as the paper pages are kept).

    An older page shows its items and its neighbours' addresses, nothing that grows with the
    list (templates/pages/topic.md.j2, archive.md.j2, other.md.j2): `add` takes what it shows,
    written down, with a function that renders it; `pages` renders those not kept.
    """

    def __init__(self, shared: str, cache_dir: Path | None) -> None:
        self.shared = shared
        self.path = cache_dir / LIST_STORE if cache_dir is not None else None
        self.jobs: dict[str, tuple[str, Callable[[], str]]] = {}

    def add(self, doc: str, shows: str, render: Callable[[], str]) -> None:
        self.jobs[doc] = (shows, render)

    def pages(self) -> dict[str, str]:
        """Return {doc: text} of every page added: kept ones from the store, the rest rendered."""
        keys = page_keys(self.shared, {doc: shows for doc, (shows, _) in self.jobs.items()})
        return kept_or_rendered(self.path, keys, lambda docs: [self.jobs[d][1]() for d in docs])


def render_papers(
    papers: Iterable[Paper],
    keys: Mapping[str, str],
    cache_dir: Path | None,
    render: Callable[[list[Paper]], list[str]],
) -> dict[str, str]:
    """Return {doc: text} of every paper page: kept ones from the store, the rest rendered."""
    by_doc = {paper_doc(paper): paper for paper in papers}
    store = cache_dir / STORE if cache_dir is not None else None
    return kept_or_rendered(store, keys, lambda docs: render([by_doc[doc] for doc in docs]))


def kept_or_rendered(
    path: Path | None, keys: Mapping[str, str], render: Callable[[list[str]], list[str]]
) -> dict[str, str]:
    """Return {doc: text} of every page `keys` names ({doc: key}): the texts the store at
    `path` keeps under the same keys, the others rendered (`render(docs)`, in one call) and
    kept; the store then holds these pages' rows only."""
    store = BlobStore(path, "pages", "text")
    kept: dict[str, str] = {}
    for key, blob in store.get(keys.values()).items():
        with contextlib.suppress(zlib.error, UnicodeDecodeError):  # not kept after all
            kept[key] = zlib.decompress(blob).decode("utf-8")
    todo = [doc for doc, key in keys.items() if key not in kept]
    fresh = dict(zip(todo, render(todo), strict=True))
    if fresh or len(kept) != len(set(keys.values())):
        new = {keys[doc]: zlib.compress(text.encode("utf-8"), 1) for doc, text in fresh.items()}
        store.put(new, keys.values())
    return {doc: fresh[doc] if doc in fresh else kept[key] for doc, key in keys.items()}
