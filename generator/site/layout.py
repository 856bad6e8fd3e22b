"""How pages arrange the catalog for a reader: an issue by area and topic, the home page's
highlights, lists cut into pages, a paper's neighbours in its issue, keyphrases' topics.

Plain functions of the catalog; the templates only print what these return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from generator.keyphrases import normalize_phrase
from generator.model import Area, Catalog, Issue, Keyphrase, Paper, Topic

# A topic with this many papers or fewer in an issue is gathered with its area's other small ones.
SMALL_SECTION = 2
# Papers shown per area on the home page (and in full on the issue page), and issues listed
# on the home page before the archive.
HIGHLIGHTS_PER_AREA = 3
RECENT_ISSUES = 5
# Papers an issue page shows in full per area, by the area's papers in the issue: (at least, count).
FEATURED = ((30, 3), (10, 2), (0, 1))
# An issue of at most this many papers shows them all in full.
SMALL_ISSUE = 12
# Items per page of the archive, of a topic and of the other papers. 50 papers a page (was 25):
# a page's frame (header, navigation, footer) is about 8.8 KB, 0.4 KB a paper at 25.
ISSUES_PER_PAGE = 30
PAPERS_PER_PAGE = 50

T = TypeVar("T")


@dataclass(frozen=True)
class Section:
    """Papers under one heading of an issue: a topic's, or its area's small topics gathered."""

    anchor: str
    label: str
    papers: tuple[Paper, ...]
    topic: Topic | None = None


@dataclass(frozen=True)
class AreaPart:
    """An area's share of an issue: its sections, biggest first."""

    anchor: str
    label: str
    area: Area | None
    sections: tuple[Section, ...]

    @property
    def papers(self) -> tuple[Paper, ...]:
        return tuple(paper for section in self.sections for paper in section.papers)


def issue_parts(catalog: Catalog, issue: Issue) -> tuple[AreaPart, ...]:
    """Arrange an issue by area (most papers first), each by topic (most papers first).

    A paper stands under its first topic with a page, in its area. Topics with few papers in
    the issue are gathered into one "More in <area>" section at the end of their area; papers
    with no area come last, as "Other papers". Ties go by label, then slug.
    """
    by_area: dict[str, dict[str | None, list[Paper]]] = {}
    for paper in catalog.papers_of(issue):
        area = catalog.area_of(paper)
        first = catalog.first_topic(paper)
        key = area.slug if area is not None and first is not None else ""
        by_area.setdefault(key, {}).setdefault(first if key else None, []).append(paper)
    parts = [_area_part(catalog, slug, groups) for slug, groups in by_area.items() if slug]
    parts.sort(key=lambda p: (-len(p.papers), p.label.casefold(), p.anchor))
    if "" in by_area:
        rest = tuple(paper for group in by_area[""].values() for paper in group)
        parts.append(AreaPart("other-papers", "Other papers", None, (Section("", "", rest),)))
    return tuple(parts)


def _area_part(catalog: Catalog, slug: str, groups: dict[str | None, list[Paper]]) -> AreaPart:
    area = catalog.area(slug)
    topics = sorted(
        (catalog.topic(key) for key in groups if key is not None),
        key=lambda t: (-len(groups[t.slug]), t.label.casefold(), t.slug),
    )
    big = [t for t in topics if len(groups[t.slug]) > SMALL_SECTION]
    small = [paper for t in topics if t not in big for paper in groups[t.slug]]
    sections = [Section(t.slug, t.label, tuple(groups[t.slug]), t) for t in big]
    if small:
        label = f"More in {area.label}" if big else area.label
        sections.append(Section(f"more-{area.slug}", label, tuple(small)))
    return AreaPart(area.slug, area.label, area, tuple(sections))


def highlights(
    catalog: Catalog,
    issue: Issue,
    per_area: int = HIGHLIGHTS_PER_AREA,
    parts: Sequence[AreaPart] | None = None,
) -> tuple[tuple[AreaPart, tuple[Paper, ...]], ...]:
    """Return each area of an issue with its first few papers (most upvoted, else as listed);
    `parts` is the issue's `issue_parts`, when the caller has them."""
    order = {pid: index for index, pid in enumerate(issue.paper_ids)}
    chosen = []
    for part in issue_parts(catalog, issue) if parts is None else parts:
        papers = sorted(part.papers, key=lambda p: (-(p.upvotes or 0), order[p.id]))
        chosen.append((part, tuple(papers[:per_area])))
    return tuple(chosen)


