"""The files `email build` makes: an issue's or a week's mail as .html, .txt and .eml."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import format_datetime

from generator.config import Settings
from generator.errors import ConfigError
from generator.mail.addresses import RECIPIENT_PLACEHOLDER, sender_address, unsubscribe_url
from generator.mail.compose import Environments, IssueEmail, email_environment, render_copy
from generator.mail.editions import Edition, issue_edition, week_edition
from generator.mail.message import make_message
from generator.model import Catalog, Issue

# Gmail shows "[Message clipped]" past this many bytes of HTML.
GMAIL_CLIP_BYTES = 102_400


@dataclass(frozen=True)
class EmailBuild:
    """What `build_emails` made: the emails, their files by name, and warnings to show."""

    emails: tuple[IssueEmail, ...]
    files: dict[str, bytes]
    warnings: tuple[str, ...]


def clip_warning(
    catalog: Catalog, email: IssueEmail, settings: Settings, envs: Environments
) -> str | None:
    """Say by how much an email's HTML passes Gmail's clip limit, and what cap would fit."""
    over = email.html_bytes - GMAIL_CLIP_BYTES
    if over <= 0:
        return None
    fits = _fitting_excerpts(catalog, email, settings, envs)
    advice = f"set email.max_excerpts to {fits} or less" if fits is not None else "too many papers"
    return (
        f"{_name(email.edition)}: HTML is {email.html_bytes:,} bytes, "
        f"{over:,} over Gmail's {GMAIL_CLIP_BYTES:,}-byte clip limit "
        f"(email.max_excerpts is {settings.email.max_excerpts}) — {advice}"
    )


def _fitting_excerpts(
    catalog: Catalog, email: IssueEmail, settings: Settings, envs: Environments
) -> int | None:
    """Return the largest excerpt cap under Gmail's limit (binary search), None if none fits."""

    def fits(cap: int) -> bool:
        trial = render_copy(
            catalog, email.edition, settings, email.interests, max_excerpts=cap, environments=envs
        )
        return trial is None or trial.html_bytes <= GMAIL_CLIP_BYTES

    low, high = 0, email.excerpts
    if not fits(0):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def select_issues(catalog: Catalog, number: int | None) -> tuple[Issue, ...]:
    """Return every issue, or the one with the given number; an unknown number is an error."""
    if number is None:
        return catalog.issues
    chosen = tuple(issue for issue in catalog.issues if issue.number == number)
    if not chosen:
        known = ", ".join(str(issue.number) for issue in reversed(catalog.issues)) or "none"
        raise ConfigError(f"there is no issue number {number}", f"issues: {known}")
    return chosen


def _config_warnings(settings: Settings) -> list[str]:
    warnings = []
    if sender_address(settings) is None:
        warnings.append("email.sender is not set: From is a placeholder; sending will refuse")
    if not unsubscribe_url(settings, None):
        warnings.append("email.unsubscribe_url is not set: no unsubscribe link or header")
    elif RECIPIENT_PLACEHOLDER not in settings.email.unsubscribe_url:
        warnings.append("email.unsubscribe_url has no {recipient}: one-click cannot tell who")
    return warnings


def _name(edition: Edition) -> str:
    """Name an edition in a message: "issue 2 (02-second)" or "week 2025-W11"."""
    if edition.is_week:
        return f"week {edition.mailing.name}"
    issue = edition.issues[0]
    return f"issue {issue.number} ({issue.slug})"


def file_stem(edition: Edition) -> str:
    """Return the name of an edition's files: the issue's slug, or week-2025-w11."""
    return edition.local if edition.is_week else edition.issues[0].slug


def build_emails(
    catalog: Catalog, settings: Settings, number: int | None = None, week: str | None = None
) -> EmailBuild:
    """Render the email of every issue (or one, or a week's digest): {file name: bytes}."""
    editions: tuple[Edition, ...]
    if week is not None:
        editions = (week_edition(catalog, week, settings),)
    else:
        editions = tuple(
            issue_edition(catalog, i, settings) for i in select_issues(catalog, number)
        )
    envs = email_environment(settings)
    warnings = _config_warnings(settings)
    emails, files = [], {}
    for edition in editions:
        email = render_copy(catalog, edition, settings, environments=envs)
        assert email is not None  # the whole newsletter's copy is always rendered
        emails.append(email)
        stem = file_stem(edition)
        files[f"{stem}.html"] = email.html.encode("utf-8")
        files[f"{stem}.txt"] = email.text.encode("utf-8")
        files[f"{stem}.eml"] = make_message(email, settings)
        for issue in edition.issues:
            if issue.date is None:
                warnings.append(
                    f"issue {issue.number} ({issue.slug}) has no date: its Date header is "
                    f"{format_datetime(edition.date)}, as in the feeds"
                )
        clipped = clip_warning(catalog, email, settings, envs)
        if clipped:
            warnings.append(clipped)
    return EmailBuild(tuple(emails), dict(sorted(files.items())), tuple(warnings))
