"""A reader's copy of an issue (or week) as mail: their papers in area sections, as HTML and text.

Everything here is a function of the catalog, the settings and the reader's interests: no
clock, no randomness, so the same digests give byte-identical mail. A copy depends on the
interests, never on the address (that is filled in by `message`), so one rendering serves every
reader who chose the same. MIME lives in `message`, the files in `outbox`, sending in `send`.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass

import jinja2

from generator.config import Settings
from generator.mail.addresses import unsubscribe_url
from generator.mail.editions import Edition, issue_edition, issue_links
from generator.mail.html import inline_and_sanitize
from generator.mail.readers import EVERYTHING, Interests, chosen_papers
from generator.model import Area, Catalog, Issue, Paper
from generator.site.feeds import ATOM_FILE, RSS_FILE
from generator.site.prose import counted, one_line
from generator.site.templates import make_environment
from generator.site.urls import OTHER_DOC, SIGNUP_DOC, TOPICS_DOC, absolute_url, paper_doc

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
    """Papers of a copy under one heading: the first with excerpts, the rest as titles."""

    label: str
    url: str
    featured: tuple[Paper, ...]
    rest: tuple[Paper, ...]
    more: str = "More in this issue"


@dataclass(frozen=True)
class IssueEmail:
    """One copy rendered as mail: subject, HTML, text, and the headers' inputs.

    `papers` counts the copy's papers (all of the edition's for the whole newsletter).
    """

    edition: Edition
    subject: str
    html: str
    text: str
    date: dt.datetime
    papers: int
    excerpts: int
    recipient: str | None = None
    interests: Interests = EVERYTHING

    @property
    def issue(self) -> Issue:
        """Return the issue mailed (a week's newest issue)."""
        return self.edition.issues[-1]

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


def _grouped(catalog: Catalog, papers: tuple[Paper, ...]) -> list[tuple[Area | None, list[Paper]]]:
    """Group papers by area, biggest area first; within one, biggest topic first, then in order.

    Papers with no area come last, under None.
    """
    groups: dict[str | None, list[Paper]] = {}
    areas: dict[str, Area] = {}
    first = {p.id: catalog.first_topic(p) or "" for p in papers}
    for paper in papers:
        area = catalog.area_of(paper)
        if area is not None:
            areas[area.slug] = area
        groups.setdefault(area.slug if area else None, []).append(paper)
    order = sorted(
        (slug for slug in groups if slug is not None),
        key=lambda slug: (-len(groups[slug]), areas[slug].label.casefold(), slug),
    )
    found: list[tuple[Area | None, list[Paper]]] = []
    for slug in order:
        members = groups[slug]
        sizes: dict[str, int] = {}
        for paper in members:
            sizes[first[paper.id]] = sizes.get(first[paper.id], 0) + 1
        members.sort(key=lambda p: (-sizes[first[p.id]], first[p.id]))  # stable: else in order
        found.append((areas[slug], members))
    if None in groups:
        found.append((None, groups[None]))
    return found


def email_sections(
    catalog: Catalog, papers: tuple[Paper, ...], settings: Settings, max_excerpts: int
) -> tuple[Section, ...]:
    """Group a copy's papers under the site's areas for a mail: biggest first, excerpts shared.

    A paper goes under the area of its first topic, as on the site; papers of no topic come
    last under "Other papers". Excerpts go round-robin: the first paper of every section, then
    the second, until `max_excerpts`.
    """
    sections: list[tuple[str, str, str, list[Paper]]] = []
    for area, members in _grouped(catalog, papers):
        if area is not None:
            url = absolute_url(settings, TOPICS_DOC) + "#" + area.slug
            sections.append((area.label, url, f"More in {area.label}", members))
        elif sections:
            url = absolute_url(settings, OTHER_DOC) if catalog.topics else ""
            sections.append(("Other papers", url, "More papers on no topic", members))
        else:
            sections.append(("", "", "More in this issue", members))
    shares = [0] * len(sections)
    budget = max_excerpts
    for depth in range(max((len(members) for *_, members in sections), default=0)):
        for index, (*_, members) in enumerate(sections):
            if budget and depth < len(members):
                shares[index] += 1
                budget -= 1
    return tuple(
        Section(label, url, tuple(members[:share]), tuple(members[share:]), more)
        for (label, url, more, members), share in zip(sections, shares, strict=True)
    )


def chosen_by(catalog: Catalog, interests: Interests) -> str:
    """Say in one line which areas and topics a copy was chosen by ("" for everything)."""

    labels = {a.slug: a.label for a in catalog.areas} | {t.slug: t.label for t in catalog.topics}

    def names(slugs: tuple[str, ...]) -> list[str]:
        return [labels.get(slug, slug) for slug in slugs]

    parts = []
    for noun, slugs in (("area", interests.areas), ("topic", interests.topics)):
        if slugs:
            parts.append(f"the {noun}{'s' if len(slugs) > 1 else ''} " + ", ".join(names(slugs)))
    said = " and ".join(parts) or "every area"
    if interests.exclude:
        said += ", without " + ", ".join(names(interests.exclude))
    return one_line(said) if not interests.whole else ""


def _context(
    catalog: Catalog,
    edition: Edition,
    settings: Settings,
    interests: Interests,
    papers: tuple[Paper, ...],
    max_excerpts: int,
    recipient: str | None,
) -> dict[str, object]:
    """Gather what both templates show."""
    sections = email_sections(catalog, papers, settings, max_excerpts)
    total = len(edition.papers)
    count = f"{len(papers)} of {total} papers" if len(papers) < total else counted(total, "paper")
    top = [paper for section in sections for paper in section.featured][:3]
    titles = " · ".join(one_line(p.title) for p in top)
    preheader = f"{count}: {titles}" if titles else f"Nothing in your topics: {count}"
    return {
        "edition": edition,
        "settings": settings,
        "subject": email_subject(edition, settings),
        "sections": sections,
        "paper_count": len(papers),
        "more_count": total - len(papers),
        "more_where": "this week" if edition.is_week else "this issue",
        "meta_line": " · ".join(part for part in (settings.site_name, edition.day, count) if part),
        "preheader": preheader,
        "issue_url": edition.url,
        "week_issues": issue_links(edition, settings) if edition.is_week else (),
        "chosen_by": chosen_by(catalog, interests),
        "choose_url": absolute_url(settings, SIGNUP_DOC) if settings.signup_url else "",
        "site_url": settings.site_url,
        "feed_url": settings.site_url + RSS_FILE,
        "atom_url": settings.site_url + ATOM_FILE,
        "unsubscribe_url": unsubscribe_url(settings, recipient),
        "paper_url": lambda paper: absolute_url(settings, paper_doc(paper)),
    }


def email_subject(edition: Edition, settings: Settings) -> str:
    return one_line(strip_controls(f"{settings.site_name}: {edition.title}"))


def copy_papers(
    catalog: Catalog, edition: Edition, settings: Settings, interests: Interests
) -> tuple[Paper, ...] | None:
    """Return the edition's papers a reader with these interests reads; None when they get no
    mail: nothing of theirs, not the whole newsletter, and `email.empty_copy` is not "notice"."""
    papers = chosen_papers(catalog, interests, edition.papers)
    if not papers and not interests.whole and settings.email.empty_copy != "notice":
        return None
    return papers


def render_copy(
    catalog: Catalog,
    edition: Edition,
    settings: Settings,
    interests: Interests = EVERYTHING,
    *,
    recipient: str | None = None,
    max_excerpts: int | None = None,
    environments: Environments | None = None,
) -> IssueEmail | None:
    """Render a reader's copy as HTML (inlined, sanitized) and text; None if it holds nothing.

    A copy with none of the edition's papers is rendered only when `email.empty_copy` is
    "notice" (a short note with a link to the issue); the whole newsletter always is.
    """
    papers = copy_papers(catalog, edition, settings, interests)
    if papers is None:
        return None
    html_env, text_env = environments or email_environment(settings)
    cap = settings.email.max_excerpts if max_excerpts is None else max_excerpts
    context = _context(catalog, edition, settings, interests, papers, cap, recipient)
    raw = strip_controls(html_env.get_template(HTML_TEMPLATE).render(context))
    html = inline_and_sanitize(raw)
    text = strip_controls(text_env.get_template(TEXT_TEMPLATE).render(context))
    return IssueEmail(
        edition=edition,
        subject=str(context["subject"]),
        html=html,
        text=text,
        date=edition.date,
        papers=len(papers),
        excerpts=min(cap, len(papers)),
        recipient=recipient,
        interests=interests,
    )


def render_issue_email(
    catalog: Catalog,
    issue: Issue,
    settings: Settings,
    *,
    recipient: str | None = None,
    max_excerpts: int | None = None,
    environments: Environments | None = None,
) -> IssueEmail:
    """Render the whole newsletter's copy of one issue."""
    edition = issue_edition(catalog, issue, settings)
    email = render_copy(
        catalog,
        edition,
        settings,
        recipient=recipient,
        max_excerpts=max_excerpts,
        environments=environments,
    )
    assert email is not None  # the whole newsletter's copy is always rendered
    return email
