"""Fault runs: kill a real sender at random points, resume, and count duplicates and misses.

The sender is `paper-digest email send --pending` in a subprocess (python -m generator.cli),
mailing a real SMTP server (aiosmtpd on 127.0.0.1). The server's DATA handler sends SIGKILL
to the sender when it takes the k-th message: either before it answers (the server has the
message, the sender never hears "250": the worst moment), or a few milliseconds after (the
kill lands anywhere between two messages), in turn. Then the same command resumes (in this
process, which is quicker than another). Across the runs,
nobody may be missed, and whoever gets a message twice must have been named by the resume as
"sent again", with the same Message-ID both times.

PAPER_DIGEST_FAULT_RUNS (default 20) and PAPER_DIGEST_FAULT_SEED (default 2025) change the
runs; `pytest tests/test_mail_faults.py -s` prints the counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.build import read_annotated_catalog
from generator.cli.commands import email_send_command
from generator.config import Settings, load_settings
from generator.keyphrases import KeyphraseSettings
from generator.keyphrases.embedding import minilm_name
from generator.mail.smtp import smtp_outlet
from tests.conftest import REPO, MakeProject, smtp_server
from tests.stand_in import StandInEmbedder

RUNS = int(os.environ.get("PAPER_DIGEST_FAULT_RUNS", "20"))
SEED = int(os.environ.get("PAPER_DIGEST_FAULT_SEED", "2025"))
READERS = tuple(f"reader{n}@example.com" for n in range(1, 9))
TIMEOUT = 30
# The stand-in model under the real model's name: what it puts in the keyphrase cache is what
# the command in the subprocess looks for, so that command loads no model.
_PHRASES = KeyphraseSettings()
CACHED = StandInEmbedder(minilm_name(_PHRASES.doc_max_tokens, _PHRASES.bf16))


@dataclass
class Killer:
    """An SMTP handler that keeps each message and kills the sender at the k-th one."""

    messages: list[tuple[str, str]] = field(default_factory=list)  # (recipient, Message-ID)
    pid: int = 0
    kill_at: int = 0
    delay: float | None = None  # None: before answering; else seconds after answering

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mid = next(
            line.split(b":", 1)[1].strip().decode()
            for line in envelope.original_content.split(b"\r\n")
            if line.lower().startswith(b"message-id:")
        )
        self.messages.append((envelope.rcpt_tos[0], mid))
        if self.pid and len(self.messages) == self.kill_at:
            if self.delay is None:
                self._kill()
            else:
                asyncio.get_running_loop().call_later(self.delay, self._kill)
        return "250 Message accepted for delivery"

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # it had finished
            os.kill(self.pid, signal.SIGKILL)


@pytest.fixture
def killer() -> Iterator[tuple[Killer, int]]:
    handler = Killer()
    with smtp_server(handler) as port:
        yield handler, port


def sending_project(make_project: MakeProject, port: int) -> Settings:
    """A project whose mkdocs.yml mails 127.0.0.1:port, its keyphrases already cached."""
    settings = make_project()
    config = settings.config_file
    text = config.read_text("utf-8")
    for old, new in (
        ("smtp_host: smtp.example.org", "smtp_host: 127.0.0.1"),
        ("smtp_port: 587", f"smtp_port: {port}"),
        ("smtp_security: starttls", "smtp_security: none"),
    ):
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, "utf-8")
    settings = load_settings(config)
    read_annotated_catalog(settings, embedder=CACHED)
    return settings


def sender(settings: Settings, readers: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "generator.cli", "-f", str(settings.config_file)]
    command += ["email", "send", "--pending", "--recipients", str(readers)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    env.pop("PAPER_DIGEST_LEDGER_KEY", None)
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def resume(settings: Settings, readers: Path) -> list[str]:
    """Run the same command again, in this process; return what it said."""
    said: list[str] = []
    status = email_send_command(
        settings, None, readers, None, False, said.append, smtp_outlet(settings, {}), CACHED
    )
    assert status == 0, said
    return said


@dataclass
class Tally:
    """What the fault runs of one kind came to."""

    runs: int = 0
    killed: int = 0
    duplicates: int = 0
    misses: int = 0
    named: int = 0  # named "sent again" by the resume
    unnamed: int = 0  # duplicates the resume did not name

    def __str__(self) -> str:
        return (
            f"{self.runs} runs, {self.killed} killed: {self.duplicates} duplicates "
            f"(same Message-ID), {self.misses} misses, {self.named} named as sent again, "
            f"{self.unnamed} duplicates not named"
        )


def fault_run(settings: Settings, readers: Path, box: Killer, tally: Tally) -> None:
    """Start the sender, let the server kill it, resume; add what happened to the tally."""
    settings.ledger_path.unlink(missing_ok=True)
    box.messages.clear()
    first = sender(settings, readers)
    box.pid = first.pid
    output, _ = first.communicate(timeout=TIMEOUT)
    box.pid = 0
    assert first.returncode in {0, -signal.SIGKILL}, output
    said = resume(settings, readers)
    again = {line.split()[2] for line in said if line.startswith("sent again:")}
    copies = Counter(recipient for recipient, _ in box.messages)
    repeated = {reader for reader in READERS if copies[reader] > 1}
    for reader in repeated:  # a repeat carries the Message-ID of the first copy
        assert len({mid for r, mid in box.messages if r == reader}) == 1
    tally.runs += 1
    tally.killed += first.returncode == -signal.SIGKILL
    tally.duplicates += sum(copies[reader] - 1 for reader in repeated)
    tally.misses += sum(copies[reader] == 0 for reader in READERS)
    tally.named += len(again)
    tally.unnamed += len(repeated - again)


def test_killed_senders_resume_without_misses_and_name_every_repeat(
    make_project: MakeProject, killer: tuple[Killer, int]
) -> None:
    box, port = killer
    settings = sending_project(make_project, port)
    readers = settings.config_file.parent / "readers.txt"
    readers.write_text("".join(f"{reader}\n" for reader in READERS))
    chance = random.Random(SEED)
    before, after = Tally(), Tally()
    for run in range(RUNS):
        box.kill_at = chance.randint(1, len(READERS))
        box.delay = None if run % 2 == 0 else chance.uniform(0, 0.004)
        fault_run(settings, readers, box, before if box.delay is None else after)
    print(f"\nfault runs (seed {SEED}), killed before the server answers: {before}")
    print(f"fault runs (seed {SEED}), killed 0-4 ms after it answers: {after}")
    for tally in (before, after):
        assert tally.misses == 0 and tally.unnamed == 0, tally
    assert before.killed == before.runs, before
