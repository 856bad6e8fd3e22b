"""Phrases into concepts: the variants, acronyms and near-synonyms that mean one thing.

A concept is a set of phrases that mean one thing: case and plural variants (folded by the
keyphrase stage's `normalize_phrase`), hyphen, spacing and word-order variants, an acronym and its
expansion (learned from "expansion (ACRONYM)" in the abstracts themselves), and phrases whose
embeddings are very close. A paper also counts towards the broader concepts its phrases end
in, when other papers use those as phrases of their own: English noun phrases put the head
last, so "offline reinforcement learning" is about "reinforcement learning" too.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from generator.keyphrases.vocabulary import BROAD_WORDS
from generator.model import Paper
from generator.topics.knowledge import ML, Knowledge

Normalize = Callable[[str], str]

# "expansion (ACRONYM)": an acronym of two or more capitals, optionally plural.
_ACRONYM = re.compile(r"\s\(([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9]*)\)")
_WORD = re.compile(r"[\w-]+")
# The expansion is among the last this many words before the parenthesis.
_EXPANSION_WORDS = 8
_FILLERS = frozenset(
    ["of", "for", "from", "the", "and", "in", "on", "with", "to", "a", "an", "by", "via"]
)


@dataclass(frozen=True)
class TopicSettings:
    """What shapes the topics; the defaults suit a newsletter of a few hundred papers."""

    min_papers: int = 3
    max_topics_per_paper: int = 3
    # Cosine similarity above which two phrases are one concept.
    merge_similarity: float = 0.9
    related_topics: int = 5
    # No topic holds more than this share of the papers (when there are enough of them).
    max_share: float = 0.08
    # A concept seeds a cluster with min_papers papers, twice that per doubling of this count.
    papers_per_step: int = 500
    # Seed concepts whose centroids are this close are one: the second is skipped.
    seed_separation: float = 0.8
    # A paper this far (cosine) from every topic's centroid is on none: among "other papers".
    min_similarity: float = 0.35
    # A paper joins another topic whose centroid is within this cosine of its own topic's.
    join_margin: float = 0.04
    # About this many areas, each holding its topics.
    areas: int = 12
    # Shares (max_share, seed_papers) count at least this many papers: the archive a topic
    # split in the plan (`plan`) is measured against.
    population: int = 0
    # A concept more than this share of the papers so far hold is too broad to seed a topic
    # when topics are planned issue by issue.
    seed_share: float = 0.08
    # Word lists and fields of the newsletter's discipline (`knowledge`).
    knowledge: Knowledge = ML


@dataclass(frozen=True)
class Concept:
    """A concept while topics are being formed: its name key, phrase keys, forms and papers."""

    key: str
    keys: frozenset[str]
    forms: Counter[str]
    papers: frozenset[str]


def acronym_pairs(texts: Iterable[str], normalize: Normalize) -> dict[str, str]:
    """Learn acronym -> expansion (both normalized) from "expansion (ACRONYM)" in the texts."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _ACRONYM.finditer(text):
            acronym = match.group(1)
            expansion = _expansion(_words_before(text, match.start()), acronym)
            if expansion:
                votes[normalize(acronym)][normalize(" ".join(expansion))] += 1
    return {
        acronym: min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        for acronym, counts in sorted(votes.items())
    }


def _words_before(text: str, end: int) -> list[str]:
    """Return the run of plain words (letters, digits, hyphens) that ends where `end` is."""
    start = max(0, end - 40 * _EXPANSION_WORDS)
    tokens = text[start:end].split()
    if start > 0 and tokens:
        tokens = tokens[1:]  # maybe cut in two by the window
    words: list[str] = []
    for token in reversed(tokens):
        if len(words) == _EXPANSION_WORDS or not _WORD.fullmatch(token):
            break
        words.append(token)
    return words[::-1]


def _expansion(words: list[str], acronym: str) -> list[str] | None:
    """Return the shortest run of trailing words whose initials spell the acronym."""
    letters = [c.lower() for c in acronym.rstrip("s") if c.isupper() or c.isdigit()]
    for start in range(len(words) - 1, -1, -1):
        chunk = words[start:]
        content = [w for w in chunk if w.lower() not in _FILLERS]
        initials = [w[0].lower() for w in content]
        parts = [p[0].lower() for w in content for p in w.split("-") if p]
        if letters in (initials, parts):
            return chunk if chunk[0].lower() not in _FILLERS else None
        if min(len(initials), len(parts)) > len(letters):
            return None
    return None


