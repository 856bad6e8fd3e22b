"""Group papers into topics: concepts enough papers share, each paper under its best 1-3.

Concepts come from `generator.topics.concepts`; this module picks the topics among them, assigns the
papers, and names, describes, slugs and links the topics. Every choice has an explicit
tie-break, so the same papers give the same topics in any order.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
from slugify import slugify

from generator.model import Catalog, Paper, Topic
from generator.topics.concepts import (
    Concept,
    Normalize,
    TopicSettings,
    absorb_narrower,
    form_concepts,
    is_generic,
    is_narrower,
    resolve_alias,
)


def _near(
    papers: Sequence[Paper],
    concepts: Sequence[Concept],
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    settings: TopicSettings,
) -> dict[str, dict[str, float]]:
    """Find, for each paper, the topics one of its phrases means nearly the same as.

    "Online bandit learning" is close to "online learning". These links are a fallback for
    papers that have no topic through their own phrases.
    """
    near: dict[str, dict[str, float]] = {}
    names = [c.key for c in concepts if c.key in vectors]
    if not names:
        return near
    topic_matrix = np.stack([vectors[k] for k in names]).astype(np.float32)
    for paper in papers:
        mine = near.setdefault(paper.id, {})
        for phrase in paper.keyphrases:
            key = normalize(phrase.text)
            if key not in vectors:
                continue
            similarity = topic_matrix @ vectors[key].astype(np.float32)
            for index in np.flatnonzero(similarity >= settings.near_similarity):
                weight = float(similarity[index]) * phrase.score / 2
                name = names[int(index)]
                mine[name] = max(mine.get(name, 0.0), weight)
    return near


def _assign(
    concepts: list[Concept],
    paper_concepts: Mapping[str, Mapping[str, float]],
    near: Mapping[str, Mapping[str, float]],
    alias: Mapping[str, str],
    settings: TopicSettings,
) -> dict[str, tuple[str, ...]]:
    """Give each paper its best 1-3 topics; drop topics left with too few papers, repeat."""
    alive = {c.key: len(c.papers) for c in concepts}
    while True:
        chosen: dict[str, tuple[str, ...]] = {}
        for pid in sorted(paper_concepts):
            scored: dict[str, float] = {}
            for key, weight in paper_concepts[pid].items():
                root = resolve_alias(key, alias)
                if root in alive:
                    scored[root] = max(scored.get(root, 0.0), weight)
            if not scored:  # no topic of its own: the nearest in meaning, if any is near
                for key, weight in near.get(pid, {}).items():
                    if key in alive:
                        scored[key] = max(scored.get(key, 0.0), weight)
            best = sorted(scored.items(), key=lambda kv: (-round(kv[1], 6), -alive[kv[0]], kv[0]))
            chosen[pid] = tuple(key for key, _ in best[: settings.max_topics_per_paper])
        sizes = Counter(key for keys in chosen.values() for key in keys)
        too_small = {key for key in alive if sizes[key] < settings.min_papers}
        if not too_small:
            return chosen
        for key in too_small:
            del alive[key]


def _name_form(concept: Concept, normalize: Normalize) -> str:
    """Return the concept's name as most papers write it.

    Ties go to the form with fewer capitals ("Bayesian optimization" over "Bayesian
    Optimization"), then to the plural ("diffusion models"), as topic names are written.
    """
    named = Counter({f: n for f, n in concept.forms.items() if normalize(f) == concept.key})
    return min(
        (named or concept.forms).items(),
        key=lambda kv: (-kv[1], _capitals(kv[0]), -len(kv[0]), kv[0]),
    )[0]


def _capitalized(form: str) -> str:
    return form[0].upper() + form[1:] if form[:1].islower() else form


def _capitals(text: str) -> int:
    """Count capitals after the first letter: "Large Language Models" loses to the plain form."""
    return sum(ch.isupper() for ch in text[1:])


def build_topics(
    catalog: Catalog,
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    settings: TopicSettings | None = None,
) -> Catalog:
    """Return the catalog with its topics, and each paper's topics, best first."""
    settings = settings or TopicSettings(min_papers=3)
    papers = sorted(catalog.papers, key=lambda p: p.id)
    concepts, paper_concepts = form_concepts(papers, vectors, normalize, settings)
    concepts, alias = absorb_narrower(concepts, settings)
    near = _near(papers, concepts, vectors, normalize, settings)
    chosen = _assign(concepts, paper_concepts, near, alias, settings)
    by_key = {c.key: c for c in concepts}
    members: dict[str, list[str]] = defaultdict(list)
    for pid, keys in chosen.items():
        for key in keys:
            members[key].append(pid)
    slugs = _slugs(sorted(members))
    by_id = {p.id: p for p in papers}
    topics = []
    for key, pids in sorted(members.items()):
        concept = by_key[key]
        form = _name_form(concept, normalize)
        papers_of = [by_id[pid] for pid in pids]
        topics.append(
            Topic(
                slug=slugs[key],
                label=_capitalized(form),
                description=_describe(form, papers_of, normalize, concept.keys),
                paper_ids=tuple(sorted(pids)),
                phrases=tuple(sorted(concept.keys)),
            )
        )
    topics = _with_related(topics, settings.related_topics)
    topics.sort(key=lambda t: (t.label.casefold(), t.slug))
    topic_of = {key: slugs[key] for key in members}
    new_papers = tuple(
        replace(paper, topics=tuple(topic_of[k] for k in chosen.get(paper.id, ())))
        for paper in catalog.papers
    )
    return Catalog(catalog.issues, new_papers, tuple(topics))


def topic_slug(key: str) -> str:
    """Slug a concept's name key; it depends on the key alone, so it stays when digests arrive.

    A key that slugify cannot spell back ("c++ programming", "c# programming") gets a piece of
    its hash, so two such keys never share a URL.
    """
    slug = slugify(key) or "topic"
    if slug == "index":  # the topics index page's own place
        return "index-topic"
    if slug.replace("-", " ") == key.replace("-", " "):
        return slug
    return f"{slug}-{hashlib.blake2b(key.encode(), digest_size=3).hexdigest()}"


def _slugs(keys: Sequence[str]) -> dict[str, str]:
    return {key: topic_slug(key) for key in keys}


def _describe(name: str, papers: Sequence[Paper], normalize: Normalize, own: frozenset[str]) -> str:
    """Say in one line what else the topic's papers are about: their commonest other phrases."""
    counts: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in papers:
        for phrase in {normalize(k.text): k.text for k in paper.keyphrases}.items():
            norm, text = phrase
            if norm in own or any(is_narrower(norm, k) or is_narrower(k, norm) for k in own):
                continue
            if is_generic(norm):
                continue
            counts[norm] += 1
            shown[norm][text] += 1
    common = [
        min(shown[k].items(), key=lambda kv: (-kv[1], _capitals(kv[0]), kv[0]))[0]
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if n > 1
    ][:3]
    if not common:
        return f"Papers on {name}."
    listed = common[0] if len(common) == 1 else ", ".join(common[:-1]) + " and " + common[-1]
    return f"Papers on {name}, often together with {listed}."


def _with_related(topics: list[Topic], limit: int) -> list[Topic]:
    """Link each topic to those sharing the most papers with it (Jaccard), best first."""
    sets = {t.slug: set(t.paper_ids) for t in topics}
    result = []
    for topic in topics:
        mine = sets[topic.slug]
        scores = [
            (len(mine & other) / len(mine | other), slug)
            for slug, other in sets.items()
            if slug != topic.slug and mine & other
        ]
        best = sorted(scores, key=lambda s: (-s[0], s[1]))[:limit]
        result.append(replace(topic, related=tuple(slug for _, slug in best)))
    return result
