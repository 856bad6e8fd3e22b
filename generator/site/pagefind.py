"""Pagefind's service, spoken directly: `pagefind --service`, the protocol its Python and Node
packages speak (base64 JSON messages ended by commas).

The `pagefind` package's client (1.5.2) reads one answer every 0.1 s: 100 records sent through
its `add_html_file` at once took 11.0 s here, so 10,000 would take about 1,100 s; here a
request waits for its answer only when the answer is needed. The service handles requests one
by one in the order they come, so many can be sent before their answers are read: Pagefind
indexes one page while the next is being read.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from generator.errors import BuildError

INSTALL_HINT = 'install Pagefind with `pip install "pagefind[bin]"`; the previous site is unchanged'
# How long Pagefind may take to finish writing files after it has answered.
WRITE_TIMEOUT = 60.0


class PagefindService:
    """One running `pagefind --service`: send requests, read their answers in order."""

    def __init__(self, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
        self.process = process
        self.log = log
        self.sent = 0
        self.answered = 0
        self.pending = bytearray()

    def request(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return its answer; an error answer raises BuildError."""
        self.send(payload)
        return self._receive()

    def send(self, payload: Mapping[str, Any]) -> None:
        """Send a request without waiting for its answer."""
        assert self.process.stdin is not None
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload})
        try:
            self.process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
        except BrokenPipeError:
            raise self.failure("it stopped") from None

    def _receive(self) -> dict[str, Any]:
        """Read the answers to every request sent and not yet answered; return the last."""
        assert self.process.stdin is not None and self.process.stdout is not None
        result: dict[str, Any] = {}
        try:
            self.process.stdin.flush()
            while self.answered < self.sent:
                response = json.loads(
                    base64.b64decode(_read_until_comma(self.process.stdout, self.pending))
                )
                self.answered += 1
                result = response["payload"]
                if result.get("type") == "Error":
                    raise self.failure(str(result.get("message")))
        except (BrokenPipeError, EOFError):
            raise self.failure("it stopped") from None
        return result

    def wait_for_writes(self, folder: Path) -> None:
        """Wait until Pagefind has closed every file it writes in `folder`.

        Pagefind answers WriteFiles once its writes are under way, not done, and exits as soon
        as its input closes: files it still had open were left short (seen under load). On
        Linux its open files are in /proc; elsewhere this does not wait.
        """
        prefix = f"{folder.resolve()}{os.sep}"
        deadline = time.monotonic() + WRITE_TIMEOUT
        while time.monotonic() < deadline:
            open_files = _open_files(self.process.pid)
            if open_files is None or not any(name.startswith(prefix) for name in open_files):
                return
            time.sleep(0.01)

    def failure(self, why: str) -> BuildError:
        """Return the error to raise, with what Pagefind said on its error output."""
        self.log.seek(0)
        said = " ".join(self.log.read().decode("utf-8", "replace").split())[-300:]
        return BuildError(
            f"Pagefind could not index the site for search: {why}" + (f" ({said})" if said else ""),
            "the previous site is unchanged; run the build again, or report the message above",
        )


def _open_files(pid: int) -> list[str] | None:
    """Return the files a process has open (Linux); None where that cannot be known."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return None
    names = []
    for fd in fds:
        with contextlib.suppress(OSError):  # closed since it was listed
            names.append(str(fd.readlink()))
    return names


def _read_until_comma(stream: IO[bytes], pending: bytearray) -> bytes:
    """Read one message: the bytes up to the next comma (base64 holds no comma).

    Reads what the pipe holds at once, not a byte a call (that took longer than the indexing);
    bytes after the comma stay in `pending` for the next message.
    """
    while True:
        end = pending.find(b",")
        if end >= 0:
            message = bytes(pending[:end])
            del pending[: end + 1]
            return message
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(1)
        if not chunk:
            raise EOFError
        pending += chunk


@contextmanager
def pagefind_service() -> Iterator[PagefindService]:
    """Run Pagefind's service while the block runs, isolated from PAGEFIND_* settings."""
    program = executable()
    # Only the defaults: no pagefind.yml from the working folder, no PAGEFIND_* variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    with tempfile.TemporaryDirectory() as quiet, tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(program), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=quiet,
            env=env,
        )
        try:
            yield PagefindService(process, log)
        finally:
            if process.stdin:
                # Closing flushes what is left; a Pagefind that died already refuses it.
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            try:
                process.wait(timeout=WRITE_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()


@functools.cache
def pagefind_version() -> str:
    """Return the version of the Pagefind binary in use ("" when unknown)."""
    try:
        return metadata.version("pagefind-bin")
    except metadata.PackageNotFoundError:
        return ""


def executable() -> Path:
    """Return the Pagefind binary that the `pagefind-bin` package installs."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise BuildError("Pagefind is not installed", INSTALL_HINT) from None
    try:
        path: Path = get_executable()
    except FileNotFoundError as exc:
        raise BuildError(f"the Pagefind binary is missing: {exc}", INSTALL_HINT) from None
    return path
