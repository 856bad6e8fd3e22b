"""Building the real site: MkDocs strict, untrusted text inert, atomic swap, determinism."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import build
from generator.catalog import paper_id, paper_slug
from generator.config import Settings
from generator.errors import BuildError
from tests.conftest import REPO, SMALL_DIGESTS, MakeProject, write_digests
from tests.site_checks import (
    KATEX,
    broken_internal_links,
    event_handlers,
    html_pages,
    script_signature,
    script_urls,
    search_fragments,
    tree_digest,
    without_katex,
)
from tests.stand_in import StandInEmbedder

XSS_TITLE = "<script>alert(1)</script>"


def slug_of(title: str) -> str:
    return paper_slug(title, paper_id(title))


@pytest.fixture
def built(make_project: MakeProject) -> Settings:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    return settings


def test_site_has_every_page_and_links_that_resolve(built: Settings) -> None:
    site = built.site_dir
    for page in ("index.html", "issues/index.html", "about/index.html", "404.html"):
        assert (site / page).is_file(), page
    assert sorted(p.name for p in (site / "issues").iterdir() if p.is_dir()) == [
        "01-first",
        "02-second",
        "03-third",
    ]
    assert len(list((site / "papers").iterdir())) == 5
    assert (site / "assets/vendor/katex/katex.min.js").is_file()
    assert (site / "pagefind/pagefind-entry.json").is_file()
    assert not (site / "search").exists()  # one search: Material's plugin is off
    assert broken_internal_links(site) == []


def test_navigation_does_not_carry_every_paper(built: Settings) -> None:
    page = built.site_dir / "papers" / slug_of("Attention Is All You Need") / "index.html"
    tree = next(t for p, t in html_pages(built.site_dir) if p == page)
    nav_links = tree.xpath("//nav[contains(@class, 'md-nav--primary')]//a")
    assert len(nav_links) < 10
    assert not any("papers/" in (a.get("href") or "") for a in nav_links)


def test_pages_show_issue_and_paper_content(built: Settings) -> None:
    home = (built.site_dir / "index.html").read_text()
    assert "Latest: <a" in home and "Issue three: &lt;untrusted&gt; &amp; friends" in home
    page = html_pages_one(
        built.site_dir, f"papers/{slug_of('Scaling Laws for Neural Language Models')}"
    )
    issues = page.xpath("//article/p[@class='pd-meta']/a/@href")
    assert [href for href in issues if href.startswith("../../issues/0")] == [
        "../../issues/01-first/",
        "../../issues/02-second/",
    ]  # listed under both issues, on the date line
    tutorial = built.site_dir / "papers" / slug_of("A Tutorial on Bayesian Optimization")
    # Math is wrapped for KaTeX, its TeX escaped; the bundled KaTeX typesets it in the browser.
    assert '<span class="arithmatex">\\(d = 20\\)</span>' in (tutorial / "index.html").read_text()
    # An undated issue says nothing rather than "Undated" beside every paper and issue.
    for page_path in ("index.html", "issues/index.html", "issues/02-second/index.html"):
        assert "Undated" not in (built.site_dir / page_path).read_text(), page_path


def test_untrusted_text_never_becomes_markup(built: Settings) -> None:
    site = built.site_dir
    about = html_pages_one(site, "about")
    reference = without_katex(script_signature(site / "about/index.html", site, about))
    for page, tree in html_pages(site):
        assert without_katex(script_signature(page, site, tree)) == reference, page
        assert event_handlers(tree) == [], page
        assert script_urls(tree) == [], page
        assert not tree.xpath("//img[@src='x']"), page
    xss = html_pages_one(site, f"papers/{slug_of(XSS_TITLE)}")
    assert xss.xpath("string(//article//h1)") == XSS_TITLE
    abstract = xss.xpath("string(//div[@class='pd-abstract'])")
    assert "[a link](javascript:alert(1))" in abstract
    assert "<img src=x onerror=alert(1)>" in abstract
    assert "**bold**" in abstract and '{: onclick="alert(1)" }' in abstract
    assert "&lt;tag&gt;" in abstract  # an escaped entity in a digest stays as typed
    assert xss.xpath("string(//title)").startswith(XSS_TITLE)
    # The search index holds text, shown through textContent: the title as typed, and nothing
    # in the abstract's fragment text that could be read as markup.
    fragments = search_fragments(site)
    assert XSS_TITLE in {fragment["meta"]["title"] for fragment in fragments}


def test_katex_loads_only_on_pages_with_math(built: Settings) -> None:
    site = built.site_dir
    with_math = set()
    for page, tree in html_pages(site):
        has_math = bool(tree.xpath("//span[@class='arithmatex']"))
        scripts = script_signature(page, site, tree)
        assert all((name in scripts) == has_math for name in KATEX), page
        assert bool(tree.xpath("//link[contains(@href, 'katex.min.css')]")) == has_math, page
        if has_math:
            with_math.add(page.relative_to(site).as_posix())
    tutorial = f"papers/{slug_of('A Tutorial on Bayesian Optimization')}/index.html"
    assert tutorial in with_math and "about/index.html" in with_math
    assert "issues/index.html" not in with_math


def html_pages_one(site: Path, page: str):  # type: ignore[no-untyped-def]
    import lxml.html

    return lxml.html.fromstring((site / page / "index.html").read_bytes())


def test_failed_build_leaves_previous_site_intact(built: Settings) -> None:
    before = tree_digest(built.site_dir)
    (built.docs_dir / "broken.md").write_text("# Broken\n\n[gone](missing.md)\n")
    write_digests(built.digests_dir, {"04-new.txt": "A Fresh Title\n" + "We show things. " * 20})
    with pytest.raises(BuildError) as raised:
        build(built, embedder=StandInEmbedder())
    assert "missing.md" in str(raised.value)
    assert tree_digest(built.site_dir) == before
    beside = sorted(p.name for p in built.site_dir.parent.iterdir() if p.name.startswith(".site"))
    assert beside == [".site.lock"]  # no staging folder left, only the builds' lock


def _build_in_subprocess(settings: Settings, faketime: str | None) -> None:
    command = [
        sys.executable,
        "-m",
        "generator.cli",
        "-f",
        str(settings.config_file),
        "build",
        "-q",
    ]
    if faketime:
        command = [shutil.which("faketime") or "faketime", faketime, *command]
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    subprocess.run(command, check=True, cwd=REPO, env=env, capture_output=True)


def test_same_digests_in_another_order_and_clock_give_identical_output(
    make_project: MakeProject,
) -> None:
    first = make_project()
    second = make_project(source=None)
    # The same digests, written in reverse order (so directory listings differ).
    for path in sorted(SMALL_DIGESTS.iterdir(), reverse=True):
        shutil.copy(path, second.digests_dir / path.name)
    _build_in_subprocess(first, faketime=None)
    _build_in_subprocess(second, faketime="2031-07-04 13:37:00")
    for part in ("index.md", "issues", "papers"):
        a, b = first.docs_dir / part, second.docs_dir / part
        assert (
            (tree_digest(a) == tree_digest(b)) if a.is_dir() else a.read_bytes() == b.read_bytes()
        )
    assert tree_digest(first.site_dir) == tree_digest(second.site_dir)