# Head words that say the same: "synthetic data" and "synthetic datasets" are one concept.
_SAME_HEAD = {
    "dataset": "data",
    "modeling": "model",
    "modelling": "model",
    "capability": "ability",
    "net": "network",
}


def _folds(key: str) -> tuple[str, str, str]:
    """Fold hyphens, spaces and word order: "fine-tuning", "fine tuning", "finetuning" are one."""
    words = key.split()
    if words:
        words[-1] = _SAME_HEAD.get(words[-1], words[-1])
    key = " ".join(words)
    spaced = " ".join(sorted(key.replace("-", " ").split()))
    joined = " ".join(sorted(key.replace("-", "").split()))
    glued = key.replace("-", "").replace(" ", "") + " (glued)"
    return spaced, joined, glued


def fold_key(key: str) -> str:
    """Return one form for a key's hyphen, spacing, word-order and head-word variants."""
    return _folds(key)[0]


def is_narrower(a: str, b: str) -> bool:
    """Tell whether phrase a ends in phrase b ("offline reinforcement learning", "...")."""
    return a.replace("-", " ").endswith(" " + b.replace("-", " "))


def suffixes(key: str) -> list[str]:
    """Return the shorter phrases a phrase ends in: "a b c" -> ["b c", "c"]."""
    words = key.split()
    return [" ".join(words[i:]) for i in range(1, len(words))]


def is_generic(key: str) -> bool:
    words = key.replace("-", " ").split()
    return all(w in BROAD_WORDS for w in words) or len(key) < 2


