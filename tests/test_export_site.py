"""A real build's catalog export and sitemap: paged, every paper once, nothing bigger than needed.

The fixture digests list some papers in two issues: their records are in the first issue's file
only, and the later issue lists their ids. The previous site's paged catalog is read back for
the redirects of the next build.
"""

from __future__ import annotations

import json

import pytest
from lxml import etree

from generator.build import build
from generator.site import material
from generator.site.export import read_export
from generator.site.redirects import read_previous
from tests.conftest import FIXTURES, MakeProject
from tests.stand_in import StandInEmbedder

NS = {"s": material.SITEMAP_NS}


def test_a_built_site_pages_its_catalog_and_gives_back_every_paper(
    make_project: MakeProject,
) -> None:
    settings = make_project(source=FIXTURES / "digests" / "themed")
    first = (settings.digests_dir / "2025-03-10-first.md").read_text("utf-8").split("---\n")[2]
    again = "---\ntitle: Again\ndate: 2025-03-20\n---\n" + "\n".join(first.splitlines()[:4])
    (settings.digests_dir / "2025-03-20-again.md").write_text(again + "\n", "utf-8")
    report = build(settings, embedder=StandInEmbedder())
    api = settings.site_dir / "api"
    index = json.loads((api / "catalog.json").read_bytes())
    assert index["version"] == 3 and "papers" not in index
    assert index["paper_count"] == report.papers
    files = sorted((api / "issues").iterdir())
    assert [f"issues/{f.name}" for f in files] == sorted(i["url"] for i in index["issues"])
    records = [p for f in files for p in json.loads(f.read_bytes())["papers"]]
    assert len(records) == len({p["id"] for p in records}) == report.papers  # each paper once
    whole = read_export(api)
    listings = sum(len(issue["paper_ids"]) for issue in whole["issues"])
    assert listings > report.papers  # some papers are listed twice, their records kept once
    for paper in whole["papers"]:
        first = next(i for i in whole["issues"] if paper["id"] in i["paper_ids"])
        assert first["slug"] == paper["issues"][0]
    by_topic = {t["slug"]: t["paper_ids"] for t in whole["topics"]}
    assert by_topic and all(
        len(ids) == t["paper_count"]
        for t, ids in zip(index["topics"], by_topic.values(), strict=True)
    )
    previous = read_previous(settings.site_dir)
    assert previous.topics == by_topic and not previous.problems


def test_the_sitemap_is_written_without_indentation(make_project: MakeProject) -> None:
    settings = make_project()
    report = build(settings, embedder=StandInEmbedder())
    text = (settings.site_dir / "sitemap.xml").read_text("utf-8")
    assert not [line for line in text.splitlines() if line != line.lstrip()]
    root = etree.fromstring(text.encode())
    urls = root.xpath("s:url/s:loc/text()", namespaces=NS)
    papers = [url for url in urls if url.startswith(f"{settings.site_url}papers/")]
    assert len(papers) == len(set(papers)) == report.papers
    assert len(root.xpath("s:url/s:lastmod", namespaces=NS)) == len(urls)


def test_no_sitemap_part_outgrows_its_byte_limit(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a year, 50,000 URLs would make a 6.5 MB sitemap: parts are cut by bytes too."""
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    urls = etree.parse(str(settings.site_dir / "sitemap.xml")).xpath(
        "//s:url/s:loc/text()", namespaces=NS
    )
    monkeypatch.setattr(material, "SITEMAP_BYTES", 1000)
    build(settings, embedder=StandInEmbedder(), force=True)
    index = etree.parse(str(settings.site_dir / "sitemap.xml")).getroot()
    parts = index.xpath("s:sitemap/s:loc/text()", namespaces=NS)
    assert len(parts) > 1
    listed = []
    for number in range(1, len(parts) + 1):
        data = (settings.site_dir / f"sitemap-{number}.xml").read_bytes()
        assert len(data) <= 1000 + 200  # the XML declaration and the urlset element around
        listed += etree.fromstring(data).xpath("s:url/s:loc/text()", namespaces=NS)
    assert listed == urls
