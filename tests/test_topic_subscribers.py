"""Readers follow their topics: a split topic's readers get its children's papers, and a topic a
re-plan moved is followed to where it went, said in the send report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.mail.readers import check_slugs, chosen_papers, read_readers
from generator.model import Area, Catalog, Issue, Location, Paper, Topic


def paper(pid: str, topics: tuple[str, ...]) -> Paper:
    return Paper(pid, pid, pid.upper(), "An abstract.", ("i",), (Location("x", 1),), topics=topics)


def catalog() -> Catalog:
    papers = (
        paper("a", ("rl",)),
        paper("b", ("rl", "offline-rl")),
        paper("c", ("online-rl",)),
        paper("d", ("diffusion",)),
    )
    topics = (
        Topic("rl", "RL", "", ("a", "b"), area="area-rl", children=("offline-rl", "online-rl")),
        Topic("offline-rl", "Offline RL", "", ("b",), area="area-rl", parent="rl"),
        Topic("online-rl", "Online RL", "", ("c",), area="area-rl", parent="rl"),
        Topic("diffusion", "Diffusion", "", ("d",), area="area-gen"),
    )
    areas = (
        Area("area-rl", "RL", "", ("rl", "offline-rl", "online-rl")),
        Area("area-gen", "Generative", "", ("diffusion",)),
    )
    issue = Issue("i", 1, "Issue 1", "x", paper_ids=tuple(p.id for p in papers))
    return Catalog((issue,), papers, topics, areas, moved=(("diffusion-models", "diffusion"),))


def test_a_split_topics_readers_read_its_childrens_papers(tmp_path: Path) -> None:
    listing = tmp_path / "readers.txt"
    listing.write_text("ada@example.org topics=rl\ngrace@example.org exclude=rl\n", "utf-8")
    readers = check_slugs(read_readers(listing), catalog()).readers
    ada, grace = (r.interests for r in readers)
    everything = catalog().papers
    assert [p.id for p in chosen_papers(catalog(), ada, everything)] == ["a", "b", "c"]
    assert [p.id for p in chosen_papers(catalog(), grace, everything)] == ["d"]


def test_a_moved_topic_is_followed_and_said(tmp_path: Path) -> None:
    listing = tmp_path / "readers.txt"
    listing.write_text("alan@example.net topics=diffusion-models\n", "utf-8")
    checked = check_slugs(read_readers(listing), catalog())
    assert checked.problems == ()
    assert checked.readers[0].interests.topics == ("diffusion",)
    assert checked.followed == (
        "alan@example.net (line 1): topics moved, followed: diffusion-models -> diffusion",
    )
    assert [
        p.id for p in chosen_papers(catalog(), checked.readers[0].interests, catalog().papers)
    ] == ["d"]


def test_a_split_topics_feed_and_page_carry_its_children(tmp_path: Path) -> None:
    import datetime as dt

    import feedparser

    from generator.site.feeds import render_feeds
    from generator.site.pages import render_pages
    from tests.golden import golden_settings

    settings = golden_settings()
    base = catalog()
    dated = tuple(replace(issue, date=dt.date(2025, 3, 11)) for issue in base.issues)
    split = replace(base, issues=dated)
    feeds = render_feeds(split, settings)
    parent = feedparser.parse(feeds["topics/rl/feed.xml"])
    titles = sorted(entry.title for entry in parent.entries)
    assert titles == ["A", "B", "C"]  # C is only on a child, Online RL
    child = feedparser.parse(feeds["topics/online-rl/feed.xml"])
    assert [entry.title for entry in child.entries] == ["C"]
    pages = render_pages(split, replace(settings, cache_dir=tmp_path))
    assert "New papers go to its subtopics" in pages["topics/rl.md"]
    assert "Offline RL" in pages["topics/rl.md"] and "Online RL" in pages["topics/rl.md"]
    assert "Part of" in pages["topics/online-rl.md"]
