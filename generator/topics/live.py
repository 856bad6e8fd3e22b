"""The state of a topic plan while it runs: live topics, their areas, each paper's topics, and
the inputs every step reads (`Inputs`: vectors, and the phrase keys papers get as they arrive).

Areas are given when topics are born and never taken back (`birth_areas`): a topic is in the
field (`areas.FIELDS`) its name is in, else in the one a quarter of its papers are in, else in
the area whose centre is nearest its own. A newsletter whose first topics mostly fit no field
(another discipline's) groups its first topics by Ward clustering instead, each group named by
its largest topic, and later topics join the nearest of those areas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from slugify import slugify

from generator.model import Catalog
from generator.topics import clusters as cl
from generator.topics.areas import (
    FIELD_NAME_SUPPORT,
    FIELDS_FIT,
    TOPICS_PER_AREA,
    FieldFinder,
)
from generator.topics.areas import area_groups as ward_groups
from generator.topics.concepts import Normalize, TopicSettings, acronym_pairs, fold_key, suffixes
from generator.topics.knowledge import Knowledge
from generator.topics.naming import (
    DESCRIBE_SHARE,
    TAIL_PREPOSITIONS,
    describe,
    is_field_wide,
    repeats_name,
)
from generator.topics.titles import Names

Rows = Callable[[Sequence[str]], np.ndarray]
Terms = Callable[[str], set[str]]
DESCRIBED = 3
# Areas by meaning (no field fits): a topic whose centre is under this cosine from every area's
# starts a new area, up to MAX_AREAS.
AREA_JOIN = 0.65
MAX_AREAS = 12


@dataclass
class LiveTopic:
    """A topic while the plan runs: its record's parts, its centre, and its members."""

    slug: str
    key: str  # the concept key that names it
    label: str
    phrases: tuple[str, ...]
    names: Names
    total: np.ndarray  # the sum of its own papers' vectors
    own: int = 0  # papers whose own topic it is
    area: str = ""
    members: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    parent: str | None = None

    @property
    def centre(self) -> np.ndarray:
        centre: np.ndarray = cl.unit_rows(self.total[None, :])[0]
        return centre


@dataclass
class LiveArea:
    """An area while the plan runs: its name and its topics, in order of birth."""

    slug: str
    label: str
    topics: list[str] = field(default_factory=list)


@dataclass
class PlanState:
    """Everything the steps so far decided."""

    topics: list[LiveTopic] = field(default_factory=list)
    by_slug: dict[str, LiveTopic] = field(default_factory=dict)
    areas: dict[str, LiveArea] = field(default_factory=dict)
    paper_topics: dict[str, list[str]] = field(default_factory=dict)
    placed: int = 0
    order: list[str] = field(default_factory=list)  # the papers in the order they arrived
    holders: dict[str, list[str]] = field(default_factory=dict)  # papers of each phrase key
    direct: Counter[str] = field(default_factory=Counter)  # papers with a key as a keyphrase
    folds: dict[str, str] = field(default_factory=dict)  # folded form -> the key first seen
    acronyms: dict[str, str] = field(default_factory=dict)  # acronym -> expansion, first seen
    direct_acronyms: dict[str, set[str]] = field(default_factory=dict)  # expansion -> acronyms
    tails: dict[str, set[str]] = field(default_factory=dict)  # a whole's tail -> acronyms
    fields: bool | None = None  # whether areas are FIELDS (decided by the first topics)

    def live(self) -> list[LiveTopic]:
        """Return the topics that take new papers: all but the parents of a split."""
        return [t for t in self.topics if not t.children]

    def centres(self, topics: Sequence[LiveTopic]) -> np.ndarray:
        return np.stack([t.centre for t in topics])

    def adopt(self, topic: LiveTopic) -> None:
        self.topics.append(topic)
        self.by_slug[topic.slug] = topic

    def learn_acronym(self, acronym: str, expansion: str) -> None:
        """Know an acronym and the wholes its expansion ends after a preposition ("human
        feedback" of "reinforcement learning from human feedback")."""
        self.acronyms[acronym] = expansion
        self.direct_acronyms.setdefault(expansion, set()).add(acronym)
        words = expansion.split()
        for i, word in enumerate(words[:-1]):
            if word in TAIL_PREPOSITIONS:
                self.tails.setdefault(" ".join(words[i + 1 :]), set()).add(acronym)

    def names_of(self, topic: LiveTopic) -> Names:
        """Return how titles name a topic: its name's words, its acronyms and its tails'."""
        mine = self.direct_acronyms.get(topic.key, set()) | self.tails.get(topic.key, set())
        shown = frozenset(self.written_acronym(a) for a in mine if len(a) >= 2)
        return Names(topic.names.phrases, topic.names.acronyms | shown)

    def written_acronym(self, key: str) -> str:
        """Return an acronym as a label shows it, from its folded key: a plural -s goes ("DM"
        of "dms", diffusion models), an S that stands for a word stays ("MIS" of "mis",
        medical image segmentation, is no plural of "MI")."""
        expansion = self.acronyms.get(key, "")
        last = expansion.split()[-1] if expansion else ""
        plural = len(key) > 2 and key.endswith("s") and not last.startswith("s")
        return (key[:-1] if plural else key).upper()

    def canonical(self, key: str) -> str:
        """Return the key that stands for a phrase key: acronyms spelled out as the papers so far
        define them, and the first key seen of its hyphen, spacing and word-order variants."""
        key = " ".join(self.acronyms.get(w, w) for w in key.split())
        return self.folds.setdefault(fold_key(key), key)

    def drop(self, topic: LiveTopic) -> None:
        """Take back a topic born in this step that no paper is on yet."""
        self.topics.remove(topic)
        del self.by_slug[topic.slug]
        if topic.area:
            self.areas[topic.area].topics.remove(topic.slug)
            if not self.areas[topic.area].topics:
                del self.areas[topic.area]

    def add(self, pid: str, topic: LiveTopic) -> None:
        """Put a paper on a topic (once)."""
        mine = self.paper_topics.setdefault(pid, [])
        if topic.slug not in mine:
            mine.append(topic.slug)
            topic.members.append(pid)

    def heir(self, topic: LiveTopic) -> LiveTopic:
        """Return the live topic that takes a split topic's papers: its first child, and so on."""
        while topic.children:
            topic = self.by_slug[topic.children[0]]
        return topic

    def place_in_area(self, topic: LiveTopic, slug: str, label: str) -> None:
        area = self.areas.setdefault(slug, LiveArea(slug, label))
        area.topics.append(topic.slug)
        topic.area = slug


