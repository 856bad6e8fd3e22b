"""The page cache and the page workers are optional, and the site is the same bytes without them.

`extra.paper_digest.page_cache: false` neither reads nor writes `.cache/pages/`;
`page_workers: true` renders pages in worker processes (off by default). With both off,
MkDocs renders every page itself, through its public events only (README, "Private APIs we
use, and why"). Each way gives the bytes of a build with both, whose workers are made to run
here (the fixture is smaller than the size where they start).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import BuildReport, build
from generator.config import Settings, load_settings
from generator.errors import ConfigError
from generator.site import pagecache, parallel
from generator.site.pagecache import PAGES_SUBDIR
from tests.conftest import FIXTURES, MakeProject
from tests.stand_in import StandInEmbedder


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def with_options(settings: Settings, options: str) -> Settings:
    """Add `options` (YAML lines) to the project's extra.paper_digest; reload its settings."""
    config = settings.config_file
    text = config.read_text()
    assert "\n  paper_digest:\n" in text
    config.write_text(text.replace("\n  paper_digest:\n", f"\n  paper_digest:\n{options}", 1))
    return load_settings(config)


def built(settings: Settings) -> BuildReport:
    return build(settings, embedder=StandInEmbedder())


@pytest.fixture
def workers_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the page workers start on a site of a few pages."""
    assert parallel.workers() >= 2, "the page workers need two cores (this machine has them)"
    monkeypatch.setattr(parallel, "MAX_WORKERS", 2)
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setattr(pagecache, "MIN_CONVERT", 1)


@pytest.mark.parametrize(
    "options",
    [
        "    page_cache: false\n",
        "    page_cache: false\n    page_workers: true\n",
        "",
    ],
)
def test_a_build_without_the_cache_or_the_workers_gives_the_same_bytes(
    make_project: MakeProject, workers_run: None, options: str
) -> None:
    themed = FIXTURES / "digests" / "themed"
    default = with_options(make_project(source=themed), "    page_workers: true\n")
    first = built(default)
    assert first.rendered_in_workers > 0
    other = with_options(make_project(source=themed), options)
    report = built(other)
    assert tree(other.site_dir) == tree(default.site_dir)
    assert report.rendered_pages == first.rendered_pages
    store = other.cache_dir / PAGES_SUBDIR
    if "page_cache: false" in options:
        assert not store.exists()
        again = build(other, embedder=StandInEmbedder(), force=True)
        assert again.reused_pages == 0 and not store.exists()
    else:
        assert store.is_dir()
    if "page_workers: true" in options:
        assert report.rendered_in_workers > 0
    else:
        assert report.rendered_in_workers == report.converted_in_workers == 0


def test_a_setting_that_is_not_true_or_false_is_refused_by_name(
    make_project: MakeProject,
) -> None:
    settings = make_project(source=FIXTURES / "digests" / "small")
    with pytest.raises(ConfigError, match=r"extra\.paper_digest\.page_workers"):
        with_options(settings, "    page_workers: maybe\n")
