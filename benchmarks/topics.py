"""Topic figures: how many topics and areas, how big, how much they cover, how stable, how fast.

On the demo digests: topic and area counts, coverage, the largest topic's share, labels that
name the field itself, look-alike labels, the largest topics with their areas, slug stability
from 3 to 4 issues, and (once `benchmarks/labels/demo-areas.tsv` exists) recovery of hand-labelled
areas and fields. With `--scale DIR` (the 61-day benchmark, keyphrases cached in `--cache-dir`):
the topic step's time and peak memory on all days, and slug stability from day n to n+1 for
each n of `--days` (default 10, 20, ... 60), with their mean and minimum.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import statistics
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.svgplot import line_charts
from generator.build import SilentProgress, add_keyphrases, add_topics
from generator.catalog import build_catalog
from generator.config import Settings, load_settings
from generator.keyphrases import (
    KeyphraseResult,
    normalize_phrase,
)
from generator.model import Catalog, Issue
from generator.site.pages import render_pages
from generator.sources import read_digests
from generator.topics.grouping import paper_vectors
from generator.topics.naming import is_field_wide

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "benchmarks" / "labels"
# Two labels whose phrases' embeddings are this close are reported as looking alike.
LOOKALIKE = 0.85
# Stability counts the topics with at least this many papers in the earlier build.
STABLE_SIZE = 10


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


def keyphrases(catalog: Catalog, settings: Settings) -> tuple[Catalog, KeyphraseResult]:
    """Give the papers their keyphrases as a build does (from the cache when warm)."""
    return add_keyphrases(catalog, settings, SilentProgress())


def topics(catalog: Catalog, result: KeyphraseResult, settings: Settings) -> Catalog:
    """Run the topic step alone, as a build does."""
    return add_topics(catalog, result, settings)


def first_issues(issues: tuple[Issue, ...], count: int) -> Catalog:
    """Return the catalog of the first `count` issues in publication order."""
    return build_catalog(tuple(sorted(issues, key=Issue.order)[:count]))


def stability(before: Catalog, after: Catalog) -> dict[str, Any]:
    """Compare two builds: share of sizeable topics that keep their slug, and their members."""
    big = [t for t in before.topics if len(t.paper_ids) >= STABLE_SIZE]
    now = {t.slug: set(t.paper_ids) for t in after.topics}
    kept = [t for t in big if t.slug in now]
    jaccard = [
        len(set(t.paper_ids) & now[t.slug]) / len(set(t.paper_ids) | now[t.slug]) for t in kept
    ]
    return {
        "topics_with_10_papers": len(big),
        "kept_slug_percent": round(100 * len(kept) / max(len(big), 1), 1),
        "lost": sorted(t.slug for t in big if t.slug not in now),
        "kept_members_jaccard_median": round(statistics.median(jaccard), 3) if jaccard else 0,
        "all_topics_kept_percent": round(
            100 * sum(t.slug in now for t in before.topics) / max(len(before.topics), 1), 1
        ),
    }


def shape(catalog: Catalog) -> dict[str, Any]:
    """Return counts, coverage and sizes of a catalog's topics."""
    sizes = sorted(len(t.paper_ids) for t in catalog.topics) or [0]
    covered = sum(1 for p in catalog.papers if p.topics)
    total = max(len(catalog.papers), 1)
    return {
        "papers": len(catalog.papers),
        "topic_pages": len(catalog.topics),
        "areas": len(catalog.areas),
        "papers_per_topic_min_median_max": [sizes[0], statistics.median(sizes), sizes[-1]],
        "share_on_a_topic_page_percent": round(100 * covered / total, 1),
        "largest_topic_share_percent": round(100 * sizes[-1] / total, 1),
        "field_wide_labels": [t.label for t in catalog.topics if is_field_wide(t.slug)],
    }


def _best_f1(truth: dict[str, set[str]], found: list[set[str]]) -> float:
    """Mean over labelled groups of the best F1 of the group against one found group."""
    scores = []
    for papers in truth.values():
        best = 0.0
        for group in found:
            both = len(papers & group)
            if both:
                best = max(best, 2 * both / (len(papers) + len(group)))
        scores.append(best)
    return round(100 * statistics.mean(scores), 1) if scores else 0.0


