"""The email of an issue: HTML with inlined CSS, plain text, and the .eml that carries both.

Everything here is a function of the catalog and the settings: no clock, no randomness, so the
same digests give byte-identical files. Sending lives in `generator.mailer`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import quote, urlsplit

import css_inline
import jinja2
import nh3

from generator.config import Settings
from generator.errors import ConfigError
from generator.feeds import issue_dates, site_root
from generator.model import Catalog, Issue, Paper
from generator.render import (
    absolute_url,
    issue_doc,
    long_date,
    make_environment,
    paper_doc,
    topic_doc,
)

# Gmail shows "[Message clipped]" past this many bytes of HTML.
GMAIL_CLIP_BYTES = 102_400
RECIPIENT_PLACEHOLDER = "{recipient}"
HTML_TEMPLATE = "email/issue.html.j2"
TEXT_TEMPLATE = "email/issue.txt.j2"
TEXT_WIDTH = 72

Say = Callable[[str], None]
Environments = tuple[jinja2.Environment, jinja2.Environment]

_INLINER = css_inline.CSSInliner(keep_at_rules=True, minify_css=True, load_remote_stylesheets=False)
_DOCUMENT = re.compile(r"<head>(?P<head>.*)</head>\s*<body[^>]*>(?P<body>.*)</body>", re.DOTALL)
# What the final HTML may hold; anything else (script, on* handlers, javascript: links) goes.
_STYLE = re.compile(r"<style>.*?</style>\s*", re.DOTALL)
_HEAD_TAGS = {"meta", "title", "style"}
_BODY_TAGS = {"div", "p", "a", "h1", "h2", "ul", "li", "br", "table", "tbody", "tr", "td"}
_BODY_ATTRIBUTES = {
    "*": {"class", "style"},
    "a": {"href"},
    "table": {"role", "width", "cellpadding", "cellspacing", "border"},
    "td": {"align"},
}
_BODY_OPEN = '<body class="pd-body" style="margin:0;padding:0;background:#f3f4f6">'


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


@dataclass(frozen=True)
class EmailBuild:
    """What `build_emails` made: the emails, their files by name, and warnings to show."""

    emails: tuple[IssueEmail, ...]
    files: dict[str, bytes]
    warnings: tuple[str, ...]


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space."""
    return " ".join(str(text).split())


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


def site_domain(settings: Settings) -> str:
    """Return the host of `site_url` (IDNA-encoded), the right-hand side of Message-IDs."""
    host = urlsplit(site_root(settings)).hostname or ""
    return host.encode("idna").decode("ascii")


def issue_datetime(catalog: Catalog, issue: Issue) -> dt.datetime:
    """Return the issue's Date header: the date its feed entry has (see generator.feeds).

    That is midnight UTC of the issue's date; an undated issue takes the date of the nearest
    dated issue before it, else 1970-01-01 plus its number in days. Never the clock.
    """
    return issue_dates(catalog.issues)[issue.slug]


def recipient_key(address: str) -> str:
    """Return the form in which two spellings of one address compare equal."""
    return address.strip().lower()


def parse_address(setting: str, value: str, display_name: str = "") -> Address:
    """Parse `Name <a@b.org>` or `a@b.org` from a setting; a bad value names the setting."""
    name, addr = parseaddr(value)
    try:
        if "@" not in addr or any(ord(ch) < 32 for ch in value):
            raise ValueError(value)
        return Address(display_name=name or display_name, addr_spec=addr)
    except (ValueError, IndexError):
        raise ConfigError(f"{setting}: not an email address: {value!r}", "Name <a@b.org>") from None


def sender_address(settings: Settings) -> Address | None:
    """Return the From address: email.sender, else the editor's address; None if neither."""
    if settings.email.sender:
        return parse_address("email.sender", settings.email.sender, settings.site_name)
    if settings.editor_email:
        return parse_address("editor_email", settings.editor_email, settings.site_name)
    return None


def unsubscribe_url(settings: Settings, recipient: str | None) -> str:
    """Return the unsubscribe URL, `{recipient}` filled in (empty in the preview)."""
    url = settings.email.unsubscribe_url
    if url and not url.startswith("https://"):
        raise ConfigError(f"email.unsubscribe_url must be https://, got {url!r}", "one-click")
    return url.replace(RECIPIENT_PLACEHOLDER, quote(recipient or "", safe="@"))


