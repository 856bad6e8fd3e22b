"""`paper-digest fetch` on hostile answers (issue 23): one line and nothing written, or the
answer saved; never a traceback. A real HTTP server on 127.0.0.1 replays each answer."""

from __future__ import annotations

import pytest

from generator.fetch import Outcome, fetch_arxiv, fetch_hf
from tests.conftest import MakeProject
from tests.test_fetch import (
    ARXIV_BODY,
    ARXIV_IDS,
    DATE,
    DAY,
    HF_BODY,
    Replay,
    Reply,
    _no_proxy,  # noqa: F401 -- the fixture that keeps requests off the shell's proxy
    fast_client,
    ids_in,
    replaying,
    run,
)


@pytest.mark.parametrize("wish", ["²", "9" * 5000, "-1", "soon"])
def test_a_retry_after_that_is_not_seconds_falls_back_to_back_off(tmp_path, wish: str) -> None:
    replay = Replay([Reply(b"busy", status=503, headers=(("Retry-After", wish),)), Reply(HF_BODY)])
    lines: list[str] = []
    client = fast_client()
    client.report = lines.append
    with replaying(replay) as endpoint:
        fetched = fetch_hf(tmp_path, DATE, client=client, endpoint=endpoint)
    assert fetched.outcome is Outcome.SAVED and fetched.papers == 30
    assert lines[1] == "127.0.0.1: answered HTTP 503 Service Unavailable; retrying in 0.05 s"


@pytest.mark.parametrize("total", ["²", "9" * 5000])
def test_an_arxiv_total_that_is_not_a_count_is_read_as_no_total(tmp_path, total: str) -> None:
    body = ARXIV_BODY.replace(b">28946<", f">{total}<".encode())
    replay = Replay([Reply(body)])
    with replaying(replay) as endpoint:
        fetched = fetch_arxiv(tmp_path, "cs.LG", client=fast_client(), endpoint=endpoint)
    assert ids_in(fetched.path) == ARXIV_IDS
    assert len(replay.seen) == 1  # 5 entries where 100 were asked for: no page follows


def test_deeply_nested_json_is_one_line_and_nothing_written(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([Reply(b"[" * 100_000 + b"]" * 100_000)])
    with replaying(replay) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    assert status == 1
    assert capsys.readouterr().err == (
        "error: 127.0.0.1 sent JSON nested too deeply to be a list of papers; nothing written\n"
    )
    assert list(settings.digests_dir.iterdir()) == []


def test_a_number_too_long_in_json_is_one_line(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(digests={})
    replay = Replay([Reply(b'[{"paper": {"upvotes": ' + b"9" * 5000 + b"}}]")])
    with replaying(replay) as endpoint:
        status = run(settings.config_file, "hf", "--date", DAY, "--endpoint", endpoint)
    assert status == 1
    assert capsys.readouterr().err == (
        "error: 127.0.0.1 sent something that is not JSON (a number too long); nothing written\n"
    )
