"""Markdown digests: real bot-written digests, and the documented hand-written format."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from generator.model import Entry, Link, LinkKind, Location
from generator.sources import markdown, read_digests
from generator.sources.formats import MARKDOWN, Parsed, Source, detect

FIXTURES = Path(__file__).parent / "fixtures" / "sources" / "markdown"
BOT_COUNTS = {
    "arxiv-rss-bot-readme-2025-08-15.md": 30,
    "arxiv-rss-bot-readme-2025-12-02.md": 30,
    "arxiv-rss-bot-readme-2025-12-04.md": 30,
    "arxiv-rss-bot-readme-2026-01-26.md": 30,
    "arxiv-rss-bot-readme-2026-08-21.md": 30,
    "daily-arxiv-digest-2025-06-20.md": 19,
}
CJK = re.compile("[\u4e00-\u9fff]")


def read(name: str) -> Parsed:
    return markdown.read(Source(name, (FIXTURES / name).read_text("utf-8")))


@pytest.mark.parametrize("name", sorted(BOT_COUNTS))
def test_bot_digests_read_every_paper(name: str) -> None:
    text = (FIXTURES / name).read_text("utf-8")
    assert detect(text) == MARKDOWN
    parsed = read(name)
    assert parsed.problems == ()
    assert len(parsed.entries) == BOT_COUNTS[name]
    numbered = re.findall(r"^### (?:\d+\.|\[\d+\]) \[", text, re.M)
    assert len(numbered) == BOT_COUNTS[name]
    # Headings in <details> and in AI summaries never become papers or abstracts.
    for entry in parsed.entries:
        assert not CJK.search(entry.title + entry.abstract), entry.title
        assert entry.arxiv_id is not None and entry.authors


def test_bot_digest_with_details() -> None:
    parsed = read("arxiv-rss-bot-readme-2026-08-21.md")
    first, second = parsed.entries[:2]
    assert first.title == (
        "FlashPrefill V2: Block-Sparse Prefill Attention for Long-Context LLM Serving"
    )
    assert first.authors == (
        "Qihang Fan",
        "Huaibo Huang",
        "Zhiying Wu",
        "Bingning Wang",
        "Ran He",
    )
    assert (first.date, first.categories, first.arxiv_id) == (
        dt.date(2026, 8, 21),
        ("cs.CL",),
        "2608.19758",
    )
    # The abstract is what the bot kept: about 200 characters and an ellipsis.
    assert first.abstract.startswith("Long-context modeling is a pivotal capability")
    assert first.abstract.endswith("through instantaneous pattern discovery a...")
    assert first.location == Location("arxiv-rss-bot-readme-2026-08-21.md", 18)
    assert second.location.line == 219
    assert parsed.entries[-1].title.startswith("FAR-DPO: Feasibility-Aware")


def test_bot_digest_with_announce_lines() -> None:
    first = read("arxiv-rss-bot-readme-2025-08-15.md").entries[0]
    assert first.title == "SIFThinker: Spatially-Aware Image Focus for Visual Reasoning"
    assert first.abstract.startswith("Current multimodal large language models (MLLMs) still")
    assert first.arxiv_id == "2508.06259"


def test_bot_digest_without_abstract_heading() -> None:
    first = read("arxiv-rss-bot-readme-2025-12-02.md").entries[0]
    assert first.abstract.startswith("Large Language Models drive a wide range of modern AI")
    assert first.abstract.endswith("framework designed to ...")


def test_daily_arxiv_digest_abstract_in_details(tmp_path: Path) -> None:
    parsed = read("daily-arxiv-digest-2025-06-20.md")
    first = parsed.entries[0]
    assert first.title == (
        "HiURE: Hierarchical Exemplar Contrastive Learning for Unsupervised Relation Extraction"
    )
    # The italic line is the authors; a stray backtick in a name stays.
    assert first.authors == (
        "Shuliang Liu",
        "Xuming Hu",
        "Chenwei Zhang",
        "Shu`ang Li",
        "Lijie Wen",
        "Philip S. Yu",
    )
    assert first.keywords == (
        "unsupervised relation extraction",
        "contrastive learning",
        "hierarchical signals",
    )
    assert first.categories == ("cs.CL",)
    assert first.abstract.startswith("Unsupervised relation extraction aims to extract")
    assert "TL;DR" not in first.abstract and "Motivation" not in first.abstract
    assert parsed.date == dt.date(2025, 6, 20)  # the "# 2025-06-20" heading


def own_format(tmp_path: Path) -> tuple[list[str], list[str], dict[str, Entry]]:
    shutil.copy(FIXTURES / "own-format.md", tmp_path / "own-format.md")
    result = read_digests(tmp_path, relative_to=tmp_path)
    [issue] = result.issues
    assert (issue.title, issue.date) == ("Reading group, week 12", dt.date(2025, 3, 11))
    entries = {entry.title: entry for entry in issue.entries}
    return list(entries), [str(p) for p in result.problems], entries


def test_own_format_papers_and_problems(tmp_path: Path) -> None:
    titles, problems, _ = own_format(tmp_path)
    # "Sequence models" (a section), the intro, the <details> heading: not papers.
    assert titles == [
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
        "Scaling Laws for Neural Language Models",
        "A Tutorial on Bayesian Optimization",
        "Hugging Face Listed",
    ]
    hint = "add the paper's abstract, or delete the record; the other papers are read"
    assert problems == [
        f"own-format.md:30: error: paper ('A Paper Without Abstract') has no abstract — {hint}",
        f"own-format.md:41: error: paper ('Link Without Text') has no abstract — {hint}",
    ]


def test_own_format_fields(tmp_path: Path) -> None:
    _, _, entries = own_format(tmp_path)
    attention = entries["Attention Is All You Need"]
    assert attention.abstract == (
        "The dominant sequence transduction models are based on complex recurrent networks. "
        "We propose the Transformer, based solely on attention, at a cost of "
        "$O(n^2 \\cdot d)$. It generalizes well. <script>alert(1)</script>"
    )
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert attention.date == dt.date(2017, 6, 12)
    assert attention.arxiv_id == "1706.03762"
    code = Link(LinkKind.CODE, "https://github.com/tensorflow/tensor2tensor")
    assert code in attention.links
    assert attention.location == Location("own-format.md", 11)
    resnet = entries["Deep Residual Learning for Image Recognition"]
    assert resnet.authors == ("Kaiming He", "Xiangyu Zhang")
    assert resnet.links == (Link(LinkKind.PROJECT, "https://example.org/resnet"),)
    assert resnet.abstract == (
        "Deeper neural networks are more difficult to train. "
        "We present a residual learning framework."
    )
    bayes = entries["A Tutorial on Bayesian Optimization"]
    assert bayes.abstract.startswith("Bayesian optimization optimizes")
    assert bayes.links == (Link(LinkKind.PAGE, "https://example.org/bo.pdf"),)
    listed = entries["Hugging Face Listed"]
    assert listed.arxiv_id == "2501.01234"
    assert listed.abstract == "A paper read from a Hugging Face link, with a line of links."
    assert [link.kind for link in listed.links] == [
        LinkKind.ABSTRACT,
        LinkKind.PDF,
        LinkKind.HUGGING_FACE,
        LinkKind.CODE,
    ]


BOT_SHAPED = """\
## Papers

