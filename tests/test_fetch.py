"""`paper-digest fetch`: a real HTTP server on 127.0.0.1 replays recorded answers and faults."""

from __future__ import annotations

import datetime as dt
import http.server
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from generator import __version__
from generator.cli import main
from generator.fetch import (
    USER_AGENT,
    Client,
    FetchError,
    Outcome,
    check_category,
    fetch_arxiv,
    fetch_hf,
    user_agent,
)
from generator.sources import read_digests
from generator.sources.formats import ARXIV_API, HF_API, detect
from tests.conftest import FIXTURES, MakeProject, free_port

SITE_URL = "https://paper-digest.example.org/"  # the project mkdocs.yml make_project copies

RECORDED = FIXTURES / "fetch"
HF_BODY = (RECORDED / "hf-daily.json").read_bytes()
ARXIV_BODY = (RECORDED / "arxiv-cs-lg.xml").read_bytes()
ARXIV_IDS = [f"http://arxiv.org/abs/2606.{n}v1" for n in (13677, 13591, 13568, 13515, 13501)]
ATOM = "{http://www.w3.org/2005/Atom}"
DAY = "2026-06-12"
DATE = dt.date.fromisoformat(DAY)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to 127.0.0.1 go straight to the test server, whatever proxy the shell sets."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# --- The replaying server ------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One answer: a status and body, or a fault (a dropped connection, a body cut short)."""

    body: bytes = b""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False  # close the connection without answering
    declared: int | None = None  # a Content-Length other than the body's
    delay: float = 0.0  # seconds before answering


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    user_agent: str
    at: float  # time.monotonic() when the request arrived


@dataclass
class Replay:
    """Answers the n-th request with the n-th reply (the last one again after the end)."""

    replies: list[Reply] | Callable[[dict[str, list[str]]], Reply]
    seen: list[Seen] = field(default_factory=list)

    def reply(self, query: dict[str, list[str]]) -> Reply:
        if callable(self.replies):
            return self.replies(query)
        return self.replies[min(len(self.seen) - 1, len(self.replies) - 1)]

    @property
    def gaps(self) -> list[float]:
        return [b.at - a.at for a, b in zip(self.seen, self.seen[1:], strict=False)]


