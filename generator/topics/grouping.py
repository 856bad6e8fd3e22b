"""Group papers into topics: clusters by meaning, named by their keyphrases, in areas.

Concepts (keyphrases and their variants) come from `concepts`; the papers' own vectors are
clustered in `clusters`, seeded by the concepts; `naming` names each cluster by the concepts its
papers share most distinctively (c-TF-IDF) and `areas` groups the topics into areas. A paper is
on its own cluster's topic, and on up to two more that are nearly as close in meaning and share
one of their leading keyphrases. Every choice has an explicit tie-break, so the same papers give
the same topics in any order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from slugify import slugify

from generator.model import Catalog, Paper, Topic
from generator.topics import clusters as cl
from generator.topics.areas import build_areas
from generator.topics.concepts import (
    Concept,
    Normalize,
    TopicSettings,
    acronym_pairs,
    form_concepts,
    is_narrower,
)
from generator.topics.naming import (
    ACRONYM_SOURCES,
    DESCRIBE_SHARE,
    Acronyms,
    acronym_forms,
    c_tf_idf,
    choose_labels,
    describe,
    display_form,
    inline_form,
    is_field_wide,
    label_text,
    lowercase_words,
    ranked,
    repeats_name,
    says_little,
)
from generator.topics.titles import Names, TitleNames, names_of, title_words

# How many of a topic's leading concepts it keeps, and how many of them a paper may share to
# join the topic by its phrases.
KEPT_PHRASES = 8
# Clusters no concept names are dissolved and the rest named again, at most this many times.
NAMING_ROUNDS = 3
SHARED_PHRASES = 5
# An acronym a topic's name only ends ("RLHF" of "human feedback") shows in its label when this
# many of its papers' titles write it.
TITLE_ACRONYM = 2


@dataclass(frozen=True)
class Grouped:
    """The clusters as named: label concept, leading concepts, members, centroid."""

    keys: list[str]
    phrases: list[list[str]]
    counts: list[dict[str, int]]
    centroids: np.ndarray
    sims: np.ndarray
    primary: np.ndarray


def paper_vectors(
    papers: Sequence[Paper],
    doc_vectors: Mapping[str, np.ndarray] | None,
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
) -> np.ndarray:
    """Return one unit row per paper: its own vector, else the mean of its phrases' vectors."""
    rows = []
    width = next(iter((doc_vectors or vectors).values()), np.zeros(1)).shape[0]
    for paper in papers:
        own = (doc_vectors or {}).get(paper.id)
        if own is None:
            found = [
                vectors[k] for k in (normalize(p.text) for p in paper.keyphrases) if k in vectors
            ]
            own = np.mean(found, axis=0) if found else np.zeros(width)
        rows.append(np.asarray(own, dtype=np.float64))
    return cl.unit_rows(np.stack(rows)) if rows else np.zeros((0, width))


def _cluster(
    matrix: np.ndarray,
    concepts: Sequence[Concept],
    ids: Sequence[str],
    allowed: Mapping[str, bool],
    settings: TopicSettings,
) -> tuple[list[str], np.ndarray]:
    """Seed, dissolve and split the clusters; return seed keys and centroids."""
    index = {pid: i for i, pid in enumerate(ids)}
    keys, centroids = cl.choose_seeds(concepts, index, matrix, settings, allowed)
    if not keys:
        return keys, centroids
    keys, centroids = cl.dissolve_small(matrix, centroids, keys, settings.min_papers)
    cap = cl.size_cap(len(ids), settings)
    keys, centroids = cl.split_large(matrix, centroids, keys, cap)
    return cl.dissolve_small(matrix, centroids, keys, settings.min_papers)


def _name(
    matrix: np.ndarray,
    centroids: np.ndarray,
    seeds: Sequence[str],
    ids: Sequence[str],
    terms: Mapping[str, Sequence[str]],
    allowed: Mapping[str, bool],
) -> Grouped:
    """Name the clusters; dissolve those no concept names (a few rounds); drop the rest."""
    for round_ in range(NAMING_ROUNDS):
        primary = cl.nearest(matrix, centroids)
        groups = [
            [ids[int(i)] for i in np.flatnonzero(primary == c)] for c in range(len(centroids))
        ]
        weights, counts = c_tf_idf(groups, terms)
        labels = choose_labels(groups, weights, counts, allowed, seeds)
        named = np.array([label is not None for label in labels], dtype=bool)
        if named.all() or not named.any() or round_ == NAMING_ROUNDS - 1:
            break
        centroids = centroids[named]
        seeds = [seed for seed, kept in zip(seeds, named, strict=True) if kept]
    keep = [i for i, label in enumerate(labels) if label is not None]
    sims = cl.similarities(matrix, centroids[keep])
    return Grouped(
        keys=[labels[i] or "" for i in keep],
        phrases=[ranked(weights[i])[:KEPT_PHRASES] for i in keep],
        counts=[dict(counts[i]) for i in keep],
        centroids=centroids[keep],
        sims=sims,
        primary=np.argmax(sims, axis=1) if keep else primary,
    )


