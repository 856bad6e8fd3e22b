"""The weekly digest: one email per weekly reader for an ISO week, with the ledger's promise.

`paper-digest email send --week 2025-W11` runs in a subprocess against aiosmtpd on 127.0.0.1;
the server kills it at the k-th message (before answering it, or just after), and the same
command resumes. Nobody who takes the weekly digest is missed; whoever gets it twice was named
"sent again" and got the same Message-ID; readers of every issue get no weekly digest; a third
run sends nothing. The ledger records (week, reader) as it records (issue, reader).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from generator.build import read_annotated_catalog
from generator.cli.commands import email_send_command
from generator.config import Settings, load_settings
from generator.errors import ConfigError
from generator.mail.editions import parse_week, week_edition
from generator.mail.outbox import build_emails
from generator.mail.smtp import smtp_outlet
from tests.conftest import FIXTURES, REPO, MakeProject, smtp_server
from tests.test_mail_faults import CACHED, TIMEOUT, Killer
from tests.test_reader_topics import papers_in

THEMED = FIXTURES / "digests" / "themed"
WEEK = "2025-W11"  # the themed newsletter's first two issues (10 and 13 March 2025)
WEEKLY = tuple(f"weekly{n}@example.com" for n in range(1, 6))


@pytest.fixture
def killer() -> Iterator[tuple[Killer, int]]:
    handler = Killer()
    with smtp_server(handler) as port:
        yield handler, port


def weekly_project(make_project: MakeProject, port: int) -> Settings:
    """The themed newsletter mailing 127.0.0.1:port, its keyphrases cached for the subprocess."""
    settings = make_project(source=THEMED)
    config = settings.config_file
    text = config.read_text("utf-8")
    for old, new in (
        ("smtp_host: smtp.example.org", "smtp_host: 127.0.0.1"),
        ("smtp_port: 587", f"smtp_port: {port}"),
        ("smtp_security: starttls", "smtp_security: none"),
    ):
        text = text.replace(old, new)
    config.write_text(text, "utf-8")
    settings = load_settings(config)
    read_annotated_catalog(settings, embedder=CACHED)
    return settings


def readers_file(settings: Settings) -> Path:
    catalog, _ = read_annotated_catalog(settings, embedder=CACHED)
    area = catalog.areas[0].slug
    lines = [f"{WEEKLY[0]} every=week", f"{WEEKLY[1]} every=week areas={area}"]
    lines += [f"{address} every=week" for address in WEEKLY[2:]]
    lines += ["daily@example.com", f"daily2@example.com areas={area}"]
    path = settings.config_file.parent / "readers.txt"
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def resume(settings: Settings, readers: Path) -> list[str]:
    said: list[str] = []
    outlet = smtp_outlet(settings, {})
    status = email_send_command(
        settings, None, readers, None, False, said.append, outlet, CACHED, week=WEEK
    )
    assert status == 0, said
    return said


def test_weeks_are_iso_weeks_and_hold_their_issues(make_project: MakeProject) -> None:
    settings = make_project(source=THEMED)
    catalog, _ = read_annotated_catalog(settings, embedder=CACHED)
    edition = week_edition(catalog, WEEK, settings)
    assert [issue.number for issue in edition.issues] == [1, 2]
    ids = [pid for issue in edition.issues for pid in issue.paper_ids]
    assert [paper.id for paper in edition.papers] == list(dict.fromkeys(ids))
    assert edition.title == "The week of March 10, 2025"
    assert week_edition(catalog, "2025-W12", settings).issues[0].number == 3
    with pytest.raises(ConfigError, match="no issue falls in 2025-W13") as caught:
        week_edition(catalog, "2025-W13", settings)
    assert "weeks with issues: 2025-W11, 2025-W12" in caught.value.hint
    for bad in ("2025-11", "2025-W54", "2025W11", "25-W11"):
        with pytest.raises(ConfigError, match="not an ISO week"):
            parse_week(bad)
    build = build_emails(catalog, settings, week=WEEK)
    assert sorted(build.files) == [f"week-2025-w11.{ext}" for ext in ("eml", "html", "txt")]
    msg = message_from_bytes(build.files["week-2025-w11.eml"], policy=policy.default)
    assert msg["Message-ID"] == "<week-2025-w11@paper-digest.example.org>"
    html = build.files["week-2025-w11.html"].decode()
    assert len(papers_in(html)) == len(edition.papers)
    for issue in edition.issues:
        assert f"/issues/{issue.slug}/" in html


def test_the_weekly_digest_survives_kills_without_misses(
    make_project: MakeProject, killer: tuple[Killer, int]
) -> None:
    box, port = killer
    settings = weekly_project(make_project, port)
    readers = readers_file(settings)
    chance = random.Random(2025)
    killed = 0
    for run in range(4):
        settings.ledger_path.unlink(missing_ok=True)
        box.messages.clear()
        box.kill_at = chance.randint(1, len(WEEKLY))
        box.delay = None if run % 2 == 0 else chance.uniform(0, 0.004)
        first = weekly_sender(settings, readers)
        box.pid = first.pid
        output, _ = first.communicate(timeout=TIMEOUT)
        box.pid = 0
        assert first.returncode in {0, -signal.SIGKILL}, output
        killed += first.returncode == -signal.SIGKILL
        said = resume(settings, readers)
        again = {line.split()[2] for line in said if line.startswith("sent again:")}
        copies = Counter(recipient for recipient, _ in box.messages)
        assert all(copies[reader] >= 1 for reader in WEEKLY), (run, copies)
        assert not copies["daily@example.com"] and not copies["daily2@example.com"]
        for reader in WEEKLY:
            if copies[reader] > 1:
                assert reader in again, (run, reader, said)
                assert len({mid for r, mid in box.messages if r == reader}) == 1
        assert all(mid.startswith("<week-2025-w11.") for _, mid in box.messages)
        before = len(box.messages)
        assert "5 already sent" in resume(settings, readers)[-1]
        assert len(box.messages) == before  # a third run sends nothing
    assert killed >= 2  # every run killed before the server answered was killed
    lines = [json.loads(line) for line in settings.ledger_path.read_text().splitlines()]
    assert lines[-1] == {"week": WEEK, "status": "complete"}
    assert {line.get("week") for line in lines[1:]} == {WEEK}
    assert not [line for line in lines if "issue" in line]


def weekly_sender(settings: Settings, readers: Path) -> subprocess.Popen[str]:
    """Start `paper-digest email send --week` in a subprocess, as CI would run it."""
    command = [sys.executable, "-m", "generator.cli", "-f", str(settings.config_file)]
    command += ["email", "send", "--week", WEEK, "--recipients", str(readers)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    env.pop("PAPER_DIGEST_LEDGER_KEY", None)
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
