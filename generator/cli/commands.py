"""What each command does, between the parsed arguments and the pipeline's stages.

Every collaborator from outside (the embedding model, the SMTP connection, the clock, the
output streams) comes in as an argument, so tests pass stand-ins; `cli.main` passes the real
ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from generator.atomic import write_atomic
from generator.build import read_annotated_catalog
from generator.config import Settings
from generator.errors import ConfigError, PaperDigestError
from generator.keyphrases import Document, Embedder, KeyphraseSettings, extract_keyphrases
from generator.mail.addresses import check_address
from generator.mail.editions import Edition, issue_edition, parse_week, week_edition
from generator.mail.ledger import read_ledger
from generator.mail.outbox import EmailBuild, build_emails, file_stem, select_issues
from generator.mail.readers import EVERY_ISSUE, EVERY_WEEK, Reader, check_slugs, read_readers
from generator.mail.send import (
    NOT_SENT,
    REFUSED,
    REFUSED_BEFORE,
    WOULD_SEND,
    WOULD_SEND_AGAIN,
    Delivery,
    SendReport,
    pending_issues,
    send_edition,
    send_summary,
)
from generator.mail.smtp import Outlet
from generator.model import Catalog, Problem

Say = Callable[[str], None]
Timer = Callable[[], float]
JSONL_FIELDS = ("id", "title", "text")
# Deliveries said after an issue's send (the others are said as they happen).
LISTED_AFTER = {WOULD_SEND, WOULD_SEND_AGAIN, REFUSED_BEFORE, NOT_SENT}


def run_jsonl(
    lines: Iterable[str | bytes],
    out: TextIO,
    errors: TextIO,
    settings: KeyphraseSettings,
    cache_dir: Path | None,
    embedder: Embedder | None = None,
) -> int:
    """Read {"id", "text"[, "title"]} lines, write {"id", "keyphrases"} lines; 0 if all good.

    Lines given as bytes (a file, standard input) are decoded one by one: a line that is not
    UTF-8 is one message, and the other lines are read.
    """
    docs: list[Document] = []
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        doc = _parse_line(line, number)
        if isinstance(doc, str):
            print(doc, file=errors)
            status = 1
        else:
            docs.append(doc)
    try:
        result = extract_keyphrases(docs, settings, cache_dir, embedder)
    except PaperDigestError as error:
        print(f"error: {error}", file=errors)
        return 2
    for doc in docs:
        phrases = [{"text": k.text, "score": k.score} for k in result.keyphrases[doc.id]]
        out.write(json.dumps({"id": doc.id, "keyphrases": phrases}, ensure_ascii=False) + "\n")
    return status


def _parse_line(line: str | bytes, number: int) -> Document | str:
    """Parse one JSON line into a document, or return the one-line message saying why not."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            return (
                f"line {number}: not UTF-8 text (byte 0x{line[error.start]:02x}); save it as UTF-8"
            )
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"line {number}: not JSON ({error.msg})"
    except (ValueError, RecursionError):  # Python's limits: digits in a number, nesting depth
        return (
            f"line {number}: not JSON this program reads (nested too deeply, or a number too long)"
        )
    if not isinstance(record, dict):
        return f'line {number}: expected an object with "id" and "text"'
    fields: dict[str, str] = {}
    for name in JSONL_FIELDS:
        value = record.get(name, "" if name == "title" else None)
        if not isinstance(value, str) or (name != "title" and not value.strip()):
            return f"line {number}: {name!r} must be a non-empty string"
        fields[name] = value
    return Document(id=fields["id"], title=fields["title"], text=fields["text"])


def write_emails(build: EmailBuild, folder: Path) -> tuple[Path, ...]:
    """Write the built files into a folder, each replaced atomically."""
    written = []
    for name, content in build.files.items():
        write_atomic(folder / name, content)
        written.append(folder / name)
    return tuple(written)


def email_build_command(
    settings: Settings,
    issue: int | None,
    say: Say,
    embedder: Embedder | None = None,
    timer: Timer = time.perf_counter,
    week: str | None = None,
) -> int:
    """Build the emails for `paper-digest email build [--issue N | --week W]`; return 0.

    `embedder` gives new papers keyphrases (None: the real model, loaded only if needed).
    """
    started = timer()
    week = parse_week(week) if week is not None else None  # before the digests are read
    catalog, result = read_annotated_catalog(settings, embedder=embedder)
    build = build_emails(catalog, settings, issue, week)
    folder = settings.email_dir
    write_emails(build, folder)
    for email in build.emails:
        say(
            f"{file_stem(email.edition)}: {email.html_bytes:,} bytes of HTML, "
            f"{email.excerpts} of {email.papers} papers with excerpts"
        )
    for warning in build.warnings:
        say(f"warning: {warning}")
    if result.problems:
        say(f"warning: {len(result.problems)} problems in the digests: see `paper-digest check`")
    say(f"Built {len(build.emails)} emails in {timer() - started:.1f} s: {folder}")
    return 0