def recovery(catalog: Catalog) -> dict[str, Any] | None:
    """Recovery of the hand labels, if they exist: areas vs topics, fields vs areas."""
    labelled = LABELS / "demo-areas.tsv"
    if not labelled.exists():
        return None
    by_area: dict[str, set[str]] = defaultdict(set)
    for line in labelled.read_text("utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 2 and cells[0] not in ("", "paper_id") and not line.startswith("#"):
            for area in cells[1].split("|"):
                by_area[area.strip()].add(cells[0].strip())
    field_of: dict[str, str] = {}
    fields_file = LABELS / "areas.tsv"
    if fields_file.exists():
        for line in fields_file.read_text("utf-8").splitlines():
            cells = line.split("\t")
            if len(cells) >= 2 and cells[0] != "area" and not line.startswith("#"):
                field_of[cells[0].strip()] = cells[1].strip()
    by_field: dict[str, set[str]] = defaultdict(set)
    for area, papers in by_area.items():
        if area in field_of:
            by_field[field_of[area]] |= papers
    present = {p.id for p in catalog.papers}
    by_area = {a: found & present for a, found in by_area.items() if found & present}
    by_field = {f: found & present for f, found in by_field.items() if found & present}
    if not by_area:  # none of these papers is labelled
        return None
    topic_sets = [set(t.paper_ids) for t in catalog.topics]
    area_sets = _area_papers(catalog)
    return {
        "labelled_areas": len(by_area),
        "area_recovery_f1": _best_f1(by_area, topic_sets),
        "labelled_fields": len(by_field),
        "field_recovery_f1": _best_f1(by_field, area_sets),
    }


def _area_papers(catalog: Catalog) -> list[set[str]]:
    """The papers of each area: those of its topics."""
    return [
        {pid for slug in a.topic_slugs for pid in catalog.topic(slug).paper_ids}
        for a in catalog.areas
    ]


def category_agreement(catalog: Catalog, smallest: int = 10) -> dict[str, float]:
    """Where there are no hand labels but arXiv categories: the best-match F1 of the papers of
    each first category (of at least `smallest` papers) against one area, and against one
    topic: how far areas follow the fields the authors chose, and topics stay inside them."""
    by_category: dict[str, set[str]] = defaultdict(set)
    for paper in catalog.papers:
        if paper.categories:
            by_category[paper.categories[0]].add(paper.id)
    truth = {c: ids for c, ids in by_category.items() if len(ids) >= smallest}
    area_sets = _area_papers(catalog)
    return {
        "categories": len(truth),
        "area_f1": _best_f1(truth, area_sets),
        "topic_f1": _best_f1(truth, [set(t.paper_ids) for t in catalog.topics]),
    }


# Words of the issue's examples, and the topic whose label starts so: how many titles with
# the word are on that topic ("36 papers have 'diffusion' in the title, 21 are on the topic").
TITLE_CHECKS = (
    (r"\bdiffusion", "Diffusion models"),
    (r"\bRLHF\b", "Human feedback"),
    (r"\bcontinual\b", "Continual learning"),
)


def title_checks(catalog: Catalog) -> dict[str, str]:
    """Say, per example word, how many titles hold it and how many of those are on its topic."""
    found = {}
    for pattern, label in TITLE_CHECKS:
        topic = next((t for t in catalog.topics if t.label.startswith(label)), None)
        hits = [p for p in catalog.papers if re.search(pattern, p.title, re.IGNORECASE)]
        on = sum(topic is not None and topic.slug in p.topics for p in hits)
        where = topic.label if topic is not None else f"no {label!r} topic"
        found[pattern] = f"{on} of {len(hits)} titles on {where}"
    return found


def cohesion(catalog: Catalog, result: KeyphraseResult, worst: int = 10) -> dict[str, Any]:
    """Per topic, its papers' mean cosine to its centre against their mean cosine to the nearest
    other topic's centre; the topics whose margin is smallest, with a few titles each."""
    papers = sorted(catalog.papers, key=lambda p: p.id)
    row = {p.id: i for i, p in enumerate(papers)}
    matrix = paper_vectors(papers, result.doc_vectors, result.phrase_vectors, normalize_phrase)
    topics = [t for t in catalog.topics if t.paper_ids]
    if len(topics) < 2:
        return {}
    centres = np.stack([matrix[[row[p] for p in t.paper_ids]].mean(axis=0) for t in topics])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    rows = []
    for c, topic in enumerate(topics):
        sims = matrix[[row[p] for p in topic.paper_ids]] @ centres.T
        own = float(sims[:, c].mean())
        sims[:, c] = -np.inf
        other = float(sims.max(axis=1).mean())
        titles = [catalog.paper(p).title[:70] for p in sorted(topic.paper_ids)[:3]]
        rows.append((round(own - other, 3), topic.label, len(topic.paper_ids), titles))
    rows.sort()
    margins = [r[0] for r in rows]
    return {
        "margin_mean": round(statistics.mean(margins), 3),
        "topics_closer_to_another_centre": sum(m < 0 for m in margins),
        "worst": [list(r) for r in rows[:worst]],
    }


def issue_by_issue(
    issues: tuple[Issue, ...], settings: Settings, every: int = 1, pages: bool = False
) -> list[dict[str, Any]]:
    """Build the topics after each issue in publication order: slugs alive from the first
    build, old papers that lost a topic, papers that changed, and quality every `every` issues;
    with `pages`, the pages whose Markdown changed (rendered as a build does)."""
    ordered = sorted(issues, key=Issue.order)
    rows: list[dict[str, Any]] = []
    first: set[str] = set()
    before: Catalog | None = None
    shown: dict[str, str] = {}  # each page's hash, as the last issue left it
    for n in range(1, len(ordered) + 1):
        catalog, result = keyphrases(first_issues(issues, n), settings)
        now = topics(catalog, result, settings)
        figures_pages: dict[str, Any] = {}  # the pages whose Markdown this issue changed
        if pages:
            made = {
                doc: hashlib.sha256(t.encode()).hexdigest()
                for doc, t in render_pages(now, settings).items()
            }
            changed = sum(shown.get(doc) != digest for doc, digest in made.items())
            new = len(now.papers) - (len(before.papers) if before else 0)
            figures_pages = {
                "pages_changed": changed,
                "pages_changed_per_new_paper": round(changed / max(new, 1), 2),
            }
            shown = made
        slugs = {t.slug for t in now.topics}
        first = first or slugs
        figures: dict[str, Any] = {"issues": n, "papers": len(now.papers), "topics": len(slugs)}
        figures.update(figures_pages)
        sizes = sorted(len(t.paper_ids) for t in now.topics) or [0]
        figures["largest_topic"] = sizes[-1]
        figures["median_topic"] = statistics.median(sizes)
        figures["first_slugs_alive_percent"] = round(
            100 * len(first & slugs) / max(len(first), 1), 1
        )
        if before is not None:
            mine = {p.id: set(p.topics) for p in now.papers}
            old = list(before.papers)
            figures["old_papers_that_lost_a_topic"] = sum(
                not set(p.topics) <= mine[p.id] for p in old
            )
            figures["old_papers_whose_topics_changed"] = sum(
                set(p.topics) != mine[p.id] for p in old
            )
            figures["slugs_gone"] = sorted({t.slug for t in before.topics} - slugs)
        if n % every == 0 or n == len(ordered):
            found = recovery(now)
            if found is not None:
                figures["area_recovery_f1"] = found["area_recovery_f1"]
                figures["field_recovery_f1"] = found["field_recovery_f1"]
            elif any(p.categories for p in now.papers):
                archive = topics(catalog, result, replace(settings, topic_grouping="archive"))
                figures["category_agreement"] = category_agreement(now)
                figures["category_agreement_whole_archive"] = category_agreement(archive)
        rows.append(figures)
        before = now
    return rows


def demo_figures(cache_dir: Path) -> tuple[dict[str, Any], Catalog, KeyphraseResult]:
    """Figures for the demo digests, and stability from its first 3 issues to all 4."""
    settings = replace(load_settings(REPO / "mkdocs.yml"), cache_dir=cache_dir)
    issues = read_digests(settings.digests_dir, settings.default_year, settings.root).issues
    catalog, result = keyphrases(build_catalog(issues), settings)
    catalog = topics(catalog, result, settings)
    three, three_result = keyphrases(first_issues(issues, len(issues) - 1), settings)
    figures = shape(catalog)
    labels = {t.label: normalize_phrase(t.label) for t in catalog.topics}
    figures["lookalike_label_pairs"] = [list(p) for p in lookalikes(labels, result.phrase_vectors)]
    figures["stability_demo_3_to_4_issues"] = stability(
        topics(three, three_result, settings), catalog
    )
    figures["recovery"] = recovery(catalog)
    archive = topics(catalog, result, replace(settings, topic_grouping="archive"))
    figures["recovery_whole_archive_at_once"] = recovery(archive)
    figures["issue_by_issue"] = issue_by_issue(issues, settings)
    figures["cohesion"] = cohesion(catalog, result)
    figures["cohesion_whole_archive_at_once"] = cohesion(archive, result)
    figures["titles_on_their_topic"] = title_checks(catalog)
    return figures, catalog, result


def scale_figures(folder: Path, cache_dir: Path, days: Sequence[int]) -> dict[str, Any]:
    """The topic step alone on every day of the scale benchmark, and stability from each of
    `days` to the next."""
    settings = replace(load_settings(REPO / "mkdocs.yml"), cache_dir=cache_dir)
    issues = read_digests(folder, 2025, folder.parent).issues
    catalog, result = keyphrases(build_catalog(issues), settings)
    tracemalloc.start()
    started = time.perf_counter()
    full = topics(catalog, result, settings)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    figures = shape(full)
    figures["topic_step_seconds"] = round(seconds, 1)
    figures["topic_step_peak_mib"] = round(peak / 2**20)
    kept = []
    for n in days:
        if not 1 <= n < len(issues):
            continue
        before, before_result = keyphrases(first_issues(issues, n), settings)
        after, after_result = keyphrases(first_issues(issues, n + 1), settings)
        found = stability(
            topics(before, before_result, settings), topics(after, after_result, settings)
        )
        figures[f"stability_days_{n}_to_{n + 1}"] = found
        kept.append(found["kept_slug_percent"])
    if kept:
        figures["stability_kept_slug_percent_mean_min"] = [
            round(statistics.mean(kept), 1),
            min(kept),
        ]
    daily = issue_by_issue(issues, settings, every=10, pages=True)
    figures["day_by_day"] = daily
    figures["old_papers_that_lost_a_topic_all_days"] = sum(
        d.get("old_papers_that_lost_a_topic", 0) for d in daily
    )
    figures["plot"] = str(plot_days(daily, RESULTS / f"topics-days-{folder.name}.svg"))
    return figures


RESULTS = REPO / "benchmarks" / "results"


def plot_days(daily: Sequence[dict[str, Any]], path: Path) -> Path:
    """Draw topics and their sizes, and the old papers that changed, against papers, day by day."""
    xs = [float(d["papers"]) for d in daily]
    panels = [
        (
            "Topics as the archive grows",
            "",
            xs,
            {
                "topics": [float(d["topics"]) for d in daily],
                "largest topic (papers)": [float(d["largest_topic"]) for d in daily],
                "median topic (papers)": [float(d["median_topic"]) for d in daily],
            },
        ),
        (
            "Old papers, each new day",
            "",
            xs,
            {
                "gained a topic": [
                    float(d.get("old_papers_whose_topics_changed", 0)) for d in daily
                ],
                "lost a topic": [float(d.get("old_papers_that_lost_a_topic", 0)) for d in daily],
            },
        ),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(line_charts(panels), encoding="utf-8")
    return path


def _print(title: str, figures: dict[str, Any]) -> None:
    print(title)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"  {key}:")
            for inner, item in value.items():
                if isinstance(item, list) and item and isinstance(item[0], list):
                    print(f"    {inner}:")
                    for entry in item:
                        print(f"      {entry}")
                else:
                    print(f"    {inner:32} {item}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            print(f"  {key}:")
            for item in value:
                print("    " + ", ".join(f"{k} {v}" for k, v in item.items()))
        elif key == "lookalike_label_pairs":
            print(f"  {key}: {len(value)}")
            for a, b, why in value:
                print(f"    {a!r} ~ {b!r} ({why})")
        else:
            print(f"  {key:34} {value}")


def _largest(catalog: Catalog, count: int) -> list[list[Any]]:
    ordered = sorted(catalog.topics, key=lambda t: (-len(t.paper_ids), t.label))[:count]
    area = {a.slug: a.label for a in catalog.areas}
    return [[len(t.paper_ids), t.label, area.get(t.area, "")] for t in ordered]


def main(argv: list[str] | None = None) -> int:
    """Print the topic figures of the demo (and of the scale benchmark with --scale)."""
    parser = argparse.ArgumentParser(prog="benchmarks.topics")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="accepted for `make bench`")
    parser.add_argument("--scale", type=Path, help="folder of the 61-day benchmark digests")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".cache")
    parser.add_argument(
        "--days",
        default="10,20,30,40,50,60",
        help="stability from each of these days to the next (comma-separated)",
    )
    args = parser.parse_args(argv)
    figures, catalog, _ = demo_figures(args.cache_dir)
    figures["largest_topics"] = _largest(catalog, 30)
    figures["areas_by_size"] = [[a.paper_count, a.label, len(a.topic_slugs)] for a in catalog.areas]
    listed = ("largest_topics", "areas_by_size")
    _print("topics (demo digests)", {k: v for k, v in figures.items() if k not in listed})
    print("  areas_by_size (papers, area, topics):")
    for size, label, count in figures["areas_by_size"]:
        print(f"    {size:4}  {label}  ({count} topics)")
    print("  largest_topics (papers, topic, area):")
    for size, label, area in figures["largest_topics"]:
        print(f"    {size:4}  {label}  [{area}]")
    if args.scale:
        days = [int(day) for day in args.days.split(",") if day.strip()]
        figures["scale"] = scale_figures(args.scale, args.cache_dir, days)
        _print(f"topics (scale benchmark {args.scale.name})", figures["scale"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