def _field_of(
    topic: LiveTopic,
    members: Sequence[str],
    terms: Mapping[str, Sequence[str]],
    knowledge: Knowledge,
) -> str | None:
    """Return a topic's field: its name's, else the one a quarter of its papers are in."""
    finder = FieldFinder(knowledge)
    named = finder.held([topic.key])
    held = Counter(f for pid in members for f in finder.held(terms.get(pid, ())))
    order = finder.order
    if named:
        return min(named, key=lambda f: (-held[f], order.index(f)))
    fit = [f for f, n in held.items() if n >= FIELD_NAME_SUPPORT * len(members)]
    return min(fit, key=lambda f: (-held[f], order.index(f))) if fit else None


def birth_areas(
    state: PlanState,
    born: Sequence[tuple[LiveTopic, list[str]]],
    terms: Mapping[str, Sequence[str]],
    rows: Rows,
    knowledge: Knowledge,
) -> None:
    """Give each newly born topic its area, for good (see the module)."""
    if not born:
        return
    fields = [_field_of(topic, members, terms, knowledge) for topic, members in born]
    if state.fields is None:
        fielded = sum(len(m) for (_, m), f in zip(born, fields, strict=True) if f)
        state.fields = fielded >= FIELDS_FIT * sum(len(m) for _, m in born)
        if not state.fields:
            _first_areas(state, [t for t, _ in born], rows)
            return
    centres = {t.slug: rows(m).mean(axis=0) for t, m in born}
    for (topic, _), found in zip(born, fields, strict=True):
        if state.fields and found:
            state.place_in_area(topic, slugify("area-" + found) or "area", found)
    for topic, _ in born:
        if not topic.area:
            _nearest_area(state, topic, centres[topic.slug])


def _area_centre(state: PlanState, slug: str) -> np.ndarray:
    topics = [state.by_slug[s] for s in state.areas[slug].topics]
    centre: np.ndarray = cl.unit_rows(np.stack([t.centre for t in topics]).mean(axis=0)[None, :])[0]
    return centre


def _nearest_area(state: PlanState, topic: LiveTopic, centre: np.ndarray) -> None:
    """Put a topic in the area whose centre is nearest its own (a new area when none is)."""
    slugs = sorted(s for s, a in state.areas.items() if a.topics and s != "")
    if not slugs:
        state.place_in_area(topic, slugify("area-" + topic.key) or "area", topic.label)
        return
    sims = np.round(
        np.stack([_area_centre(state, s) for s in slugs]) @ cl.unit_rows(centre[None, :])[0], 5
    )
    best = int(np.argmax(sims))
    if not state.fields and sims[best] < AREA_JOIN and len(slugs) < MAX_AREAS:
        # Areas by meaning: a topic far from every area starts one of its own.
        state.place_in_area(topic, slugify("area-" + topic.key) or "area", topic.label)
        return
    state.place_in_area(topic, slugs[best], state.areas[slugs[best]].label)


