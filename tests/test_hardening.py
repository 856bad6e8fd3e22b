"""A clumsy editor's inputs: one line for each mistake, no traceback, no paper lost in silence.

Exit status of `build`: 0 built (problems with single papers are listed, the rest published);
1 refused or failed (a digest would be lost whole, no paper to publish, MkDocs or a file system
error), the previous site unchanged; 2 a mistake in the settings or on the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from generator.build import build, read_catalog
from generator.catalog import build_catalog
from generator.config import Settings
from generator.model import Severity
from generator.sources import read_digests
from generator.sources.fields import MAX_PROBLEMS_PER_FILE
from generator.topics import topic_slug
from tests.conftest import REPO, MakeProject, paper, write_digests
from tests.site_checks import tree_digest
from tests.stand_in import StandInEmbedder

GOOD = paper("A Good Paper") + paper("Another Good Paper")


def cli(
    settings: Settings, *args: str, privileged: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run paper-digest on a project as a user would; without privileges as root, too."""
    command = [sys.executable, "-m", "generator.cli", *args]
    if not privileged and os.geteuid() == 0:
        # root reads everything: drop the capabilities that let it, as a normal user has none.
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        command, cwd=settings.root, capture_output=True, text=True, check=False, env=env
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# Reading ---------------------------------------------------------------------------------------


def test_an_unreadable_digest_is_named_and_the_others_build(make_project: MakeProject) -> None:
    settings = make_project({"01-good.txt": GOOD, "02-secret.txt": paper("Hidden Paper")})
    (settings.digests_dir / "02-secret.txt").chmod(0)
    result = cli(settings, "check", privileged=False)
    assert "digests/02-secret.txt:1: error: cannot read (Permission denied)" in result.stdout
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "2 papers" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "sidecar", "where"),
    [
        ("nul-sidecar", GOOD, b"title: A\x00B\n", "digests/nul-sidecar.yml:1"),
        (
            "c1-front-matter",
            "---\ntitle: A \x80 B\n---\n" + GOOD,
            None,
            "digests/c1-front-matter.txt:2",
        ),
        (
            "huge-number",
            "---\nnumber: 99999999999\n---\n" + GOOD,
            None,
            "digests/huge-number.txt:1",
        ),
    ],
)
def test_bad_metadata_is_one_problem_and_the_papers_still_build(
    make_project: MakeProject, name: str, content: str, sidecar: bytes | None, where: str
) -> None:
    digests: dict[str, str | bytes] = {f"{name}.txt": content}
    if sidecar is not None:
        digests[f"{name}.yml"] = sidecar
    settings = make_project(digests)
    catalog, result = read_catalog(settings)
    assert [str(p.location) for p in result.errors] == [where]
    assert len(catalog.papers) == 2
    report = build(settings, embedder=StandInEmbedder())
    assert report.papers == 2


def test_titles_that_differ_only_by_a_sharp_are_two_papers(make_project: MakeProject) -> None:
    settings = make_project({"01.txt": paper("C# for Everyone") + paper("C for Everyone")})
    catalog, _ = read_catalog(settings)
    assert sorted(p.title for p in catalog.papers) == ["C for Everyone", "C# for Everyone"]


def test_an_overlong_title_keeps_its_paper_with_a_warning(make_project: MakeProject) -> None:
    title = "Long " + "word " * 2000
    settings = make_project({"01.txt": f"{title}\n{paper('x').splitlines()[1]}\n" + GOOD})
    catalog, result = read_catalog(settings)
    assert len(catalog.papers) == 3 and result.errors == ()
    [warning] = result.problems
    assert warning.severity is Severity.WARNING and "characters long" in warning.message


def test_a_junk_file_reports_a_bounded_number_of_problems(make_project: MakeProject) -> None:
    junk = "".join(f"junk line {n}\n" for n in range(50_000))
    # Page text in shape, a title without its abstract after every second paper.
    lonely = "".join(paper(f"Paper {n}") + f"Lonely {n}\n" * (n % 2) for n in range(2_000))
    files = {"01-good.txt": GOOD, "02-junk.txt": junk, "03-lonely.txt": lonely}
    _, result = read_catalog(make_project(files))
    mine = [p for p in result.problems if p.location.path == "digests/03-lonely.txt"]
    assert len(mine) == MAX_PROBLEMS_PER_FILE + 1  # listed, "N more"
    assert any("more problems in this file are not listed" in p.message for p in mine)
    [refused] = [p for p in result.problems if p.location.path == "digests/02-junk.txt"]
    assert refused.message.startswith("not a digest — looks like text that is not page text")


def test_what_the_walk_skips_is_named(make_project: MakeProject) -> None:
    settings = make_project({"01-good.txt": GOOD})
    folder = settings.digests_dir
    os.mkfifo(folder / "pipe.txt")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop").symlink_to(folder)
    locked = folder / "locked"
    locked.mkdir()
    (locked / "02.txt").write_text(paper("Locked Paper"))
    locked.chmod(0)
    result = cli(settings, "check", privileged=False)
    out = result.stdout
    assert "pipe.txt:1: warning: skipped: not a regular file" in out
    assert "dangling.txt:1: warning: skipped: a link to nothing" in out
    assert "loop:1: warning: skipped: a link to a folder that is read already" in out
    assert "locked:1: warning: skipped: cannot read this folder (Permission denied)" in out
    assert "1 issues, 2 papers; 0 errors" in out
    locked.chmod(0o755)


