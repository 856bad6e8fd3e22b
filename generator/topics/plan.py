"""Topics planned issue by issue, in publication order: what was published stays published.

`grouping.build_topics` groups the whole archive at once, so every new issue could move old
papers and retire slugs. Here the same ideas run one issue at a time, and what an issue decided
is kept:

1. **Phrases.** A new paper's phrase keys are its keyphrases, normalized, with acronyms spelled
   out as the papers so far define them ("RL" is "reinforcement learning"), one key for hyphen,
   spacing and word-order variants, and the broader phrases they end in that some paper has.
2. **New topics.** A phrase key that now has enough papers (`clusters.seed_papers`), is not too
   broad (held by at most `seed_share` of the papers so far), names something (`naming`) and
   whose papers' centre is not too close to a topic there is (`seed_separation`) becomes a
   topic; most papers first, ties A-Z, as `clusters.choose_seeds` does.
3. **Own topic.** Each new paper joins the topic whose centre is nearest its own vector, when it
   is near at all (`min_similarity`); else it is one of the *other papers*. A topic born now that
   fewer than `min_papers` new papers join is taken back (it may be born later).
4. **Gains.** An earlier paper nearer a topic born now than its own topic's centre gains it, up
   to `max_topics_per_paper`: topics are only ever added to a published paper.
5. **More topics.** A new paper also sits on the topics its title names, on those nearly as near
   that share a leading phrase with it, and on those its phrases name (`more_topics`).
6. **Split.** A live topic over `max_share` of the papers splits in two children (`split`); the
   parent keeps its page, its feed and every paper it listed; new papers go to the children.
7. **Areas.** A topic takes its area when it is born (`live.birth_areas`) and keeps it.

A step reads only its issue and what the steps before it decided, so a build from scratch gives
yesterday's topics plus today's (and a build resumes from yesterday's plan: `resume`): an issue
added after the others never takes a topic or an area from a published paper and never removes
a slug. An issue inserted before others (a backfill) re-plans the issues after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator.model import Area, Catalog, Issue, Topic
from generator.topics import clusters as cl
from generator.topics.concepts import Normalize, TopicSettings
from generator.topics.grouping import TITLE_ACRONYM, topic_slug
from generator.topics.live import Inputs, LiveTopic, PlanState, birth_areas, describe_members
from generator.topics.naming import label_text, says_little
from generator.topics.resume import run_steps
from generator.topics.split import split_topic
from generator.topics.titles import Names, TitleNames, fold_word

# A new paper joins a topic by its phrases when it shares one of the topic's leading ones.
SHARED_PHRASES = 5
# A topic splits once it holds this share of the most papers a topic may hold (`max_share`),
# so that it splits before new papers must go elsewhere.
SPLIT_AT = 0.9
# Related topics listed on a topic page.
RELATED_TOPICS = 5
# A group whose earlier papers hold this share of one topic brings its new papers there.
MAJORITY = 0.5


def publication_order(issues: Sequence[Issue]) -> list[Issue]:
    """Return the issues in the order the plan reads them: publication order (number, slug)."""
    return sorted(issues, key=Issue.order)


def new_papers_by_issue(catalog: Catalog) -> list[list[str]]:
    """Return, per issue in publication order, the ids of the papers it is the first to list."""
    seen: set[str] = set()
    steps: list[list[str]] = []
    for issue in publication_order(catalog.issues):
        fresh = sorted(set(issue.paper_ids) - seen)
        seen.update(fresh)
        steps.append(fresh)
    return steps


def plan_topics(
    catalog: Catalog,
    vectors: Mapping[str, np.ndarray],
    normalize: Normalize,
    matrix: np.ndarray,
    settings: TopicSettings | None = None,
    doc_vectors: Mapping[str, np.ndarray] | None = None,
    replan: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> Catalog:
    """Return the catalog with topics and areas planned issue by issue (see the module).

    `matrix` is one unit row per paper, papers sorted by id (`grouping.paper_vectors`). `replan`
    names issues (slugs) at which the editor re-plans the archive: the papers of every issue up
    to the last of them are grouped at once, as one step; the topics that plan no longer has are
    in the catalog's `moved` (each to the topic holding most of its papers), with those of the
    re-plans before it. `cache_dir` keeps the plan for the next build (`resume`).
    """
    ids = sorted(p.id for p in catalog.papers)
    inputs = Inputs(
        catalog,
        {pid: i for i, pid in enumerate(ids)},
        matrix,
        vectors,
        normalize,
        settings or TopicSettings(),
        doc_vectors,
    )
    order = [issue.slug for issue in publication_order(catalog.issues)]
    points = sorted({slug for slug in replan if slug in order}, key=order.index)
    steps = new_papers_by_issue(catalog)
    if points:  # everything up to the last re-plan is one step
        last = order.index(points[-1]) + 1
        steps = [sorted(pid for fresh in steps[:last] for pid in fresh), *steps[last:]]
    kept = cache_dir / "topics" if cache_dir and not points else None
    state = run_steps(inputs, steps, kept, step)
    planned = records(state, inputs)
    if not points:
        return planned
    before = plan_topics(catalog, vectors, normalize, matrix, settings, doc_vectors, points[:-1])
    return replace(planned, moved=moves(before, planned))


def moves(before: Catalog, after: Catalog) -> tuple[tuple[str, str], ...]:
    """Return (gone slug, slug it leads to) for the topics `before` has and `after` has not:
    to the topic of `after` holding most of its papers (ties A-Z; "" for the topics index),
    with the moves `before` already had, followed on."""
    live = {t.slug for t in after.topics}
    first = {p.id: p.topics[0] for p in after.papers if p.topics}
    moved: dict[str, str] = {}
    for topic in before.topics:
        if topic.slug not in live:
            votes = Counter(first[pid] for pid in topic.paper_ids if pid in first)
            moved[topic.slug] = min(votes.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))[
                0
            ]
    for slug, target in before.moved:
        if slug not in live and slug not in moved:
            moved[slug] = target if target in live else moved.get(target, "")
    return tuple(sorted(moved.items()))


def step(state: PlanState, inputs: Inputs, fresh: Sequence[str]) -> None:
    """Place one issue's new papers: new topics from the concepts they bring over the bar, each
    paper to its nearest topic, more topics, splits."""
    settings = inputs.settings
    state.placed += len(fresh)
    state.order.extend(fresh)
    inputs.learn_terms(state, fresh)
    touched: set[str] = set()
    for pid in fresh:
        for key in inputs.terms(pid):
            state.holders.setdefault(key, []).append(pid)
            touched.add(key)
    born_now = seed_topics(state, inputs, touched)
    own = nearest_topics(state, inputs, fresh)
    # A topic born now that few new papers are nearest to is no topic after all (yet).
    while born_now:
        counts = Counter(own.values())
        weak = [t for t in born_now if counts[t.slug] < settings.min_papers]
        if not weak:
            break
        for topic in weak:
            state.drop(topic)
        born_now = [t for t in born_now if t not in weak]
        own = nearest_topics(state, inputs, fresh)
    for pid in fresh:
        state.paper_topics.setdefault(pid, [])
    for pid in sorted(own):
        topic = state.by_slug[own[pid]]
        topic.total = topic.total + inputs.matrix[inputs.row[pid]]
        topic.own += 1
        state.add(pid, topic)
    gain_born(state, inputs, born_now, set(fresh))
    more_topics(state, inputs, [pid for pid in fresh if pid in own], own)
    cap = cl.size_cap(state.placed, share_settings(state, settings))
    for topic in list(state.topics):
        if not topic.children and len(topic.members) > SPLIT_AT * cap:
            split_topic(
                state,
                topic,
                inputs.rows,
                inputs.terms,
                inputs.display,
                inputs.written,
                settings,
            )


def gain_born(state: PlanState, inputs: Inputs, born: Sequence[LiveTopic], fresh: set[str]) -> None:
    """Earlier papers nearer a topic born now than their own topic's centre gain it, and earlier
    papers on no topic gain the nearest one born now that is near at all: a topic is only ever
    added to a published paper, never taken away."""
    if not born:
        return
    earlier = [pid for pid in state.order if pid not in fresh]
    if not earlier:
        return
    rows = inputs.rows(earlier)
    new = cl.similarities(rows, state.centres(born))
    floor = inputs.settings.min_similarity
    mine = [state.paper_topics.get(pid) for pid in earlier]
    owners = [state.by_slug[m[0]].centre if m else np.zeros(rows.shape[1]) for m in mine]
    theirs = np.round(np.einsum("ij,ij->i", rows, np.stack(owners)), cl.DECIMALS)
    limit = inputs.settings.max_topics_per_paper
    for i, pid in enumerate(earlier):
        if not mine[i]:  # on no topic yet: the nearest topic born now, if it is near
            best = int(np.argmax(new[i]))
            if new[i, best] >= floor:
                state.add(pid, born[best])
            continue
        for c in np.flatnonzero(new[i] > max(theirs[i], floor)):
            if len(state.paper_topics[pid]) < limit:
                state.add(pid, born[int(c)])


def nearest_topics(state: PlanState, inputs: Inputs, fresh: Sequence[str]) -> dict[str, str]:
    """Return each new paper's nearest live topic with room (under `max_share` of the papers),
    if it is near at all (`min_similarity`)."""
    own: dict[str, str] = {}
    live = state.live()
    if not live:
        return own
    sims = cl.similarities(inputs.rows(fresh), state.centres(live))
    room = [
        cl.size_cap(state.placed, share_settings(state, inputs.settings)) - len(t.members)
        for t in live
    ]
    for i, pid in enumerate(fresh):
        order = sorted(range(len(live)), key=lambda c: (-sims[i, c], c))
        near = [c for c in order if sims[i, c] >= inputs.settings.min_similarity]
        if not near:
            continue
        # The nearest with room; when all near ones are full (none could split), the nearest.
        c = next((c for c in near if room[c] >= 1), near[0])
        own[pid] = live[c].slug
        room[c] -= 1
    return own


def names_a_thing(key: str, inputs: Inputs, state: PlanState) -> bool:
    """Tell whether a one-word key may name a topic: papers hold it as a keyphrase of its own
    (not only inside longer ones, as "feedback" in "human feedback") and write it as a name
    ("Transformers", "Adam"), not as a common word ("adaptation", "classifiers")."""
    holders = state.holders[key]
    written = inputs.written(key, holders)
    return 2 * state.direct[key] >= len(holders) and any(ch.isupper() for ch in written)


def seed_topics(state: PlanState, inputs: Inputs, touched: set[str]) -> list[LiveTopic]:
    """Make topics of the concepts that now clear the bar: enough papers, not the field, not too
    like a topic there is (`seed_separation`); most papers first, ties A-Z."""
    settings = inputs.settings
    least = cl.seed_papers(state.placed, settings)
    most = max(settings.seed_share * state.placed, cl.SMALL_CAP)
    candidates = sorted(
        (
            key
            for key in touched
            if least <= len(state.holders[key]) <= most
            and topic_slug(key) not in state.by_slug
            and not says_little(key, settings.knowledge)
            # A lone word papers reach through longer phrases ("feedback" of "human feedback")
            # is a part of those topics, not a topic.
            and (" " in key.replace("-", " ") or names_a_thing(key, inputs, state))
        ),
        key=lambda k: (-len(state.holders[k]), k),
    )
    born: list[LiveTopic] = []
    centres = [t.centre for t in state.topics]
    for key in candidates:
        holders = state.holders[key]
        centre = cl.unit_rows(inputs.rows(holders).mean(axis=0, keepdims=True))[0]
        if (
            centres
            and float(np.round(np.max(np.stack(centres) @ centre), cl.DECIMALS))
            >= settings.seed_separation
        ):
            continue
        topic = LiveTopic(
            slug=topic_slug(key),
            key=key,
            label=inputs.display(key, holders),
            phrases=(key,),
            names=Names(frozenset({tuple(fold_word(w) for w in key.split())}), frozenset()),
            total=inputs.rows(holders).sum(axis=0),
        )
        state.adopt(topic)
        centres.append(centre)
        born.append(topic)
    if born:
        terms = {pid: sorted(inputs.terms(pid)) for t in born for pid in state.holders[t.key]}
        birth_areas(
            state,
            [(t, list(state.holders[t.key])) for t in born],
            terms,
            inputs.rows,
            settings.knowledge,
        )
    return born


def share_settings(state: PlanState, settings: TopicSettings) -> TopicSettings:
    """Return the settings with shares counted on the archive (at least one step of papers)."""
    return replace(settings, population=max(state.placed, settings.papers_per_step))


def more_topics(
    state: PlanState, inputs: Inputs, placed: Sequence[str], own: Mapping[str, str]
) -> None:
    """Give new papers the other topics their titles or phrases name, or that are as near."""
    live = state.live()
    if not live or not placed:
        return
    settings = inputs.settings
    index = {t.slug: c for c, t in enumerate(live)}
    by_key = {t.key: c for c, t in enumerate(live)}
    sims = cl.similarities(inputs.rows(placed), state.centres(live))
    titles = TitleNames([state.names_of(t) for t in live])
    wanted: list[tuple[int, float, str, int]] = []
    for i, pid in enumerate(placed):
        mine = index[own[pid]]
        terms = inputs.terms(pid)
        for c in titles.mentioned(inputs.catalog.paper(pid).title):
            wanted.append((-1, -float(sims[i, c]), pid, c))
        floor = sims[i, mine] - settings.join_margin
        for c in (int(c) for c in np.flatnonzero(sims[i] >= floor)):
            if terms & set(live[c].phrases[:SHARED_PHRASES]):
                wanted.append((0, -float(sims[i, c]), pid, c))
        for key in sorted(terms & by_key.keys()):
            wanted.append((1, -float(sims[i, by_key[key]]), pid, by_key[key]))
    cap = cl.size_cap(state.placed, share_settings(state, settings))
    for _, _, pid, c in sorted(wanted):
        topic = live[c]
        mine_now = state.paper_topics[pid]
        if len(mine_now) < settings.max_topics_per_paper and len(topic.members) + 1 <= cap:
            state.add(pid, topic)


def shown_acronyms(state: PlanState, topic: LiveTopic, catalog: Catalog) -> list[str]:
    """Return the acronyms a topic's label shows: those of its name, then those of a whole its
    name ends ("RLHF" of "human feedback") when two of its papers' titles write them."""
    mine = state.names_of(topic).acronyms
    direct = sorted(a for a in mine if topic.key in (state.acronyms.get(k) for k in _keys(a)))
    in_titles = Counter(
        word.strip(".,;:!?()[]{}\"'")
        for pid in topic.members
        for word in catalog.paper(pid).title.replace("-", " ").split()
    )
    tails = sorted(a for a in mine if a not in direct and in_titles[a] >= TITLE_ACRONYM)
    return [*direct, *tails][:2]


