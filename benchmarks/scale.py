"""A year of issues, measured: how the build grows with the archive, one issue a day.

`python -m benchmarks.scale --days 7,15,30,61` reads the first N days of the scale benchmark
(`../shared/benchmarks/arxiv-daily/`, one JSON Lines file a day, read by the JSON Lines reader)
as N issues and, for each N, in a scratch project:

1. builds the first N-1 days (not reported: it fills the page cache as yesterday's build did);
2. adds day N and builds: the **one-day increment** (the table says how many papers were new);
3. builds again with nothing new: the **warm rebuild** (the build finds its inputs unchanged
   and leaves the site as it is: `generator/uptodate.py`);
4. builds again with `--force`: every stage runs, pages come from the page cache, the search
   index from its cache (**forced rebuild**);
5. empties the page cache and the search index cache, puts yesterday's site back and builds:
   the **cold build** (every page rendered, every page indexed); its site is compared with
   the increment's, file by file (they must be the same bytes). Yesterday's site stays
   because it is the build's only memory: the redirects of topics that moved are read from
   its `api/catalog.json`.

Keyphrases come from `--cache-dir` (shared, so nothing is embedded twice; a paper missing
there is embedded once and kept). Every build runs in its own process, so memory is measured
per build: for each stage, the peak PSS of the build and all its processes summed
(`TreeMemory`), the peak resident memory of the build process during that stage
(Linux: VmHWM, reset at the start of each stage through /proc/self/clear_refs), and the peak of
its child processes (getrusage: the largest child so far), shown for the stage where it grew:
the page workers of the MkDocs stage (`generator/site/parallel.py`), Pagefind's process.
Then: site bytes per paper (by kind of file) and the bytes a reader's first search query
fetches (`benchmarks.search`, in Chromium).

The table and an SVG plot of time and memory against papers go to `benchmarks/results/`.
`make bench` runs `--days 7` only; the 61-day run is heavy (run it under `nice`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.keyphrases import peak_memory_mb

REPO = Path(__file__).resolve().parents[1]
# Beside the repository (../shared/), else where the project's machines keep it.
SOURCE = (
    next(
        (
            folder
            for folder in (REPO.parent / "shared", Path("/work/shared"))
            if (folder / "benchmarks" / "arxiv-daily").is_dir()
        ),
        REPO.parent / "shared",
    )
    / "benchmarks"
    / "arxiv-daily"
)
RESULTS = REPO / "benchmarks" / "results"
SEARCH_QUERY = "learning"  # a word in most abstracts: the first query loads its biggest chunk
KINDS = (
    ("paper pages", "papers/"),
    ("topic pages", "topics/"),
    ("issue pages", "issues/"),
    ("search index", "pagefind/"),
    ("assets", "assets/"),
    ("catalog export", "api/"),
)


class TreeMemory:
    """The memory of a process and all its descendants: their PSS, summed, sampled 10 times a
    second (Linux). PSS splits a page shared by several processes between them, so forked page
    workers count only what they do not share with the build (their RSS counts it again)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def reset(self) -> None:
        self.peak_kib = self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak_kib = max(self.peak_kib, self.sample())

    @staticmethod
    def sample() -> int:
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                parents[int(stat.parent.name)] = int(fields[1])
        tree = {os.getpid()}
        grew = True
        while grew:
            found = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= found
            grew = bool(found)
        total = 0
        for pid in tree:
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        return total


class StageMeter:
    """The build's progress, measured: seconds and peak resident memory of each stage."""

    def __init__(self) -> None:
        self.stages: list[dict[str, Any]] = []
        self.tree = TreeMemory()

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Any]:
        _reset_peak()
        self.tree.reset()
        started = time.perf_counter()
        yield lambda _steps: None
        self.stages.append(
            {
                "stage": label,
                "seconds": round(time.perf_counter() - started, 2),
                "peak_mib": peak_memory_mb(),
                "tree_pss_mib": round(max(self.tree.peak_kib, self.tree.sample()) / 1024),
                "child_peak_mib": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                ),
            }
        )


