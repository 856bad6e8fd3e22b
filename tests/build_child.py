"""`paper-digest` in a process of its own, for tests that kill it or fill its disk.

The real command line (`generator.cli.main`), with two test settings from the environment:
the stand-in embedder instead of the model (no model loads), and page workers on a small
project (`parallel.MIN_PAGES` and `pagecache.MIN_CONVERT` at 1, `PD_TEST_WORKERS` workers).
`PD_TEST_SHARE_DELAY` seconds of sleep at the start of each worker's share leaves a test the
time to find the workers and kill one, or the build, while they run.

    python -m tests.build_child -f mkdocs.yml build -q
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from generator import cli
from generator.build import BuildReport, Progress
from generator.config import Settings
from generator.site import pagecache, parallel
from tests.stand_in import StandInEmbedder

real_build = cli.build
real_share = parallel._work_share


def build_with_stand_in(
    settings: Settings, progress: Progress | None = None, force: bool = False
) -> BuildReport:
    settings = replace(settings, page_workers=True)  # off by default: these tests kill them
    return real_build(settings, progress, embedder=StandInEmbedder(), force=force)


def slow_share(share: int, count: int) -> list[Any] | None:
    time.sleep(float(os.environ.get("PD_TEST_SHARE_DELAY", "0")))
    return real_share(share, count)


def main(argv: Sequence[str]) -> int:
    parallel.MAX_WORKERS = int(os.environ.get("PD_TEST_WORKERS", "2"))
    parallel.MIN_PAGES = 1
    pagecache.MIN_CONVERT = 1
    parallel._work_share = slow_share  # type: ignore[assignment]
    cli.build = build_with_stand_in  # type: ignore[assignment]
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
