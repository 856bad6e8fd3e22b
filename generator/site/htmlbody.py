"""Pages whose body is HTML already: rendered without Markdown, to the same HTML.

A page whose front matter says `html_body: true` (a paper page: templates/pages/paper.md.j2)
is one block of HTML, which Markdown gives back unchanged, trimmed: a raw HTML block is passed
through, its headings are in no table of contents, and no title is taken from it. Running it
through Markdown anyway, and through MkDocs' second parse of raw HTML for anchors, is most of
what MkDocs spends on such a page. The page cache plugin (`pagecache.py`) renders pages with
`HtmlBodyPage`; tests/test_hostile.py renders every hostile paper page both ways and compares.
"""

from __future__ import annotations

import lxml.html
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

# What a page's front matter says when its body is HTML that Markdown would give back as it is.
HTML_BODY = "html_body"


class HtmlBodyPage(Page):
    """A page to render; when its front matter says `html_body: true`, without Markdown.

    `cached_html` is its HTML when a worker rendered it already (`parallel.py`).
    """

    cached_html: str | None = None

    def render(self, config: MkDocsConfig, files: Files) -> None:
        if self.meta.get(HTML_BODY) is not True:
            super().render(config, files)
            return
        self.content = (self.markdown or "").strip()
        self.toc = get_toc([])
        self._title_from_render = None
        self.present_anchor_ids = html_anchors(self.content)
        self.links_to_anchors = {}


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