def message_id(issue: Issue, settings: Settings, recipient: str | None = None) -> str:
    """Return the Message-ID: from the issue, plus a hash of the recipient when there is one."""
    local = f"{issue.slug}.{issue.number}"
    if recipient is not None:
        key = recipient_key(recipient).encode("utf-8")
        local += "." + hashlib.blake2b(key, digest_size=6).hexdigest()
    return f"<{local}@{site_domain(settings)}>"


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
        "feed_url": settings.site_url + "feed.xml",
        "atom_url": settings.site_url + "atom.xml",
        "unsubscribe_url": unsubscribe_url(settings, recipient),
        "paper_url": lambda paper: absolute_url(settings, paper_doc(paper)),
    }


def email_subject(issue: Issue, settings: Settings) -> str:
    return one_line(f"{settings.site_name}: {issue.title}")


def sanitize_email_html(document: str) -> str:
    """Sanitize the head and body of a full HTML document with nh3, keeping its skeleton."""
    match = _DOCUMENT.search(document)
    if match is None:
        raise ValueError("not an HTML document with <head> and <body>")
    head = nh3.clean(
        match["head"],
        tags=_HEAD_TAGS,
        attributes={"meta": {"charset", "name", "content"}},
        clean_content_tags={"script"},
    )
    body = nh3.clean(
        match["body"],
        tags=_BODY_TAGS,
        attributes=_BODY_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes={"https", "http", "mailto"},
        url_relative="deny",
        link_rel=None,
    )
    # css-inline puts the kept @media rules first; meta charset belongs at the top.
    styles = "\n".join(style.strip() for style in _STYLE.findall(head))
    head = _STYLE.sub("", head).strip() + "\n" + styles
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{head}\n</head>\n'
        f"{_BODY_OPEN}\n{body.strip()}\n</body>\n</html>\n"
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
    """Render one issue as HTML (inlined, sanitized) and plain text."""
    html_env, text_env = environments or email_environment(settings)
    cap = settings.email.max_excerpts if max_excerpts is None else max_excerpts
    context = _context(catalog, issue, settings, cap, recipient)
    raw = html_env.get_template(HTML_TEMPLATE).render(context)
    html = sanitize_email_html(_INLINER.inline(raw))
    text = text_env.get_template(TEXT_TEMPLATE).render(context)
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


def compose_message(email: IssueEmail, settings: Settings) -> EmailMessage:
    """Wrap an email in MIME: multipart/alternative, text first, deterministic boundary."""
    msg = EmailMessage(policy=policy.SMTP)
    sender = sender_address(settings)
    domain = site_domain(settings)
    _set_subject(msg, email.subject)
    msg["From"] = sender or Address(settings.site_name, "newsletter", domain)
    if email.recipient is not None:
        msg["To"] = email.recipient
    if settings.email.reply_to:
        msg["Reply-To"] = parse_address("email.reply_to", settings.email.reply_to)
    msg["Date"] = format_datetime(email.date)
    msg["Message-ID"] = message_id(email.issue, settings, email.recipient)
    msg["List-Id"] = f"{one_line(settings.site_name)} <newsletter.{domain}>"
    msg["List-Archive"] = f"<{absolute_url(settings, 'issues/index.md')}>"
    unsubscribe = unsubscribe_url(settings, email.recipient)
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(email.text, cte="quoted-printable")
    msg.add_alternative(email.html, subtype="html", cte="quoted-printable")
    content = (email.text + "\0" + email.html).encode("utf-8")
    msg.set_boundary("=_pd_" + hashlib.blake2b(content, digest_size=16).hexdigest())
    _check_headers(msg)
    return msg


def _set_subject(msg: EmailMessage, subject: str) -> None:
    """Set the Subject, encoding non-ASCII ourselves: the email package's folder drops the
    space between two encoded words (seen on CPython 3.11), so such subjects would not round-trip.
    """
    if subject.isascii() and all(len(word) < 60 for word in subject.split()):
        msg["Subject"] = subject
        return
    encoded = Header(subject, "utf-8", header_name="Subject").encode(maxlinelen=78)
    msg.set_raw("Subject", encoded)


