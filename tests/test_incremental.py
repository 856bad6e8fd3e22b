"""A day's increment: a build that reuses the page cache gives the bytes of a build from scratch.

The page cache (generator/site/pagecache.py) writes an unchanged page's HTML instead of having
MkDocs render it. These tests build the small fixture newsletter one digest short, add the last
digest and build again, and compare that site with a build of all digests from an empty page
cache, byte for byte; and they check that what could change a page (a theme template, the
navigation) renders it again.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import BuildReport, build
from generator.config import Settings, load_settings
from generator.errors import BuildError
from generator.site import pagecache, parallel
from generator.site.compact import compact_html
from generator.site.pagecache import FILES_SUBDIR, PAGES_SUBDIR
from generator.site.pagestore import STORE_FILE, Entry, PageStore
from generator.site.shrink import shrink_page
from tests.conftest import MakeProject
from tests.stand_in import StandInEmbedder


def tree(site: Path) -> dict[str, bytes]:
    """Return every file of a built site by its path."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def build_quietly(settings: Settings, force: bool = False) -> BuildReport:
    # With the page workers (off by default), where they start: these tests check them too.
    return build(replace(settings, page_workers=True), embedder=StandInEmbedder(), force=force)


FIELDS = ("glacier", "violin", "orchard", "harbour")


def digest(field: str, count: int) -> str:
    """Return a digest of `count` papers on one field, in words no other field uses."""
    blocks = []
    for n in range(count):
        words = " ".join(f"{field}{(n * 7 + k) % 23}" for k in range(30))
        title = f"{field.title()} study number {n}"
        blocks.append(f"{title}\nWe study {field} questions in depth, case {n}. {words}.\n")
    return "\n".join(blocks)


DIGESTS = {f"2025-03-1{day}.txt": digest(field, 6) for day, field in enumerate(FIELDS)}


def project(make_project: MakeProject, names: list[str]) -> Settings:
    return make_project({name: DIGESTS[name] for name in names})


@pytest.fixture
def grown(make_project: MakeProject) -> tuple[Settings, BuildReport]:
    """A project built with all but the last digest, then built again with the last added."""
    names = sorted(DIGESTS)
    settings = project(make_project, names[:-1])
    build_quietly(settings)
    (settings.digests_dir / names[-1]).write_text(DIGESTS[names[-1]])
    return settings, build_quietly(settings)


def test_an_increment_gives_the_bytes_of_a_build_from_scratch(
    grown: tuple[Settings, BuildReport], make_project: MakeProject
) -> None:
    incremental, report = grown
    scratch = project(make_project, sorted(DIGESTS))
    fresh = build_quietly(scratch)
    assert PageStore(scratch.cache_dir / PAGES_SUBDIR).entries()
    assert fresh.reused_pages == 0 and fresh.rendered_pages > 0
    # Most pages of the increment came from the cache, yet the site is the same, byte for byte.
    assert report.reused_pages > 0
    assert report.rendered_pages < fresh.rendered_pages
    assert report.reused_pages + report.rendered_pages == fresh.rendered_pages
    assert tree(incremental.site_dir) == tree(scratch.site_dir)


def test_a_build_with_nothing_new_renders_only_the_pages_in_the_navigation(
    grown: tuple[Settings, BuildReport],
) -> None:
    settings, _ = grown
    before = tree(settings.site_dir)
    report = build_quietly(settings, force=True)  # unforced, it would find nothing to do
    # Home, Topics, Archive and About are in the navigation: marked active there, always rendered.
    assert report.rendered_pages == 4
    assert tree(settings.site_dir) == before


