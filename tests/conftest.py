"""Fixtures: throw-away projects built from the repository's real configuration."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from generator.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL_DIGESTS = FIXTURES / "digests" / "small"
# A copy of the demo newsletter: tests never read the user's digests/, which grows.
DEMO_DIGESTS = FIXTURES / "digests" / "demo"

# Nothing may download: a model or package that tries fails loudly instead.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MakeProject = Callable[..., Settings]
SENDER = "Paper Digest <news@paper-digest.example.org>"
UNSUBSCRIBE = "https://paper-digest.example.org/unsubscribe?u={recipient}"


def copy_project_files(target: Path) -> None:
    """Copy what a site needs besides digests: settings, hand-written docs, templates."""
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "templates", target / "templates")
    (target / "docs").mkdir()
    shutil.copy(REPO / "docs" / "about.md", target / "docs" / "about.md")
    shutil.copytree(REPO / "docs" / "assets", target / "docs" / "assets")


def set_site_url(config: Path, site_url: str) -> None:
    """Point a project's mkdocs.yml at another site_url (the address tests serve it from)."""
    lines = config.read_text().splitlines(keepends=True)
    config.write_text(
        "".join(f"site_url: {site_url}\n" if ln.startswith("site_url:") else ln for ln in lines)
    )


def write_digests(folder: Path, digests: Mapping[str, str | bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in digests.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Return a factory: a project in a temp folder with the given digests (or a fixture set)."""
    counter = iter(range(1000))

    def make(
        digests: Mapping[str, str | bytes] | None = None,
        source: Path | None = SMALL_DIGESTS,
        site_url: str | None = None,
    ) -> Settings:
        root = tmp_path / f"project{next(counter)}"
        root.mkdir()
        copy_project_files(root)
        if site_url is not None:
            set_site_url(root / "mkdocs.yml", site_url)
        if digests is None and source is not None:
            shutil.copytree(source, root / "digests")
        else:
            write_digests(root / "digests", digests or {})
        return load_settings(root / "mkdocs.yml")

    return make


def paper(title: str, words: int = 40) -> str:
    """Return a digest block for a paper with a plausible abstract of `words` words."""
    body = " ".join(f"word{i}" for i in range(words - 6))
    return f"{title}\nWe study {title.lower()} in depth. {body}.\n"


# Debian's chromium here and in .ci/run; elsewhere (GitHub's runners) point this at a Chrome.
CHROMIUM = os.environ.get("PAPER_DIGEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Start Debian's headless Chromium once per session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served_project(root: Path, digests: Path | None = None) -> tuple[Path, int]:
    """Make a project in `root` (with the digests of folder `digests`) whose site_url is a free
    port on 127.0.0.1; return its mkdocs.yml and the port to serve its site on."""
    copy_project_files(root)
    if digests is not None:
        shutil.copytree(digests, root / "digests")
    port = free_port()
    set_site_url(root / "mkdocs.yml", f"http://127.0.0.1:{port}/")
    return root / "mkdocs.yml", port


@contextmanager
def serving(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1 while the block runs; yield its base URL.

    Pass the port the site was built for (its site_url), so absolute links resolve here.
    """
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _model_mark_is_exact(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that loads torch (the real model) without the `model` mark.

    `make test` runs the tests without the mark first, in a process where nothing has imported
    torch yet, so every unmarked test that imports it is caught here, by name.
    """
    before = "torch" in sys.modules
    yield
    marked = request.node.get_closest_marker("model") is not None
    if not before and not marked and "torch" in sys.modules:
        pytest.fail("this test imports torch (the real model) but has no @pytest.mark.model")


@contextmanager
def smtp_server(handler: object) -> Iterator[int]:
    """Run a real SMTP server (aiosmtpd) on 127.0.0.1 with a handler; yield its port."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def smtp_settings(settings: Settings, port: int, security: str = "none") -> Settings:
    """Point a project's mail at the test SMTP server on 127.0.0.1, with sender and unsubscribe."""
    email = replace(
        settings.email,
        sender=SENDER,
        unsubscribe_url=UNSUBSCRIBE,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=security,
    )
    return replace(settings, email=email)
