"""Topics: papers clustered by their vectors, named by shared keyphrases, in areas; stable."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from dataclasses import replace

import numpy as np
from slugify import slugify

from generator.catalog import build_catalog
from generator.keyphrases import normalize_phrase
from generator.model import Catalog, Issue, Keyphrase, Location, Paper
from generator.site.redirects import moved_topics, redirect_pages
from generator.sources import read_digests
from generator.topics import build_topics, topic_slug
from generator.topics.areas import FIELDS
from generator.topics.clusters import SMALL_CAP
from generator.topics.concepts import TopicSettings, _close_pairs, acronym_pairs
from generator.topics.grouping import Names, TitleNames
from generator.topics.naming import acronyms_of, c_tf_idf, is_field_wide, ranked, says_little
from tests.conftest import SMALL_DIGESTS
from tests.stand_in import StandInEmbedder


def vector(text: str) -> np.ndarray:
    """A unit vector that depends only on the text: unrelated phrases are nearly orthogonal."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    v = np.random.default_rng(seed).standard_normal(64).astype(np.float32)
    return v / np.linalg.norm(v)


def make_paper(n: int, phrases: list[str], abstract: str = "") -> Paper:
    return Paper(
        id=f"p{n:03d}",
        slug=f"paper-{n}",
        title=f"Paper {n}",
        abstract=abstract or f"We study {phrases[0]}.",
        issues=("issue-1",),
        locations=(Location("x.txt", n),),
        keyphrases=tuple(Keyphrase(p, round(0.6 - 0.05 * i, 4)) for i, p in enumerate(phrases)),
    )


PAPERS = [
    make_paper(1, ["diffusion models", "image synthesis", "learning"]),
    make_paper(2, ["Diffusion Model", "score matching", "results"]),
    make_paper(3, ["denoising diffusion models", "image synthesis", "model"]),
    make_paper(4, ["diffusion model", "image synthesis", "approach"]),
    make_paper(
        5,
        ["LLMs", "reasoning"],
        "We find that large language models (LLMs) can reason about code.",
    ),
    make_paper(6, ["large language models", "code generation", "performance"]),
    make_paper(7, ["Large Language Models", "code generation", "method"]),
    make_paper(8, ["LLM", "alignment", "methods"]),
    make_paper(9, ["Bayesian optimization", "Gaussian processes"]),
    make_paper(10, ["bayesian optimization", "acquisition functions"]),
    make_paper(11, ["Bayesian Optimization", "Gaussian process"]),
    make_paper(12, ["protein folding", "learning"]),
]


def catalog_of(papers: list[Paper]) -> Catalog:
    issue = Issue("issue-1", 1, "Issue 1", "x.txt", paper_ids=tuple(p.id for p in papers))
    return Catalog((issue,), tuple(papers))


def vectors_for(papers: list[Paper]) -> dict[str, np.ndarray]:
    keys = {normalize_phrase(k.text) for p in papers for k in p.keyphrases}
    return {key: vector(key) for key in keys}


def topics_of(papers: list[Paper], **options: int) -> Catalog:
    return build_topics(
        catalog_of(papers), vectors_for(papers), normalize_phrase, TopicSettings(**options)
    )


def test_acronyms_are_learned_from_the_abstracts() -> None:
    texts = [
        "Reinforcement learning from human feedback (RLHF) aligns models.",
        "We use large language models (LLMs) and a Markov decision process (MDP).",
        "out-of-distribution (OOD) detection matters",
        "cost (USD)",  # not an acronym of the words before it
    ]
    pairs = acronym_pairs(texts, normalize_phrase)
    assert pairs["rlhf"] == "reinforcement learning from human feedback"
    assert pairs["llm"] == "large language model"
    assert pairs["mdp"] == "markov decision process"
    assert pairs["ood"] == normalize_phrase("out-of-distribution")
    assert "usd" not in pairs


def test_topic_slugs_depend_on_the_name_alone() -> None:
    assert topic_slug("bayesian optimization") == "bayesian-optimization"
    assert topic_slug("c++ programming") != topic_slug("c programming")
    assert topic_slug("c++ programming") == topic_slug("c++ programming")


def test_fixture_digests_build_with_topics_in_any_issue_order() -> None:
    issues = read_digests(SMALL_DIGESTS).issues
    one = build_catalog(issues)
    two = build_catalog(tuple(reversed(issues)))
    papers = [replace(p, keyphrases=(Keyphrase("attention", 0.5),)) for p in one.papers]
    one, two = Catalog(one.issues, tuple(papers)), Catalog(two.issues, tuple(papers))
    vectors = vectors_for(papers)
    assert build_topics(one, vectors, normalize_phrase) == build_topics(
        two, vectors, normalize_phrase
    )


