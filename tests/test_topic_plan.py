"""Topics planned issue by issue: an issue added never takes a topic, an area or a slug away."""

from __future__ import annotations

import itertools
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from generator.errors import ConfigError
from generator.keyphrases import normalize_phrase
from generator.model import Catalog, Issue, Paper
from generator.topics.areas import FieldFinder
from generator.topics.concepts import TopicSettings
from generator.topics.grouping import paper_vectors
from generator.topics.knowledge import ML, load_knowledge
from generator.topics.naming import is_field_wide, says_little
from generator.topics.plan import new_papers_by_issue, plan_topics
from generator.topics.related import add_related
from tests.stand_in import StandInEmbedder
from tests.test_topics import make_paper, themed_papers


def issues_of(papers: list[Paper], count: int) -> Catalog:
    """Deal the papers into `count` issues, round robin, each paper listed by one issue."""
    issues = []
    for n in range(count):
        ids = tuple(p.id for i, p in enumerate(papers) if i % count == n)
        issues.append(Issue(f"issue-{n + 1}", n + 1, f"Issue {n + 1}", "x.txt", paper_ids=ids))
    dealt = tuple(replace(p, issues=(f"issue-{i % count + 1}",)) for i, p in enumerate(papers))
    return Catalog(tuple(issues[::-1]), dealt)


Vectors = tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]


def vectors_of(catalog: Catalog) -> Vectors:
    """Return the stand-in embedder's phrase vectors, paper vectors and matrix (papers by id)."""
    embedder = StandInEmbedder()
    papers = sorted(catalog.papers, key=lambda p: p.id)
    keys = sorted({normalize_phrase(k.text) for p in papers for k in p.keyphrases})
    phrases = dict(zip(keys, embedder.encode(keys), strict=True))
    docs = {p.id: v for p, v in zip(papers, embedder.encode([p.text for p in papers]), strict=True)}
    return phrases, docs, paper_vectors(papers, docs, phrases, normalize_phrase)


def planned(catalog: Catalog, **options: float) -> Catalog:
    """Plan the topics of a catalog with the stand-in embedder's vectors."""
    phrases, docs, matrix = vectors_of(catalog)
    settings = TopicSettings(**options)  # type: ignore[arg-type]
    return plan_topics(catalog, phrases, normalize_phrase, matrix, settings, docs)


def first(catalog: Catalog, count: int) -> Catalog:
    """Return the catalog as it was after its first `count` issues."""
    kept = sorted(catalog.issues, key=Issue.order)[:count]
    ids = {pid for issue in kept for pid in issue.paper_ids}
    return Catalog(tuple(kept[::-1]), tuple(p for p in catalog.papers if p.id in ids))


# Phrases of a newsletter whose themes overlap and grow at different speeds: regrouping the
# whole archive at every issue moves papers between topics and retires slugs on these.
PHRASES = [
    f"{a} {b}"
    for a in ("sparse", "robust", "neural", "causal", "federated", "quantum")
    for b in ("graphs", "kernels", "policies", "retrieval", "sampling")
]


