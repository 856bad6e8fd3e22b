"""Send an issue's email over SMTP: one message per recipient, each recorded in a sent-ledger.

Every message the SMTP server accepts is recorded in the sent-ledger (`ledger`) before the
next goes out: a run that stops half-way (crash, refusal, lost connection) is simply run
again and sends only what is missing.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from generator.config import EmailSettings, Settings
from generator.errors import ConfigError, SendError
from generator.mail.addresses import (
    RECIPIENT_PLACEHOLDER,
    check_address,
    recipient_key,
    sender_address,
    unsubscribe_url,
)
from generator.mail.compose import Environments, IssueEmail, email_environment, render_issue_email
from generator.mail.ledger import (
    LEDGER_KEY_ENV,
    Clock,
    Ledger,
    ledger_recipient,
    open_ledger,
    read_ledger,
    utc_now,
)
from generator.mail.message import compose_message, message_bytes, message_id
from generator.mail.outbox import select_issues
from generator.model import Catalog, Issue

SmtpFactory = Callable[[], smtplib.SMTP]

SENT = "sent"
ALREADY_SENT = "already sent"
REFUSED = "refused"
NOT_SENT = "not sent"
WOULD_SEND = "would send"


@dataclass(frozen=True)
class Delivery:
    """What happened (or would happen) to one recipient's copy of an issue."""

    recipient: str
    message_id: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class SendReport:
    """The outcome of sending one issue: every recipient's delivery, and why it stopped."""

    issue: Issue
    subject: str
    ledger: Path
    dry_run: bool
    deliveries: tuple[Delivery, ...]
    error: str = ""

    def count(self, status: str) -> int:
        return sum(1 for delivery in self.deliveries if delivery.status == status)

    @property
    def complete(self) -> bool:
        """Tell whether every recipient now has the issue (or would, in a dry run)."""
        done = {SENT, ALREADY_SENT, WOULD_SEND}
        return not self.error and all(d.status in done for d in self.deliveries)


