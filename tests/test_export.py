"""The catalog export is paged: a small index and a file per issue; none grows past 5 MB.

A synthetic catalog of a year (50,000 papers, 280 issues and a backfill of 4,500 papers in one
issue) is exported as the build exports it, written to a folder and read back as a program
would: every paper comes back exactly, once. The redirects of moved topics read the previous
site's catalog, paged (version 3) or whole (version 2).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import replace
from pathlib import Path

from lxml import etree

from generator.model import Area, Catalog, Issue, Keyphrase, Link, LinkKind, Location, Paper, Topic
from generator.site.export import PAPERS_PER_FILE, catalog_files, read_export
from generator.site.follow import follow_json
from generator.site.material import SITEMAP_NS, split_sitemap
from generator.site.redirects import moved_topics, read_previous
from generator.site.size import LARGE_FILE

TOPICS = 900


def paper(n: int, issues: tuple[str, ...]) -> Paper:
    pid = f"{n:012x}"
    return Paper(
        id=pid,
        slug=f"a-paper-on-subject-number-{n}-{pid[-6:]}",
        title=f"A paper on subject number {n}: learning to do things at scale, revisited",
        abstract="",
        issues=issues,
        locations=(Location("d.jsonl", n + 1),),
        date=dt.date(2025, 1, 1) + dt.timedelta(days=n % 365),
        authors=tuple(f"Author {n}-{k} Surname" for k in range(6)),
        links=(
            Link(LinkKind.ABSTRACT, f"https://arxiv.org/abs/2501.{n:05d}"),
            Link(LinkKind.PDF, f"https://arxiv.org/pdf/2501.{n:05d}"),
        ),
        arxiv_id=f"2501.{n:05d}",
        categories=("cs.LG", "cs.AI", "stat.ML"),
        keyphrases=tuple(Keyphrase(f"keyphrase {n % 97} number {k}", 0.5) for k in range(5)),
        topics=(f"topic-{n % TOPICS}", f"topic-{(n * 7 + 1) % TOPICS}"),
    )


@functools.cache
def year() -> Catalog:
    """280 issues of 164 new papers each (one a backfill of 4,500), and in each the last 16 of
    the issue before listed again: about 50,000 papers, 54,000 listings, 900 topics."""
    issues: list[Issue] = []
    n = 0
    for number in range(1, 281):
        count = 4500 if number == 100 else 164
        ids = [f"{k:012x}" for k in range(n, n + count)]
        n += count
        again = list(issues[-1].paper_ids[-16:]) if issues else []
        slug = f"{number:03d}-issue-{number}"
        day = dt.date(2025, 1, 1) + dt.timedelta(days=number)
        issues.append(
            Issue(slug, number, f"Issue {number}", f"{slug}.jsonl", day, "", (), (*ids, *again))
        )
    listed: dict[str, list[str]] = {}
    for issue in issues:
        for pid in issue.paper_ids:
            listed.setdefault(pid, []).append(issue.slug)
    papers = [paper(int(pid, 16), tuple(slugs)) for pid, slugs in sorted(listed.items())]
    held: dict[str, list[str]] = {}
    for p in papers:
        for slug in p.topics:
            held.setdefault(slug, []).append(p.id)
    topics = [
        Topic(
            slug=f"topic-{t}",
            label=f"Topic {t}",
            description=f"Papers on the subject {t}",
            paper_ids=tuple(sorted(held[f"topic-{t}"])),
            related=(f"topic-{(t + 1) % TOPICS}",),
            area=f"area-{t % 12}",
        )
        for t in range(TOPICS)
    ]
    areas = [
        Area(f"area-{a}", f"Area {a}", "", tuple(f"topic-{t}" for t in range(a, TOPICS, 12)))
        for a in range(12)
    ]
    # Newest first, as the catalog keeps them.
    return Catalog(tuple(reversed(issues)), tuple(papers), tuple(topics), tuple(areas))


def write(folder: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)


def test_a_year_of_papers_pages_into_files_under_5_mb_that_give_back_every_paper(
    tmp_path: Path,
) -> None:
    catalog = year()
    assert len(catalog.papers) >= 50_000
    files = catalog_files(catalog, {"old-topic": "topic-3"})
    sizes = {name: len(data) for name, data in files.items()}
    assert max(sizes.values()) < LARGE_FILE, max(sizes.items(), key=lambda kv: kv[1])
    assert sizes["api/catalog.json"] < 400_000  # the index grows with issues and topics only
    assert "api/issues/100-issue-100.p3.json" in files  # the backfill, 4,500 papers, in 3 parts
    assert catalog_files(catalog, {"old-topic": "topic-3"}) == files  # same bytes again

    records = [
        p for name, data in files.items() if "/issues/" in name for p in json.loads(data)["papers"]
    ]
    assert len(records) == len({p["id"] for p in records}) == len(catalog.papers)  # each once
    write(tmp_path, files)
    whole = read_export(tmp_path / "api")
    assert whole["version"] == 3 and whole["paper_count"] == len(catalog.papers)
    back = {p["id"]: p for p in whole["papers"]}
    assert len(whole["papers"]) == len(back) == len(catalog.papers)
    for original in catalog.papers:
        record = back[original.id]
        assert record["title"] == original.title and record["authors"] == list(original.authors)
        assert record["issues"] == list(original.issues)
        assert record["keyphrases"] == [k.text for k in original.keyphrases]
        assert record["topics"] == list(original.topics)
        assert record["links"][0] == {"kind": "abstract", "url": original.links[0].url}
    for issue, read in zip(reversed(catalog.issues), whole["issues"], strict=True):
        assert read["paper_ids"] == list(issue.paper_ids) and read["paper_count"] == len(
            issue.paper_ids
        )
    for topic, read in zip(
        sorted(catalog.topics, key=lambda t: t.slug), whole["topics"], strict=True
    ):
        assert read["slug"] == topic.slug and read["paper_ids"] == list(topic.paper_ids)
    assert whole["moved_topics"] == {"old-topic": "topic-3"}
    part = json.loads(files["api/issues/100-issue-100.json"])
    assert (
        len(part["paper_ids"]) == PAPERS_PER_FILE and part["next"] == "issues/100-issue-100.p2.json"
    )
    assert len(part["papers"]) == PAPERS_PER_FILE
    # The last part: 500 new papers, and the 16 of issue 99 listed again (issue 99's records).
    last = json.loads(files["api/issues/100-issue-100.p3.json"])
    assert len(last["paper_ids"]) == 516 and len(last["papers"]) == 500 and last["next"] is None
    assert {p["id"] for p in last["papers"]} == set(last["paper_ids"][:500])


def test_follow_json_grows_with_topics_not_papers() -> None:
    """8 papers a topic at most, of the 4 newest issues: at most about 1.2 KB a topic."""
    catalog = year()
    data = json.loads(follow_json(catalog))
    assert data["latest"] == 280 and len(data["topics"]) == TOPICS
    assert all(len(t["papers"]) <= 8 for t in data["topics"].values())
    assert len(follow_json(catalog)) < 1.5 * 2**10 * TOPICS


def small(gone: str | None = None) -> Catalog:
    """3 issues of 20 papers, on 5 topics; `gone`'s papers are on topic-2 instead."""
    issues = tuple(
        Issue(
            f"00{i}-i",
            i,
            f"Issue {i}",
            "",
            None,
            "",
            (),
            tuple(f"{k:012x}" for k in range(20 * i - 20, 20 * i)),
        )
        for i in (1, 2, 3)
    )
    papers = tuple(
        replace(paper(k, (issues[k // 20].slug,)), topics=(topic,))
        for k in range(60)
        for topic in ["topic-2" if f"topic-{k % 5}" == gone else f"topic-{k % 5}"]
    )
    held: dict[str, list[str]] = {}
    for p in papers:
        held.setdefault(p.topics[0], []).append(p.id)
    topics = tuple(Topic(s, s, "", tuple(ids)) for s, ids in sorted(held.items()))
    return Catalog(issues, papers, topics)


def test_redirects_read_the_paged_catalog_and_the_old_one_alike(tmp_path: Path) -> None:
    before, after = small(), small(gone="topic-1")
    paged, whole = tmp_path / "paged", tmp_path / "whole"
    write(paged, catalog_files(before, {"older": "topic-1"}))
    version_2 = {
        "version": 2,
        "topics": [{"slug": t.slug, "paper_ids": list(t.paper_ids)} for t in before.topics],
        "moved_topics": {"older": "topic-1"},
    }
    write(whole, {"api/catalog.json": json.dumps(version_2).encode()})
    from_paged, from_whole = read_previous(paged), read_previous(whole)
    assert from_paged.topics == from_whole.topics and from_paged.topics
    assert from_paged.moved == from_whole.moved == {"older": "topic-1"}
    assert moved_topics(after, from_paged) == moved_topics(after, from_whole)
    assert moved_topics(after, from_paged) == {"older": "topic-2", "topic-1": "topic-2"}


def test_a_tampered_paged_catalog_reads_nothing_outside_api(tmp_path: Path) -> None:
    write(tmp_path, catalog_files(small()))
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"papers": [{"id": "x", "topics": ["topic-1"]}], "next": None}))
    index = json.loads((tmp_path / "api/catalog.json").read_bytes())
    index["issues"][0]["url"] = "../secret.json"
    index["issues"][1]["url"] = "issues/../../secret.json"
    (tmp_path / "api/catalog.json").write_text(json.dumps(index))
    third = tmp_path / "api" / index["issues"][2]["url"]
    third.unlink()
    third.symlink_to(secret)
    previous = read_previous(tmp_path)
    assert previous.topics and all("x" not in ids for ids in previous.topics.values())
    assert previous.topics["topic-1"] == []  # its papers were in the files not read
    (tmp_path / "api/catalog.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert read_previous(tmp_path).topics == {}


def test_a_year_of_pages_makes_no_sitemap_file_over_5_mb(tmp_path: Path) -> None:
    """A page for each of 50,000 papers and their topic and issue pages: 56,000 URLs."""
    site = "https://someone.github.io/a-research-newsletter/"
    locs = [f"{site}papers/{p.slug}/" for p in year().papers]
    locs += [f"{site}topics/topic-{t}/page/{n}/" for t in range(TOPICS) for n in range(1, 7)]
    entries = "".join(f"<url><loc>{u}</loc><lastmod>2026-01-01</lastmod></url>" for u in locs)
    (tmp_path / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'
    )
    parts = split_sitemap(tmp_path, site)
    assert parts >= 2
    sizes = {path.name: path.stat().st_size for path in tmp_path.iterdir()}
    assert max(sizes.values()) < LARGE_FILE, sizes
    ns = {"s": SITEMAP_NS}
    listed = [
        loc
        for n in range(1, parts + 1)
        for loc in etree.parse(str(tmp_path / f"sitemap-{n}.xml")).xpath(
            "//s:loc/text()", namespaces=ns
        )
    ]
    assert listed == locs


def test_the_issue_files_are_read_only_when_a_topic_is_gone(tmp_path: Path) -> None:
    """A day's build whose topics all stay reads the index alone, not the whole archive."""
    write(tmp_path, catalog_files(small(), {"older": "topic-1"}))
    live = {f"topic-{n}" for n in range(5)}
    for path in (tmp_path / "api" / "issues").iterdir():
        path.write_bytes(b"not json")  # would add nothing if read
    kept = read_previous(tmp_path, live)
    assert kept.topics == {slug: [] for slug in sorted(live)} and kept.moved == {"older": "topic-1"}
    write(tmp_path, catalog_files(small(), {"older": "topic-1"}))
    assert read_previous(tmp_path, live).topics == kept.topics  # not read: the same
    gone = read_previous(tmp_path, live - {"topic-1"})
    assert len(gone.topics["topic-1"]) == 12  # read: its papers, for the redirect's vote
