"""Search: the Pagefind index `paper-digest build` writes, and the header's search that reads it.

The index holds papers and topics only, is the same bytes for the same input, and a failed
indexing leaves the previous site whole; `paper-digest serve` indexes each of its builds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator.build import SilentProgress, build, generate_docs
from generator.cli.serve import mkdocs_hooks
from generator.config import Settings
from generator.errors import BuildError
from generator.model import Area, Catalog, Issue, Location, Paper, Topic
from generator.site import pagefind, search
from generator.site.export import read_export
from tests.conftest import DEMO_DIGESTS, MakeProject
from tests.site_checks import search_fragments, tree_digest
from tests.stand_in import StandInEmbedder


def index_files(site: Path) -> dict[str, bytes]:
    folder = site / "pagefind"
    files = (p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


@pytest.fixture
def built(make_project: MakeProject) -> Settings:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    return settings


def test_the_index_is_the_same_bytes_for_the_same_digests(
    built: Settings, make_project: MakeProject
) -> None:
    other = make_project()  # another folder: nothing of the path may reach the index
    build(other, embedder=StandInEmbedder())
    first, second = index_files(built.site_dir), index_files(other.site_dir)
    assert first == second
    assert "pagefind.js" in first and "pagefind-entry.json" in first
    assert any(name.startswith("fragment/") for name in first)
    # Only the search library the dialog uses is shipped, not Pagefind's own interfaces.
    assert not [name for name in first if name.startswith(search.UNUSED_FILES)]


def test_only_papers_and_topics_are_results(built: Settings) -> None:
    site = built.site_dir
    catalog = read_export(site / "api")
    urls = sorted(fragment["url"] for fragment in search_fragments(site))
    papers = sorted(f"/papers/{p['slug']}/" for p in catalog["papers"])
    topics = sorted(f"/topics/{t['slug']}/" for t in catalog["topics"])
    assert urls == sorted(papers + topics)
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == len(urls)
    kinds = {fragment["meta"]["kind"] for fragment in search_fragments(site)}
    assert kinds == ({"Paper", "Topic"} if topics else {"Paper"})
    # A paper's fragment is its authors, abstract and keyphrases: the title is its own field,
    # so a result never shows the title twice; keyphrases stay apart as words.
    paper = next(f for f in search_fragments(site) if f["meta"]["kind"] == "Paper")
    assert paper["meta"]["title"] not in paper["content"]


def test_a_failed_indexing_leaves_the_previous_site_whole(
    built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(built.site_dir)
    # A Pagefind that fails the way a broken install would: it says why and exits.
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'cannot start: broken install' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pagefind, "executable", lambda: broken)
    # Pages unchanged since `built` would take their index from the cache, without Pagefind.
    shutil.rmtree(built.cache_dir / search.CACHE_SUBDIR)
    with pytest.raises(BuildError, match="Pagefind could not index the site") as raised:
        build(built, embedder=StandInEmbedder(), force=True)
    assert "broken install" in str(raised.value)
    assert "previous site is unchanged" in raised.value.hint
    assert tree_digest(built.site_dir) == before
    beside = sorted(p.name for p in built.site_dir.parent.iterdir() if p.name.startswith(".site"))
    assert beside == [".site.lock"]


def test_the_records_are_the_pages_the_templates_mark(built: Settings) -> None:
    """A record is made from the catalog for each page whose template marks it a result
    (`data-pagefind-body`), at that page's URL: no result leads to a page that is not there."""
    catalog, *_ = generate_docs(built, SilentProgress(), StandInEmbedder())
    urls = [record.url for record in search.search_records(catalog)]
    assert urls == sorted(urls) and len(set(urls)) == len(urls)
    marked = sorted(
        "/" + path.parent.relative_to(built.site_dir).as_posix() + "/"
        for path in built.site_dir.rglob("index.html")
        if b"data-pagefind-body" in path.read_bytes()
    )
    assert urls == marked


def test_serve_indexes_each_build_with_a_mkdocs_hook(make_project: MakeProject) -> None:
    """`paper-digest serve` gives MkDocs the hook, and the records of its catalog; a build
    with it writes the index."""
    settings = make_project()
    catalog, *_ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    hooks = mkdocs_hooks(settings.config_file)
    assert hooks[-1].endswith("generator/site/search_hook.py")
    site = settings.root / "served"
    search.Served.records = search.search_records(catalog)
    search.Served.cache_dir = settings.cache_dir
    try:
        config = load_config(str(settings.config_file), site_dir=str(site), hooks=hooks)
        mkdocs_build(config)
    finally:
        search.Served.records = search.Served.cache_dir = None
    kept = settings.cache_dir / search.CACHE_SUBDIR
    assert (kept / search.CACHE_STATE).is_file()  # where `paper-digest build` keeps it too
    assert len(list(kept.glob("*.tar"))) == 1
    assert (site / "pagefind/pagefind-entry.json").is_file()
    papers = {f"/papers/{paper.slug}/" for paper in catalog.papers}
    topics = {f"/topics/{topic.slug}/" for topic in catalog.topics}
    assert {f["url"] for f in search_fragments(site)} == papers | topics