def test_a_theme_template_edit_renders_every_page_again(
    grown: tuple[Settings, BuildReport],
) -> None:
    settings, _ = grown
    main = settings.root / "templates" / "overrides" / "main.html"
    main.write_text(
        main.read_text().replace(
            "{% block extrahead %}", '{% block extrahead %}\n<meta name="x-edited" content="1">'
        )
    )
    report = build_quietly(settings)
    assert report.reused_pages == 0
    pages = [p for p in settings.site_dir.rglob("*.html") if p.name == "index.html"]
    assert pages and all(b'name="x-edited"' in p.read_bytes() for p in pages)


def test_a_setting_or_navigation_change_renders_every_page_again(
    grown: tuple[Settings, BuildReport],
) -> None:
    settings, _ = grown
    config = settings.config_file
    config.write_text(config.read_text().replace("  - About: about.md", "  - About us: about.md"))
    report = build_quietly(load_settings(config))
    assert report.reused_pages == 0
    paper = next((settings.site_dir / "papers").rglob("index.html")).read_text()
    assert "About us" in paper


def test_a_damaged_page_cache_is_an_empty_one(grown: tuple[Settings, BuildReport]) -> None:
    settings, _ = grown
    before = tree(settings.site_dir)
    store = settings.cache_dir / PAGES_SUBDIR / STORE_FILE
    store.write_bytes(b"SQLite format 3\x00" + store.read_bytes()[16:1000])  # cut short
    report = build_quietly(settings, force=True)
    assert report.reused_pages == 0
    assert tree(settings.site_dir) == before
    assert build_quietly(settings, force=True).reused_pages > 0
    store.write_text("{not a database")
    assert build_quietly(settings, force=True).reused_pages == 0
    assert tree(settings.site_dir) == before


def test_pages_kept_a_file_a_page_by_earlier_versions_are_removed(
    grown: tuple[Settings, BuildReport],
) -> None:
    settings, _ = grown
    folder = settings.cache_dir / PAGES_SUBDIR
    (folder / "index.json").write_text("{}")
    (folder / f"{'0' * 64}.html").write_text("<p>old</p>")
    build_quietly(settings, force=True)
    assert sorted(path.name for path in folder.iterdir()) == ["files", STORE_FILE]


def test_compacting_keeps_what_a_browser_shows() -> None:
    html = (
        '<div>\n    <span title="a\n\n  b">\n\n   Home\n  </span>  x  y\n'
        "<pre>keep\n\n   this</pre>\n\n<code>a\n\n b</code><script>\n\n</script></div>"
    )
    assert compact_html(html) == (
        '<div>\n<span title="a\n\n  b">\nHome\n</span>  x  y\n'
        "<pre>keep\n\n   this</pre>\n<code>a\n\n b</code><script>\n\n</script></div>"
    )