### 1. [First Paper](https://arxiv.org/abs/2501.00001)

We propose the first method.

## Configuration

This section is not a paper.

### 2. [Second Paper](https://arxiv.org/abs/2501.00002)

#### Abstract
We propose the second method.

#### AI Summary
The summary is not the abstract.

- [A Link Item](https://example.org) is not a paper in a bot digest
"""


def test_numbered_link_headings_switch_to_the_bot_rules() -> None:
    parsed = markdown.read(Source("bot.md", BOT_SHAPED))
    assert parsed.problems == ()
    assert [(e.title, e.abstract, e.location.line) for e in parsed.entries] == [
        ("First Paper", "We propose the first method.", 3),
        ("Second Paper", "We propose the second method.", 11),
    ]


def test_read_digests_reports_markdown(tmp_path: Path) -> None:
    for name in BOT_COUNTS:
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = read_digests(tmp_path, relative_to=tmp_path)
    reports = {(f.path, f.format, f.papers) for f in result.files}
    assert reports == {(name, "Markdown digest", count) for name, count in BOT_COUNTS.items()}
    dates = {issue.source: issue.date for issue in result.issues}
    assert dates["daily-arxiv-digest-2025-06-20.md"] == dt.date(2025, 6, 20)


ORDERED = """\
Papers this week:

1. [Ordered One](https://arxiv.org/abs/2502.00001)

   First abstract, in its own indented paragraph.

2. [Ordered Two](https://example.org/two) Second abstract on the title's line.

## Raw HTML Paper

<div onclick="alert(1)">An abstract written as raw HTML stays text.</div>
"""


def test_ordered_list_papers_and_raw_html() -> None:
    parsed = markdown.read(Source("ordered.md", ORDERED))
    assert parsed.problems == ()
    assert [(e.title, e.abstract, e.location.line) for e in parsed.entries] == [
        ("Ordered One", "First abstract, in its own indented paragraph.", 3),
        ("Ordered Two", "Second abstract on the title's line.", 7),
        (
            "Raw HTML Paper",
            '<div onclick="alert(1)">An abstract written as raw HTML stays text.</div>',
            9,
        ),
    ]
    assert parsed.entries[0].arxiv_id == "2502.00001"
    assert parsed.entries[1].links == (Link(LinkKind.PAGE, "https://example.org/two"),)
