"""MkDocs' stage with and without the page cache and the page workers (README, "Private APIs
we use, and why").

`python -m benchmarks.page_options --first 41 --last 60 --cache-dir DIR` builds, for each
setting, days FIRST..LAST-1 of the scale benchmark's days (`benchmarks.scale`) from an empty
page cache (cold), then adds day LAST (the increment), each build in its own process; it
prints, for each, the seconds of the whole build and of its MkDocs stage, and a hash of the
site (the same for every setting: they give the same bytes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks.scale import SOURCE, add_days, make_project, run_build

SETTINGS = {
    "cache (default)": "",
    "cache and workers": "    page_workers: true\n",
    "workers": "    page_cache: false\n    page_workers: true\n",
    "neither": "    page_cache: false\n",
}


def mkdocs_seconds(figures: dict[str, Any]) -> float:
    return float(next(s["seconds"] for s in figures["stages"] if "MkDocs" in s["stage"]))


def site_hash(site: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(site.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(site).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def measure(days: list[Path], options: str, work: Path, cache_dir: Path) -> dict[str, Any]:
    """Build all but the last of `days` cold, then add the last; return the figures."""
    config = make_project(work, cache_dir)
    text = config.read_text().replace("\n  paper_digest:\n", f"\n  paper_digest:\n{options}", 1)
    config.write_text(text)
    add_days(config, days[:-1])
    cold = run_build(config)
    add_days(config, days[-1:])
    increment = run_build(config)
    figures = {
        "papers": increment["papers"],
        "cold_s": cold["seconds"],
        "cold_mkdocs_s": mkdocs_seconds(cold),
        "increment_s": increment["seconds"],
        "increment_mkdocs_s": mkdocs_seconds(increment),
        "site": site_hash(config.parent / "site"),
    }
    shutil.rmtree(config.parent)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.page_options")
    parser.add_argument("--first", type=int, default=41, help="first day (1-based)")
    parser.add_argument("--last", type=int, default=60, help="the day added last")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--cache-dir", type=Path, required=True, help="keyphrases from here")
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-digest-page-options"))
    parser.add_argument("--only", action="append", choices=sorted(SETTINGS))
    args = parser.parse_args()
    days = sorted(args.source.glob("*.jsonl*"))[args.first - 1 : args.last]
    for name in args.only or list(SETTINGS):
        figures = measure(days, SETTINGS[name], args.work, args.cache_dir)
        print(json.dumps({"setting": name, **figures}), flush=True)


if __name__ == "__main__":
    main()
