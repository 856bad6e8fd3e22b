"""BibTeX and BibLaTeX: real Zotero exports, and a hand-made file with each quirk."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.model import Entry, Link, LinkKind, Severity
from generator.sources import bibtex, read_digests
from generator.sources.formats import BIBTEX, Parsed, Source, detect

FIXTURES = Path(__file__).parent / "fixtures" / "sources" / "bibtex"
# Papers in the file (entries) -> entries read (those with an abstract), and problems.
COUNTS = {
    "zotero-bibtex-aiml430.bib": (14, 14, 0),
    "better-biblatex-erikbjare.bib": (75, 68, 7),
    "zotero-bibtex-boldt-first20.bib": (20, 19, 1),
    "quirks.bib": (11, 5, 4),
}


def read(name: str) -> Parsed:
    return bibtex.read(Source(name, (FIXTURES / name).read_text("utf-8")))


def by_title(parsed: Parsed, title: str) -> Entry:
    return next(entry for entry in parsed.entries if entry.title == title)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_each_fixture_is_detected_and_read(name: str) -> None:
    assert detect((FIXTURES / name).read_text("utf-8")) == BIBTEX
    parsed = read(name)
    _, entries, problems = COUNTS[name]
    assert (len(parsed.entries), len(parsed.problems)) == (entries, problems)


def test_zotero_bibtex_export() -> None:
    parsed = read("zotero-bibtex-aiml430.bib")
    first = parsed.entries[0]
    # {{Case Protected}} braces go; S{\"o}ren is decoded; {St-Charles} stays one last name.
    title = "Superintelligent Agents Pose Catastrophic Risks: Can Scientist AI Offer a Safer Path?"
    assert first.title == title
    assert first.authors[:2] == ("Yoshua Bengio", "Michael Cohen")
    assert "Sören Mindermann" in first.authors
    assert first.authors[-2:] == ("Pierre-Luc St-Charles", "David Williams-King")
    assert first.arxiv_id == "2502.15657"  # eprint + archiveprefix = {arXiv}
    assert Link(LinkKind.DOI, "https://doi.org/10.48550/arXiv.2502.15657") in first.links
    assert first.keywords == (
        "Computer Science - Artificial Intelligence",
        "Computer Science - Machine Learning",
    )
    assert first.date is None  # year + month only: no day is made up
    assert first.abstract.startswith("The leading AI companies are increasingly focused")
    assert "generalist AI agents – systems" in first.abstract  # LaTeX -- is an en dash
    assert first.location.line == 1


def test_zotero_bibtex_arxiv_url_and_missing_abstract() -> None:
    parsed = read("zotero-bibtex-boldt-first20.bib")
    first = parsed.entries[0]
    assert first.title == "Deal or No Deal? End-to-End Learning for Negotiation Dialogues"
    assert first.arxiv_id == "1706.05125"  # from url = {http://arxiv.org/abs/1706.05125}
    assert first.location.line == 2  # the export opens with a blank line
    [problem] = parsed.problems
    assert str(problem) == (
        "zotero-bibtex-boldt-first20.bib:17: error: entry kumagai_human-like_2016 "
        "('Human-like Natural Language Generation Using Monte Carlo Tr…') has no abstract — "
        "add the paper's abstract, or delete the record; the other papers are read"
    )


def test_better_biblatex_export() -> None:
    parsed = read("better-biblatex-erikbjare.bib")
    first = parsed.entries[0]
    assert first.title == (
        "Sampling in Software Engineering Research: A Critical Review and Guidelines"
    )
    assert (first.date, first.arxiv_id) == (dt.date(2021, 10, 20), "2002.07764")
    dry = next(e for e in parsed.entries if e.title.startswith("The Dry Revolution"))
    assert dry.arxiv_id is None  # eprint = {30893791}, eprinttype = {pmid}
    assert dry.date == dt.date(2019, 3, 19)
    assert Link(LinkKind.DOI, "https://doi.org/10.3390/s19061365") in dry.links
    khazem = next(e for e in parsed.entries if e.title.startswith("Minimizing Subject"))
    assert khazem.date is None  # date = {2021-05}
    assert khazem.authors[2] == "Quentin Barthélemy"
    pysyft = next(e for e in parsed.entries if e.title.startswith("PySyft"))
    assert pysyft.date == dt.date(2021, 12, 3)  # date = {2021-12-03T08:57:26Z}
    assert pysyft.links == (Link(LinkKind.PAGE, "https://github.com/OpenMined/PySyft"),)


def test_quirks() -> None:
    parsed = read("quirks.bib")
    bert = parsed.entries[0]
    assert bert.title == (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert bert.abstract == (
        "We introduce a new language representation model called BERT, which is 50% better."
    )
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert (bert.date, bert.arxiv_id, bert.categories) == (
        dt.date(2019, 6, 2),
        "1810.04805",
        ("cs.CL",),
    )
    assert bert.keywords == ("language models", "pre-training")
    assert bert.links == (
        Link(LinkKind.ABSTRACT, "https://arxiv.org/abs/1810.04805"),
        Link(LinkKind.PDF, "https://arxiv.org/pdf/1810.04805"),
    )
    mueller = parsed.entries[1]
    assert mueller.title == "Über die Kraft der Müller-Methode"
    # "and others" is dropped; a braced corporate name stays whole.
    assert mueller.authors == ("Jörg Müller", "Anaïs Étienne", "World Health Organization")
    assert mueller.abstract == "Accents are decoded: naïve café, and math stays $\\alpha + \\beta$."
    assert (mueller.date, mueller.arxiv_id, mueller.categories) == (
        dt.date(2024, 3, 11),
        "2403.01234",
        ("cs.LG",),
    )
    assert Link(LinkKind.DOI, "https://doi.org/10.1000/xyz123") in mueller.links
    assert Link(LinkKind.PAGE, "https://example.org/paper?id=1&x=2") in mueller.links
    medline = parsed.entries[2]
    assert (medline.title, medline.arxiv_id, medline.links, medline.date) == (
        "A Medline Record",
        None,
        (),  # url = {javascript:alert(1)} is no link
        None,  # date = {2021}
    )
    attention, again = parsed.entries[3:]
    assert (attention.title, attention.arxiv_id, attention.authors) == (
        "Attention Is All You Need",
        "1706.03762",
        ("Ashish Vaswani", "Noam Shazeer"),
    )
    assert again.arxiv_id == "1706.03762"  # from the arXiv DOI
    assert again.location.line == 67


def test_quirks_problems() -> None:
    assert [str(p) for p in read("quirks.bib").problems] == [
        "quirks.bib:45: error: entry scholar2020 ('Language Models are Few-Shot Learners') "
        "has no abstract — add the paper's abstract, or delete the record; the other papers "
        "are read",
        "quirks.bib:52: error: @article entry broken2021 cannot be read: Unexpected block "
        "start: `@misc`. Was still looking for field-value closing `}` — check the entry's "
        "braces, quotes and commas; the other entries are read",
        "quirks.bib:67: warning: entry key 'vaswani2017attention' is used twice (first at "
        "line 56) — both entries are read; give each entry its own key",
        "quirks.bib:74: error: @article entry truncated2022 cannot be read: Unexpectedly "
        "reached end of file. — check the entry's braces, quotes and commas; the other "
        "entries are read",
    ]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_local_file_paths_are_never_published(name: str) -> None:
    text = (FIXTURES / name).read_text("utf-8")
    assert "file = {" in text or name.startswith("zotero-bibtex-boldt")  # Zotero's tab layout
    for entry in read(name).entries:
        values = [str(v) for v in dataclasses.astuple(entry)]
        for value in values:
            for path in ("/home/", "/Users/", "Zotero/storage", "C:\\", ".pdf:application"):
                assert path not in value, (entry.title, value)


def test_a_parser_crash_is_one_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(text: str) -> None:
        raise RuntimeError("invalid state")

    monkeypatch.setattr(bibtex, "parse_string", crash)
    parsed = bibtex.read(Source("x.bib", "@misc{a, title={T}}"))
    assert parsed.entries == ()
    assert [str(p) for p in parsed.problems] == [
        "x.bib:1: error: cannot be read as BibTeX (invalid state) — check the file is a .bib "
        "export; fix it or move it out of the digests folder"
    ]


def test_jabref_header_is_bibtex() -> None:
    text = "This file was created with JabRef 2.10.\nEncoding: UTF8\n\n@article{a, title={T}}\n"
    assert detect(text) == BIBTEX


def test_read_digests_reports_bibtex(tmp_path: Path) -> None:
    for name in COUNTS:
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = read_digests(tmp_path, relative_to=tmp_path)
    reports = {(f.path, f.format, f.papers) for f in result.files}
    assert reports == {(name, "BibTeX", counts[1]) for name, counts in COUNTS.items()}
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    assert len(errors) == 7 + 1 + 3
