"""One cold keyphrase run over the demo papers in one precision, for timing side by side.

    farm-bench -n 3 --warmup 0 --timeout 580 --vs '.venv/bin/python -m benchmarks.precision bf16' \\
        -- .venv/bin/python -m benchmarks.precision fp32

No cache: every paper and candidate is embedded, the model loaded, as in a cold build.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from generator.build import read_catalog
from generator.config import load_settings
from generator.keyphrases import Document, KeyphraseSettings, extract_keyphrases

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.precision")
    parser.add_argument("precision", choices=("fp32", "bf16"))
    args = parser.parse_args(argv)
    settings = replace(load_settings(REPO / "mkdocs.yml"), digests_dir=DEMO)
    catalog, _ = read_catalog(settings)
    docs = [Document(p.id, p.title, p.abstract) for p in catalog.papers]
    started = time.perf_counter()
    result = extract_keyphrases(docs, KeyphraseSettings(bf16=args.precision == "bf16"), None)
    seconds = time.perf_counter() - started
    print(f"{args.precision}: {result.embedded} papers embedded in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