def mixed_papers(count: int, seed: int = 5) -> list[Paper]:
    """Papers holding three phrases each, drawn with Zipf-like weights."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(PHRASES) + 1) ** 0.8
    papers = []
    for n in range(count):
        picked = rng.choice(len(PHRASES), size=3, replace=False, p=weights / weights.sum())
        own = [PHRASES[int(i)] for i in picked]
        papers.append(make_paper(n, own, f"We study {own[0]}, {own[1]} and {own[2]}."))
    return papers


def test_each_issue_keeps_every_topic_area_and_slug_it_found() -> None:
    catalog = issues_of(mixed_papers(200), 5)
    builds = [planned(first(catalog, n)) for n in range(1, 6)]
    assert builds[-1].topics, "the themes make topics"
    for before, after in itertools.pairwise(builds):
        now = {p.id: p for p in after.papers}
        for paper in before.papers:
            assert set(paper.topics) <= set(now[paper.id].topics), paper.id
        topics = {t.slug: t for t in after.topics}
        for topic in before.topics:
            assert topic.slug in topics  # no slug retired
            assert topic.area == topics[topic.slug].area  # no topic moved to another area
            assert set(topic.paper_ids) <= set(topics[topic.slug].paper_ids)
        assert {a.slug for a in before.areas} <= {a.slug for a in after.areas}


def test_a_build_from_scratch_equals_the_same_digests_in_any_listing_order() -> None:
    catalog = issues_of(themed_papers(count=8), 3)
    shuffled = Catalog(catalog.issues[::-1], catalog.papers[::-1])
    one, two = planned(catalog), planned(shuffled)
    assert (one.topics, one.areas) == (two.topics, two.areas)
    assert {p.id: p.topics for p in one.papers} == {p.id: p.topics for p in two.papers}


def test_a_topic_that_outgrows_its_share_splits_and_keeps_its_page() -> None:
    catalog = issues_of(themed_papers(count=30), 5)
    done = planned(catalog, max_share=0.05, papers_per_step=1)
    parents = [t for t in done.topics if t.children]
    assert parents, [(t.label, len(t.paper_ids)) for t in done.topics]
    for parent in parents:
        for slug in parent.children:
            child = done.topic(slug)
            assert child.parent == parent.slug
            named = FieldFinder().held([child.slug.replace("-", " ")])
            assert child.area == parent.area or named, (child.slug, child.area)
    # The parent keeps every paper it listed before it split.
    before = planned(first(catalog, 4), max_share=0.05, papers_per_step=1)
    later = {t.slug: set(t.paper_ids) for t in done.topics}
    for topic in before.topics:
        assert set(topic.paper_ids) <= later[topic.slug]


def test_an_issue_changes_at_most_a_few_old_related_lists_per_new_paper() -> None:
    catalog = issues_of(themed_papers(count=12), 4)
    _, docs, _ = vectors_of(catalog)
    before = add_related(first(catalog, 3), docs, {}, normalize_phrase)
    after = add_related(catalog, docs, {}, normalize_phrase)
    fresh = new_papers_by_issue(catalog)[-1]
    old = {p.id: p.related for p in before.papers}
    changed = [p.id for p in after.papers if p.id in old and p.related != old[p.id]]
    assert len(changed) <= 5 * len(fresh)
    for paper in after.papers:  # an old list changes only by new papers entering it
        if paper.id in old and paper.related != old[paper.id]:
            assert set(paper.related) - set(old[paper.id]) <= set(fresh)


def test_related_lists_go_on_from_the_kept_ones_to_the_same_lists(tmp_path: Path) -> None:
    from generator.topics.related import KEPT_FILE

    catalog = issues_of(themed_papers(count=12), 4)
    _, docs, _ = vectors_of(catalog)
    scratch = add_related(catalog, docs, {}, normalize_phrase)
    path = tmp_path / "topics" / KEPT_FILE
    for count in (2, 3, 4):  # day by day
        kept = add_related(first(catalog, count), docs, {}, normalize_phrase, cache_dir=tmp_path)
        steps, _lists = pickle.loads(path.read_bytes()[32:])
        assert len(steps) == count
    assert [p.related for p in kept.papers] == [p.related for p in scratch.papers]
    assert any(p.related for p in kept.papers)
    # The same day again: every step was kept, so nothing is chosen or written again.
    written = path.stat()
    add_related(catalog, docs, {}, normalize_phrase, cache_dir=tmp_path)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    # A damaged file is a miss: the lists are chosen again from the first issue.
    path.write_bytes(path.read_bytes()[:-5] + b"XXXXX")
    again = add_related(catalog, docs, {}, normalize_phrase, cache_dir=tmp_path)
    assert [p.related for p in again.papers] == [p.related for p in scratch.papers]
    # Kept lists of other vectors are not used: a paper whose vector changed changes the steps.
    moved = {pid: -vector for pid, vector in docs.items()}
    other = add_related(catalog, moved, {}, normalize_phrase, cache_dir=tmp_path)
    assert [p.related for p in other.papers] == [
        p.related for p in add_related(catalog, moved, {}, normalize_phrase).papers
    ]


def test_names_of_research_areas_are_not_refused_and_aspects_are() -> None:
    for good in [
        "gaussian process",
        "markov decision process",
        "hawkes process",
        "world model",
        "information theory",
    ]:
        assert not says_little(good) and not is_field_wide(good), good
    for bad in ["unlearning process", "reasoning capability", "machine learning", "target model"]:
        assert says_little(bad), bad


def test_fields_are_not_found_in_words_other_fields_use() -> None:
    finder = FieldFinder()
    assert finder.held(["monetary policy"]) == []
    assert finder.held(["string theory"]) == []
    assert finder.held(["policy gradient"]) == ["Reinforcement learning"]
    assert finder.held(["statistical learning theory"]) == ["Optimization and learning theory"]


def test_planned_topics_are_the_same_bytes_on_noise_below_the_rounding() -> None:
    catalog = issues_of(themed_papers(count=8), 3)
    phrases, docs, matrix = vectors_of(catalog)
    papers = sorted(catalog.papers, key=lambda p: p.id)
    noise = np.random.default_rng(3)
    noisy = {k: v + 1e-7 * noise.standard_normal(v.shape) for k, v in docs.items()}
    one = plan_topics(catalog, phrases, normalize_phrase, matrix)
    again = paper_vectors(papers, noisy, phrases, normalize_phrase)
    assert one == plan_topics(catalog, phrases, normalize_phrase, again)


def test_knowledge_is_a_file_that_can_be_replaced_or_switched_off(tmp_path: Path) -> None:
    assert load_knowledge("ml", tmp_path) is ML
    assert ML.field_names[0] == "Language models" and "world model" in ML.kept
    none = load_knowledge("none", tmp_path)
    assert none.fields == () and FieldFinder(none).held(["policy gradient"]) == []
    own = tmp_path / "astro.toml"
    own.write_text(
        '[names]\nkept = ["dark matter"]\nfield_words = ["astrophysical"]\n'
        '[fields]\n"Cosmology" = ["dark matter", "cosmic microwave background"]\n'
        '"Stellar physics" = ["stellar", "supernova"]\n',
        encoding="utf-8",
    )
    astro = load_knowledge("astro.toml", tmp_path)
    assert FieldFinder(astro).held(["cold dark matter halos"]) == ["Cosmology"]
    assert is_field_wide("astrophysical model", astro)
    assert not is_field_wide("astrophysical model")
    (tmp_path / "bad.toml").write_text("[fields]\nx = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fields\.x"):
        load_knowledge("bad.toml", tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_knowledge("missing.toml", tmp_path)


def test_a_newsletter_with_no_field_table_gets_areas_by_meaning() -> None:
    catalog = issues_of(themed_papers(count=12), 3)
    done = planned(catalog, knowledge=load_knowledge("none", Path()))  # type: ignore[arg-type]
    assert done.topics and done.areas
    fields = {f"area-{name.lower().replace(' ', '-')}" for name in ML.field_names}
    assert not {a.slug for a in done.areas} & fields
    assert all(t.area in {a.slug for a in done.areas} for t in done.topics)


def test_a_replan_groups_the_archive_at_once_and_every_retired_slug_leads_on() -> None:
    catalog = issues_of(mixed_papers(200), 5)
    phrases, docs, matrix = vectors_of(catalog)
    settings = TopicSettings()
    daily = plan_topics(catalog, phrases, normalize_phrase, matrix, settings, docs)
    again = plan_topics(catalog, phrases, normalize_phrase, matrix, settings, docs, ["issue-4"])
    gone = {t.slug for t in daily.topics} - {t.slug for t in again.topics}
    moved = dict(again.moved)
    assert gone and set(moved) == gone
    live = {t.slug for t in again.topics}
    assert all(target in live or target == "" for target in moved.values())
    # Grouped at once up to issue 4 as if it had been one issue.
    merged = Catalog(
        (
            Issue(
                "all",
                1,
                "All",
                "x.txt",
                paper_ids=tuple(
                    sorted(pid for i in catalog.issues if i.number <= 4 for pid in i.paper_ids)
                ),
            ),
            replace(catalog.issue("issue-5"), number=2),
        ),
        catalog.papers,
    )
    once = plan_topics(merged, phrases, normalize_phrase, matrix, settings, docs)
    assert [t.slug for t in once.topics] == [t.slug for t in again.topics]
    # No re-plan: nothing moved.
    assert daily.moved == ()


def test_a_plan_resumed_from_yesterdays_is_the_plan_from_scratch(tmp_path: Path) -> None:
    catalog = issues_of(mixed_papers(240), 6)
    phrases, docs, matrix = vectors_of(catalog)
    settings = TopicSettings(max_share=0.05, papers_per_step=1)

    def plan(cat: Catalog, cache: Path | None, **changed: float) -> Catalog:
        ids = {p.id for p in cat.papers}
        rows = matrix[
            [i for i, p in enumerate(sorted(catalog.papers, key=lambda p: p.id)) if p.id in ids]
        ]
        chosen = replace(settings, **changed)  # type: ignore[arg-type]
        return plan_topics(cat, phrases, normalize_phrase, rows, chosen, docs, (), cache)

    scratch = plan(catalog, None)
    assert any(t.children for t in scratch.topics), "a split happens on the way"
    kept = tmp_path / "topics" / "plan.pickle"
    for days in range(1, 7):  # day by day, each build starting from the last one's plan
        assert plan(first(catalog, days), tmp_path) == plan(first(catalog, days), None)
    written = kept.stat().st_mtime_ns
    assert plan(catalog, tmp_path) == scratch  # nothing new: all of it from the kept plan
    assert kept.stat().st_mtime_ns == written, "no step was planned again, so none was kept"
    data = bytearray(kept.read_bytes())
    data[-5] ^= 0xFF  # damage: a miss, not an error, and the same topics
    kept.write_bytes(bytes(data))
    assert plan(catalog, tmp_path) == scratch
    # A setting that changes the plan is not answered from the plan kept under another one.
    other = plan(catalog, None, min_similarity=0.6)
    assert other != scratch
    assert plan(catalog, tmp_path, min_similarity=0.6) == other
    # A backfilled paper's issue re-plans from there: the answer is the plan from scratch.
    edited = Catalog(
        catalog.issues,
        tuple(
            replace(p, title=p.title + " revised") if p.id == catalog.papers[3].id else p
            for p in catalog.papers
        ),
    )
    assert plan(edited, tmp_path) == plan(edited, None)


def test_an_acronym_whose_s_is_a_word_is_no_plural() -> None:
    from generator.topics.live import PlanState

    state = PlanState()
    state.learn_acronym("mis", "medical image segmentation")
    state.learn_acronym("dms", "diffusion model")
    state.learn_acronym("ssms", "state space model")
    assert [state.written_acronym(k) for k in ("mis", "dms", "ssms")] == ["MIS", "DM", "SSM"]