def _memberships(
    grouped: Grouped,
    ids: Sequence[str],
    terms: Mapping[str, Sequence[str]],
    titles: Sequence[tuple[list[str], set[str]]],
    names: TitleNames,
    settings: TopicSettings,
) -> list[list[int]]:
    """Return each paper's topics, own cluster first; then the topics its title names, those
    close in meaning that share a phrase with it, and those its phrases name."""
    shared = [set(p[:SHARED_PHRASES]) for p in grouped.phrases]
    named = {key: c for c, key in enumerate(grouped.keys)}
    chosen: list[list[int]] = []
    wanted: list[tuple[int, float, int, int]] = []
    for row, pid in enumerate(ids):
        own = int(grouped.primary[row])
        if grouped.sims[row, own] < settings.min_similarity:  # near no topic: other papers
            chosen.append([])
            continue
        chosen.append([own])
        for by_title in names.named_by(*titles[row]):
            if by_title != own:
                wanted.append((-1, -float(grouped.sims[row, by_title]), row, by_title))
        floor = grouped.sims[row, own] - settings.join_margin
        mine = set(terms.get(pid, ()))
        for near in (int(c) for c in np.flatnonzero(grouped.sims[row] >= floor)):
            if near != own and mine & shared[near]:
                wanted.append((0, -float(grouped.sims[row, near]), row, near))
        # A paper that has a topic's name among its own phrases belongs there too.
        for by_name in sorted(named[k] for k in mine if k in named and named[k] != own):
            wanted.append((1, -float(grouped.sims[row, by_name]), row, by_name))
    cap = cl.size_cap(len(ids), settings)
    sizes = [0] * len(grouped.keys)
    for picked in chosen:
        for c in picked:
            sizes[c] += 1
    for _, _, row, c in sorted(wanted):
        if (
            chosen[row]
            and len(chosen[row]) < settings.max_topics_per_paper
            and sizes[c] + 1 <= cap
            and c not in chosen[row]
        ):
            chosen[row].append(c)
            sizes[c] += 1
    return chosen


@dataclass(frozen=True)
class Groups:
    """Topics as `group_papers` found them, before areas: with what naming and areas need."""

    topics: list[Topic]
    keys: list[str]  # each topic's name concept
    names: list[Names]  # how titles name each topic
    centroids: np.ndarray
    terms: dict[str, list[str]]  # each paper's concept keys
    concepts: dict[str, Concept]
    chosen: dict[str, tuple[str, ...]]  # each paper's topic slugs, own cluster's first


def group_papers(
    catalog: Catalog,
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    settings: TopicSettings,
    doc_vectors: Mapping[str, np.ndarray] | None = None,
    matrix: np.ndarray | None = None,
) -> Groups | None:
    """Group the catalog's papers into named topics (no areas yet); None when none forms.

    `matrix` is `paper_vectors` of the papers sorted by id, when the caller has it already.
    """
    papers = sorted(catalog.papers, key=lambda p: p.id)
    ids = [p.id for p in papers]
    pairs = acronym_pairs((p.text for p in papers), normalize)
    concepts, paper_concepts = form_concepts(papers, vectors, normalize, settings, pairs)
    by_key = {c.key: c for c in concepts}
    terms = {pid: sorted(k for k in found if k in by_key) for pid, found in paper_concepts.items()}
    if matrix is None:
        matrix = paper_vectors(papers, doc_vectors, vectors, normalize)
    allowed = topic_names(concepts, pairs, settings)
    seeds, centroids = _cluster(matrix, concepts, ids, allowed, settings)
    if not len(centroids):
        return None
    grouped = _name(matrix, centroids, seeds, ids, terms, allowed)
    if not grouped.keys:
        return None
    acronyms = Acronyms(pairs, acronym_forms((p.text for p in papers), normalize))
    names = [names_of(by_key[key], acronyms.of(by_key[key], tails=True)) for key in grouped.keys]
    titles = [title_words(p.title) for p in papers]  # folded words and acronyms, per row
    chosen = _memberships(grouped, ids, terms, titles, TitleNames(names), settings)
    topics = _topics(
        grouped, chosen, ids, papers, titles, names, by_key, allowed, acronyms, normalize, settings
    )
    slugs = [topic_slug(key) for key in grouped.keys]
    return Groups(
        topics=topics,
        keys=list(grouped.keys),
        names=names,
        centroids=grouped.centroids,
        terms=terms,
        concepts=by_key,
        chosen={ids[row]: tuple(slugs[c] for c in cs) for row, cs in enumerate(chosen)},
    )


