"""Send an issue to a list over SMTP: one message per recipient, each step in the sent-ledger.

For each recipient: the message is made, an `attempt` line is fsynced to the ledger, the
message goes to the server, and the server's answer is fsynced (`sent`, `refused`,
`deferred`). A run that stops (a crash, a lost connection, a 4xx) is simply run again: it
skips who has the issue or refused it, and sends to the rest. Who has only an `attempt` line
was being sent to when the run stopped: the server may have the message already. They get it
again (at least once, never silently skipped), with the same Message-ID, which lets the
providers that deduplicate drop the repeat, and the run names them.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from generator.config import Settings
from generator.errors import ConfigError
from generator.mail import ledger as book
from generator.mail import smtp as wire
from generator.mail.addresses import (
    RECIPIENT_PLACEHOLDER,
    check_address,
    recipient_key,
    sender_address,
    unsubscribe_url,
)
from generator.mail.compose import Environments, IssueEmail, email_environment, render_issue_email
from generator.mail.ledger import Ledger, LedgerState, ledger_recipient, open_ledger, read_ledger
from generator.mail.message import compose_message, message_bytes, message_id
from generator.mail.outbox import select_issues
from generator.mail.smtp import Outlet
from generator.model import Catalog, Issue

# What became of one recipient's copy, as the report and the command say it.
SENT = "sent"
SENT_AGAIN = "sent again"  # the last run stopped between sending it and writing down the answer
ALREADY_SENT = "already sent"
REFUSED = "refused"
REFUSED_BEFORE = "refused before"
UNCERTAIN = "uncertain"  # the connection broke while sending it: the server may have it
NOT_SENT = "not sent"
WOULD_SEND = "would send"
WOULD_SEND_AGAIN = "would send again"
WOULD = {WOULD_SEND, WOULD_SEND_AGAIN}
DONE = {SENT, SENT_AGAIN, ALREADY_SENT, REFUSED, REFUSED_BEFORE, WOULD_SEND, WOULD_SEND_AGAIN}
ORDER: tuple[str, ...] = (SENT, SENT_AGAIN, WOULD_SEND, WOULD_SEND_AGAIN, ALREADY_SENT)
ORDER += (REFUSED, REFUSED_BEFORE, UNCERTAIN, NOT_SENT)
AGAIN_DETAIL = "the last run stopped while sending it: it may arrive twice, same Message-ID"

# This many refusals in a row, none accepted, look like the server refusing the sender (a
# setting, a login) rather than that many bad addresses: the run stops.
REFUSAL_STREAK = 5


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
    test: bool = False

    def count(self, status: str) -> int:
        return sum(1 for delivery in self.deliveries if delivery.status == status)

    @property
    def finished(self) -> bool:
        """Tell whether nothing is left to try: each recipient has the issue or refused it."""
        return not self.error and all(d.status in DONE for d in self.deliveries)


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


@dataclass(frozen=True)
class _Mailing:
    """One issue on its way out: what every recipient's message is made from."""

    catalog: Catalog
    settings: Settings
    base: IssueEmail
    sender: str
    environments: Environments
    test: bool

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


