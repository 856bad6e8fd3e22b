"""Topics into areas: about a dozen groups of topics, each named like a topic is.

The topics' centroids are grouped by Ward's agglomerative clustering (no random start: the same
topics always give the same areas), and each area is named by c-TF-IDF over its papers'
concepts, among all areas. Here a broad name is right ("Reinforcement learning"); only the
generic words ("learning", "model") are left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from slugify import slugify

from generator.model import Area, Topic
from generator.topics.concepts import Concept, Normalize, TopicSettings
from generator.topics.naming import c_tf_idf, choose_labels, display_form

# An area holds at least this many topics on average: few topics make fewer areas.
TOPICS_PER_AREA = 3
# The names of fields a table of contents uses, broad as they are; an area whose papers say one
# of them often enough takes it as its name ("Language models" over "Human feedback").
FIELD_NAMES = frozenset(
    """
    language model|large language model|reinforcement learning|generative model|computer vision
    |robotics|robot learning|graph neural network|natural language processing|optimization
    |learning theory|representation learning|federated learning|recommender system
    |time series|speech recognition|causal inference|probabilistic model|bayesian inference
    """.replace("\n", "").split("|")
)
# The share of an area's papers that must hold a field name for the area to take it.
FIELD_NAME_SUPPORT = 0.25


def field_names(sizes: Sequence[int], counts: Sequence[Counter[str]]) -> list[str | None]:
    """Give the areas, largest first, the field name most of their papers hold, each once.

    `counts` are how many of each area's papers hold each concept (c_tf_idf's counts).
    """
    names: list[str | None] = [None] * len(sizes)
    taken: set[str] = set()
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        held = counts[index]
        fit = [
            k
            for k in FIELD_NAMES
            if k not in taken and held[k] and held[k] >= FIELD_NAME_SUPPORT * sizes[index]
        ]
        if fit:
            best = min(fit, key=lambda k: (-held[k], k))
            names[index] = best
            taken.add(best)
    return names


def area_groups(centroids: np.ndarray, count: int) -> list[int]:
    """Return each topic's area number: Ward clustering of the centroids (rounded)."""
    if count <= 1 or len(centroids) < 2:
        return [0] * len(centroids)
    # Imported here, not at the top: every command imports the build, few build topics.
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=count, linkage="ward")
    found: list[int] = model.fit_predict(np.round(centroids, 6)).tolist()
    return found


def build_areas(
    topics: Sequence[Topic],
    centroids: np.ndarray,
    terms: Mapping[str, Sequence[str]],
    concepts: Mapping[str, Concept],
    allowed: Mapping[str, bool],
    normalize: Normalize,
    settings: TopicSettings,
) -> tuple[list[Area], dict[str, str]]:
    """Return the areas, largest first, and each topic slug's area slug."""
    order = sorted(range(len(topics)), key=lambda i: topics[i].slug)
    count = min(settings.areas, max(1, len(topics) // TOPICS_PER_AREA))
    numbers = area_groups(centroids[order], count)
    members: dict[int, list[Topic]] = {}
    for i, number in zip(order, numbers, strict=True):
        members.setdefault(number, []).append(topics[i])
    groups = [members[n] for n in sorted(members, key=lambda n: members[n][0].slug)]
    papers = [sorted({pid for t in group for pid in t.paper_ids}) for group in groups]
    weights, counts = c_tf_idf(papers, terms)
    fields = field_names([len(pids) for pids in papers], counts)
    others = {key: ok and key not in fields for key, ok in allowed.items()}
    labels = [
        field or label
        for field, label in zip(fields, choose_labels(papers, weights, counts, others), strict=True)
    ]
    areas = []
    for group, pids, key in zip(groups, papers, labels, strict=True):
        largest = max(group, key=lambda t: (len(t.paper_ids), t.slug))
        name = display_form(concepts[key], normalize) if key else largest.label
        slug = _slug("area-" + (key or largest.slug))
        ranked = sorted(group, key=lambda t: (-len(t.paper_ids), t.label.casefold(), t.slug))
        areas.append(
            Area(
                slug=slug,
                label=name,
                description=f"{len(pids)} papers in {len(group)} topics",
                topic_slugs=tuple(t.slug for t in ranked),
                paper_count=len(pids),
            )
        )
    areas.sort(key=lambda a: (-a.paper_count, a.slug))
    return areas, {t: a.slug for a in areas for t in a.topic_slugs}


def _slug(text: str) -> str:
    return slugify(text) or "area"
