"""A year on one runner: one project grows issue by issue, and each day's build is measured.

`python -m benchmarks.year --days 7,30,61,120,200,280 --cache-dir DIR` reads the daily files of
`../shared/benchmarks/arxiv-daily/` (61 days, April–May 2025) and `arxiv-months/` (219 days,
November 2025 – June 2026) in date order, one issue a day: about 49,000 papers over 280 issues.
One scratch project grows as an editor's does, its site, page cache and search cache kept from
build to build. At each count N:

1. the days before N that are not built yet are added and built at once (catching up, not
   reported: it stands for the days between two checkpoints);
2. day N is added and built: **the day's build**, measured stage by stage (seconds, and the
   peak memory of the build and all its processes, PSS summed: `benchmarks.scale.TreeMemory`),
   with the pages MkDocs rendered and those the page cache wrote unchanged;
3. the site is measured: bytes per paper by kind of file, its largest file, what a reader's
   first search query fetches (Chromium).

With `--cold N,...` the project is also built from nothing but its keyphrase cache at those
counts (no site, no page cache, no search cache), in a copy, and compared with the day's build
byte for byte.

Keyphrases come from `--cache-dir` (fill it once: a build embeds what it lacks; `--embed-log`
names a log of that fill, whose time is reported). The table, the JSON and an SVG plot (time per
stage, pages rendered and memory against papers) go to `benchmarks/results/year-*.{md,json,svg}`.
Heavy: at 280 issues it runs for about an hour on 2 cores; run it under `nice`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

from benchmarks.scale import (
    REPO,
    RESULTS,
    SOURCE,
    add_days,
    make_project,
    run_build,
    search_bytes,
    site_bytes,
    tree,
)

SOURCES = (SOURCE, SOURCE.parent / "arxiv-months")


def day_files(sources: tuple[Path, ...]) -> list[Path]:
    """Every daily file of the sources, in date order (their names are dates)."""
    return sorted((f for s in sources for f in s.glob("*.jsonl.gz")), key=lambda f: f.name)


def largest_file(site: Path) -> tuple[str, int]:
    """The site's largest file and its size in bytes."""
    sizes = [
        (p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*") if p.is_file()
    ]
    size, name = max(sizes, default=(0, ""))
    return name, size


def cold_copy(config: Path, work: Path) -> dict[str, Any]:
    """Build a copy of the project from its digests and keyphrase cache alone; compare."""
    copy = work / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(config.parent, copy, symlinks=True, ignore=shutil.ignore_patterns("site"))
    for kept in ("pages", "search", "topics", "build.json"):
        target = copy / ".cache" / kept
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    cold = run_build(copy / "mkdocs.yml")
    before, after = tree(config.parent / "site"), tree(copy / "site")
    differ = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    shutil.rmtree(copy)
    return {
        "cold": cold,
        "cold_identical_to_day": not differ,
        "cold_files_that_differ": differ[:20],
    }


def grow(
    counts: list[int], days: list[Path], work: Path, cache_dir: Path, cold_at: set[int]
) -> list[dict[str, Any]]:
    """Grow one project to each count of days; measure the last day's build at each."""
    config = make_project(work / "year", cache_dir)
    site = config.parent / "site"
    added = 0
    rows: list[dict[str, Any]] = []
    for count in sorted({min(n, len(days)) for n in counts}):
        papers_before = 0
        if count - 1 > added:
            add_days(config, days[added : count - 1])
            papers_before = run_build(config)["papers"]
        elif rows:
            papers_before = rows[-1]["papers"]
        add_days(config, days[count - 1 : count])
        added = count
        day = run_build(config)
        name, size = largest_file(site)
        row: dict[str, Any] = {
            "days": count,
            "papers": day["papers"],
            "new_papers": day["papers"] - papers_before,
            "day": day,
            "largest_file": name,
            "largest_file_mb": round(size / 1e6, 2),
            **site_bytes(site, day["papers"]),
            **search_bytes(site),
        }
        if count in cold_at:
            row.update(cold_copy(config, work))
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k not in {"day", "cold"}}), flush=True)
    shutil.rmtree(config.parent)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The day's build at each size: time, pages, memory, site."""
    lines = [
        "| issues | papers | new papers | day's build | a new paper | pages rendered (reused) "
        "| rendered per new paper | memory, all processes | site | per paper | largest file "
        "| first query | cold build (= day's bytes) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        day, new = row["day"], row["new_papers"]

        cold = row.get("cold")
        cold_cell = (
            f"{cold['seconds']:.0f} s, {cold['tree_pss_mib']:,} MiB "
            f"({'yes' if row['cold_identical_to_day'] else 'NO'})"
            if cold
            else "-"
        )
        search = row.get("search_bytes")
        lines.append(
            f"| {row['days']} | {row['papers']:,} | {row['new_papers']:,} "
            f"| {day['seconds']:.1f} s | {per_new(day['seconds'], new, ' s')} "
            f"| {day['rendered_pages']:,} ({day['reused_pages']:,}) "
            f"| {per_new(day['rendered_pages'], new)} | {day['tree_pss_mib']:,} MiB "
            f"| {row['site_mb']} MB | {row['kb_per_paper']} KB "
            f"| {row['largest_file']} {row['largest_file_mb']} MB "
            f"| {f'{search / 1e3:.0f} KB' if search else '-'} | {cold_cell} |"
        )
    return "\n".join(lines)


def per_new(value: float, new: int, unit: str = "") -> str:
    """A figure per new paper; "-" on a day that lists no new paper (a weekend's relisting)."""
    return f"{value / new:.2f}{unit}" if new else "-"


def stages(rows: list[dict[str, Any]]) -> str:
    """Each stage of the day's build: seconds (and seconds per new paper) at each size."""
    labels = list(dict.fromkeys(s["stage"] for r in rows for s in r["day"]["stages"]))
    lines = [
        "| stage (the day's build) | " + " | ".join(f"{r['papers']:,} papers" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    for label in labels:
        cells = []
        for row in rows:
            found = [s for s in row["day"]["stages"] if s["stage"] == label]
            cells.append(
                f"{found[0]['seconds']} s, {found[0]['tree_pss_mib']} MiB" if found else "-"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]]) -> str:
    """Time per stage, pages rendered and memory of the day's build, against papers."""
    from benchmarks.svgplot import line_charts

    papers = [float(r["papers"]) for r in rows]
    labels = list(dict.fromkeys(s["stage"] for r in rows for s in r["day"]["stages"]))
    per_stage = {
        label: [
            next((s["seconds"] for s in r["day"]["stages"] if s["stage"] == label), 0.0)
            for r in rows
        ]
        for label in labels
    }
    per_stage["whole build"] = [r["day"]["seconds"] for r in rows]
    pages = {
        "pages rendered": [float(r["day"]["rendered_pages"]) for r in rows],
        "new papers": [float(r["new_papers"]) for r in rows],
    }
    memory = {"all processes (PSS)": [float(r["day"]["tree_pss_mib"]) for r in rows]}
    return line_charts(
        [
            ("The day's build, by stage", "seconds", papers, per_stage),
            ("Pages rendered by the day's build", "pages", papers, pages),
            ("Peak memory of the day's build", "MiB", papers, memory),
        ]
    )


def embedding_time(log: Path | None) -> str:
    """The cold embedding's time, from the log of the cache's fill (`folder days papers s`)."""
    if log is None or not log.is_file():
        return ""
    rows = [line.split() for line in log.read_text().splitlines() if len(line.split()) == 4]
    papers = sum(int(r[2]) for r in rows)
    seconds = sum(float(r[3]) for r in rows)
    return (
        f"Embedding every paper once (the cold part of a year, `{log.name}`): "
        f"{papers:,} papers in {seconds / 60:.0f} min, {papers / max(seconds, 1):.1f} papers/s."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.year")
    parser.add_argument("--days", default="7,30,61,120,200,280")
    parser.add_argument("--cold", default="", help="counts at which to build cold too")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".cache")
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-digest-year"))
    parser.add_argument("--embed-log", type=Path)
    parser.add_argument("--quick", action="store_true", help="`make bench`: 7 issues only")
    parser.add_argument("--from-json", type=Path, help="write the table and plot of a saved run")
    args = parser.parse_args(argv)
    if args.from_json:
        rows = json.loads(args.from_json.read_text())
        return report(rows, args.embed_log, "(from a saved run)")
    days = day_files(SOURCES)
    if not days:
        print("year benchmark: no daily files")
        return 0
    counts = [7] if args.quick else [int(n) for n in args.days.split(",") if n.strip()]
    cold_at = {int(n) for n in args.cold.split(",") if n.strip()}
    rows = grow(counts, days, args.work, args.cache_dir, cold_at)
    load = os.getloadavg()
    return report(
        rows,
        args.embed_log,
        f"Load average at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}",
    )


def report(rows: list[dict[str, Any]], embed_log: Path | None, load: str) -> int:
    """Print the table of a run and write it, its JSON and its plot to benchmarks/results/."""
    text = "\n\n".join(
        [
            "# A year on one runner (arxiv-daily, then arxiv-months; one issue a day)",
            f"{load} ({os.cpu_count()} cores). Keyphrases cached.",
            table(rows),
            stages(rows),
            embedding_time(embed_log),
        ]
    )
    print(text)
    name = "year-" + "-".join(str(r["days"]) for r in rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=1))
    (RESULTS / f"{name}.svg").write_text(plot(rows))
    print(f"written: {RESULTS / name}.md, .json, .svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
