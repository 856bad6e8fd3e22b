"""Workarounds for how Material for MkDocs treats files we add beside the pages."""

from __future__ import annotations

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
