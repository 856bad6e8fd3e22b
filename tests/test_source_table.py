"""Reading CSV files with a header row: column names, delimiters, Zotero exports, bad rows."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from generator.model import Link
from generator.sources import read_digests
from generator.sources.formats import CSV, Source, detect
from generator.sources.table import parse_authors, parse_categories, read, sniff_delimiter

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources" / "csv"
ROW_HINT = (
    "a field holding the delimiter or a line break must be in double quotes, and every quote "
    "opened must be closed; fix the row, the other rows are read"
)


def source(name: str, text: str | None = None) -> Source:
    if text is None:
        text = (FIXTURES / name).read_text("utf-8-sig")  # read_digests takes the BOM off
    return Source(name, text)


def links(entry_links: tuple[Link, ...]) -> list[tuple[str, str]]:
    return [(item.kind.value, item.url) for item in entry_links]


def test_zotero_export_is_detected_and_read() -> None:
    text = (FIXTURES / "zotero-export.csv").read_text("utf-8-sig")
    assert text.startswith('"Key","Item Type","Publication Year","Author","Title",')
    assert not text.endswith("\n")  # Zotero writes "\n" before each record, none after
    assert detect(text) is CSV
    parsed = read(source("zotero-export.csv"))
    attention, deep = parsed.entries
    assert attention.title == "Attention Is All You Need"
    assert attention.authors[:2] == ("Ashish Vaswani", "Noam Shazeer")  # "Last, First; ..."
    assert attention.authors[5] == "Aidan N. Gomez"
    assert attention.arxiv_id == "1706.03762"  # from the Url column
    assert attention.date == dt.date(2023, 8, 1)
    assert attention.categories == (
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    )
    assert links(attention.links) == [
        ("abstract", "https://arxiv.org/abs/1706.03762"),
        ("pdf", "https://arxiv.org/pdf/1706.03762"),
        ("doi", "https://doi.org/10.48550/arXiv.1706.03762"),
    ]
    assert deep.authors == ("Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton")
    assert deep.date is None  # "2015-05" names no day
    assert deep.arxiv_id is None
    assert links(deep.links) == [
        ("doi", "https://doi.org/10.1038/nature14539"),
        ("page", "https://www.nature.com/articles/nature14539"),
    ]
    assert [str(p) for p in parsed.problems] == [
        "zotero-export.csv:4: error: row 3 ('Deep Learning') has no abstract — add the paper's "
        "abstract, or delete the record; the other papers are read"
    ]


def test_semicolons_multiline_fields_fallbacks_and_bad_rows() -> None:
    parsed = read(source("reading-list-semicolon.csv"))
    assert [(e.title, e.location.line) for e in parsed.entries] == [
        ("Retrieval; Then Reasoning", 2),  # a record's place is its first line
        ("Only a TLDR", 7),
        ("A Paper From a Journal", 9),
    ]
    retrieval, tldr, journal = parsed.entries
    assert retrieval.abstract == (
        "We retrieve first and reason second. The second line of the abstract sits in the same "
        "quoted field, and so does the third."
    )
    assert retrieval.arxiv_id == "2501.01234"  # from an arXiv PDF address with its version
    assert retrieval.authors == ("A. One", "B. Two", "C. Three")
    assert retrieval.categories == ("cs.CL", "cs.AI")
    assert retrieval.upvotes == 12
    assert retrieval.date == dt.date(2025, 1, 3)
    # The javascript: project page is dropped; the code link is kept.
    assert links(retrieval.links) == [
        ("abstract", "https://arxiv.org/abs/2501.01234"),
        ("pdf", "https://arxiv.org/pdf/2501.01234"),
        ("code", "https://github.com/example/rtr"),
    ]
    assert tldr.abstract == "A short summary stands in for the abstract."
    assert tldr.arxiv_id == "2502.04567"  # from a Hugging Face paper page
    assert ("huggingface", "https://huggingface.co/papers/2502.04567") in links(tldr.links)
    assert tldr.authors == ("John Smith", "Jane Doe")
    assert tldr.categories == ("vision", "robots")
    assert journal.date == dt.date(2025, 3, 7)
    assert journal.upvotes is None  # "abc"
    assert links(journal.links) == [
        ("project", "https://example.org/p42/"),
        ("page", "https://example.org/journal/paper-42"),
    ]
    assert [str(p) for p in parsed.problems] == [
        f"reading-list-semicolon.csv:5: error: row 2 has 12 fields, the header has 10 — {ROW_HINT}",
        "reading-list-semicolon.csv:6: error: row 3 has no title — give the paper a title, or "
        "delete the record",
        "reading-list-semicolon.csv:8: error: row 5 ('Neither Abstract Nor TLDR') has no "
        "abstract — add the paper's abstract, or delete the record; the other papers are read",
        "reading-list-semicolon.csv:9: warning: row 6: upvotes 'abc' is not a count; left out "
        "— write a whole number from 0 to 1,000,000,000,000 in digits 0-9; the paper is read",
    ]


def test_tab_separated_with_arxiv_and_doi_columns() -> None:
    parsed = read(source("papers.tsv"))
    assert parsed.problems == ()
    first, second = parsed.entries
    assert first.arxiv_id == "2503.00001"
    assert ("doi", "https://doi.org/10.5555/tsv.2025") in links(first.links)
    assert first.abstract.endswith("commas inside a field need no quotes, like this.")
    assert links(second.links) == [("doi", "https://doi.org/10.5555/TSV.2")]
    assert second.date == dt.date(2025, 3, 2)


def test_header_without_a_title_column_is_one_problem() -> None:
    parsed = read(source("notes.csv", "Heading,Abstract,Url\nA,B,https://example.org\n"))
    assert parsed.entries == ()
    assert [str(p) for p in parsed.problems] == [
        "notes.csv:1: error: the header row has no title column (columns found: 'Heading', "
        "'Abstract', 'Url') — name the column 'title' or 'paper title' or 'papertitle' or "
        "'name'; nothing is read"
    ]
    no_abstract = read(source("t.csv", "Title,Url\nA,https://example.org\n"))
    assert [p.message for p in no_abstract.problems] == [
        "the header row has no abstract column (columns found: 'Title', 'Url')"
    ]


def test_an_unclosed_quote_is_reported_where_its_record_starts() -> None:
    text = (
        "title,abstract,url\n"
        'Good,"Fine.",https://example.org/a\n'
        'Broken,"never closed,https://example.org/b\n'
        "Next,Swallowed.,https://example.org/c\n"
    )
    parsed = read(source("q.csv", text))
    assert [e.title for e in parsed.entries] == ["Good"]
    assert [(p.location.line, p.message) for p in parsed.problems] == [
        (3, "row 2 (lines 3–4) has 2 fields, the header has 3")
    ]


def test_blank_and_empty_rows_are_skipped_and_csv_errors_are_caught() -> None:
    text = "title,abstract\n\n,\nA,B\n"
    parsed = read(source("blank.csv", text))
    assert [(e.title, e.location.line) for e in parsed.entries] == [("A", 4)]
    assert parsed.problems == ()
    huge = read(source("huge.csv", 'title,abstract\nA,B\nC,"' + "x" * 200_000 + '"\nD,E\n'))
    assert [e.title for e in huge.entries] == ["A", "D"]  # the rows after a huge field too
    [problem] = huge.problems
    assert (problem.location.line, problem.message) == (
        3,
        "row 2 has a field of 200,000 characters in column 'abstract' (the most read is "
        "131,072); the row is left out",
    )


def test_helpers() -> None:
    assert sniff_delimiter('"a;b",c,d;e\n') == ","
    assert sniff_delimiter("title;abstract;url\n") == ";"
    assert sniff_delimiter("title\tabstract,x\tz\n") == "\t"
    assert parse_authors("Vaswani, Ashish", last_first=True) == ("Ashish Vaswani",)
    assert parse_authors("Vaswani, Ashish") == ("Vaswani", "Ashish")  # no way to tell
    assert parse_authors("OpenAI; Doe, Jane") == ("OpenAI", "Jane Doe")
    assert parse_categories("cs.LG cs.AI") == ("cs.LG", "cs.AI")
    assert parse_categories("deep learning, vision") == ("deep learning", "vision")


def test_end_to_end_through_read_digests(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(FIXTURES / "zotero-export.csv", folder / "2024-01-12-zotero.csv")
    shutil.copy(FIXTURES / "papers.tsv", folder / "papers.tsv")
    result = read_digests(folder, relative_to=tmp_path)
    assert [(f.path, f.format, f.papers) for f in result.files] == [
        ("digests/2024-01-12-zotero.csv", CSV.name, 2),
        ("digests/papers.tsv", CSV.name, 2),
    ]
    assert [str(p.location) for p in result.problems] == ["digests/2024-01-12-zotero.csv:4"]
    assert result.issues[0].date == dt.date(2024, 1, 12)
