"""The demo newsletter end to end with the real model: the topics readers will browse."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import SilentProgress, annotate, read_catalog
from generator.config import load_settings
from generator.keyphrases import normalize_phrase
from generator.keyphrases.vocabulary import BROAD_WORDS
from generator.model import Catalog
from generator.topics.concepts import acronym_pairs
from generator.topics.naming import is_field_wide, says_little
from tests.conftest import DEMO_DIGESTS, REPO

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Keyphrases and topics for the demo digests, from an empty cache."""
    settings = load_settings(REPO / "mkdocs.yml")
    cache = tmp_path_factory.mktemp("cache")
    settings = replace(settings, digests_dir=DEMO_DIGESTS, cache_dir=cache)
    catalog, _ = read_catalog(settings)
    annotated, result = annotate(catalog, settings, SilentProgress())
    assert result.embedded == len(catalog.papers) == 746
    return annotated


def test_nearly_every_paper_is_on_a_topic_page_and_none_is_too_big(demo: Catalog) -> None:
    covered = sum(1 for paper in demo.papers if paper.topics)
    assert covered / len(demo.papers) >= 0.97
    # Up to three topics a paper; a topic that split since adds its subtopic, never more.
    parents = {t.slug for t in demo.topics if t.children}
    assert all(1 <= len(set(p.topics) - parents) <= 3 for p in demo.papers if p.topics)
    assert all(3 <= len(t.paper_ids) <= 0.08 * len(demo.papers) for t in demo.topics)


def test_topics_sit_in_about_a_dozen_areas(demo: Catalog) -> None:
    assert 6 <= len(demo.areas) <= 15
    held = sorted(slug for area in demo.areas for slug in area.topic_slugs)
    assert held == sorted(t.slug for t in demo.topics)
    assert "Reinforcement learning" in {a.label for a in demo.areas}


def test_no_generic_word_is_a_topic(demo: Catalog) -> None:
    for topic in demo.topics:
        words = normalize_phrase(topic.label).replace("-", " ").split()
        assert not all(word in BROAD_WORDS for word in words), topic.label
        assert not is_field_wide(topic.slug.replace("-", " ")), topic.label


def test_no_two_topic_labels_are_one_concept(demo: Catalog) -> None:
    acronyms = acronym_pairs((f"{p.title}. {p.abstract}" for p in demo.papers), normalize_phrase)

    def concept(label: str) -> str:
        words = [acronyms.get(w, w) for w in normalize_phrase(label).split()]
        return " ".join(sorted(" ".join(words).replace("-", " ").split()))

    for a, b in itertools.combinations(demo.topics, 2):
        assert concept(a.label) != concept(b.label), (a.label, b.label)


def test_expected_topics_of_an_ml_newsletter_are_there(demo: Catalog) -> None:
    names = {t.label.split(" (")[0] for t in demo.topics}
    for expected in (
        "Diffusion models",
        "Bayesian optimization",
        "Continual learning",
        "Out-of-distribution detection",
        "In-context learning",
    ):
        assert expected in names


def test_papers_whose_titles_name_a_topic_are_on_it(demo: Catalog) -> None:
    rlhf = [p for p in demo.papers if re.search(r"\bRLHF\b", p.title)]
    assert len(rlhf) == 4
    on = {slug for paper in rlhf for slug in paper.topics}
    shared = [slug for slug in on if all(slug in p.topics for p in rlhf)]
    assert shared and "RLHF" in demo.topic(shared[0]).label


def test_no_label_names_only_a_part_an_experiment_plays(demo: Catalog) -> None:
    for topic in demo.topics:
        assert not says_little(normalize_phrase(topic.label.split(" (")[0])), topic.label


def test_paper_pages_link_only_to_topics_that_exist(demo: Catalog, tmp_path: Path) -> None:
    slugs = {t.slug for t in demo.topics}
    assert all(set(p.topics) <= slugs for p in demo.papers)
    for topic in demo.topics:
        assert set(topic.related) <= slugs
