"""What `email send` promises, case by case, against a real SMTP server (aiosmtpd, 127.0.0.1).

Each test drives the command as the command line does (`email_send_command` with the real SMTP
outlet) and looks at what the server received: who got what, how often, with which headers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from generator.cli.commands import email_send_command
from generator.config import Settings
from generator.errors import PaperDigestError
from generator.mail.smtp import smtp_outlet
from tests.conftest import SMALL_DIGESTS, MakeProject, smtp_server, smtp_settings
from tests.stand_in import StandInEmbedder

KEY = "PAPER_DIGEST_LEDGER_KEY"
FIRST, SECOND, THIRD = "01-first", "02-second", "03-third"


@dataclass
class Server:
    """An SMTP handler that keeps what it receives, refuses and hangs up as told."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse_always: dict[str, str] = field(default_factory=dict)  # address -> reply
    refuse_once: dict[str, str] = field(default_factory=dict)  # address -> reply, once
    refuse_data: dict[str, str] = field(default_factory=dict)  # address -> reply to DATA, once
    hang_up_after_data: set[str] = field(default_factory=set)  # keep it, then hang up, once
    ledger: Path | None = None
    ledger_at_data: list[str] = field(default_factory=list)  # its last line as DATA ends

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_always:
            return self.refuse_always[address]
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if envelope.rcpt_tos[0] in self.refuse_data:
            return self.refuse_data.pop(envelope.rcpt_tos[0])
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        if self.ledger is not None and self.ledger.exists():
            self.ledger_at_data.append(self.ledger.read_text("utf-8").splitlines()[-1])
        if envelope.rcpt_tos[0] in self.hang_up_after_data:
            self.hang_up_after_data.discard(envelope.rcpt_tos[0])
            server.transport.abort()  # the message is kept, the client never hears "250"
        return "250 Message accepted for delivery"

    def received(self, address: str) -> list[EmailMessage]:
        found = []
        for rcpt, content in self.messages:
            if rcpt == [address]:
                msg = message_from_bytes(content, policy=policy.default)
                assert isinstance(msg, EmailMessage)
                found.append(msg)
        return found

    def issues_of(self, address: str) -> list[str]:
        """The issues an address received, by the slug that starts their Message-ID."""
        return [str(msg["Message-ID"])[1:].split(".")[0] for msg in self.received(address)]


@pytest.fixture
def server() -> Iterator[tuple[Server, int]]:
    handler = Server()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture
def project(make_project: MakeProject, server: tuple[Server, int]) -> Settings:
    return smtp_settings(make_project(), server[1])


def people(count: int) -> list[str]:
    return [f"reader{n:02}@example.com" for n in range(1, count + 1)]


def recipient_file(settings: Settings, lines: list[str] | str) -> Path:
    path = settings.config_file.parent / "recipients.txt"
    text = lines if isinstance(lines, str) else "".join(line + "\n" for line in lines)
    path.write_bytes(text.encode("utf-8"))
    return path


def run(
    settings: Settings,
    issue: int | None = None,
    recipients: Path | None = None,
    to: str | None = None,
    key: str = "",
    dry_run: bool = False,
) -> tuple[int, list[str]]:
    """Run `email send`; return its exit status (2 for a refusal to start, as `cli.main`)."""
    said: list[str] = []
    outlet = smtp_outlet(settings, {KEY: key} if key else {})
    try:
        status = email_send_command(
            settings, issue, recipients, to, dry_run, said.append, outlet, StandInEmbedder()
        )
    except PaperDigestError as error:
        return 2, [*said, f"error: {error}"]
    return status, said


def ledger_lines(settings: Settings) -> list[dict[str, Any]]:
    lines = settings.ledger_path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


# The window between the server's acceptance and the ledger.