@contextmanager
def replaying(replay: Replay) -> Iterator[str]:
    """Serve `replay` on 127.0.0.1 while the block runs; yield the endpoint's URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            ua = self.headers.get("User-Agent", "")
            replay.seen.append(Seen(parts.path, query, ua, time.monotonic()))
            reply = replay.reply(query)
            self.close_connection = True
            if reply.drop:
                return
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            length = reply.declared if reply.declared is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    finally:
        server.shutdown()
        server.server_close()


def fast_client(interval: float = 0.05) -> Client:
    """A client with the real logic and short waits."""
    return Client(interval=interval, backoff=0.05, max_wait=1.0, timeout=5.0)


def arxiv_page(keep: range, published: dict[int, str] | None = None, total: int = 5) -> bytes:
    """The recorded arXiv answer holding only the entries at `keep` (0-based), dates changed.

    `total` replaces opensearch:totalResults (28946 for the recorded query), so that the
    results end where the test wants them to.
    """
    text = ARXIV_BODY.decode().replace(">28946<", f">{total}<")
    entries = re.findall(r"  <entry>.*?</entry>\n", text, flags=re.S)
    for index, entry in enumerate(entries):
        new = entry if index in keep else ""
        if new and published and index in published:
            new = re.sub(r"<published>[^<]*", f"<published>{published[index]}", new)
        text = text.replace(entry, new, 1)
    return text.encode()


def ids_in(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def run(project_config: Path, *args: str) -> int:
    return main(["fetch", *args, "-f", str(project_config)])


# --- Hugging Face ---------------------------------------------------------------------------


def test_hf_saves_the_answer_unchanged_and_names_itself(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([Reply(HF_BODY, headers=(("Content-Type", "application/json"),))])
    with replaying(replay) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    out = capsys.readouterr()
    assert status == 0, out.err
    saved = settings.digests_dir / f"{DAY}-hf.json"
    assert saved.read_bytes() == HF_BODY
    assert detect(saved.read_text()) is HF_API
    # Ready for build: the readers take the saved file as it is, every paper of it.
    [report] = read_digests(settings.digests_dir).files
    assert (report.format, report.papers) == (HF_API.name, 30)
    assert out.out.splitlines()[-1] == f"Saved 30 papers to digests/{DAY}-hf.json"
    assert out.out.splitlines()[0] == f"GET {endpoint}?date={DAY}&limit=100"
    assert [(s.path, s.query) for s in replay.seen] == [
        ("/api/query", {"date": [DAY], "limit": ["100"]})
    ]
    # The program and the newsletter (its site_url) are named, so arXiv or HF know whom to ask.
    assert replay.seen[0].user_agent == f"paper-digest/{__version__} (+{SITE_URL})"
    assert leftovers(settings.digests_dir) == []


def test_hf_a_second_fetch_of_the_same_bytes_says_unchanged(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={f"{DAY}-hf.json": HF_BODY})
    with replaying(Replay([Reply(HF_BODY)])) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint, "-q")
    out = capsys.readouterr().out
    assert status == 0
    assert out == f"Unchanged: digests/{DAY}-hf.json already holds these 30 papers\n"


def test_hf_an_existing_different_file_is_kept_unless_force(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={f"{DAY}-hf.json": "[]"})
    saved = settings.digests_dir / f"{DAY}-hf.json"
    with replaying(Replay([Reply(HF_BODY)])) as endpoint:
        refused = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
        err = capsys.readouterr().err
        assert refused == 1
        assert saved.read_bytes() == b"[]"
        assert err == (
            f"error: digests/{DAY}-hf.json exists and differs from the listing just fetched; "
            "kept it as it is — pass --force to replace it\n"
        )
        forced = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint, "--force")
    assert forced == 0
    assert saved.read_bytes() == HF_BODY
    assert (
        capsys.readouterr().out.splitlines()[-1] == f"Replaced 30 papers in digests/{DAY}-hf.json"
    )
    assert leftovers(settings.digests_dir) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Service down</body></html>", "sent something that is not JSON"),
        (HF_BODY[: len(HF_BODY) // 2], "sent something that is not JSON"),
        (b'{"error": "nope"}', "sent JSON that is not a list of papers (dict)"),
        (b"[]", f"lists no paper for {DAY}; nothing written — Hugging Face lists papers on"),
        (b'[{"title": "no paper key"}]', f"lists no paper for {DAY}"),
    ],
)
def test_hf_a_body_that_is_not_a_listing_writes_nothing(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    settings = make_project(digests={})
    with replaying(Replay([Reply(body)])) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("error: 127.0.0.1 ") and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert list(settings.digests_dir.iterdir()) == []


def test_offline_is_one_line_and_exit_1_with_nothing_written(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    endpoint = f"http://127.0.0.1:{free_port()}/api/daily_papers"  # nobody listens there
    status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    err = capsys.readouterr().err
    assert status == 1
    assert err == (
        "error: cannot reach 127.0.0.1 (connection refused); check the network connection\n"
    )
    assert list(settings.digests_dir.iterdir()) == []


def test_a_status_that_is_no_passing_trouble_fails_at_once(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([Reply(b'{"error":"Invalid date"}', status=400)])
    with replaying(replay) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    assert status == 1
    assert capsys.readouterr().err == (
        "error: 127.0.0.1 answered HTTP 400 Bad Request: Invalid date — "
        "check the date or category asked for\n"
    )
    assert len(replay.seen) == 1
    assert list(settings.digests_dir.iterdir()) == []


# --- Retries --------------------------------------------------------------------------------

FAULTS = {
    "429": Reply(b"slow down", status=429, headers=(("Retry-After", "0"),)),
    "503": Reply(b"busy", status=503),
    "dropped": Reply(drop=True),
    "truncated": Reply(HF_BODY[:1000], declared=len(HF_BODY)),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_passing_trouble_is_retried_then_the_answer_is_saved(tmp_path: Path, fault: str) -> None:
    replay = Replay([FAULTS[fault], FAULTS[fault], Reply(HF_BODY)])
    lines: list[str] = []
    client = fast_client()
    client.report = lines.append
    with replaying(replay) as endpoint:
        fetched = fetch_hf(tmp_path, DATE, client=client, endpoint=endpoint)
    assert fetched.outcome is Outcome.SAVED
    assert fetched.path.read_bytes() == HF_BODY
    assert len(replay.seen) == 3
    assert lines[2].startswith("GET ") and lines[2].endswith(" (attempt 2 of 4)")
    assert lines[1].startswith("127.0.0.1: ") and "; retrying in " in lines[1]


def test_each_fault_is_named_in_the_retry_line(tmp_path: Path) -> None:
    said: dict[str, str] = {}
    for fault, reply in FAULTS.items():
        lines: list[str] = []
        client = fast_client()
        client.report = lines.append
        with replaying(Replay([reply, Reply(HF_BODY)])) as endpoint:
            fetch_hf(tmp_path / fault, DATE, client=client, endpoint=endpoint)
        said[fault] = lines[1]
    assert said == {
        "429": "127.0.0.1: answered HTTP 429 Too Many Requests; retrying in 0.05 s",
        "503": "127.0.0.1: answered HTTP 503 Service Unavailable; retrying in 0.05 s",
        "dropped": "127.0.0.1: the connection was dropped before the answer was complete; "
        "retrying in 0.05 s",
        "truncated": f"127.0.0.1: the answer was cut short (1000 of {len(HF_BODY)} bytes); "
        "retrying in 0.05 s",
    }


def test_after_four_attempts_the_fetch_fails_naming_the_status(tmp_path: Path) -> None:
    replay = Replay([FAULTS["503"]])
    client = fast_client()
    client.backoff = 0.1
    with replaying(replay) as endpoint, pytest.raises(FetchError) as failure:
        fetch_hf(tmp_path, DATE, client=client, endpoint=endpoint)
    assert str(failure.value) == (
        "127.0.0.1: answered HTTP 503 Service Unavailable, 4 times — try again later"
    )
    assert len(replay.seen) == 4
    assert list(tmp_path.iterdir()) == []
    # The waits double: 0.1, 0.2, 0.4 s.
    for gap, low in zip(replay.gaps, (0.1, 0.2, 0.4), strict=True):
        assert low <= gap < low + 0.5


def test_a_server_that_does_not_answer_in_time_is_asked_again(tmp_path: Path) -> None:
    replay = Replay([Reply(HF_BODY, delay=1.0), Reply(HF_BODY)])
    lines: list[str] = []
    client = fast_client()
    client.timeout, client.report = 0.3, lines.append
    with replaying(replay) as endpoint:
        fetched = fetch_hf(tmp_path, DATE, client=client, endpoint=endpoint)
    assert fetched.path.read_bytes() == HF_BODY
    assert lines[1] == "127.0.0.1: no answer within 0.3 s; retrying in 0.05 s"
    assert len(replay.seen) == 2


def test_a_name_that_does_not_resolve_is_named() -> None:
    from generator.fetch.client import _unreachable

    error = _unreachable(
        "export.arxiv.org", socket.gaierror(-3, "Temporary failure in name resolution")
    )
    assert str(error) == (
        "cannot reach export.arxiv.org (name not found: Temporary failure in name resolution); "
        "check the network connection"
    )


def test_retry_after_is_honoured_and_capped(tmp_path: Path) -> None:
    honoured = Replay([Reply(status=429, headers=(("Retry-After", "1"),)), Reply(HF_BODY)])
    with replaying(honoured) as endpoint:
        fetch_hf(tmp_path / "a", DATE, client=fast_client(), endpoint=endpoint)
    assert honoured.gaps[0] >= 1.0
    capped = Replay([Reply(status=503, headers=(("Retry-After", "3600"),)), Reply(HF_BODY)])
    client = fast_client()
    client.max_wait = 0.3
    with replaying(capped) as endpoint:
        fetch_hf(tmp_path / "b", DATE, client=client, endpoint=endpoint)
    assert 0.3 <= capped.gaps[0] < 2.0


# --- arXiv ----------------------------------------------------------------------------------


def test_arxiv_saves_the_newest_day_as_one_feed(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([Reply(arxiv_page(range(5)))])  # the recorded answer, 5 results in all
    with replaying(replay) as endpoint:
        status = run(settings.config_file, "arxiv", "--category", "cs.LG", "--endpoint", endpoint)
    out = capsys.readouterr().out
    assert status == 0
    saved = settings.digests_dir / "2026-06-11-arxiv-cs.LG.xml"
    assert out.splitlines()[-1] == "Saved 5 papers to digests/2026-06-11-arxiv-cs.LG.xml"
    assert ids_in(saved) == ARXIV_IDS
    assert detect(saved.read_text()) is ARXIV_API
    [report] = read_digests(settings.digests_dir).files
    assert (report.format, report.papers) == (ARXIV_API.name, 5)
    assert replay.seen[0].query == {
        "search_query": ["cat:cs.LG"],
        "sortBy": ["submittedDate"],
        "sortOrder": ["descending"],
        "start": ["0"],
        "max_results": ["100"],
    }
    assert replay.seen[0].user_agent == f"paper-digest/{__version__} (+{SITE_URL})"
    assert len(replay.seen) == 1  # 5 results in all: no second page


def by_start(pages: dict[int, bytes]) -> Callable[[dict[str, list[str]]], Reply]:
    return lambda query: Reply(pages[int(query["start"][0])])


def test_arxiv_pages_are_merged_and_spaced_by_the_interval(tmp_path: Path) -> None:
    replay = Replay(by_start({0: arxiv_page(range(3)), 3: arxiv_page(range(3, 5))}))
    with replaying(replay) as endpoint:
        fetched = fetch_arxiv(
            tmp_path, "cs.LG", client=fast_client(0.4), endpoint=endpoint, page_size=3
        )
    assert fetched.papers == 5
    assert ids_in(fetched.path) == ARXIV_IDS
    assert [s.query["start"] for s in replay.seen] == [["0"], ["3"]]
    assert replay.gaps[0] >= 0.4
    text = fetched.path.read_text()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<feed ")
    assert text.count("xmlns=") == 1  # the entries of page 2 carry no namespaces of their own


def test_arxiv_a_short_page_is_followed_while_results_remain(tmp_path: Path) -> None:
    """arXiv may answer with fewer entries than asked for: its total says whether more follow."""
    replay = Replay(by_start({0: arxiv_page(range(2)), 2: arxiv_page(range(2, 5))}))
    with replaying(replay) as endpoint:
        fetched = fetch_arxiv(
            tmp_path, "cs.LG", client=fast_client(), endpoint=endpoint, page_size=3
        )
    assert ids_in(fetched.path) == ARXIV_IDS
    assert [(s.query["start"], s.query["max_results"]) for s in replay.seen] == [
        (["0"], ["3"]),
        (["2"], ["3"]),
    ]


def test_arxiv_stops_at_an_older_day_and_at_max(tmp_path: Path) -> None:
    older = {3: "2026-06-10T23:59:59Z", 4: "2026-06-10T20:00:00Z"}
    replay = Replay(by_start({0: arxiv_page(range(3)), 3: arxiv_page(range(3, 5), older)}))
    with replaying(replay) as endpoint:
        fetched = fetch_arxiv(
            tmp_path, "cs.LG", client=fast_client(), endpoint=endpoint, page_size=3
        )
    assert ids_in(fetched.path) == ARXIV_IDS[:3]
    assert fetched.path.name == "2026-06-11-arxiv-cs.LG.xml"
    replay = Replay([Reply(ARXIV_BODY)])
    with replaying(replay) as endpoint:
        fetched = fetch_arxiv(
            tmp_path / "max", "cs.LG", client=fast_client(), endpoint=endpoint, max_papers=2
        )
    assert ids_in(fetched.path) == ARXIV_IDS[:2]
    assert replay.seen[0].query["max_results"] == ["2"]


def test_the_real_command_spaces_arxiv_requests_by_3_seconds(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([FAULTS["503"], Reply(ARXIV_BODY)])
    with replaying(replay) as endpoint:
        status = run(
            settings.config_file,
            "arxiv",
            "--category",
            "cs.LG",
            "--max",
            "5",
            "--endpoint",
            endpoint,
        )
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert replay.gaps[0] >= 3.0
    assert lines[1] == "127.0.0.1: answered HTTP 503 Service Unavailable; retrying in 3 s"
    assert lines[-1] == "Saved 5 papers to digests/2026-06-11-arxiv-cs.LG.xml"


EMPTY_FEED = arxiv_page(range(0), total=0)
ERROR_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234v1234</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.1234v1234</summary>
  </entry>
</feed>
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Service down", "127.0.0.1 sent something that is not XML"),
        (ARXIV_BODY[:3000], "127.0.0.1 sent something that is not XML"),
        (b"<rss><channel/></rss>", "sent XML that is not an Atom feed (<rss>)"),
        (EMPTY_FEED, "127.0.0.1 lists no paper in cs.LG; nothing written — check the category"),
        (arxiv_page(range(0), total=28946), "sent an empty page at start=0 of 28946 results"),
        (ERROR_FEED, "refused the query: incorrect id format for 1234.1234v1234"),
        (
            b'<!DOCTYPE feed [<!ENTITY x "boom">]><feed xmlns="http://www.w3.org/2005/Atom"/>',
            "sent XML with a DOCTYPE (refused)",
        ),
    ],
)
def test_arxiv_a_body_that_is_not_a_listing_writes_nothing(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    settings = make_project(digests={})
    with replaying(Replay([Reply(body)])) as endpoint:
        status = run(settings.config_file, "arxiv", "--category", "cs.LG", "--endpoint", endpoint)
    err = capsys.readouterr().err
    assert status == 1
    assert message in err and len(err.splitlines()) == 1, err
    assert list(settings.digests_dir.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["arxiv", "--category", "cs.LG&max_results=30000"],
        ["arxiv", "--category", "cs.LG", "--max", "0"],
        ["arxiv", "--category", "cs.LG", "--endpoint", "file:///etc/passwd"],
        ["hf", "--date", "12/06/2026"],
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    settings = make_project(digests={})
    with pytest.raises(SystemExit) as stop:
        run(settings.config_file, *args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert re.search(r"error: argument (--category|--max|--endpoint|--date): ", err), err


def test_categories_as_arxiv_writes_them() -> None:
    for good in ("cs.LG", "hep-th", "astro-ph.GA", "q-bio.NC", "math"):
        assert check_category(good) == good
    for bad in ("cs.LG/", "CS.lg", "cs.LG cs.AI", "../x", ""):
        with pytest.raises(FetchError):
            check_category(bad)


def test_the_client_is_polite_by_default() -> None:
    client = Client()
    assert (client.interval, client.attempts, client.timeout) == (3.0, 4, 30.0)
    assert client.user_agent == USER_AGENT == f"paper-digest/{__version__}"
    assert user_agent("https://n.example/", "ed@n.example") == (
        f"paper-digest/{__version__} (+https://n.example/; ed@n.example)"
    )
