"""Make every reader's message of the demo's latest issue: 10,000 readers, 200 interest sets.

Each reader's message is made as `email send` makes it (`send.Copies`: one rendering per
distinct interest set, then the reader's headers and address), up to the bytes handed to
SMTP; nothing is sent. The baseline renders and encodes a copy per reader, as sending did
before, timed on a sample of readers and scaled to all of them. Interest sets are drawn with a
fixed seed from the demo's areas and topics, so every run measures the same work.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from generator.build import read_annotated_catalog
from generator.config import load_settings
from generator.mail.compose import email_environment, render_copy
from generator.mail.editions import issue_edition
from generator.mail.message import make_message
from generator.mail.readers import Interests, Reader
from generator.mail.send import Copies
from generator.model import Catalog

REPO = Path(__file__).resolve().parents[1]


def interest_sets(catalog: Catalog, count: int, seed: int = 2025) -> list[Interests]:
    """Draw `count` distinct interest sets: areas, topics, or both, some with exclusions."""
    chance = random.Random(seed)
    areas = [area.slug for area in catalog.areas]
    topics = sorted(topic.slug for topic in catalog.topics)
    found: dict[Interests, None] = {Interests(): None}
    while len(found) < count:
        chosen_areas = chance.sample(areas, chance.randint(0, 2))
        chosen_topics = chance.sample(topics, chance.randint(0 if chosen_areas else 1, 4))
        exclude = chance.sample(topics, chance.randint(0, 1))
        interests = Interests(
            tuple(sorted(chosen_areas)),
            tuple(sorted(chosen_topics)),
            tuple(sorted(set(exclude) - set(chosen_topics))),
        )
        found.setdefault(interests, None)
    return list(found)


def main(argv: list[str] | None = None) -> int:
    """Make the messages both ways and print the figures."""
    parser = argparse.ArgumentParser(prog="benchmarks.mail")
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--sample", type=int, default=100, help="readers timed for the baseline")
    parser.add_argument("--quick", action="store_true", help="a smaller baseline sample")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings(REPO / "mkdocs.yml")
    catalog, _ = read_annotated_catalog(settings)
    issue = catalog.issues[0]
    edition = issue_edition(catalog, issue, settings)
    sets = interest_sets(catalog, args.sets)
    readers = [
        Reader(f"reader{n:05d}@example.org", sets[n % len(sets)]) for n in range(args.readers)
    ]
    started = time.perf_counter()
    copies = Copies(catalog, settings, edition, email_environment(settings))
    made = skipped = size = 0
    for reader in readers:
        if not copies.has_copy(reader.interests):
            skipped += 1
            continue
        size += len(copies.message_for(reader)[1])
        made += 1
    seconds = time.perf_counter() - started
    sample = readers[: 20 if args.quick else args.sample]
    envs = email_environment(settings)
    started = time.perf_counter()
    for reader in sample:
        email = render_copy(
            catalog,
            edition,
            settings,
            reader.interests,
            recipient=reader.address,
            environments=envs,
        )
        if email is not None:
            make_message(email, settings)
    per_reader = (time.perf_counter() - started) / len(sample)
    figures = {
        "issue": f"{issue.slug} ({len(edition.papers)} papers)",
        "readers": len(readers),
        "interest_sets": len(sets),
        "renderings": len(copies.makers),
        "messages_made": made,
        "nothing_in_their_topics": skipped,
        "message_mb": round(size / 1e6, 1),
        "seconds_once_per_set": round(seconds, 2),
        "ms_per_reader_once_per_set": round(1000 * seconds / len(readers), 3),
        "seconds_per_reader_baseline_scaled": round(per_reader * len(readers), 1),
        "ms_per_reader_baseline": round(1000 * per_reader, 2),
        "baseline_sample": len(sample),
    }
    print("per-reader email (demo digests' latest issue)")
    for key, value in figures.items():
        print(f"  {key:36} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
