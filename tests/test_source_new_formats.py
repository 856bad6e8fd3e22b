"""RIS, arXiv's daily email, any JSON list of papers, Markdown paper tables, and links by value.

Fixtures are hand-made in the shapes of the real files issue 24 names (sources in
tests/fixtures/sources/README.md); each is read as a build reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from generator.build import build
from generator.model import Entry, LinkKind, Problem, Severity
from generator.sources import read_digest
from tests.conftest import FIXTURES, MakeProject
from tests.stand_in import StandInEmbedder

SOURCES = FIXTURES / "sources"


def read(relative: str) -> tuple[str | None, tuple[Entry, ...], list[Problem], dt.date | None]:
    path = SOURCES / relative
    issue, problems, kind = read_digest(path, path.name, 1, None)
    entries = issue.entries if issue else ()
    return (kind.name if kind else None), entries, problems, issue.date if issue else None


def kinds(entry: Entry) -> dict[LinkKind, str]:
    return {link.kind: link.url for link in entry.links}


def test_a_zotero_ris_export_with_bom_and_crlf() -> None:
    kind, entries, problems, _ = read("ris/zotero-export-slice.ris")
    assert kind == "RIS"
    rft, plasmonics, cut = entries
    assert rft.title == "Visual-RFT: Visual Reinforcement Fine-Tuning"  # T2 is the journal
    assert rft.authors == ("Ziyu Liu", "Zeyi Sun", "Yuhang Zang")
    assert rft.abstract.endswith(
        "especially useful in applications when fine-tuning data is scarce."
    )
    assert (rft.arxiv_id, rft.date, rft.location.line) == ("2503.01785", dt.date(2025, 3, 3), 1)
    assert plasmonics.date is None  # "2024/11//" names no day
    assert kinds(plasmonics) == {
        LinkKind.DOI: "https://doi.org/10.1007/s11468-024-02000-1",
    }  # a Springer page is not a paper address; internal-pdf:// is never a link
    assert cut.title == "An export cut short"
    assert [(p.location.line, p.severity, p.message.split(" (")[0]) for p in problems] == [
        (37, Severity.WARNING, "the last record has no `ER  - ` line"),
        (30, Severity.ERROR, "record 3"),
    ]


def test_arxiv_email_saved_as_text() -> None:
    kind, entries, problems, date = read("arxiv-email/cs-daily-saved.txt")
    assert (kind, problems, date) == ("arXiv listing email", [], None)
    assert [e.arxiv_id for e in entries] == ["2503.01785", "2503.01743", "2503.01820"]
    rft = entries[0]
    assert rft.title == (
        "Visual-RFT: Visual Reinforcement Fine-Tuning for Large Vision-Language Models"
    )
    assert rft.authors[-2:] == ("Dahua Lin", "Jiaqi Wang")
    assert len(rft.authors) == 8
    assert rft.categories == ("cs.CV", "cs.AI")
    assert rft.date == dt.date(2025, 3, 3)  # its own Date: line when no email header
    assert rft.abstract.startswith("Reinforcement Fine-Tuning (RFT) in Large Reasoning Models")
    assert kinds(rft)[LinkKind.ABSTRACT] == "https://arxiv.org/abs/2503.01785"
    assert rft.location.line == 13


def test_arxiv_email_mbox_of_two_days() -> None:
    kind, entries, problems, date = read("arxiv-email/two-days.mbox")
    assert (kind, problems) == ("arXiv listing email", [])
    assert [(e.arxiv_id, e.date) for e in entries] == [
        ("2503.01785", dt.date(2025, 3, 4)),
        ("2503.02130", dt.date(2025, 3, 5)),
    ]
    assert date == dt.date(2025, 3, 5)
    assert [e.location.line for e in entries] == [8, 27]


def test_an_eml_in_the_formats_folder_is_dated_by_its_header() -> None:
    path = FIXTURES / "digests" / "formats" / "14-arxiv-mail.eml"
    issue, problems, _ = read_digest(path, path.name, 1, None)
    assert problems == [] and issue is not None
    assert issue.date == dt.date(2025, 3, 17)


def test_a_json_object_holding_a_list_of_papers() -> None:
    kind, entries, problems, date = read("json/scraper-daily-object.json")
    assert (kind, date) == ("JSON list of papers", dt.date(2025, 3, 4))
    [problem] = problems
    assert problem.message.startswith("record 3 ('A record with no text') has no abstract")
    assert problem.location.line == 21
    rft, phi = entries
    assert (rft.arxiv_id, rft.upvotes, rft.location.line) == ("2503.01785", 61, 5)
    assert kinds(rft)[LinkKind.PAGE] == "https://openreview.net/forum?id=abc123XYZ"
    assert "x.com" not in " ".join(kinds(rft).values())  # a tweet is not the paper's
    assert phi.abstract == "Compact language and multimodal models trained on curated data."
    assert phi.authors == ("Abdelrahman Abouelenin", "Atabak Ashfaq", "Adam Atkinson")
    assert kinds(phi) == {LinkKind.PDF: "https://aclanthology.org/2025.acl-long.1.pdf"}
    assert phi.date == dt.date(2025, 3, 3)


def test_a_markdown_table_of_papers_is_read_row_by_row() -> None:
    kind, entries, problems, _ = read("markdown/daily-table-2025-03-04.md")
    assert kind == "Markdown digest"
    assert [(e.title, e.arxiv_id, e.authors) for e in entries] == [
        ("Visual-RFT: Visual Reinforcement Fine-Tuning", "2503.01785", ("Ziyu Liu", "Zeyi Sun")),
        ("Phi-4-Mini Technical Report", None, ("Abdelrahman Abouelenin", "Atabak Ashfaq")),
    ]
    assert [e.location.line for e in entries] == [5, 6]
    [problem] = problems
    assert (problem.location.line, "has no abstract" in problem.message) == (7, True)


def test_a_weekly_table_digest_links_every_row() -> None:
    kind, entries, problems, _ = read("markdown/weekly-table-2025-w10.md")
    assert (kind, problems) == ("Markdown digest", [])
    rft, forgetting = entries
    assert rft.arxiv_id == "2503.01785"
    assert kinds(rft)[LinkKind.CODE] == "https://github.com/Liuziyu77/Visual-RFT"
    assert kinds(forgetting) == {LinkKind.PAGE: "https://openreview.net/forum?id=q2Lnyegkr8"}
    assert forgetting.abstract == "A forget gate added to softmax attention."


def test_the_original_abstract_in_details_wins_over_an_ai_summary_line() -> None:
    kind, entries, problems, _ = read("markdown/details-original-abstract.md")
    assert (kind, problems) == ("Markdown digest", [])
    [paper] = entries
    assert paper.abstract.startswith("Reinforcement Fine-Tuning (RFT) in Large Reasoning")
    assert "AI摘要" not in paper.abstract and "本文" not in paper.abstract
    assert paper.authors == ("Ziyu Liu", "Zeyi Sun", "Yuhang Zang")
    assert paper.keywords == ("多模态", "强化学习")


def test_csv_links_come_from_any_column_holding_paper_addresses() -> None:
    kind, entries, problems, _ = read("csv/paper-tweet-columns.csv")
    assert (kind, problems) == ("CSV with a header row", [])
    rft, forgetting = entries
    assert rft.arxiv_id == "2503.01785"
    assert kinds(forgetting) == {LinkKind.PAGE: "https://openreview.net/forum?id=q2Lnyegkr8"}
    assert all("x.com" not in link.url for e in entries for link in e.links)


def test_an_arxiv_api_answer_is_dated_by_its_newest_entry(tmp_path: Path) -> None:
    path = SOURCES / "arxiv-api" / "xiv-cs-ro-neural.xml"
    issue, _, _ = read_digest(path, path.name, 1, None)
    assert issue is not None and issue.date is not None
    assert issue.date == max(e.date for e in issue.entries if e.date is not None)


def test_a_summary_is_said_to_be_one_on_the_paper_page(make_project: MakeProject) -> None:
    """A weekly table's TL;DR is the paper's text, and the page says it is a summary."""
    settings = make_project(source=None)
    shutil.copy(SOURCES / "markdown" / "weekly-table-2025-w10.md", settings.digests_dir)
    shutil.copy(SOURCES / "json" / "scraper-daily-object.json", settings.digests_dir / "d.json")
    build(settings, embedder=StandInEmbedder())
    note = "A one-line summary: no source of this paper gives its abstract."
    pages = {
        folder.name.rsplit("-", 1)[0]: (folder / "index.html").read_text(encoding="utf-8")
        for folder in (settings.site_dir / "papers").iterdir()
        if (folder / "index.html").is_file()
    }
    # Visual-RFT: an abstract in the JSON wins over the table's TL;DR; no note.
    assert note not in pages["visual-rft-visual-reinforcement-fine-tuning"]
    assert note in pages["forgetting-transformer-softmax-attention-with-a-forget-gate"]
    assert note in pages["phi-4-mini-technical-report"]


def test_an_email_with_an_unknown_charset_is_read_as_saved(tmp_path: Path) -> None:
    """A mangled `charset=` once ended in a LookupError traceback; the saved text is read."""
    text = (FIXTURES / "digests" / "formats" / "14-arxiv-mail.eml").read_text(encoding="utf-8")
    path = tmp_path / "mail.eml"
    path.write_text(text.replace("charset=us-ascii", "charset=us-aii"), encoding="utf-8")
    issue, problems, kind = read_digest(path, path.name, 1, None)
    assert (kind.name if kind else None, problems) == ("arXiv listing email", [])
    assert issue is not None and [e.arxiv_id for e in issue.entries] == ["1711.05101"]


def test_a_ris_record_the_parser_cannot_read_costs_only_itself(tmp_path: Path) -> None:
    """rispy raises on a wrapped line right after `TY`; records are parsed one by one."""
    path = tmp_path / "refs.ris"
    path.write_text(
        "TY  - JOUR\nTI  - First\nAB  - Its abstract.\nER  - \n"
        "TY  - JOUR\na wrapped line with no tag\nTI  - Second\nAB  - Another abstract.\nER  - \n",
        encoding="utf-8",
    )
    issue, problems, _ = read_digest(path, path.name, 1, None)
    assert problems == [] and issue is not None
    assert [(e.title, e.location.line) for e in issue.entries] == [("First", 1), ("Second", 5)]


def test_a_json_list_of_titles_without_text_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "titles.json"
    path.write_text('{"items": [{"title": "Visual-RFT", "url": "https://x.org"}]}\n')
    issue, problems, _ = read_digest(path, path.name, 1, None)
    assert issue is None
    [problem] = problems
    assert problem.message.startswith(
        "not a digest — looks like a JSON list of papers with no abstract or summary field "
        "(keys: title, url);"
    )


def test_a_json_array_of_records_links_values_that_are_paper_addresses(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    record = {
        "title": "Forgetting Transformer",
        "abstract": "A forget gate added to softmax attention.",
        "openreview_url": "https://openreview.net/forum?id=q2Lnyegkr8",
        "video": "https://www.youtube.com/watch?v=x",
    }
    path.write_text(json.dumps([record]), encoding="utf-8")
    issue, problems, kind = read_digest(path, path.name, 1, None)
    assert (kind.name if kind else None, problems) == ("arXiv metadata JSON Lines", [])
    assert issue is not None
    assert kinds(issue.entries[0]) == {LinkKind.PAGE: "https://openreview.net/forum?id=q2Lnyegkr8"}


def test_a_list_of_papers_one_object_down_is_found(tmp_path: Path) -> None:
    """`{"data": {"papers": [...]}}`: the records keep their lines."""
    path = tmp_path / "nested.json"
    path.write_text(
        '{"meta": {"date": "2025-03-04"},\n "data": {"total": 2,\n  "papers": [\n'
        '   {"title": "A Paper", "abstract": "Its abstract."},\n'
        '   {"title": "Another", "summary": "Another abstract."}]}}\n',
        encoding="utf-8",
    )
    issue, problems, kind = read_digest(path, path.name, 1, None)
    assert (kind.name if kind else None, problems) == ("JSON list of papers", [])
    assert issue is not None
    assert [(e.title, e.location.line) for e in issue.entries] == [("A Paper", 4), ("Another", 5)]