def build_topics(
    catalog: Catalog,
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    settings: TopicSettings | None = None,
    doc_vectors: Mapping[str, np.ndarray] | None = None,
    matrix: np.ndarray | None = None,
) -> Catalog:
    """Return the catalog with its areas and topics, and each paper's topics, best first, all
    papers grouped at once (`plan.plan_topics` groups them issue by issue).

    `matrix` is `paper_vectors` of the papers sorted by id, when the caller has it already.
    """
    settings = settings or TopicSettings()
    groups = group_papers(catalog, vectors, normalize, settings, doc_vectors, matrix)
    if groups is None:
        return Catalog(catalog.issues, catalog.papers)
    # Areas may have broad names ("Reinforcement learning"), never the field's or an acronym.
    concepts = groups.concepts
    known = settings.knowledge
    allowed_areas = {
        k: not is_field_wide(k, known) and not _acronym_only(c) for k, c in concepts.items()
    }
    areas, area_of = build_areas(
        groups.topics,
        groups.keys,
        groups.centroids,
        groups.terms,
        concepts,
        allowed_areas,
        normalize,
        settings,
    )
    topics = sorted(
        (replace(t, area=area_of[t.slug]) for t in groups.topics),
        key=lambda t: (t.label.casefold(), t.slug),
    )
    new_papers = tuple(replace(p, topics=groups.chosen.get(p.id, ())) for p in catalog.papers)
    return Catalog(catalog.issues, new_papers, tuple(topics), tuple(areas))


def _acronym_only(concept: Concept) -> bool:
    """Tell whether a concept is only ever written as an acronym ("LLMs", "RL")."""
    return all(" " not in f and sum(ch.isupper() for ch in f) > 1 for f in concept.forms)


def topic_names(
    concepts: Sequence[Concept], pairs: Mapping[str, str], settings: TopicSettings
) -> dict[str, bool]:
    """Tell which concepts may name a topic: not the field itself, in words or in reach.

    An acronym is judged by its expansion ("LMs" is "language models"); a concept more than
    `max_share` of all papers hold is the field (or an area), not a topic.
    """
    most = cl.broad_cap(len({pid for c in concepts for pid in c.papers}), settings)
    return {
        c.key: len(c.papers) <= most
        and not says_little(c.key, settings.knowledge)
        and not is_field_wide(
            pairs.get(c.key, pairs.get(c.key.rstrip("s"), c.key)), settings.knowledge
        )
        for c in concepts
    }


def _topics(
    grouped: Grouped,
    chosen: Sequence[Sequence[int]],
    ids: Sequence[str],
    papers: Sequence[Paper],
    titles: Sequence[tuple[list[str], set[str]]],
    names: Sequence[Names],
    by_key: Mapping[str, Concept],
    allowed: Mapping[str, bool],
    known: Acronyms,
    normalize: Normalize,
    settings: TopicSettings,
) -> list[Topic]:
    """Make the Topic records: label with acronyms, description, members, related topics."""
    texts = [p.text for p in papers]
    title_acronyms = {pid: acronyms for pid, (_, acronyms) in zip(ids, titles, strict=True)}
    lowercase = lowercase_words(texts)
    slugs = [topic_slug(key) for key in grouped.keys]
    members: list[list[str]] = [[] for _ in slugs]
    for row, cs in enumerate(chosen):
        for c in cs:
            members[c].append(ids[row])
    topics = []
    for c, key in enumerate(grouped.keys):
        name = display_form(by_key[key], normalize, lowercase)
        leading = [by_key[k] for k in grouped.phrases[c] if k in by_key and k != key]
        # Acronyms of the name, then of a leading specific concept most papers here hold.
        held = [
            k
            for k in leading[: ACRONYM_SOURCES - 1]
            if allowed.get(k.key) and grouped.counts[c].get(k.key, 0) >= 0.3 * len(members[c])
        ]
        acronyms = [a for k in [by_key[key], *held] for a in known.of(k)]
        # An acronym of a whole the name ends ("RLHF") shows when its papers' titles use it.
        in_titles = Counter(a for pid in members[c] for a in title_acronyms[pid])
        acronyms += sorted(a for a in names[c].acronyms if in_titles[a] >= TITLE_ACRONYM)
        # Only what many of its papers share: a phrase two of twelve hold is not "shared".
        need = max(2, DESCRIBE_SHARE * len(members[c]))
        others = [
            (inline_form(k, normalize, lowercase), grouped.counts[c].get(k.key, 0))
            for k in leading
            if grouped.counts[c].get(k.key, 0) >= need
            and not is_field_wide(k.key, settings.knowledge)
            and not is_narrower(k.key, key)
            and not is_narrower(key, k.key)
            and not repeats_name(k.key, name)  # the description adds to the name
        ]
        topics.append(
            Topic(
                slug=slugs[c],
                label=label_text(name, list(dict.fromkeys(acronyms))),
                description=describe(others[:3], len(members[c])),
                paper_ids=tuple(sorted(members[c])),
                phrases=tuple(grouped.phrases[c]),
                related=_related(grouped.centroids, c, slugs, settings.related_topics),
            )
        )
    return topics


def _related(centroids: np.ndarray, c: int, slugs: Sequence[str], limit: int) -> tuple[str, ...]:
    """Return the topics whose centroids are nearest this one's, nearest first."""
    sims = np.round(centroids @ centroids[c], cl.DECIMALS)
    order = sorted((i for i in range(len(slugs)) if i != c), key=lambda i: (-sims[i], slugs[i]))
    return tuple(slugs[i] for i in order[:limit])


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
