"""One digest of each format in one folder: every paper once, with its authors and a link out.

The fixture (tests/fixtures/digests/formats/) is hand-written in the real shapes. Papers recur
across files on purpose: by arXiv id under other titles, casings and id spellings (v7, abs
and pdf URLs, `eprint`), and by title alone (Hugging Face page text has no id).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from generator.build import build
from generator.catalog import build_catalog
from generator.model import Catalog, LinkKind
from generator.site.export import read_export
from generator.sources import read_digests
from generator.sources.formats import SUPPORTED
from tests.conftest import FIXTURES, MakeProject, free_port, serving
from tests.stand_in import StandInEmbedder

FORMATS = FIXTURES / "digests" / "formats"
ABSTRACT = "The dominant sequence transduction models are based on complex recurrent networks."

EXPECTED_FILES = [
    ("01-hf-daily.json", "Hugging Face daily-papers JSON", 2),
    ("02-hf-daily-2024.json", "Hugging Face daily-papers JSON", 1),
    ("03-arxiv-api.xml", "arXiv API Atom", 2),
    ("04-arxiv-listing.xml", "arXiv listing feed (RSS/Atom)", 2),  # the `replace` entry is out
    ("05-arxiv-daily.jsonl", "arXiv metadata JSON Lines", 2),
    ("06-snapshot.jsonl", "arXiv metadata JSON Lines", 1),
    ("07-papers.csv", "CSV with a header row", 2),
    ("08-refs.bib", "BibTeX", 2),
    ("09-digest.md", "Markdown digest", 2),
    ("10-bot.md", "Markdown digest", 1),
    ("11-records.txt", "plain records (Title:/Summary:)", 2),
    ("12-hf-page.txt", "Hugging Face page text", 1),
    ("13-refs.ris", "RIS", 2),
    ("14-arxiv-mail.eml", "arXiv listing email", 1),  # the replacement is out
    ("15-papers.json", "JSON list of papers", 1),
]
# Each distinct paper, by arXiv id (None: the paper has none), with the files that list it.
EXPECTED_PAPERS = {
    "1706.03762": ("Attention Is All You Need", {"01-hf-daily", "04-arxiv-listing"}),
    "2006.11239": ("Denoising Diffusion Probabilistic Models", {"01-hf-daily", "12-hf-page"}),
    "2005.14165": ("Language Models are Few-Shot Learners", {"02-hf-daily-2024", "11-records"}),
    "1512.03385": ("Deep Residual Learning for Image Recognition", {"03-arxiv-api", "09-digest"}),
    "1406.2661": ("Generative Adversarial Networks", {"03-arxiv-api"}),
    "1412.6980": ("Adam: A Method for Stochastic Optimization", {"04-arxiv-listing"}),
    "1607.06450": ("Layer Normalization", {"05-arxiv-daily"}),
    "1409.0473": (
        "Neural Machine Translation by Jointly Learning to Align and Translate",
        {"05-arxiv-daily"},
    ),
    "1312.6114": ("Auto-Encoding Variational Bayes", {"06-snapshot"}),
    "1810.04805": (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        {"07-papers", "08-refs"},
    ),
    None: ("Dropout: A Simple Way to Prevent Neural Networks from Overfitting", {"07-papers"}),
    "1502.03167": (
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift",
        {"08-refs"},
    ),
    "1409.3215": ("Sequence to Sequence Learning with Neural Networks", {"09-digest"}),
    "1312.5602": ("Playing Atari with Deep Reinforcement Learning", {"10-bot"}),
    "1806.07366": ("Neural Ordinary Differential Equations", {"11-records"}),
    "1503.02531": ("Distilling the Knowledge in a Neural Network", {"13-refs"}),
    "1207.0580": (
        "Improving neural networks by preventing co-adaptation of feature detectors",
        {"13-refs"},
    ),
    "1711.05101": ("Decoupled Weight Decay Regularization", {"14-arxiv-mail"}),
    "1608.06993": ("Densely Connected Convolutional Networks", {"15-papers"}),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    result = read_digests(FORMATS, relative_to=FORMATS)
    assert result.problems == ()
    return build_catalog(result.issues)


def test_each_file_is_read_as_its_format() -> None:
    result = read_digests(FORMATS, relative_to=FORMATS)
    assert [(f.path, f.format, f.papers) for f in result.files] == EXPECTED_FILES


def test_every_paper_is_there_once_whatever_the_titles_and_formats_say(catalog: Catalog) -> None:
    found = {paper.arxiv_id: (paper.title, set(paper.issues)) for paper in catalog.papers}
    assert len(catalog.papers) == len(EXPECTED_PAPERS)
    assert found.keys() == EXPECTED_PAPERS.keys()
    for arxiv_id, (title, files) in EXPECTED_PAPERS.items():
        assert found[arxiv_id][0] == title, arxiv_id
        assert found[arxiv_id][1] == files, arxiv_id


def test_every_paper_has_authors_and_a_link_out(catalog: Catalog) -> None:
    for paper in catalog.papers:
        assert paper.authors, paper.title
        assert paper.links, paper.title
        if paper.arxiv_id is not None:
            kinds = {link.kind: link.url for link in paper.links}
            assert kinds[LinkKind.ABSTRACT] == f"https://arxiv.org/abs/{paper.arxiv_id}"
            assert kinds[LinkKind.PDF] == f"https://arxiv.org/pdf/{paper.arxiv_id}"


def test_what_the_sources_know_is_pooled(catalog: Catalog) -> None:
    by_id = {paper.arxiv_id: paper for paper in catalog.papers}
    attention = by_id["1706.03762"]
    assert len(attention.authors) == 8
    assert attention.upvotes == 42
    assert attention.keywords == ("Transformer", "attention mechanism", "machine translation")
    assert {link.url for link in attention.links} >= {
        "https://huggingface.co/papers/1706.03762",
        "https://github.com/tensorflow/tensor2tensor",
    }
    # The longest abstract of the two listings wins; the listing's categories are kept.
    assert attention.abstract.endswith("dispensing with recurrence and convolutions entirely.")
    assert attention.categories == ("cs.CL", "cs.LG")
    ddpm = by_id["2006.11239"]
    assert ddpm.authors == ("Jonathan Ho", "Ajay Jain", "Pieter Abbeel")
    assert {link.kind for link in ddpm.links} >= {LinkKind.PROJECT, LinkKind.CODE}
    gpt3 = by_id["2005.14165"]
    assert gpt3.title == "Language Models are Few-Shot Learners"  # the whole top-level title
    dropout = by_id[None]
    assert [link.url for link in dropout.links] == [
        "https://jmlr.org/papers/v15/srivastava14a.html"
    ]
    assert dropout.abstract.startswith("Deep neural nets with a large number of parameters")


def test_a_build_shows_authors_and_links_and_never_a_local_file_path(
    make_project: MakeProject,
) -> None:
    settings = make_project(source=FORMATS)
    report = build(settings, embedder=StandInEmbedder())
    assert report.papers == len(EXPECTED_PAPERS)
    site = settings.site_dir
    bert = next((site / "papers").glob("bert-*/index.html"))
    tree = html.fromstring(bert.read_bytes())
    authors = " ".join(tree.xpath("//*[contains(@class, 'pd-authors')]//text()"))
    assert "Jacob Devlin" in authors and "Kristina Toutanova" in authors
    hrefs = tree.xpath("//a[contains(@class, 'pd-link')]/@href")
    assert "https://arxiv.org/abs/1810.04805" in hrefs
    assert "https://arxiv.org/pdf/1810.04805" in hrefs
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json"}:
            assert "Zotero/storage" not in path.read_text(encoding="utf-8", errors="replace")
    catalog = read_export(site / "api")
    assert catalog["version"] == 3
    [entry] = [p for p in catalog["papers"] if p["arxiv_id"] == "1810.04805"]
    assert entry["authors"][0] == "Jacob Devlin"
    assert {"kind": "abstract", "url": "https://arxiv.org/abs/1810.04805"} in entry["links"]


def test_the_folder_holds_every_supported_format() -> None:
    names = {name for _, name, _ in EXPECTED_FILES}
    assert names == {f.name for f in SUPPORTED}


def test_one_arxiv_id_twice_in_one_digest_is_a_repeat_not_a_merge(tmp_path: Path) -> None:
    """Same id, two titles, one file: one paper, counted as listed twice in one digest."""
    lines = [
        {"id": "1706.03762", "title": title, "authors": ["A. Vaswani"], "summary": ABSTRACT}
        for title in ("Attention Is All You Need", "Attention is all you need (v7)")
    ]
    (tmp_path / "2025-03-11.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (tmp_path / "2025-03-12.jsonl").write_text(json.dumps(lines[1]) + "\n")
    catalog = build_catalog(read_digests(tmp_path).issues)
    [paper] = catalog.papers
    assert paper.title == "Attention Is All You Need"
    assert paper.issues == ("2025-03-11", "2025-03-12")
    assert (catalog.repeated_count, catalog.merged_count) == (1, 1)


@pytest.mark.browser
def test_a_reader_unfolds_the_authors_and_follows_a_link_out(
    make_project: MakeProject, browser: Any
) -> None:
    """In Chromium: five authors shown, "and 3 more" unfolds the rest; the arXiv link is live."""
    port = free_port()
    settings = make_project(source=FORMATS, site_url=f"http://127.0.0.1:{port}/")
    build(settings, embedder=StandInEmbedder())
    [folder] = (settings.site_dir / "papers").glob("attention-is-all-you-need-*")
    page = browser.new_page()
    with serving(settings.site_dir, port) as base:
        page.goto(f"{base}papers/{folder.name}/", wait_until="load")
        authors = page.locator("details.pd-authors")
        assert authors.locator("summary").inner_text() == (
            "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones and 3 more"
        )
        assert not page.get_by_text("Illia Polosukhin").is_visible()
        authors.locator("summary").click()
        assert page.get_by_text("Aidan N. Gomez, Lukasz Kaiser, Illia Polosukhin").is_visible()
        arxiv = page.locator("a.pd-link", has_text="arXiv")
        assert arxiv.get_attribute("href") == "https://arxiv.org/abs/1706.03762"
        assert arxiv.get_attribute("rel") == "nofollow noopener"
    page.close()
