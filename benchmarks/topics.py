"""Topic figures for the demo digests: how many, how big, how much they cover, and look-alikes."""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
from pathlib import Path

import numpy as np

from generator.build import SilentProgress, annotate, read_catalog
from generator.config import load_settings
from generator.keyphrases import normalize_phrase
from generator.keyphrases.vocabulary import BROAD_WORDS

REPO = Path(__file__).resolve().parents[1]
# Two labels whose phrases' embeddings are this close are reported as looking alike.
LOOKALIKE = 0.85


def _fold(label: str) -> str:
    words = normalize_phrase(label).replace("-", " ").split()
    return " ".join(sorted(words))


def lookalikes(
    labels: dict[str, str], vectors: dict[str, np.ndarray]
) -> list[tuple[str, str, str]]:
    """Return label pairs that look like one concept: same words, or very close in meaning."""
    pairs = []
    for (a, key_a), (b, key_b) in itertools.combinations(sorted(labels.items()), 2):
        if _fold(a) == _fold(b):
            pairs.append((a, b, "same words"))
        elif key_a in vectors and key_b in vectors:
            similarity = float(vectors[key_a] @ vectors[key_b])
            if similarity >= LOOKALIKE:
                pairs.append((a, b, f"cosine {similarity:.2f}"))
    return pairs


def main(argv: list[str] | None = None) -> int:
    """Build keyphrases (from the cache when warm) and topics for the demo; print the figures."""
    parser = argparse.ArgumentParser(prog="benchmarks.topics")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="accepted for `make bench`")
    args = parser.parse_args(argv)
    settings = load_settings(REPO / "mkdocs.yml")
    catalog, _ = read_catalog(settings)
    catalog, result = annotate(catalog, settings, SilentProgress())
    sizes = sorted(len(t.paper_ids) for t in catalog.topics)
    covered = sum(1 for p in catalog.papers if p.topics)
    labels = {t.label: normalize_phrase(t.label) for t in catalog.topics}
    generic = [t.label for t in catalog.topics if all(w in BROAD_WORDS for w in t.slug.split("-"))]
    figures = {
        "papers": len(catalog.papers),
        "topic_pages": len(catalog.topics),
        "papers_per_topic_min_median_max": [sizes[0], statistics.median(sizes), sizes[-1]]
        if sizes
        else [0, 0, 0],
        "papers_on_a_topic_page": covered,
        "share_on_a_topic_page_percent": round(100 * covered / max(len(catalog.papers), 1), 1),
        "generic_word_topics": generic,
        "lookalike_label_pairs": [list(p) for p in lookalikes(labels, result.phrase_vectors)],
        "largest_topics": [
            [t.label, len(t.paper_ids)]
            for t in sorted(catalog.topics, key=lambda t: (-len(t.paper_ids), t.label))[:20]
        ],
    }
    print("topics (demo digests)")
    for key, value in figures.items():
        if key == "largest_topics":
            print(f"  {key}:")
            for label, size in value:
                print(f"    {size:4}  {label}")
        elif key == "lookalike_label_pairs":
            print(f"  {key}: {len(value)}")
            for a, b, why in value:
                print(f"    {a!r} ~ {b!r} ({why})")
        else:
            print(f"  {key:34} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