def _first_areas(state: PlanState, topics: Sequence[LiveTopic], rows: Rows) -> None:
    """Group a newsletter's first topics into areas by meaning (no field fits them)."""
    ordered = sorted(topics, key=lambda t: t.slug)
    count = max(1, len(ordered) // TOPICS_PER_AREA)
    centres = np.stack([rows(t.members).mean(axis=0) if t.members else t.total for t in ordered])
    numbers = ward_groups(cl.unit_rows(centres), count)
    groups: dict[int, list[LiveTopic]] = {}
    for topic, number in zip(ordered, numbers, strict=True):
        groups.setdefault(number, []).append(topic)
    for number in sorted(groups, key=lambda n: min(t.slug for t in groups[n])):
        largest = max(groups[number], key=lambda t: (len(t.members), t.slug))
        slug = slugify("area-" + largest.key) or "area"
        for topic in groups[number]:
            state.place_in_area(topic, slug, largest.label)


def describe_members(
    topic: LiveTopic,
    terms: Terms,
    catalog: Catalog,
    normalize: Callable[[str], str],
    knowledge: Knowledge,
) -> str:
    """Say what a topic's papers share besides its name: phrases many of them hold, counted."""
    count = len(topic.members)
    held: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for pid in topic.members:
        for phrase in catalog.paper(pid).keyphrases:
            written.setdefault(normalize(phrase.text), Counter())[phrase.text] += 1
        held.update(terms(pid))
    need = max(2, DESCRIBE_SHARE * count)
    shared = [
        (n, key)
        for key, n in held.items()
        if n >= need
        and key != topic.key
        and not is_field_wide(key, knowledge)
        and not repeats_name(key, topic.label)
    ]
    shared.sort(key=lambda nk: (-nk[0], nk[1]))
    return describe([(_written(key, written), n) for n, key in shared[:DESCRIBED]], count)


def _written(key: str, written: Mapping[str, Counter[str]]) -> str:
    """Return how the papers most often write a phrase key."""
    forms = written.get(key)
    if not forms:
        return key
    return min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@dataclass
class Inputs:
    """What every step reads: the catalog, its papers' vectors and phrases."""

    catalog: Catalog
    row: Mapping[str, int]
    matrix: np.ndarray
    vectors: Mapping[str, np.ndarray]
    normalize: Normalize
    settings: TopicSettings
    doc_vectors: Mapping[str, np.ndarray] | None
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return self.matrix[[self.row[pid] for pid in ids]]

    def written(self, key: str, members: Sequence[str]) -> str:
        """Return how these papers most often write a phrase key (the key if none does)."""
        forms: Counter[str] = Counter()
        for pid in members:
            for phrase in self.catalog.paper(pid).keyphrases:
                if self.normalize(phrase.text) == key:
                    forms[phrase.text] += 1
        return min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0] if forms else key

    def display(self, key: str, members: Sequence[str]) -> str:
        """Return how these papers most often write a phrase key, in sentence case."""
        text = self.written(key, members)
        return text[:1].upper() + text[1:]

    def terms(self, pid: str) -> set[str]:
        """Return a paper's phrase keys as the plan gave them when it arrived (`learn_terms`)."""
        return set(self.keys.get(pid, ()))

    def learn_terms(self, state: PlanState, fresh: Sequence[str]) -> None:
        """Give new papers their phrase keys: keyphrases normalized, acronyms spelled out as the
        papers so far define them, and the broader phrases they end in that some paper has."""
        papers = [self.catalog.paper(pid) for pid in fresh]
        for acronym, expansion in acronym_pairs((p.text for p in papers), self.normalize).items():
            if acronym not in state.acronyms:
                state.learn_acronym(acronym, expansion)
        spelled = {}
        for paper in papers:
            for phrase in paper.keyphrases:
                spelled[phrase.text] = state.canonical(self.normalize(phrase.text))
                state.direct[spelled[phrase.text]] += 1
        for paper in papers:
            keys = {spelled[k.text] for k in paper.keyphrases}
            for phrase in paper.keyphrases:
                for broader in (state.canonical(self.normalize(s)) for s in suffixes(phrase.text)):
                    if broader in state.direct:
                        keys.add(broader)
            self.keys[paper.id] = tuple(sorted(keys))
