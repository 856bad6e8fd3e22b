"""Fuzz every reader and `fetch`'s answer parsing (benchmarks/fuzz.py): any bytes in gives
papers, problems or one refusal, never a traceback, never an example over the deadline.

A bounded run here (derandomized: the same examples every run); `make bench` runs many more
with a new seed. Each crash found is kept in tests/fixtures/fuzz/ and replayed below.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings

from benchmarks.fuzz import (
    EXTRA_TARGETS,
    REGRESSIONS,
    Target,
    all_targets,
    answering,
    example_settings,
)
from generator.sources import READERS

EXAMPLES = 300  # a target: about a minute for every target on a quiet machine
SEED_BYTES = 8 * 1024  # seeds cut short: BibTeX's LaTeX decoding is slow on long files
DEADLINE_MS = 10_000  # an example that takes this long is a hang in the making


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetch targets talk to 127.0.0.1 directly, whatever proxy the shell sets."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def targets() -> Iterator[dict[str, Target]]:
    with tempfile.TemporaryDirectory() as folder, answering() as answers:
        yield {t.name: t for t in all_targets(answers, Path(folder), SEED_BYTES)}


NAMES = [kind.name for kind in READERS] + list(EXTRA_TARGETS)


def test_every_reader_of_the_registry_is_a_target(targets: dict[str, Target]) -> None:
    assert sorted(targets) == sorted(NAMES)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", NAMES)
def test_fuzz(targets: dict[str, Target], name: str) -> None:
    target = targets[name]
    run = settings(example_settings(EXAMPLES, seed=None, deadline_ms=DEADLINE_MS))(
        given(target.strategy)(target.check)
    )
    run()


@pytest.mark.parametrize("path", sorted(REGRESSIONS.iterdir()), ids=lambda p: p.name)
def test_crashes_found_stay_fixed(targets: dict[str, Target], path: Path) -> None:
    """Every crash the fuzzer found, through every reader and read_digest."""
    data = path.read_bytes()
    for name in [kind.name for kind in READERS] + ["read_digest (any file)"]:
        targets[name].check(data)
