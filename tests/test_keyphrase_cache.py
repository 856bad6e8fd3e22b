"""The keyphrase cache: warm runs embed nothing, new papers only themselves, damage is rebuilt."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.keyphrases import (
    Document,
    KeyphraseResult,
    KeyphraseSettings,
    extract_keyphrases,
    normalize_phrase,
)
from generator.keyphrases.cache import STORE_FILE
from generator.keyphrases.candidates import find_candidates
from tests.stand_in import RefusingEmbedder, StandInEmbedder

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "keyphrases" / "papers.jsonl"
PAPERS = [Document(**json.loads(line)) for line in FIXTURE.read_text("utf-8").splitlines()]
SETTINGS = KeyphraseSettings()


def extract(
    docs: list[Document],
    cache: Path,
    embedder: StandInEmbedder | RefusingEmbedder | None = None,
    settings: KeyphraseSettings = SETTINGS,
) -> KeyphraseResult:
    """Extract with a stand-in embedder (a fresh one unless given) into the cache."""
    return extract_keyphrases(docs, settings, cache, embedder=embedder or StandInEmbedder())


def store(cache: Path) -> Path:
    """Return the cache's database."""
    return cache / "keyphrases" / STORE_FILE


def query(cache: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Run one statement on the cache's database (committed) and return its rows."""
    with contextlib.closing(sqlite3.connect(store(cache))) as db, db:
        return db.execute(sql, args).fetchall()


def same(a: KeyphraseResult, b: KeyphraseResult) -> bool:
    """Tell whether two results have the same keyphrases and vectors."""
    vectors_equal = a.phrase_vectors.keys() == b.phrase_vectors.keys() and all(
        np.array_equal(v, b.phrase_vectors[k]) for k, v in a.phrase_vectors.items()
    )
    docs_equal = all(np.array_equal(v, b.doc_vectors[k]) for k, v in a.doc_vectors.items())
    return a.keyphrases == b.keyphrases and vectors_equal and docs_equal


def test_warm_run_embeds_nothing_and_gives_the_same_output(tmp_path: Path) -> None:
    cold = extract(PAPERS, tmp_path)
    warm = extract(PAPERS, tmp_path, RefusingEmbedder())
    assert (cold.embedded, cold.cached) == (len(PAPERS), 0)
    assert (warm.embedded, warm.cached) == (0, len(PAPERS))
    assert same(cold, warm)
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT identity) FROM papers") == [
        (len(PAPERS), 1)
    ]
    assert query(tmp_path, "SELECT COUNT(DISTINCT embedder) FROM phrases") == [(1,)]


def test_warm_run_never_creates_the_real_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("generator.keyphrases.extract._real_name", lambda _: "stand-in")
    extract(PAPERS, tmp_path, StandInEmbedder("stand-in"))

    def refuse(_: KeyphraseSettings) -> None:
        raise AssertionError("the embedder was created on a warm run")

    monkeypatch.setattr("generator.keyphrases.extract._real_embedder", refuse)
    result = extract_keyphrases(PAPERS, SETTINGS, tmp_path)
    assert result.cached == len(PAPERS)


def test_warm_run_imports_no_torch(tmp_path: Path) -> None:
    """A warm rebuild with the real model's name must not even import torch."""
    from generator.keyphrases.embedding import minilm_name

    name = minilm_name(SETTINGS.doc_max_tokens, SETTINGS.bf16)
    extract(PAPERS, tmp_path, StandInEmbedder(name))  # a cache the real model would read
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from generator.keyphrases import Document, KeyphraseSettings, extract_keyphrases
        docs = [Document(**json.loads(l)) for l in Path({str(FIXTURE)!r}).read_text().splitlines()]
        result = extract_keyphrases(docs, KeyphraseSettings(), Path({str(tmp_path)!r}))
        heavy = sorted(m for m in ("torch", "sentence_transformers", "keybert") if m in sys.modules)
        print(json.dumps([result.cached, heavy]))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout) == [len(PAPERS), []]


def test_new_paper_embeds_only_itself_and_its_new_phrases(tmp_path: Path) -> None:
    extract(PAPERS[:-1], tmp_path)
    recorder = StandInEmbedder()
    result = extract(PAPERS, tmp_path, recorder)
    assert (result.embedded, result.cached) == (1, len(PAPERS) - 1)
    new = PAPERS[-1]
    assert f"{new.title}. {new.text}" in recorder.encoded
    assert not any(f"{doc.title}. {doc.text}" in recorder.encoded for doc in PAPERS[:-1])

    def phrases(doc: Document) -> set[str]:
        found = find_candidates(doc.title, doc.text, 4, False, SETTINGS.max_candidates)
        return {c.text for c in found}

    shared = phrases(new) & set().union(*(phrases(doc) for doc in PAPERS[:-1]))
    assert shared  # e.g. "large language models": their vectors come from the cache
    assert not shared & set(recorder.encoded)
    assert phrases(new) - shared <= set(recorder.encoded)
    assert same(result, extract(PAPERS, tmp_path / "cold"))


def test_paper_whose_text_changed_is_embedded_again(tmp_path: Path) -> None:
    extract(PAPERS, tmp_path)
    edited = [*PAPERS[1:], Document(PAPERS[0].id, PAPERS[0].title, PAPERS[0].text + " Also RL.")]
    result = extract(edited, tmp_path)
    assert (result.embedded, result.cached) == (1, len(PAPERS) - 1)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "format"])
