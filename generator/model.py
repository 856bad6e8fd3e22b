"""The records that flow through the pipeline: plain, frozen data, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file: a path as given and a 1-based line number."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, said the way the CLI prints it."""

    location: Location
    message: str
    hint: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value}: {self.message} — {self.hint}"


class LinkKind(Enum):
    """What a link out of the site leads to; the order is the order pages show them in."""

    ABSTRACT = "abstract"
    PDF = "pdf"
    HUGGING_FACE = "huggingface"
    CODE = "code"
    PROJECT = "project"
    DOI = "doi"
    PAGE = "page"


@dataclass(frozen=True)
class Link:
    """A checked http(s) address a source gave for a paper, and what it leads to."""

    kind: LinkKind
    url: str

    def order(self) -> tuple[int, str]:
        """Return the display order key: kinds as LinkKind declares them, then the address."""
        return (list(LinkKind).index(self.kind), self.url)


def unique_links(found: Iterable[Link | None]) -> tuple[Link, ...]:
    """Drop the Nones and repeated addresses (the first of each kept); order by Link.order."""
    unique: dict[str, Link] = {}
    for item in found:
        if item is not None:
            unique.setdefault(item.url, item)
    return tuple(sorted(unique.values(), key=Link.order))


@dataclass(frozen=True)
class Entry:
    """One paper as one digest lists it, before papers are merged across digests.

    Everything but the title, abstract and location is optional: each source fills in what
    it knows. `arxiv_id` has no version ("2501.01234", "cond-mat/0412498"); `date` is the day
    the paper was announced or listed; `keywords` are the source's own (Hugging Face's
    `ai_keywords`), kept apart from the keyphrases this program extracts.
    """

    title: str
    abstract: str
    location: Location
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    upvotes: int | None = None
    keywords: tuple[str, ...] = ()
    summary: bool = False  # the text is a one-line summary: the source had no abstract


@dataclass(frozen=True)
class Keyphrase:
    """A phrase that says what a paper is about, as written in its text."""

    text: str
    score: float


def titled_text(title: str, body: str) -> str:
    """Join a title and its text into one document: "Title. Body", the body alone if untitled."""
    return f"{title}. {body}" if title.strip() else body


@dataclass(frozen=True)
class Issue:
    """One digest: a newsletter issue with its papers in digest order."""

    slug: str
    number: int
    title: str
    source: str
    date: dt.date | None = None
    intro: str = ""
    entries: tuple[Entry, ...] = ()
    paper_ids: tuple[str, ...] = ()

    def order(self) -> tuple[int, str]:
        """Return the key of publication order: number, then slug (sort with key=Issue.order)."""
        return (self.number, self.slug)


@dataclass(frozen=True)
class Paper:
    """A paper of the catalog: one per arXiv id, else per normalized title, however listed."""

    id: str
    slug: str
    title: str
    abstract: str
    issues: tuple[str, ...]
    locations: tuple[Location, ...]
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    upvotes: int | None = None
    keywords: tuple[str, ...] = ()
    summary: bool = False  # its text is a one-line summary (no source gave an abstract)
    keyphrases: tuple[Keyphrase, ...] = ()
    topics: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # ids of the papers nearest in meaning, nearest first

    @property
    def text(self) -> str:
        """Title and abstract as one document, the text keyphrases are drawn from."""
        return titled_text(self.title, self.abstract)


@dataclass(frozen=True)
class Topic:
    """A group of papers that share a concept, with a page of its own."""

    slug: str
    label: str
    description: str
    paper_ids: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    area: str = ""
    parent: str = ""  # the topic it split from, if any
    children: tuple[str, ...] = ()  # the topics it split into: they take its new papers


@dataclass(frozen=True)
class Area:
    """A group of topics under one heading: a part of the field ("Reinforcement learning")."""

    slug: str
    label: str
    description: str
    topic_slugs: tuple[str, ...]
    paper_count: int = 0


