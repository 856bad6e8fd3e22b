"""A sitemap past the protocol's 50,000 URLs becomes parts and a sitemap index."""

from __future__ import annotations

import math

import pytest
from lxml import etree

from generator.build import build
from generator.site import material
from tests.conftest import MakeProject
from tests.stand_in import StandInEmbedder

NS = {"s": material.SITEMAP_NS}


def test_a_long_sitemap_is_split_into_parts_listed_by_an_index(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    whole = etree.parse(str(settings.site_dir / "sitemap.xml"))
    urls = whole.xpath("//s:url/s:loc/text()", namespaces=NS)
    assert len(urls) > 7
    assert material.split_sitemap(settings.site_dir, settings.site_url, len(urls)) == 0

    monkeypatch.setattr(material, "SITEMAP_URLS", 7)
    build(settings, embedder=StandInEmbedder(), force=True)
    index = etree.parse(str(settings.site_dir / "sitemap.xml")).getroot()
    assert index.tag == f"{{{material.SITEMAP_NS}}}sitemapindex"
    parts = index.xpath("s:sitemap/s:loc/text()", namespaces=NS)
    assert len(parts) == math.ceil(len(urls) / 7)
    listed = []
    for number, loc in enumerate(parts, start=1):
        assert loc == f"{settings.site_url}sitemap-{number}.xml"
        part = etree.parse(str(settings.site_dir / f"sitemap-{number}.xml")).getroot()
        assert part.tag == f"{{{material.SITEMAP_NS}}}urlset"
        found = part.xpath("s:url/s:loc/text()", namespaces=NS)
        assert 0 < len(found) <= 7
        listed += found
    assert listed == urls  # every URL once, in MkDocs' order
    assert index.xpath("s:sitemap/s:lastmod/text()", namespaces=NS)
