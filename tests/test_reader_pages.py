"""The pages' arrangement for a reader, read from the rendered Markdown: no browser needed.

Issue sections by area and topic, biggest first, small ones gathered; lists cut into pages
with stable URLs; abstracts' addresses linked safely; headings that are never Markdown syntax.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

import lxml.html
import markdown
import pytest

from generator.config import Settings, load_settings
from generator.model import Area, Catalog, Issue, Keyphrase, Paper, Topic
from generator.site.layout import (
    PAPERS_PER_PAGE,
    SMALL_SECTION,
    highlights,
    issue_neighbours,
    issue_parts,
)
from generator.site.pages import render_pages, with_math_flag
from generator.site.templates import linked_prose_html, markdown_text
from generator.site.urls import numbered_doc, relative_url
from tests.conftest import REPO


def paper(pid: str, topics: tuple[str, ...] = (), issues: tuple[str, ...] = ("i1",)) -> Paper:
    return Paper(
        id=pid,
        slug=f"paper-{pid}",
        title=f"Paper {pid}",
        abstract=f"We study {pid}. It works.",
        issues=issues,
        locations=(),
        topics=topics,
        keyphrases=(Keyphrase(f"phrase {pid}", 0.5),),
    )


def catalog_with(sizes: dict[str, tuple[str, int]], unsorted: int = 0) -> Catalog:
    """An issue whose papers sit in topics of the given sizes, each topic in the given area."""
    papers: list[Paper] = []
    topics = []
    for slug, (area, size) in sizes.items():
        members = [paper(f"{slug}-{n:04d}", (slug,)) for n in range(size)]
        papers += members
        topics.append(Topic(slug, slug.title(), "Papers.", tuple(p.id for p in members), area=area))
    papers += [paper(f"none-{n}") for n in range(unsorted)]
    areas = {}
    for topic in topics:
        areas.setdefault(topic.area, []).append(topic.slug)
    issue = Issue(
        "i1", 1, "Issue 1", "i1.txt", dt.date(2025, 3, 11), "", (), tuple(p.id for p in papers)
    )
    return Catalog(
        (issue,),
        tuple(papers),
        tuple(topics),
        tuple(Area(slug, slug.title(), "", tuple(members)) for slug, members in areas.items()),
    )


def test_an_issue_is_arranged_by_area_then_topic_biggest_first_small_ones_gathered() -> None:
    catalog = catalog_with(
        {
            "rl": ("area-b", 4),
            "bandits": ("area-b", 2),
            "games": ("area-b", 1),
            "llm": ("area-a", 3),
            "agents": ("area-a", 5),
            "vision": ("area-c", 1),
        },
        unsorted=2,
    )
    parts = issue_parts(catalog, catalog.issues[0])
    assert [(p.anchor, len(p.papers)) for p in parts] == [
        ("area-a", 8),
        ("area-b", 7),
        ("area-c", 1),
        ("other-papers", 2),
    ]
    assert [(s.anchor, s.label, len(s.papers)) for s in parts[1].sections] == [
        ("rl", "Rl", 4),
        ("more-area-b", "More in Area-B", 3),  # bandits (2) and games (1): small sections
    ]
    # An area with only small topics is one section under the area's own name.
    assert [(s.anchor, s.label) for s in parts[2].sections] == [("more-area-c", "Area-C")]
    assert all(len(s.papers) > SMALL_SECTION for s in parts[0].sections)
    first = highlights(catalog, catalog.issues[0], per_area=2)
    assert [len(papers) for _, papers in first] == [2, 2, 1, 2]


def test_a_paper_knows_its_neighbours_in_the_issue_page_order() -> None:
    catalog = catalog_with({"big": ("area-a", 3), "small": ("area-a", 1)})
    order = [p.id for part in issue_parts(catalog, catalog.issues[0]) for p in part.papers]
    around = issue_neighbours(catalog)
    middle = around[order[1]]
    assert middle.previous is not None and middle.previous.id == order[0]
    assert middle.next is not None and middle.next.id == order[2]
    assert around[order[0]].previous is None and around[order[-1]].next is None


def test_list_pages_have_stable_urls_below_the_first() -> None:
    assert numbered_doc("topics/rl.md", 0) == "topics/rl.md"
    assert numbered_doc("topics/rl.md", 1) == "topics/rl/page/1.md"
    assert numbered_doc("topics/rl.md", 2) == "topics/rl/page/2.md"
    assert numbered_doc("issues/index.md", 3) == "issues/page/3.md"
    assert numbered_doc("other-papers.md", 2) == "other-papers/page/2.md"
    assert relative_url("topics/rl/page/2.md", "topics/rl.md") == "../../"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The repository's settings, but a cache of the test's own (rendered pages are kept there).
    cache = tmp_path_factory.mktemp("cache")
    return dataclasses.replace(load_settings(REPO / "mkdocs.yml"), cache_dir=cache)


def test_a_topic_of_two_thousand_papers_is_cut_into_bounded_pages(settings: Settings) -> None:
    catalog = catalog_with({"huge": ("area-a", 2000), "other": ("area-a", 3)})
    pages = render_pages(catalog, settings)
    topic_pages = sorted(doc for doc in pages if doc.startswith("topics/huge"))
    assert len(topic_pages) == 2000 // PAPERS_PER_PAGE
    assert (
        topic_pages[0] == "topics/huge.md"
        and f"topics/huge/page/{len(topic_pages) - 1}.md" in topic_pages
    )
    seen: list[str] = []
    for doc in topic_pages:
        titles = re.findall(r'class="pd-paper__title" href="[^"]+">([^<]+)<', pages[doc])
        assert 1 <= len(titles) <= 2 * PAPERS_PER_PAGE - 1, doc
        seen += titles
        # The topic's own chip is not repeated under every paper of its page.
        assert 'href="../../../huge/"' not in pages[doc] and ">Huge</a></p>" not in pages[doc]
    assert len(seen) == len(set(seen)) == 2000
    # The home page and the issue page do not list the whole archive.
    assert pages["index.md"].count('class="pd-paper__title"') <= 3 * len(catalog.areas)


def growing_topic(issues: int, per_issue: int) -> Catalog:
    """One topic that each of `issues` daily issues adds `per_issue` papers to, and a paper
    of the first issue listed again in the last one."""
    issue_list, papers = [], {}
    for number in range(1, issues + 1):
        ids = [f"d{number:02d}-{n:03d}" for n in range(per_issue)]
        if number == issues and number > 1:
            ids.append("d01-000")  # listed again: it keeps its place in the topic's pages
        for pid in ids:
            known = papers.get(pid)
            slugs = (*known.issues, f"i{number}") if known else (f"i{number}",)
            papers[pid] = paper(pid, ("grow",), slugs)
        day = dt.date(2025, 3, 1) + dt.timedelta(days=number)
        issue_list.append(
            Issue(f"i{number}", number, f"Issue {number}", "", day, "", (), tuple(ids))
        )
    ordered = tuple(papers.values())
    about = f"{len(ordered)} papers close in meaning."  # as a description may say: it grows
    topic = Topic("grow", "Grow", about, tuple(p.id for p in ordered), area="area-a")
    area = Area("area-a", "Area A", "", ("grow",))
    return Catalog(tuple(reversed(issue_list)), ordered, (topic,), (area,))


def test_a_new_issue_leaves_the_older_pages_of_a_list_as_they_were(settings: Settings) -> None:
    before = render_pages(growing_topic(9, 30), settings)  # 270 papers: own page and 4 older
    after = render_pages(growing_topic(10, 30), settings)  # 300: one more older page
    older = sorted(doc for doc in before if doc.startswith("topics/grow/page/"))
    assert older == [f"topics/grow/page/{n}.md" for n in range(1, 5)]
    assert [doc for doc in after if doc.startswith("topics/grow/page/")] == [
        *older,
        "topics/grow/page/5.md",
    ]
    # Every older page is the same text but the newest one, whose "Newer" link now leads to
    # the new older page instead of the topic's own page.
    assert [doc for doc in older if before[doc] != after[doc]] == ["topics/grow/page/4.md"]
    assert before["topics/grow.md"] != after["topics/grow.md"]
    # Each paper is on one page; page 1 holds the first 50 listed (the one listed again too).
    seen: list[str] = []
    for doc in ["topics/grow.md", *[f"topics/grow/page/{n}.md" for n in range(5, 0, -1)]]:
        seen += re.findall(r'class="pd-paper__title" href="[^"]+">Paper ([^<]+)<', after[doc])
    assert len(seen) == len(set(seen)) == 300
    first = {f"d01-{n:03d}" for n in range(30)} | {f"d02-{n:03d}" for n in range(10, 30)}
    assert set(seen[-50:]) == first and seen[-30:] == sorted(first)[:30]
    own = after["topics/grow.md"]
    assert own.count('class="pd-paper__title"') == 50
    assert 'href="page/5/"' in own and 'href="page/1/"' in own and "300 papers" in own
    page = after["topics/grow/page/3.md"]
    assert 'href="../4/"' in page and 'href="../2/"' in page and "300 papers" not in page
    oldest = lxml.html.fromstring(after["topics/grow/page/1.md"].split("---", 2)[2])
    assert oldest.xpath("//a[@class='pd-pager__newer']/@href") == ["../2/"]
    assert not oldest.xpath("//a[@class='pd-pager__older']")  # page 1 is the first


def test_older_list_pages_are_kept_and_rendered_again_when_what_they_show_changed(
    tmp_path: Path,
) -> None:
    import sqlite3
    import zlib

    from generator.site.rendered import LIST_STORE

    fresh = dataclasses.replace(load_settings(REPO / "mkdocs.yml"), cache_dir=tmp_path / "c")
    uncached = dataclasses.replace(fresh, cache_dir=tmp_path / "none")
    before = render_pages(growing_topic(9, 30), fresh)  # renders and keeps the older pages
    assert before == render_pages(growing_topic(9, 30), uncached)
    # What is kept is what is shown: mark every kept page (its hash made right again).
    with sqlite3.connect(fresh.cache_dir / LIST_STORE) as db:
        rows = db.execute("SELECT key, text FROM pages").fetchall()
        assert len(rows) == 4  # topics/grow/page/1.md to page/4.md
        for key, blob in rows:
            marked = zlib.compress(zlib.decompress(blob) + b"<!-- kept -->")
            digest = hashlib.sha256(marked).hexdigest()
            db.execute("UPDATE pages SET text = ?, sha256 = ? WHERE key = ?", (marked, digest, key))
    after = render_pages(growing_topic(10, 30), fresh)
    older = [f"topics/grow/page/{n}.md" for n in range(1, 6)]
    # Pages 1-3 come from the store; page 4 (its "Newer" link moved) and 5 (new) are rendered.
    assert [doc for doc in older if after[doc].endswith("<!-- kept -->")] == older[:3]
    # A title shown on page 1 changes: page 1 is rendered again, the others kept.
    catalog = growing_topic(10, 30)
    renamed = [
        dataclasses.replace(p, title="Renamed") if p.id == "d02-020" else p for p in catalog.papers
    ]
    again = render_pages(dataclasses.replace(catalog, papers=tuple(renamed)), fresh)
    assert ">Renamed<" in again["topics/grow/page/1.md"]
    assert not again["topics/grow/page/1.md"].endswith("<!-- kept -->")
    assert again["topics/grow/page/2.md"].endswith("<!-- kept -->")
    plain = dataclasses.replace(uncached, cache_dir=tmp_path / "none2")
    rendered = render_pages(dataclasses.replace(catalog, papers=tuple(renamed)), plain)
    assert again["topics/grow/page/1.md"] == rendered["topics/grow/page/1.md"]


def test_abstract_addresses_become_links_only_when_plain_http() -> None:
    text = (
        "Code at https://github.com/x/y. See (https://example.org/a_(b)) and "
        "\\url{https://github.com/mukhal/grace.} or javascript:alert(1) and "
        'https://x.org/"onmouseover=alert(1) and ftp://example.org/ and $https://m.org/$.'
    )
    html = str(linked_prose_html(text))
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    links = [(a.get("href"), a.get("rel"), a.text) for a in tree.iter("a")]
    assert links == [
        ("https://github.com/x/y", "nofollow noopener", "https://github.com/x/y"),
        ("https://example.org/a_(b)", "nofollow noopener", "https://example.org/a_(b)"),
        ("https://github.com/mukhal/grace", "nofollow noopener", "https://github.com/mukhal/grace"),
        ("https://x.org/", "nofollow noopener", "https://x.org/"),
    ]
    assert tree.text_content().replace("\n", " ") == text.replace(
        "$https://m.org/$", "\\(https://m.org/\\)"
    )
    assert "onmouseover" not in "".join(a.get("href") or "" for a in tree.iter("a"))
    assert not any(el.get("onmouseover") for el in tree.iter())


HEADING = "<script>alert(1)</script> & *em* [x](javascript:y) {: #id } `c` $m$ # _u_ \\"


def test_a_heading_from_digest_text_is_never_markdown_syntax() -> None:
    source = f"## {markdown_text(HEADING)} {{: #safe }}\n"
    html = markdown.markdown(source, extensions=["attr_list", "toc", "pymdownx.arithmatex"])
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    (heading,) = tree.iter("h2")
    assert heading.get("id") == "safe"
    assert heading.text_content() == HEADING
    assert [el.tag for el in heading.iter()] == ["h2"]


def test_math_pages_are_flagged_for_katex() -> None:
    page = '---\ntitle: "x"\n---\n\n<p><span class="arithmatex">\\(x\\)</span></p>\n'
    assert with_math_flag(page).startswith("---\nmath: true\ntitle:")
    plain = '---\ntitle: "x"\n---\n\n<p>x</p>\n'
    assert with_math_flag(plain) == plain
