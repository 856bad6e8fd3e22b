"""The keyphrase store: .npz caches of earlier versions read in once, a build cut short resumes.

The kill test runs the real `paper-digest keyphrases` with the real model and SIGKILLs it once
a chunk is committed: the next run embeds only the papers the killed one had not committed,
and its output is byte for byte an uninterrupted run's.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.build import SilentProgress, read_inputs
from generator.keyphrases import normalize_phrase
from generator.keyphrases.cache import STORE_FILE, CachedDoc, KeyphraseStore, embedder_key
from generator.keyphrases.extract import CHUNK
from tests.conftest import DEMO_DIGESTS, REPO, MakeProject
from tests.stand_in import RefusingEmbedder, StandInEmbedder
from tests.test_keyphrase_cache import PAPERS, extract, same

# The cache main's .npz version wrote for tests/fixtures/keyphrases/papers.jsonl (stand-in).
NPZ_CACHE = Path(__file__).parent / "fixtures" / "keyphrases" / "npz-cache"
KILL_PAPERS = CHUNK + CHUNK // 2  # a chunk and a half: killed after the first


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Return the rows of a query on a store, read-only."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(sql).fetchall()


def test_an_npz_cache_is_read_in_once_and_nothing_is_embedded_again(tmp_path: Path) -> None:
    folder = tmp_path / "keyphrases"
    shutil.copytree(NPZ_CACHE, folder)
    (phrase_file,) = folder.glob("phrases-*.npz")
    with np.load(phrase_file) as data:
        texts = json.loads(data["header"].tobytes())["texts"]
        vectors = data["vectors"]
    migrated = extract(PAPERS, tmp_path, RefusingEmbedder())
    assert migrated.cached == len(PAPERS)
    legacy = sorted(path.name for path in NPZ_CACHE.iterdir())
    assert sorted(path.name for path in folder.iterdir()) == sorted([STORE_FILE, *legacy])
    assert same(migrated, extract(PAPERS, tmp_path / "cold"))  # bit for bit
    with KeyphraseStore(folder) as store:
        kept = store.phrases(embedder_key(StandInEmbedder().name), texts)
    assert len(kept) == len(texts) > 0
    assert all(kept[text].tobytes() == vectors[i].tobytes() for i, text in enumerate(texts))
    # Read once: a paper gone from the store is not read again from the file as it was...
    with contextlib.closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("DELETE FROM papers WHERE text_hash = (SELECT min(text_hash) FROM papers)")
    assert extract(PAPERS, tmp_path).embedded == 1
    # ...but a file an earlier version rewrote since (sharing the folder) is read again.
    with contextlib.closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("DELETE FROM papers WHERE text_hash = (SELECT min(text_hash) FROM papers)")
    for path in folder.glob("*.npz"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert extract(PAPERS, tmp_path, RefusingEmbedder()).cached == len(PAPERS)


@pytest.mark.parametrize("kind", ["results", "phrases"])
def test_a_damaged_npz_cache_is_a_miss_and_removed(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "keyphrases"
    shutil.copytree(NPZ_CACHE, folder)
    (path,) = folder.glob(f"{kind}-*.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    recorder = StandInEmbedder()
    result = extract(PAPERS, tmp_path, recorder)
    assert result.embedded == (len(PAPERS) if kind == "results" else 0)
    assert extract(PAPERS, tmp_path, RefusingEmbedder()).cached == len(PAPERS)
    assert same(result, extract(PAPERS, tmp_path / "cold"))


class Dying(StandInEmbedder):
    """A stand-in that raises on its n-th call, as a build interrupted while it embeds."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.left = calls

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().encode(texts)


def test_an_interrupted_run_keeps_every_chunk_it_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("generator.keyphrases.extract.CHUNK", 2)
    with pytest.raises(KeyboardInterrupt):
        extract(PAPERS, tmp_path, Dying(calls=5))  # two calls a chunk: dies in the third
    recorder = StandInEmbedder()
    resumed = extract(PAPERS, tmp_path, recorder)
    assert (resumed.embedded, resumed.cached) == (len(PAPERS) - 4, 4)
    assert len([text for text in recorder.encoded if ". " in text]) >= len(PAPERS) - 4
    assert same(resumed, extract(PAPERS, tmp_path / "cold"))


def papers_file(make_project: MakeProject, path: Path) -> None:
    """Write KILL_PAPERS papers of the demo digests as `paper-digest keyphrases` reads them."""
    catalog, _ = read_inputs(make_project(source=DEMO_DIGESTS), SilentProgress())
    lines = [
        json.dumps({"id": p.id, "title": p.title, "text": p.abstract}) + "\n"
        for p in sorted(catalog.papers, key=lambda p: p.id)[:KILL_PAPERS]
    ]
    path.write_text("".join(lines), encoding="utf-8")


