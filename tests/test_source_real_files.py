"""Real files from other projects that the readers once got wrong, read as a build reads them.

Each was found by running the readers over files saved in public repositories (sources in
tests/fixtures/sources/README.md, "Real files that showed defects"); each test pins what the
file holds, so the defect it showed cannot come back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.model import Entry, LinkKind, Problem
from generator.sources import read_digest
from tests.conftest import FIXTURES

REAL = FIXTURES / "sources" / "real"


def read(name: str) -> tuple[str | None, tuple[Entry, ...], list[Problem]]:
    path = REAL / name
    issue, problems, kind = read_digest(path, name, 1, None)
    return (kind.name if kind else None), (issue.entries if issue else ()), problems


def test_bibtex_behind_empty_jekyll_front_matter_is_bibtex() -> None:
    """al-folio sites open their .bib with `---` and `---`: still BibTeX, not page text."""
    kind, entries, problems = read("al-folio-papers.bib")
    assert kind == "BibTeX"
    [paper] = entries
    assert (
        paper.title == "Can Quantum-Mechanical Description of Physical Reality Be Considered "
        "Complete?"
    )
    assert paper.authors == ("A. Einstein", "B. Podolsky", "N. Rosen")
    assert [(link.kind, link.url) for link in paper.links] == [
        (LinkKind.DOI, "https://doi.org/10.1103/PhysRev.47.777"),
        (LinkKind.PAGE, "http://link.aps.org/doi/10.1103/PhysRev.47.777"),
    ]  # `pdf={example_pdf.pdf}`, a file of the site, is no link
    assert len(problems) == 6  # six entries without an abstract, each named
    assert all("has no abstract" in p.message for p in problems)


def test_a_table_without_a_header_row_is_not_a_digest() -> None:
    """A CSV whose first row is `,,,,,,` was read as page text: 21 junk papers, warnings only."""
    kind, entries, problems = read("ai4research-accepted-papers-no-header.csv")
    assert (kind, entries) == (None, ())
    [problem] = problems
    assert problem.message.startswith(
        "not a digest — looks like a table (CSV) with no header row naming a title column;"
    )


def test_a_json_array_of_paper_records_is_read() -> None:
    """`[{"title", "summary", "arxiv_url", ...}]`: five papers, ids from arxiv_url."""
    kind, entries, problems = read("hf-newsletter-deepseek-clean.json")
    assert (kind, problems) == ("arXiv metadata JSON Lines", [])
    assert [e.arxiv_id for e in entries] == [
        "2501.12909",
        "2501.12948",
        "2501.13074",
        "2501.12599",
        "2501.12570",
    ]
    assert entries[0].title == (
        "FilmAgent: A Multi-Agent Framework for End-to-End Film Automation in Virtual 3D Spaces"
    )
    assert [e.location.line for e in entries] == [2, 9, 16, 23, 30]


def test_the_abstract_wins_over_an_ai_summary_and_ids_and_dates_are_found() -> None:
    """arxiv-paper-radar: `abstract` and a one-line `summary`; `arxiv_id`, `url`, `published`."""
    kind, entries, problems = read("arxiv-paper-radar-papers.jsonl")
    assert (kind, problems) == ("arXiv metadata JSON Lines", [])
    first = entries[0]
    assert first.abstract.startswith("Linear attention models allow a fixed state size")
    assert len(first.abstract) > 1000
    assert (first.arxiv_id, first.date) == ("2607.07386", dt.date(2026, 7, 8))
    # ["Mind Lab", ":", "Vin Bo", ...]: the colon is not an author.
    assert entries[2].authors[:3] == ("Mind Lab", "Vin Bo", "Asher Cai")


def test_snapshot_affiliations_are_not_part_of_names() -> None:
    """authors_parsed: [last, first, suffix, affiliation]; the fourth item is not a name."""
    kind, entries, _ = read("kaggle-snapshot-affiliations.jsonl")
    assert kind == "arXiv metadata JSON Lines"
    names = {e.arxiv_id: e.authors for e in entries}
    assert names["0704.0025"] == ("A. S. Mishchenko", "N. Nagaosa")
    assert names["0704.0031"] == ("V. M. Biryukov",)
    assert names["0704.0044"][0] == "A. A. Schekochihin"


def test_an_old_cross_listed_title_loses_its_suffix_and_gives_its_category() -> None:
    """export.arxiv.org/rss (2018): "Title. (arXiv:1805.09166v1 [hep-ex] CROSS LISTED)"."""
    kind, entries, problems = read("physbiblio-rss-hep-ex-2018-05-23.rdf")
    assert (kind, problems) == ("arXiv listing feed (RSS/Atom)", [])
    assert [(e.title, e.arxiv_id, e.categories) for e in entries] == [
        ("Measurement of Transverse Single Spin Asymmetries", "1805.08875", ("hep-ex",)),
        ("Recent Top quark results from the Tevatron", "1805.09166", ("hep-ex",)),
    ]  # the third item is UPDATED: a new version, left out


def test_biblatex_extended_names_read_as_names() -> None:
    """Better BibLaTeX: `family=Heuvel, given=Charles, prefix=van den, useprefix=false`."""
    kind, entries, problems = read("bbt-3430-roorda2014.bib")
    assert (kind, problems) == ("BibTeX", [])
    assert entries[0].authors == ("Dirk Roorda", "Charles van den Heuvel")


def test_every_real_file_here_is_tested() -> None:
    tested = {
        "al-folio-papers.bib",
        "ai4research-accepted-papers-no-header.csv",
        "hf-newsletter-deepseek-clean.json",
        "arxiv-paper-radar-papers.jsonl",
        "kaggle-snapshot-affiliations.jsonl",
        "physbiblio-rss-hep-ex-2018-05-23.rdf",
        "bbt-3430-roorda2014.bib",
    }
    assert {p.name for p in Path(REAL).iterdir()} == tested
