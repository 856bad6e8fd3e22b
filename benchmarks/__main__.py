"""Run every benchmark in turn: `make bench` (pass --quick to shorten the slow baselines)."""

from __future__ import annotations

import importlib
import sys

SUITES = (
    "site",
    "search",
    "scale",
    "year",
    "keyphrases",
    "topics",
    "noise",
    "formats",
    "mail",
    "tex",
    "fuzz",
)


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    status = 0
    for name in SUITES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"benchmarks.{name}: not available ({exc})")
            continue
        argv = ["--quick"] if quick and name not in {"site", "search", "formats"} else []
        status |= module.main(argv)
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
