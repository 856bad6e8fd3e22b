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
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.config import Settings
from generator.errors import ConfigError
from generator.mail import ledger as book
from generator.mail import smtp as wire
from generator.mail.addresses import check_address, recipient_key, sender_address, unsubscribe_url
from generator.mail.compose import (
    Environments,
    copy_papers,
    email_environment,
    email_subject,
    render_copy,
)
from generator.mail.editions import Edition, issue_edition
from generator.mail.ledger import Ledger, LedgerState, ledger_recipient, open_ledger, read_ledger
from generator.mail.message import RECIPIENT_MARK, MessageMaker, message_id
from generator.mail.outbox import select_issues
from generator.mail.readers import Interests, Reader
from generator.mail.smtp import Outlet
from generator.model import Catalog

# What became of one recipient's copy, as the report and the command say it.
SENT = "sent"
SENT_AGAIN = "sent again"  # the last run stopped between sending it and writing down the answer
ALREADY_SENT = "already sent"
NOTHING = "nothing in their topics"  # no paper of theirs, and email.empty_copy is "skip"
REFUSED = "refused"
REFUSED_BEFORE = "refused before"
UNCERTAIN = "uncertain"  # the connection broke while sending it: the server may have it
NOT_SENT = "not sent"
WOULD_SEND = "would send"
WOULD_SEND_AGAIN = "would send again"
WOULD = {WOULD_SEND, WOULD_SEND_AGAIN}
DONE = {SENT, SENT_AGAIN, ALREADY_SENT, NOTHING, REFUSED, REFUSED_BEFORE, *WOULD}
ORDER: tuple[str, ...] = (SENT, SENT_AGAIN, WOULD_SEND, WOULD_SEND_AGAIN, ALREADY_SENT, NOTHING)
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
    """The outcome of sending one issue (or week): every recipient's delivery, and any stop."""

    edition: Edition
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
class Copies:
    """One edition on its way out: each reader's copy, rendered once per distinct interests."""

    catalog: Catalog
    settings: Settings
    edition: Edition
    environments: Environments
    makers: dict[Interests, MessageMaker | None] = field(default_factory=dict)
    mailed: dict[Interests, bool] = field(default_factory=dict)

    def has_copy(self, interests: Interests) -> bool:
        """Tell whether readers with these interests get a mail (without rendering it)."""
        if interests not in self.mailed:
            found = copy_papers(self.catalog, self.edition, self.settings, interests)
            self.mailed[interests] = found is not None
        return self.mailed[interests]

    def message_for(self, reader: Reader) -> tuple[str, bytes]:
        """Return the Message-ID and bytes of one reader's message."""
        maker = self._maker(reader.interests)
        if maker is None:
            raise ValueError(f"{reader.address} has no copy of {self.edition.mailing.name}")
        return maker.message(reader.address)

    def _maker(self, interests: Interests) -> MessageMaker | None:
        if interests not in self.makers:
            email = render_copy(
                self.catalog,
                self.edition,
                self.settings,
                interests,
                recipient=RECIPIENT_MARK,  # each reader's address replaces it, see MessageMaker
                environments=self.environments,
            )
            self.makers[interests] = (
                None if email is None else MessageMaker.of(email, self.settings)
            )
        return self.makers[interests]


def _unique_readers(recipients: Sequence[str | Reader]) -> list[Reader]:
    """Return the readers, each address checked and counted once (first spelling kept)."""
    unique: dict[str, Reader] = {}
    for item in recipients:
        reader = item if isinstance(item, Reader) else Reader(item)
        reader = replace(reader, address=check_address(reader.address))
        unique.setdefault(recipient_key(reader.address), reader)
    return list(unique.values())


