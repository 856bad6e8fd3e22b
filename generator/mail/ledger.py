"""The sent-ledger: which (issue, recipient) the SMTP server has accepted, kept on disk.

A JSON-lines file, one line per message accepted, flushed and fsynced before the next message
goes out, locked against a second sender. Its `sent_at` comes from the clock on purpose: the
ledger is an operational log, not site output. With a key (the command reads it from
PAPER_DIGEST_LEDGER_KEY), it names recipients by keyed hash instead of by address.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from generator.errors import SendError
from generator.mail.addresses import recipient_key
from generator.model import Issue, Location

LEDGER_KEY_ENV = "PAPER_DIGEST_LEDGER_KEY"
_HASHED = "hmac-sha256:"
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Return the current time in UTC: the real clock, for the ledger's `sent_at`."""
    return dt.datetime.now(dt.UTC)


def ledger_recipient(address: str, key: str = "") -> str:
    """Return how the ledger names a recipient: the address, or its keyed hash.

    With a key, the ledger holds HMAC-SHA256 digests instead of addresses, so it can be kept
    where others may read it (a branch of a public repository) without giving away who reads
    the newsletter.
    """
    normal = recipient_key(address)
    if not key:
        return normal
    return _HASHED + hmac.new(key.encode(), normal.encode(), hashlib.sha256).hexdigest()


def _entry_key(line: bytes, key: str) -> tuple[str, str] | None:
    """Return a ledger line's (issue, recipient key), None if the line is not an entry."""
    try:
        entry = json.loads(line)
        recipient = str(entry["recipient"])
        name = recipient if recipient.startswith(_HASHED) else ledger_recipient(recipient, key)
        return str(entry["issue"]), name
    except (ValueError, KeyError, TypeError):
        return None


def _parse_ledger(data: bytes, path: Path, key: str) -> tuple[set[tuple[str, str]], int]:
    """Return the ledger's (issue, recipient key) pairs and how many bytes hold whole entries.

    A last line cut short (a crash while writing it) is not an entry; any other damage is an
    error, since guessing could mail someone twice.
    """
    sent = set()
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        entry = _entry_key(line, key) if line.strip() else None
        if entry is not None:
            sent.add(entry)
        elif line.strip() and number < len(lines):
            where = Location(str(path), number)
            hint = "fix or delete the line; every other line is still honoured"
            raise SendError("the sent-ledger has a damaged line", hint, where)
    torn = bool(lines[-1].strip()) and _entry_key(lines[-1], key) is None
    return sent, len(data) - len(lines[-1]) if torn else len(data)


def read_ledger(path: Path, key: str = "") -> set[tuple[str, str]]:
    """Return who has been sent what, without locking: for dry runs."""
    return _parse_ledger(path.read_bytes(), path, key)[0] if path.exists() else set()


@dataclass
class Ledger:
    """The sent-ledger, opened for appending under an exclusive lock."""

    path: Path
    handle: IO[bytes]
    sent: set[tuple[str, str]] = field(default_factory=set)
    needs_newline: bool = False
    key: str = ""
    clock: Clock = utc_now

    def has(self, issue: Issue, recipient: str) -> bool:
        return (issue.slug, ledger_recipient(recipient, self.key)) in self.sent

    def record(self, issue: Issue, recipient: str, message_id: str) -> None:
        """Append one sent message and force it to disk before anything else is sent."""
        entry = {
            "issue": issue.slug,
            "recipient": ledger_recipient(recipient, self.key) if self.key else recipient,
            "message_id": message_id,
            "sent_at": self.clock().isoformat(timespec="seconds"),
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.handle.write((("\n" if self.needs_newline else "") + line).encode("utf-8"))
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.needs_newline = False
        self.sent.add((issue.slug, ledger_recipient(recipient, self.key)))


@contextmanager
def open_ledger(path: Path, key: str = "", clock: Clock = utc_now) -> Iterator[Ledger]:
    """Open the ledger for appending; a second sender at the same time is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendError(f"{path}: another send is running", "wait for it to end") from None
        handle.seek(0)
        data = handle.read()
        sent, whole = _parse_ledger(data, path, key)
        if whole < len(data):  # drop the torn line so that appending leaves no damage behind
            handle.truncate(whole)
        needs_newline = whole > 0 and not data[:whole].endswith(b"\n")
        yield Ledger(path, handle, sent, needs_newline, key, clock)
