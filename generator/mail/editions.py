"""What a mail is made from: one issue, or the issues of one ISO week (the weekly digest)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from generator.config import Settings
from generator.errors import ConfigError
from generator.mail.ledger import ISSUE, WEEK, Mailing
from generator.model import Catalog, Issue, Paper
from generator.site.feeds import midnight, newest_known_date
from generator.site.prose import counted, long_date
from generator.site.urls import ARCHIVE_DOC, absolute_url, issue_doc

_WEEK = re.compile(r"(?P<year>\d{4})-W(?P<week>\d{2})")


@dataclass(frozen=True)
class Edition:
    """One mailing's content: its issues (oldest first) and their papers, each paper once.

    `url` is the page a copy's "N more papers" line leads to; `local` is the left of the @ of
    its Message-IDs (a recipient's hash is added to it), stable from run to run.
    """

    mailing: Mailing
    title: str
    issues: tuple[Issue, ...]
    papers: tuple[Paper, ...]
    date: dt.datetime
    url: str
    local: str
    intro: str = ""
    day: str = ""

    @property
    def is_week(self) -> bool:
        return self.mailing.kind == WEEK


def issue_edition(catalog: Catalog, issue: Issue, settings: Settings) -> Edition:
    """Return the edition of one issue: its papers in digest order, dated as in the feeds.

    An undated issue's mail needs a Date header all the same: it takes the newest date the
    digests give (the date a build of them would have), as the feeds' update time does.
    """
    return Edition(
        mailing=Mailing(ISSUE, issue.slug),
        title=issue.title,
        issues=(issue,),
        papers=catalog.papers_of(issue),
        date=midnight(issue.date) or newest_known_date(catalog),
        url=absolute_url(settings, issue_doc(issue)),
        local=f"{issue.slug}.{issue.number}",
        intro=issue.intro,
        day=long_date(issue.date) if issue.date else "",
    )


def parse_week(text: str) -> str:
    """Return an ISO week written YYYY-Www ("2025-W11"), checked; raise ConfigError if not one."""
    match = _WEEK.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        dt.date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError:
        hint = "an ISO week, e.g. 2025-W11 (weeks start on Monday)"
        raise ConfigError(f"not an ISO week: {text!r}", hint) from None
    return text.strip()


def week_of(day: dt.date | dt.datetime) -> str:
    """Return the ISO week a day lies in, as YYYY-Www."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_issues(catalog: Catalog, week: str) -> tuple[Issue, ...]:
    """Return the issues dated in an ISO week, oldest first; an undated issue is in no week."""
    found = [issue for issue in catalog.issues if issue.date and week_of(issue.date) == week]
    return tuple(sorted(found, key=Issue.order))


def week_edition(catalog: Catalog, week: str, settings: Settings) -> Edition:
    """Return the weekly digest of an ISO week; a week with no issue is an error."""
    week = parse_week(week)
    issues = week_issues(catalog, week)
    if not issues:
        weeks = sorted({week_of(issue.date) for issue in catalog.issues if issue.date})
        hint = f"weeks with issues: {', '.join(weeks) or 'none'}"
        undated = sorted((i for i in catalog.issues if i.date is None), key=Issue.order)
        if undated:
            names = ", ".join(issue.title for issue in undated)
            hint += f"; undated issues are in no week ({names}): give them a date: line"
        raise ConfigError(f"no issue falls in {week}", hint)
    papers: dict[str, Paper] = {}
    for issue in issues:
        for paper in catalog.papers_of(issue):
            papers.setdefault(paper.id, paper)
    year, number = int(week[:4]), int(week[-2:])
    monday = dt.date.fromisocalendar(year, number, 1)
    return Edition(
        mailing=Mailing(WEEK, week),
        title=f"The week of {long_date(monday)}",
        issues=issues,
        papers=tuple(papers.values()),
        date=midnight(issues[-1].date) or newest_known_date(catalog),
        url=absolute_url(settings, ARCHIVE_DOC),
        local=f"week-{week.lower()}",
        day=f"{week} · {counted(len(issues), 'issue')}",
    )


def issue_links(edition: Edition, settings: Settings) -> tuple[tuple[Issue, str], ...]:
    """Return a week's issues with their absolute URLs, for the digest's list of them."""
    return tuple((issue, absolute_url(settings, issue_doc(issue))) for issue in edition.issues)
