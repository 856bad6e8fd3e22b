"""What the user sees in the terminal: progress while building, problems, and the summary."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from generator.build import Advance, BuildReport
from generator.model import Problem, Severity


@contextmanager
def warnings_shown(errors: Console) -> Iterator[None]:
    """Print the package's logged warnings (a page worker lost, `parallel.py`) as one line
    each on `errors` while the block runs."""
    handler = _Warnings(errors)
    logger = logging.getLogger("generator")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


class _Warnings(logging.Handler):
    def __init__(self, errors: Console) -> None:
        super().__init__(logging.WARNING)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        message = f"warning: {record.getMessage()}"
        self.errors.print(message, style="yellow", markup=False, highlight=False, soft_wrap=True)


# Seconds of progress the rate and the time left are estimated over: several chunks of papers
# embedded (a chunk takes 5-20 s on two cores), so that the estimate does not jump with each.
RATE_WINDOW = 120.0


class RateColumn(ProgressColumn):
    """Items per second since the stage's first report: the embedding stage's first report is
    the papers found in the cache, at once, so the rate is that of the papers embedded."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("…/s", style="progress.data.speed")
        return Text(f"{speed:,.{1 if speed < 100 else 0}f}/s", style="progress.data.speed")


class RichProgress:
    """Draw each stage as a line: a spinner, or a bar when the stage knows its size, with the
    rate and the time left (embedding: papers per second and when the last will be done)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Advance]:
        columns: list[ProgressColumn] = [
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
        ]
        if total is not None:
            columns += [BarColumn(), MofNCompleteColumn(), RateColumn(), TimeRemainingColumn()]
        columns.append(TimeElapsedColumn())
        with Progress(
            *columns, console=self.console, transient=False, speed_estimate_period=RATE_WINDOW
        ) as bar:
            task = bar.add_task(label, total=total if total is not None else 1)
            yield lambda steps: bar.advance(task, steps)
            bar.update(task, completed=total if total is not None else 1)


def line_printer(console: Console) -> Callable[[str], None]:
    """Print lines as they are: no markup, no highlighting, no wrapping."""
    return lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_problems(console: Console, problems: Iterable[Problem]) -> None:
    """Print each problem on one line, errors in red, warnings in yellow."""
    for problem in problems:
        style = "red" if problem.severity is Severity.ERROR else "yellow"
        console.print(str(problem), style=style, markup=False, highlight=False, soft_wrap=True)


def print_summary(console: Console, report: BuildReport) -> None:
    """Print the short summary that ends a build."""
    errors = sum(1 for p in report.problems if p.severity is Severity.ERROR)
    warnings = len(report.problems) - errors
    if report.up_to_date:
        console.print(
            f"Nothing has changed since the last build: {report.issues} issues, "
            f"{report.papers} papers, {report.topics} topics, {report.pages} pages, checked "
            f"in {report.seconds:.1f} s; the site is as it was (`build --force` builds again).",
            highlight=False,
            soft_wrap=True,
        )
    else:
        _print_built(console, report)
    if errors:
        console.print(
            f"{errors} input errors above (and {warnings} warnings): the papers they name were "
            "left out; every other paper is in the site.",
            style="yellow",
            highlight=False,
            soft_wrap=True,
        )
    elif warnings:
        console.print(f"{warnings} warnings above.", style="yellow", highlight=False)
    for warning in report.size_warnings:
        console.print(warning, style="yellow", highlight=False, soft_wrap=True)
    console.print(f"Site: {report.site_dir}", highlight=False, soft_wrap=True)


def _print_built(console: Console, report: BuildReport) -> None:
    repeated = f", {report.repeated} listed twice in one digest" if report.repeated else ""
    console.print(
        f"Built {report.issues} issues: {report.papers} papers "
        f"({report.listings} listings, {report.merged} merged across issues{repeated}), "
        f"{report.topics} topics, {report.pages} pages in {report.seconds:.1f} s.",
        highlight=False,
        soft_wrap=True,
    )
    if report.topics:
        share = 100 * report.on_topic_pages / max(report.papers, 1)
        console.print(
            f"Keyphrases: {report.embedded} papers embedded, {report.cached} from the cache; "
            f"{report.on_topic_pages} papers ({share:.0f}%) on a topic page.",
            highlight=False,
            soft_wrap=True,
        )
    if report.reused_pages or report.rendered_in_workers:
        workers = (
            f" ({report.rendered_in_workers} by worker processes)"
            if report.rendered_in_workers
            else ""
        )
        console.print(
            f"Pages: {report.rendered_pages} rendered{workers}, {report.reused_pages} "
            "unchanged (from the page cache).",
            highlight=False,
        )
