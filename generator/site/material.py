"""Workarounds for how Material for MkDocs treats files we add beside the pages."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files

EMPTY_SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
)


def alternate_sitemaps(feeds: dict[str, bytes]) -> dict[str, bytes]:
    """Return an empty sitemap.xml for every folder of feeds below the site root.

    Material fetches "sitemap.xml" beside every <link rel="alternate"> of a page (it takes
    them for language versions), so a topic page's feed links would cost each reader a 404
    and a console error; an empty sitemap there answers instead.
    """
    folders = {path.rsplit("/", 1)[0] for path in feeds if "/" in path}
    return {f"{folder}/sitemap.xml": EMPTY_SITEMAP for folder in sorted(folders)}


# Theme files that nothing loads: Material's search worker and its lunr languages (the site
# searches with Pagefind) and the source maps of Material's scripts and styles.
UNUSED_THEME_FILES = re.compile(r"assets/javascripts/(lunr|workers)/.*|assets/.*\.map")


class UnusedThemeFiles(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """A MkDocs plugin that leaves out the theme files no page loads, and the gzipped sitemap."""

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        docs = Path(config.docs_dir).resolve()
        for file in list(files):
            from_docs = file.abs_src_path is not None and Path(file.abs_src_path).is_relative_to(
                docs
            )
            if not from_docs and UNUSED_THEME_FILES.fullmatch(file.src_uri):
                files.remove(file)
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # MkDocs writes sitemap.xml and a gzipped copy; crawlers read the plain one.
        (Path(config.site_dir) / "sitemap.xml.gz").unlink(missing_ok=True)
