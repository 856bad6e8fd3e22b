"""Inputs that ended in a traceback or split silently (issue 23): two titles whose slugs clash,
SOURCE_DATE_EPOCH values that are no time, a CR inside a recipient line."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import build
from generator.catalog import paper_id, paper_slug
from generator.cli import main
from generator.cli.commands import email_build_command
from generator.config import MAX_EPOCH, load_settings
from generator.errors import ConfigError
from generator.mail.readers import read_readers
from tests.conftest import REPO, MakeProject, paper
from tests.stand_in import StandInEmbedder

# Two titles that differ only in symbols (no words) and whose ids share their first 24 bits:
# the same slug words and the same short id.
FIRST, SECOND = "Graph networks =<|~", "Graph networks ~+^>"


def test_the_two_titles_clash() -> None:
    assert paper_id(FIRST) != paper_id(SECOND)
    assert paper_slug(FIRST, paper_id(FIRST)) == paper_slug(SECOND, paper_id(SECOND))


def test_clashing_slugs_give_two_pages_and_the_first_keeps_its_url(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project({"1.txt": paper(FIRST), "2.txt": paper(SECOND) + "\n" + paper("Other")})
    assert main(["-f", str(settings.config_file), "check"]) == 0
    assert "2 issues, 3 papers; 0 errors" in capsys.readouterr().out
    build(settings, embedder=StandInEmbedder())
    short = paper_slug(FIRST, paper_id(FIRST))
    longer = short[:-6] + paper_id(SECOND)
    first = (settings.site_dir / "papers" / short / "index.html").read_text()
    second = (settings.site_dir / "papers" / longer / "index.html").read_text()
    assert "=&lt;|~" in first and "~+^&gt;" in second
    said: list[str] = []
    assert email_build_command(settings, None, said.append, StandInEmbedder()) == 0
    mail = (settings.out_dir / "email" / "2.html").read_text()
    assert f"/papers/{longer}/" in mail and f"/papers/{short}/" not in mail


def run_cli(settings_file: Path, command: str, epoch: str) -> subprocess.CompletedProcess[str]:
    """Run `paper-digest COMMAND` (the stand-in embedder for the model) with SOURCE_DATE_EPOCH."""
    return subprocess.run(
        [sys.executable, "-m", "tests.build_child", "-f", str(settings_file), command],
        cwd=REPO,
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("epoch", ["²", "12345678901234567890", "-5", "1e9", str(MAX_EPOCH + 1)])
@pytest.mark.parametrize("command", ["check", "build"])
def test_source_date_epoch_that_is_no_time_is_one_line(
    make_project: MakeProject, epoch: str, command: str
) -> None:
    settings = make_project()
    done = run_cli(settings.config_file, command, epoch)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: SOURCE_DATE_EPOCH is {epoch!r}, not a time — set it to seconds since 1970 "
        f"(a whole number up to {MAX_EPOCH}), or unset it"
    ]
    assert not settings.site_dir.exists()


def test_the_last_source_date_epoch_builds(make_project: MakeProject) -> None:
    settings = make_project()
    assert load_settings(settings.config_file, {"SOURCE_DATE_EPOCH": "0"}).source_date_epoch == 0
    done = run_cli(settings.config_file, "build", f" {MAX_EPOCH} ")
    assert done.returncode == 0, done.stderr
    assert "<lastmod>2106-02-07</lastmod>" in (settings.site_dir / "sitemap.xml").read_text()


def test_a_cr_inside_a_recipient_line_is_named_and_left_out(tmp_path: Path) -> None:
    """Lines end at LF (or CR LF) only: a CR alone does not start a reader of its own."""
    listing = tmp_path / "readers.txt"
    listing.write_bytes(
        b"ada@example.com\r\n"
        b"grace@example.org every=week\rmallory@example.net\n"
        b"alan@example.net\r\n"
    )
    readers = read_readers(listing)
    assert readers.addresses == ("ada@example.com", "alan@example.net")
    [problem] = readers.problems
    assert str(problem).startswith(
        f"{listing}:2: error: U+000D (a control character) in the line: line left out"
    )


def test_a_site_dir_the_rule_refuses_makes_no_lock_file(make_project: MakeProject) -> None:
    """Settings made without load_settings meet the path rule before the build's lock file
    is made beside the site: with site_dir at the project's root, nothing is written beside
    the project."""
    settings = make_project()
    wrong = replace(settings, site_dir=settings.root)
    beside = sorted(settings.root.parent.iterdir())
    with pytest.raises(ConfigError):
        build(wrong, embedder=StandInEmbedder())
    assert sorted(settings.root.parent.iterdir()) == beside
