"""The sent-ledger: what became of each (issue or week, recipient), appended as it happens.

JSON lines, each flushed and fsynced before anything else is done, the file locked against a
second sender. Its times come from the clock on purpose: the ledger is an operational log,
not site output. With a key (the command reads it from PAPER_DIGEST_LEDGER_KEY), it names
recipients by keyed hash instead of by address. The lines:

- `{"ledger": 2, "key_fingerprint": …}`: which key wrote the ledger (a fingerprint of it,
  never the key; null for none), so that a run with another key, or none, is refused instead
  of taking every reader for new;
- `{"issue", "recipient", "message_id", "status", "at"}`, the status one of: `attempt`,
  written just before the message goes out; `sent`, the server accepted it; `refused`, the
  server refused the address for good (a 5xx reply to RCPT, in `detail`); `deferred`, the
  server did not take it this time (a re-run tries again); `test`, a test copy (`--to`), a
  note that counts for nothing. A line without a status (ledgers before version 2) is `sent`;
- `{"issue", "status": "complete"}`: everyone on the list has the issue or refused it.

A weekly digest is recorded the same way, with `"week": "2025-W11"` in place of `"issue"`.

An `attempt` with nothing after it is uncertain: the run stopped between handing the message to
the server and writing down its answer, so the server may or may not have it.
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
from typing import IO, Any

from generator.errors import SendError
from generator.mail.addresses import recipient_key
from generator.model import Issue, Location

LEDGER_KEY_ENV = "PAPER_DIGEST_LEDGER_KEY"
VERSION = 2
_HASHED = "hmac-sha256:"
Clock = Callable[[], dt.datetime]

ATTEMPT = "attempt"
SENT = "sent"
REFUSED = "refused"
DEFERRED = "deferred"
TEST = "test"
COMPLETE = "complete"
_OUTCOMES = {ATTEMPT, SENT, REFUSED, DEFERRED}


ISSUE, WEEK = "issue", "week"


@dataclass(frozen=True)
class Mailing:
    """What a send is recorded under: an issue (by slug) or an ISO week ("2025-W11")."""

    kind: str
    name: str

    @property
    def key(self) -> str:
        """Return the name the ledger's state uses: the issue's slug, or "week:" and the week.

        Slugs hold no colon, so an issue and a week never share a key.
        """
        return self.name if self.kind == ISSUE else f"{self.kind}:{self.name}"


def mailing_of(what: Issue | Mailing) -> Mailing:
    """Return what the ledger records a send under: an issue's mailing is its slug."""
    return what if isinstance(what, Mailing) else Mailing(ISSUE, what.slug)


def _entry_key(entry: dict[str, Any]) -> str | None:
    """Return the state key of a line's issue or week, None if it names neither properly."""
    if isinstance(entry.get(ISSUE), str) and WEEK not in entry:
        return str(entry[ISSUE])
    if isinstance(entry.get(WEEK), str) and ISSUE not in entry:
        return Mailing(WEEK, str(entry[WEEK])).key
    return None


def utc_now() -> dt.datetime:
    """Return the current time in UTC: the real clock, for the ledger's times."""
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


def key_fingerprint(key: str) -> str | None:
    """Return a short fingerprint of the ledger key (None for no key): it tells keys apart
    without giving the key away."""
    if not key:
        return None
    label = b"paper-digest sent-ledger key fingerprint"
    return hmac.new(key.encode(), label, hashlib.sha256).hexdigest()[:16]


@dataclass
class LedgerState:
    """What the ledger says: the last outcome of every (issue, recipient), and its key."""

    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)
    details: dict[tuple[str, str], str] = field(default_factory=dict)
    complete: set[str] = field(default_factory=set)
    attempted: set[str] = field(default_factory=set)
    fingerprints: set[str | None] = field(default_factory=set)
    hashed: bool = False
    plain: bool = False

    @property
    def sent(self) -> set[tuple[str, str]]:
        return {pair for pair, status in self.outcomes.items() if status == SENT}

    @property
    def listed(self) -> set[str]:
        """The issues mailed (or being mailed) to a list: test copies do not count."""
        return {slug for slug, _ in self.outcomes}

    @property
    def unfinished(self) -> set[str]:
        """The issues whose mailing began (version 2) and has not reached everyone."""
        return self.attempted - self.complete

    def add(self, entry: dict[str, Any], key: str) -> None:
        """Take in one line of the ledger (already known to be well-formed)."""
        if "ledger" in entry:
            self.fingerprints.add(entry["key_fingerprint"])
            return
        issue, status = str(_entry_key(entry)), entry.get("status", SENT)
        if status == COMPLETE:
            self.complete.add(issue)
            return
        recipient = str(entry["recipient"])
        hashed = recipient.startswith(_HASHED)
        self.hashed, self.plain = self.hashed or hashed, self.plain or not hashed
        if status == TEST:
            return
        pair = (issue, recipient if hashed else ledger_recipient(recipient, key))
        if status == ATTEMPT:
            self.attempted.add(issue)
        if self.outcomes.get(pair) != SENT:  # once accepted, always accepted
            self.outcomes[pair] = status
            self.details[pair] = str(entry.get("detail", ""))


