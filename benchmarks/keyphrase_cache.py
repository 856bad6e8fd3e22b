"""Time and peak memory of the keyphrase step on a cache of many papers (README, "Keyphrase cache").

Reads the given days (arXiv listings, `../shared/benchmarks/`) as a build does, then runs the
keyphrase step alone (`extract_keyphrases`, the real model's settings and name) on the cache in
`--cache` and prints one JSON line: papers, embedded, cached, the step's wall and CPU seconds,
the process's resident memory before the step and its peak during it (VmHWM, reset just
before), in MB.

With `--refuse-embedding` the step fails if any paper is not in the cache (no model loads).
`--forget N` first removes the cached results of the papers new in the last N days, so that the step
embeds them again ("one more day"). Run it with `PYTHONPATH` pointing at the code to measure
(the script itself imports nothing else of the repository). `--copies K --make-copies`
first gives a .npz cache K copies of every paper (retitled, same vectors) and of every phrase:
an archive K times as large, of the same shape, before the months are all embedded.

    PYTHONPATH=. python benchmarks/keyphrase_cache.py --cache /tmp/kp --days DIR[,DIR] --count 61
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def vm(field: str) -> float:
    """Return a VmRSS/VmHWM figure of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Refusing:
    """The real model's name, and a refusal to embed anything."""

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise SystemExit(f"not cached: {len(texts)} texts would be embedded")


def project(work: Path, days: list[Path]) -> Path:
    """Make a project (this code's mkdocs.yml and templates) whose digests are `days`."""
    import generator

    repo = Path(generator.__file__).resolve().parents[1]
    shutil.rmtree(work, ignore_errors=True)
    (work / "digests").mkdir(parents=True)
    (work / "docs").mkdir()
    shutil.copy(repo / "mkdocs.yml", work / "mkdocs.yml")
    shutil.copytree(repo / "templates", work / "templates")
    for day in days:
        (work / "digests" / day.name).symlink_to(day.resolve())
    return work / "mkdocs.yml"


def forget(cache: Path, docs: Sequence[Any], identity: dict[str, Any]) -> None:
    """Remove the cached results of `docs`, whichever kind of cache `cache` holds."""
    store: Any = importlib.import_module("generator.keyphrases.cache")  # either version

    hashes = {store.text_hash(doc.title, doc.text) for doc in docs}
    if hasattr(store, "STORE_FILE"):  # the SQLite store
        import sqlite3

        with sqlite3.connect(cache / "keyphrases" / store.STORE_FILE) as db:
            db.executemany("DELETE FROM papers WHERE text_hash = ?", [(h,) for h in hashes])
        return
    path = store.results_path(cache / "keyphrases", identity)
    kept = store.load_results(path, identity)
    store.save_results(path, identity, {k: v for k, v in kept.items() if k not in hashes})


def copies(docs: Sequence[Any], count: int) -> list[Any]:
    """Return `docs` and count-1 retitled copies of each ("Title (2)"): a larger archive of
    papers of the same shape, for a cache made by `make_copies`."""
    from generator.keyphrases import Document

    more = [Document(f"{d.id}~{k}", f"{d.title} ({k})", d.text) for k in range(2, count + 1)
            for d in docs]  # fmt: skip
    return [*docs, *more]


def make_copies(cache: Path, docs: Sequence[Any], count: int, identity: dict[str, Any]) -> None:
    """Give the copies of `copies` the cached results of their originals, and add count-1
    copies of every phrase vector (".npz" cache: run it with the code that reads .npz)."""
    store: Any = importlib.import_module("generator.keyphrases.cache")  # either version

    folder = cache / "keyphrases"
    path = store.results_path(folder, identity)
    results = store.load_results(path, identity)
    for doc in copies(docs, count)[len(docs) :]:
        original = doc.title.rsplit(" (", 1)[0]
        results[store.text_hash(doc.title, doc.text)] = results[store.text_hash(original, doc.text)]
    store.save_results(path, identity, results)
    del results
    phrases_file = store.phrases_path(folder, identity["embedder"])
    vectors = store.load_phrase_vectors(phrases_file, identity["embedder"])
    vectors.update({f"{t} ({k})": v for k in range(2, count + 1) for t, v in list(vectors.items())})
    store.save_phrase_vectors(phrases_file, identity["embedder"], vectors)


def result_digest(docs: Sequence[Any], result: Any) -> str:
    """Hash everything the step gave: keyphrases, paper vectors, phrase vectors."""
    digest = hashlib.blake2b(digest_size=16)
    for doc in sorted(docs, key=lambda d: d.id):
        phrases = [[k.text, k.score] for k in result.keyphrases[doc.id]]
        digest.update(json.dumps([doc.id, phrases]).encode())
        digest.update(result.doc_vectors[doc.id].tobytes())
    for phrase, vector in sorted(result.phrase_vectors.items()):
        digest.update(phrase.encode() + vector.tobytes())
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="the folder holding keyphrases/")
    parser.add_argument("--days", required=True, help="folders of daily .jsonl.gz, comma-separated")
    parser.add_argument("--count", type=int, default=0, help="the first N days (0: all)")
    parser.add_argument("--forget", type=int, default=0, help="embed the last N days again")
    parser.add_argument("--refuse-embedding", action="store_true")
    parser.add_argument("--copies", type=int, default=1, help="each paper K times (retitled)")
    parser.add_argument("--make-copies", action="store_true", help="first cache the copies")
    parser.add_argument("--work", type=Path, default=Path("/tmp/keyphrase-cache-bench"))
    args = parser.parse_args(argv)

    from generator.build import SilentProgress, read_inputs
    from generator.config import load_settings
    from generator.keyphrases import Document, extract_keyphrases, keyphrase_settings
    from generator.keyphrases.embedding import minilm_name
    from generator.keyphrases.extract import _settings_identity

    days = sorted(p for folder in args.days.split(",") for p in Path(folder).glob("*.jsonl.gz"))
    days = days[: args.count or None]
    settings = load_settings(project(args.work, days))
    catalog, _ = read_inputs(settings, SilentProgress())
    docs = [Document(p.id, p.title, p.abstract) for p in catalog.papers]
    knobs = keyphrase_settings(settings)
    name = minilm_name(knobs.doc_max_tokens, knobs.bf16)
    if args.make_copies:
        make_copies(args.cache, docs, args.copies, _settings_identity(knobs, name))
    docs = copies(docs, args.copies)
    if args.forget:
        first = {p.id: min(p.issues) for p in catalog.papers}  # the day it was new
        last = set(sorted(set(first.values()))[-args.forget :])
        fresh = {key for key, day in first.items() if day in last}
        forget(args.cache, [d for d in docs if d.id in fresh], _settings_identity(knobs, name))
    embedder = Refusing(name) if args.refuse_embedding else None
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    before = vm("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    result = extract_keyphrases(docs, knobs, args.cache, embedder)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    figures = {
        "code": str(Path(sys.modules["generator"].__file__ or "").parents[1]),
        "days": len(days),
        "papers": len(docs),
        "embedded": result.embedded,
        "cached": result.cached,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # this process's, all its threads: steadier when shared
        "rss_before_mb": before,
        "peak_mb": vm("VmHWM"),
        "result_digest": result_digest(docs, result),
        "cache_mb": round(
            sum(p.stat().st_size for p in (args.cache / "keyphrases").iterdir()) / 1e6, 1
        ),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
