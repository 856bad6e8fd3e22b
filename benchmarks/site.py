"""Build the demo site from digests/ and report time, size and page count."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from generator.build import build
from generator.config import load_settings

REPO = Path(__file__).resolve().parents[1]


def site_size(site: Path) -> tuple[int, int, int]:
    """Return (bytes, files, HTML pages) of a built site."""
    files = [p for p in site.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files), sum(p.suffix == ".html" for p in files)


def main(argv: list[str] | None = None) -> int:
    """Build the demo site a few times into a scratch folder and print the figures."""
    parser = argparse.ArgumentParser(prog="benchmarks.site")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings(REPO / "mkdocs.yml")
    with tempfile.TemporaryDirectory() as scratch:
        # An empty keyphrase cache for the first build (cold), kept for the next ones (warm).
        settings = replace(
            settings, site_dir=Path(scratch) / "site", cache_dir=Path(scratch) / "cache"
        )
        started = time.perf_counter()
        report = build(settings)
        cold = time.perf_counter() - started
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = build(settings)
            seconds.append(time.perf_counter() - started)
        size, files, pages = site_size(settings.site_dir)
        shutil.rmtree(settings.site_dir)
    figures = {
        "issues": report.issues,
        "papers": report.papers,
        "markdown_pages": report.pages,
        "html_pages": pages,
        "files": files,
        "site_mb": round(size / 1e6, 1),
        "topics": report.topics,
        "cold_build_seconds": round(cold, 2),
        "warm_build_seconds_median": round(statistics.median(seconds), 2),
        "warm_build_seconds_runs": [round(s, 2) for s in seconds],
    }
    print("site build (demo digests)")
    for key, value in figures.items():
        print(f"  {key:24} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
