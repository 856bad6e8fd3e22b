"""An issue as mail: its papers in topic sections, rendered to HTML and plain text.

Everything here is a function of the catalog and the settings: no clock, no randomness, so the
same digests give byte-identical mail. MIME lives in `message`, the files in `outbox`, sending
in `smtp`.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass

import jinja2

from generator.catalog import issue_dates
from generator.config import Settings
from generator.mail.addresses import unsubscribe_url
from generator.mail.html import inline_and_sanitize
from generator.model import Catalog, Issue, Paper
from generator.site.feeds import ATOM_FILE, RSS_FILE
from generator.site.prose import long_date, one_line
from generator.site.templates import make_environment
from generator.site.urls import absolute_url, issue_doc, paper_doc, topic_doc

HTML_TEMPLATE = "email/issue.html.j2"
TEXT_TEMPLATE = "email/issue.txt.j2"
TEXT_WIDTH = 72
Environments = tuple[jinja2.Environment, jinja2.Environment]

# Control characters (C0 but tab and line feed, DEL, C1): those that act as space become one;
# ESC, BEL and the rest are dropped, so no terminal sequence or stray byte reaches a reader.
_CONTROLS = {
    code: " " if chr(code).isspace() else None
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
    if chr(code) not in "\t\n"
}


def strip_controls(text: str) -> str:
    """Return text without control characters: the one filter every mail text passes."""
    return text.translate(_CONTROLS)


@dataclass(frozen=True)
class Section:
    """Papers of an issue under one heading: the first with excerpts, the rest as titles."""

    label: str
    url: str
    featured: tuple[Paper, ...]
    rest: tuple[Paper, ...]


@dataclass(frozen=True)
class IssueEmail:
    """One issue rendered as mail: subject, HTML, text, and the headers' inputs."""

    issue: Issue
    subject: str
    html: str
    text: str
    date: dt.datetime
    papers: int
    excerpts: int
    recipient: str | None = None

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


def _wrap(text: str, indent: str = "", subsequent: str | None = None) -> str:
    return textwrap.fill(
        one_line(text),
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def email_environment(settings: Settings) -> Environments:
    """Create the HTML environment (autoescaped, as for pages) and its plain-text twin."""
    env = make_environment(settings.templates_dir, settings.excerpt_chars)
    env.filters.update(oneline=one_line, wrap=_wrap)
    return env, env.overlay(autoescape=False)


def issue_datetime(catalog: Catalog, issue: Issue) -> dt.datetime:
    """Return the issue's Date header: the date its feed entry has (`catalog.issue_dates`).

    That is midnight UTC of the issue's date; an undated issue takes the date of the nearest
    dated issue before it, else 1970-01-01 plus its number in days. Never the clock.
    """
    return issue_dates(catalog.issues)[issue.slug]


# At most this many topic headings in a mail; smaller topics join "Other papers": a mail with
# a heading for every small topic is long to scroll and clipped by Gmail.
EMAIL_MAX_SECTIONS = 12


def email_sections(
    catalog: Catalog, issue: Issue, settings: Settings, max_excerpts: int
) -> tuple[Section, ...]:
    """Group the issue's papers by topic for a mail: biggest topics first, excerpts shared.

    A paper goes under its first topic, as on the site; past the EMAIL_MAX_SECTIONS biggest
    topics, and for papers of no topic, it comes last under "Other papers". Excerpts go
    round-robin: the first paper of every section, then the second, until `max_excerpts`.
    """
    topical = sorted(
        ((t, papers) for t, papers in catalog.sections_of(issue) if t is not None),
        key=lambda section: (-len(section[1]), section[0].label.casefold(), section[0].slug),
    )
    kept = topical[:EMAIL_MAX_SECTIONS]
    placed = {p.id for _, papers in kept for p in papers}
    sections: list[tuple[str, str, tuple[Paper, ...]]] = [
        (topic.label, absolute_url(settings, topic_doc(topic)), papers) for topic, papers in kept
    ]
    other = tuple(p for p in catalog.papers_of(issue) if p.id not in placed)
    if other:
        sections.append(("Other papers" if sections else "", "", other))
    shares = [0] * len(sections)
    budget = max_excerpts
    for depth in range(max((len(papers) for *_, papers in sections), default=0)):
        for index, (*_, papers) in enumerate(sections):
            if budget and depth < len(papers):
                shares[index] += 1
                budget -= 1
    return tuple(
        Section(label, url, papers[:share], papers[share:])
        for (label, url, papers), share in zip(sections, shares, strict=True)
    )


def _context(
    catalog: Catalog, issue: Issue, settings: Settings, max_excerpts: int, recipient: str | None
) -> dict[str, object]:
    """Gather what both templates show."""
    sections = email_sections(catalog, issue, settings, max_excerpts)
    papers = catalog.papers_of(issue)
    day = long_date(issue.date) if issue.date else ""
    meta = [settings.site_name, day, f"{len(papers)} papers"]
    titles = ", ".join(one_line(p.title) for p in papers[:3])
    return {
        "issue": issue,
        "settings": settings,
        "subject": email_subject(issue, settings),
        "sections": sections,
        "paper_count": len(papers),
        "meta_line": " · ".join(part for part in meta if part),
        "preheader": one_line(issue.intro) or f"{len(papers)} papers: {titles}",
        "issue_url": absolute_url(settings, issue_doc(issue)),
        "site_url": settings.site_url,
        "feed_url": settings.site_url + RSS_FILE,
        "atom_url": settings.site_url + ATOM_FILE,
        "unsubscribe_url": unsubscribe_url(settings, recipient),
        "paper_url": lambda paper: absolute_url(settings, paper_doc(paper)),
    }


def email_subject(issue: Issue, settings: Settings) -> str:
    return one_line(strip_controls(f"{settings.site_name}: {issue.title}"))


def render_issue_email(
    catalog: Catalog,
    issue: Issue,
    settings: Settings,
    *,
    recipient: str | None = None,
    max_excerpts: int | None = None,
    environments: Environments | None = None,
) -> IssueEmail:
    """Render one issue as HTML (inlined, sanitized) and plain text."""
    html_env, text_env = environments or email_environment(settings)
    cap = settings.email.max_excerpts if max_excerpts is None else max_excerpts
    context = _context(catalog, issue, settings, cap, recipient)
    raw = strip_controls(html_env.get_template(HTML_TEMPLATE).render(context))
    html = inline_and_sanitize(raw)
    text = strip_controls(text_env.get_template(TEXT_TEMPLATE).render(context))
    papers = len(issue.paper_ids)
    return IssueEmail(
        issue=issue,
        subject=str(context["subject"]),
        html=html,
        text=text,
        date=issue_datetime(catalog, issue),
        papers=papers,
        excerpts=min(cap, papers),
        recipient=recipient,
    )