def _well_formed(line: bytes) -> dict[str, Any] | None:
    """Return a ledger line as a dict, None if it is not one the ledger writes."""
    try:
        entry: dict[str, Any] = json.loads(line)
        if "ledger" in entry:
            fingerprint = entry["key_fingerprint"]
            return entry if fingerprint is None or isinstance(fingerprint, str) else None
        status = entry.get("status", SENT)
        if _entry_key(entry) is None:
            return None
        if status == COMPLETE:
            return entry
        ok = status in {*_OUTCOMES, TEST} and isinstance(entry["recipient"], str)
        return entry if ok else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _parse_ledger(data: bytes, path: Path, key: str) -> tuple[LedgerState, int]:
    """Return what the ledger says and how many bytes hold whole lines.

    A last line cut short (a crash while writing it) is not a line; any other damage is an
    error, since guessing could mail someone twice or not at all.
    """
    state = LedgerState()
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        entry = _well_formed(line) if line.strip() else None
        if entry is not None:
            state.add(entry, key)
        elif line.strip() and number < len(lines):
            where = Location(str(path), number)
            hint = "fix or delete the line; every other line is still honoured"
            raise SendError("the sent-ledger has a damaged line", hint, where)
    torn = bool(lines[-1].strip()) and _well_formed(lines[-1]) is None
    _check_key(state, path, key)
    return state, len(data) - len(lines[-1]) if torn else len(data)


def _check_key(state: LedgerState, path: Path, key: str) -> None:
    """Refuse to use a ledger with a key other than the one that wrote it, or with none.

    A ledger from before version 2 names no key: one of addresses was written without, one
    of hashes with a key, which is taken to be the key given now (it is checked from then on).
    """
    mine = key_fingerprint(key)
    if len(state.fingerprints) > 1:
        raise SendError(f"{path}: the sent-ledger names two keys", "keep the lines of one")
    if state.fingerprints:
        theirs = next(iter(state.fingerprints))
    elif state.hashed:
        theirs = mine or "not recorded"
    elif state.plain:
        theirs = None
    else:
        return  # a new ledger: it takes the key given now
    if theirs == mine:
        return
    if theirs is None:
        hint = f"unset {LEDGER_KEY_ENV} to go on with it"
        raise SendError(f"{path}: the sent-ledger was written without a key", hint)
    what = f"with another {LEDGER_KEY_ENV} (fingerprint {theirs})"
    if mine is None:
        what = f"with {LEDGER_KEY_ENV} (fingerprint {theirs}), which is not set now"
    hint = "set the key it was written with; without it every reader would be mailed again"
    raise SendError(f"{path}: the sent-ledger was written {what}", hint)


def read_ledger(path: Path, key: str = "") -> LedgerState:
    """Return what the ledger says, without locking it: for dry runs and `--pending`."""
    return _parse_ledger(path.read_bytes(), path, key)[0] if path.exists() else LedgerState()


@dataclass
class Ledger:
    """The sent-ledger, opened for appending under an exclusive lock."""

    path: Path
    handle: IO[bytes]
    state: LedgerState
    needs_newline: bool = False
    key: str = ""
    clock: Clock = utc_now

    def record(
        self,
        issue: Issue | Mailing,
        recipient: str,
        message_id: str,
        status: str,
        detail: str = "",
    ) -> None:
        """Append what became of one message, on disk before anything else is done."""
        mailing = mailing_of(issue)
        name = ledger_recipient(recipient, self.key) if self.key else recipient
        entry = {mailing.kind: mailing.name, "recipient": name, "message_id": message_id}
        entry.update(status=status, at=self.clock().isoformat(timespec="seconds"))
        if detail:
            entry["detail"] = detail
        self._append(entry)

    def mark_complete(self, issue: Issue | Mailing) -> None:
        """Write down that everyone on the list has the issue (or week), or refused it."""
        mailing = mailing_of(issue)
        if mailing.key not in self.state.complete:
            self._append({mailing.kind: mailing.name, "status": COMPLETE})

    def declare_key(self) -> None:
        """Write down which key the ledger is written with, if it does not say yet."""
        if not self.state.fingerprints:
            self._append({"ledger": VERSION, "key_fingerprint": key_fingerprint(self.key)})

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.handle.write((("\n" if self.needs_newline else "") + line).encode("utf-8"))
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.needs_newline = False
        self.state.add(entry, self.key)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def open_ledger(path: Path, key: str = "", clock: Clock = utc_now) -> Iterator[Ledger]:
    """Open the ledger for appending; a second sender at the same time is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a+b") as handle:
        if new:  # make the new file's name durable too, not only what is written to it
            _fsync_folder(path.parent)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendError(f"{path}: another send is running", "wait for it to end") from None
        handle.seek(0)
        data = handle.read()
        state, whole = _parse_ledger(data, path, key)
        if whole < len(data):  # drop the torn line so that appending leaves no damage behind
            handle.truncate(whole)
        needs_newline = whole > 0 and not data[:whole].endswith(b"\n")
        ledger = Ledger(path, handle, state, needs_newline, key, clock)
        ledger.declare_key()
        yield ledger