def test_a_paper_is_found_by_its_authors_and_keyphrases(make_project: MakeProject) -> None:
    bib = (
        "@article{k1,\n  title = {Quokka Networks for Sparse Retrieval},\n"
        "  author = {Okonkwo, Adaeze and Lindqvist, Sven},\n"
        "  abstract = {We study sparse retrieval with quokka networks. It works well.},\n}\n"
    )
    settings = make_project({"01-refs.bib": bib})
    build(settings, embedder=StandInEmbedder())
    catalog = read_export(settings.site_dir / "api")
    phrases = catalog["papers"][0]["keyphrases"]
    (fragment,) = search_fragments(settings.site_dir)
    assert fragment["meta"]["title"] == "Quokka Networks for Sparse Retrieval"
    words = fragment["content"].split()
    assert "Okonkwo" in fragment["content"] and "Lindqvist" in fragment["content"]
    # Keyphrases are indexed as separate phrases, not run together.
    assert phrases and all(phrase.split()[-1] in words for phrase in phrases)
    for one, two in itertools.pairwise(phrases):
        assert one.split()[-1] + two.split()[0] not in fragment["content"]


def records_of(settings: Settings) -> list[search.SearchRecord]:
    catalog, *_ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    return search.search_records(catalog)


def index_of(
    records: list[search.SearchRecord], site: Path, cache: Path | None
) -> dict[str, bytes]:
    shutil.rmtree(site / "pagefind", ignore_errors=True)
    search.index_records(records, site, cache_dir=cache)
    return index_files(site)


