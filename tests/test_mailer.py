"""Sending over real SMTP (aiosmtpd on 127.0.0.1): one copy per recipient, never twice."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from generator.build import read_catalog
from generator.cli.commands import email_send_command
from generator.config import Settings
from generator.errors import ConfigError, SendError
from generator.mail.addresses import check_address
from generator.mail.compose import strip_controls
from generator.mail.ledger import (
    LedgerState,
    key_fingerprint,
    ledger_recipient,
    open_ledger,
    read_ledger,
)
from generator.mail.readers import read_readers
from generator.mail.send import (
    ALREADY_SENT,
    NOT_SENT,
    REFUSED,
    SENT,
    WOULD_SEND,
    Delivery,
    pending_issues,
    send_issue,
)
from generator.mail.smtp import Outlet, smtp_outlet
from tests.conftest import SENDER, MakeProject, free_port, smtp_server, smtp_settings
from tests.stand_in import StandInEmbedder

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "email"
PEOPLE = tuple(f"reader{n}@example.com" for n in range(1, 6))
NO_SECRETS: dict[str, str] = {}


@dataclass
class Mailbox:
    """An SMTP handler that keeps what it receives and refuses what it is told to."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    # recipient -> the replies to give for it, one per attempt; once used up it is accepted.
    refuse: dict[str, list[str]] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        replies = self.refuse.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def received_by(self, address: str) -> list[EmailMessage]:
        found = []
        for _, rcpt, content in self.messages:
            if rcpt == [address]:
                msg = message_from_bytes(content, policy=policy.default)
                assert isinstance(msg, EmailMessage)
                found.append(msg)
        return found


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """Run a plain SMTP server on 127.0.0.1; yield its mailbox and port."""
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture
def setup(make_project: MakeProject, mailbox: tuple[Mailbox, int]) -> tuple[Settings, Mailbox]:
    box, port = mailbox
    return smtp_settings(make_project(), port), box


def outlet(settings: Settings, environ: dict[str, str] = NO_SECRETS) -> Outlet:
    """Return the real SMTP outlet, its secrets from `environ` rather than the process's."""
    return smtp_outlet(settings, environ)


def command(
    settings: Settings,
    issue: int | None,
    recipients: Path | None,
    to: str | None,
    dry_run: bool,
    said: list[str],
) -> int:
    """Run `email send` as the command line does, saying into `said`."""
    return email_send_command(
        settings, issue, recipients, to, dry_run, said.append, outlet(settings), StandInEmbedder()
    )


def send(
    settings: Settings,
    recipients: tuple[str, ...],
    environ: dict[str, str] = NO_SECRETS,
    **options: Any,
) -> Any:
    catalog, _ = read_catalog(settings)
    return send_issue(catalog, settings, 2, recipients, outlet(settings, environ), **options)


