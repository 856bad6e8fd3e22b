"""Render pages in worker processes: MkDocs renders one page after another, on one core.

Once MkDocs has read and converted every page (its `env` event), the page cache plugin
(`pagecache.py`) hands `prerender` the pages it has to render. Forked workers each render a
share exactly as MkDocs would, with MkDocs' own `_build_page` (every plugin's hooks included),
and send back what the page cache keeps of each page; MkDocs' own loop then writes each page
from that HTML. The workers start from a copy of the build's memory (fork), so nothing but
their answers crosses between processes.

A worker that fails, or that MkDocs warns in, sends back nothing for its share: MkDocs then
renders those pages itself, in the build's process, where strict mode counts every warning.
Where fork is missing, or only one core is free, or there are few pages, nothing changes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

# Fewer pages than this are not worth starting processes for.
MIN_PAGES = 200
# The most workers: each holds a copy-on-write image of the build.
MAX_WORKERS = 4


@dataclass(frozen=True)
class Rendered:
    """What a worker sends back of one page it rendered."""

    src_uri: str
    html: str
    kept: Any  # what the page cache keeps of the page (its entry and icons)


# The job the workers share, set just before they are forked: (pages, render one page).
_job: tuple[Sequence[Any], Callable[[Any], Rendered]] | None = None


def workers() -> int:
    """Return how many workers to start: the cores this process may use, within MAX_WORKERS."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def prerender(pages: Sequence[Any], render: Callable[[Any], Rendered]) -> list[Rendered]:
    """Render `pages` with `render` in forked workers; return what came back, in page order.

    A page missing from the answer is to be rendered by the caller.
    """
    count = workers()
    if count < 2 or len(pages) < MIN_PAGES:
        return []
    global _job
    _job = (pages, render)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            shares = list(pool.map(_render_share, range(count), [count] * count))
    finally:
        _job = None
    done = {rendered.src_uri: rendered for share in shares for rendered in share}
    return [done[page.file.src_uri] for page in pages if page.file.src_uri in done]


class _Warned(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


def _render_share(share: int, count: int) -> list[Rendered]:
    """Render every `count`-th page from `share` on (in a worker); nothing if MkDocs warned."""
    assert _job is not None
    pages, render = _job
    warned = _Warned()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warned)
    try:
        rendered = [render(page) for page in pages[share::count]]
    except Exception:  # the build's process renders this share again, and reports the error
        return []
    finally:
        logger.removeHandler(warned)
    return [] if warned.seen else rendered