def test_damaged_store_is_made_anew_without_error(tmp_path: Path, damage: str) -> None:
    cold = extract(PAPERS, tmp_path)
    path = store(tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        query(tmp_path, "UPDATE meta SET value = '999' WHERE name = 'format'")
    again = extract(PAPERS, tmp_path)
    assert again.embedded == len(PAPERS)
    assert same(cold, again)
    assert same(cold, extract(PAPERS, tmp_path, RefusingEmbedder()))  # and it was rewritten


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE papers SET vector = substr(vector, 1, 8) || x'00' || substr(vector, 10)",
        "UPDATE papers SET phrase_vectors = substr(phrase_vectors, 5) || x'0000c07f'",
        "UPDATE papers SET keyphrases = replace(keyphrases, 'a', 'e')",
        "UPDATE papers SET vector = (SELECT vector FROM papers ORDER BY text_hash DESC LIMIT 1)",
        "UPDATE papers SET identity = 'another' || identity",
        "UPDATE papers SET digest = NULL",
    ],
)
def test_a_damaged_paper_row_is_embedded_again(tmp_path: Path, damage: str) -> None:
    cold = extract(PAPERS, tmp_path)
    (first,) = query(tmp_path, "SELECT min(text_hash) FROM papers")
    query(tmp_path, f"{damage} WHERE text_hash = ?", first[0])
    again = extract(PAPERS, tmp_path)
    assert (again.embedded, again.cached) == (1, len(PAPERS) - 1)
    assert same(cold, again)
    assert same(cold, extract(PAPERS, tmp_path, RefusingEmbedder()))  # and it was rewritten


def test_a_damaged_phrase_row_is_embedded_again(tmp_path: Path) -> None:
    extract(PAPERS[:-1], tmp_path)
    found = [{c.text for c in find_candidates(d.title, d.text, 4, False, 15)} for d in PAPERS]
    shared = min(found[-1] & set().union(*found[:-1]))
    assert (shared,) in query(tmp_path, "SELECT text FROM phrases")
    query(tmp_path, "UPDATE phrases SET vector = zeroblob(length(vector)) WHERE text = ?", shared)
    recorder = StandInEmbedder()
    result = extract(PAPERS, tmp_path, recorder)
    assert result.embedded == 1 and shared in recorder.encoded
    assert same(result, extract(PAPERS, tmp_path / "cold"))


def test_changed_settings_or_embedder_start_a_new_cache(tmp_path: Path) -> None:
    extract(PAPERS, tmp_path)
    changed = extract(PAPERS, tmp_path, settings=KeyphraseSettings(top_n=3))
    assert changed.embedded == len(PAPERS)
    assert all(len(k) == 3 for k in changed.keyphrases.values())
    other = extract(PAPERS, tmp_path, StandInEmbedder("another model"))
    assert other.embedded == len(PAPERS)
    assert query(tmp_path, "SELECT COUNT(DISTINCT identity) FROM papers") == [(3,)]
    assert extract(PAPERS, tmp_path, RefusingEmbedder()).cached == len(PAPERS)  # first kept


def test_cache_writes_leave_no_temp_files_and_only_own_folder(tmp_path: Path) -> None:
    extract(PAPERS, tmp_path)
    extract(PAPERS[:2], tmp_path, RefusingEmbedder())
    assert [p.name for p in tmp_path.iterdir()] == ["keyphrases"]
    assert [p.name for p in (tmp_path / "keyphrases").iterdir()] == [STORE_FILE]


def test_no_cache_dir_writes_nothing(tmp_path: Path) -> None:
    recorder = StandInEmbedder()
    result = extract_keyphrases(PAPERS[:2], SETTINGS, None, embedder=recorder)
    assert result.embedded == 2 and not any(tmp_path.iterdir())


def test_duplicate_texts_are_embedded_once(tmp_path: Path) -> None:
    twin = Document("twin", PAPERS[0].title, PAPERS[0].text)
    recorder = StandInEmbedder()
    result = extract([PAPERS[0], twin], tmp_path, recorder)
    assert result.keyphrases["twin"] == result.keyphrases[PAPERS[0].id]
    assert recorder.encoded.count(f"{twin.title}. {twin.text}") == 1


def test_progress_reports_every_chunk_up_to_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    extract_keyphrases(PAPERS, SETTINGS, tmp_path, StandInEmbedder(), progress=
                       lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(0, len(PAPERS)), (len(PAPERS), len(PAPERS))]  # one chunk
    seen.clear()
    more = [*PAPERS, Document("twin", PAPERS[0].title, PAPERS[0].text)]
    extract_keyphrases(more, SETTINGS, tmp_path, RefusingEmbedder(), progress=
                       lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(len(more), len(more))]  # the cached ones at once, twins counted


def test_incremental_equals_cold(tmp_path: Path) -> None:
    extract(PAPERS[:3], tmp_path)
    extract(PAPERS[2:5], tmp_path)
    incremental = extract(PAPERS, tmp_path)
    cold = extract(list(reversed(PAPERS)), tmp_path / "cold")
    assert same(incremental, cold)
    assert {normalize_phrase(k.text) for ks in cold.keyphrases.values() for k in ks} <= set(
        cold.phrase_vectors
    )
