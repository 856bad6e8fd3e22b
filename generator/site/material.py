"""Workarounds for how Material for MkDocs treats files we add beside the pages."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
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
        if config.site_url:
            split_sitemap(Path(config.site_dir), config.site_url, SITEMAP_URLS)


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# What one sitemap may list (sitemaps.org): a year of a busy category has more pages than that.
SITEMAP_URLS = 50_000
# And the bytes of one sitemap at most, so that none is over the 5 MB the build warns about:
# 50,000 URLs of about 130 bytes would make 6.5 MB.
SITEMAP_BYTES = 4 * 2**20


def split_sitemap(site_dir: Path, site_url: str, limit: int = SITEMAP_URLS) -> int:
    """Split a sitemap.xml of more than `limit` URLs (or `SITEMAP_BYTES`) into parts and an index.

    The parts are sitemap-1.xml, sitemap-2.xml... in the order of the URLs; sitemap.xml becomes
    the index that lists them (by absolute URL, as the protocol asks). Return how many parts
    were written: none when the sitemap fits in one.
    """
    path = site_dir / "sitemap.xml"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    tree = etree.parse(str(path), parser)
    urls = tree.getroot().findall(f"{{{SITEMAP_NS}}}url")
    longest = max((len(etree.tostring(url)) for url in urls), default=0)
    limit = max(1, min(limit, SITEMAP_BYTES // (longest + 1)))
    if len(urls) <= limit:
        # Written again without MkDocs' indentation: 40 % of its bytes, read by no one.
        path.write_bytes(_xml(tree.getroot()))
        return 0
    index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    parts = [urls[start : start + limit] for start in range(0, len(urls), limit)]
    for number, part in enumerate(parts, start=1):
        urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
        urlset.extend(part)
        name = f"sitemap-{number}.xml"
        (site_dir / name).write_bytes(_xml(urlset))
        entry = etree.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = site_url.rstrip("/") + "/" + name
        dates = (url.findtext(f"{{{SITEMAP_NS}}}lastmod") for url in part)
        newest = max((date for date in dates if date), default=None)
        if newest:
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = newest
    path.write_bytes(_xml(index))
    return len(parts)


def _xml(root: etree._Element) -> bytes:
    etree.indent(root, space="")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data + b"\n"
