"""Topics from keyphrases: one concept one topic, no generic words, stable slugs and order."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

import numpy as np

from generator.catalog import build_catalog
from generator.keyphrases import normalize_phrase
from generator.model import Catalog, Issue, Keyphrase, Location, Paper
from generator.sources import read_digests
from generator.topics import build_topics, topic_slug
from generator.topics.concepts import TopicSettings, acronym_pairs
from tests.conftest import SMALL_DIGESTS


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


def test_one_concept_is_one_topic_labelled_as_people_write_it() -> None:
    catalog = topics_of(PAPERS)
    labels = {t.label: len(t.paper_ids) for t in catalog.topics}
    assert labels["Diffusion models"] == 4  # case, plural and the narrower "denoising ..."
    assert labels["Large language models"] == 4  # LLM, LLMs: learned from the abstract
    assert labels["Bayesian optimization"] == 3
    assert labels["Image synthesis"] == 3
    assert "Gaussian processes" not in labels  # two papers: below the threshold


def test_generic_words_and_small_groups_are_never_topics() -> None:
    catalog = topics_of(PAPERS)
    slugs = {t.slug for t in catalog.topics}
    assert not slugs & {"learning", "model", "method", "approach", "result", "performance"}
    assert all(len(t.paper_ids) >= 3 for t in catalog.topics)
    protein = catalog.paper("p012")
    assert protein.topics == ()  # no topic shares it: counted among the other papers


def test_each_paper_gets_at_most_three_topics_best_first() -> None:
    catalog = topics_of(PAPERS, max_topics_per_paper=1)
    assert all(len(p.topics) <= 1 for p in catalog.papers)
    first = catalog.paper("p001")
    assert first.topics == ("diffusion-model",)


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


def test_close_embeddings_are_one_concept() -> None:
    papers = [
        make_paper(1, ["network pruning"]),
        make_paper(2, ["neural network pruning"]),
        make_paper(3, ["weight pruning of networks"]),
    ]
    vectors = vectors_for(papers)
    # Say the model finds "weight pruning of networks" as good as "network pruning".
    vectors[normalize_phrase("weight pruning of networks")] = vectors["network pruning"]
    catalog = build_topics(catalog_of(papers), vectors, normalize_phrase, TopicSettings())
    assert [(t.label, len(t.paper_ids)) for t in catalog.topics] == [("Network pruning", 3)]


def test_input_order_does_not_change_the_topics() -> None:
    expected = topics_of(PAPERS)
    for seed in range(3):
        shuffled = PAPERS[:]
        random.Random(seed).shuffle(shuffled)
        vectors = list(vectors_for(shuffled).items())
        random.Random(seed).shuffle(vectors)
        again = build_topics(catalog_of(shuffled), dict(vectors), normalize_phrase, TopicSettings())
        assert again.topics == expected.topics
        assert {p.id: p.topics for p in again.papers} == {p.id: p.topics for p in expected.papers}


def test_a_new_digest_keeps_the_slugs_of_untouched_topics() -> None:
    before = topics_of(PAPERS)
    newcomers = [
        make_paper(20, ["protein folding", "structure prediction"]),
        make_paper(21, ["protein folding", "AlphaFold"]),
        make_paper(22, ["diffusion models", "video generation"]),
    ]
    after = topics_of(PAPERS + newcomers)
    old = {t.label: t.slug for t in before.topics}
    new = {t.label: t.slug for t in after.topics}
    assert {label: new[label] for label in old} == old
    assert new["Protein folding"] == "protein-folding"  # the new topic, three papers now
    # Papers listed before keep their topics; one with none may now have one.
    for paper in before.papers:
        assert after.paper(paper.id).topics == paper.topics or not paper.topics
    assert after.paper("p012").topics == ("protein-folding",)


def test_topic_slugs_depend_on_the_name_alone() -> None:
    assert topic_slug("bayesian optimization") == "bayesian-optimization"
    assert topic_slug("c++ programming") != topic_slug("c programming")
    assert topic_slug("c++ programming") == topic_slug("c++ programming")


def test_topics_have_descriptions_and_related_topics() -> None:
    catalog = topics_of(PAPERS)
    diffusion = catalog.topic("diffusion-model")
    assert (
        diffusion.description == "Papers on diffusion models, often together with image synthesis."
    )
    synthesis = catalog.topic("image-synthesis")
    assert synthesis.related[0] == "diffusion-model"


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
