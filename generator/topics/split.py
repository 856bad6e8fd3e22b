"""A topic that outgrew its share splits in two children; the parent keeps its URL and papers.

The children are the two halves of the parent's papers by meaning (two centres, from the two
papers farthest apart, refined a few rounds as in k-means, ties to the lower id), each named by
the phrase that tells its papers from the other half's (c-TF-IDF, as topics are named). The
parent stops taking papers: its page and feed keep every paper it ever listed and lead to the
children, which take the new ones. No name free, or a half too small: no split (tried again as
the topic grows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from slugify import slugify

from generator.topics import clusters as cl
from generator.topics.areas import FieldFinder
from generator.topics.concepts import TopicSettings
from generator.topics.grouping import topic_slug
from generator.topics.live import LiveTopic, PlanState
from generator.topics.naming import c_tf_idf, choose_labels, is_field_wide, says_little
from generator.topics.titles import Names, fold_word

Rows = Callable[[Sequence[str]], np.ndarray]
Terms = Callable[[str], set[str]]
# How the papers write a phrase key (as a label, or as written): (key, papers) -> text.
Display = Callable[[str, Sequence[str]], str]
ROUNDS = 5


def halves(vectors: np.ndarray) -> np.ndarray:
    """Return 0 or 1 per row: two groups by meaning, seeded by the two rows farthest apart."""
    centre = cl.unit_rows(vectors.mean(axis=0, keepdims=True))[0]
    first = int(np.argmin(np.round(vectors @ centre, cl.DECIMALS)))
    second = int(np.argmin(np.round(vectors @ vectors[first], cl.DECIMALS)))
    centres = vectors[[first, second]]
    labels = np.zeros(len(vectors), dtype=int)
    for _ in range(ROUNDS):
        labels = cl.nearest(vectors, centres)
        if labels.min() == labels.max():
            break
        centres = cl.unit_rows(np.stack([vectors[labels == g].mean(axis=0) for g in (0, 1)]))
    return labels


def split_topic(
    state: PlanState,
    topic: LiveTopic,
    rows: Rows,
    terms: Terms,
    display: Display,
    written: Display,
    settings: TopicSettings,
) -> bool:
    """Split a topic in two named children (see the module); tell whether it split."""
    members = sorted(topic.members)
    if len(members) < 2 * settings.min_papers:
        return False
    labels = halves(rows(members))
    groups = [[pid for pid, g in zip(members, labels, strict=True) if g == half] for half in (0, 1)]
    if min(len(g) for g in groups) < settings.min_papers:
        return False
    held = {pid: sorted(terms(pid)) for pid in members}
    weights, counts = c_tf_idf(groups, held)
    allowed = {
        key: not says_little(key, settings.knowledge)
        and not is_field_wide(key, settings.knowledge)
        and key != topic.key
        and topic_slug(key) not in state.by_slug
        # One word names a topic when papers write it as a name ("Transformers"), not as a
        # common word ("feedback", "adaptation").
        and (" " in key.replace("-", " ") or any(ch.isupper() for ch in written(key, members)))
        for counted in counts
        for key in counted
    }
    names = choose_labels(groups, weights, counts, allowed)
    if any(name is None for name in names):
        return False
    named = [(k or "", display(k or "", g)) for g, k in zip(groups, names, strict=True)]
    for g, (group, (key, label)) in enumerate(zip(groups, named, strict=True)):
        child = LiveTopic(
            slug=topic_slug(key),
            key=key,
            label=label,
            phrases=tuple(_leading(weights[g])),
            names=Names(frozenset({tuple(fold_word(w) for w in key.split())}), frozenset()),
            total=rows(group).sum(axis=0),
            own=len(group),
            parent=topic.slug,
        )
        state.adopt(child)
        area, label = area_of_child(state, key, topic, settings)
        state.place_in_area(child, area, label)
        topic.children.append(child.slug)
        for pid in group:
            state.add(pid, child)
    return True


def area_of_child(
    state: PlanState, key: str, parent: LiveTopic, settings: TopicSettings
) -> tuple[str, str]:
    """Return a child's area: the field its own name is in, when areas are fields and its name
    names one ("Diffusion models" split from a vision topic), else its parent's area."""
    if state.fields:
        named = FieldFinder(settings.knowledge).held([key])
        if named:
            return slugify("area-" + named[0]) or "area", named[0]
    return parent.area, state.areas[parent.area].label


def _leading(weights: dict[str, float], count: int = 8) -> list[str]:
    """Return the `count` terms of highest weight (rounded, ties A-Z)."""
    ranked = sorted(weights.items(), key=lambda kv: (-round(kv[1], 9), kv[0]))
    return [t for t, _ in ranked][:count]