@dataclass(frozen=True)
class Line:
    """A paper the issue page lists on one line: its title and the topic it stands under."""

    paper: Paper
    topic: Topic | None


@dataclass(frozen=True)
class LineGroup:
    """The papers of one section of an area not shown in full, one line each."""

    section: Section
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class AreaBrief:
    """An area of an issue as its page shows it, read in a minute: the best few papers in full,
    the others one line each under their sections (biggest topic first), and the area's topics
    with their counts."""

    part: AreaPart
    featured: tuple[Paper, ...]
    groups: tuple[LineGroup, ...]
    topics: tuple[tuple[Topic, int], ...]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for group in self.groups for line in group.lines)


def featured_count(papers: int) -> int:
    """Return how many of an area's papers its issue page shows in full: more for a bigger area."""
    return next(count for least, count in FEATURED if papers >= least)


def issue_briefs(
    catalog: Catalog, issue: Issue, parts: Sequence[AreaPart]
) -> tuple[AreaBrief, ...]:
    """Return each area of an issue with its best papers (first of the home page's highlights),
    the rest as lines in page order, and the topics its papers stand under, most papers first;
    a small issue shows every paper in full."""
    small = len(issue.paper_ids) <= SMALL_ISSUE
    briefs = []
    for part, ranked in highlights(catalog, issue, HIGHLIGHTS_PER_AREA, parts):
        best = part.papers if small else ranked[: featured_count(len(part.papers))]
        chosen = {paper.id for paper in best}
        groups = []
        for section in part.sections:
            lines = tuple(
                Line(paper, section.topic or _own_topic(catalog, paper))
                for paper in section.papers
                if paper.id not in chosen
            )
            if lines:
                groups.append(LineGroup(section, lines))
        counts: dict[str, int] = {}
        for paper in part.papers:
            first = catalog.first_topic(paper)
            if first is not None:
                counts[first] = counts.get(first, 0) + 1
        topics = sorted(
            ((catalog.topic(slug), count) for slug, count in counts.items()),
            key=lambda pair: (-pair[1], pair[0].label.casefold(), pair[0].slug),
        )
        briefs.append(AreaBrief(part, best, tuple(groups), tuple(topics)))
    return tuple(briefs)


def _own_topic(catalog: Catalog, paper: Paper) -> Topic | None:
    first = catalog.first_topic(paper)
    return catalog.topic(first) if first is not None else None


@dataclass(frozen=True)
class Neighbours:
    """Where a paper stands in the issue that lists it last: the papers before and after it."""

    issue: Issue
    previous: Paper | None
    next: Paper | None


def issue_neighbours(
    catalog: Catalog, parts: Mapping[str, Sequence[AreaPart]] | None = None
) -> dict[str, Neighbours]:
    """Return, per paper id, its neighbours in the newest issue listing it, in page order;
    `parts` are the issues' `issue_parts` by issue slug, when the caller has them."""
    found: dict[str, Neighbours] = {}
    for issue in catalog.issues:  # newest first: the first issue met is the newest
        arranged = issue_parts(catalog, issue) if parts is None else parts[issue.slug]
        ordered = [paper for part in arranged for paper in part.papers]
        for index, paper in enumerate(ordered):
            if paper.id in found:
                continue
            before = ordered[index - 1] if index > 0 else None
            after = ordered[index + 1] if index + 1 < len(ordered) else None
            found[paper.id] = Neighbours(issue, before, after)
    return found


@dataclass(frozen=True)
class Pager:
    """Where a page of a list stands among the list's pages.

    A list's own page (`number` 0) shows its newest items; the older ones are on pages numbered
    from the oldest (1 holds the first items ever listed), which a newer item never changes.
    """

    number: int  # 0 on the list's own page, else the older page's number (1 is the oldest)
    first: str  # the list's own page
    newer: str | None = None
    older: str | None = None
    pages: tuple[tuple[int, str], ...] = ()  # on the list's own page: the older pages, newest first

    @property
    def is_first(self) -> bool:
        return self.number == 0