def test_send_delivers_one_message_per_recipient(setup: tuple[Settings, Mailbox]) -> None:
    settings, box = setup
    people = (*PEOPLE[:2], "Alan+Digest@example.net")
    report = send(settings, people)
    assert [d.status for d in report.deliveries] == [SENT] * 3 and report.finished
    assert len(box.messages) == 3
    ids = set()
    for person in people:
        [msg] = box.received_by(person)
        assert msg.defects == [] and all(part.defects == [] for part in msg.walk())
        assert msg["To"] == person
        assert msg["From"] == SENDER
        assert msg["Subject"] == "Paper Digest: Issue 2"
        assert msg["Message-ID"].startswith("<02-second.2.")
        assert msg["Message-ID"].endswith("@paper-digest.example.org>")
        quoted = person.replace("+", "%2B")  # URL-quoted into the unsubscribe link
        # Folded onto its own line (the URL does not fit after the name): strip the fold's space.
        unsubscribe = f"<https://paper-digest.example.org/unsubscribe?u={quoted}>"
        assert msg["List-Unsubscribe"].strip() == unsubscribe
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        html = msg.get_body(("html",))
        assert html is not None and f"unsubscribe?u={quoted}" in html.get_content()
        ids.add(msg["Message-ID"])
    assert len(ids) == 3
    lines = settings.ledger_path.read_text().splitlines()
    head, *entries, end = [json.loads(line) for line in lines]
    assert head == {"ledger": 2, "key_fingerprint": None}
    assert end == {"issue": "02-second", "status": "complete"}
    # Each message: an attempt written before it goes out, its outcome after.
    assert [(e["issue"], e["recipient"], e["status"]) for e in entries] == [
        ("02-second", p, status) for p in people for status in ("attempt", "sent")
    ]
    assert {e["message_id"] for e in entries} == ids
    assert all(dt.datetime.fromisoformat(e["at"]).tzinfo for e in entries)


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "421 4.3.2 Closing connection"])
def test_transient_refusal_stops_and_a_rerun_sends_each_recipient_once(
    setup: tuple[Settings, Mailbox], reply: str
) -> None:
    settings, box = setup
    box.refuse[PEOPLE[2]] = [reply]
    first = send(settings, PEOPLE)
    assert [d.status for d in first.deliveries] == [SENT, SENT, NOT_SENT, NOT_SENT, NOT_SENT]
    assert reply[:3] in first.error and not first.finished
    second = send(settings, PEOPLE)
    assert [d.status for d in second.deliveries] == [ALREADY_SENT] * 2 + [SENT] * 3
    assert second.finished
    assert [len(box.received_by(person)) for person in PEOPLE] == [1] * 5
    third = send(settings, PEOPLE)
    assert [d.status for d in third.deliveries] == [ALREADY_SENT] * 5
    assert len(box.messages) == 5


def test_crash_after_k_messages_then_rerun_sends_only_the_rest(
    setup: tuple[Settings, Mailbox],
) -> None:
    settings, box = setup

    def crash_after_two(delivery: Delivery) -> None:
        if delivery.recipient == PEOPLE[1]:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send(settings, PEOPLE, progress=crash_after_two)
    assert len(box.messages) == 2
    assert len(read_ledger(settings.ledger_path).sent) == 2
    report = send(settings, PEOPLE)
    assert report.count(SENT) == 3 and report.count(ALREADY_SENT) == 2
    assert [len(box.received_by(person)) for person in PEOPLE] == [1] * 5


def test_permanent_refusal_skips_that_address_and_goes_on(
    setup: tuple[Settings, Mailbox],
) -> None:
    settings, box = setup
    box.refuse[PEOPLE[1]] = ["550 5.1.1 No such user"]
    report = send(settings, PEOPLE[:3])
    assert [d.status for d in report.deliveries] == [SENT, REFUSED, SENT]
    assert "550" in report.deliveries[1].detail and report.finished and not report.error
    state = read_ledger(settings.ledger_path)
    assert state.sent == {("02-second", PEOPLE[0]), ("02-second", PEOPLE[2])}
    assert state.outcomes[("02-second", PEOPLE[1])] == "refused"
    assert state.details[("02-second", PEOPLE[1])] == "550 5.1.1 No such user"
    again = send(settings, PEOPLE[:3])  # a refusal is not retried
    assert [d.status for d in again.deliveries] == [ALREADY_SENT, "refused before", ALREADY_SENT]
    assert len(box.messages) == 2


def test_dry_run_sends_nothing_and_says_who_would_get_what(
    setup: tuple[Settings, Mailbox],
) -> None:
    settings, box = setup
    send(settings, PEOPLE[:1])
    report = send(settings, PEOPLE[:3], dry_run=True)
    assert [d.status for d in report.deliveries] == [ALREADY_SENT, WOULD_SEND, WOULD_SEND]
    assert all(d.message_id.startswith("<02-second.2.") for d in report.deliveries)
    assert len(box.messages) == 1


