"""Plain records (Title:/Summary: blocks), and which reader each kind of text file goes to."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.model import Link, LinkKind, Severity
from generator.sources import read_digest, read_digests, records
from generator.sources.formats import BIBTEX, HF_TEXT, MARKDOWN, RECORDS, Parsed, Source, detect

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS_FILE = FIXTURES / "sources" / "records" / "records.txt"
SEEDS = Path("/work/shared/seeds")


def read() -> Parsed:
    return records.read(Source("records.txt", RECORDS_FILE.read_text("utf-8")))


def test_records_are_read() -> None:
    parsed = read()
    assert [e.title for e in parsed.entries] == [
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
        "Forgotten Separator One",
        "Forgotten Separator Two",
    ]
    attention, resnet, one, two = parsed.entries
    # The summary goes on over the next lines; "Results:" is no key, so it is text.
    assert attention.abstract == (
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks. Results: we reach 28.4 BLEU on the WMT 2014 "
        "English-to-German translation task."
    )
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert attention.arxiv_id == "1706.03762"  # from the PDF address, version dropped
    assert attention.location.line == 3
    # Keys are case-insensitive: "title:", "LINK:".
    assert resnet.abstract == "Deeper neural networks are more difficult to train."
    assert resnet.date == dt.date(2015, 12, 10)
    assert resnet.links == (
        Link(LinkKind.CODE, "https://github.com/KaimingHe/deep-residual-networks"),
        Link(LinkKind.PAGE, "https://example.org/resnet"),
    )
    assert one.abstract == "The first of two records with no separator between them."
    assert (two.location.line, two.arxiv_id) == (25, "2501.01234")
    # A PDF that is not arXiv's is a PDF link; "URL: javascript:..." is no link.
    assert Link(LinkKind.PDF, "https://example.org/two.pdf") in two.links
    assert all(link.url.startswith("https://") for link in two.links)


def test_records_problems() -> None:
    assert [(str(p.location), p.severity, p.message) for p in read().problems] == [
        (
            "records.txt:14",
            Severity.WARNING,
            "unknown key 'Venue' (its lines are left out; said once per file)",
        ),
        (
            "records.txt:17",
            Severity.ERROR,
            "record 3 ('A Record Without Summary') has no abstract",
        ),
        ("records.txt:21", Severity.ERROR, "record 4 has no title"),
    ]


def test_read_digests_reports_records(tmp_path: Path) -> None:
    shutil.copy(RECORDS_FILE, tmp_path / "records.txt")
    result = read_digests(tmp_path, relative_to=tmp_path)
    [report] = result.files
    assert (report.path, report.format, report.papers) == (
        "records.txt",
        "plain records (Title:/Summary:)",
        4,
    )


def _fixtures(folder: str, pattern: str) -> list[Path]:
    return sorted((FIXTURES / "sources" / folder).glob(pattern))


@pytest.mark.parametrize(
    ("path", "expected"),
    [(p, BIBTEX) for p in _fixtures("bibtex", "*.bib")]
    + [(p, MARKDOWN) for p in _fixtures("markdown", "*.md")]
    + [(RECORDS_FILE, RECORDS)]
    + [(p, HF_TEXT) for p in sorted((FIXTURES / "digests").glob("[ds][em]*/*.txt"))]
    + [(p, HF_TEXT) for p in sorted(SEEDS.glob("*.txt"))],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_each_fixture_goes_to_its_reader(path: Path, expected: object) -> None:
    assert detect(path.read_text("utf-8-sig")) == expected


def test_a_file_that_opens_with_its_separator_keeps_its_first_record(tmp_path: Path) -> None:
    """`---` first: the block is a paper (Summary:, PDF:), not YAML front matter."""
    path = tmp_path / "r.txt"
    path.write_text(
        "---\nTitle: First Paper\nSummary: We study the first thing in depth and report it.\n"
        "---\nTitle: Second Paper\nSummary: We study the second thing in depth as well.\n---\n"
    )
    issue, problems, kind = read_digest(path, "r.txt", 1, None)
    assert kind is not None and kind.name == "plain records (Title:/Summary:)"
    assert issue is not None and [e.title for e in issue.entries] == ["First Paper", "Second Paper"]
    assert [e.location.line for e in issue.entries] == [2, 5]
    assert problems == []
