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
    # Raw HTML is layout, never abstract text: a heading over HTML only is a section.
    assert [(e.title, e.abstract, e.location.line) for e in parsed.entries] == [
        ("Ordered One", "First abstract, in its own indented paragraph.", 3),
        ("Ordered Two", "Second abstract on the title's line.", 7),
    ]
    assert parsed.entries[0].arxiv_id == "2502.00001"
    assert parsed.entries[1].links == (Link(LinkKind.PAGE, "https://example.org/two"),)


# Real files that were read wrong (hunt of 2025): each trimmed to a few papers.
REAL_COUNTS = {
    "arxiv-paper-radar-2026-07-11.md": 3,
    "daily-arxiv-ai-enhanced-2026-06-25.md": 5,
    "daily-papers-ko-2023-12-04.md": 4,
    "hf-newsletter-chinese-2025-01-23.md": 2,
}


def test_awesome_list_sections_are_not_papers(tmp_path: Path) -> None:
    # `### [Survey Papers](#content)` over `1. **Title** Venue. [paper](url)` items, an HTML
    # table of contents: sections, not papers; the file has no papers and says so.
    parsed = read("awesome-ml4co-readme.md")
    assert (parsed.entries, parsed.problems) == ((), ())
    shutil.copy(FIXTURES / "awesome-ml4co-readme.md", tmp_path / "awesome-ml4co-readme.md")
    result = read_digests(tmp_path, relative_to=tmp_path)
    assert [(f.path, f.papers) for f in result.files] == [("awesome-ml4co-readme.md", 0)]
    assert [str(p) for p in result.problems] == [
        "awesome-ml4co-readme.md:1: error: no papers found in this digest (read as Markdown "
        "digest) — see README's Digest formats for what each format needs"
    ]


def test_html_anchor_after_details_is_not_abstract() -> None:
    parsed = read("daily-arxiv-ai-enhanced-2026-06-25.md")
    assert parsed.problems == ()
    assert [(e.arxiv_id, e.location.line) for e in parsed.entries] == [
        ("2606.25041", 16),
        ("2606.25220", 39),
        ("2606.25483", 62),
        ("2606.26007", 85),
        ("2606.25276", 112),
    ]
    fourth = parsed.entries[3]
    assert fourth.title.startswith("From Sparse and Imperfect 2D Anchors")
    # `<div id='cs.GT'></div>` (the next category's anchor) follows `</details>`.
    assert fourth.abstract.endswith(
        "Code will be released at https://github.com/Cagares/Baking-for-3D-Gaussian."
    )
    assert all("<div" not in e.abstract and "cs.GT" not in e.abstract for e in parsed.entries)
    assert parsed.entries[4].abstract.startswith("Combinatorial game theory is a branch")


def test_video_lines_are_not_abstract() -> None:
    parsed = read("daily-papers-ko-2023-12-04.md")
    assert parsed.problems == ()
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
        "Merlin:Empowering Multimodal LLMs with Foresight Minds",
        "SeaLLMs -- Large Language Models for Southeast Asia",
        "VideoBooth: Diffusion-based Video Generation with Image Prompts",
    ]
    merlin = parsed.entries[1]
    # `[Watch Video]https://…mp4` and `<div><video …></video></div>` come before Authors:.
    assert merlin.abstract.startswith("현재 관찰을 바탕으로 미래를 어느 정도 예측하는")
    assert merlin.abstract.endswith("다수 객체의 잠재적 동작에 대한 분석을 지원합니다.")
    assert merlin.authors[:2] == ("En Yu", "Liang Zhao") and len(merlin.authors) == 11
    assert merlin.arxiv_id == "2312.00589"
    for entry in parsed.entries:
        assert "Watch Video" not in entry.abstract and "http" not in entry.abstract


def test_metadata_list_items_are_not_abstract() -> None:
    parsed = read("arxiv-paper-radar-2026-07-11.md")
    assert parsed.problems == ()
    first = parsed.entries[0]
    assert first.title == "Reinforcing the Generation Order of Multimodal Masked Diffusion Models"
    # Recommendation/Score/Topics/Matched keywords are metadata; Links: gives the id.
    assert first.abstract == (
        "Likely relevant to Diffusion Language Models. Diffusion Language Models (DLMs) have "
        "recently achieved substantial progress in natural language generation tasks."
    )
    assert first.arxiv_id == "2607.08056"
    assert first.links == (
        Link(LinkKind.ABSTRACT, "https://arxiv.org/abs/2607.08056"),
        Link(LinkKind.PDF, "https://arxiv.org/pdf/2607.08056"),
    )
    assert first.authors == ("Yidong Ouyang", "Zhe Wang", "Sourav Bhabesh", "Dmitriy Bespalov")
    assert first.date == dt.date(2026, 7, 9)
    assert [e.arxiv_id for e in parsed.entries] == ["2607.08056", "2607.08284", "2607.08186"]
    # `Aiwei Liu, Cheng Shi, Chuhan Wu, Ci Lei, et al.`: "et al." is not a name.
    assert parsed.entries[2].authors == ("Aiwei Liu", "Cheng Shi", "Chuhan Wu", "Ci Lei")


