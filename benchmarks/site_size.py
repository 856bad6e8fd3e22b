"""Where a site's bytes go: build days FIRST-LAST of the scale benchmark and count them by kind.

`python -m benchmarks.site_size --days 1-40 --cache-dir DIR` builds those days of
`../shared/benchmarks/arxiv-daily/` (one issue a day) in a scratch project, keyphrases from
`DIR/keyphrases` (as `benchmarks.scale`: a paper missing there is embedded once and kept), and
prints the site's KB a paper, in all and by kind of file (`benchmarks.scale.site_bytes`), the
largest files and the files over 5 MB, as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.scale import SOURCE, add_days, make_project, run_build, site_bytes
from generator.site.size import measure


def measure_days(
    first: int, last: int, source: Path, cache_dir: Path, work: Path
) -> dict[str, Any]:
    """Build days `first`..`last` (1-based, inclusive) and return the site's figures."""
    days = sorted(source.glob("*.jsonl.gz"))[first - 1 : last]
    config = make_project(work / f"days-{first}-{last}", cache_dir)
    add_days(config, days)
    build = run_build(config)
    site = config.parent / "site"
    biggest = sorted(
        (
            (p.stat().st_size, p.relative_to(site).as_posix())
            for p in site.rglob("*")
            if p.is_file()
        ),
        key=lambda item: (-item[0], item[1]),
    )
    figures = {
        "days": f"{first}-{last}",
        "papers": build["papers"],
        "seconds": build["seconds"],
        "embedded": build["embedded"],
        **site_bytes(site, build["papers"]),
        "largest_files": [[name, size] for size, name in biggest[:5]],
        "files_over_5_mb": [list(item) for item in measure(site).large],
    }
    shutil.rmtree(config.parent)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.site_size")
    parser.add_argument("--days", default="1-40", help="FIRST-LAST, 1-based, e.g. 1-40")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--cache-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    first, _, last = args.days.partition("-")
    with tempfile.TemporaryDirectory(prefix="site-size-") as work:
        figures = measure_days(
            int(first), int(last or first), args.source, args.cache_dir, Path(work)
        )
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