def stable_pages(items: Sequence[T], size: int) -> list[tuple[int, tuple[T, ...]]]:
    """Cut a list, newest first, into pages that a newer item never changes: [(number, items)].

    Counted from the oldest, each `size` items make an older page (1, 2, ...); the list's own
    page (0) holds the rest, the newest: `size` to 2·`size` − 1 items, or the whole of a shorter
    list. So a new item changes the list's own page, and once every `size` items it leaves
    one more older page behind; the older pages stay as they were.
    """
    older = max(len(items) // size - 1, 0)
    own = len(items) - older * size
    pages = [(0, tuple(items[:own]))]
    for number in range(older, 0, -1):
        end = len(items) - (number - 1) * size
        pages.append((number, tuple(items[end - size : end])))
    return pages


def phrase_topics(catalog: Catalog) -> dict[str, str]:
    """Map each topic's leading phrases (normalized) to the topic, the biggest topic first."""
    found: dict[str, str] = {}
    for topic in sorted(catalog.topics, key=lambda t: (-len(t.paper_ids), t.slug)):
        for phrase in topic.phrases:
            found.setdefault(phrase, topic.slug)
    return found


def keyphrase_topic(
    catalog: Catalog, paper: Paper, phrase: Keyphrase, topics_by_phrase: dict[str, str]
) -> Topic | None:
    """Return the topic a keyphrase leads to: the paper's own topic holding it, else any."""
    key = normalize_phrase(phrase.text)
    for slug in paper.topics:
        topic = catalog.topic(slug)
        if key in topic.phrases:
            return topic
    found = topics_by_phrase.get(key)
    return catalog.topic(found) if found is not None else None


# Topics over time: the topic page's chart shows at most this many of the newest issues, and
# "growing this month" counts the papers first listed in the issues of the last GROWTH_DAYS.
CHART_ISSUES = 30
GROWTH_DAYS = 30
CHART_HEIGHT = 40
BAR_WIDTH = 12
BAR_GAP = 3


@dataclass(frozen=True)
class Bar:
    """One issue's bar in a topic's chart: where it stands, its height, what it counts."""

    x: int
    y: int
    height: int
    issue: Issue
    count: int


@dataclass(frozen=True)
class Chart:
    """A topic's papers per issue, oldest issue first, as bars of an SVG `width` wide."""

    bars: tuple[Bar, ...]
    width: int
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    @property
    def summary(self) -> str:
        """Say what the chart shows, for readers who cannot see it."""
        counts = "; ".join(f"{bar.issue.title}: {bar.count}" for bar in self.bars)
        return f"Papers per issue, oldest first. {counts}."


def topic_chart(catalog: Catalog, topic: Topic, limit: int = CHART_ISSUES) -> Chart:
    """Return a topic's papers in each of the newest issues (at most `limit`), oldest first."""
    members = frozenset(topic.paper_ids)
    issues = sorted(catalog.issues, key=Issue.order)[-limit:]
    counts = [sum(pid in members for pid in issue.paper_ids) for issue in issues]
    tallest = max(counts, default=0) or 1
    bars = []
    for index, (issue, count) in enumerate(zip(issues, counts, strict=True)):
        height = max(1, round(count * (CHART_HEIGHT - 1) / tallest))  # a line at 0
        x = index * (BAR_WIDTH + BAR_GAP)
        bars.append(Bar(x, CHART_HEIGHT - height, height, issue, count))
    return Chart(tuple(bars), max(len(bars) * (BAR_WIDTH + BAR_GAP) - BAR_GAP, 1))


def recent_issues(catalog: Catalog, days: int = GROWTH_DAYS) -> tuple[Issue, ...]:
    """Return the issues of the last `days` days up to the newest dated issue, and the undated
    issues numbered after it; with no date at all, every issue."""
    known = [(issue.number, issue.date) for issue in catalog.issues if issue.date is not None]
    if not known:
        return tuple(catalog.issues)
    since = max(day for _, day in known).toordinal() - days
    last_dated = max(number for number, _ in known)
    return tuple(
        issue
        for issue in catalog.issues
        if (issue.date.toordinal() > since if issue.date else issue.number > last_dated)
    )


def topics_by_growth(catalog: Catalog) -> tuple[tuple[Topic, int], ...]:
    """Return the topics that gained papers in the recent issues, most new papers first.

    A paper counts where it was first listed: a paper listed again is not new.
    """
    first: dict[str, int] = {}
    for issue in sorted(catalog.issues, key=Issue.order):
        for pid in issue.paper_ids:
            first.setdefault(pid, issue.number)
    recent = {issue.number for issue in recent_issues(catalog)}
    grown = []
    for topic in catalog.topics:
        new = sum(first.get(pid) in recent for pid in topic.paper_ids)
        if new:
            grown.append((topic, new))
    return tuple(sorted(grown, key=lambda pair: (-pair[1], pair[0].label.casefold(), pair[0].slug)))
