"""The site past MkDocs: the real `zensical build` on the pages `paper-digest build` generated.

Zensical (same team as Material for MkDocs) builds an existing mkdocs.yml and docs/ but runs
no MkDocs plugin, and empties its site folder first. So it builds into a folder of its own
(a settings file that inherits mkdocs.yml and sets `site_dir`), and the files `paper-digest
build` writes beside the pages (feeds, api/, pagefind/, redirects) are copied in after it,
without replacing any file Zensical wrote (README, "Building with Zensical"). The test runs
exactly that and checks every page of the MkDocs site is there, the feeds and the search index
are there, and our theme overrides rendered (no Jinja method Zensical's engine lacks).

What differs, and is checked to differ exactly so: Zensical reads a relative link in a page's
raw HTML as relative to the page's Markdown file, MkDocs leaves it as written (relative to the
page's URL). The generated pages write their links in raw HTML, for the URL: on a page whose
file is `issues/x.md` (URL `issues/x/`) Zensical adds one `../` too many. On the pages whose
file is an `index.md` (the home page, the archive, the topics) the two agree, and every link,
script and style there leads to a file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import lxml.html

from generator.build import build
from tests.conftest import FIXTURES, MakeProject, serving
from tests.site_checks import broken_internal_links
from tests.stand_in import StandInEmbedder

LINKING = ("a", "link", "script", "img")
# The pages whose Markdown file is an index.md: their folder is their URL's.
INDEX_PAGES = {"index.html", "issues/index.html", "topics/index.html", "404.html"}
ZENSICAL_SETTINGS = "INHERIT: mkdocs.yml\nsite_dir: site-zensical\n"


def zensical_site(root: Path) -> Path:
    """Build the project at `root` with `zensical build` into site-zensical/, add the files
    `paper-digest build` wrote beside the pages (Zensical's own files stay); return it."""
    (root / "zensical.yml").write_text(ZENSICAL_SETTINGS)
    done = subprocess.run(
        [sys.executable, "-m", "zensical", "build", "--strict", "-f", "zensical.yml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    site = root / "site-zensical"
    shutil.copytree(root / "site", site, dirs_exist_ok=True, copy_function=_copy_new)
    return site


def _copy_new(source: str, target: str) -> None:
    if not Path(target).exists():
        shutil.copy2(source, target)


def pages(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("index.html")}


def test_zensical_builds_the_generated_docs_into_a_working_site(
    make_project: MakeProject, browser: Any
) -> None:
    settings = make_project(source=FIXTURES / "digests" / "themed")
    build(settings, embedder=StandInEmbedder())
    site = zensical_site(settings.root)

    assert pages(site) == pages(settings.site_dir)  # every page, redirects included
    assert any(name.startswith("papers/") for name in pages(site))
    missing = broken_internal_links(site, LINKING)
    on_index_pages = [link for link in missing if link.split(" -> ")[0] in INDEX_PAGES]
    assert on_index_pages == []
    assert missing, "Zensical rewrites raw HTML links: if this passes, it no longer does"
    for link in missing:  # each one is a link read from the Markdown file's folder
        page, href = link.split(" -> ")
        assert href.startswith("../"), link
        target = (site / page).parent / href.removeprefix("../").split("#")[0]
        assert (target / "index.html").is_file() or target.is_file(), link
    for feed in ["feed.xml", "atom.xml"]:
        parsed = feedparser.parse((site / feed).read_bytes())
        assert not parsed.bozo and parsed.entries, feed
    topic_feeds = sorted(site.glob("topics/*/feed.xml"))
    assert topic_feeds, "the themed digests make topics, each with its feeds"
    assert (site / "api" / "catalog.json").is_file()
    assert (site / "pagefind" / "pagefind-entry.json").is_file()
    # Zensical's own search index is there too; the header's search is ours (Pagefind).
    assert (site / "search.json").is_file()

    # The overrides rendered under Zensical as under MkDocs: a paper page is an article, with
    # the newsletter's feeds in its head and the search dialog Pagefind's script builds.
    paper = next(iter(sorted(site.glob("papers/*/index.html"))))
    tree = lxml.html.fromstring(paper.read_bytes())
    assert tree.xpath('//meta[@property="og:type"]/@content') == ["article"]
    feeds = tree.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href')
    assert feeds == [settings.site_url + "feed.xml"]
    assert tree.xpath("//div[@data-pd-search]/@data-pd-root") == ["../../"]
    home = lxml.html.fromstring((site / "index.html").read_bytes())
    assert home.xpath('//meta[@property="og:type"]/@content') == ["website"]
    # Zensical's 404 page has no URL: the override reads none and the page is whole.
    missing = lxml.html.fromstring((site / "404.html").read_bytes())
    assert missing.xpath('//meta[@property="og:type"]/@content') == ["website"]

    # In Chromium, the header's search (Pagefind's index, copied) answers on Zensical's pages
    # as on MkDocs', and neither site's home page reports a script error.
    found = {}
    errors: list[str] = []
    for folder in (settings.site_dir, site):
        with serving(folder) as base:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base)
            page.keyboard.press("/")
            page.locator("input.md-search__input").press_sequentially("reward")
            page.wait_for_function(
                "() => document.querySelector('[data-pd-search-results]')?.dataset.pdQuery"
                " === 'reward'"
            )
            page.wait_for_load_state("networkidle")
            found[folder.name] = page.locator(".pd-search-result__title").all_inner_texts()
            page.close()
    assert errors == []
    assert found[site.name] == found[settings.site_dir.name] != []