def test_send_command_prints_each_delivery_and_a_summary(setup: tuple[Settings, Mailbox]) -> None:
    settings, box = setup
    said: list[str] = []
    assert command(settings, 2, None, PEOPLE[0], False, said) == 0
    assert said[1] == f"sent: {PEOPLE[0]}"
    assert said[-1].startswith("Issue 2 “Paper Digest: Issue 2” (test copy): 1 sent. Ledger: ")
    assert command(settings, 2, None, PEOPLE[0], True, said) == 0  # a test copy goes every time
    assert said[-1].startswith("Issue 2 “Paper Digest: Issue 2” (test copy) (dry run): 1 would")
    said.clear()
    recipients = FIXTURES / "recipients.txt"
    assert command(settings, 2, recipients, None, True, said) == 0
    assert said[:3] == [f"would send: {a}" for a in read_readers(recipients).addresses]
    assert said[3].endswith("(dry run): 3 would send. Ledger: " + str(settings.ledger_path))
    said.clear()
    box.refuse["Grace.Hopper@example.org"] = ["550 5.1.1 No such user"]
    assert command(settings, 2, recipients, None, False, said) == 3  # done, but someone refused
    assert said == [
        "sent: ada@example.com",
        "refused: Grace.Hopper@example.org (550 5.1.1 No such user)",
        "sent: alan+digest@example.net",
        f"Issue 2 “Paper Digest: Issue 2”: 2 sent, 1 refused. Ledger: {settings.ledger_path}",
        "Not mailable: 1 refused, 0 bad lines (named above).",
    ]
    said.clear()
    assert command(settings, 2, recipients, None, False, said) == 0  # nothing new refused
    assert said[0] == "refused before: Grace.Hopper@example.org (550 5.1.1 No such user)"
    assert said[1].endswith(
        ": 2 already sent, 1 refused before. Ledger: " + str(settings.ledger_path)
    )
    with pytest.raises(ConfigError, match="either --recipients"):
        command(settings, 2, FIXTURES / "recipients.txt", PEOPLE[0], True, said)
    with pytest.raises(ConfigError, match="not an email address"):
        command(settings, 2, None, "someone", True, said)
    assert len(box.messages) == 3


def test_recipient_list_skips_comments_blanks_and_duplicates(tmp_path: Path) -> None:
    listing = read_readers(FIXTURES / "recipients.txt")
    assert listing.addresses == (
        "ada@example.com",
        "Grace.Hopper@example.org",
        "alan+digest@example.net",
    )
    assert listing.problems == ()
    bad = tmp_path / "bad.txt"
    bad.write_text("ok@example.com\n\nnot an address\n", encoding="utf-8")
    listing = read_readers(bad)
    assert listing.addresses == ("ok@example.com",)
    [problem] = listing.problems
    assert str(problem.location) == f"{bad}:3" and "not an address" in problem.message
    bad.write_text("# nobody\nnot an address\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{bad}: no usable recipients: {bad}:2: error"):
        read_readers(bad)


def test_missing_password_variable_is_a_config_error_naming_it(
    make_project: MakeProject,
) -> None:
    settings = smtp_settings(make_project(), 2525, security="starttls")
    catalog, _ = read_catalog(settings)
    environ = {"PAPER_DIGEST_SMTP_USER": "editor"}
    with pytest.raises(ConfigError, match="PAPER_DIGEST_SMTP_PASSWORD"):
        send_issue(catalog, settings, 2, PEOPLE[:1], outlet(settings, environ))
    unsigned = replace(settings, email=replace(settings.email, sender=""))
    with pytest.raises(ConfigError, match=r"email\.sender"):
        send_issue(catalog, unsigned, 2, (), outlet(unsigned))