# Exit statuses of `email send`; a mistake found before sending anything is 2, as for every
# command (`cli.main`).
SEND_DONE = 0  # every recipient has every issue sent, or refused it before
SEND_STOPPED = 1  # sending stopped (4xx, lost connection…): run the same command again later
SEND_UNMAILABLE = 3  # done, but the server refused addresses for good or list lines were bad


def email_send_command(
    settings: Settings,
    issue: int | None,
    recipients_file: Path | None,
    to: str | None,
    dry_run: bool,
    say: Say,
    outlet: Outlet,
    embedder: Embedder | None = None,
    week: str | None = None,
) -> int:
    """Send for `paper-digest email send`; return the exit status (SEND_*).

    With `week`, send that ISO week's digest to the readers who take it weekly; else issue
    `issue` or, with `issue` None, every pending issue (see `pending_issues`), oldest first, to
    the readers who take every issue; a later issue never overtakes one that stopped. `--to`
    sends a test copy, which the ledger does not count as mailed. `outlet` connects to the
    SMTP server; `embedder` as for `email_build_command`.
    """
    if (recipients_file is None) == (to is None):
        raise ConfigError("give either --recipients FILE or --to ADDRESS", "not both, not neither")
    week = parse_week(week) if week is not None else None  # before the digests are read
    catalog, _ = read_annotated_catalog(settings, embedder=embedder)
    problems: tuple[Problem, ...] = ()
    if recipients_file is not None:
        listing = check_slugs(read_readers(recipients_file), catalog)
        readers, problems = listing.taking(EVERY_WEEK if week else EVERY_ISSUE), listing.problems
        for note in listing.followed:
            say(note)
    else:
        readers = (Reader(check_address(str(to))),)
    for problem in problems:
        say(str(problem))
    if week is not None:
        edition = week_edition(catalog, week, settings)
        report = _send_one(catalog, settings, edition, readers, outlet, dry_run, to, say)
        return _send_status(report.count(REFUSED), problems, say, report.finished)
    state = read_ledger(settings.ledger_path, outlet.ledger_key)
    numbers = (issue,) if issue is not None else pending_issues(catalog, state)
    if not settings.ledger_path.exists() and numbers and not dry_run:
        say(f"No sent-ledger at {settings.ledger_path}: starting a new one.")
    refused = 0
    for number in numbers:
        edition = issue_edition(catalog, select_issues(catalog, number)[0], settings)
        report = _send_one(catalog, settings, edition, readers, outlet, dry_run, to, say)
        refused += report.count(REFUSED)
        if not report.finished:
            return SEND_STOPPED  # a later issue must not overtake one that is still going out
    if not numbers:
        say("No issues to send.")
    return _send_status(refused, problems, say)


def _send_status(
    refused: int, problems: tuple[Problem, ...], say: Say, finished: bool = True
) -> int:
    """Return the exit status of a send that went as far as it could, saying what was unmailable."""
    if not finished:
        return SEND_STOPPED
    if refused or problems:
        say(f"Not mailable: {refused} refused, {len(problems)} bad lines (named above).")
        return SEND_UNMAILABLE
    return SEND_DONE


def _send_one(
    catalog: Catalog,
    settings: Settings,
    edition: Edition,
    recipients: tuple[Reader, ...],
    outlet: Outlet,
    dry_run: bool,
    to: str | None,
    say: Say,
) -> SendReport:
    """Send one issue's or week's edition, saying each delivery as it happens, then a summary."""
    shown: set[int] = set()  # the deliveries already said, by identity

    def show(delivery: Delivery) -> None:
        detail = f" ({delivery.detail})" if delivery.detail else ""
        say(f"{delivery.status}: {delivery.recipient}{detail}")
        shown.add(id(delivery))

    report = send_edition(
        catalog,
        settings,
        edition,
        recipients,
        outlet,
        dry_run=dry_run,
        test=to is not None,
        progress=show,
    )
    for delivery in report.deliveries:
        if delivery.status in LISTED_AFTER and id(delivery) not in shown:
            show(delivery)
    say(send_summary(report))
    return report