def test_the_attempt_is_on_disk_before_the_server_has_the_message(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    box.ledger = project.ledger_path
    readers = people(3)
    assert run(project, 2, recipient_file(project, readers))[0] == 0
    seen = [json.loads(line) for line in box.ledger_at_data]
    assert [(e["recipient"], e["status"]) for e in seen] == [(r, "attempt") for r in readers]
    entries = ledger_lines(project)
    assert entries[-1] == {"issue": SECOND, "status": "complete"}
    outcomes = [(e["recipient"], e["status"]) for e in entries if "recipient" in e]
    assert outcomes == [(r, status) for r in readers for status in ("attempt", "sent")]


def test_a_message_whose_answer_was_lost_is_sent_again_and_named(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(5)
    box.hang_up_after_data.add(readers[2])
    listing = recipient_file(project, readers)
    status, said = run(project, 2, listing)
    assert status == 1
    assert any(line.startswith(f"uncertain: {readers[2]} (") for line in said)
    status, said = run(project, 2, listing)
    assert status == 0
    assert f"sent again: {readers[2]} (" in "\n".join(said)
    assert "1 sent again" in said[-1]
    # At least once: whom the run could not be sure of gets it again, with the same Message-ID.
    copies = box.received(readers[2])
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert [len(box.received(r)) for r in readers] == [1, 1, 2, 1, 1]
    assert run(project, 2, listing)[0] == 0
    assert len(box.messages) == 6


# Permanent refusals.


def test_a_permanent_refusal_is_recorded_and_later_issues_still_go_out(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(40)
    gone = readers[17]
    box.refuse_always[gone] = "550 5.1.1 No such user"
    listing = recipient_file(project, readers)
    status, said = run(project, 1, listing)
    assert status == 3  # done, but an address is refused for good: named, with its reply
    assert f"refused: {gone} (550 5.1.1 No such user)" in said
    assert ": 39 sent, 1 refused." in said[-2]
    status, said = run(project, None, listing)
    assert status == 3
    summaries = [line for line in said if line.startswith("Issue ")]
    assert [s.split(" ")[1] for s in summaries] == ["1", "2", "3"]
    assert ": 39 already sent, 1 refused before." in summaries[0]
    assert ": 39 sent, 1 refused." in summaries[1] and ": 39 sent, 1 refused." in summaries[2]
    for reader in readers:
        assert box.issues_of(reader) == ([] if reader == gone else [FIRST, SECOND, THIRD])
    status, said = run(project, None, listing)  # nothing new: nothing refused anew
    assert status == 0 and ": 39 already sent, 1 refused before." in said[-1]


def test_five_refusals_in_a_row_with_none_accepted_stop_the_run(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(8)
    for reader in readers:
        box.refuse_always[reader] = "554 5.7.1 Relay access denied"
    status, said = run(project, 2, recipient_file(project, readers))
    assert status == 1
    assert "refused 5 recipients in a row and accepted none" in said[-1]
    assert sum(line.startswith("refused: ") for line in said) == 5
    assert sum(line.startswith("not sent: ") for line in said) == 3


def test_a_transient_refusal_stops_the_run_and_a_rerun_resumes(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(6)
    box.refuse_once[readers[3]] = "451 4.3.0 Try again later"
    listing = recipient_file(project, readers)
    status, said = run(project, 2, listing)
    assert status == 1 and "451 4.3.0 Try again later" in said[-1]
    assert run(project, 2, listing)[0] == 0
    assert [len(box.received(r)) for r in readers] == [1] * 6


def test_a_message_refused_at_data_stops_the_run_and_is_tried_again(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(4)
    box.refuse_data[readers[1]] = "554 5.6.0 Message rejected"  # the message, not the address
    listing = recipient_file(project, readers)
    status, said = run(project, 2, listing)
    assert status == 1 and "554 5.6.0 Message rejected" in said[-1]
    assert said[:3] == [
        f"No sent-ledger at {project.ledger_path}: starting a new one.",
        f"sent: {readers[0]}",
        f"not sent: {readers[1]} (554 5.6.0 Message rejected)",
    ]
    assert ledger_lines(project)[-1]["status"] == "deferred"
    status, said = run(project, 2, listing)
    assert status == 0 and f"sent: {readers[1]}" in said  # not "sent again": it was refused
    assert [len(box.received(r)) for r in readers] == [1] * 4


# Test copies and --pending.


def test_a_test_copy_does_not_make_pending_forget_a_half_sent_issue(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(40)
    box.refuse_once[readers[20]] = "451 4.3.0 Try again later"
    listing = recipient_file(project, readers)
    assert run(project, 1, listing)[0] == 1  # issue 1 reaches 20 of 40, then stops
    assert run(project, 2, None, "editor@example.org")[0] == 0  # a test copy of issue 2
    entries = ledger_lines(project)
    assert entries[-1]["status"] == "test" and entries[-1]["issue"] == SECOND
    status, said = run(project, None, listing)
    assert status == 0
    summaries = [line for line in said if line.startswith("Issue ")]
    assert ": 20 sent, 20 already sent." in summaries[0] and summaries[0].startswith("Issue 1 ")
    assert ": 40 sent." in summaries[1] and summaries[1].startswith("Issue 2 ")
    for reader in readers:
        assert box.issues_of(reader) == [FIRST, SECOND, THIRD]
    assert box.issues_of("editor@example.org") == [SECOND]


def test_mailing_a_later_issue_by_number_does_not_make_pending_forget_one(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    readers = people(10)
    box.refuse_once[readers[5]] = "451 4.3.0 Try again later"
    listing = recipient_file(project, readers)
    assert run(project, 1, listing)[0] == 1
    assert run(project, 3, listing)[0] == 0
    status, said = run(project, None, listing)
    assert status == 0
    summaries = [line.split(":")[0] for line in said if line.startswith("Issue ")]
    assert [s.split(" ")[1] for s in summaries] == ["1", "3"]
    assert all(sorted(box.issues_of(r)) == [FIRST, THIRD] for r in readers)


# The ledger's key.


def test_a_keyed_ledger_is_refused_without_its_key_or_with_another(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    listing = recipient_file(project, people(3))
    assert run(project, 2, listing, key="the key kept in CI")[0] == 0
    for key, dry_run in (("", False), ("", True), ("another key", False)):
        status, said = run(project, 2, listing, key=key, dry_run=dry_run)
        assert status == 2, said
        assert said[-1].startswith(f"error: {project.ledger_path}: the sent-ledger was written")
        assert KEY in said[-1] and "set the key it was written with" in said[-1]
    assert run(project, 2, listing, key="the key kept in CI")[0] == 0
    assert len(box.messages) == 3


def test_a_ledger_of_addresses_is_refused_with_a_key(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    listing = recipient_file(project, people(2))
    assert run(project, 2, listing)[0] == 0
    status, said = run(project, 2, listing, key="a new key")
    assert status == 2 and f"unset {KEY}" in said[-1]
    assert len(box.messages) == 2


# Recipient lines.


def test_only_a_line_feed_ends_a_recipient_line_and_bad_lines_are_named(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    listing = recipient_file(
        project,
        "one@example.com\r\n"
        "vt@example.com\x0bsplit@example.com\n"
        "nel@example.com\x85split@example.com\n"
        "ls@example.com\u2028split@example.com\n"
        "ff@example.com\x0c\n"
        "esc@example.com # a comment with \x1b[2J\n"
        "two@example.com\n",
    )
    status, said = run(project, 2, listing)
    assert status == 3
    for number, code in ((2, "U+000B"), (3, "U+0085"), (4, "U+2028"), (5, "U+000C")):
        assert any(line.startswith(f"{listing}:{number}: error: {code}") for line in said)
    assert any(line.startswith(f"{listing}:6: error: U+001B") for line in said)
    assert sorted(rcpt[0] for rcpt, _ in box.messages) == ["one@example.com", "two@example.com"]
    assert "Not mailable: 0 refused, 5 bad lines (named above)." in said


def test_a_non_ascii_domain_is_mailed_in_its_idna_form(
    project: Settings, server: tuple[Server, int]
) -> None:
    box, _ = server
    listing = recipient_file(
        project, ["grüße@example.org", "anna@exämple.org", "bob@straße.de", "carl@example.com"]
    )
    status, said = run(project, 2, listing)
    assert status == 3
    assert any(f"{listing}:1: error: not an ASCII address" in line for line in said)
    assert any("SMTPUTF8" in line for line in said)
    assert any(f"{listing}:3: error: the domain has no clear IDNA form" in line for line in said)
    [msg] = box.received("anna@xn--exmple-cua.org")
    assert msg["To"] == "anna@xn--exmple-cua.org"
    assert len(box.received("carl@example.com")) == 1 and len(box.messages) == 2
    status, said = run(project, 3, None, "anna@EXÄMPLE.org")
    assert status == 0 and said[-2] == "sent: anna@xn--exmple-cua.org"


# Control characters from the digests.


CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)))


def test_control_characters_from_digests_never_reach_the_mail(
    make_project: MakeProject, server: tuple[Server, int]
) -> None:
    box, port = server
    digests = {
        "01-first.txt": "A \x1b[31mred\x1b[0m title\x07 of a paper\n"
        "We study escapes\x1b[2J, C1\x9b controls\x85 and DEL\x7f in abstracts; "
        "every one\x01 of them\x0b must go before a reader sees the text.\n",
        "01-first.yml": 'title: "Issue \\e[1mbold\\a \\x9b\\x1b]0;owned\\x07"\n'
        'intro: "Intro \\x07 bell \\x1b[5m"\n',
    }
    settings = smtp_settings(make_project(digests, source=None), port)
    assert run(settings, 1, None, "reader@example.com")[0] == 0
    [(_, raw)] = box.messages
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    parts = [part.get_content().replace("\r\n", "\n") for part in msg.iter_parts()]
    headers = "".join(f"{name}: {value}\n" for name, value in msg.items())
    for text in (*parts, headers):
        assert not set(text) & set(CONTROLS), repr(text[:200])
    assert all("[31mred[0m title of a paper" in part for part in parts)
    assert "Issue [1mbold ]0;owned" in str(msg["Subject"])


def test_the_small_digests_are_the_three_issues_these_tests_expect() -> None:
    names = sorted(p.stem for p in SMALL_DIGESTS.iterdir() if p.suffix in {".txt", ".md"})
    assert names == [FIRST, SECOND, THIRD]
