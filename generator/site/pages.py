"""Render the catalog into the Markdown pages of the site, from the Jinja templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2
import yaml

from generator.config import Settings
from generator.errors import BuildError
from generator.model import Catalog, Issue, Paper, Topic
from generator.site.templates import make_environment
from generator.site.urls import SIGNUP_DOC, issue_doc, paper_doc, relative_url, topic_doc

# The top-level paths of docs/ that the build owns; everything else in docs/ is hand-written.
GENERATED_PATHS = ("index.md", "issues", "papers", "topics", "other-papers.md", "subscribe.md")
# How many topics the home page shows.
HOME_TOPICS = 12


@dataclass(frozen=True)
class PageRenderer:
    """Render templates for pages, each knowing its own path so links come out relative."""

    env: jinja2.Environment
    catalog: Catalog
    settings: Settings

    def render(self, template: str, doc: str, **context: Any) -> str:
        url: Callable[[str], str] = partial(relative_url, doc)
        return self.env.get_template(template).render(
            catalog=self.catalog, settings=self.settings, url=url, doc=doc, **context
        )


def render_pages(catalog: Catalog, settings: Settings) -> dict[str, str]:
    """Render every generated page: {path under docs/: Markdown text}."""
    env = make_environment(settings.templates_dir, settings.excerpt_chars)
    renderer = PageRenderer(env, catalog, settings)
    by_size = sorted(catalog.topics, key=lambda t: (-len(t.paper_ids), t.label.casefold(), t.slug))
    pages = {
        "index.md": renderer.render(
            "pages/home.md.j2", "index.md", main_topics=by_size[:HOME_TOPICS]
        ),
        "issues/index.md": renderer.render("pages/archive.md.j2", "issues/index.md"),
    }
    if settings.signup_url:  # the chooser leads to the sign-up link: no link, no chooser
        pages[SIGNUP_DOC] = renderer.render("pages/subscribe.md.j2", SIGNUP_DOC)
    pages.update(_issue_pages(renderer, catalog.issues))
    pages.update(_topic_pages(renderer, catalog, by_size))
    for paper in catalog.papers:
        doc = paper_doc(paper)
        pages[doc] = renderer.render("pages/paper.md.j2", doc, paper=paper)
    for doc, text in pages.items():
        check_front_matter(doc, text)
    return dict(sorted(pages.items()))


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
        data = yaml.safe_load(block) if block is not None else None
    except yaml.YAMLError as exc:
        data = exc
    if not isinstance(data, dict):
        raise BuildError(
            f"{doc}: its front matter does not parse as YAML ({data!r})",
            "a template in templates/pages/ must quote values with the |meta filter",
        )


def newest_first(catalog: Catalog, papers: Iterable[Paper]) -> list[Paper]:
    """Order papers by the newest issue that lists them, newest first, then by title."""

    def newest(paper: Paper) -> int:
        return max(catalog.issue(slug).number for slug in paper.issues)

    return sorted(papers, key=lambda p: (-newest(p), p.title.casefold(), p.id))


def _topic_pages(renderer: PageRenderer, catalog: Catalog, by_size: list[Topic]) -> dict[str, str]:
    """Render the topics index, a page per topic and the page of papers with no topic."""
    other = [p for p in catalog.papers if not p.topics]
    pages = {
        "topics/index.md": renderer.render(
            "pages/topics.md.j2",
            "topics/index.md",
            by_size=by_size,
            by_name=sorted(catalog.topics, key=lambda t: (t.label.casefold(), t.slug)),
            covered=len(catalog.papers) - len(other),
            unsorted=len(other) if catalog.topics else 0,
        )
    }
    for topic in catalog.topics:
        papers = newest_first(catalog, catalog.papers_of_topic(topic))
        pages[topic_doc(topic)] = renderer.render(
            "pages/topic.md.j2", topic_doc(topic), topic=topic, papers=papers
        )
    if catalog.topics and other:
        pages["other-papers.md"] = renderer.render(
            "pages/other.md.j2", "other-papers.md", papers=newest_first(catalog, other)
        )
    return pages


def _issue_pages(renderer: PageRenderer, issues: Iterable[Issue]) -> dict[str, str]:
    """Render issue pages, each linking to the issues before and after it."""
    ordered = list(issues)  # newest first
    pages = {}
    for index, issue in enumerate(ordered):
        newer = ordered[index - 1] if index > 0 else None
        older = ordered[index + 1] if index + 1 < len(ordered) else None
        doc = issue_doc(issue)
        pages[doc] = renderer.render(
            "pages/issue.md.j2", doc, issue=issue, newer=newer, older=older
        )
    return pages