def smtp_credentials(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """Return (user, password) from the environment; over TLS both are required."""
    env = os.environ if environ is None else environ
    email = settings.email
    user, password = env.get(email.smtp_user_env, ""), env.get(email.smtp_password_env, "")
    required = email.smtp_security != "none" or bool(user or password)
    hint = "export it (in CI: a repository secret); never write it in a file"
    for name, value in ((email.smtp_user_env, user), (email.smtp_password_env, password)):
        if required and not value:
            raise ConfigError(f"the environment variable {name} is not set", hint)
    return (user, password) if required else None


def _connect(email: EmailSettings, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    """Open the connection, encrypted as configured; STARTTLS never falls back to plain."""
    if email.smtp_security == "ssl":
        return smtplib.SMTP_SSL(email.smtp_host, email.smtp_port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(email.smtp_host, email.smtp_port, timeout=timeout)
    if email.smtp_security == "starttls":
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def open_smtp(
    settings: Settings,
    credentials: tuple[str, str] | None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 30.0,
) -> smtplib.SMTP:
    """Connect (SSL, STARTTLS or plain, as configured) and log in."""
    email = settings.email
    where = f"{email.smtp_host}:{email.smtp_port}"
    smtp = None
    try:
        smtp = _connect(email, ssl_context or ssl.create_default_context(), timeout)
        if credentials is not None:
            smtp.login(*credentials)
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            smtp.close()
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise SendError(f"{where} refused the login: {exc.smtp_code}", "check them") from None
        raise SendError(f"cannot send through {where}: {exc}", "check email.smtp_*") from None
    return smtp


def _require_sendable(settings: Settings) -> str:
    """Return the envelope sender; refuse to mail without a sender and an unsubscribe link."""
    sender = sender_address(settings)
    if sender is None:
        raise ConfigError("email.sender is not set", "set extra.paper_digest.email.sender")
    if not unsubscribe_url(settings, None):
        raise ConfigError("email.unsubscribe_url is not set", "an https:// URL; {recipient} ok")
    if not sender.addr_spec.isascii():
        raise ConfigError(f"email.sender is not ASCII: {sender.addr_spec}", "write xn--… domains")
    return sender.addr_spec


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _deliver(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> tuple[str, str]:
    """Send one message; return (status, detail), raise SendError when sending must stop."""
    try:
        smtp.sendmail(sender, [recipient], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = exc.recipients.get(recipient, (0, b""))
        detail = f"{code} {_text(reason)}"
        if 500 <= code < 600:  # permanent for this address: go on with the others
            return REFUSED, detail
        raise SendError(f"{recipient}: {detail}", "run the same command again later") from None
    except smtplib.SMTPResponseException as exc:
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        raise SendError(f"{recipient}: {detail}", "run the same command again later") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{recipient}: {exc}", "run the same command again later") from None
    return SENT, ""


@dataclass(frozen=True)
class _Mailing:
    """One issue on its way out: what every recipient's message is made from."""

    catalog: Catalog
    settings: Settings
    base: IssueEmail
    sender: str
    environments: Environments

    def message_for(self, recipient: str) -> tuple[str, bytes]:
        """Return the Message-ID and bytes of the message addressed to one recipient."""
        if RECIPIENT_PLACEHOLDER in self.settings.email.unsubscribe_url:  # links name them
            issue, envs = self.base.issue, self.environments
            email = render_issue_email(
                self.catalog, issue, self.settings, recipient=recipient, environments=envs
            )
        else:
            email = replace(self.base, recipient=recipient)
        msg = compose_message(email, self.settings)
        return str(msg["Message-ID"]), message_bytes(msg)


@dataclass(frozen=True)
class Outlet:
    """What sending needs from outside: the SMTP connection, the ledger's key, the clock."""

    connect: SmtpFactory
    ledger_key: str = ""
    clock: Clock = utc_now


def smtp_outlet(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock = utc_now,
) -> Outlet:
    """Return the real outlet: the configured server, the login and ledger key from `environ`.

    The login is read when a connection is opened, so a dry run needs no secrets.
    """
    env = os.environ if environ is None else environ

    def connect() -> smtplib.SMTP:
        return open_smtp(settings, smtp_credentials(settings, env), ssl_context)

    return Outlet(connect, env.get(LEDGER_KEY_ENV, ""), clock)


def send_issue(
    catalog: Catalog,
    settings: Settings,
    number: int,
    recipients: Sequence[str],
    outlet: Outlet,
    *,
    dry_run: bool = False,
    progress: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Send issue `number` to each recipient not yet in the ledger, one message each."""
    issue = select_issues(catalog, number)[0]
    unique: dict[str, str] = {}
    for recipient in (check_address(r) for r in recipients):
        unique.setdefault(recipient_key(recipient), recipient)
    recipients = list(unique.values())
    sender = _require_sendable(settings)
    envs = email_environment(settings)
    base = render_issue_email(catalog, issue, settings, environments=envs)
    path = settings.ledger_path
    key = outlet.ledger_key
    if dry_run:
        deliveries = _plan(issue, settings, recipients, read_ledger(path, key), key)
        return SendReport(issue, base.subject, path, True, deliveries)
    mailing = _Mailing(catalog, settings, base, sender, envs)
    with open_ledger(path, key, outlet.clock) as ledger:
        already = [r for r in recipients if ledger.has(issue, r)]
        done = _plan(issue, settings, already, ledger.sent, key)
        pending = [r for r in recipients if not ledger.has(issue, r)]
        if not pending:
            return SendReport(issue, base.subject, path, False, done)
        smtp = outlet.connect()
        try:
            sent, error = _send_each(smtp, mailing, pending, ledger, progress)
        finally:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return SendReport(issue, base.subject, path, False, done + sent, error)


def _send_each(
    smtp: smtplib.SMTP,
    mailing: _Mailing,
    pending: Sequence[str],
    ledger: Ledger,
    progress: Callable[[Delivery], None] | None,
) -> tuple[tuple[Delivery, ...], str]:
    """Send to each recipient in turn, recording each success; stop at the first failure."""
    deliveries: list[Delivery] = []
    for index, recipient in enumerate(pending):
        mid, data = mailing.message_for(recipient)
        try:
            status, detail = _deliver(smtp, mailing.sender, recipient, data)
        except SendError as exc:
            deliveries += [Delivery(r, "", NOT_SENT) for r in pending[index:]]
            return tuple(deliveries), str(exc)
        if status == SENT:
            ledger.record(mailing.base.issue, recipient, mid)
        deliveries.append(Delivery(recipient, mid, status, detail))
        if progress is not None:
            progress(deliveries[-1])
    return tuple(deliveries), ""


def _plan(
    issue: Issue,
    settings: Settings,
    recipients: Sequence[str],
    sent: set[tuple[str, str]],
    key: str,
) -> tuple[Delivery, ...]:
    """Say who would get the issue and who already has it, without connecting."""
    return tuple(
        Delivery(
            recipient,
            message_id(issue, settings, recipient),
            ALREADY_SENT if (issue.slug, ledger_recipient(recipient, key)) in sent else WOULD_SEND,
        )
        for recipient in recipients
    )


def pending_issues(catalog: Catalog, sent: set[tuple[str, str]]) -> tuple[int, ...]:
    """Return the numbers of the issues still to mail, oldest first.

    That is the newest issue the ledger knows (it may have stopped half-way; sending it again
    reaches only whom it missed) and every issue after it. With an empty ledger it is the
    latest issue alone: a newsletter that starts mailing does not send its whole archive.
    """
    if not catalog.issues:
        return ()
    mailed = {slug for slug, _ in sent}
    numbers = [issue.number for issue in catalog.issues if issue.slug in mailed]
    if not numbers:
        return (catalog.issues[0].number,)
    newest = max(numbers)
    return tuple(sorted(issue.number for issue in catalog.issues if issue.number >= newest))


def send_summary(report: SendReport) -> str:
    """Describe a send in one line, for the end of the command's output."""
    counts = (SENT, WOULD_SEND, ALREADY_SENT, REFUSED, NOT_SENT)
    parts = [f"{report.count(status)} {status}" for status in counts if report.count(status)]
    head = f"Issue {report.issue.number} “{report.subject}”"
    stopped = f"; stopped: {report.error}" if report.error else ""
    dry = " (dry run)" if report.dry_run else ""
    return f"{head}{dry}: {', '.join(parts) or 'no recipients'}{stopped}. Ledger: {report.ledger}"
