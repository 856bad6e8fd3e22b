"""How much mangled TeX the Hugging Face page-text reader writes back as math, on the demo.

Reads the demo digests twice, with and without `tex.repair_tex`, and counts the papers whose
abstract changed and the formulas (`$…$` pairs) written back.

    python -m benchmarks.tex
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def abstracts(repair: bool) -> dict[str, str]:
    """Return the demo's abstracts by title, read with or without the repair."""
    import generator.sources.hf_text as hf_text
    from generator.sources import read_digests

    kept = hf_text.repair_tex
    if not repair:
        hf_text.repair_tex = lambda text: text
    try:
        result = read_digests(DEMO)
    finally:
        hf_text.repair_tex = kept
    return {entry.title: entry.abstract for issue in result.issues for entry in issue.entries}


def main(argv: list[str] | None = None) -> int:
    """Print the figures (`argv` is accepted for `make bench` and ignored)."""
    repaired, raw = abstracts(True), abstracts(False)
    changed = [title for title in raw if raw[title] != repaired[title]]
    formulas = sum((repaired[t].count("$") - raw[t].count("$")) // 2 for t in changed)
    print(f"TeX repair on the demo: {len(changed)} papers, {formulas} formulas written back")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
