"""Work on pages in worker processes: Jinja and MkDocs render one page after another, on one
core.

The paper pages' Markdown is rendered from their template by workers (`pages.py`), and the
page cache plugin (`pagecache.py`), with `page_workers: true` (off by default: README,
"Private APIs we use, and why"), uses workers twice in MkDocs' build:

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

A worker that dies (killed, or by the kernel when memory runs out) breaks the pool: the
others are stopped, and the build's own process does the shares that did not come back,
saying so in one line (a warning on this module's logger, which the CLI prints). Workers die
with the build (on Linux, `PR_SET_PDEATHSIG`): a killed build leaves no worker behind, and
none of them holds the site's lock (`swap.py`).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

# Fewer pages than this are not worth starting processes for.
MIN_PAGES = 200
# The most workers: each holds a copy-on-write image of the build.
MAX_WORKERS = 4
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
LOST = (
    "a page worker process stopped or could not start (killed, or out of memory): "
    "the build's own process renders its pages instead"
)
log = logging.getLogger(__name__)

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
        shares = _run_shares(count)
    finally:
        gc.unfreeze()
        _job = None
    results: list[Result | None] = [None] * len(items)
    for share, done in enumerate(shares):
        if done is not None:
            results[share::count] = done
    return results


def _run_shares(count: int) -> list[list[Any] | None]:
    """Have `count` forked workers do one share each; None for a share that did not come back.

    A worker that died breaks the pool (BrokenProcessPool): the pool stops the others, and
    their shares are None too. So is every share when the workers cannot be started.
    """
    context = multiprocessing.get_context("fork")
    shares: list[list[Any] | None] = []
    lost = False
    try:
        with ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=_started, initargs=(os.getpid(),)
        ) as pool:
            futures = [pool.submit(_work_share, share, count) for share in range(count)]
            for future in futures:
                try:
                    shares.append(future.result())
                except BrokenProcessPool:
                    shares.append(None)
                    lost = True
    except (BrokenProcessPool, OSError):  # broken before every share was given; no fork
        shares, lost = [None] * count, True
    if lost:
        log.warning(LOST)
    return shares


def _started(parent: int) -> None:
    """Begin a worker: have the kernel kill it when the build dies; end it if it has died."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the build died before the line above took effect
        os._exit(1)


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
