"""Paper pages kept from the last build (generator/site/rendered.py): a kept page is used only
while everything it shows is the same, and whatever changed gives the page a cache-less build
renders."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import SilentProgress, annotate, read_catalog
from generator.model import Catalog
from generator.site.pages import render_pages
from generator.site.rendered import STORE
from tests.golden import golden_settings
from tests.stand_in import StandInEmbedder


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    settings = golden_settings()
    found, _ = read_catalog(settings)
    annotated, _ = annotate(
        found, replace(settings, cache_dir=None), SilentProgress(), StandInEmbedder()
    )
    return annotated


def pages(catalog: Catalog, cache: Path | None) -> dict[str, str]:
    return render_pages(catalog, replace(golden_settings(), cache_dir=cache))  # type: ignore[arg-type]


def test_kept_pages_are_used_and_a_change_renders_what_shows_it(
    catalog: Catalog, tmp_path: Path
) -> None:
    first = pages(catalog, tmp_path)
    assert first == pages(catalog, None)
    store = tmp_path / STORE
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT key, text FROM pages").fetchall()
    assert len(rows) == len(catalog.papers)
    # A kept row is what the next build shows: mark one (with its hash) and find the mark.
    key, blob = rows[0]
    marked = zlib.compress(zlib.decompress(blob) + b"\n<!-- kept -->\n")
    with sqlite3.connect(store) as db:
        db.execute(
            "UPDATE pages SET text = ?, sha256 = ? WHERE key = ?",
            (marked, hashlib.sha256(marked).hexdigest(), key),
        )
    assert sum("<!-- kept -->" in text for text in pages(catalog, tmp_path).values()) == 1
    # The same row damaged (its hash no longer matches): rendered again.
    with sqlite3.connect(store) as db:
        db.execute("UPDATE pages SET sha256 = 'x' WHERE key = ?", (key,))
    assert pages(catalog, tmp_path) == first

    # A related paper's new title, an issue's new title: the pages showing them change.
    relating = next(p for p in catalog.papers if p.related)
    other = catalog.paper(relating.related[0])
    listed = next(p for p in catalog.papers if p.issues)
    issue = catalog.issue(listed.issues[0])
    papers = [
        replace(p, title="A title changed") if p.id == other.id else p for p in catalog.papers
    ]
    issues = [
        replace(i, title="A title it took") if i.slug == issue.slug else i for i in catalog.issues
    ]
    changed = Catalog(tuple(issues), tuple(papers), catalog.topics, catalog.areas)
    now = pages(changed, tmp_path)
    assert now == pages(changed, None)
    assert "A title changed" in now[f"papers/{relating.slug}.md"]
    assert "A title it took" in now[f"papers/{listed.slug}.md"]
