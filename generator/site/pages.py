"""Render the catalog into the Markdown pages of the site, from the Jinja templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2
import yaml

from generator.config import Settings
from generator.errors import BuildError
from generator.model import Catalog, Issue, Paper, Topic
from generator.site.layout import (
    ISSUES_PER_PAGE,
    PAPERS_PER_PAGE,
    RECENT_ISSUES,
    AreaPart,
    Pager,
    highlights,
    issue_briefs,
    issue_neighbours,
    issue_parts,
    phrase_topics,
    stable_pages,
    topic_chart,
    topics_by_growth,
)
from generator.site.parallel import in_workers
from generator.site.rendered import (
    KeptLists,
    card,
    fingerprint,
    page_keys,
    render_papers,
    shared_digest,
)
from generator.site.templates import MATH_MARK, make_environment
from generator.site.urls import (
    ARCHIVE_DOC,
    OTHER_DOC,
    SIGNUP_DOC,
    TOPICS_DOC,
    issue_doc,
    numbered_doc,
    paper_doc,
    relative_url,
    source_link,
    topic_doc,
)

# The top-level paths of docs/ that the build owns; everything else in docs/ is hand-written.
GENERATED_PATHS = (
    "index.md",
    "issues",
    "papers",
    "topics",
    "other-papers.md",
    "other-papers",
    "subscribe.md",
)
# libyaml's reader where PyYAML was built with it: the same answers, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# How many topics the home page shows.
HOME_TOPICS = 12


@dataclass(frozen=True)
class PageRenderer:
    """Render templates for pages, each knowing its own path so links come out relative."""

    env: jinja2.Environment
    catalog: Catalog
    settings: Settings
    topics_by_phrase: dict[str, str]

    def render(self, template: str, doc: str, **context: Any) -> str:
        url: Callable[[str], str] = partial(relative_url, doc)
        link: Callable[[str], str] = partial(source_link, doc)
        text = self.env.get_template(template).render(
            catalog=self.catalog,
            settings=self.settings,
            url=url,
            md_link=link,
            doc=doc,
            topics_by_phrase=self.topics_by_phrase,
            **context,
        )
        return with_math_flag(text)


def with_math_flag(text: str) -> str:
    """Add `math: true` to a page's front matter when it holds a formula.

    templates/overrides/main.html loads KaTeX on such pages only: most pages have no math.
    """
    if MATH_MARK not in text or not text.startswith("---\n"):
        return text
    return "---\nmath: true\n" + text[4:]


def render_pages(catalog: Catalog, settings: Settings) -> dict[str, str]:
    """Render every generated page: {path under docs/: Markdown text}."""
    env = make_environment(settings.templates_dir, settings.excerpt_chars)
    renderer = PageRenderer(env, catalog, settings, phrase_topics(catalog))
    by_size = sorted(catalog.topics, key=lambda t: (-len(t.paper_ids), t.label.casefold(), t.slug))
    latest = catalog.latest
    # Each issue arranged once: its page, the home page's highlights and papers' neighbours.
    parts = {issue.slug: issue_parts(catalog, issue) for issue in catalog.issues}
    pages = {
        "index.md": renderer.render(
            "pages/home.md.j2",
            "index.md",
            main_topics=by_size[:HOME_TOPICS],
            highlights=(
                highlights(catalog, latest, parts=parts[latest.slug]) if latest is not None else ()
            ),
            recent=catalog.issues[:RECENT_ISSUES],
        ),
    }
    if settings.signup_url:  # the chooser leads to the sign-up link: no link, no chooser
        pages[SIGNUP_DOC] = renderer.render("pages/subscribe.md.j2", SIGNUP_DOC)
    shared = shared_digest(settings)
    kept = KeptLists(shared, settings.cache_dir)

    def issue_lines(issues: Sequence[Issue]) -> object:
        return [(i.slug, i.title, i.date, len(i.paper_ids)) for i in issues]

    pages.update(
        paginated(
            renderer,
            "pages/archive.md.j2",
            ARCHIVE_DOC,
            catalog.issues,
            ISSUES_PER_PAGE,
            kept,
            issue_lines,
        )
    )
    pages.update(_issue_pages(renderer, catalog, parts))
    pages.update(_topic_pages(renderer, catalog, by_size, kept))
    pages.update(kept.pages())
    for doc, text in pages.items():
        check_front_matter(doc, text)
    pages.update(_paper_pages(renderer, catalog, parts, shared))
    return dict(sorted(pages.items()))


def _paper_pages(
    renderer: PageRenderer,
    catalog: Catalog,
    parts: Mapping[str, Sequence[AreaPart]],
    shared: str,
) -> dict[str, str]:
    """Render the paper pages that changed since the last build; take the others as kept."""
    neighbours = issue_neighbours(catalog, parts)

    def paper_page(paper: Paper) -> str:  # in a worker process, where there are several
        doc = paper_doc(paper)
        text = renderer.render(
            "pages/paper.md.j2", doc, paper=paper, neighbours=neighbours.get(paper.id)
        )
        check_front_matter(doc, text)
        return text

    def render_here(todo: list[Paper]) -> list[str]:
        # A paper page a worker did not send back is rendered here, where an error is raised.
        done = in_workers(todo, paper_page)
        return [paper_page(p) if text is None else text for p, text in zip(todo, done, strict=True)]

    prints = {
        paper_doc(p): fingerprint(catalog, p, neighbours.get(p.id), renderer.topics_by_phrase)
        for p in catalog.papers
    }
    keys = page_keys(shared, prints)
    return render_papers(catalog.papers, keys, renderer.settings.cache_dir, render_here)


def paginated(
    renderer: PageRenderer,
    template: str,
    first: str,
    items: Sequence[Any],
    size: int,
    kept: KeptLists | None = None,
    shows: Callable[[Sequence[Any]], object] | None = None,
    **context: Any,
) -> dict[str, str]:
    """Render a list (newest first) as its own page and older pages that stay as they are
    (`stable_pages`): a day's new items re-render the list's own page, not the whole list.

    With `kept` and `shows`, the older pages are handed to `kept` instead, to be rendered only
    when what they show changed: `shows(items)` writes down what an older page shows of the
    context and of its items, besides its place among the pages.
    """
    parts = stable_pages(items, size)
    docs = {number: numbered_doc(first, number) for number, _ in parts}
    older = tuple((number, docs[number]) for number, _ in parts[1:])

    def pager(number: int) -> Pager:
        if number == 0:
            return Pager(0, first, older=older[0][1] if older else None, pages=older)
        newer = docs.get(number + 1, first)
        return Pager(number, first, newer=newer, older=docs[number - 1] if number > 1 else None)

    def render(number: int, part: Sequence[Any]) -> str:
        return renderer.render(template, docs[number], items=part, pager=pager(number), **context)

    pages = {}
    for number, part in parts:
        if number == 0 or kept is None or shows is None:
            pages[docs[number]] = render(number, part)
        else:
            written = repr((template, docs[number], pager(number), shows(part)))
            kept.add(docs[number], written, partial(render, number, part))
    return pages


def check_front_matter(doc: str, text: str) -> None:
    """Raise if a page's front matter does not parse as a YAML mapping.

    MkDocs would not say so: it renders such a page's whole text as Markdown instead, front
    matter included. So a page that MkDocs would misread stops the build here, by name.
    """
    if not text.startswith("---\n"):
        return
    end = text.find("\n---\n", 3)
    block = text[4:end] if end >= 0 else None
    try:
        data = yaml.load(block, Loader=_LOADER) if block is not None else None
    except yaml.YAMLError as exc:
        data = exc
    if not isinstance(data, dict):
        raise BuildError(
            f"{doc}: its front matter does not parse as YAML ({data!r})",
            "a template in templates/pages/ must quote values with the |meta filter",
        )


def newest_first(catalog: Catalog, papers: Iterable[Paper]) -> list[Paper]:
    """Order papers by the issue that first listed them, newest first, then by title (as the
    topic feeds do). A paper listed again later keeps its place: the older pages of a list
    (`stable_pages`) stay as they are."""

    def first(paper: Paper) -> int:
        return min(catalog.issue(slug).number for slug in paper.issues)

    return sorted(papers, key=lambda p: (-first(p), p.title.casefold(), p.id))


def _topic_pages(
    renderer: PageRenderer, catalog: Catalog, by_size: list[Topic], kept: KeptLists
) -> dict[str, str]:
    """Render the topics index, the pages of each topic and those of papers with no topic
    (their older pages handed to `kept`)."""

    def cards(papers: Sequence[Paper]) -> list[object]:
        return [card(catalog, paper) for paper in papers]

    def topic_cards(topic: Topic) -> Callable[[Sequence[Paper]], object]:
        return lambda papers: (_topic_shown(catalog, topic), cards(papers))

    other = [p for p in catalog.papers if not p.topics]
    pages = {
        TOPICS_DOC: renderer.render(
            "pages/topics.md.j2",
            TOPICS_DOC,
            by_size=by_size,
            by_name=sorted(catalog.topics, key=lambda t: (t.label.casefold(), t.slug)),
            covered=len(catalog.papers) - len(other),
            unsorted=len(other) if catalog.topics else 0,
            growing=topics_by_growth(catalog),
        )
    }
    for topic in catalog.topics:
        papers = newest_first(catalog, catalog.papers_of_topic(topic))
        pages.update(
            paginated(
                renderer,
                "pages/topic.md.j2",
                topic_doc(topic),
                papers,
                PAPERS_PER_PAGE,
                kept,
                topic_cards(topic),
                topic=topic,
                chart=topic_chart(catalog, topic),
            )
        )
    if catalog.topics and other:
        pages.update(
            paginated(
                renderer,
                "pages/other.md.j2",
                OTHER_DOC,
                newest_first(catalog, other),
                PAPERS_PER_PAGE,
                kept,
                cards,
                total=len(other),
            )
        )
    return pages


def _topic_shown(catalog: Catalog, topic: Topic) -> tuple[object, ...]:
    """What a topic's older page shows of the topic: its name, area and parent."""
    area = catalog.area(topic.area) if topic.area else None
    parent = catalog.topic(topic.parent) if topic.parent else None
    return (
        topic.slug,
        topic.label,
        (area.slug, area.label) if area else None,
        (parent.slug, parent.label) if parent else None,
    )


def _issue_pages(
    renderer: PageRenderer, catalog: Catalog, parts: Mapping[str, Sequence[AreaPart]]
) -> dict[str, str]:
    """Render issue pages, by area and topic, each linking to the issues before and after it."""
    ordered = list(catalog.issues)  # newest first
    pages = {}
    for index, issue in enumerate(ordered):
        newer = ordered[index - 1] if index > 0 else None
        older = ordered[index + 1] if index + 1 < len(ordered) else None
        doc = issue_doc(issue)
        pages[doc] = renderer.render(
            "pages/issue.md.j2",
            doc,
            issue=issue,
            briefs=issue_briefs(catalog, issue, parts[issue.slug]),
            newer=newer,
            older=older,
        )
    return pages
