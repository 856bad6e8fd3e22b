"""Work on pages in worker processes: Jinja and MkDocs render one page after another, on one
core.

The paper pages' Markdown is rendered from their template by workers (`pages.py`), and the
page cache plugin (`pagecache.py`) uses workers twice in MkDocs' build:

- once MkDocs has made its pages (its `nav` event), workers convert the Markdown of the pages
  to render (issue, topic and list pages: paper pages need no Markdown, `htmlbody.py`), and
  MkDocs' own reading loop then takes each page's HTML, table of contents and anchors from
  what came back;
- once every page is read (its `env` event), workers render the pages to render with MkDocs'
  own `_build_page` (every plugin's hooks included), which writes each page's file; MkDocs'
  own loop then passes over those pages, leaving their files as the workers wrote them, and
  the page cache keeps the HTML that came back.

The workers start from a copy of the build's memory (fork), so nothing but their answers
and the pages' files crosses between processes. A worker that fails, or that MkDocs warns
in, sends back nothing for its share: the build's own process then does that work itself
(writing those pages' files again), as MkDocs would, where strict mode counts every warning.
Where fork is missing, or only one core is free, or there are few pages, nothing changes.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

# Fewer pages than this are not worth starting processes for.
MIN_PAGES = 200
# The most workers: each holds a copy-on-write image of the build.
MAX_WORKERS = 4

Item = TypeVar("Item")
Result = TypeVar("Result")

# The job the workers share, set just before they are forked: (items, work on one item).
_job: tuple[Sequence[Any], Callable[[Any], Any]] | None = None


def workers() -> int:
    """Return how many workers to start: the cores this process may use, within MAX_WORKERS."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def in_workers(
    items: Sequence[Item], work: Callable[[Item], Result], minimum: int | None = None
) -> list[Result | None]:
    """Run `work` on each of `items` in forked workers; return the results in item order.

    An item whose result is None is the caller's to work on: its worker failed or warned, or
    there were no workers (fewer items than `minimum`, MIN_PAGES by default; one core).
    """
    count = workers()
    if count < 2 or len(items) < max(MIN_PAGES if minimum is None else minimum, 1):
        return [None] * len(items)
    global _job
    _job = (items, work)
    # The build's objects move out of the collector's reach: a collection in a worker would
    # write to every one of them, and so copy every page of memory they are on.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            shares = list(pool.map(_work_share, range(count), [count] * count))
    finally:
        gc.unfreeze()
        _job = None
    results: list[Result | None] = [None] * len(items)
    for share, done in enumerate(shares):
        if done is not None:
            results[share::count] = done
    return results


class _Warned(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


def _work_share(share: int, count: int) -> list[Any] | None:
    """Work on every `count`-th item from `share` on (in a worker); None if MkDocs warned."""
    assert _job is not None
    items, work = _job
    warned = _Warned()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warned)
    try:
        done = [work(item) for item in items[share::count]]
    except Exception:  # the build's process does this share again, and reports the error
        return None
    finally:
        logger.removeHandler(warned)
    return None if warned.seen else done