def test_pages_rendered_in_workers_are_the_pages_mkdocs_renders(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes (parallel.py) convert and render pages to the bytes the build's own
    process does."""
    if parallel.workers() < 2:
        pytest.skip("one core: the build renders every page itself")  # CI machines have two
    alone = project(make_project, sorted(DIGESTS))
    monkeypatch.setattr(parallel, "MAX_WORKERS", 1)
    report = build_quietly(alone)
    assert report.rendered_pages > 0
    assert report.rendered_in_workers == report.converted_in_workers == 0
    shared = project(make_project, sorted(DIGESTS))
    monkeypatch.setattr(parallel, "MAX_WORKERS", 2)
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setattr(pagecache, "MIN_CONVERT", 1)
    report = build_quietly(shared)
    assert report.rendered_in_workers == report.rendered_pages - 4  # all but the nav's four
    # The pages whose body is Markdown (issue pages, home): not those that say `html_body: true`
    # (paper, topic, archive and other-papers pages) nor the nav's four.
    markdown = [
        doc
        for doc in shared.docs_dir.rglob("*.md")
        if "\nhtml_body: true\n" not in doc.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    ]
    assert 0 < report.converted_in_workers <= len(markdown) - 4
    assert tree(shared.site_dir) == tree(alone.site_dir)

    # The page cache holds the same pages (keys differ: they hash each project's folders).
    def kept(settings: Settings) -> tuple[list[str], list[str], dict[str, bytes]]:
        folder = settings.cache_dir / PAGES_SUBDIR
        store = PageStore(folder)
        entries = store.entries()
        pages = sorted(store.html(entries).values())
        shared = tree(folder / FILES_SUBDIR)  # the icons and head scripts pages refer to
        return pages, sorted(entry.to_json() for entry in entries.values()), shared

    assert kept(shared) == kept(alone)
    # The next build takes every page outside the navigation from the cache workers filled.
    assert build_quietly(shared, force=True).reused_pages == report.rendered_pages - 4


def test_a_warning_in_a_worker_fails_the_build_as_without_workers(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose Markdown links to no file warns in the worker that converts it: that
    worker's share is converted again in the build's process, where strict mode fails."""
    if parallel.workers() < 2:
        pytest.skip("one core: the build converts every page itself")
    settings = project(make_project, sorted(DIGESTS))
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setattr(pagecache, "MIN_CONVERT", 1)
    assert build_quietly(settings).converted_in_workers > 0
    before = tree(settings.site_dir)
    (settings.docs_dir / "broken.md").write_text("# Broken\n\n[gone](missing.md)\n")
    with pytest.raises(BuildError) as raised:
        build_quietly(settings)
    assert "missing.md" in str(raised.value)
    assert tree(settings.site_dir) == before


def test_a_paper_page_a_worker_cannot_render_stops_the_build_by_name(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paper pages are rendered from their template by workers; a worker's error is raised
    again by the build's own process, naming the page, and the site stays as it was."""
    if parallel.workers() < 2:
        pytest.skip("one core: the build renders every page itself")
    settings = project(make_project, sorted(DIGESTS))
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    build_quietly(settings)
    before = tree(settings.site_dir)
    template = settings.templates_dir / "pages" / "paper.md.j2"
    template.write_text(template.read_text().replace("html_body: true", "html_body: [true"))
    with pytest.raises(BuildError, match=r"papers/.*\.md: its front matter does not parse"):
        build_quietly(settings)
    assert tree(settings.site_dir) == before


def test_shrinking_moves_only_the_heads_inline_scripts_into_files() -> None:
    html = (
        "<html><head><script>var a=1</script>"
        '<script id="__config" type="application/json">{}</script></head>'
        "<body><script>var b=2</script></body></html>"
    )
    shrunk, files = shrink_page(html, "papers/x/")
    name = "assets/javascripts/head/" + hashlib.sha256(b"var a=1").hexdigest()[:10] + ".js"
    assert files == {name: "var a=1\n"}
    moved = f'<script src="../../{name}"></script>'
    assert shrunk == html.replace("<script>var a=1</script>", moved)


def test_the_page_store_keeps_only_the_pages_used_and_gives_back_free_space(
    tmp_path: Path,
) -> None:
    store = PageStore(tmp_path)
    entry = Entry({"a.md": ["a/", "included"]}, ["top"], ["assets/x.svg"])
    noise = [  # pages that compress little: hex digits
        "".join(hashlib.sha256(f"{n}.{k}".encode()).hexdigest() for k in range(100))
        for n in range(200)
    ]
    store.save({f"old{n}": (text, entry) for n, text in enumerate(noise)}, [])
    assert len(store.entries()) == 200
    size = store.path.stat().st_size
    # The next build keeps old0 and makes 10 new pages: 199 pages go, and their space with them.
    store.save({f"new{n}": (f"<p>{n}</p>", entry) for n in range(10)}, ["old0"])
    entries = store.entries()
    assert sorted(entries) == sorted(["old0", *(f"new{n}" for n in range(10))])
    assert entries["new3"] == entry
    assert store.html(["new3", "old0", "gone"]) == {"new3": "<p>3</p>", "old0": noise[0]}
    assert store.path.stat().st_size < size / 4
