"""Broken digests: one clear message naming file:line each, and every other paper still builds."""

from __future__ import annotations

import pytest

from generator.build import build, read_catalog
from generator.errors import InputError
from generator.model import Severity
from generator.sources.formats import SUPPORTED
from tests.conftest import MakeProject, paper, write_digests
from tests.site_checks import tree_digest
from tests.stand_in import StandInEmbedder

SUPPORTED_NAMES = "; ".join(f.name for f in SUPPORTED)
GOOD = paper("A Good Paper") + paper("Another Good Paper")
ABSTRACT = "We present a method for learning things from data. " * 4

CASES = {
    "title-without-abstract": (
        paper("Fine Paper") + "Orphan Title At The End\n",
        3,
        "title 'Orphan Title At The End' has no abstract (the file ends after it)",
        "put the paper's abstract on the line after its title, or delete the title",
    ),
    "empty-file": (
        "",
        1,
        "no papers found in this digest (read as Hugging Face page text)",
        "see README's Digest formats for what each format needs",
    ),
    "binary-file": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        1,
        f"not a digest — looks like a PNG image; supported formats: {SUPPORTED_NAMES}",
        "save it in one of these formats, or move it out of the digests folder",
    ),
    "nul-byte": (
        b"Some text\nand then\x00binary",
        2,
        "binary file, not a text digest",
        "save the digest as UTF-8 text, or remove it from the digests folder",
    ),
    "not-utf8": (
        paper("Fine Paper").encode() + b"Caf\xe9 Culture in Latin-1\n" + ABSTRACT.encode(),
        3,
        "not UTF-8 text (byte 0xe9)",
        "save the digest as UTF-8 text, or remove it from the digests folder",
    ),
    "two-titles-in-a-row": (
        "First Title Alone\nSecond Title\n" + ABSTRACT + "\n",
        1,
        "title 'First Title Alone' has no abstract (line 2 is another title)",
        "put the paper's abstract on the line after its title, or delete the title",
    ),
    # Junk that page text once took as papers (issue 24): each one refusal, saying what it is.
    "markdown-table-with-no-abstract-column": (
        "# Daily analysis\n\n## Papers at a glance\n\n| # | Title | Upvotes |\n|---|---|---|\n"
        "| 1 | Visual-RFT | 61 |\n\n## Daily taxonomy\n\nToday's papers fall in two groups.\n",
        1,
        "not a digest — looks like a Markdown table with no abstract column; "
        f"supported formats: {SUPPORTED_NAMES}",
        "save it in one of these formats, or move it out of the digests folder",
    ),
    "an-email": (
        "From: news@example.org\nTo: me@example.org\nSubject: Registration is open\n\n"
        "Dear member,\nregistration for the conference is now open until April.\n",
        1,
        "not a digest — looks like an email (not arXiv's daily listing email); "
        f"supported formats: {SUPPORTED_NAMES}",
        "save it in one of these formats, or move it out of the digests folder",
    ),
    "wrapped-prose": (
        "notes from the reading group\nwe went through the first two papers on the list\n"
        "and talked about whether the rewards can replace preference data\n",
        1,
        "not a digest — looks like text that is not page text (title lines each followed by a "
        f"paragraph of prose); supported formats: {SUPPORTED_NAMES}",
        "save it in one of these formats, or move it out of the digests folder",
    ),
    "abstract-where-title-should-be": (
        paper("Fine Paper") + ABSTRACT + "\n" + paper("Later Paper"),
        3,
        "abstract with no title before it "
        "('We present a method for learning things from data. We prese…')",
        "put the paper's title on the line above its abstract",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_digest_gets_one_message_and_the_rest_builds(
    case: str, make_project: MakeProject
) -> None:
    content, line, message, hint = CASES[case]
    settings = make_project({"01-good.txt": GOOD, f"02-{case}.txt": content})
    catalog, result = read_catalog(settings)
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    assert [str(p) for p in errors] == [f"digests/02-{case}.txt:{line}: error: {message} — {hint}"]
    titles = {p.title for p in catalog.papers}
    assert {"A Good Paper", "Another Good Paper"} <= titles
    # In a digest that can be read, the papers that are fine on their own still get through;
    # a file that is not UTF-8 text is left out whole (its other lines cannot be trusted).
    if isinstance(content, str) and "Fine Paper" in content:
        assert "Fine Paper" in titles


# Cases that lose a digest whole: the build refuses rather than publish a site without it.
WHOLE_FILE = {
    "empty-file",
    "binary-file",
    "nul-byte",
    "not-utf8",
    "markdown-table-with-no-abstract-column",
    "an-email",
    "wrapped-prose",
}


def test_site_builds_with_every_per_paper_problem_present(make_project: MakeProject) -> None:
    digests: dict[str, str | bytes] = {"00-good.txt": GOOD}
    digests.update(
        {f"{case}.txt": content for case, (content, *_) in CASES.items() if case not in WHOLE_FILE}
    )
    settings = make_project(digests)
    report = build(settings, embedder=StandInEmbedder())
    errors = [p for p in report.problems if p.severity is Severity.ERROR]
    assert len(errors) == len(CASES) - len(WHOLE_FILE)
    built = (settings.site_dir / "papers").iterdir()
    slugs = {path.name for path in built}
    assert any(s.startswith("a-good-paper-") for s in slugs)
    assert any(s.startswith("later-paper-") for s in slugs)


@pytest.mark.parametrize("case", sorted(WHOLE_FILE))
def test_a_digest_lost_whole_refuses_the_build_and_keeps_the_site(
    case: str, make_project: MakeProject
) -> None:
    settings = make_project({"00-good.txt": GOOD})
    build(settings, embedder=StandInEmbedder())
    before = tree_digest(settings.site_dir)
    write_digests(settings.digests_dir, {f"{case}.txt": CASES[case][0]})
    with pytest.raises(InputError, match=f"left out whole: digests/{case}.txt") as refused:
        build(settings, embedder=StandInEmbedder())
    assert [str(p.location) for p in refused.value.problems if p.severity is Severity.ERROR] == [
        f"digests/{case}.txt:{CASES[case][1]}"
    ]
    assert tree_digest(settings.site_dir) == before


def test_files_that_are_not_digests_are_named_by_what_they_look_like(
    make_project: MakeProject,
) -> None:
    """Any name, read by content: a PDF is an error (a lost digest), a hidden file is not read."""
    settings = make_project({"01-good.txt": GOOD, "notes.pdf": b"%PDF-1.4", ".hidden.txt": "x"})
    catalog, result = read_catalog(settings)
    [error] = result.problems
    assert error.severity is Severity.ERROR
    assert str(error.location) == "digests/notes.pdf:1"
    assert error.message.startswith("not a digest — looks like a PDF document; supported formats:")
    assert len(catalog.papers) == 2
