"""MIME: an issue's mail as a multipart/alternative message with stable headers."""

from __future__ import annotations

import hashlib
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from generator.config import Settings
from generator.mail.addresses import parse_address, recipient_key, sender_address, unsubscribe_url
from generator.mail.compose import IssueEmail, strip_controls
from generator.model import Issue
from generator.site.prose import one_line
from generator.site.urls import absolute_url, site_root


def site_domain(settings: Settings) -> str:
    """Return the host of `site_url` (IDNA-encoded), the right-hand side of Message-IDs."""
    host = urlsplit(site_root(settings)).hostname or ""
    return host.encode("idna").decode("ascii")


def message_id(issue: Issue, settings: Settings, recipient: str | None = None) -> str:
    """Return the Message-ID: from the issue, plus a hash of the recipient when there is one."""
    local = f"{issue.slug}.{issue.number}"
    if recipient is not None:
        key = recipient_key(recipient).encode("utf-8")
        local += "." + hashlib.blake2b(key, digest_size=6).hexdigest()
    return f"<{local}@{site_domain(settings)}>"


def compose_message(email: IssueEmail, settings: Settings) -> EmailMessage:
    """Wrap an email in MIME: multipart/alternative, text first, deterministic boundary."""
    msg = EmailMessage(policy=policy.SMTP)
    sender = sender_address(settings)
    domain = site_domain(settings)
    _set_subject(msg, email.subject)
    name = one_line(strip_controls(settings.site_name))
    msg["From"] = sender or Address(name, "newsletter", domain)
    if email.recipient is not None:
        msg["To"] = email.recipient
    if settings.email.reply_to:
        msg["Reply-To"] = parse_address("email.reply_to", settings.email.reply_to)
    msg["Date"] = format_datetime(email.date)
    msg["Message-ID"] = message_id(email.issue, settings, email.recipient)
    msg["List-Id"] = f"{name} <newsletter.{domain}>"
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
