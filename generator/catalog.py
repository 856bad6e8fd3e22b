"""Merge issues into a catalog: one paper per arXiv id or normalized title, stable ids and slugs."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

from slugify import slugify

from generator.model import Catalog, Entry, Issue, Paper, unique_links
from generator.sources.tex_plain import plain_title

SLUG_WORDS_MAX_CHARS = 60
ID_CHARS = 12
SLUG_SUFFIX_CHARS = 6
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Punctuation that names things: "C# for Everyone" is not "C for Everyone" ("C++" is kept
# already: "+" is a symbol, not punctuation).
_KEPT = frozenset("#")


def normalize_title(title: str) -> str:
    """Fold a title to the key that decides whether two listings are one paper."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(text.translate(_FOLD).split())


class _Fold(dict[int, str]):
    """str.translate's table for `normalize_title`: punctuation, separators and control
    characters become spaces; each character is looked up once per process."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kept = unicodedata.category(ch)[0] not in {"P", "Z", "C"} or ch in _KEPT
        self[code] = ch if kept else " "
        return self[code]


_FOLD = _Fold()


def paper_id(title: str) -> str:
    """Return the stable id of a paper: a hash of its normalized title."""
    return _id_of(normalize_title(title))


def _id_of(key: str) -> str:
    """Return the id of a normalized title (`normalize_title`)."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()[:ID_CHARS]


def paper_slug(title: str, pid: str) -> str:
    """Return the URL slug: the title's words and a piece of the id, so no two papers share it.

    Both parts come from the normalized title alone, so a new digest can never change an
    existing paper's URL: not by listing it with other casing or punctuation, and not by
    bringing a title that slugifies alike.
    """
    key = normalize_title(title)
    words = slugify(key, max_length=SLUG_WORDS_MAX_CHARS, word_boundary=True) or "paper"
    return f"{words}-{pid[:SLUG_SUFFIX_CHARS]}"


def _merge(pid: str, listings: Sequence[tuple[Issue, Entry]]) -> Paper:
    """Make one paper of every listing of it: first title, first abstract (`_first_text`), all
    issues.

    What the sources know is pooled: the longest author list, every link and category, the
    most upvotes, the first source keywords.
    """
    _, first = listings[0]
    entries = [entry for _, entry in listings]
    fullest = _first_text(entries)
    abstract = fullest.abstract
    issues = tuple(dict.fromkeys(issue.slug for issue, _ in listings))
    dates = [d for d in (entry.date or issue.date for issue, entry in listings) if d is not None]
    upvotes = [entry.upvotes for entry in entries if entry.upvotes is not None]
    return Paper(
        id=pid,
        slug=paper_slug(first.title, pid),
        title=plain_title(first.title),  # its TeX as text; the URL is the title as written
        abstract=abstract,
        issues=issues,
        locations=tuple(entry.location for entry in entries),
        date=min(dates) if dates else None,
        authors=max((entry.authors for entry in entries), key=len),
        links=unique_links(link for entry in entries for link in entry.links),
        arxiv_id=next((entry.arxiv_id for entry in entries if entry.arxiv_id), None),
        categories=tuple(dict.fromkeys(c for entry in entries for c in entry.categories)),
        upvotes=max(upvotes) if upvotes else None,
        keywords=next((entry.keywords for entry in entries if entry.keywords), ()),
        summary=fullest.summary,
    )


def _first_text(entries: Sequence[Entry]) -> Entry:
    """Return the listing whose abstract a paper shows: its first listing's, so that a paper's
    text (and so its keyphrases, topics and related papers) stays as its first issue published
    it, whatever later issues list; unless a later listing completes it (scraped abstracts are
    sometimes cut short): a longer abstract that begins with the first, less a trailing ellipsis
    or full stop. An arXiv relisting that differs by a character elsewhere changes nothing."""
    chosen = entries[0]
    for entry in entries[1:]:
        stem = chosen.abstract.rstrip().removesuffix("…").removesuffix("...").rstrip(". ")
        if len(entry.abstract) > len(chosen.abstract) and entry.abstract.startswith(stem):
            chosen = entry
    return chosen


class _Papers:
    """Decide which listings are one paper: the same arXiv id, else the same folded title.

    Listings are taken in issue order and a listing never joins two papers already apart, so
    a new digest cannot change the id of a paper listed before: the id is the title hash of
    the paper's first listing (as for papers without an arXiv id), or, when another paper
    holds that hash already (same title, another arXiv id), the hash of the arXiv id.
    """

    def __init__(self) -> None:
        self.listings: dict[str, list[tuple[Issue, Entry]]] = {}
        self.by_arxiv: dict[str, str] = {}
        self.by_title: dict[str, str] = {}
        self.arxiv_of: dict[str, str] = {}

    def add(self, issue: Issue, entry: Entry) -> str:
        key = normalize_title(entry.title)  # once a listing: it is slow (per character)
        pid = self._find(entry, key)
        if pid is None:
            pid = _id_of(key)
            if pid in self.listings and entry.arxiv_id:
                pid = paper_id(f"arXiv {entry.arxiv_id}")
        self.listings.setdefault(pid, []).append((issue, entry))
        self.by_title.setdefault(key, pid)
        if entry.arxiv_id:
            self.by_arxiv.setdefault(entry.arxiv_id, pid)
            self.arxiv_of.setdefault(pid, entry.arxiv_id)
        return pid

    def _find(self, entry: Entry, key: str) -> str | None:
        if entry.arxiv_id and entry.arxiv_id in self.by_arxiv:
            return self.by_arxiv[entry.arxiv_id]
        pid = self.by_title.get(key)
        if pid is None:
            return None
        known = self.arxiv_of.get(pid)
        # Same title, two different arXiv ids: two papers (a title like "Introduction").
        return pid if not (entry.arxiv_id and known and known != entry.arxiv_id) else None


def build_catalog(issues: Iterable[Issue]) -> Catalog:
    """Merge papers across issues; issues come out newest (highest number) first."""
    in_order = sorted(issues, key=Issue.order)
    papers_of = _Papers()
    linked: list[Issue] = []
    for issue in in_order:
        ids = [papers_of.add(issue, entry) for entry in issue.entries]
        # A digest listing one paper twice shows it once, where it first appears.
        linked.append(replace(issue, paper_ids=tuple(dict.fromkeys(ids))))
    # In the order of their first listing: a paper listed earlier keeps its slug.
    papers = _unique_slugs([_merge(pid, found) for pid, found in papers_of.listings.items()])
    papers.sort(key=lambda p: (p.slug, p.id))
    return Catalog(issues=tuple(reversed(linked)), papers=tuple(papers))


def _unique_slugs(papers: Iterable[Paper]) -> list[Paper]:
    """Give each paper whose slug a paper listed before it has taken its whole id instead.

    Same words and the same 24-bit id prefix for two titles is rare (titles that differ only
    in symbols, as "Graph networks =<|~" and "Graph networks ~+^>"), but a shared slug would
    have one page overwrite the other. The paper listed first keeps the short slug, so a new
    digest never changes the URL of a paper already published.
    """
    taken: set[str] = set()
    unique = []
    for paper in papers:
        slug = paper.slug
        words = slug[:-SLUG_SUFFIX_CHARS]  # ends with the hyphen
        more = 1
        while slug in taken:
            more += 1
            slug = f"{words}{paper.id}" + (f"-{more}" if more > 2 else "")
        taken.add(slug)
        unique.append(paper if slug == paper.slug else replace(paper, slug=slug))
    return unique
