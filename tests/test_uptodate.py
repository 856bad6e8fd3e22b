"""A build with nothing new leaves the site as it is; any change to what it is made from builds.

generator/uptodate.py hashes the inputs of a build; these tests build the small fixture
newsletter, build again unchanged (nothing is made: the same folder, the same bytes, the
report says so), then change one input of each kind and check that the next build makes the
site again and shows the change.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from generator.build import BuildReport, build
from generator.cli import main
from generator.config import Settings, load_settings
from generator.uptodate import STAMP_FILE, fingerprint
from tests.conftest import MakeProject, paper
from tests.stand_in import StandInEmbedder
from tests.test_incremental import tree

GOOD = paper("A Good Paper About Owls") + paper("Another Good Paper About Owls")
ORPHAN = paper("A Fine Paper About Owls") + "Orphan Title At The End\n"


def build_quietly(settings: Settings, force: bool = False) -> BuildReport:
    return build(settings, embedder=StandInEmbedder(), force=force)


@pytest.fixture
def built(make_project: MakeProject) -> Settings:
    settings = make_project()
    assert not build_quietly(settings).up_to_date
    return settings


def test_a_build_with_nothing_new_leaves_the_site_as_it_is(built: Settings) -> None:
    folder = built.site_dir.stat().st_ino
    before = tree(built.site_dir)
    report = build_quietly(built)
    assert report.up_to_date
    assert report.rendered_pages == report.reused_pages == 0
    assert built.site_dir.stat().st_ino == folder  # not even swapped: no new folder
    assert tree(built.site_dir) == before
    # The summary still counts what the site holds.
    forced = build_quietly(built, force=True)
    assert not forced.up_to_date
    assert (report.issues, report.papers, report.topics, report.pages) == (
        forced.issues,
        forced.papers,
        forced.topics,
        forced.pages,
    )
    assert tree(built.site_dir) == before  # and --force makes the same bytes


def _edit_digest(settings: Settings) -> str:
    (settings.digests_dir / "2099-01-01.txt").write_text(paper("A Paper About Marmosets"))
    return "Marmosets"


def _edit_template(settings: Settings) -> str:
    home = settings.templates_dir / "pages" / "home.md.j2"
    home.write_text(home.read_text() + "\n<p>Gibbon note</p>\n")
    return "Gibbon note"


def _edit_theme_override(settings: Settings) -> str:
    main_html = settings.templates_dir / "overrides" / "main.html"
    main_html.write_text(
        main_html.read_text().replace(
            "{% block extrahead %}", '{% block extrahead %}\n<meta name="x-lemur" content="1">'
        )
    )
    return "x-lemur"


def _edit_handwritten_page(settings: Settings) -> str:
    about = settings.docs_dir / "about.md"
    about.write_text(about.read_text() + "\nOkapi paragraph.\n")
    return "Okapi paragraph"


def _edit_settings(settings: Settings) -> str:
    config = settings.config_file
    config.write_text(config.read_text().replace("  - About: about.md", "  - Tapir: about.md"))
    return "Tapir"


EDITS: dict[str, Callable[[Settings], str]] = {
    "digest": _edit_digest,
    "page template": _edit_template,
    "theme override": _edit_theme_override,
    "hand-written page": _edit_handwritten_page,
    "mkdocs.yml": _edit_settings,
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_changed_input_builds_the_site_again(built: Settings, kind: str) -> None:
    shown = EDITS[kind](built)
    report = build_quietly(load_settings(built.config_file))
    assert not report.up_to_date
    assert any(shown.encode() in data for data in tree(built.site_dir).values())
    assert build_quietly(load_settings(built.config_file)).up_to_date


def test_source_date_epoch_is_an_input(built: Settings) -> None:
    later = dataclasses.replace(built, source_date_epoch=1_900_000_000)
    assert not build_quietly(later).up_to_date
    assert build_quietly(later).up_to_date
    assert not build_quietly(built).up_to_date


@pytest.mark.parametrize("top", ["papers", "index.md"])
def test_generated_docs_are_written_again_when_touched(built: Settings, top: str) -> None:
    """docs/papers/ and the like are the build's output, which `serve` and MkDocs read."""
    before = {p: p.read_bytes() for p in built.docs_dir.rglob("*.md")}
    path = built.docs_dir / top
    victim = next(path.rglob("*.md")) if path.is_dir() else path
    victim.unlink()
    assert not build_quietly(built).up_to_date
    assert {p: p.read_bytes() for p in built.docs_dir.rglob("*.md")} == before
    assert build_quietly(built).up_to_date


