"""The embedding stage's progress bar: papers per second and the time left, of the papers
embedded (the ones found in the cache do not count as speed)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Sequence

import numpy as np
import pytest
from rich.console import Console

from generator.build import SilentProgress, add_keyphrases, read_inputs
from generator.cli.console import RichProgress
from generator.keyphrases import Document, extract_keyphrases, keyphrase_settings
from generator.model import Catalog
from tests.conftest import DEMO_DIGESTS, MakeProject
from tests.stand_in import StandInEmbedder

PAPERS = 100  # of the demo's: 96 from the cache, 4 embedded
PAUSE = 0.2  # seconds an encode call takes, at least: two calls a paper (its phrases, itself)


class Slow(StandInEmbedder):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(PAUSE)
        return super().encode(texts)


def test_the_bar_shows_the_rate_of_the_papers_embedded_and_the_time_left(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_project(source=DEMO_DIGESTS)
    catalog, _ = read_inputs(settings, SilentProgress())
    papers = sorted(catalog.papers, key=lambda p: p.id)[:PAPERS]
    catalog = Catalog(catalog.issues, tuple(papers))
    docs = [Document(p.id, p.title, p.abstract) for p in papers]
    embedded = 4
    extract_keyphrases(docs[embedded:], keyphrase_settings(settings), settings.cache_dir,
                       StandInEmbedder())  # fmt: skip
    monkeypatch.setattr("generator.keyphrases.extract.CHUNK", 1)
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False, color_system=None)
    started = time.monotonic()
    _, result = add_keyphrases(catalog, settings, RichProgress(console), Slow())
    seconds = time.monotonic() - started
    assert (result.embedded, result.cached) == (embedded, len(docs) - embedded)
    line = out.getvalue().strip().splitlines()[-1]
    assert "Extracting keyphrases" in line and f"{len(docs)}/{len(docs)}" in line
    rate = float(re.findall(r"([0-9.,]+)/s", line)[-1].replace(",", ""))
    # The papers embedded over the time they took (at most 1/(2 PAUSE) a second), not every
    # paper over it: the cached ones came at once, before.
    assert 0 < rate <= 1 / (2 * PAUSE) + 1e-9 < len(docs) / seconds
    assert re.search(r"\d:\d\d:\d\d", line)  # the time left (0 at the end) and the elapsed
