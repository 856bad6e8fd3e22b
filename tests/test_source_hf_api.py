"""Reading Hugging Face daily-papers API JSON: both shapes, JSON Lines, files cut short."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from generator.model import Link, LinkKind
from generator.sources import read_digests
from generator.sources.formats import HF_API, Source, detect
from generator.sources.hf_api import read

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources" / "hf_api"
SAMPLE = FIXTURES / "sotawhat-daily.json"


def source(name: str, text: str | None = None) -> Source:
    return Source(name, text if text is not None else (FIXTURES / name).read_text("utf-8"))


def links(entry_links: tuple[Link, ...]) -> list[tuple[str, str]]:
    return [(item.kind.value, item.url) for item in entry_links]


def test_real_2026_response_minified_without_final_newline() -> None:
    text = SAMPLE.read_text("utf-8")
    assert "\n" not in text  # one line, no final newline: every record starts on line 1
    parsed = read(source("sotawhat-daily.json"))
    assert parsed.problems == ()
    assert len(parsed.entries) == 30
    assert parsed.date == dt.date(2026, 6, 12)  # submittedOnDailyAt, not the arXiv time
    second = parsed.entries[1]
    assert second.title == (
        "Rethinking Psychometric Evaluation of LLMs: When and Why Self-Reports Predict Behavior"
    )
    assert second.arxiv_id == "2606.12730"
    assert second.authors[:3] == ("Rafal Kocielnik", "Pengrui Han", "Peiyang Song")
    assert second.upvotes == 5
    assert second.date == dt.date(2026, 6, 12)
    assert second.keywords[:3] == ("LLMs", "psychometric probes", "self-reports")
    assert second.location.line == 1
    assert links(second.links) == [
        ("abstract", "https://arxiv.org/abs/2606.12730"),
        ("pdf", "https://arxiv.org/pdf/2606.12730"),
        ("huggingface", "https://huggingface.co/papers/2606.12730"),
        ("code", "https://github.com/psychology-of-AI/Rethinking-Pyschometric-Eval-LLMs"),
    ]
    third = parsed.entries[2]
    assert ("project", "https://chicychen.github.io/dense-hetero-latent-mas/") in links(third.links)
    assert not any(item.kind is LinkKind.CODE for item in third.links)


def test_literal_markup_in_a_summary_stays_text() -> None:
    parsed = read(source("sotawhat-daily.json"))
    [switch] = [e for e in parsed.entries if e.arxiv_id == "2606.13106"]
    assert "The model emits <swi> to enter latent mode and </swi> to exit" in switch.abstract


def test_2024_shape_whole_titles_unwrapped_summaries_and_listing_time() -> None:
    parsed = read(source("daily-2024-shape.json"))
    assert parsed.problems == ()
    first, second, third = parsed.entries
    # The item's whole title is preferred; paper.title alone is folded onto one line.
    assert first.title == "Sparse Mixtures of Tiny Experts for Long-Context Retrieval"
    assert second.title == "Counting Objects in Satellite Images without Boxes"
    assert first.abstract.startswith(
        "We study retrieval over very long contexts with sparse mixtures of small experts. Each"
    )
    # A hidden author hides their Hub account, not their name.
    assert first.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")
    # No submittedOnDailyAt: the item's publishedAt is the listing time.
    assert [e.date for e in parsed.entries] == [
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 14),
    ]
    assert parsed.date == dt.date(2024, 3, 15)
    assert (first.upvotes, third.upvotes) == (42, 7)  # the paper's, else the item's
    assert [e.location.line for e in parsed.entries] == [2, 42, 61]


def test_json_lines_broken_line_and_wrong_records_cost_only_themselves() -> None:
    parsed = read(source("daily-2025-shape.jsonl"))
    assert [e.title for e in parsed.entries] == [
        "Unsafe Links Are Not Links",
        "Listed on Tuesday",
        "Also Listed on Tuesday",
    ]
    assert [str(p) for p in parsed.problems] == [
        "daily-2025-shape.jsonl:2: error: record 2 is not valid JSON (invalid control character "
        "at line 2, column 98) — fix or delete the record; the other records are read",
        "daily-2025-shape.jsonl:3: error: record 3 is not a Hugging Face paper (a JSON array "
        'with no "paper" object) — each item of a daily-papers file holds a "paper"; '
        "fix or delete this one",
        "daily-2025-shape.jsonl:4: error: record 4 ('No Summary Anywhere') has no abstract — "
        "add the paper's abstract, or delete the record; the other papers are read",
    ]
    unsafe, _, keyworded = parsed.entries
    # A javascript: repository address is dropped; the plain project page is kept.
    assert links(unsafe.links)[2:] == [
        ("huggingface", "https://huggingface.co/papers/2506.00001"),
        ("project", "https://lin-wei.github.io/unsafe-links/"),
    ]
    assert unsafe.keywords == ("link safety", "URL schemes")
    assert keyworded.upvotes == 11
    assert parsed.date == dt.date(2025, 6, 3)  # two of three papers listed that day


def test_a_download_cut_short_keeps_the_records_before_the_break() -> None:
    text = SAMPLE.read_text("utf-8")
    cut = text[: len(text) // 2]
    assert detect(cut) is HF_API
    parsed = read(source("cut.json", cut))
    assert len(parsed.entries) == 14
    [problem] = parsed.problems
    assert str(problem) == (
        "cut.json:1: error: record 15 is broken: JSON syntax error at line 1, column 83188 "
        "(unterminated string) — the file may be cut short (download it again) or hand-edited; "
        "the records before it are read"
    )


def test_indented_array_cut_between_records_and_text_after_an_array() -> None:
    items = json.loads((FIXTURES / "daily-2024-shape.json").read_text("utf-8"))
    indented = json.dumps(items[:2], indent=2)
    parsed = read(source("cut.json", indented[: indented.rindex("}") + 1]))
    assert len(parsed.entries) == 2
    [problem] = parsed.problems
    assert problem.message.startswith("record 3 is broken: JSON syntax error at line 60, column 4")
    assert "(the file ends inside the array)" in problem.message
    trailing = read(source("extra.json", json.dumps(items[:1]) + "\n]\n"))
    assert len(trailing.entries) == 1
    assert [str(p) for p in trailing.problems] == [
        "extra.json:2: error: text after the end of the JSON array (line 2, column 1) — "
        "delete it; the records of the array are read"
    ]


def test_single_item_object_and_wrong_records_in_an_array() -> None:
    items = json.loads((FIXTURES / "daily-2024-shape.json").read_text("utf-8"))
    single = read(source("one.json", json.dumps(items[2], indent=4)))
    assert [e.title for e in single.entries] == ["Shortest Paths for Language Agents"]
    assert single.date == dt.date(2024, 3, 14)
    mixed = read(source("mixed.json", json.dumps([items[0], 7, {"title": "x"}, None])))
    assert len(mixed.entries) == 1
    assert [p.message for p in mixed.problems] == [
        'record 2 is not a Hugging Face paper (a JSON number with no "paper" object)',
        'record 3 is not a Hugging Face paper (an object with no "paper" object)',
        'record 4 is not a Hugging Face paper (a JSON null with no "paper" object)',
    ]


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    parsed = read(source("deep.json", "[" + "[" * 100_000))
    assert parsed.entries == ()
    [problem] = parsed.problems
    assert "nested too deeply, or a number too long" in problem.message


def test_listing_day_ties_go_to_the_latest_day() -> None:
    items = json.loads((FIXTURES / "daily-2024-shape.json").read_text("utf-8"))
    parsed = read(source("tie.json", json.dumps([items[0], items[2]])))
    assert [e.date for e in parsed.entries] == [dt.date(2024, 3, 15), dt.date(2024, 3, 14)]
    assert parsed.date == dt.date(2024, 3, 15)


def test_end_to_end_through_read_digests(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "01-daily.json")
    shutil.copy(FIXTURES / "daily-2024-shape.json", folder / "02-2024.json")
    result = read_digests(folder, relative_to=tmp_path)
    assert result.problems == ()
    assert [(f.path, f.format, f.papers) for f in result.files] == [
        ("digests/01-daily.json", HF_API.name, 30),
        ("digests/02-2024.json", HF_API.name, 3),
    ]
    assert [i.date for i in result.issues] == [dt.date(2026, 6, 12), dt.date(2024, 3, 15)]
