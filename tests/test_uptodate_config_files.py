"""The up-to-date check sees the files mkdocs.yml brings in: `INHERIT:` files and `hooks:`.

A project whose mkdocs.yml inherits part of its settings from another file (which inherits
from a third), and runs a hook that marks every page, is built; each of those files is edited,
and the next build must make the site again and show the edit.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import build
from generator.config import Settings, load_settings
from tests.conftest import REPO, MakeProject
from tests.stand_in import StandInEmbedder
from tests.test_incremental import tree

HOOK = """
def on_post_page(output, page, config, **kwargs):
    return output.replace("</body>", "<!-- mark: {mark} --></body>")
"""

CHILD = """
import sys
from generator.build import build
from generator.config import load_settings
from tests.stand_in import StandInEmbedder

report = build(load_settings(sys.argv[1]), embedder=StandInEmbedder())
print("up to date" if report.up_to_date else "built")
"""


def setup_project(settings: Settings) -> None:
    """Move the copyright into inherited files and add a hook that marks every page."""
    root = settings.root
    (root / "deeper.yml").write_text('extra:\n  generator: false\ncopyright: "By Capybara"\n')
    (root / "base.yml").write_text("INHERIT: deeper.yml\nsite_description: Base description\n")
    (root / "hooks").mkdir()
    (root / "hooks" / "mark.py").write_text(HOOK.format(mark="Quetzal"))
    config = settings.config_file
    text = config.read_text("utf-8")
    config.write_text(f"INHERIT: base.yml\nhooks:\n  - hooks/mark.py\n{text}", "utf-8")


def _edit_deeper(root: Path) -> str:
    path = root / "deeper.yml"
    path.write_text(path.read_text().replace("By Capybara", "By Wombat"))
    return "By Wombat"


def _edit_base(root: Path) -> str:
    path = root / "base.yml"
    path.write_text(path.read_text() + 'copyright: "By Numbat"\n')
    return "By Numbat"


def _edit_hook(root: Path) -> str:
    (root / "hooks" / "mark.py").write_text(HOOK.format(mark="Axolotl"))
    return "mark: Axolotl"


EDITS: dict[str, Callable[[Path], str]] = {
    "an inherited file": _edit_base,
    "a file it inherits": _edit_deeper,
    "a hook": _edit_hook,
}


def shows(site: Path, text: str) -> bool:
    return any(text.encode() in data for data in tree(site).values())


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_an_edited_inherited_file_or_hook_builds_again(
    make_project: MakeProject, kind: str
) -> None:
    settings = make_project()
    setup_project(settings)
    settings = load_settings(settings.config_file)
    build(settings, embedder=StandInEmbedder())
    assert shows(settings.site_dir, "By Capybara") and shows(settings.site_dir, "mark: Quetzal")
    assert build(settings, embedder=StandInEmbedder()).up_to_date
    shown = EDITS[kind](settings.root)
    # In a new process, as every build is: MkDocs keeps a hook it loaded for the process's life.
    assert build_in_child(settings.config_file) == "built"
    assert shows(settings.site_dir, shown), f"an edited {kind} left the site stale"
    assert build_in_child(settings.config_file) == "up to date"


def build_in_child(config: Path) -> str:
    """Build in a child process, with the stand-in embedder; return what the report says."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return result.stdout.strip()


def test_an_inherit_loop_or_missing_file_is_no_traceback_in_the_check(
    make_project: MakeProject,
) -> None:
    from generator.uptodate import fingerprint

    settings = make_project()
    (settings.root / "a.yml").write_text("INHERIT: b.yml\n")
    (settings.root / "b.yml").write_text("INHERIT: a.yml\n")
    config = settings.config_file
    config.write_text("INHERIT: a.yml\n" + config.read_text())
    first = fingerprint(settings)
    (settings.root / "b.yml").unlink()
    assert fingerprint(settings) != first