class _Concepts:
    """Union-find over concept keys, so every merge rule can simply say "these are one"."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.parent = {key: key for key in sorted(keys)}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key (shorter, then A-Z) names the merged concept: no order dependence.
            keep, drop = sorted((ra, rb), key=lambda k: (len(k), k))
            self.parent[drop] = keep


def _paper_phrases(
    papers: Sequence[Paper], normalize: Normalize
) -> tuple[dict[str, dict[str, float]], dict[str, set[str]], dict[str, Counter[str]]]:
    """Return each paper's phrase keys with weights, who has each key directly, and forms.

    A keyphrase weighs its score; a broader phrase it ends in weighs half that, and counts
    only if some paper has it as a keyphrase of its own.
    """
    direct: dict[str, dict[str, float]] = {}
    holders: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in papers:
        weights: dict[str, float] = {}
        for rank, phrase in enumerate(paper.keyphrases):
            key = normalize(phrase.text)
            forms[key][phrase.text] += 1
            holders[key].add(paper.id)
            weights[key] = max(weights.get(key, 0.0), phrase.score + 0.01 * (5 - rank))
        direct[paper.id] = weights
    expanded: dict[str, dict[str, float]] = {}
    for paper in papers:
        grown = dict(direct[paper.id])
        for phrase in paper.keyphrases:
            weight = direct[paper.id][normalize(phrase.text)]
            # Suffixes of the phrase as written, so "few-shot learning" never gives "shot learning".
            for broader in (normalize(s) for s in suffixes(phrase.text)):
                if broader in holders:
                    grown[broader] = max(grown.get(broader, 0.0), weight / 2)
        expanded[paper.id] = grown
    return expanded, holders, forms


def _merge_concepts(
    keys: Sequence[str],
    acronyms: Mapping[str, str],
    vectors: Mapping[str, np.ndarray],
    settings: TopicSettings,
    shared: Mapping[str, int],
) -> _Concepts:
    """Merge variants, acronym pairs and near-identical embeddings into concepts."""
    concepts = _Concepts(keys)
    by_fold: dict[str, str] = {}
    for key in sorted(keys):
        for fold in _folds(key):
            concepts.union(by_fold.setdefault(fold, key), key)
    for key in sorted(keys):
        # "LLM", and "OOD detection" with the acronym spelled out, are their expansions.
        spelled = " ".join(acronyms.get(word, word) for word in key.split())
        if spelled != key and spelled in concepts.parent:
            concepts.union(spelled, key)
        # "Neural network model" is "neural network": a generic last word adds nothing.
        words = key.split()
        if len(words) > 2 and words[-1] in BROAD_WORDS:
            shorter = " ".join(words[:-1])
            if shorter in concepts.parent and not is_generic(shorter):
                concepts.union(shorter, key)
    # Only phrases two or more papers share can name a topic: those are compared, in blocks.
    with_vectors = [k for k in sorted(keys) if k in vectors and shared.get(k, 0) > 1]
    for a, b in _close_pairs(with_vectors, vectors, settings.merge_similarity):
        # One phrase ending in the other is narrower, not the same: keep them apart.
        if not (is_narrower(a, b) or is_narrower(b, a)):
            concepts.union(a, b)
    return concepts


def _close_pairs(
    keys: Sequence[str], vectors: Mapping[str, np.ndarray], threshold: float, block: int = 512
) -> list[tuple[str, str]]:
    """Return the pairs of keys whose vectors' cosine reaches the threshold, a block at a time.

    Memory stays at one block by all keys; similarities are rounded so that float noise of
    another CPU cannot flip a pair across the threshold.
    """
    if len(keys) < 2:
        return []
    matrix = np.stack([vectors[k] for k in keys]).astype(np.float32)
    pairs = []
    for start in range(0, len(keys), block):
        sims = np.round(matrix[start : start + block] @ matrix.T, 4)
        for i, j in np.argwhere(sims >= threshold):
            if start + i < j:
                pairs.append((keys[start + i], keys[int(j)]))
    return pairs


def form_concepts(
    papers: Sequence[Paper],
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    settings: TopicSettings,
    acronyms: Mapping[str, str],
) -> tuple[list[Concept], dict[str, dict[str, float]]]:
    """Form the concepts enough papers share; return them and each paper's concept weights.

    `acronyms` are the papers' `acronym_pairs`, learned once per build by the caller.
    """
    weights, holders, forms = _paper_phrases(papers, normalize)
    keys = sorted({key for keyed in weights.values() for key in keyed})
    counts = {key: len(found) for key, found in holders.items()}
    merged = _merge_concepts(keys, acronyms, vectors, settings, counts)
    groups: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        groups[merged.find(key)].add(key)
    paper_concepts: dict[str, dict[str, float]] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for pid, keyed in weights.items():
        mine: dict[str, float] = {}
        for key, weight in keyed.items():
            root = merged.find(key)
            members[root].add(pid)
            mine[root] = max(mine.get(root, 0.0), weight)
        paper_concepts[pid] = mine
    found = []
    for root, group in sorted(groups.items()):
        direct = set().union(*(holders.get(k, set()) for k in group))
        if (
            len(members[root]) < settings.min_papers
            or not direct
            or all(is_generic(k) for k in group)
        ):
            continue
        # A lone word that papers reach only through longer phrases ("feedback" from "human
        # feedback", "AI feedback") is a part of those topics, not a topic of its own.
        if all(" " not in k.replace("-", " ") for k in group) and 2 * len(direct) < len(
            members[root]
        ):
            continue
        name = _name_key(group, holders, acronyms)
        written = Counter({f: n for k in group for f, n in forms.get(k, Counter()).items()})
        found.append(Concept(name, frozenset(group), written, frozenset(members[root])))
    # Papers name concepts by their union-find root; topics by the concept's name key.
    name_of = {key: concept.key for concept in found for key in concept.keys}
    renamed = {
        pid: {name_of.get(root, root): weight for root, weight in weights.items()}
        for pid, weights in paper_concepts.items()
    }
    return found, renamed


def _name_key(group: set[str], holders: Mapping[str, set[str]], acronyms: Mapping[str, str]) -> str:
    """Choose the phrase that names a concept: most papers, spelled out, never a generic word."""
    spelled = [k for k in group if k not in acronyms and k.rstrip("s") not in acronyms]
    named = [k for k in spelled if not is_generic(k)]
    named = named or spelled or sorted(group)
    return min(named, key=lambda k: (-len(holders.get(k, ())), len(k), k))
