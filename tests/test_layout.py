"""The package's shape: stages import only the stages before them; modules and functions stay small.

The order of the stages is the pipeline's (README "Layout"): a module may import its own stage
and those before it, never one after it, so each stage can be read, tested and replaced
knowing only what comes before it.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "generator"
# Stage of each top-level part of the package, in pipeline order.
STAGES = {
    "generator": 0,
    "generator.model": 0,
    "generator.errors": 1,
    "generator.config": 2,
    "generator.paths": 2,
    "generator.atomic": 2,
    "generator.sources": 3,
    "generator.catalog": 4,
    "generator.fetch": 4,
    "generator.keyphrases": 5,
    "generator.topics": 6,
    "generator.site": 7,
    "generator.mail": 8,
    "generator.build": 9,
    "generator.uptodate": 9,
    "generator.cli": 10,
}
# A module holds one idea, whatever its length, up to about this (STYLE.md): not split to fit.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(name: str) -> int:
    """Return the stage of a module: that of the longest listed prefix of its dotted name."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in STAGES:
            return STAGES[prefix]
    raise AssertionError(f"{name} belongs to no stage: add it to STAGES and README's Layout")


def imported(tree: ast.AST) -> set[str]:
    """Return every module of the package the tree imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] == "generator"}


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_imports_point_down_the_pipeline(path: Path) -> None:
    name = module_name(path)
    mine = stage_of(name)
    tree = ast.parse(path.read_text("utf-8"))
    later = sorted(dep for dep in imported(tree) if stage_of(dep) > mine)
    assert not later, f"{name} (stage {mine}) imports later stages: {later}"


def test_the_model_imports_nothing_else_of_the_package() -> None:
    tree = ast.parse((PACKAGE / "model.py").read_text("utf-8"))
    assert imported(tree) == set()


def test_every_module_belongs_to_a_stage() -> None:
    for path in modules():
        stage_of(module_name(path))


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text("utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name} is over {MAX_MODULE_LINES}"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{name_of(path, node)} is {length} lines"


def name_of(path: Path, node: ast.AST) -> str:
    return f"{module_name(path)}.{getattr(node, 'name', '?')}:{getattr(node, 'lineno', 0)}"


def test_only_the_command_line_prints() -> None:
    """Stages return data; the command line alone writes to the terminal."""
    for path in modules():
        if module_name(path).startswith("generator.cli"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        calls = [
            n.lineno
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        ]
        assert not calls, f"{module_name(path)} prints (lines {calls})"
        assert "rich" not in {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        } | {
            n.module.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module
        }, f"{module_name(path)} imports rich"


def test_no_module_of_the_package_is_git_ignored() -> None:
    """A module that .gitignore matches would be missing from every clean checkout."""
    repo = PACKAGE.parent
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    paths = [str(path.relative_to(repo)) for path in modules()]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == [], "ignored by .gitignore: fix its patterns"