def test_ledger_survives_a_torn_last_line_and_refuses_a_second_sender(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    good = {"issue": "a", "recipient": "X@example.com", "message_id": "<m>"}  # version 1
    path.write_text(json.dumps(good) + '\n{"issue": "a", "recip', encoding="utf-8")
    assert read_ledger(path).sent == {("a", "x@example.com")}
    with open_ledger(path) as ledger:
        with pytest.raises(SendError, match="another send"), open_ledger(path):
            pass
        from generator.model import Issue

        ledger.record(Issue("b", 2, "B", "b.txt"), "y@example.com", "<n>", "sent")
    assert read_ledger(path).sent == {("a", "x@example.com"), ("b", "y@example.com")}
    assert path.read_text(encoding="utf-8").count("\n") == 3  # the torn line is gone
    path.write_text('not json\n{"issue": "a", "recipient": "z@example.com"}\n', encoding="utf-8")
    with pytest.raises(SendError, match="damaged line") as caught:
        read_ledger(path)
    assert str(caught.value.location) == f"{path}:1"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and its key; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_with_credentials_from_the_environment(
    make_project: MakeProject, tmp_path: Path, security: str
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    tls: dict[str, Any] = (
        {"tls_context": server_context, "require_starttls": True}
        if security == "starttls"
        # aiosmtpd does not see that an implicit-TLS connection is encrypted: allow AUTH.
        else {"ssl_context": server_context, "auth_require_tls": False}
    )
    box = Mailbox()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        **tls,
    )
    controller.start()
    try:
        settings = smtp_settings(make_project(), controller.port, security=security)
        catalog, _ = read_catalog(settings)
        environ = {"PAPER_DIGEST_SMTP_USER": "editor", "PAPER_DIGEST_SMTP_PASSWORD": "s3cret"}
        client = ssl.create_default_context(cafile=str(cert))
        report = send_issue(
            catalog, settings, 2, PEOPLE[:2], smtp_outlet(settings, environ, ssl_context=client)
        )
        assert report.count(SENT) == 2
        wrong = {**environ, "PAPER_DIGEST_SMTP_PASSWORD": "wrong"}
        with pytest.raises(SendError, match="refused the login"):
            send_issue(
                catalog, settings, 2, PEOPLE[2:3], smtp_outlet(settings, wrong, ssl_context=client)
            )
        with pytest.raises(SendError, match="cannot send through"):  # an untrusted certificate
            send_issue(catalog, settings, 2, PEOPLE[2:3], smtp_outlet(settings, environ))
    finally:
        controller.stop()
    assert logins[0] == (b"editor", b"s3cret")
    assert [len(box.received_by(person)) for person in PEOPLE] == [1, 1, 0, 0, 0]


def test_pending_sends_the_latest_issue_then_each_new_one_once(
    setup: tuple[Settings, Mailbox],
) -> None:
    settings, box = setup
    said: list[str] = []
    readers = settings.config_file.parent / "readers.txt"
    readers.write_text(f"{PEOPLE[0]}\n")
    # A newsletter that starts mailing sends its latest issue, not the whole archive.
    assert command(settings, None, readers, None, False, said) == 0
    assert [m[1] for m in box.messages] == [[PEOPLE[0]]]
    assert "Issue 3" in said[-1]
    # Nothing new: a re-run (a re-run of the workflow, say) sends nothing.
    assert command(settings, None, readers, None, False, said) == 0
    assert len(box.messages) == 1
    # A new digest arrives: only it goes out.
    (settings.digests_dir / "04-fourth.txt").write_text(
        "A Fourth Paper\n" + "We report a fourth result that matters to readers. " * 3 + "\n"
    )
    said.clear()
    assert command(settings, None, readers, None, False, said) == 0
    summaries = [line for line in said if line.startswith("Issue ")]
    assert summaries[0].startswith("Issue 3") and "1 already sent" in summaries[0]
    assert summaries[1].startswith("Issue 4") and ": 1 sent." in summaries[1]
    assert len(box.messages) == 2


def test_a_keyed_ledger_holds_no_addresses_and_still_sends_once(
    setup: tuple[Settings, Mailbox],
) -> None:
    settings, box = setup
    keyed = {"PAPER_DIGEST_LEDGER_KEY": "a secret kept in CI"}
    assert send(settings, PEOPLE[:2], keyed).finished
    text = settings.ledger_path.read_text()
    assert "example.com" not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert all(e["recipient"].startswith("hmac-sha256:") for e in entries if "recipient" in e)
    assert len(entries[0]["key_fingerprint"]) == 16  # which key, not the key
    report = send(settings, (PEOPLE[0].upper(), PEOPLE[2]), keyed)
    assert [d.status for d in report.deliveries] == [ALREADY_SENT, SENT]
    assert len(box.messages) == 3


# Control characters, addresses, the ledger's lines: the pieces, case by case.


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("plain text, tab\tand\nnewline", "plain text, tab\tand\nnewline"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),  # ESC goes; what it started is harmless text
        ("bell\x07", "bell"),
        ("nul\x00 and delete\x7f", "nul and delete"),
        ("c1 csi\x9b2J and \x80\x9f", "c1 csi2J and "),
        ("vt\x0bff\x0ccr\rfs\x1cnel\x85", "vt ff cr fs nel "),  # the ones that act as space
        ("über café – ok ∑", "über café – ok ∑"),
        ("", ""),
    ],
)
def test_strip_controls(text: str, clean: str) -> None:
    assert strip_controls(text) == clean


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Alan+Digest@Example.NET", "Alan+Digest@Example.NET"),
        ("anna@exämple.org", "anna@xn--exmple-cua.org"),
        ("anna@EXÄMPLE.org", "anna@xn--exmple-cua.org"),
        ("bob@xn--exmple-cua.org", "bob@xn--exmple-cua.org"),
    ],
)
def test_check_address_gives_the_ascii_form(text: str, address: str) -> None:
    assert check_address(text) == address


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("someone", "not an email address"),
        ("a@b@example.com", "not an email address"),
        ("a b@example.com", "not an email address"),
        ("a@exa\u00a0mple.com", "not an email address"),
        ("a@example.com\x0bb@example.com", "U+000B"),
        ("a@example.com\u2028", "U+2028 (LINE SEPARATOR)"),
        ("a@example.com\x85", "U+0085"),
        ("\x1b@example.com", "U+001B"),
        ("grüße@example.org", "not an ASCII address"),
        ("bob@straße.de", "no clear IDNA form"),
        ("bob@exa..mple.org", "not an email address"),
    ],
)
def test_check_address_refuses_clearly(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        check_address(text)


def test_recipient_list_lines_end_at_line_feeds_only(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(
        "\ufeffone@example.com\r\n"
        "two@example.com\t# a tab, then a comment\n"
        "a#b@example.com\n"
        "three@example.com\x0bfour@example.com\n"
        "five@example.com\u2029six@example.com\n"
        "# a comment \x07 with a bell\n"
        "seven@example.com".encode()
    )
    listing = read_readers(path)
    assert listing.addresses == (
        "one@example.com",
        "two@example.com",
        "a#b@example.com",
        "seven@example.com",
    )
    assert [str(p.location) for p in listing.problems] == [f"{path}:{n}" for n in (4, 5, 6)]
    assert "U+000B" in listing.problems[0].message and "left out" in listing.problems[0].message


def test_a_keyed_ledger_from_before_version_2_takes_the_key_given(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    name = ledger_recipient(PEOPLE[0], "k")
    path.write_text(json.dumps({"issue": "a", "recipient": name, "message_id": "<m>"}) + "\n")
    with pytest.raises(SendError, match="which is not set now"):
        read_ledger(path)
    assert read_ledger(path, "k").sent == {("a", name)}
    with open_ledger(path, "k"):
        pass
    assert json.loads(path.read_text().splitlines()[-1]) == {
        "ledger": 2,
        "key_fingerprint": key_fingerprint("k"),
    }
    with pytest.raises(SendError, match="with another PAPER_DIGEST_LEDGER_KEY"):
        read_ledger(path, "another")
    with path.open("a") as ledger:
        ledger.write(json.dumps({"ledger": 2, "key_fingerprint": None}) + "\n")
    with pytest.raises(SendError, match="names two keys"):
        read_ledger(path, "k")


def test_a_ledger_line_of_an_unknown_kind_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    lines = [
        {"ledger": 2, "key_fingerprint": None},
        {"issue": "a", "recipient": "x@example.com", "status": "lost"},
        {"issue": "a", "status": "complete"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(SendError, match="damaged line") as caught:
        read_ledger(path)
    assert str(caught.value.location) == f"{path}:2"


def test_pending_issues_from_the_ledger(make_project: MakeProject) -> None:
    catalog, _ = read_catalog(make_project())
    state = LedgerState()
    assert pending_issues(catalog, state) == (3,)  # nothing mailed: the latest alone
    state.outcomes[("01-first", "x")] = "sent"  # mailed (a version 1 line has no attempt)
    assert pending_issues(catalog, state) == (1, 2, 3)
    state.outcomes[("02-second", "x")] = "sent"
    assert pending_issues(catalog, state) == (2, 3)
    state.attempted.add("01-first")  # begun, never finished: pending again
    assert pending_issues(catalog, state) == (1, 2, 3)
    state.complete.add("01-first")
    assert pending_issues(catalog, state) == (2, 3)
