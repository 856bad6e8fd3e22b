"""Reading Hugging Face text digests: the sample digests, format variants and metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.catalog import build_catalog
from generator.model import Location, Severity
from generator.sources import read_digests
from generator.sources.hf_text import looks_like_abstract, parse_date_line
from tests.conftest import DEMO_DIGESTS, SMALL_DIGESTS, paper, write_digests

# Counted by hand from the files: after the boilerplate lines, title and abstract lines alternate.
SAMPLE_COUNTS = {
    "000_27813e14f779aff0.txt": 67,
    "001_e8b62d3c68f974f2.txt": 263,
    "002_93d549097b4e2865.txt": 229,
    "004_a60fe7fccbfcd38b.txt": 228,
}


def test_sample_digests_paper_counts() -> None:
    result = read_digests(DEMO_DIGESTS, relative_to=DEMO_DIGESTS)
    counts = {Path(issue.source).name: len(issue.entries) for issue in result.issues}
    assert counts == SAMPLE_COUNTS
    assert result.errors == ()
    catalog = build_catalog(result.issues)
    assert sum(counts.values()) == 787
    assert len(catalog.papers) == 746
    assert catalog.merged_count == 41
    assert sum(1 for p in catalog.papers if len(p.issues) > 1) == 36


def test_sample_boilerplate_never_becomes_a_paper() -> None:
    result = read_digests(DEMO_DIGESTS)
    titles = {entry.title for issue in result.issues for entry in issue.entries}
    assert not any(t.lower().startswith(("subscribe", "get trending", "new")) for t in titles)
    assert (
        "GitChameleon: Unmasking the Version-Switching Capabilities of Code Generation Models"
        in titles
    )


def test_small_fixture_reads_metadata_and_variants() -> None:
    result = read_digests(SMALL_DIGESTS, relative_to=SMALL_DIGESTS)
    assert result.problems == ()
    first, second, third = result.issues
    assert (first.title, first.number, first.date) == ("The first issue", 1, dt.date(2025, 3, 11))
    assert first.intro == "Two classics to start with."
    assert [e.title for e in first.entries] == [
        "A Tutorial on Bayesian Optimization",
        "Scaling Laws for Neural Language Models",
    ]
    # CRLF line ends, "Subscribe" glued to the first title, stray spaces.
    assert second.title == "Issue 2" and second.date is None
    assert [e.title for e in second.entries] == [
        "Deep Residual Learning for Image Recognition",
        "scaling laws for neural language models",
    ]
    assert second.entries[1].location == Location("02-second.txt", 5)
    # Front matter: title and date; untrusted title text kept verbatim.
    assert third.title == "Issue three: <untrusted> & friends"
    assert third.date == dt.date(2025, 4, 2)
    assert third.entries[0].title == "<script>alert(1)</script>"
    assert third.entries[0].location == Location("03-third.md", 5)


def test_line_ends_bom_and_blank_lines_are_all_the_same(tmp_path: Path) -> None:
    text = "Subscribe\n\n" + paper("Alpha Paper") + "\n\n\n" + paper("Beta Paper")
    variants = {
        "lf.txt": text.encode(),
        "crlf.txt": text.replace("\n", "\r\n").encode(),
        "cr.txt": text.replace("\n", "\r").encode(),
        "bom.txt": b"\xef\xbb\xbf" + text.encode(),
        "no-blank.txt": text.replace("\n\n", "\n").replace("\n\n", "\n").encode(),
    }
    write_digests(tmp_path, variants)
    result = read_digests(tmp_path)
    assert result.problems == ()
    titles = {tuple(e.title for e in issue.entries) for issue in result.issues}
    assert titles == {("Alpha Paper", "Beta Paper")}


def test_date_lines() -> None:
    where = Location("x", 1)
    assert parse_date_line("Mar 11", where).resolve(2024) == dt.date(2024, 3, 11)
    assert parse_date_line("March 11, 2025", where).resolve(None) == dt.date(2025, 3, 11)
    assert parse_date_line("11 Mar 2025", where).resolve(None) == dt.date(2025, 3, 11)
    assert parse_date_line("2025-03-11", where).resolve(None) == dt.date(2025, 3, 11)
    assert parse_date_line("Mar 11", where).resolve(None) is None
    assert parse_date_line("May Contain Traces", where) is None
    assert parse_date_line("Feb 31", where).resolve(2025) is None


def test_date_without_year_takes_default_year_or_is_undated(tmp_path: Path) -> None:
    write_digests(tmp_path, {"a.txt": "Mar 11\n" + paper("Alpha Paper")})
    undated = read_digests(tmp_path)
    assert undated.issues[0].date is None
    [warning] = undated.problems
    assert warning.severity is Severity.WARNING and str(warning.location) == f"{tmp_path}/a.txt:1"
    dated = read_digests(tmp_path, default_year=2024)
    assert dated.issues[0].date == dt.date(2024, 3, 11)
    assert dated.problems == ()


def test_issue_order_is_natural_file_name_order(tmp_path: Path) -> None:
    names = ["issue-10.txt", "issue-2.txt", "issue-1.txt"]
    write_digests(tmp_path, {name: paper(f"Paper of {name}") for name in names})
    result = read_digests(tmp_path)
    assert [(i.slug, i.number) for i in result.issues] == [
        ("issue-1", 1),
        ("issue-2", 2),
        ("issue-10", 3),
    ]


def test_title_and_abstract_shapes() -> None:
    assert not looks_like_abstract("Attention Is All You Need")
    assert not looks_like_abstract("Why does CTC result in peaky behavior?")
    assert looks_like_abstract(
        "We propose a simple method that works well in practice for many tasks."
    )
    assert looks_like_abstract(" ".join(["word"] * 30))
