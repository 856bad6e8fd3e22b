"""Hostile digest files (issue 23): a break costs only what it breaks, a bad value is named.

Each file in tests/fixtures/hostile/ is a real fixture with one defect put in (see its README);
each test here failed on 851a21e (papers lost without a word, or a traceback).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

from generator.cli.commands import run_jsonl
from generator.keyphrases import KeyphraseSettings
from generator.model import Issue, Problem, Severity
from generator.sources import read_digest
from tests.conftest import FIXTURES, MakeProject
from tests.stand_in import StandInEmbedder

HOSTILE = FIXTURES / "hostile"
# The papers of sotawhat-transformer-cslg.xml, the real answer the feed and CSV files are made of.
SOTAWHAT = ["2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"]


def read(name: str) -> tuple[Issue | None, list[Problem]]:
    issue, problems, _found = read_digest(HOSTILE / name, name, 1, 2026)
    return issue, problems


def papers(issue: Issue | None) -> list[str | None]:
    assert issue is not None
    return [entry.arxiv_id for entry in issue.entries]


def said(problems: list[Problem]) -> list[tuple[str, Severity, str]]:
    return [(str(p.location), p.severity, p.message) for p in problems]


def test_a_tag_mismatch_in_entry_3_costs_entry_3_only() -> None:
    issue, problems = read("arxiv-api-tag-mismatch.xml")
    assert papers(issue) == [p for p in SOTAWHAT if p != "2606.13568"]
    assert said(problems) == [
        (
            "arxiv-api-tag-mismatch.xml:59",
            Severity.ERROR,
            "broken XML: Opening and ending tag mismatch: title line 59 and titel; "
            "entry 3 (line 57) is left out",
        )
    ]


def test_an_entry_left_open_costs_itself_not_the_digest() -> None:
    issue, problems = read("arxiv-api-entry-left-open.xml")
    assert papers(issue) == [p for p in SOTAWHAT if p != "2606.13568"]
    assert said(problems) == [
        (
            "arxiv-api-entry-left-open.xml:71",
            Severity.ERROR,
            "broken XML: Premature end of data in tag entry line 57; entry 3 (line 57) is left out",
        )
    ]


def test_a_listing_broken_in_its_last_item_keeps_the_items_and_the_day() -> None:
    issue, problems = read("listing-tag-left-open.xml")
    assert papers(issue) == ["2604.23001", "2604.23002"]  # items 3-4 are replacements
    assert issue is not None and issue.date == dt.date(2026, 4, 28)
    assert said(problems)[0] == (
        "listing-tag-left-open.xml:80",
        Severity.ERROR,
        "broken XML: Opening and ending tag mismatch: i line 80 and title; "
        "item 6 (line 79) is left out",
    )
    # Item 5 is numbered as the file numbers it: the broken one keeps its place.
    assert said(problems)[1][2] == "item 5 ('A Paper Whose Abstract Was Cut Off') has no abstract"


def test_a_csv_field_over_128_kb_costs_its_row_and_every_later_row_is_read() -> None:
    issue, problems = read("csv-field-over-128kb.csv")
    assert papers(issue) == [p for p in SOTAWHAT if p != "2606.13591"]
    assert said(problems) == [
        (
            "csv-field-over-128kb.csv:3",
            Severity.ERROR,
            "row 2 has a field of 140,918 characters in column 'Abstract' "
            "(the most read is 131,072); the row is left out",
        )
    ]


def test_upvotes_that_are_not_counts_are_named_and_the_papers_read() -> None:
    issue, problems = read("csv-upvotes-not-counts.csv")
    assert issue is not None
    assert [entry.upvotes for entry in issue.entries] == [10, None, None, 13, 14]
    assert said(problems) == [
        (
            "csv-upvotes-not-counts.csv:3",
            Severity.WARNING,
            "row 2: upvotes '²' is not a count; left out",
        ),
        (
            "csv-upvotes-not-counts.csv:4",
            Severity.WARNING,
            f"row 3: upvotes '{'9' * 59}…' is not a count; left out",
        ),
    ]


def test_a_markdown_vote_that_is_not_a_count_is_named() -> None:
    issue, problems = read("markdown-vote-not-a-count.md")
    assert issue is not None
    assert [entry.upvotes for entry in issue.entries] == [None, 14]
    assert said(problems) == [
        (
            "markdown-vote-not-a-count.md:3",
            Severity.WARNING,
            "paper: upvotes '²' is not a count; left out",
        )
    ]


def test_keyphrases_on_a_latin_1_file_is_one_line_per_bad_line(make_project: MakeProject) -> None:
    settings = make_project()
    command = [
        "-f",
        str(settings.config_file),
        "keyphrases",
        str(HOSTILE / "keyphrases-latin1.jsonl"),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "generator.cli", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "line 1: not UTF-8 text (byte 0xe9); save it as UTF-8\n"


def test_keyphrases_reads_the_good_lines_around_a_bad_one() -> None:
    good = json.dumps(
        {"id": "a", "text": "Sparse experts route tokens to a few feed-forward layers."}
    )
    lines = [
        (HOSTILE / "keyphrases-latin1.jsonl").read_bytes(),
        good.encode(),
        b"[" * 50_000,
        b'{"id": "n", "text": ' + b"9" * 5000 + b"}",
    ]
    out, err = io.StringIO(), io.StringIO()
    status = run_jsonl(lines, out, err, KeyphraseSettings(top_n=2), None, StandInEmbedder())
    assert status == 1
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ["a"]
    assert err.getvalue().splitlines() == [
        "line 1: not UTF-8 text (byte 0xe9); save it as UTF-8",
        "line 3: not JSON this program reads (nested too deeply, or a number too long)",
        "line 4: not JSON this program reads (nested too deeply, or a number too long)",
    ]


def test_one_undecodable_bibtex_field_leaves_only_itself_raw() -> None:
    issue, problems = read("bibtex-latex-undecodable.bib")
    assert issue is not None
    assert said(problems) == [
        (
            "bibtex-latex-undecodable.bib:1",
            Severity.WARNING,
            "entry yin2026mana: the LaTeX of its abstract cannot be decoded; shown as written",
        )
    ]
    mana = issue.entries[0]
    assert mana.title == (
        "Mana: Dexterous Manipulation of Articulated Tools for Robot Hands in Österreich"
    )
    assert mana.keywords == ("dexterous manipulation", "sim-to-réal")
    assert mana.abstract.endswith(r"Code at \href{https://zhaohengyin.github.io/mana}")
    assert mana.date == dt.date(2026, 6, 11)


def test_a_bibtex_month_in_superscript_leaves_the_paper_undated() -> None:
    issue, problems = read("bibtex-month-superscript.bib")
    assert issue is not None and problems == []
    assert [(entry.arxiv_id, entry.date) for entry in issue.entries] == [("2606.13591", None)]
