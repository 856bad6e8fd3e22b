"""Search: the Pagefind index `paper-digest build` writes, and the header's search that reads it.

The index holds papers and topics only, is the same bytes for the same input, and a failed
indexing leaves the previous site whole; `paper-digest serve` indexes each of its builds.
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import stat
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator.build import SilentProgress, build, generate_docs
from generator.cli.serve import mkdocs_hooks
from generator.config import Settings
from generator.errors import BuildError
from generator.site import pagefind, search
from generator.site.export import read_export
from generator.site.search import page_url, search_pages
from tests.conftest import MakeProject
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


def test_page_urls_are_the_site_root_urls() -> None:
    assert page_url("papers/x-1/index.html") == "/papers/x-1/"
    assert page_url("index.html") == "/"
    assert page_url("404.html") == "/404.html"


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


def test_search_pages_reads_the_mark_the_templates_set(built: Settings) -> None:
    urls = [url for url, *_ in search_pages(built.site_dir)]
    assert urls == sorted(urls)
    assert "/" not in urls and "/topics/" not in urls and "/issues/" not in urls
    assert all(url.startswith(("/papers/", "/topics/")) for url in urls)


def test_serve_indexes_each_build_with_a_mkdocs_hook(make_project: MakeProject) -> None:
    """`paper-digest serve` gives MkDocs the hook; a build with it writes the index."""
    settings = make_project()
    generate_docs(settings, SilentProgress(), StandInEmbedder())
    hooks = mkdocs_hooks(settings.config_file)
    assert hooks[-1].endswith("generator/site/search_hook.py")
    site = settings.root / "served"
    config = load_config(str(settings.config_file), site_dir=str(site), hooks=hooks)
    mkdocs_build(config)
    assert (site / "pagefind/pagefind-entry.json").is_file()
    assert {f["url"] for f in search_fragments(site)} == {url for url, *_ in search_pages(site)}


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


def index_of(site: Path, cache_dir: Path | None) -> dict[str, bytes]:
    shutil.rmtree(site / "pagefind", ignore_errors=True)
    search.index_site(site, cache_dir=cache_dir)
    return index_files(site)


def edit(page: Path, old: bytes, new: bytes) -> None:
    html = page.read_bytes()
    assert old in html
    page.write_bytes(html.replace(old, new, 1))


def paper_pages(site: Path) -> list[Path]:
    return sorted(path for url, path, _ in search_pages(site) if url.startswith("/papers/"))


@pytest.fixture
def indexed(built: Settings, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of a built site, indexed with a cache: (site, cache folder)."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    shutil.copytree(built.site_dir, site)
    index_of(site, cache)
    return site, cache


def test_an_index_made_with_the_cache_is_the_one_made_from_scratch(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    site, cache = indexed
    first, second = paper_pages(site)[:2]
    edit(first, b"data-pagefind-body>\n<p>", b"data-pagefind-body>\n<p>Zebrafish ")  # its text
    edit(second, b"</article>", b"<p>A link that is not indexed</p></article>")  # HTML only
    folder = cache / search.CACHE_SUBDIR / search.CACHE_INDEX / "fragment"
    kept = {path.name for path in folder.iterdir()}
    warm = index_of(site, cache)
    # Pagefind wrote the changed page's fragment; the others came from the cache (copies:
    # the site shares no file with the cache).
    fragments = sorted((site / "pagefind" / "fragment").iterdir())
    written = [path for path in fragments if path.name not in kept]
    assert len(fragments) > 2 and len(written) == 1
    assert b"Zebrafish" in gzip.decompress(written[0].read_bytes())
    assert warm == index_of(site, None)


def test_pages_whose_records_are_the_same_take_the_index_kept(indexed: tuple[Path, Path]) -> None:
    site, cache = indexed
    kept = sorted((cache / search.CACHE_SUBDIR / search.CACHE_INDEX).rglob("*.pf_*"))
    for page in paper_pages(site):
        edit(page, b"</article>", b"<p>Related papers changed</p></article>")
    assert index_of(site, cache) == index_of(site, None)
    assert all(path.exists() for path in kept)  # the same index, kept as it was


def test_a_fragment_kept_under_another_name_is_written_again(indexed: tuple[Path, Path]) -> None:
    """The check after a write finds a fragment copied that is not Pagefind's own."""
    site, cache = indexed
    state_file = cache / search.CACHE_SUBDIR / search.CACHE_STATE
    state = json.loads(state_file.read_text())
    one, two = sorted(url for url in state["pages"] if url.startswith("/papers/"))[:2]
    (d1, n1), (d2, n2) = state["pages"][one], state["pages"][two]
    state["pages"][one], state["pages"][two] = [d1, n2], [d2, n1]
    state_file.write_text(json.dumps(state))
    edit(paper_pages(site)[1], b"data-pagefind-body>\n<p>", b"data-pagefind-body>\n<p>Okapi ")
    assert index_of(site, cache) == index_of(site, None)
