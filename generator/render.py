"""Render the catalog into the Markdown pages of the site, from the Jinja templates.

Text from digests never reaches the Markdown parser as Markdown: templates put it inside raw
HTML blocks, HTML-escaped by Jinja's autoescaping, so it always shows as the text it is.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from generator.config import Settings
from generator.model import Catalog, Issue, Paper, Topic
from generator.prose import excerpt, split_math

# The top-level paths of docs/ that the build owns; everything else in docs/ is hand-written.
GENERATED_PATHS = ("index.md", "issues", "papers", "topics", "other-papers.md")
# How many topics the home page shows.
HOME_TOPICS = 12


def issue_doc(issue: Issue) -> str:
    return f"issues/{issue.slug}.md"


def paper_doc(paper: Paper) -> str:
    return f"papers/{paper.slug}.md"


def topic_doc(topic: Topic) -> str:
    return f"topics/{topic.slug}.md"


def page_url(doc: str) -> str:
    """Return the URL path (relative to the site root) MkDocs gives a Markdown page."""
    stem = doc.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def relative_url(from_doc: str, to_doc: str) -> str:
    """Return the link from one page to another, relative, as the built site needs it."""
    base = page_url(from_doc) or "."
    target = page_url(to_doc) or "."
    link = posixpath.relpath(target, base if base == "." else base.rstrip("/"))
    return "./" if link == "." else link.rstrip("/") + "/"


def absolute_url(settings: Settings, doc: str) -> str:
    """Return a page's absolute URL from `site_url` (empty `site_url` gives a root path)."""
    return (settings.site_url or "/") + page_url(doc)


def prose_html(text: str) -> Markup:
    """Escape text for HTML, wrapping its math for KaTeX; nothing in it becomes markup."""
    parts = []
    for segment in split_math(text):
        if not segment.math:
            parts.append(str(escape(segment.text)))
        elif segment.display:
            parts.append(f'<span class="arithmatex">\\[{escape(segment.text)}\\]</span>')
        else:
            parts.append(f'<span class="arithmatex">\\({escape(segment.text)}\\)</span>')
    return Markup("".join(parts))


def meta_value(text: str) -> Markup:
    """Quote text for YAML front matter, HTML-escaped: MkDocs themes print titles unescaped."""
    return Markup(json.dumps(html.escape(" ".join(str(text).split())), ensure_ascii=False))


def issue_date(issue: Issue) -> str:
    return long_date(issue.date) if issue.date else "Undated"


def long_date(day: dt.date) -> str:
    """Format a date the same way whatever the locale: "March 11, 2025"."""
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{months[day.month - 1]} {day.day}, {day.year}"


def counted(number: int, noun: str) -> str:
    """Say how many: "1 paper", "2 papers"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def make_environment(templates_dir: Path, excerpt_chars: int = 280) -> jinja2.Environment:
    """Create the Jinja environment: autoescaping on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        prose=prose_html,
        meta=meta_value,
        excerpt=partial(excerpt, limit=excerpt_chars),
        issue_date=issue_date,
        long_date=long_date,
        counted=counted,
    )
    env.globals.update(issue_doc=issue_doc, paper_doc=paper_doc, topic_doc=topic_doc)
    return env


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
    pages.update(_issue_pages(renderer, catalog.issues))
    pages.update(_topic_pages(renderer, catalog, by_size))
    for paper in catalog.papers:
        doc = paper_doc(paper)
        pages[doc] = renderer.render("pages/paper.md.j2", doc, paper=paper)
    return dict(sorted(pages.items()))


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