def _keys(acronym: str) -> tuple[str, str]:
    """Return the keys an acronym as shown may have been learned under ("DM": dm, dms)."""
    return acronym.lower(), acronym.lower() + "s"


def records(state: PlanState, inputs: Inputs) -> Catalog:
    """Make the catalog's Topic and Area records from the plan."""
    catalog = inputs.catalog
    if not state.topics:
        return Catalog(catalog.issues, catalog.papers)
    centres = state.centres(state.topics)
    slugs = [t.slug for t in state.topics]
    topics = []
    for c, live in enumerate(state.topics):
        sims = np.round(centres @ centres[c], cl.DECIMALS)
        near = sorted((i for i in range(len(slugs)) if i != c), key=lambda i: (-sims[i], slugs[i]))
        topics.append(
            Topic(
                slug=live.slug,
                label=label_text(live.label, shown_acronyms(state, live, catalog)),
                description=describe_members(
                    live, inputs.terms, catalog, inputs.normalize, inputs.settings.knowledge
                ),
                paper_ids=tuple(sorted(live.members)),
                phrases=live.phrases,
                related=tuple(slugs[i] for i in near[:RELATED_TOPICS]),
                area=live.area,
                parent=live.parent or "",
                children=tuple(live.children),
            )
        )
    topics.sort(key=lambda t: (t.label.casefold(), t.slug))
    areas = []
    for area in state.areas.values():
        members = [state.by_slug[s] for s in area.topics]
        held = {pid for t in members for pid in t.members}
        ranked = sorted(members, key=lambda t: (-len(t.members), t.label.casefold(), t.slug))
        areas.append(
            Area(
                slug=area.slug,
                label=area.label,
                description=f"{len(held)} papers in {len(members)} topics",
                topic_slugs=tuple(t.slug for t in ranked),
                paper_count=len(held),
            )
        )
    areas.sort(key=lambda a: (-a.paper_count, a.slug))
    placed = tuple(
        replace(p, topics=tuple(state.paper_topics.get(p.id, ()))) for p in catalog.papers
    )
    return Catalog(catalog.issues, placed, tuple(topics), tuple(areas))
