"""The reviewers' check of issue 26, on daily files no setting was tuned on.

`python -m benchmarks.heldout --start 100 --days 40 --more 2` builds a new project from the
daily files `--start` to `--start + --days - 1` of `../shared/benchmarks/arxiv-months/` (in date
order), cold: an empty cache, every paper embedded. Then it adds the next `--more` days one at a
time and builds each as an editor does, `paper-digest build` in its own process, the new
papers embedded during the build. It prints one JSON line a build: seconds (wall clock),
papers, the peak memory of the build and all its processes (PSS summed, sampled 10 times a
second), the site's size a paper and its largest file. The goals: at most 20 KB a paper, no
file over 5 MB, a day at most 30 s, at most 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.scale import SOURCE, TreeMemory, add_days, make_project, run_build, site_bytes
from benchmarks.year import largest_file

MONTHS = SOURCE.parent / "arxiv-months"


def build_day(config: Path) -> dict[str, object]:
    """Build the project as the editor does; return its wall time, memory and site."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "generator.cli", "build", "-q", "-f", str(config)]
    meter = TreeMemory()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=config.parent, check=False)
    seconds = time.perf_counter() - started
    meter.stop()
    site = config.parent / "site"
    papers = run_build(config)["papers"]  # up to date: reads the digests only
    name, size = largest_file(site)
    return {
        "seconds": round(seconds, 1),
        "exit": done.returncode,
        "papers": papers,
        "tree_pss_mib": round(meter.peak_kib / 1024),
        "kb_per_paper": site_bytes(site, papers)["kb_per_paper"],
        "largest_file": name,
        "largest_file_mb": round(size / 1e6, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.heldout")
    parser.add_argument("--start", type=int, default=100)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--more", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-digest-heldout"))
    args = parser.parse_args(argv)
    days = sorted(MONTHS.glob("*.jsonl.gz"))
    if len(days) < args.start + args.days + args.more:
        print(f"heldout: {MONTHS} has {len(days)} daily files")
        return 0
    shutil.rmtree(args.work, ignore_errors=True)
    config = make_project(args.work / "project", args.work / "cache")
    add_days(config, days[args.start : args.start + args.days])
    cold = run_build(config)
    print(
        json.dumps(
            {
                "cold": True,
                "papers": cold["papers"],
                "seconds": cold["seconds"],
                "embedded": cold["embedded"],
                "tree_pss_mib": cold["tree_pss_mib"],
            }
        )
    )
    for day in days[args.start + args.days : args.start + args.days + args.more]:
        add_days(config, [day])
        print(json.dumps({"day": day.name, **build_day(config)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
