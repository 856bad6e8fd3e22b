"""Reading arXiv API answers (Atom): both layouts, every author, errors, broken files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.model import Link, LinkKind, Location
from generator.sources import arxiv_api, read_digests
from generator.sources.formats import ARXIV_API, Parsed, Source, detect
from tests.conftest import FIXTURES

API = FIXTURES / "sources" / "arxiv-api"
BREAK_HINT = (
    "the file was cut off or edited by hand: save the feed again; "
    "the records before and after the break are read"
)


def read(name: str, text: str | None = None) -> Parsed:
    path = API / name
    return arxiv_api.read(Source(name, path.read_text("utf-8") if text is None else text))


def arxiv(paper: str) -> tuple[Link, Link]:
    return (
        Link(LinkKind.ABSTRACT, f"https://arxiv.org/abs/{paper}"),
        Link(LinkKind.PDF, f"https://arxiv.org/pdf/{paper}"),
    )


@pytest.mark.parametrize("path", sorted(API.iterdir()), ids=lambda p: p.name)
def test_every_api_fixture_is_detected_as_the_api(path: Path) -> None:
    assert detect(path.read_text("utf-8")) is ARXIV_API


def test_new_layout_reads_every_author_and_the_primary_category_first() -> None:
    parsed = read("sotawhat-transformer-cslg.xml")
    assert parsed.problems == ()
    assert [e.arxiv_id for e in parsed.entries] == [
        "2606.13677",
        "2606.13591",
        "2606.13568",
        "2606.13515",
        "2606.13501",
    ]
    first = parsed.entries[0]
    assert first.title == "Mana: Dexterous Manipulation of Articulated Tools"
    # feedparser's entry.author would be "C. Karen Liu" alone.
    assert first.authors == ("Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu")
    assert first.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG")
    assert first.date == dt.date(2026, 6, 11)
    assert first.location == Location("sotawhat-transformer-cslg.xml", 10)
    assert first.links == arxiv("2606.13677")
    # The XML's "&lt;1 minute" is the text "<1 minute", exactly.
    assert "only a few mouse clicks to specify functional affordances (<1 minute per tool)." in (
        first.abstract
    )
    assert parsed.entries[2].categories == ("cs.LG", "math-ph")


def test_old_layout_wrapped_title_and_summary_doi_and_dates() -> None:
    parsed = read("zoia-1601.00001-doi.xml")
    assert parsed.problems == ()
    (entry,) = parsed.entries
    assert entry.title == (
        "Inelastic effects in molecular transport junctions: The probe technique at high bias"
    )
    assert entry.abstract.startswith(
        'We extend the Landauer-B\\"uttiker probe formalism for conductances to the high bias '
        "regime, and study"
    )
    assert entry.abstract.endswith("on molecular electronic transport far-from-equilibrium.")
    assert entry.authors == ("Michael Kilgour", "Dvira Segal")
    assert entry.categories == ("cond-mat.mes-hall",)
    assert entry.date == dt.date(2015, 12, 26)
    assert entry.links == (
        *arxiv("1601.00001"),
        Link(LinkKind.DOI, "https://doi.org/10.1063/1.4944470"),
    )


def test_old_layout_primary_category_comes_first_and_all_authors_in_order() -> None:
    parsed = read("xiv-cs-ro-neural.xml")
    assert parsed.problems == ()
    first, second = parsed.entries
    assert first.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert first.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY")
    assert second.authors == (
        "Yufei Zhu",
        "Shih-Min Yang",
        "Andrey Rudenko",
        "Tomasz P. Kucner",
        "Achim J. Lilienthal",
        "Martin Magnusson",
    )
    assert second.location == Location("xiv-cs-ro-neural.xml", 56)


def test_old_ids_literal_markup_doi_and_primary_category() -> None:
    parsed = read("old-layout-quirks.xml")
    first, last = parsed.entries
    assert first.arxiv_id == "cond-mat/0412498"
    assert first.title == "Spin relaxation in quantum dots with <swi> gates: a & b revisited"
    assert first.abstract == (
        "We study spin relaxation in gated quantum dots where the rate obeys a < b for all "
        "fields we consider. The <swi> gate switches the dot between two regimes."
    )
    assert first.authors == ("Ana Ortiz", "Bo Lindqvist", "Chen Wei")
    assert first.categories == ("cond-mat.mes-hall", "cond-mat.str-el")
    assert first.date == dt.date(2004, 12, 17)
    assert first.links == (
        *arxiv("cond-mat/0412498"),
        Link(LinkKind.DOI, "https://doi.org/10.1103/PhysRevB.71.125312"),
    )
    # date is the first version's (published), not the last update's.
    assert last.date == dt.date(2019, 5, 31)
    assert last.categories == ("stat.ML", "cs.LG")


def test_entries_without_abstract_or_title_are_named_by_line_and_number() -> None:
    parsed = read("old-layout-quirks.xml")
    assert [(str(p.location), p.message) for p in parsed.problems] == [
        (
            "old-layout-quirks.xml:40",
            "entry 2 ('A Paper Saved Without Its Summary') has no abstract",
        ),
        ("old-layout-quirks.xml:52", "entry 3 has no title"),
    ]
    assert [e.title for e in parsed.entries] == [
        "Spin relaxation in quantum dots with <swi> gates: a & b revisited",
        "Gradient Noise in Deep Networks",
    ]


def test_the_apis_error_answer_is_one_problem_quoting_it_and_no_paper() -> None:
    parsed = read("error.xml")
    assert parsed.entries == ()
    (problem,) = parsed.problems
    assert problem.location == Location("error.xml", 10)
    assert problem.message == (
        "the arXiv API answered with an error: 'incorrect id format for 1234.12345'"
    )
    assert problem.hint == "fix the query or the ids it asks for, and save the API's answer again"


def test_an_empty_answer_has_no_paper_and_no_problem() -> None:
    parsed = read("xiv-empty.xml")
    assert parsed.entries == () and parsed.problems == ()


def test_a_cut_off_answer_keeps_the_entries_before_the_break() -> None:
    text = (API / "xiv-cs-ro-neural.xml").read_text("utf-8")
    cut = text[: text.index("Maps of Dynamics")]
    parsed = read("cut.xml", cut)
    assert [e.arxiv_id for e in parsed.entries] == ["2510.14968"]
    (problem,) = parsed.problems
    assert problem.location == Location("cut.xml", 62)
    assert problem.message == (
        "broken XML: Premature end of data in tag summary line 61; entry 2 (line 56) is left out"
    )
    assert problem.hint == BREAK_HINT


def test_a_bare_ampersand_costs_only_its_own_entry() -> None:
    text = (API / "xiv-cs-ro-neural.xml").read_text("utf-8")
    parsed = read("amp.xml", text.replace("Typically, the VLM", "Typically & the VLM"))
    assert [e.arxiv_id for e in parsed.entries] == ["2510.14827"]
    (problem,) = parsed.problems
    assert problem.location == Location("amp.xml", 19)
    assert problem.message == (
        "broken XML: xmlParseEntityRef: no name (a bare `&` must be written `&amp;`); "
        "entry 1 (line 10) is left out"
    )


def test_entities_are_never_expanded_and_nothing_is_fetched() -> None:
    text = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<entry><id>http://arxiv.org/abs/2501.00001v1</id><title>Title &b;</title>"
        "<summary>Summary &secret; end</summary></entry></feed>\n"
    )
    (entry,) = read("xxe.xml", text).entries
    assert "root:" not in entry.abstract and "aaaaaaaaaa" not in entry.title
    assert entry.abstract == "Summary &secret; end"


def test_end_to_end_the_files_report_names_the_format(tmp_path: Path) -> None:
    shutil.copy(API / "sotawhat-transformer-cslg.xml", tmp_path / "transformer.xml")
    shutil.copy(API / "error.xml", tmp_path / "error.xml")
    result = read_digests(tmp_path, relative_to=tmp_path)
    files = {(f.path, f.format, f.papers) for f in result.files}
    assert files == {
        ("error.xml", "arXiv API Atom", 0),
        ("transformer.xml", "arXiv API Atom", 5),
    }
    assert [str(p) for p in result.problems] == [
        "error.xml:10: error: the arXiv API answered with an error: "
        "'incorrect id format for 1234.12345' — fix the query or the ids it asks for, "
        "and save the API's answer again",
        "error.xml:1: error: no papers found in this digest (read as arXiv API Atom) — "
        "see README's Digest formats for what each format needs",
    ]