def test_repeats_are_counted_as_what_they_are(make_project: MakeProject) -> None:
    settings = make_project(
        {"01.txt": GOOD + paper("A Good Paper"), "02.txt": paper("Another Good Paper")}
    )
    catalog = build_catalog(read_digests(settings.digests_dir).issues)
    assert (catalog.repeated_count, catalog.merged_count) == (1, 1)
    result = cli(settings, "build", "-q")
    assert "(4 listings, 1 merged across issues, 1 listed twice in one digest)" in result.stdout


def test_file_and_line_print_verbatim(make_project: MakeProject) -> None:
    lines = paper("y") + "\n" * 97  # a paper, then line 100 holds an abstract with no title
    settings = make_project({"01.txt": GOOD, "02.txt": lines + paper("x").splitlines()[1] + "\n"})
    result = cli(settings, "check")
    assert "digests/02.txt:100: error: abstract with no title" in result.stdout
    assert "💯" not in result.stdout


# Names the site uses for itself ----------------------------------------------------------------


def test_a_digest_named_index_does_not_replace_the_archive(make_project: MakeProject) -> None:
    settings = make_project({"01.txt": GOOD, "index.txt": paper("Indexed Paper")})
    build(settings, embedder=StandInEmbedder())
    archive = (settings.site_dir / "issues/index.html").read_text("utf-8")
    assert "Archive" in archive and "index-issue/" in archive
    assert (settings.site_dir / "issues/index-issue/index.html").is_file()
    assert topic_slug("index") == "index-topic"


# Exit status and the previous site -------------------------------------------------------------


def built_project(make_project: MakeProject) -> tuple[Settings, dict[str, str]]:
    settings = make_project({"01.txt": GOOD})
    assert cli(settings, "build", "-q").returncode == 0
    return settings, tree_digest(settings.site_dir)


@pytest.mark.parametrize("case", ["no-digests-folder", "only-non-digests", "every-digest-bad"])
def test_a_build_that_would_publish_nothing_fails_and_keeps_the_site(
    make_project: MakeProject, case: str
) -> None:
    settings, before = built_project(make_project)
    shutil.rmtree(settings.digests_dir)
    if case == "only-non-digests":
        write_digests(settings.digests_dir, {"notes.pdf": b"%PDF-1.4", "data.json": "{}"})
    elif case == "every-digest-bad":
        write_digests(settings.digests_dir, {"01.txt": "", "02.txt": b"\x00\x01"})
    result = cli(settings, "build", "-q")
    assert result.returncode == 1
    assert "the previous site is unchanged" in one_error_line(result)
    assert tree_digest(settings.site_dir) == before


def test_a_problem_with_one_paper_still_publishes_the_rest(make_project: MakeProject) -> None:
    settings, _ = built_project(make_project)
    write_digests(settings.digests_dir, {"02.txt": paper("Fresh Paper") + "Orphan Title\n"})
    result = cli(settings, "build", "-q")
    assert result.returncode == 0
    assert "digests/02.txt:3: error: title 'Orphan Title' has no abstract" in result.stdout
    assert any(p.name.startswith("fresh-paper-") for p in (settings.site_dir / "papers").iterdir())


# Settings and the command line -----------------------------------------------------------------


def test_options_work_after_the_command(make_project: MakeProject) -> None:
    settings = make_project({"01.txt": GOOD})
    result = cli(settings, "check", "-f", str(settings.config_file))
    assert result.returncode == 0 and "1 issues, 2 papers" in result.stdout


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ("config-is-a-folder", 2, "cannot read it (Is a directory)"),
        ("templates-missing", 2, "templates_dir"),
        ("cache-unwritable", 1, "error: "),
        ("serve-port", 2, "serve -a '127.0.0.1:99999'"),
        ("serve-address", 2, "serve -a 8.8.8.8:80: cannot listen there"),
    ],
)
def test_a_setting_or_place_that_cannot_work_is_one_line(
    make_project: MakeProject, change: str, status: int, message: str
) -> None:
    settings = make_project({"01.txt": GOOD})
    config = settings.config_file
    args = ["-f", str(config), "build", "-q"]
    if change == "config-is-a-folder":
        args = ["-f", str(settings.root / "docs"), "check"]
    elif change == "templates-missing":
        shutil.rmtree(settings.templates_dir)
    elif change == "cache-unwritable":
        (settings.root / ".cache").write_text("a file where the cache folder should be")
    elif change.startswith("serve"):
        address = "127.0.0.1:99999" if change == "serve-port" else "8.8.8.8:80"
        args = ["-f", str(config), "serve", "-a", address]
    result = cli(settings, *args)
    assert result.returncode == status, result.stderr
    assert message in one_error_line(result)


def test_the_readme_states_the_exit_statuses() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert "Exit status" in readme and "previous site" in readme


def test_an_unwritable_output_folder_is_an_error_the_command_line_prints_in_one_line(
    make_project: MakeProject,
) -> None:
    from generator.cli.commands import email_build_command

    settings = make_project({"01.txt": GOOD})
    (settings.root / "out").write_text("a file where the output folder should be")
    with pytest.raises(OSError) as raised:
        email_build_command(settings, None, lambda _line: None, StandInEmbedder())
    # cli.main prints an OSError as "error: <file>: <reason>" and exits 1 (see the cache case).
    assert raised.value.filename and raised.value.strerror
