"""`paper-digest enrich`: a real HTTP server on 127.0.0.1 replays recorded arXiv answers.

Answers (tests/fixtures/sources/enrich/) are hand-made in the 2025+ layout of arXiv's API (as
tests/fixtures/sources/arxiv-api/sotawhat-transformer-cslg.xml), `nothing.xml` is a real empty
answer. The build reads only the sidecar enrich writes, never the network.
"""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.cli import main
from generator.fetch.client import Client, FetchError
from generator.fetch.enrich import enrich
from generator.model import LinkKind
from generator.sources import read_digests
from tests.conftest import FIXTURES, MakeProject, free_port

RECORDED = FIXTURES / "sources" / "enrich"
ANSWERS = {
    "Denoising Diffusion Probabilistic Models": "ddpm-exact.xml",
    "Attention Is All You Need": "attention-near-miss.xml",
}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[str]
    failures: list[int]

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)["search_query"][0]
        self.seen.append(query)
        if self.failures:
            self.send_response(self.failures.pop(0))
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        name = ANSWERS.get(query.removeprefix('ti:"').removesuffix('"'), "nothing.xml")
        body = (RECORDED / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def arxiv(failures: list[int] | None = None) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("H", (_Handler,), {"seen": seen, "failures": list(failures or [])})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query", seen
    finally:
        server.shutdown()
        server.server_close()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(RECORDED / "digest.txt", folder / "2025-03-11.txt")
    return folder


def quick() -> Client:
    return Client(interval=0.01, backoff=0.01)


def test_exact_titles_are_found_and_the_build_reads_them_offline(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with arxiv() as (endpoint, seen):
        tally = enrich(folder, quick(), endpoint=endpoint)
    assert seen == [
        'ti:"Denoising Diffusion Probabilistic Models"',
        'ti:"Attention Is All You Need"',
        'ti:"A Paper Nobody Wrote"',
    ]
    assert (tally.found, tally.not_found) == (
        1,
        ["Attention Is All You Need", "A Paper Nobody Wrote"],
    )
    sidecar = folder / "2025-03-11.arxiv.yml"
    [issue] = read_digests(folder).issues  # no server now: the sidecar alone
    ddpm, attention, nobody = issue.entries
    assert (ddpm.arxiv_id, ddpm.authors) == (
        "2006.11239",
        ("Jonathan Ho", "Ajay Jain", "Pieter Abbeel"),
    )
    assert ddpm.categories == ("cs.LG", "stat.ML")
    assert ddpm.date == dt.date(2025, 3, 11)  # the digest's own date line stays
    assert {link.kind for link in ddpm.links} >= {LinkKind.ABSTRACT, LinkKind.PDF}
    assert attention.arxiv_id is None and nobody.arxiv_id is None  # a near miss is left alone
    first = sidecar.read_bytes()
    with arxiv() as (endpoint, seen):  # each paper is looked up once
        enrich(folder, quick(), endpoint=endpoint)
    assert seen == [] and sidecar.read_bytes() == first


def test_a_passing_failure_is_retried(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with arxiv(failures=[503]) as (endpoint, seen):
        tally = enrich(folder, quick(), endpoint=endpoint)
    assert len(seen) == 4 and tally.found == 1


def test_offline_is_one_line_and_what_was_found_is_kept(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(source=None)
    shutil.copy(RECORDED / "digest.txt", settings.digests_dir / "2025-03-11.txt")
    closed = f"http://127.0.0.1:{free_port()}/api/query"
    status = main(["-f", str(settings.config_file), "enrich", "-q", "--endpoint", closed])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err == [
        "error: cannot reach 127.0.0.1 (connection refused); check the network connection"
    ]
    assert "found: {}" in (settings.digests_dir / "2025-03-11.arxiv.yml").read_text()


def test_a_damaged_sidecar_is_one_warning(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "2025-03-11.arxiv.yml").write_text("found: [unclosed\n", encoding="utf-8")
    result = read_digests(folder, relative_to=folder)
    [problem] = result.problems
    assert str(problem).startswith("2025-03-11.arxiv.yml:1: warning: enrich file unreadable")
    assert len(result.issues[0].entries) == 3


def test_the_cli_says_what_it_found(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(source=None)
    shutil.copy(RECORDED / "digest.txt", settings.digests_dir / "2025-03-11.txt")
    with arxiv() as (endpoint, _):
        status = main(["-f", str(settings.config_file), "enrich", "-q", "--endpoint", endpoint])
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out == [
        "no exact match on arXiv, left alone: Attention Is All You Need",
        "no exact match on arXiv, left alone: A Paper Nobody Wrote",
        "Found 1 paper on arXiv, 2 not found, in 1 digest",
    ]


def test_enrich_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="does not exist"):
        enrich(tmp_path / "nowhere", quick())


def test_a_reference_export_is_not_asked_about(tmp_path: Path) -> None:
    """RIS, BibTeX, CSV: journal papers arXiv does not hold; only id-less formats are asked."""
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(FIXTURES / "sources" / "ris" / "zotero-export-slice.ris", folder / "refs.ris")
    with arxiv() as (endpoint, seen):
        tally = enrich(folder, quick(), endpoint=endpoint)
    assert (seen, tally.files) == ([], 0)
    assert not (folder / "refs.arxiv.yml").exists()