def test_full_width_keys_links_and_statistics_section() -> None:
    parsed = read("hf-newsletter-chinese-2025-01-23.md")
    # The statistics section (`- 总论文数：5`), the section over the papers, and the trailing
    # image, audio-link and subscription sections are not papers, and not problems either.
    assert parsed.problems == ()
    first, second = parsed.entries
    assert first.title == "FilmAgent：虚拟3D空间中端到端电影自动化的多智能体框架"
    # `**原文标题：** …` (two lines) is metadata; `**摘要：**` starts the abstract.
    assert first.abstract.startswith("虚拟电影制作需要复杂的决策过程，包括剧本创作")
    assert first.abstract.endswith("在电影制作中的互补优势和劣势。")
    assert "Virtual 3D Spaces" not in first.abstract and "论文链接" not in first.abstract
    # `**论文链接：** [HuggingFace](…/papers/2501.12909) | [arXiv](…/abs/2501.12909)`
    assert first.arxiv_id == "2501.12909"
    assert Link(LinkKind.HUGGING_FACE, "https://huggingface.co/papers/2501.12909") in first.links
    assert second.arxiv_id == "2501.12948"
    assert second.location.line == 25


def test_real_files_through_read_digests(tmp_path: Path) -> None:
    for name in REAL_COUNTS:
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = read_digests(tmp_path, relative_to=tmp_path)
    reports = {(f.path, f.format, f.papers) for f in result.files}
    assert reports == {(name, "Markdown digest", count) for name, count in REAL_COUNTS.items()}
    assert result.problems == ()
    dates = {issue.source: issue.date for issue in result.issues}
    assert dates["hf-newsletter-chinese-2025-01-23.md"] == dt.date(2025, 1, 23)


SECTIONS = """\
## [Surveys](#surveys)

1. **A Survey Without Abstract** Venue, 2020. [paper](https://arxiv.org/abs/2003.03600)

   *Some Author*

## [Relative Link](../other.md)

- [A relative item](notes/item.md)

## Figures

![A figure](figure.png)

## Statistics

- Total：5
- Topics: LLM, RL

## Layout Only

<div id="anchor"><p>Table of contents</p></div>

## [Linked Over HTML Only](https://example.org/paper)

<p>An abstract in raw HTML is not read.</p>

## Metadata In A List

- Authors: Ada Lovelace
- Vote: 12

## Structured Abstract

Background: Most methods fail on long inputs, which we show across many benchmarks.
Methods: We propose a linear-time model.

### Listed Summary

- Vote: 42
- Original title: A Title Written
  Over Two Lines
- Paper links: [HF](https://huggingface.co/papers/2501.00003) | [Code](https://github.com/a/b)

[Watch Video]https://example.org/v.mp4
<video src="https://example.org/v.mp4"></video>

- First point of the summary.
- Second point.
"""


def test_sections_media_and_metadata_lines() -> None:
    parsed = markdown.read(Source("sections.md", SECTIONS))
    hint = "add the paper's abstract, or delete the record; the other papers are read"
    # Papers only where something says "paper": a linked title, authors, an id, or prose.
    assert [str(p) for p in parsed.problems] == [
        f"sections.md:24: error: paper ('Linked Over HTML Only') has no abstract — {hint}",
        f"sections.md:28: error: paper ('Metadata In A List') has no abstract — {hint}",
    ]
    structured, listed = parsed.entries
    # A long `Key: sentence.` line is prose, not metadata; after it keys are text.
    assert structured.title == "Structured Abstract"
    assert structured.abstract == (
        "Background: Most methods fail on long inputs, which we show across many benchmarks. "
        "Methods: We propose a linear-time model."
    )
    assert (listed.title, listed.location.line) == ("Listed Summary", 38)
    assert listed.abstract == "First point of the summary. Second point."
    # Its id comes from the `Paper links:` line (a key, then links only).
    assert (listed.arxiv_id, listed.upvotes) == ("2501.00003", 42)
    assert Link(LinkKind.CODE, "https://github.com/a/b") in listed.links


def test_a_link_title_wrapped_over_two_lines_is_one_title() -> None:
    """`- [A long\ntitle](url)`: once a traceback (IndexError), now one title with a space."""
    text = (
        "- [Visual-RFT: Visual Reinforcement\n  Fine-Tuning](https://arxiv.org/abs/2503.01785)\n\n"
        "  Reinforcement fine-tuning learns from feedback on its answers.\n"
    )
    parsed = markdown.read(Source("wrapped.md", text))
    assert parsed.problems == ()
    [paper] = parsed.entries
    assert (paper.title, paper.arxiv_id) == (
        "Visual-RFT: Visual Reinforcement Fine-Tuning",
        "2503.01785",
    )
