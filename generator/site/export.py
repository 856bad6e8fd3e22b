"""The catalog as JSON for other programs, paged: site/api/catalog.json and api/issues/*.json.

`api/catalog.json` is a small index (the issues with the URL of their file, the topics, the
areas, the moved topics): its size grows with the issues and topics, not with the papers. Each
issue's papers are in `api/issues/<slug>.json`, in the issue's order; an issue of more than
`PAPERS_PER_FILE` papers continues in `<slug>.p2.json`, `<slug>.p3.json`… (each file names the
next), so no file grows past a few MB however big the archive or an issue. A paper listed in
several issues has its record once, in the file of the first (its `issues[0]`); the later
issues list its id. Schema in README.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.model import Catalog, Issue, Paper

# 2: papers carry what their sources know (date, authors, arxiv_id, links, categories, upvotes,
# keywords). 3: paged — an index, and the papers in one file per issue.
SCHEMA_VERSION = 3
INDEX_FILE = "api/catalog.json"
# A paper record is about 800 bytes (at most a few KB with hundreds of authors): 2,000 of them
# make a file of about 1.6 MB.
PAPERS_PER_FILE = 2000


def issue_file(slug: str, part: int = 1) -> str:
    """Return the URL of an issue's file (its `part`-th page), relative to `api/`."""
    return f"issues/{slug}.json" if part == 1 else f"issues/{slug}.p{part}.json"


def catalog_files(catalog: Catalog, moved: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """Return {site path: bytes}: the index and each issue's files, sorted, so the same catalog
    always gives the same bytes."""
    issues = sorted(catalog.issues, key=Issue.order)
    files = {INDEX_FILE: _dump(_index(catalog, issues, moved or {}))}
    # A paper's record is in the file of the first issue that lists it, once in the export.
    first: dict[str, str] = {}
    for issue in issues:
        for pid in issue.paper_ids:
            first.setdefault(pid, issue.slug)
    for issue in issues:
        files.update(_issue_files(catalog, issue, first))
    return files


def _index(catalog: Catalog, issues: list[Issue], moved: Mapping[str, str]) -> dict[str, object]:
    return {
        "version": SCHEMA_VERSION,
        "paper_count": len(catalog.papers),
        "issues": [
            {
                "slug": issue.slug,
                "number": issue.number,
                "title": issue.title,
                "date": issue.date.isoformat() if issue.date else None,
                "paper_count": len(issue.paper_ids),
                "url": issue_file(issue.slug),
            }
            for issue in issues
        ],
        "topics": [
            {
                "slug": topic.slug,
                "label": topic.label,
                "description": topic.description,
                "paper_count": len(topic.paper_ids),
                "related": list(topic.related),
                "area": topic.area,
                "parent": topic.parent or None,
                "children": list(topic.children),
            }
            for topic in sorted(catalog.topics, key=lambda t: t.slug)
        ],
        "areas": [
            {
                "slug": area.slug,
                "label": area.label,
                "description": area.description,
                "topics": list(area.topic_slugs),
            }
            for area in sorted(catalog.areas, key=lambda a: a.slug)
        ],
        # Topic slugs gone since an earlier build, and where their redirect pages lead.
        "moved_topics": dict(sorted(moved.items())),
    }


def _issue_files(catalog: Catalog, issue: Issue, first: Mapping[str, str]) -> dict[str, bytes]:
    """Return the files of one issue: its listing in digest order, `PAPERS_PER_FILE` a file,
    with the records of the papers it lists first (the others are in an earlier issue's file:
    the first of their `issues`)."""
    ids = list(issue.paper_ids)
    parts = max(1, -(-len(ids) // PAPERS_PER_FILE))
    files = {}
    for part in range(1, parts + 1):
        chunk = ids[(part - 1) * PAPERS_PER_FILE : part * PAPERS_PER_FILE]
        data = {
            "version": SCHEMA_VERSION,
            "slug": issue.slug,
            "number": issue.number,
            "title": issue.title,
            "date": issue.date.isoformat() if issue.date else None,
            "part": part,
            "parts": parts,
            "next": issue_file(issue.slug, part + 1) if part < parts else None,
            "paper_ids": chunk,
            "papers": [_paper(catalog.paper(pid)) for pid in chunk if first[pid] == issue.slug],
        }
        files["api/" + issue_file(issue.slug, part)] = _dump(data)
    return files


def _dump(data: object) -> bytes:
    # No indentation: it made the file 30 % bigger for nobody to read; a program parses it the
    # same.
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _paper(paper: Paper) -> dict[str, object]:
    return {
        "id": paper.id,
        "slug": paper.slug,
        "title": paper.title,
        "date": paper.date.isoformat() if paper.date else None,
        "authors": list(paper.authors),
        "arxiv_id": paper.arxiv_id,
        "links": [{"kind": link.kind.value, "url": link.url} for link in paper.links],
        "categories": list(paper.categories),
        "upvotes": paper.upvotes,
        "keywords": list(paper.keywords),
        "issues": list(paper.issues),
        "keyphrases": [phrase.text for phrase in paper.keyphrases],
        "topics": list(paper.topics),
    }


def read_export(api: Path) -> dict[str, Any]:
    """Read a site's paged catalog (`api/`) back whole, as a program using it would.

    Returns the index with, besides, `papers` (every paper once, by id), each issue's
    `paper_ids` (in its order, from its files) and each topic's `paper_ids` (sorted, from the
    papers' `topics`). For tests and benchmarks: the build never reads its own export whole.
    """
    index: dict[str, Any] = json.loads((api / "catalog.json").read_bytes())
    papers: dict[str, dict[str, Any]] = {}
    for issue in index["issues"]:
        issue["paper_ids"] = []
        name = issue["url"]
        while name is not None:
            part = json.loads((api / name).read_bytes())
            issue["paper_ids"] += part["paper_ids"]
            papers.update((paper["id"], paper) for paper in part["papers"])
            name = part["next"]
    index["papers"] = [papers[pid] for pid in sorted(papers)]
    held: dict[str, list[str]] = {}
    for paper in index["papers"]:
        for slug in paper["topics"]:
            held.setdefault(slug, []).append(paper["id"])
    for topic in index["topics"]:
        topic["paper_ids"] = held.get(topic["slug"], [])
    return index
