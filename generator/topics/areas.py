"""Topics into areas: about a dozen fields, each holding its topics, as a table of contents.

An area is a field of the table FIELDS ("Reinforcement learning", "Generative models"): a topic
is in the field its name is in, else in the one most of its papers are in; a topic in no field
(or in a field too small to be an area) joins the area whose centre is nearest its own. Field
names never change, so neither do area slugs. Papers no field fits (another discipline's
newsletter) are grouped instead by Ward's agglomerative clustering of the topic centroids (no
random start: the same topics always give the same areas), each area named by c-TF-IDF over its
papers' concepts like a topic, broad names allowed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from slugify import slugify

from generator.model import Area, Topic
from generator.topics.clusters import unit_rows
from generator.topics.concepts import Concept, Normalize, TopicSettings
from generator.topics.knowledge import ML, Knowledge
from generator.topics.naming import c_tf_idf, choose_labels, display_form
from generator.topics.phrases import PhraseFinder

# An area holds at least this many topics on average: few topics make fewer areas.
TOPICS_PER_AREA = 3
# The fields of machine learning, the default (`knowledge/ml.toml`): field name -> phrases.
FIELDS: dict[str, tuple[str, ...]] = dict(ML.fields)
# The share of a topic's papers that must be in a field for the topic to be in it.
FIELD_NAME_SUPPORT = 0.25
# The table fits a newsletter when at least this share of its topics' papers is on a topic
# with a field; otherwise areas are found by clustering instead.
FIELDS_FIT = 0.5
# A field with a single topic is an area when it holds this share of all papers.
MIN_AREA_SHARE = 0.01


class FieldFinder:
    """The fields a concept key is in, by the phrases of the knowledge's fields it holds (each
    key looked at once)."""

    def __init__(self, knowledge: Knowledge = ML) -> None:
        self.order = knowledge.field_names
        self._finder = PhraseFinder(
            (tuple(phrase.split()), name) for name, found in knowledge.fields for phrase in found
        )
        self._fields: dict[str, frozenset[str]] = {}

    def of_key(self, key: str) -> frozenset[str]:
        """Return the fields whose phrases a key holds: their words, in order, together."""
        if key not in self._fields:
            self._fields[key] = frozenset(self._finder.find(key.replace("-", " ").split()))
        return self._fields[key]

    def held(self, keys: Iterable[str]) -> list[str]:
        """Return the fields some of these concept keys are in, in FIELDS order."""
        found = {field for key in keys for field in self.of_key(key)}
        return [name for name in self.order if name in found]


def topic_fields(
    topics: Sequence[Topic],
    keys: Sequence[str],
    terms: Mapping[str, Sequence[str]],
    knowledge: Knowledge = ML,
) -> list[str | None]:
    """Give each topic its field: the one its name (concept key, in `keys`) is in ("Diffusion
    models": generative models), else the one most of its papers are in (at least
    FIELD_NAME_SUPPORT of them)."""
    finder = FieldFinder(knowledge)
    found: list[str | None] = []
    for topic, key in zip(topics, keys, strict=True):
        held = Counter(f for pid in topic.paper_ids for f in finder.held(terms.get(pid, ())))
        named = finder.held([key])
        if named:
            found.append(min(named, key=lambda f: (-held[f], finder.order.index(f))))
            continue
        fit = [f for f, n in held.items() if n >= FIELD_NAME_SUPPORT * len(topic.paper_ids)]
        found.append(min(fit, key=lambda f: (-held[f], finder.order.index(f))) if fit else None)
    return found


def field_groups(
    topics: Sequence[Topic], centroids: np.ndarray, fields: Sequence[str | None], total: int
) -> list[str] | None:
    """Return each topic's area, a field: topics of no field (or of a field too small to be an
    area) join the field area whose centre is nearest theirs. None if the table does not fit
    these papers: fewer than half of the topics' papers are on a topic with a field."""
    sizes: Counter[str] = Counter()
    topic_counts: Counter[str] = Counter()
    for topic, field in zip(topics, fields, strict=True):
        if field:
            sizes[field] += len(topic.paper_ids)
            topic_counts[field] += 1
    kept = sorted(f for f in sizes if topic_counts[f] >= 2 or sizes[f] >= MIN_AREA_SHARE * total)
    fielded = {pid for topic, f in zip(topics, fields, strict=True) if f for pid in topic.paper_ids}
    if not kept or len(fielded) < FIELDS_FIT * total:
        return None
    rows = {f: [i for i, g in enumerate(fields) if g == f] for f in kept}
    centres = unit_rows(np.stack([centroids[rows[f]].mean(axis=0) for f in kept]))
    areas = []
    for i, field in enumerate(fields):
        if field in rows:
            areas.append(field)
        else:
            sims = np.round(centres @ centroids[i], 5)
            areas.append(kept[int(np.argmax(sims))])
    return areas


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
    keys: Sequence[str],
    centroids: np.ndarray,
    terms: Mapping[str, Sequence[str]],
    concepts: Mapping[str, Concept],
    allowed: Mapping[str, bool],
    normalize: Normalize,
    settings: TopicSettings,
) -> tuple[list[Area], dict[str, str]]:
    """Return the areas, largest first, and each topic slug's area slug; `keys` are the
    topics' name concepts, `centroids` their centres, both in the order of `topics`."""
    total = len({pid for t in topics for pid in t.paper_ids})
    by_field = field_groups(
        topics, centroids, topic_fields(topics, keys, terms, settings.knowledge), total
    )
    members: dict[str, list[Topic]] = {}
    if by_field is not None:
        for topic, area in zip(topics, by_field, strict=True):
            members.setdefault(area, []).append(topic)
    else:  # no field of the table fits these papers: group the topics by meaning
        order = sorted(range(len(topics)), key=lambda i: topics[i].slug)
        count = min(settings.areas, max(1, len(topics) // TOPICS_PER_AREA))
        for i, number in zip(order, area_groups(centroids[order], count), strict=True):
            members.setdefault(str(number), []).append(topics[i])
    names = sorted(members, key=lambda n: min(t.slug for t in members[n]))
    groups = [sorted(members[n], key=lambda t: t.slug) for n in names]
    papers = [sorted({pid for t in group for pid in t.paper_ids}) for group in groups]
    if by_field is not None:
        named = [(name, name) for name in names]  # a field is its own name and slug
    else:
        named = _names_by_phrases(groups, papers, terms, concepts, allowed, normalize)
    areas = []
    for group, pids, (name, key) in zip(groups, papers, named, strict=True):
        slug = _slug("area-" + key)
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


def _names_by_phrases(
    groups: Sequence[Sequence[Topic]],
    papers: Sequence[Sequence[str]],
    terms: Mapping[str, Sequence[str]],
    concepts: Mapping[str, Concept],
    allowed: Mapping[str, bool],
    normalize: Normalize,
) -> list[tuple[str, str]]:
    """Name areas found by clustering: (label, slug key) from the concept c-TF-IDF picks, else
    from the largest topic."""
    weights, counts = c_tf_idf(papers, terms)
    named = []
    for group, key in zip(groups, choose_labels(papers, weights, counts, allowed), strict=True):
        if key:
            named.append((display_form(concepts[key], normalize), key))
        else:
            largest = max(group, key=lambda t: (len(t.paper_ids), t.slug))
            named.append((largest.label, largest.slug))
    return named


def _slug(text: str) -> str:
    return slugify(text) or "area"
