"""Reading JSON Lines of arXiv metadata: the daily-digest shape and arXiv's metadata snapshot."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from generator.model import Link
from generator.sources import read_digests
from generator.sources.arxiv_jsonl import read
from generator.sources.formats import ARXIV_JSONL, Source, detect

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources" / "arxiv_jsonl"


def source(name: str, text: str | None = None) -> Source:
    return Source(name, text if text is not None else (FIXTURES / name).read_text("utf-8"))


def links(entry_links: tuple[Link, ...]) -> list[tuple[str, str]]:
    return [(item.kind.value, item.url) for item in entry_links]


def test_real_snapshot_lines() -> None:
    parsed = read(source("kaggle-snapshot-head.json"))
    assert parsed.problems == ()
    assert [e.arxiv_id for e in parsed.entries] == [f"0704.{n:04d}" for n in range(1, 11)]
    first = parsed.entries[0]
    # A title broken across lines with two spaces, folded; the abstract's leading newline gone.
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.abstract.startswith("A fully differential calculation in perturbative quantum")
    # authors_parsed is preferred: "Bal\\'azs" in `authors` is "Balázs" there.
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert first.date == dt.date(2007, 4, 2)  # versions[0].created, an RFC 2822 date
    assert first.categories == ("hep-ph",)
    assert links(first.links) == [
        ("abstract", "https://arxiv.org/abs/0704.0001"),
        ("pdf", "https://arxiv.org/pdf/0704.0001"),
        ("doi", "https://doi.org/10.1103/PhysRevD.76.013009"),
    ]
    second = parsed.entries[1]
    assert second.categories == ("math.CO", "cs.CG")
    assert not any(item.kind.value == "doi" for item in second.links)  # "doi": null
    spitzer = parsed.entries[8]
    assert spitzer.authors[-2:] == ("Neal J. Evans II", "Philip C. Myers")  # the suffix kept
    assert [e.location.line for e in parsed.entries] == list(range(1, 11))


def test_real_daily_digest_lines() -> None:
    parsed = read(source("daily-2025-04-01.jsonl"))
    assert parsed.problems == ()
    assert len(parsed.entries) == 5
    first = parsed.entries[0]
    assert first.title == (
        "Fragile Mastery: Are Domain-Specific Trade-Offs Undermining On-Device Language Models?"
    )
    assert first.authors == ("Basab Jha", "Firoj Paudel")
    assert first.categories == ("cs.CL",)
    assert first.date is None  # the issue's date comes from the file name
    assert first.abstract.startswith(
        "The application of on-device language models (ODLMs) on resource-constrained edge "
        "devices is"
    )
    assert parsed.entries[1].categories == ("cs.CL", "cs.AI", "cs.CV")


def test_quirks_and_bad_lines() -> None:
    parsed = read(source("quirks.jsonl"))
    daily, old, suffixes, brackets = parsed.entries
    assert (daily.title, daily.arxiv_id) == (
        "Daily Digest Records Carry an AI Object",
        "2504.00001",
    )
    assert daily.abstract == (
        "The daily digest shape wraps its summary at about eighty characters, and adds an object "
        "of machine-written notes."
    )
    assert old.title == "On the Theory of Old Identifiers"  # double spaces and a line break
    assert old.arxiv_id == "math/0406123"
    assert old.authors == ("J. Smith", "K. Jones", "L. Brown")  # no authors_parsed: the string
    assert old.date == dt.date(2004, 6, 7)  # no versions: update_date
    assert old.categories == ("math.PR", "math.ST")
    assert links(old.links) == [
        ("abstract", "https://arxiv.org/abs/math/0406123"),
        ("pdf", "https://arxiv.org/pdf/math/0406123"),
        ("doi", "https://doi.org/10.1000/xyz123"),  # the first of two DOIs
    ]
    assert suffixes.arxiv_id == "2504.00006"  # the version dropped
    assert suffixes.authors == ("Martin Luther King Jr.", "Ana de la Cruz")
    assert suffixes.date == dt.date(2025, 4, 2)  # the v1 entry, listed second
    assert not any(item.kind.value == "doi" for item in suffixes.links)  # "not-a-doi"
    assert links(brackets.links)[2] == (
        "doi",
        "https://doi.org/10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C432%3A%3AAID-JBM11"
        "%3E3.0.CO%3B2-Z",
    )
    assert brackets.date == dt.date(2025, 4, 4)  # "not a date": update_date
    assert [e.location.line for e in parsed.entries] == [1, 3, 7, 8]
    hint = "fix or delete the line; the other lines are read"
    assert [str(p) for p in parsed.problems] == [
        f"quirks.jsonl:4: error: record 3 is not valid JSON (expecting ',' delimiter at column "
        f"94) — {hint}",
        f"quirks.jsonl:5: error: record 4 is not a JSON object — {hint}",
        "quirks.jsonl:6: error: record 5 (arXiv 2504.00005) ('A Record Without Its Abstract') "
        "has no abstract — add the paper's abstract, or delete the record; the other papers "
        "are read",
        "quirks.jsonl:9: error: record 8 (arXiv 2504.00008) has no title — give the paper a "
        "title, or delete the record",
    ]


def test_unreadable_json_is_a_problem_not_a_crash() -> None:
    text = '{"title": "T", "abstract": "A", "n": ' + "1" * 5000 + "}\n" + "[" * 100_000 + "\n"
    parsed = read(source("odd.jsonl", text))
    assert parsed.entries == ()
    assert [(p.location.line, p.message) for p in parsed.problems] == [
        (1, "record 1 is not JSON this program can read"),
        (2, "record 2 is not JSON this program can read"),
    ]
    # Opening with "[", the file is one JSON array: its nesting is one problem.
    parsed = read(source("deep.json", "[" * 100_000 + "\n"))
    assert parsed.entries == ()
    assert [(p.location.line, p.message) for p in parsed.problems] == [
        (
            1,
            "record 1 is broken: JSON syntax error at line 1, column 2 "
            "(nested too deeply, or a number too long)",
        ),
    ]


def test_a_broken_first_line_still_detects_json_lines() -> None:
    good = (FIXTURES / "daily-2025-04-01.jsonl").read_text("utf-8")
    text = '{"id": "2504.99999", "title": "cut\n' + good
    assert detect(text) is ARXIV_JSONL
    parsed = read(source("cut.jsonl", text))
    assert len(parsed.entries) == 5
    assert [p.location.line for p in parsed.problems] == [1]


def test_end_to_end_through_read_digests(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(FIXTURES / "daily-2025-04-01.jsonl", folder / "2025-04-01.jsonl")
    shutil.copy(FIXTURES / "kaggle-snapshot-head.json", folder / "snapshot.json")
    result = read_digests(folder, relative_to=tmp_path)
    assert result.problems == ()
    assert [(f.path, f.format, f.papers) for f in result.files] == [
        ("digests/2025-04-01.jsonl", ARXIV_JSONL.name, 5),
        ("digests/snapshot.json", ARXIV_JSONL.name, 10),
    ]
    assert [i.date for i in result.issues] == [dt.date(2025, 4, 1), None]
