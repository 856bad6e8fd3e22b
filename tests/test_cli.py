"""The `paper-digest` command as a user runs it: help, check, build, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator.cli import main, make_parser
from tests.conftest import DEMO_DIGESTS, REPO, MakeProject, paper


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def commands() -> list[str]:
    parser = make_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return sorted(subparsers.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"usage: paper-digest {command}" in result.stdout
    assert f"paper-digest {command}" in (REPO / "README.md").read_text()


def test_check_lists_problems_with_file_and_line(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    two = paper("Other Paper") + "Lonely Title\n"
    settings = make_project({"1.txt": paper("Good Paper"), "2.txt": two})
    status = main(["-f", str(settings.config_file), "check"])
    out = capsys.readouterr().out
    assert status == 1
    assert "digests/2.txt:3: error: title 'Lonely Title' has no abstract" in out
    assert "2 issues, 2 papers; 1 errors, 0 warnings." in out


def test_check_passes_on_the_demo_digests(make_project: MakeProject) -> None:
    settings = make_project(source=DEMO_DIGESTS)
    result = run("-f", str(settings.config_file), "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 issues, 746 papers; 0 errors" in result.stdout
    # One line per file: its papers (listings) and the format it was read as.
    lines = [line.split() for line in result.stdout.splitlines() if line.startswith("digests/")]
    assert [(words[0], words[1], " ".join(words[3:])) for words in lines] == [
        ("digests/000_27813e14f779aff0.txt", "67", "Hugging Face page text"),
        ("digests/001_e8b62d3c68f974f2.txt", "263", "Hugging Face page text"),
        ("digests/002_93d549097b4e2865.txt", "229", "Hugging Face page text"),
        ("digests/004_a60fe7fccbfcd38b.txt", "228", "Hugging Face page text"),
    ]


def test_build_prints_a_summary(make_project: MakeProject) -> None:
    settings = make_project()
    result = run("-f", str(settings.config_file), "build")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Built 3 issues: 5 papers (6 listings, 1 merged across issues)" in out
    assert f"Site: {settings.site_dir}" in out


def test_bad_setting_is_one_line_not_a_traceback(make_project: MakeProject) -> None:
    settings = make_project()
    config = settings.config_file
    config.write_text(
        config.read_text().replace("keyphrases_per_paper: 5", "keyphrases_per_paper: five")
    )
    result = run("-f", str(config), "build")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: mkdocs.yml: extra.paper_digest.keyphrases_per_paper: expected a whole number, "
        "got 'five' — write a number like 5"
    ]
