"""MIME: a copy as a multipart/alternative message, encoded once, addressed per reader."""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from generator.config import Settings
from generator.mail.addresses import parse_address, recipient_key, sender_address, unsubscribe_url
from generator.mail.compose import IssueEmail, strip_controls
from generator.site.prose import one_line
from generator.site.urls import ARCHIVE_DOC, absolute_url, site_root


def site_domain(settings: Settings) -> str:
    """Return the host of `site_url` (IDNA-encoded), the right-hand side of Message-IDs."""
    host = urlsplit(site_root(settings)).hostname or ""
    return host.encode("idna").decode("ascii")


# Stands in for the reader's URL-quoted address in a copy rendered once for many readers:
# letters, digits and hyphens, which URL quoting, HTML escaping, the sanitizer and
# quoted-printable all leave as they are.
RECIPIENT_MARK = "pd-recipient-7f3a9c1e"
_MARK = RECIPIENT_MARK.encode("ascii")
_QP_LINE = 72  # characters of an address per quoted-printable line (76 is the limit)


def message_id(local: str, settings: Settings, recipient: str | None = None) -> str:
    """Return a Message-ID: from the edition, plus a hash of the recipient when there is one."""
    if recipient is not None:
        key = recipient_key(recipient).encode("utf-8")
        local += "." + hashlib.blake2b(key, digest_size=6).hexdigest()
    return f"<{local}@{site_domain(settings)}>"


def _quoted_printable(text: str) -> bytes:
    """Encode a part's text as quoted-printable (CRLF lines), RECIPIENT_MARK alone on a line.

    The mark sits between soft line breaks, so a reader's address can replace it in the
    encoded bytes without encoding the part again.
    """
    segments = text.replace("\r\n", "\n").replace("\n", "\r\n").split(RECIPIENT_MARK)
    encoded = [binascii.b2a_qp(segment.encode("utf-8"), istext=True) for segment in segments]
    return (b"=\r\n" + _MARK + b"=\r\n").join(encoded)


def _encoded_address(recipient: str | None) -> bytes:
    """Return the URL-quoted address as quoted-printable lines, to replace RECIPIENT_MARK."""
    quoted = quote(recipient or "", safe="@").encode("ascii")
    return b"=\r\n".join(quoted[i : i + _QP_LINE] for i in range(0, len(quoted), _QP_LINE))


@dataclass(frozen=True)
class MessageMaker:
    """A copy's MIME, encoded once: each reader's message is this plus its own few headers.

    `shared` holds the headers every reader's message has (Subject, From, Date, List-Id…),
    `mime` the MIME headers, `body` the encoded parts; the body holds RECIPIENT_MARK where the
    copy names its reader (the unsubscribe link), when it was rendered with the mark.
    """

    email: IssueEmail
    settings: Settings
    shared: bytes
    mime: bytes
    body: bytes

    @classmethod
    def of(cls, email: IssueEmail, settings: Settings) -> MessageMaker:
        """Encode a rendered copy: multipart/alternative, text first, deterministic boundary."""
        content = (email.text + "\0" + email.html).encode("utf-8")
        boundary = "=_pd_" + hashlib.blake2b(content, digest_size=16).hexdigest()
        parts = []
        for subtype, text in (("plain", email.text), ("html", email.html)):
            head = f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            head += "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            parts.append(f"--{boundary}\r\n{head}".encode("ascii") + _quoted_printable(text))
        body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode("ascii")
        mime = EmailMessage(policy=policy.SMTP)
        mime["MIME-Version"] = "1.0"
        mime["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
        shared = header_bytes(_shared_headers(email, settings))
        return cls(email, settings, shared, header_bytes(mime), body)

    def message(self, recipient: str | None) -> tuple[str, bytes]:
        """Return the Message-ID and the bytes of the message for one reader (None: a preview)."""
        own = EmailMessage(policy=policy.SMTP)
        if recipient is not None:
            own["To"] = recipient
        own["Message-ID"] = message_id(self.email.edition.local, self.settings, recipient)
        unsubscribe = unsubscribe_url(self.settings, recipient)
        if unsubscribe:
            own["List-Unsubscribe"] = f"<{unsubscribe}>"
            own["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        _check_headers(own)
        body = self.body.replace(_MARK, _encoded_address(recipient))
        head = self.shared + header_bytes(own) + self.mime
        return str(own["Message-ID"]), head + b"\r\n" + body


def _shared_headers(email: IssueEmail, settings: Settings) -> EmailMessage:
    """Return the headers every reader's message of a copy has, as a message with no body."""
    msg = EmailMessage(policy=policy.SMTP)
    domain = site_domain(settings)
    _set_subject(msg, email.subject)
    name = one_line(strip_controls(settings.site_name))
    msg["From"] = sender_address(settings) or Address(name, "newsletter", domain)
    if settings.email.reply_to:
        msg["Reply-To"] = parse_address("email.reply_to", settings.email.reply_to)
    msg["Date"] = format_datetime(email.date)
    msg["List-Id"] = f"{name} <newsletter.{domain}>"
    msg["List-Archive"] = f"<{absolute_url(settings, ARCHIVE_DOC)}>"
    _check_headers(msg)
    return msg


def make_message(email: IssueEmail, settings: Settings) -> bytes:
    """Return the bytes of a rendered copy's message, for its recipient (or a preview)."""
    return MessageMaker.of(email, settings).message(email.recipient)[1]


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


def header_bytes(msg: EmailMessage) -> bytes:
    """Serialize a message's headers as they go over SMTP: CRLF line ends, folded, encoded."""
    return b"".join(policy.SMTP.fold_binary(name, value) for name, value in msg.raw_items())