@dataclass(frozen=True)
class Catalog:
    """Every issue, paper and topic of the newsletter, in their display orders."""

    issues: tuple[Issue, ...]
    papers: tuple[Paper, ...]
    topics: tuple[Topic, ...] = ()
    areas: tuple[Area, ...] = ()
    # Topic slugs a re-plan retired, each with the slug it leads to ("" for the topics index).
    moved: tuple[tuple[str, str], ...] = ()
    _paper_index: dict[str, Paper] = field(init=False, compare=False, repr=False)
    _issue_index: dict[str, Issue] = field(init=False, compare=False, repr=False)
    _topic_index: dict[str, Topic] = field(init=False, compare=False, repr=False)
    _area_index: dict[str, Area] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Lookup tables, rebuilt for every instance (so dataclasses.replace gets fresh ones).
        object.__setattr__(self, "_paper_index", {p.id: p for p in self.papers})
        object.__setattr__(self, "_issue_index", {i.slug: i for i in self.issues})
        object.__setattr__(self, "_topic_index", {t.slug: t for t in self.topics})
        object.__setattr__(self, "_area_index", {a.slug: a for a in self.areas})

    def paper(self, paper_id: str) -> Paper:
        return self._paper_index[paper_id]

    def issue(self, slug: str) -> Issue:
        return self._issue_index[slug]

    def topic(self, slug: str) -> Topic:
        return self._topic_index[slug]

    def area(self, slug: str) -> Area:
        return self._area_index[slug]

    def area_of(self, paper: Paper) -> Area | None:
        """Return the area of a paper's first topic, if it has one."""
        for slug in paper.topics:
            topic = self._topic_index.get(slug)
            if topic is not None and topic.area in self._area_index:
                return self._area_index[topic.area]
        return None

    def papers_of(self, issue: Issue) -> tuple[Paper, ...]:
        """Return the papers of an issue in the order the digest lists them."""
        return tuple(self._paper_index[pid] for pid in issue.paper_ids)

    def first_topic(self, paper: Paper) -> str | None:
        """Return the slug of a paper's first topic that has a page, if any."""
        return next((slug for slug in paper.topics if slug in self._topic_index), None)

    def sections_of(self, issue: Issue) -> tuple[tuple[Topic | None, tuple[Paper, ...]], ...]:
        """Group an issue's papers under their first topic with a page, topics A–Z.

        Papers with no such topic come last, under None; without topics the issue is one
        section. The feeds show an issue this way.
        """
        groups: dict[str | None, list[Paper]] = {}
        for paper in self.papers_of(issue):
            groups.setdefault(self.first_topic(paper), []).append(paper)
        topics = sorted(
            (self._topic_index[slug] for slug in groups if slug is not None),
            key=lambda t: (t.label.casefold(), t.label, t.slug),
        )
        sections: list[tuple[Topic | None, tuple[Paper, ...]]] = [
            (topic, tuple(groups[topic.slug])) for topic in topics
        ]
        if None in groups:
            sections.append((None, tuple(groups[None])))
        return tuple(sections)

    def subtopics(self, topic: Topic) -> tuple[Topic, ...]:
        """Return a topic and the topics it split into, their children and so on, once each."""
        found, todo = {topic.slug: topic}, [topic]
        while todo:
            for slug in todo.pop().children:
                if slug not in found and slug in self._topic_index:
                    found[slug] = self._topic_index[slug]
                    todo.append(found[slug])
        return tuple(found.values())

    def papers_of_topic(self, topic: Topic) -> tuple[Paper, ...]:
        return tuple(self._paper_index[pid] for pid in topic.paper_ids)

    @property
    def latest(self) -> Issue | None:
        """Return the newest issue: the one with the highest number."""
        return self.issues[0] if self.issues else None

    @property
    def repeated_count(self) -> int:
        """Count listings of a paper that its own digest already listed."""
        return sum(len(i.entries) - len(i.paper_ids) for i in self.issues)

    @property
    def merged_count(self) -> int:
        """Count listings of a paper that an earlier issue already listed."""
        return sum(len(i.paper_ids) for i in self.issues) - len(self.papers)