def _reset_peak() -> None:
    """Reset the process's peak resident memory (Linux), so each stage has its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def build_once(config: Path, force: bool = False) -> dict[str, Any]:
    """Build one project (in this process) and return its figures."""
    from generator.build import build
    from generator.config import load_settings

    meter = StageMeter()
    started = time.perf_counter()
    report = build(load_settings(config), meter, force=force)
    meter.tree.stop()
    return {
        "up_to_date": report.up_to_date,
        "seconds": round(time.perf_counter() - started, 2),
        "papers": report.papers,
        "issues": report.issues,
        "embedded": report.embedded,
        "rendered_pages": report.rendered_pages,
        "reused_pages": report.reused_pages,
        "peak_mib": max(s["peak_mib"] for s in meter.stages),
        "tree_pss_mib": max(s["tree_pss_mib"] for s in meter.stages),
        "stages": meter.stages,
    }


def run_build(config: Path, force: bool = False) -> dict[str, Any]:
    """Build a project in a new process (so its memory is its own) and return its figures."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", "--build-one", str(config)]
        + (["--force"] if force else []),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"build of {config} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def make_project(root: Path, cache_dir: Path) -> Path:
    """Make a project like the repository's, digests empty, keyphrases from `cache_dir`."""
    if root.exists():
        shutil.rmtree(root)
    (root / "docs").mkdir(parents=True)
    (root / "digests").mkdir()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "docs" / "about.md", root / "docs" / "about.md")
    shutil.copytree(REPO / "docs" / "assets", root / "docs" / "assets")
    (root / ".cache").mkdir()
    (cache_dir / "keyphrases").mkdir(parents=True, exist_ok=True)
    (root / ".cache" / "keyphrases").symlink_to((cache_dir / "keyphrases").resolve())
    return root / "mkdocs.yml"


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def site_bytes(site: Path, papers: int) -> dict[str, Any]:
    """Return the site's bytes per paper, in all and by kind of file."""
    kinds: dict[str, int] = {}
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        kind = next((name for name, prefix in KINDS if relative.startswith(prefix)), "other")
        if relative.endswith(".xml") and "sitemap" not in relative:
            kind = "feeds"
        kinds[kind] = kinds.get(kind, 0) + path.stat().st_size
    total = sum(kinds.values())
    return {
        "site_mb": round(total / 1e6, 1),
        "kb_per_paper": round(total / max(papers, 1) / 1e3, 1),
        "kb_per_paper_by_kind": {
            k: round(v / max(papers, 1) / 1e3, 2) for k, v in sorted(kinds.items())
        },
    }


def search_bytes(site: Path) -> dict[str, Any]:
    """Return what a reader's first query for a common word fetches (benchmarks.search)."""
    from benchmarks.search import CHROMIUM, measure

    if not Path(CHROMIUM).exists():
        return {}
    figures = measure(site, [SEARCH_QUERY], runs=1)[0]
    return {k: figures[k] for k in ("search_bytes", "search_files", "seconds_to_first_results")}


def add_days(config: Path, days: list[Path]) -> None:
    for day in days:
        (config.parent / "digests" / day.name).symlink_to(day.resolve())


def measure_days(count: int, days: list[Path], work: Path, cache_dir: Path) -> dict[str, Any]:
    """Measure the increment, the warm rebuild and the cold build of the first `count` days."""
    config = make_project(work / f"days-{count}", cache_dir)
    site = config.parent / "site"
    add_days(config, days[: count - 1])
    yesterday_build = run_build(config)
    yesterday = work / f"days-{count}-yesterday"
    shutil.rmtree(yesterday, ignore_errors=True)
    shutil.copytree(site, yesterday)
    add_days(config, days[count - 1 : count])
    increment = run_build(config)
    incremental_site = work / f"days-{count}-incremental-site"
    shutil.rmtree(incremental_site, ignore_errors=True)
    shutil.copytree(site, incremental_site)
    warm = run_build(config)
    forced = run_build(config, force=True)
    # Cold: no page cache, every page rendered. Yesterday's site stays as the previous one, as
    # for the increment: it holds the redirects of topics that moved (site/api/catalog.json).
    shutil.rmtree(site)
    shutil.move(yesterday, site)
    shutil.rmtree(config.parent / ".cache" / "pages")
    shutil.rmtree(config.parent / ".cache" / "search", ignore_errors=True)
    shutil.rmtree(config.parent / ".cache" / "topics", ignore_errors=True)
    cold = run_build(config)
    before, after = tree(incremental_site), tree(site)
    differ = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    shutil.rmtree(incremental_site)
    figures = {
        "days": count,
        "papers": cold["papers"],
        "cold": cold,
        "warm": warm,
        "forced": forced,
        "increment": increment,
        "new_papers": increment["papers"] - yesterday_build["papers"],
        "increment_identical_to_cold": not differ,
        "files_that_differ": differ[:20],
        **site_bytes(site, cold["papers"]),
        **search_bytes(site),
    }
    shutil.rmtree(config.parent)
    return figures


def measure_demo(work: Path) -> dict[str, Any]:
    """The demo (digests/): cold (no site, no page cache; keyphrases cached) and warm builds."""
    config = make_project(work / "demo", REPO / ".cache")
    add_days(config, sorted((REPO / "digests").iterdir()))
    cold = run_build(config)
    warm = run_build(config)
    forced = run_build(config, force=True)
    shutil.rmtree(config.parent)
    return {"papers": cold["papers"], "cold": cold, "warm": warm, "forced": forced}