def _check_headers(msg: EmailMessage) -> None:
    """Refuse a message whose header values hold a line break (header injection)."""
    for name, value in msg.items():
        if "\r" in str(value) or "\n" in str(value):
            raise ValueError(f"header {name} holds a line break")


def message_bytes(msg: EmailMessage) -> bytes:
    """Serialize a message as it goes over SMTP: CRLF line ends, headers folded and encoded."""
    return msg.as_bytes(policy=policy.SMTP)


def clip_warning(catalog: Catalog, email: IssueEmail, settings: Settings) -> str | None:
    """Say by how much an email's HTML passes Gmail's clip limit, and what cap would fit."""
    over = email.html_bytes - GMAIL_CLIP_BYTES
    if over <= 0:
        return None
    fits = _fitting_excerpts(catalog, email, settings)
    advice = f"set email.max_excerpts to {fits} or less" if fits is not None else "too many papers"
    return (
        f"issue {email.issue.number} ({email.issue.slug}): HTML is {email.html_bytes:,} bytes, "
        f"{over:,} over Gmail's {GMAIL_CLIP_BYTES:,}-byte clip limit "
        f"(email.max_excerpts is {settings.email.max_excerpts}) — {advice}"
    )


def _fitting_excerpts(catalog: Catalog, email: IssueEmail, settings: Settings) -> int | None:
    """Return the largest excerpt cap under Gmail's limit (binary search), None if none fits."""
    envs = email_environment(settings)

    def fits(cap: int) -> bool:
        trial = render_issue_email(
            catalog, email.issue, settings, max_excerpts=cap, environments=envs
        )
        return trial.html_bytes <= GMAIL_CLIP_BYTES

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


def build_emails(catalog: Catalog, settings: Settings, number: int | None = None) -> EmailBuild:
    """Render the email of every issue (or one): {file name: bytes}, plus warnings."""
    issues = select_issues(catalog, number)
    envs = email_environment(settings)
    warnings = _config_warnings(settings)
    emails, files = [], {}
    for issue in issues:
        email = render_issue_email(catalog, issue, settings, environments=envs)
        emails.append(email)
        files[f"{issue.slug}.html"] = email.html.encode("utf-8")
        files[f"{issue.slug}.txt"] = email.text.encode("utf-8")
        files[f"{issue.slug}.eml"] = message_bytes(compose_message(email, settings))
        if issue.date is None:
            warnings.append(
                f"issue {issue.number} ({issue.slug}) has no date: its Date header is "
                f"{format_datetime(email.date)}, as in the feeds"
            )
        clipped = clip_warning(catalog, email, settings)
        if clipped:
            warnings.append(clipped)
    return EmailBuild(tuple(emails), dict(sorted(files.items())), tuple(warnings))


def email_dir(settings: Settings) -> Path:
    return settings.out_dir / "email"


def write_emails(build: EmailBuild, folder: Path) -> tuple[Path, ...]:
    """Write the built files into a folder, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in build.files.items():
        path = folder / name
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(content)
        partial.replace(path)
        written.append(path)
    return tuple(written)


def email_build_command(settings: Settings, issue: int | None, say: Say) -> int:
    """Build the emails for `paper-digest email build [--issue N]`; return the exit status."""
    from generator.build import read_annotated_catalog  # the stages before; import it here

    started = time.perf_counter()
    catalog, result = read_annotated_catalog(settings)
    build = build_emails(catalog, settings, issue)
    folder = email_dir(settings)
    write_emails(build, folder)
    for email in build.emails:
        say(
            f"{email.issue.slug}: {email.html_bytes:,} bytes of HTML, "
            f"{email.excerpts} of {email.papers} papers with excerpts"
        )
    for warning in build.warnings:
        say(f"warning: {warning}")
    if result.problems:
        say(f"warning: {len(result.problems)} problems in the digests: see `paper-digest check`")
    seconds = time.perf_counter() - started
    say(f"Built {len(build.emails)} emails in {seconds:.1f} s: {folder}")
    return 0