def send_issue(
    catalog: Catalog,
    settings: Settings,
    number: int,
    recipients: Sequence[str | Reader],
    outlet: Outlet,
    *,
    dry_run: bool = False,
    test: bool = False,
    progress: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Send issue `number` to each recipient who has neither received nor refused it.

    Each reader gets the papers of their interests (see `readers`); a plain address gets the
    whole issue. A `test` copy goes to every recipient given, whatever the ledger says, and is
    noted in the ledger as a test: it does not count as the issue having been mailed.
    """
    edition = issue_edition(catalog, select_issues(catalog, number)[0], settings)
    return send_edition(
        catalog,
        settings,
        edition,
        recipients,
        outlet,
        dry_run=dry_run,
        test=test,
        progress=progress,
    )


def send_edition(
    catalog: Catalog,
    settings: Settings,
    edition: Edition,
    recipients: Sequence[str | Reader],
    outlet: Outlet,
    *,
    dry_run: bool = False,
    test: bool = False,
    progress: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Send an issue or a week to each reader who has neither received nor refused it."""
    people = _unique_readers(recipients)
    sender = _require_sendable(settings)
    copies = Copies(catalog, settings, edition, email_environment(settings))
    path, key = settings.ledger_path, outlet.ledger_key
    subject = email_subject(edition, settings)
    report = SendReport(edition, subject, path, dry_run, (), test=test)
    if dry_run:
        plan = _plan(copies, people, read_ledger(path, key), key, test)
        return replace(report, deliveries=plan)
    with open_ledger(path, key, outlet.clock) as ledger:
        plan = _plan(copies, people, ledger.state, key, test)
        done = tuple(d for d in plan if d.status not in WOULD)
        # _plan gives one delivery per reader, in their order.
        todo = [
            (reader, d.status == WOULD_SEND_AGAIN)
            for reader, d in zip(people, plan, strict=True)
            if d.status in WOULD
        ]
        sent: tuple[Delivery, ...] = ()
        error = ""
        if todo:
            smtp = outlet.connect()
            try:
                sent, error = _send_each(smtp, copies, sender, todo, ledger, test, progress)
            finally:
                with suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        report = replace(report, deliveries=done + sent, error=error)
        if report.finished and not test:
            ledger.mark_complete(edition.mailing)
    return report


def _send_each(
    smtp: smtplib.SMTP,
    copies: Copies,
    sender: str,
    todo: Sequence[tuple[Reader, bool]],
    ledger: Ledger,
    test: bool,
    progress: Callable[[Delivery], None] | None,
) -> tuple[tuple[Delivery, ...], str]:
    """Send to each recipient in turn, writing down each step; stop when the server says so."""
    issue = copies.edition.mailing
    deliveries: list[Delivery] = []
    streak = 0
    for index, (reader, again) in enumerate(todo):
        recipient = reader.address
        mid, data = copies.message_for(reader)
        if not test:
            ledger.record(issue, recipient, mid, book.ATTEMPT)
        answer = wire.deliver(smtp, sender, recipient, data)
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
            rest = [Delivery(r.address, "", NOT_SENT) for r, _ in todo[index + 1 :]]
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
    copies: Copies,
    readers: Sequence[Reader],
    state: LedgerState,
    key: str,
    test: bool,
) -> tuple[Delivery, ...]:
    """Say who would get the edition, who has it, who refused it, without connecting.

    A reader with nothing in it gets no mail and no ledger line: if their interests change,
    a later run of the same edition mails them as it would a new reader.
    """
    edition, settings = copies.edition, copies.settings
    plan = []
    for reader in readers:
        recipient = reader.address
        pair = (edition.mailing.key, ledger_recipient(recipient, key))
        outcome = None if test else state.outcomes.get(pair)
        status, detail = {
            book.SENT: (ALREADY_SENT, ""),
            book.REFUSED: (REFUSED_BEFORE, state.details.get(pair, "")),
            book.ATTEMPT: (WOULD_SEND_AGAIN, AGAIN_DETAIL),
        }.get(outcome or "", (WOULD_SEND, ""))
        if status in WOULD and not copies.has_copy(reader.interests):
            status, detail = NOTHING, ""
        mid = message_id(edition.local, settings, recipient)
        plan.append(Delivery(recipient, mid, status, detail))
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
    edition = report.edition
    name = (
        f"Week {edition.mailing.name}" if edition.is_week else f"Issue {edition.issues[0].number}"
    )
    head = f"{name} “{report.subject}”"
    stopped = f"; stopped: {report.error}" if report.error else ""
    kind = " (test copy)" if report.test else ""
    dry = " (dry run)" if report.dry_run else ""
    body = ", ".join(parts) or "no recipients"
    return f"{head}{kind}{dry}: {body}{stopped}. Ledger: {report.ledger}"
