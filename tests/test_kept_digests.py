"""Digests kept from the last build (generator/sources/kept.py): a file is read again only when
something that decides its reading changed, and what is kept reads as the file does."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

from generator.sources import ReadResult, read_digests
from generator.sources.kept import STORE
from tests.golden import DIGESTS


def test_a_kept_reading_is_the_files_and_a_change_reads_it_again(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    shutil.copytree(DIGESTS, folder)
    cache = tmp_path / "cache"

    def read(kept: Path | None) -> ReadResult:
        return read_digests(folder, 2025, tmp_path, cache_dir=kept)

    assert read(cache) == read(None)
    with sqlite3.connect(cache / STORE) as db:
        rows = db.execute("SELECT key, blob FROM reads").fetchall()
    assert len(rows) == len(read(None).files) == 3
    assert read(cache) == read(None)  # from the store
    # What is kept is what the next build reads: a kept issue given another title shows it.
    key, blob = rows[0]
    kept = pickle.loads(blob)
    marked = pickle.dumps(replace(kept, issue=replace(kept.issue, title="Kept, marked")))
    with sqlite3.connect(cache / STORE) as db:
        sha = hashlib.sha256(marked).hexdigest()
        db.execute("UPDATE reads SET blob = ?, sha256 = ? WHERE key = ?", (marked, sha, key))
    assert "Kept, marked" in {issue.title for issue in read(cache).issues}
    with sqlite3.connect(cache / STORE) as db:
        db.execute("DELETE FROM reads WHERE key = ?", (key,))
    assert read(cache) == read(None)

    # An edited digest: its new papers, not the kept ones.
    first = sorted(folder.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8").replace("a", "o", 3), encoding="utf-8")
    assert read(cache) == read(None)
    # A sidecar beside a digest (metadata, format) is part of its reading.
    (folder / (first.stem + ".yml")).write_text("title: From the sidecar\n", encoding="utf-8")
    assert "From the sidecar" in {issue.title for issue in read(cache).issues}
    assert read(cache) == read(None)
    # A damaged row (its hash does not match) is read again.
    with sqlite3.connect(cache / STORE) as db:
        db.execute("UPDATE reads SET sha256 = ?", (hashlib.sha256(b"x").hexdigest(),))
    assert read(cache) == read(None)
    # A store that is not a database is no store.
    (cache / STORE).write_bytes(b"not a database")
    assert read(cache) == read(None)
