"""`paper-digest check`: per file the format chosen and why, papers read, records refused by reason;
`check PATH --format KEY` forces one reader for a file or a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import FIXTURES, MakeProject

SOURCES = FIXTURES / "sources"


def misguessed(folder: Path) -> Path:
    """Page text whose first title reads like a CSV header row naming a title column."""
    digest = folder / "notes.txt"
    digest.write_text(
        "Title, Authors and Abstract: Reading Paper Metadata\n"
        "We study a question at length and report what we found in every experiment we ran.\n",
        encoding="utf-8",
    )
    return digest


def test_check_names_format_evidence_and_refusals(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project(source=None)
    shutil.copy(SOURCES / "json" / "scraper-daily-object.json", settings.digests_dir / "a.json")
    shutil.copy(SOURCES / "junk" / "wrapped-notes.txt", settings.digests_dir / "b.txt")
    status = main(["-f", str(settings.config_file), "check"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    at = lines.index("digests/a.json      2 papers  JSON list of papers")
    assert lines[at + 1] == (
        '    evidence: an object whose "papers" list holds records with a title and an '
        "abstract; refused: 1 no abstract"
    )
    at = lines.index("digests/b.txt   not read (see above)")
    assert lines[at + 1] == (
        "    evidence: 0 title/abstract pairs in 6 content lines; refused: 1 not a digest"
    )
    assert lines[-1] == "1 issues, 2 papers; 2 errors, 0 warnings."


def test_check_format_forces_a_reader_on_a_file(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """Page text that looks like something else is read as page text when asked to."""
    settings = make_project(source=None)
    digest = misguessed(settings.digests_dir)
    config = ["-f", str(settings.config_file)]
    assert main([*config, "check", str(digest)]) == 1  # guessed: a CSV header row
    capsys.readouterr()
    assert main([*config, "check", str(digest), "--format", "hf-text"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["digests/notes.txt", "1", "papers", "Hugging", "Face", "page", "text"]
    assert out[1] == "    evidence: forced with --format"


def test_check_refuses_an_unknown_format_in_one_line(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project()
    assert main(["-f", str(settings.config_file), "check", "--format", "word"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: --format 'word' is no format — use one of arxiv-api,")


def test_a_sidecar_format_key_makes_every_build_read_it_so(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """`format: hf-text` in notes.yml: the build reads the file as page text, not CSV."""
    settings = make_project(source=None)
    misguessed(settings.digests_dir)
    (settings.digests_dir / "notes.yml").write_text("format: hf-text\n", encoding="utf-8")
    assert main(["-f", str(settings.config_file), "check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["digests/notes.txt", "1", "papers"]
    assert out[1] == "    evidence: `format: hf-text` in notes.yml"
    (settings.digests_dir / "notes.yml").write_text("format: word\n", encoding="utf-8")
    assert main(["-f", str(settings.config_file), "check"]) == 1
    out = capsys.readouterr().out
    assert "digests/notes.txt:1: error: unknown format 'word' in the sidecar" in out
