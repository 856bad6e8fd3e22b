"""`paper-digest check`: every problem, then per file the format chosen, why, and what it gave.

`check` reads the digests folder as a build does; `check PATH` reads one file or folder
instead, and `--format KEY` reads it in that format whatever its content looks like (to try a
reader when the guess is wrong). Each file's line gives its papers and format; the line under
it the evidence the format was chosen by and the records refused, counted by reason.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from generator.build import read_catalog
from generator.catalog import build_catalog
from generator.cli.console import print_problems
from generator.config import Settings
from generator.errors import ConfigError
from generator.model import Problem, Severity
from generator.sources import FileReport, ReadResult, display_path, read_digests, read_one
from generator.sources.formats import FORMAT_KEYS, Format

# A problem's message -> the reason it is counted under (first match); knowledge, not code.
REASONS: tuple[tuple[str, str], ...] = (
    ("has no abstract", "no abstract"),
    ("has no title", "no title"),
    ("not valid JSON", "broken JSON"),
    ("is broken", "broken record"),
    ("is not a JSON object", "not a record"),
    ("fields, the header has", "wrong number of fields"),
    ("abstract with no title", "abstract without a title"),
    ("the arXiv API answered with an error", "arXiv API error"),
    ("not a digest", "not a digest"),
    ("no papers found", "no paper in the file"),
)


def reason(problem: Problem) -> str:
    """The reason a problem is counted under in `check`'s per-file lines."""
    return next((why for text, why in REASONS if text in problem.message), "other")


def forced_format(key: str | None) -> Format | None:
    if key is None:
        return None
    found = FORMAT_KEYS.get(key)
    if found is None:
        names = ", ".join(sorted(FORMAT_KEYS))
        raise ConfigError(f"--format {key!r} is no format", f"use one of {names}")
    return found


def read_path(path: Path, settings: Settings, forced: Format | None) -> ReadResult:
    """Read one file, or every digest below a folder, as `check PATH` does."""
    if path.is_dir():
        return read_digests(path, settings.default_year, settings.root, forced)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file or folder", "give a digest file or a folder")
    display = display_path(path, settings.root)
    read = read_one(path, display, 1, settings.default_year, forced)
    papers = len(read.issue.entries) if read.issue else 0
    name = read.format.name if read.format else None
    refused = sum(1 for p in read.problems if p.severity is Severity.ERROR)
    report = FileReport(display, name, papers, read.evidence, refused)
    issues = (read.issue,) if read.issue else ()
    return ReadResult(issues, tuple(read.problems), (report,))


def print_reports(console: Console, files: Iterable[FileReport], problems: list[Problem]) -> None:
    """Per file: papers and format; under it, the evidence and the records refused by reason."""
    rows = list(files)
    width = max((len(row.path) for row in rows), default=0)
    for row in rows:
        what = f"{row.papers:>5} papers  {row.format}" if row.format else "not read (see above)"
        console.print(f"{row.path:<{width}}  {what}", markup=False, highlight=False, soft_wrap=True)
        mine = [p for p in problems if p.location.path == row.path]
        counts = Counter(reason(p) for p in mine if p.severity is Severity.ERROR)
        refused = ", ".join(f"{n} {why}" for why, n in sorted(counts.items()))
        detail = f"evidence: {row.evidence or 'its content'}"
        detail += f"; refused: {refused}" if refused else ""
        console.print(f"    {detail}", markup=False, highlight=False, soft_wrap=True)


def check(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    forced = forced_format(args.format)
    if args.path is None and forced is None:
        catalog, result = read_catalog(settings)
    else:
        result = read_path(args.path or settings.digests_dir, settings, forced)
        catalog = build_catalog(result.issues)
    print_problems(console, result.problems)
    print_reports(console, result.files, list(result.problems))
    errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
    console.print(
        f"{len(catalog.issues)} issues, {len(catalog.papers)} papers; "
        f"{errors} errors, {warnings} warnings.",
        highlight=False,
    )
    return 1 if errors else 0


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="a digest file or folder to check (default: the digests folder)",
    )
    parser.add_argument(
        "--format",
        metavar="FORMAT",
        help="read in this format whatever the content looks like: "
        + ", ".join(sorted(FORMAT_KEYS)),
    )