def test_a_site_replaced_or_removed_is_built_again(built: Settings) -> None:
    before = tree(built.site_dir)
    shutil.rmtree(built.site_dir)
    assert not build_quietly(built).up_to_date
    assert tree(built.site_dir) == before
    # Another folder put in its place (a copy, a checkout) is not the one the build made.
    copy = built.site_dir.with_name("copy")
    shutil.copytree(built.site_dir, copy)
    shutil.rmtree(built.site_dir)
    copy.rename(built.site_dir)
    assert not build_quietly(built).up_to_date


def test_a_failed_build_keeps_the_record_of_the_site_in_place(built: Settings) -> None:
    """A build that fails leaves the site, and what it was made from, as they were."""
    home = built.templates_dir / "pages" / "home.md.j2"
    good = home.read_text()
    home.write_text(good + "{{ no_such_name }}")
    with pytest.raises(Exception, match="no_such_name"):
        build_quietly(built)
    home.write_text(good)
    assert build_quietly(built).up_to_date


def test_a_damaged_record_builds_again(built: Settings) -> None:
    (built.cache_dir / STAMP_FILE).write_text("{not json")
    assert not build_quietly(built).up_to_date
    assert build_quietly(built).up_to_date


@pytest.mark.model
def test_the_command_says_nothing_changed_and_force_builds(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_project({"00-good.txt": GOOD})
    monkeypatch.chdir(settings.root)
    assert main(["build", "-q"]) == 0
    assert "Built 1 issues" in capsys.readouterr().out
    assert main(["build", "-q"]) == 0
    out = capsys.readouterr().out.replace("\n", "")
    assert "Nothing has changed since the last build: 1 issues, 2 papers" in out
    assert f"Site: {settings.site_dir}" in out
    assert main(["build", "-q", "--force"]) == 0
    assert "Built 1 issues" in capsys.readouterr().out


def test_a_digest_problem_is_reported_on_a_build_with_nothing_new(
    make_project: MakeProject,
) -> None:
    settings = make_project({"00-good.txt": GOOD, "01-orphan.txt": ORPHAN})
    first = build_quietly(settings)
    assert first.problems
    again = build_quietly(settings)
    assert again.up_to_date
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems]


def test_odd_entries_among_the_digests_are_hashed_not_opened(built: Settings) -> None:
    """A pipe is never opened (it would wait for a writer), a link loop is entered once, a link
    to nothing and an unreadable file are states like any other: the build still decides."""
    folder = built.digests_dir
    os.mkfifo(folder / "pipe.txt")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop").symlink_to(folder)
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(fingerprint(built)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done, "hashing the inputs did not finish"
    assert not build_quietly(built).up_to_date  # new entries: the inputs changed
    assert build_quietly(built).up_to_date
    (folder / "nowhere.txt").write_text(paper("A Paper That Appeared"))
    assert fingerprint(built) != done[0]


def test_a_stamp_that_cannot_be_written_only_means_the_next_build_builds(built: Settings) -> None:
    stamp = built.cache_dir / STAMP_FILE
    stamp.unlink()
    stamp.mkdir()  # in the way of the file: writing it fails
    report = build_quietly(built, force=True)
    assert not report.up_to_date and report.pages > 0
    assert not build_quietly(built).up_to_date


def test_a_function_named_in_mkdocs_yml_hashes_the_same_in_every_process(
    make_project: MakeProject,
) -> None:
    """Material's emoji setup names a function with a YAML tag; its address in memory differs
    from one process to the next, and must not make every build a new one."""
    settings = make_project()
    config = settings.config_file
    config.write_text(
        config.read_text().replace(
            "markdown_extensions:\n",
            "markdown_extensions:\n  - pymdownx.emoji:\n"
            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
        )
    )
    script = (
        "import sys; from generator.config import load_settings; "
        "from generator.uptodate import fingerprint; "
        "print(fingerprint(load_settings(sys.argv[1])))"
    )

    def in_a_process() -> str:
        command = [sys.executable, "-c", script, str(config)]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    first = in_a_process()
    assert first.strip() and in_a_process() == first