def table(rows: list[dict[str, Any]]) -> str:
    """Return the figures as a Markdown table."""
    lines = [
        "| days | papers | cold build | + one day (new papers) | warm rebuild "
        "| forced rebuild | peak memory (cold) | site | per paper | first query "
        "| increment = cold |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        search = row.get("search_bytes")
        lines.append(
            f"| {row['days']} | {row['papers']:,} | {row['cold']['seconds']:.1f} s "
            f"| {row['increment']['seconds']:.1f} s ({row['new_papers']:,}) "
            f"| {row['warm']['seconds']:.1f} s | {row['forced']['seconds']:.1f} s "
            f"| {row['cold']['peak_mib']:,} MiB, all processes {row['cold']['tree_pss_mib']:,} MiB "
            f"| {row['site_mb']} MB "
            f"| {row['kb_per_paper']} KB | {f'{search / 1e3:.0f} KB' if search else '-'} "
            f"| {'yes' if row['increment_identical_to_cold'] else 'NO'} |"
        )
    return "\n".join(lines)


def stage_table(rows: list[dict[str, Any]], build: str = "cold") -> str:
    """Return each stage's seconds and peak memory in one build, one column per size."""
    header = f"| stage ({build}) | " + " | ".join(f"{r['papers']:,} papers" for r in rows) + " |"
    lines = [header, "|---|" + "---|" * len(rows)]
    labels = [s["stage"] for s in rows[-1][build]["stages"]]
    for label in labels:
        cells = []
        for row in rows:
            stages = row[build]["stages"]
            index = next((i for i, s in enumerate(stages) if s["stage"] == label), None)
            if index is None:
                cells.append("-")
                continue
            stage = stages[index]
            cell = f"{stage['seconds']} s, {stage['peak_mib']} MiB"
            before = stages[index - 1]["child_peak_mib"] if index else 0
            if stage["child_peak_mib"] > before:  # a child process of this stage
                cell += f" (child ≤ {stage['child_peak_mib']} MiB)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]]) -> str:
    """Return an SVG of build time and peak memory against papers."""
    from benchmarks.svgplot import line_charts

    papers = [float(r["papers"]) for r in rows]
    times = {
        "cold build": [r["cold"]["seconds"] for r in rows],
        "+ one day": [r["increment"]["seconds"] for r in rows],
        "forced rebuild": [r["forced"]["seconds"] for r in rows],
        "warm rebuild": [r["warm"]["seconds"] for r in rows],
    }
    memory = {
        "cold build, all processes (PSS)": [r["cold"]["tree_pss_mib"] for r in rows],
        "cold build": [r["cold"]["peak_mib"] for r in rows],
        "+ one day": [r["increment"]["peak_mib"] for r in rows],
        "forced rebuild": [r["forced"]["peak_mib"] for r in rows],
        "warm rebuild": [r["warm"]["peak_mib"] for r in rows],
    }
    return line_charts(
        [("Build time", "seconds", papers, times), ("Peak memory", "MiB", papers, memory)]
    )


def main(argv: list[str] | None = None) -> int:
    """Measure the scale benchmark for each number of days and write the table and plot."""
    parser = argparse.ArgumentParser(prog="benchmarks.scale")
    parser.add_argument("--days", default="7", help="comma-separated, e.g. 7,15,30,61")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".cache")
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-digest-scale"))
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's two builds")
    parser.add_argument("--quick", action="store_true", help="accepted for `make bench`")
    parser.add_argument("--build-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_one:
        print(json.dumps(build_once(args.build_one, args.force)))
        return 0
    days = sorted(args.source.glob("*.jsonl.gz"))
    if not days:
        print(f"scale benchmark: no *.jsonl.gz in {args.source}")
        return 0
    counts = [int(n) for n in args.days.split(",") if n.strip()]
    rows = [measure_days(min(n, len(days)), days, args.work, args.cache_dir) for n in counts]
    demo = None if args.no_demo else measure_demo(args.work)
    load = os.getloadavg()
    report = [
        f"# Scale benchmark ({args.source.name}, one issue a day)",
        "",
        f"Load average at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
        f"({os.cpu_count()} cores).",
        "",
        table(rows),
        "",
        stage_table(rows),
        "",
        stage_table(rows, "increment"),
    ]
    if demo:
        report += [
            "",
            f"Demo ({demo['papers']} papers): cold build {demo['cold']['seconds']} s "
            f"(no site, no page cache, keyphrases cached), warm {demo['warm']['seconds']} s, "
            f"forced {demo['forced']['seconds']} s.",
        ]
    text = "\n".join(report) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "scale-" + "-".join(str(n) for n in counts)
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps({"rows": rows, "demo": demo}, indent=1))
    (RESULTS / f"{name}.svg").write_text(plot(rows))
    print(f"written: {RESULTS / name}.md, .json, .svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