# Themes of papers that share words (the stand-in embedder makes shared words close).
THEMES = {
    "diffusion": ["diffusion models", "image synthesis", "score matching", "denoising"],
    "bandits": ["contextual bandits", "regret bounds", "exploration", "online decisions"],
    "rlhf": [
        "reinforcement learning from human feedback",
        "preference optimization",
        "reward models",
        "human preferences",
    ],
    "graphs": ["graph neural networks", "message passing", "node classification", "graphs"],
}


def themed_papers(count: int = 6, start: int = 0) -> list[Paper]:
    """Papers of four themes: each holds its theme's first phrase and two more of it."""
    papers = []
    for t, (theme, phrases) in enumerate(sorted(THEMES.items())):
        for i in range(start, start + count):
            own = [
                phrases[0],
                phrases[1 + i % 3],
                phrases[1 + (i + 1) % 3],
                "large language models",
            ]
            text = f"We study {' and '.join(own)} for {theme}."
            if theme == "rlhf":
                text += " Reinforcement learning from human feedback (RLHF) aligns models."
            paper = make_paper(100 * (t + 1) + i, own, text)
            papers.append(replace(paper, title=f"{theme.title()} paper {i}: {own[1]}"))
    return papers


def themed_topics(papers: list[Paper], **options: float) -> Catalog:
    embedder = StandInEmbedder()
    keys = sorted({normalize_phrase(k.text) for p in papers for k in p.keyphrases})
    phrase_vectors = dict(zip(keys, embedder.encode(keys), strict=True))
    docs = embedder.encode([p.text for p in papers])
    doc_vectors = {p.id: v for p, v in zip(papers, docs, strict=True)}
    settings = TopicSettings(**options)  # type: ignore[arg-type]
    return build_topics(catalog_of(papers), phrase_vectors, normalize_phrase, settings, doc_vectors)


def test_papers_cluster_by_meaning_and_topics_are_named_by_shared_phrases() -> None:
    catalog = themed_topics(themed_papers())
    labels = {t.label.split(" (")[0]: t for t in catalog.topics}
    assert {"Diffusion models", "Contextual bandits", "Graph neural networks"} <= set(labels)
    for topic in catalog.topics:
        themes = {pid[:2] for pid in topic.paper_ids}
        assert len(themes) == 1, (topic.label, topic.paper_ids)  # one theme per topic
    # The field itself ("large language models", on every paper) names no topic.
    assert not any(t.slug.startswith("large-language-model") for t in catalog.topics)


def test_every_paper_is_on_a_topic_and_at_most_three() -> None:
    catalog = themed_topics(themed_papers())
    assert all(1 <= len(p.topics) <= 3 for p in catalog.papers)


def test_labels_keep_acronyms_in_sentence_case_and_descriptions_add_to_them() -> None:
    catalog = themed_topics(themed_papers())
    rlhf = next(t for t in catalog.topics if {pid[:2] for pid in t.paper_ids} == {"p4"})
    assert "(RLHF)" in rlhf.label or rlhf.label.startswith("RLHF"), rlhf.label
    for topic in catalog.topics:
        name = topic.label.split(" (")[0]
        assert (name[0].isupper() and name[1:] == name[1:].lower()) or any(
            w.isupper() for w in name.split()
        ), topic.label
        assert name.lower() not in topic.description.lower(), topic.description


def test_every_topic_is_in_an_area_and_areas_hold_them_all() -> None:
    catalog = themed_topics(themed_papers())
    assert catalog.areas
    held = [slug for area in catalog.areas for slug in area.topic_slugs]
    assert sorted(held) == sorted(t.slug for t in catalog.topics)
    for topic in catalog.topics:
        assert catalog.area(topic.area).label
    paper = catalog.papers[0]
    assert catalog.area_of(paper) == catalog.area(catalog.topic(paper.topics[0]).area)


def test_areas_are_fields_of_the_table_of_contents() -> None:
    catalog = themed_topics(themed_papers())
    area_of = {t.label.split(" (")[0]: catalog.area(t.area).label for t in catalog.topics}
    assert area_of["Diffusion models"] == "Generative models"
    assert area_of["Graph neural networks"] == "Architectures"
    assert {a.slug for a in catalog.areas} <= {f"area-{slugify(f)}" for f in FIELDS}


def test_papers_of_another_discipline_get_areas_named_by_their_phrases() -> None:
    themes = {
        "trade": ["medieval trade routes", "hanseatic merchants", "salt markets"],
        "law": ["roman legal codes", "praetorian edicts", "property disputes"],
        "art": ["renaissance painting", "fresco techniques", "patronage networks"],
        "novels": ["victorian novels", "serial publication", "circulating libraries"],
    }
    papers = [
        make_paper(10 * t + i, [phrases[0], phrases[1 + i % 2], phrases[1 + (i + 1) % 2]])
        for t, phrases in enumerate(themes.values())
        for i in range(6)
    ]
    catalog = themed_topics(papers)
    assert catalog.areas and not {a.label for a in catalog.areas} & set(FIELDS)
    held = sorted(slug for area in catalog.areas for slug in area.topic_slugs)
    assert held == sorted(t.slug for t in catalog.topics)


