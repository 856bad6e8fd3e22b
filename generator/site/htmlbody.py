"""Pages whose body is HTML already: rendered without Markdown, to the same HTML.

A page whose front matter says `html_body: true` (a paper page: templates/pages/paper.md.j2)
is one block of HTML, which Markdown gives back unchanged, trimmed: a raw HTML block is passed
through, its headings are in no table of contents, and no title is taken from it. Running it
through Markdown anyway, and through MkDocs' second parse of raw HTML for anchors, is most of
what MkDocs spends on such a page. The page cache plugin (`pagecache.py`) renders pages with
`HtmlBodyPage`; tests/test_hostile.py renders every hostile paper page both ways and compares.

Other pages it renders may have had their Markdown converted by a worker process already
(`parallel.py`): then `render` takes what the worker sent back (`Converted`).
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents, get_toc

# What a page's front matter says when its body is HTML that Markdown would give back as it is.
HTML_BODY = "html_body"


@dataclass(frozen=True)
class Converted:
    """What MkDocs' `Page.render` made of a page's Markdown, as a worker sends it back."""

    content: str
    toc: TableOfContents
    title: str | None  # the page's title, once rendered (its first heading's, if any)
    anchors: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None  # by the linked file's src_uri
    lookups: list[str]  # the paths the page looked up among the files, in order

    @classmethod
    def of(cls, page: Page, lookups: list[str]) -> Converted:
        """Return what `page`, just rendered, holds."""
        links = page.links_to_anchors
        return cls(
            page.content or "",
            page.toc,
            page.title,
            set(page.present_anchor_ids or ()),
            None if links is None else {file.src_uri: dict(to) for file, to in links.items()},
            lookups,
        )


class HtmlBodyPage(Page):
    """A page to render; when its front matter says `html_body: true`, without Markdown.

    `converted` is what a worker made of its Markdown, `cached_html` its HTML when a worker
    rendered it already (`parallel.py`).
    """

    converted: Converted | None = None
    cached_html: str | None = None

    def render(self, config: MkDocsConfig, files: Files) -> None:
        if self.meta.get(HTML_BODY) is not True:
            if self.converted is None:
                super().render(config, files)
            else:
                self._take(self.converted, files)
            return
        self.content = (self.markdown or "").strip()
        self.toc = get_toc([])
        self.present_anchor_ids = html_anchors(self.content)
        self.links_to_anchors = {}

    def _take(self, done: Converted, files: Files) -> None:
        """Hold what a worker rendered, as `Page.render` would have left it."""
        for path in done.lookups:  # as the Markdown's links did: a recording Files notes them
            files.get_file_from_path(path)
        self.content, self.toc = done.content, done.toc
        self.title = done.title  # MkDocs lets a plugin set a page's title (weak_property)
        self.present_anchor_ids = set(done.anchors)
        if done.links_to_anchors is not None:
            self.links_to_anchors = {
                files.src_uris[uri]: dict(to) for uri, to in done.links_to_anchors.items()
            }


def says_html_body(source: bytes) -> bool:
    """Tell from a page's bytes, without parsing its front matter, whether that says
    `html_body: true` (a page misread here is only converted elsewhere: `render` reads the
    front matter itself)."""
    if not source.startswith(b"---"):
        return False
    front, _, _ = source.partition(b"\n---")
    return f"\n{HTML_BODY}: true".encode() in front


def html_anchors(html: str) -> set[str]:
    """Return the anchors an HTML fragment holds, as MkDocs finds them: ids, and names of <a>."""
    if not html.strip():
        return set()
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found = set()
    for element in root.iter():
        if not isinstance(element.tag, str):  # a comment or processing instruction
            continue
        if "id" in element.attrib:
            found.add(element.attrib["id"])
        if element.tag == "a" and "name" in element.attrib:
            found.add(element.attrib["name"])
    return found
