"""Hostile text from the web, as titles and abstracts, checked in every output.

One table of inputs; one build holding them all; then every page, the search index, every feed,
catalog.json and each issue's email (HTML and text) is read back and searched for live script,
live links, event handlers, injected elements and control characters. In Chromium, no hostile
page opens a dialog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html
import pytest

from generator.build import SilentProgress, annotate, build, read_catalog
from generator.config import Settings, load_settings
from generator.errors import BuildError
from generator.mail.outbox import build_emails
from generator.site.export import read_export
from generator.site.pages import check_front_matter
from tests.conftest import (
    served_project,
    serving,
    write_digests,
)
from tests.site_checks import (
    event_handlers,
    html_pages,
    script_signature,
    script_urls,
    search_fragments,
    without_katex,
)
from tests.stand_in import StandInEmbedder

HOSTILE = [
    "T \x80 [x](javascript:alert(1))",
    "![x](https://invalid.invalid/a.png){: onerror=alert(1) }",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\x7f DEL [y](javascript:alert(2))",
    "\ufffe\uffff noncharacters <b>bold</b>",
    "\x1b[31m ESC and BEL \x07 and C1 \x9b",
    '"quotes" \\ backslash --- {{ jinja }} {% raw %}',
    "javascript:alert(3)",
    '<a href="javascript:alert(4)">x</a>',
    "$\\href{javascript:alert(5)}{x}$",
    "]]> CDATA end & <![CDATA[x]]>",
    "line\u2028separator and next\u0085line",
    '<iframe src="https://invalid.invalid/"></iframe>',
    "<svg onload=alert(6)>",
    "[relative](../../etc/passwd) and [mail](mailto:x@example.org)",
    "C1 \x85\x80 then a relative link [notes](other.md) that strict MkDocs would check",
]
# Characters no output may hold: C0 controls but tab/LF/CR, DEL, C1 controls, noncharacters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Elements digest text must never become (pages' own scripts are compared with a clean page's).
# A topic page's chart is the build's own SVG: bars and their titles, nothing else.
LIVE_TAGS = (
    "//iframe | //object | //embed"
    " | //*[contains(@class, 'pd-')]//svg[not(parent::figure[@class='pd-growth'])]"
    " | //figure[@class='pd-growth']//svg//*[not(self::rect or self::title)]"
)


def digest() -> str:
    """Return one digest listing a paper per hostile input, as title and in its abstract."""
    words = " ".join(f"word{n}" for n in range(40))
    blocks = [
        f"Hostile {n}: {text}\nWe study {text} in depth here. {words}.\n"
        for n, text in enumerate(HOSTILE)
    ]
    return "Mar 11, 2025\n" + "\n".join(blocks)


# The same attacks through the address and name fields of the structured formats: links that
# are not http(s), quotes that would end an attribute, markup as author names and keywords.
ATTACK = "<img src=x onerror=alert(7)>"
STRUCTURED = {
    "02-hostile.json": json.dumps(
        [
            {
                "paper": {
                    "id": '2501.00001"><script>alert(8)</script>',
                    "authors": [{"name": ATTACK, "hidden": False}],
                    "submittedOnDailyAt": "2025-03-12T00:00:00.000Z",
                    "githubRepo": "javascript:alert(9)",
                    "projectPage": "data:text/html,<script>alert(10)</script>",
                    "ai_keywords": ["<script>alert(11)</script>"],
                },
                "title": "Hostile JSON: links that are not links",
                "summary": "We study address fields that carry script. " * 4,
            }
        ]
    ),
    "03-hostile.bib": (
        "@article{h1,\n  title = {Hostile BibTeX: a javascript url},\n"
        "  author = {<svg onload=alert(12)> and Doe, Jane},\n  url = {javascript:alert(13)},\n"
        "  abstract = {We study what a reference manager may export. We study it twice.},\n"
        "  file = {/home/editor/secret/paper.pdf}\n}\n"
    ),
    "04-hostile.csv": (
        "title,abstract,url,code\n"
        '"Hostile CSV: attribute breaking","We study quotes in address cells. We do.",'
        'javascript:alert(14),"https://github.com/x"" onmouseover=""alert(15)"\n'
    ),
    "05-hostile.md": (
        "## [Hostile Markdown: a script link](javascript:alert(16))\n\n"
        "Code: javascript:alert(17)\n\nWe study links written by hand in Markdown. Twice.\n"
    ),
    "06-hostile.xml": (
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>x</title><pubDate>Wed, 12 Mar 2025 00:00:00 -0400</pubDate><item>"
        "<title>Hostile feed: a script link</title><link>javascript:alert(18)</link>"
        "<description>We study feeds whose links carry script. We do.</description>"
        "<dc:creator>&lt;img src=x onerror=alert(19)&gt;, Jane Doe</dc:creator></item>"
        "</channel></rss>"
    ),
    "07-hostile.ris": (
        "TY  - JOUR\nTI  - Hostile RIS: <script>alert(20)</script>\n"
        f"AU  - {ATTACK}\nAB  - We study what a RIS export may carry. We do.\n"
        "UR  - javascript:alert(21)\nL1  - file:///home/editor/secret.pdf\nER  - \n"
    ),
    "08-hostile.eml": (
        "From: no-reply@arxiv.org\nSubject: cs daily\nDate: Thu, 13 Mar 2025 20:00:00 -0400\n\n"
        "\\\\\narXiv:2503.00002\nDate: Thu, 13 Mar 2025 10:00:00 GMT   (1kb)\n\n"
        f"Title: Hostile email: <svg onload=alert(22)>\nAuthors: {ATTACK}, Jane Doe\n"
        "Categories: cs.LG\n\\\\\n"
        "  We study what arXiv's email may carry [x](javascript:alert(23)).\n"
        "\\\\ ( javascript:alert(24) ,  1kb)\n"
    ),
    "09-hostile-list.json": json.dumps(
        {
            "papers": [
                {
                    "paper_title": "Hostile JSON list: <iframe src=x></iframe>",
                    "tldr": "We study keys named freely. <script>alert(25)</script>",
                    "authors": [{"name": ATTACK}],
                    "link": "javascript:alert(26)",
                    "pdf": 'https://example.org/a.pdf" onmouseover="alert(27)',
                }
            ]
        }
    ),
    "10-hostile-table.md": (
        "| Title | Summary | Links |\n|---|---|---|\n"
        "| Hostile table: <b onmouseover=alert(28)>x</b> "
        "| We study tables. <script>alert(29)</script> "
        "| [Paper](javascript:alert(30)) |\n"
    ),
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Build a project whose one digest is the hostile table, served at its own site_url."""
    config, _port = served_project(tmp_path_factory.mktemp("hostile"))
    write_digests(config.parent / "digests", {"01-hostile.txt": digest(), **STRUCTURED})
    settings = load_settings(config)
    report = build(settings, embedder=StandInEmbedder())
    assert report.papers == len(HOSTILE) + len(STRUCTURED)
    yield settings


