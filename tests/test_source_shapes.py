"""No junk, by rule: page text only by its shape; anything else refused whole, in one line.

Fixtures (tests/fixtures/sources/junk/, hand-made in the shapes of issue 24's real files; see
tests/fixtures/sources/README.md) are read as a build reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model import Entry, Problem, Severity
from generator.sources import read_digest
from generator.sources.formats import sniff
from tests.conftest import FIXTURES

SOURCES = FIXTURES / "sources"
README = Path(__file__).resolve().parent.parent / "README.md"


def read(path: Path) -> tuple[str | None, tuple[Entry, ...], list[Problem]]:
    issue, problems, kind = read_digest(path, path.name, 1, None)
    return (kind.name if kind else None), (issue.entries if issue else ()), problems


@pytest.mark.parametrize(
    ("name", "looks_like"),
    [
        ("hf-daily-analysis-2025-03-04.md", "a Markdown table with no abstract column"),
        ("conference-newsletter.eml", "an email (not arXiv's daily listing email)"),
        ("python-repr-dump.json", "a Python repr dump (single quotes, None), not JSON"),
        ("wrapped-notes.txt", "text that is not page text"),
    ],
)
def test_junk_is_refused_whole_in_one_line(name: str, looks_like: str) -> None:
    kind, entries, problems = read(SOURCES / "junk" / name)
    assert (kind, entries) == (None, ())
    [problem] = problems
    assert problem.severity is Severity.ERROR and problem.location.line == 1
    assert problem.message.startswith(f"not a digest — looks like {looks_like}")
    assert "supported formats:" in problem.message and "RIS" in problem.message


def test_a_page_text_title_that_starts_with_a_hash_stays_page_text() -> None:
    kind, entries, problems = read(SOURCES / "junk" / "hash-title-page-text.txt")
    assert (kind, problems) == ("Hugging Face page text", [])
    assert [e.title for e in entries] == [
        "# of Parameters Is Not All You Need: Width Scaling in Small Language Models",
        "Phi-4-Mini Technical Report",
    ]


def test_the_readme_markdown_example_gives_its_two_papers(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("**Markdown digests** (the hand-written format):")
    example = text[text.index("```markdown\n", start) + 12 : text.index("\n```\n", start)]
    digest = tmp_path / "example.md"
    digest.write_text(example + "\n", encoding="utf-8")
    kind, entries, problems = read(digest)
    assert (kind, problems) == ("Markdown digest", [])
    assert [(e.title, e.arxiv_id) for e in entries] == [
        ("Deep Residual Learning for Image Recognition", "1512.03385"),
        ("A paper as a list item", "1409.3215"),
    ]
    assert entries[0].abstract.startswith("Deeper neural networks are more difficult to train.")
    assert entries[1].abstract == "Its abstract, indented below it."


def test_page_text_needs_title_and_abstract_pairs_for_most_lines() -> None:
    title = "Phi-4-Mini Technical Report"
    abstract = "We introduce Phi-4-Mini, a compact language model trained on curated web data."
    assert sniff(f"{title}\n{abstract}\n").evidence == "1 title/abstract pairs in 2 content lines"
    wrapped = "\n".join(["a line of wrapped text with no full stop at its end"] * 6)
    detected = sniff(f"{title}\n{abstract}\n{wrapped}\n")
    assert detected.evidence == "1 title/abstract pairs in 8 content lines"
    assert not hasattr(detected.found, "front_matter")  # refused: not a Format


def test_every_junk_fixture_is_tested() -> None:
    assert {p.name for p in (SOURCES / "junk").iterdir()} == {
        "hf-daily-analysis-2025-03-04.md",
        "conference-newsletter.eml",
        "python-repr-dump.json",
        "wrapped-notes.txt",
        "hash-title-page-text.txt",
    }