def keyphrases(project: Path, papers: Path) -> subprocess.Popen[bytes]:
    """Start the real `paper-digest keyphrases` on a project, its output to a file."""
    out = (project / "out.jsonl").open("wb")
    command = [sys.executable, "-m", "generator.cli", "-f", str(project / "mkdocs.yml")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen([*command, "keyphrases", str(papers)], cwd=REPO, stdout=out, env=env)
    out.close()
    return process


@pytest.mark.model
def test_a_killed_run_resumes_and_ends_as_an_uninterrupted_one(
    make_project: MakeProject, tmp_path: Path
) -> None:
    papers = tmp_path / "papers.jsonl"
    papers_file(make_project, papers)
    killed, whole = (make_project(source=None).root for _ in range(2))
    store = killed / ".cache" / "keyphrases" / STORE_FILE
    process = keyphrases(killed, papers)
    deadline = time.monotonic() + 600
    committed = 0
    while process.poll() is None and committed < CHUNK and time.monotonic() < deadline:
        time.sleep(0.05)
        with contextlib.suppress(sqlite3.Error):
            committed = rows(store, "SELECT COUNT(*) FROM papers")[0][0]  # type: ignore[assignment]
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL  # killed while it embedded, not done
    before = dict(rows(store, "SELECT text_hash, rowid FROM papers"))
    assert CHUNK <= len(before) < KILL_PAPERS and len(before) % CHUNK == 0
    assert keyphrases(killed, papers).wait() == 0
    assert keyphrases(whole, papers).wait() == 0
    after = dict(rows(store, "SELECT text_hash, rowid FROM papers"))
    assert len(after) == KILL_PAPERS
    assert {key: after[key] for key in before} == before  # not embedded again
    output = (killed / "out.jsonl").read_bytes()
    assert output == (whole / "out.jsonl").read_bytes()
    assert output.count(b"\n") == KILL_PAPERS
    sql = "SELECT text_hash, keyphrases, phrase_vectors, vector FROM papers ORDER BY text_hash"
    assert rows(store, sql) == rows(whole / ".cache" / "keyphrases" / STORE_FILE, sql)


def test_a_row_of_non_finite_numbers_is_a_miss_and_spares_its_batch(tmp_path: Path) -> None:
    good = extract(PAPERS, tmp_path / "cold")
    folder = tmp_path / "keyphrases"
    docs = {}
    for index, paper in enumerate(PAPERS):
        vector = good.doc_vectors[paper.id].copy()
        phrases = np.stack([good.phrase_vectors[normalize_phrase(k.text)]
                            for k in good.keyphrases[paper.id]])  # fmt: skip
        if index == 1:
            vector[3] = np.nan
        if index == 2:
            phrases[-1, 0] = np.inf
        docs[paper.id] = CachedDoc(good.keyphrases[paper.id], phrases, vector)
    with KeyphraseStore(folder) as store:
        store.save("settings", docs, "embedder", {"a phrase": np.array([np.nan], np.float32)})
    with KeyphraseStore(folder) as store:
        found = store.papers("settings", list(docs))
        assert store.phrases("embedder", ["a phrase"]) == {}
    assert sorted(found) == sorted(p.id for i, p in enumerate(PAPERS) if i not in (1, 2))
    for key, doc in found.items():
        assert doc.vector.tobytes() == docs[key].vector.tobytes()
        assert doc.phrase_vectors.tobytes() == docs[key].phrase_vectors.tobytes()
        assert doc.keyphrases == docs[key].keyphrases


def test_two_runs_at_once_share_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`paper-digest keyphrases` beside a build: two writers, each committing chunk by chunk."""
    monkeypatch.setattr("generator.keyphrases.extract.CHUNK", 1)
    results: list[Any] = []
    runs = [
        threading.Thread(target=lambda docs=docs: results.append(extract(docs, tmp_path)))
        for docs in (PAPERS, list(reversed(PAPERS)))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert len(results) == 2
    cold = extract(PAPERS, tmp_path / "cold")
    assert all(same(result, cold) for result in results)
    assert same(cold, extract(PAPERS, tmp_path, RefusingEmbedder()))


def test_a_warm_run_reads_no_phrase_vectors(tmp_path: Path) -> None:
    cold = extract(PAPERS, tmp_path)
    with contextlib.closing(sqlite3.connect(tmp_path / "keyphrases" / STORE_FILE)) as db, db:
        db.execute("DELETE FROM phrases")
    assert same(cold, extract(PAPERS, tmp_path, RefusingEmbedder()))