def test_every_hostile_input_becomes_a_paper(hostile_site: Settings) -> None:
    catalog, result = read_catalog(hostile_site)
    assert result.errors == ()
    assert len(catalog.papers) == len(HOSTILE) + len(STRUCTURED)
    for paper in catalog.papers:
        assert not CONTROL.search(paper.title + paper.abstract), paper.title
        # Only plain http(s) addresses became links; no arXiv id was made of the injection.
        for link in paper.links:
            assert re.fullmatch(r"https?://[^\s\"'<>]+", link.url), link
        assert paper.arxiv_id is None or re.fullmatch(r"\d{4}\.\d{4,5}", paper.arxiv_id)
    names = {name for paper in catalog.papers for name in paper.authors}
    assert {ATTACK, "<svg onload=alert(12)>", "Jane Doe"} <= names  # kept, as text


def test_links_out_are_http_and_local_paths_never_published(hostile_site: Settings) -> None:
    site = hostile_site.site_dir
    for page, tree in html_pages(site):
        for href in tree.xpath("//a[contains(@class, 'pd-link')]/@href"):
            assert href.startswith(("https://", "http://")), (page, href)
            assert '"' not in href and "<" not in href, (page, href)
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json"}:
            assert "/home/editor/secret" not in path.read_text("utf-8", errors="replace"), path


def test_pages_hold_no_live_script_links_or_control_characters(hostile_site: Settings) -> None:
    site = hostile_site.site_dir
    about = lxml.html.fromstring((site / "about/index.html").read_bytes())
    reference = without_katex(script_signature(site / "about/index.html", site, about))
    for page, tree in html_pages(site):
        assert without_katex(script_signature(page, site, tree)) == reference, page
        assert event_handlers(tree) == [], page
        assert script_urls(tree) == [], page
        assert tree.xpath(LIVE_TAGS) == [], page
        assert not tree.xpath("//img[contains(@src, 'invalid')] | //img[@src='x']"), page
        assert not tree.xpath("//a[contains(@href, '/etc/passwd')]"), page
        assert not CONTROL.search(page.read_text("utf-8")), page


