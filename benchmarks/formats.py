"""Per digest file: the records it holds, the papers read, and the papers on a built site.

`python -m benchmarks.formats [FILE_OR_FOLDER ...]` (default: the reader fixtures, the
one-of-each-format folder and ../shared/samples). Records are counted without the readers
(JSON items, XML entries, CSV rows, BibTeX entries, numbered or linked headings, `Title:`
lines), so a reader that loses papers in silence shows as a gap. Every file that gives a paper
is then built into one site with the real model, and each paper read is looked up on it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from lxml import etree

from generator.build import build, read_catalog
from generator.config import load_settings
from generator.site.urls import paper_doc
from generator.sources import read_digest
from generator.sources.decode import decode_digest
from generator.sources.formats import (
    ARXIV_API,
    ARXIV_JSONL,
    ARXIV_LISTING,
    BIBTEX,
    CSV,
    HF_API,
    MARKDOWN,
    RECORDS,
    Format,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULTS = (
    REPO / "tests" / "fixtures" / "sources",
    REPO / "tests" / "fixtures" / "digests" / "formats",
    REPO.parent / "shared" / "samples",
)
_BIB_ENTRY = re.compile(r"^\s*@(?!string|comment|preamble)[A-Za-z]+\s*[{(]", re.M | re.I)
_MD_NUMBERED = re.compile(r"^#{2,4}\s+(?:\d+\.|\[\d+\])\s*\[", re.M)
_MD_PAPER = re.compile(r"^(?:#{2,3}\s+\S|\s*(?:[-*+]|\d+[.)])\s+\[)", re.M)


def records_in(text: str, kind: Format) -> int | None:
    """Count a file's records without its reader; None where no independent count exists."""
    if kind in (HF_API, ARXIV_JSONL):
        try:
            data = json.loads(text)
        except ValueError:
            return sum(1 for line in text.splitlines() if line.strip())
        return len(data) if isinstance(data, list) else 1
    if kind in (ARXIV_API, ARXIV_LISTING):
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        root = etree.fromstring(text.encode(), parser)
        if root is None:
            return 0
        return sum(etree.QName(e).localname in {"entry", "item"} for e in root.iter("{*}*", "*"))
    if kind is CSV:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(row)]
        return max(len(rows) - 1, 0)
    if kind is BIBTEX:
        return len(_BIB_ENTRY.findall(text))
    if kind is MARKDOWN:  # numbered link headings (bots), else every heading and link item
        return len(_MD_NUMBERED.findall(text)) or len(_MD_PAPER.findall(text))
    if kind is RECORDS:
        return len(re.findall(r"^\s*Title\s*:", text, re.M | re.I))
    return None


def files_of(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name != "README.md")
        elif path.is_file():
            found.append(path)
    return found


def read_one(path: Path) -> tuple[str, int | None, int, int]:
    """Return (format, records, papers read, problems) of one file, read as a build reads it."""
    issue, problems, kind = read_digest(path, path.name, 1, None)
    text, _ = decode_digest(path.read_bytes(), path.name)
    if kind is None or text is None:
        return "not read", None, 0, len(problems)
    read = len(issue.entries) if issue else 0
    return kind.name, records_in(text, kind), read, len(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.formats")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    files = files_of(args.paths or [p for p in DEFAULTS if p.exists()])
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "docs" / "assets", root / "docs" / "assets")
        shutil.copy(REPO / "docs" / "about.md", root / "docs" / "about.md")
        (root / "digests").mkdir()
        for number, path in enumerate(files, start=1):
            rows[path] = read_one(path)
            if rows[path][2]:
                shutil.copy(path, root / "digests" / f"{number:03d}-{path.name}")
        settings = load_settings(root / "mkdocs.yml")
        settings = replace(settings, cache_dir=root / "cache")
        build(settings)
        catalog, _ = read_catalog(settings)
        on_site: dict[str, set[str]] = {}
        for paper in catalog.papers:
            page = settings.site_dir / paper_doc(paper).removesuffix(".md") / "index.html"
            for where in paper.locations:
                if page.is_file():
                    on_site.setdefault(Path(where.path).name, set()).add(paper.id)
    print(f"{'file':<52} {'format':<32} {'in':>5} {'read':>5} {'site':>5} {'problems':>8}")
    for number, path in enumerate(files, start=1):
        kind, records, read, problems = rows[path]
        shown = len(on_site.get(f"{number:03d}-{path.name}", ()))
        name = f"{path.parent.name}/{path.name}"[-52:]
        count = "—" if records is None else str(records)
        print(f"{name:<52} {kind[:32]:<32} {count:>5} {read:>5} {shown:>5} {problems:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