def test_themed_topics_do_not_depend_on_input_order() -> None:
    papers = themed_papers()
    expected = themed_topics(papers)
    for seed in range(3):
        shuffled = papers[:]
        random.Random(seed).shuffle(shuffled)
        again = themed_topics(shuffled)
        assert again.topics == expected.topics
        assert again.areas == expected.areas
        assert {p.id: p.topics for p in again.papers} == {p.id: p.topics for p in expected.papers}


def test_a_few_new_papers_keep_the_slugs() -> None:
    before = themed_topics(themed_papers())
    after = themed_topics(themed_papers() + themed_papers(count=1, start=6))
    assert {t.slug for t in before.topics} <= {t.slug for t in after.topics}


def test_no_topic_holds_more_than_its_share_when_there_are_many_papers() -> None:
    catalog = themed_topics(themed_papers(count=12), max_share=0.1)
    cap = max(0.1 * len(catalog.papers), SMALL_CAP)
    assert all(len(t.paper_ids) <= cap for t in catalog.topics)


def test_field_wide_phrases_are_recognised() -> None:
    for phrase in ("neural networks", "deep learning", "machine learning", "pre-trained models"):
        assert is_field_wide(normalize_phrase(phrase)), phrase
    for phrase in ("diffusion models", "continual learning", "out-of-distribution detection"):
        assert not is_field_wide(normalize_phrase(phrase)), phrase


def test_labels_that_name_no_research_area_are_refused() -> None:
    for phrase in ("target model", "training samples", "base models", "unlearning process"):
        assert says_little(normalize_phrase(phrase)), phrase
    for phrase in ("machine unlearning", "synthetic data", "code generation", "human feedback"):
        assert not says_little(normalize_phrase(phrase)), phrase


def test_an_acronym_of_a_whole_stands_for_the_part_after_its_preposition() -> None:
    from collections import Counter

    from generator.topics.concepts import Concept

    pairs = {"rlhf": "reinforcement learning from human feedback", "hf": "hugging face"}
    written = {"rlhf": "RLHF", "hf": "HF"}
    feedback = Concept("human feedback", frozenset({"human feedback"}), Counter(), frozenset())
    assert acronyms_of(feedback, pairs, written) == []
    assert acronyms_of(feedback, pairs, written, tails=True) == ["RLHF"]
    face = Concept("face", frozenset({"face"}), Counter(), frozenset())
    assert acronyms_of(face, pairs, written, tails=True) == []  # one word, and no preposition


def test_a_title_names_a_topic_by_its_phrase_or_acronym() -> None:
    names = TitleNames(
        [
            Names(frozenset({("diffusion", "model")}), frozenset({"DM"})),
            Names(frozenset({("human", "feedback")}), frozenset({"RLHF"})),
            Names(frozenset({("model",), ("diffusion", "model", "beat")}), frozenset()),
        ]
    )
    assert names.mentioned("Diffusion Models Beat GANs") == [0, 2]
    assert names.mentioned("RLHF Workflow: From Reward Modeling to Online RLHF") == [1]
    assert names.mentioned("Learning from Human-Feedback at scale") == [1]
    assert names.mentioned("Diffusion of innovations; rlhf in lower case is no acronym") == []


def test_c_tf_idf_prefers_what_a_group_has_and_others_lack() -> None:
    terms = {"a": ["x", "common"], "b": ["x", "common"], "c": ["y", "common"], "d": ["y", "common"]}
    weights, counts = c_tf_idf([["a", "b"], ["c", "d"]], terms)
    assert ranked(weights[0])[0] == "x" and ranked(weights[1])[0] == "y"
    assert counts[0]["common"] == 2


def test_close_phrase_pairs_in_blocks_equal_all_pairs() -> None:
    keys = [f"k{i}" for i in range(40)]
    vectors = {k: vector(k if i % 3 else "same") for i, k in enumerate(keys)}
    found = set(_close_pairs(keys, vectors, 0.9, block=7))
    brute = {(a, b) for a, b in itertools.combinations(keys, 2) if vectors[a] @ vectors[b] >= 0.9}
    assert found == brute and found


def test_a_gone_topic_redirects_to_the_topic_with_most_of_its_papers() -> None:
    catalog = themed_topics(themed_papers())
    target = catalog.topics[0]
    previous = json.dumps(
        {
            "topics": [
                {"slug": "old-name", "paper_ids": list(target.paper_ids)},
                {"slug": target.slug, "paper_ids": list(target.paper_ids)},
            ],
            "moved_topics": {"older-name": "old-name", "elsewhere": "gone-too"},
        }
    ).encode()
    moved = moved_topics(catalog, previous)
    assert moved == {"elsewhere": "", "old-name": target.slug, "older-name": target.slug}
    pages = redirect_pages(moved)
    assert f'url=../{target.slug}/"' in pages["topics/old-name/index.html"].decode()
    assert moved_topics(catalog, b"not json") == {}