def test_search_index_and_catalog_are_inert_text(hostile_site: Settings) -> None:
    site = hostile_site.site_dir
    # The search index is text that the search dialog shows through textContent: the hostile
    # titles are there as typed, as text; no control character reaches it.
    fragments = search_fragments(site)
    titles = {fragment["meta"]["title"] for fragment in fragments}
    assert "Hostile 3: <img src=x onerror=alert(1)>" in titles
    for fragment in fragments:
        assert not CONTROL.search(json.dumps(fragment, ensure_ascii=False)), fragment["url"]
    for path in sorted((site / "api").rglob("*.json")):  # the index and each issue's file
        assert not CONTROL.search(path.read_text("utf-8")), path
    titles = {paper["title"] for paper in read_export(site / "api")["papers"]}
    assert "Hostile 2: <script>alert(1)</script>" in titles


def test_feeds_parse_and_their_html_is_inert(hostile_site: Settings) -> None:
    feeds = sorted(hostile_site.site_dir.rglob("*.xml"))
    assert any(path.name == "atom.xml" for path in feeds)
    for path in feeds:
        data = path.read_bytes()
        root = lxml.etree.fromstring(data, lxml.etree.XMLParser(recover=False))
        assert not CONTROL.search(data.decode("utf-8")), path
        for content in root.iter("{*}content", "description"):
            if not (content.text or "").strip():
                continue
            fragment = lxml.html.fragment_fromstring(content.text, create_parent="div")
            assert event_handlers(fragment) == [] and script_urls(fragment) == [], path
            assert fragment.xpath(".//iframe | .//object | .//embed | .//svg | .//script") == [], (
                path
            )
            assert not fragment.xpath(".//img"), path


def test_email_html_and_text_are_inert(hostile_site: Settings) -> None:
    catalog, _ = read_catalog(hostile_site)
    catalog, _ = annotate(catalog, hostile_site, SilentProgress(), StandInEmbedder())
    emails = build_emails(catalog, hostile_site)
    for email in emails.emails:
        tree = lxml.html.fromstring(email.html)
        assert event_handlers(tree) == [] and script_urls(tree) == []
        assert tree.xpath(LIVE_TAGS + " | //script") == [] and not tree.xpath("//img")
        assert not CONTROL.search(email.html) and not CONTROL.search(email.text)
        assert "\x1b" not in email.text


def test_a_page_whose_front_matter_does_not_parse_stops_the_build() -> None:
    check_front_matter("papers/fine.md", '---\ntitle: "Fine \\x80"\n---\n\n<p>x</p>\n')
    with pytest.raises(BuildError, match=r"papers/bad\.md: its front matter does not parse"):
        check_front_matter("papers/bad.md", "---\ntitle: T \x80 [x](javascript:alert(1))\n---\n")
    with pytest.raises(BuildError, match=r"papers/list\.md"):
        check_front_matter("papers/list.md", "---\n- a list\n---\n")


@pytest.mark.browser
def test_no_hostile_page_opens_a_dialog(hostile_site: Settings, browser: Any) -> None:
    port = int(hostile_site.site_url.rsplit(":", 1)[1].strip("/"))
    papers = sorted(f"papers/{p.name}/" for p in (hostile_site.site_dir / "papers").iterdir())
    pages = ["", "issues/01-hostile/", "topics/", *papers]
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{page.url}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with serving(hostile_site.site_dir, port) as base:
        for path in pages:
            page.goto(base + path, wait_until="load")
            for link in page.locator("article a").all()[:5]:
                link.hover()
    context.close()
    assert dialogs == []
    assert not [url for url in requests if "invalid.invalid" in url or url.startswith("javascript")]


def test_html_body_pages_are_what_markdown_makes_of_them(hostile_site: Settings) -> None:
    """A paper page skips Markdown (htmlbody.HtmlBodyPage): Markdown would give the same.

    Every paper page of the hostile site is rendered both ways, with MkDocs' own settings and
    files: the same HTML, the same anchors, no table of contents.
    """
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page

    from generator.site.htmlbody import HTML_BODY, HtmlBodyPage

    config = load_config(str(hostile_site.config_file), site_dir=str(hostile_site.site_dir))
    files = get_files(config)
    papers = [f for f in files.documentation_pages() if f.src_uri.startswith("papers/")]
    assert len(papers) == len(HOSTILE) + len(STRUCTURED)
    for file in papers:
        by_markdown = Page(None, file, config)
        by_markdown.read_source(config)
        assert by_markdown.meta.get(HTML_BODY) is True, file.src_uri
        by_markdown.render(config, files)
        direct = HtmlBodyPage(None, file, config)
        direct.read_source(config)
        direct.render(config, files)
        assert direct.content == by_markdown.content, file.src_uri
        assert direct.present_anchor_ids == by_markdown.present_anchor_ids, file.src_uri
        assert list(direct.toc) == list(by_markdown.toc) == [], file.src_uri