def test_the_same_records_take_the_index_kept(
    built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records all the same as last time: the index kept is copied, without Pagefind, and
    is the one Pagefind makes from scratch."""
    records, site, cache = records_of(built), tmp_path / "site", tmp_path / "cache"
    fresh = index_of(records, site, None)
    assert index_of(records, site, cache) == fresh
    monkeypatch.setattr(pagefind, "executable", lambda: tmp_path / "no-pagefind-here")
    assert index_of(records, site, cache) == fresh
    assert "vocabulary.json" in fresh


def test_a_changed_record_is_indexed_anew(built: Settings, tmp_path: Path) -> None:
    records, site, cache = records_of(built), tmp_path / "site", tmp_path / "cache"
    before = index_of(records, site, cache)
    first = records[0]
    changed = replace(first, html=first.html.replace("<p>", "<p>Zebrafish ", 1))
    assert changed.html != first.html
    after = index_of([changed, *records[1:]], site, cache)
    assert after != before
    assert after == index_of([changed, *records[1:]], site, None)
    assert any(f["content"].startswith("Zebrafish") for f in search_fragments(site))


def test_a_kept_archive_that_is_not_what_was_kept_is_indexed_anew(
    built: Settings, tmp_path: Path
) -> None:
    records, site, cache = records_of(built), tmp_path / "site", tmp_path / "cache"
    fresh = index_of(records, site, cache)
    (archive,) = (cache / search.CACHE_SUBDIR).glob("*.tar")
    kept = archive.read_bytes()
    archive.write_bytes(kept.replace(b"pagefind", b"pagefinD", 1))
    assert index_of(records, site, cache) == fresh
    assert archive.read_bytes() == kept  # kept again, whole


def test_untrusted_text_stays_text_in_a_record(make_project: MakeProject) -> None:
    """Markup in a title, an author's name or an abstract is escaped in the record: Pagefind
    indexes it as text, and the result's title is the text as written."""
    title = "Zyzzyva <img src=x onerror=alert(1)> & <b>friends</b>"
    bib = (
        "@article{k1,\n  title = {" + title + "},\n"
        "  author = {O'Brien, <script>Ann</script>},\n"
        "  abstract = {We study <a href=javascript:alert(1)>links</a> & more. It works.},\n}\n"
    )
    settings = make_project({"01-refs.bib": bib})
    build(settings, embedder=StandInEmbedder())
    catalog, *_ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    (paper,) = catalog.papers
    assert "<img src=x onerror=alert(1)>" in paper.title  # as the digest wrote it
    (record,) = (r for r in search.search_records(catalog) if r.url.startswith("/papers/"))
    assert "<img" not in record.html and "<script" not in record.html and "<a " not in record.html
    (fragment,) = search_fragments(settings.site_dir)
    assert fragment["meta"]["title"] == paper.title
    # The text as written: had it reached Pagefind as markup, it would have dropped the script
    # element and the link's tag.
    assert "<script>Ann</script>" in fragment["content"]
    assert "<a href=javascript:alert(1)>links</a>" in fragment["content"]


def test_a_topic_is_found_by_its_name_first(tmp_path: Path) -> None:
    """A topic's record: its name is its title and its `topic` field (the dialog weights that
    field most) and its heaviest text; what it is and how many papers it holds are its line."""
    where = (Location("digests/x.txt", 1),)
    issue = Issue("2025-03-11", 1, "Issue 1", "x.txt", dt.date(2025, 3, 11), paper_ids=("p1",))
    paper = Paper(
        "p1", "p1", "Sparse Quokka Retrieval", "We study quokkas.", ("2025-03-11",), where
    )
    topic = Topic(
        "quokka-retrieval", "Quokka retrieval", "Retrieval with quokkas.", ("p1",), area="ir"
    )
    area = Area("ir", "Information retrieval", "Finding things.", ("quokka-retrieval",), 1)
    catalog = Catalog((issue,), (replace(paper, topics=(topic.slug,)),), (topic,), (area,))
    records = search.search_records(catalog)
    assert [record.url for record in records] == ["/papers/p1/", "/topics/quokka-retrieval/"]
    search.index_records(records, tmp_path)
    by_url = {fragment["url"]: fragment for fragment in search_fragments(tmp_path)}
    fragment = by_url["/topics/quokka-retrieval/"]
    assert fragment["meta"] == {
        "title": "Quokka retrieval",
        "topic": "Quokka retrieval",
        "kind": "Topic",
        "detail": "Information retrieval · 1 paper",
    }
    assert fragment["content"] == "Quokka retrieval. Retrieval with quokkas."
    paper_meta = by_url["/papers/p1/"]["meta"]
    assert paper_meta == {
        "title": "Sparse Quokka Retrieval",
        "kind": "Paper",
        "date": "March 11, 2025",
        "detail": "Issue 1",
    }


def demo_catalog(make_project: MakeProject, issues: int) -> Catalog:
    """The catalog of the demo's first `issues` digests (stand-in vectors)."""
    digests = sorted(DEMO_DIGESTS.iterdir())[:issues]
    settings = make_project({path.name: path.read_text("utf-8") for path in digests})
    catalog, *_ = generate_docs(settings, SilentProgress(), StandInEmbedder())
    return catalog


def test_an_issue_leaves_the_closed_parts_of_the_index_as_they_were(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of 150 papers: the demo's issues bring 67, 255, 216 and 208 new papers, so the
    first two close a part, the 3rd and the 4th one each. The 4th leaves the first two parts as
    they were: the same records, folders and bytes, unpacked from the cache; Pagefind indexes
    only the new part and the main bundle (the topics)."""
    before = search.search_records(demo_catalog(make_project, 3), "en", 150)
    after = search.search_records(demo_catalog(make_project, 4), "en", 150)
    assert {r.part for r in before} == {0, 1, 2} and {r.part for r in after} == {0, 1, 2, 3}
    assert all(r.url.startswith("/topics/") for r in after if r.part == 0)
    for part in (1, 2):
        assert [r for r in before if r.part == part] == [r for r in after if r.part == part]
    site, cache = tmp_path / "site", tmp_path / "cache"
    index_of(before, site, cache)
    old = index_files(site)
    indexed: list[str] = []
    write_index = search._write_index

    def counted(service: Any, bundle: search.Bundle, output: Path, advance: Any) -> None:
        indexed.append(bundle.folder)
        write_index(service, bundle, output, advance)

    monkeypatch.setattr(search, "_write_index", counted)
    new = index_of(after, site, cache)
    parts = json.loads(new["parts.json"])["parts"]
    assert len(parts) == 3 and indexed == ["", parts[2].rstrip("/")]
    kept = {name: data for name, data in old.items() if name.startswith(tuple(parts[:2]))}
    assert kept and all(new[name] == data for name, data in kept.items())
    assert not any(name.endswith((".js", ".pagefind")) for name in kept)  # in the main bundle
    urls = [fragment["url"] for fragment in search_fragments(site)]
    assert sorted(urls) == sorted(record.url for record in after)  # each result once
    archives = {p.name for p in (cache / search.CACHE_SUBDIR).glob("*.tar")}
    assert len(archives) == 4  # this build's bundles, no older one
    monkeypatch.setattr(search, "_write_index", write_index)
    assert index_of(after, tmp_path / "scratch", None) == new  # the same bytes from scratch
    monkeypatch.setattr(pagefind, "executable", lambda: tmp_path / "no-pagefind-here")
    assert index_of(after, site, cache) == new  # all kept: no Pagefind needed


def test_four_closed_segments_join_into_one_part(make_project: MakeProject) -> None:
    """Segments of 60 papers: each demo issue closes one. Three issues are three parts; the
    4th joins the four into one part, so a year's index stays a few bundles."""
    three = search.paper_parts(demo_catalog(make_project, 3), 60)
    four = search.paper_parts(demo_catalog(make_project, 4), 60)
    assert sorted(set(three.values())) == [1, 2, 3]
    assert set(four.values()) == {1} and set(three) < set(four)
    assert search.paper_parts(demo_catalog(make_project, 4), 0) == {}