def send_issue(
    catalog: Catalog,
    settings: Settings,
    number: int,
    recipients: Sequence[str],
    outlet: Outlet,
    *,
    dry_run: bool = False,
    test: bool = False,
    progress: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Send issue `number` to each recipient who has neither received nor refused it.

    A `test` copy goes to every recipient given, whatever the ledger says, and is noted in the
    ledger as a test: it does not count as the issue having been mailed.
    """
    issue = select_issues(catalog, number)[0]
    unique: dict[str, str] = {}
    for recipient in (check_address(r) for r in recipients):
        unique.setdefault(recipient_key(recipient), recipient)
    people = list(unique.values())
    sender = _require_sendable(settings)
    envs = email_environment(settings)
    base = render_issue_email(catalog, issue, settings, environments=envs)
    path, key = settings.ledger_path, outlet.ledger_key
    report = SendReport(issue, base.subject, path, dry_run, (), test=test)
    if dry_run:
        plan = _plan(issue, settings, people, read_ledger(path, key), key, test)
        return replace(report, deliveries=plan)
    mailing = _Mailing(catalog, settings, base, sender, envs, test)
    with open_ledger(path, key, outlet.clock) as ledger:
        plan = _plan(issue, settings, people, ledger.state, key, test)
        done = tuple(d for d in plan if d.status not in WOULD)
        todo = [(d.recipient, d.status == WOULD_SEND_AGAIN) for d in plan if d.status in WOULD]
        sent: tuple[Delivery, ...] = ()
        error = ""
        if todo:
            smtp = outlet.connect()
            try:
                sent, error = _send_each(smtp, mailing, todo, ledger, progress)
            finally:
                with suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        report = replace(report, deliveries=done + sent, error=error)
        if report.finished and not test:
            ledger.mark_complete(issue)
    return report


def _send_each(
    smtp: smtplib.SMTP,
    mailing: _Mailing,
    todo: Sequence[tuple[str, bool]],
    ledger: Ledger,
    progress: Callable[[Delivery], None] | None,
) -> tuple[tuple[Delivery, ...], str]:
    """Send to each recipient in turn, writing down each step; stop when the server says so."""
    issue, test = mailing.base.issue, mailing.test
    deliveries: list[Delivery] = []
    streak = 0
    for index, (recipient, again) in enumerate(todo):
        mid, data = mailing.message_for(recipient)
        if not test:
            ledger.record(issue, recipient, mid, book.ATTEMPT)
        answer = wire.deliver(smtp, mailing.sender, recipient, data)
        if answer.outcome == wire.ACCEPTED:
            ledger.record(issue, recipient, mid, book.TEST if test else book.SENT)
            status, detail = (SENT_AGAIN, AGAIN_DETAIL) if again else (SENT, "")
        elif answer.outcome == wire.REFUSED:
            if not test:
                ledger.record(issue, recipient, mid, book.REFUSED, answer.detail)
            status, detail = REFUSED, answer.detail
        elif answer.outcome == wire.DEFERRED:
            if not test:
                ledger.record(issue, recipient, mid, book.DEFERRED, answer.detail)
            status, detail = NOT_SENT, answer.detail
        else:  # no answer: the attempt line stays, and the next run sends it again
            status, detail = UNCERTAIN, answer.detail
        deliveries.append(Delivery(recipient, mid, status, detail))
        if progress is not None:
            progress(deliveries[-1])
        streak = streak + 1 if status == REFUSED else 0
        error = _stop_reason(deliveries, streak, recipient, detail)
        if error:
            rest = [Delivery(r, "", NOT_SENT) for r, _ in todo[index + 1 :]]
            return (*deliveries, *rest), error
    return tuple(deliveries), ""


def _stop_reason(deliveries: Sequence[Delivery], streak: int, recipient: str, detail: str) -> str:
    """Say why sending must stop after the last delivery, or return "" to go on."""
    status = deliveries[-1].status
    if status == NOT_SENT:
        return f"{recipient}: {detail} — run the same command again later"
    if status == UNCERTAIN:
        return f"{recipient}: {detail}, it may have arrived — run the same command again later"
    accepted = any(d.status in {SENT, SENT_AGAIN} for d in deliveries)
    if streak >= REFUSAL_STREAK and not accepted:
        return (
            f"the server refused {streak} recipients in a row and accepted none (last: "
            f"{detail}): check email.smtp_* and the login — those refused are in the "
            "ledger as refused: delete their lines to try them again"
        )
    return ""


def _plan(
    issue: Issue,
    settings: Settings,
    recipients: Sequence[str],
    state: LedgerState,
    key: str,
    test: bool,
) -> tuple[Delivery, ...]:
    """Say who would get the issue, who has it, who refused it, without connecting."""
    plan = []
    for recipient in recipients:
        pair = (issue.slug, ledger_recipient(recipient, key))
        outcome = None if test else state.outcomes.get(pair)
        status, detail = {
            book.SENT: (ALREADY_SENT, ""),
            book.REFUSED: (REFUSED_BEFORE, state.details.get(pair, "")),
            book.ATTEMPT: (WOULD_SEND_AGAIN, AGAIN_DETAIL),
        }.get(outcome or "", (WOULD_SEND, ""))
        plan.append(Delivery(recipient, message_id(issue, settings, recipient), status, detail))
    return tuple(plan)


def pending_issues(catalog: Catalog, state: LedgerState) -> tuple[int, ...]:
    """Return the numbers of the issues still to mail to the list, oldest first.

    They are: every issue whose mailing began and has not reached everyone on the list yet;
    the newest issue mailed to the list (a re-run reaches whom it missed, a new reader gets
    it); and every issue after that one. Test copies (`--to`) count for nothing. With nothing
    mailed to the list yet, it is the latest issue alone: a newsletter that starts mailing does
    not send its whole archive.
    """
    if not catalog.issues:
        return ()
    mailed = [issue.number for issue in catalog.issues if issue.slug in state.listed]
    if not mailed:
        return (catalog.issues[0].number,)
    newest = max(mailed)
    return tuple(
        sorted(
            issue.number
            for issue in catalog.issues
            if issue.number >= newest or issue.slug in state.unfinished
        )
    )


def send_summary(report: SendReport) -> str:
    """Describe a send in one line, for the end of the command's output."""
    parts = [f"{report.count(status)} {status}" for status in ORDER if report.count(status)]
    head = f"Issue {report.issue.number} “{report.subject}”"
    stopped = f"; stopped: {report.error}" if report.error else ""
    kind = " (test copy)" if report.test else ""
    dry = " (dry run)" if report.dry_run else ""
    body = ", ".join(parts) or "no recipients"
    return f"{head}{kind}{dry}: {body}{stopped}. Ledger: {report.ledger}"
