"""Reading arXiv listing feeds (RSS 2.0 and Atom) and other paper feeds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.model import Link, LinkKind, Location
from generator.sources import arxiv_listing, read_digests
from generator.sources.formats import ARXIV_API, ARXIV_LISTING, Source, detect
from tests.conftest import FIXTURES

LISTING = FIXTURES / "sources" / "arxiv-listing"
CS_LG = "distill-cs-lg-2026-04-27.xml"


def read(name: str, text: str | None = None) -> arxiv_listing.Listing:
    path = LISTING / name
    source = Source(name, path.read_text("utf-8") if text is None else text)
    return arxiv_listing.read_listing(source)


def arxiv(paper: str) -> tuple[Link, Link]:
    return (
        Link(LinkKind.ABSTRACT, f"https://arxiv.org/abs/{paper}"),
        Link(LinkKind.PDF, f"https://arxiv.org/pdf/{paper}"),
    )


@pytest.mark.parametrize("path", sorted(LISTING.iterdir()), ids=lambda p: p.name)
def test_every_listing_fixture_is_detected_as_a_listing(path: Path) -> None:
    assert detect(path.read_text("utf-8")) is ARXIV_LISTING


def test_real_rss_listing_abstract_after_the_prefix_and_listing_day() -> None:
    listing = read(CS_LG)
    parsed = listing.parsed
    assert parsed.problems == () and listing.replaced == 0
    assert parsed.date == dt.date(2026, 4, 27)
    assert [e.arxiv_id for e in parsed.entries] == ["2604.21952", "2604.21953", "2604.21956"]
    first = parsed.entries[0]
    assert first.title == (
        "Focus Session: Hardware and Software Techniques for Accelerating Multimodal "
        "Foundation Models"
    )
    assert first.abstract.startswith("This work presents a multi-layered methodology")
    assert "visual resolution & stride" in first.abstract
    assert first.authors == (
        "Muhammad Shafique",
        "Abdul Basit",
        "Muhammad Abdullah Hanif",
        "Alberto Marchisio",
        "Rachmad Vidya Wicaksana Putra",
        "Minghao Shao",
    )
    assert first.categories == ("cs.LG", "cs.AI", "cs.AR", "cs.NE", "cs.RO")
    assert first.date == dt.date(2026, 4, 27)
    assert first.links == arxiv("2604.21952")
    assert first.location == Location(CS_LG, 16)


def test_double_spaces_and_single_name_authors() -> None:
    entry = read("distill-cs-cl-2026-04-27.xml").parsed.entries[0]
    # dc:creator is "Anamta Khan, Ratna Kandala,  Deepti, Sheza Munir, Joyojeet Pal".
    assert entry.authors == (
        "Anamta Khan",
        "Ratna Kandala",
        "Deepti",
        "Sheza Munir",
        "Joyojeet Pal",
    )


def test_replacements_are_left_out_new_and_cross_are_read() -> None:
    listing = read("rss-announce-types.xml")
    parsed = listing.parsed
    assert listing.replaced == 2  # one replace, one replace-cross; no problem for them
    assert [e.arxiv_id for e in parsed.entries] == ["2604.23001", "2604.23002", "2604.23004"]
    assert parsed.date == dt.date(2026, 4, 28)
    new, cross, unprefixed = parsed.entries
    assert new.abstract == (
        "We route tokens with a <swi> gate and show that a < b holds for the load of every "
        "expert & every layer."
    )
    assert new.authors == ("Ana Ortiz", "Prakhar", "Bo Lindqvist", "Chen Wei")
    # No pubDate of its own: dated by the listing's day. DOI from arxiv:DOI.
    assert cross.date == dt.date(2026, 4, 28)
    assert cross.categories == ("math.OC", "cs.LG")
    assert cross.links == (
        *arxiv("2604.23002"),
        Link(LinkKind.DOI, "https://doi.org/10.1007/s10957-026-02001-x"),
    )
    # Without arXiv's prefix: the id comes from the link, the date from its own pubDate.
    assert unprefixed.abstract == "A description saved by another tool, without arXiv's prefix."
    assert unprefixed.date == dt.date(2026, 4, 27)


def test_an_item_without_abstract_is_named_by_line_and_number() -> None:
    parsed = read("rss-announce-types.xml").parsed
    assert [(str(p.location), p.message) for p in parsed.problems] == [
        (
            "rss-announce-types.xml:68",
            "item 5 ('A Paper Whose Abstract Was Cut Off') has no abstract",
        )
    ]


def test_atom_listing_summary_oai_ids_updated_day_and_doi() -> None:
    listing = read("atom-cs-cl.xml")
    parsed = listing.parsed
    assert listing.replaced == 1 and parsed.problems == ()
    assert parsed.date == dt.date(2026, 4, 27)
    assert [e.arxiv_id for e in parsed.entries] == ["2604.22002", "2604.21935", "2604.22100"]
    first, cross, published = parsed.entries
    assert first.abstract == (
        "Social media platforms have become primary channels for health information in the "
        "Global South."
    )
    assert first.authors[2] == "Deepti"
    assert first.location == Location("atom-cs-cl.xml", 8)
    assert cross.categories == ("cs.AI", "cs.CL", "cs.LG")
    assert published.date == dt.date(2026, 4, 27)
    assert published.links == (
        *arxiv("2604.22100"),
        Link(LinkKind.DOI, "https://doi.org/10.1162/tacl_a_00700"),
    )


def test_a_journals_atom_feed_html_made_plain_page_links_checked() -> None:
    parsed = read("journal-atom.xml").parsed
    assert parsed.problems == ()
    html, preprint, scripted = parsed.entries
    assert html.title == "Learning in situ Dynamics"
    assert html.abstract == "We learn dynamics in situ. Results hold for 3 datasets & 2 tasks."
    assert html.authors == ("Lena Fischer", "Omar Haddad")
    assert html.date == dt.date(2026, 5, 1)
    assert html.links == (Link(LinkKind.PAGE, "https://journal.example.org/articles/2026/101"),)
    assert preprint.arxiv_id == "2605.00123" and preprint.links == arxiv("2605.00123")
    assert preprint.date == dt.date(2026, 5, 4)  # the feed's updated day
    assert scripted.links == ()  # javascript: never becomes a link


def test_a_journals_rss1_feed_with_dc_fields() -> None:
    parsed = read("journal-rss1.rdf").parsed
    (entry,) = parsed.entries
    assert parsed.date == dt.date(2026, 5, 6)
    assert entry.title == "Sparse coding in the Drosophila mushroom body"
    assert entry.abstract == "Kenyon cells respond to odours sparsely."
    assert entry.authors == ("Mira Sato", "Tomas Reyes")
    assert entry.links == (
        Link(LinkKind.DOI, "https://doi.org/10.5555/el.2026.0042"),
        Link(LinkKind.PAGE, "https://journal.example.org/articles/el-2026-0042"),
    )


def test_a_real_lab_feed_with_html_descriptions() -> None:
    parsed = read("distill-vector-institute.xml").parsed
    assert parsed.problems == ()
    assert parsed.date == dt.date(2026, 4, 23)  # lastBuildDate: the channel has no pubDate
    first = parsed.entries[0]
    assert first.abstract == (
        "Vector researchers made significant contributions to this year’s International "
        "Conference on Learning Representations (ICLR), the world’s premier venue for "
        "representation learning and deep learning research, taking place April 23-27, "
        "2026 […] The post Vector researchers advance representation learning and deep "
        "learning research at ICLR 2026 appeared first on Vector Institute for Artificial "
        "Intelligence."
    )
    assert first.authors == ("Kylie Williams",)
    assert first.links[0].kind is LinkKind.PAGE


def test_a_blog_feed_without_descriptions_gives_a_problem_per_item() -> None:
    parsed = read("distill-huggingface-blog.xml").parsed
    assert parsed.entries == ()
    assert [str(p.location) for p in parsed.problems] == [
        "distill-huggingface-blog.xml:8",
        "distill-huggingface-blog.xml:14",
        "distill-huggingface-blog.xml:20",
    ]


def test_a_cut_off_listing_keeps_the_items_before_the_break() -> None:
    text = (LISTING / CS_LG).read_text("utf-8")
    cut = text[: text.index("Trajectory-based methods")]
    parsed = read("cut.xml", cut).parsed
    assert [e.arxiv_id for e in parsed.entries] == ["2604.21952"]
    (problem,) = parsed.problems
    assert problem.location == Location("cut.xml", 36)  # where the text stops
    assert problem.message.endswith("; item 2 (line 32) is left out")
    assert problem.message.startswith("broken XML: Premature end of data in tag description")


def test_not_xml_at_all_is_one_problem() -> None:
    parsed = read("junk.xml", "<rss <<>>").parsed
    assert parsed.entries == ()
    assert [(str(p.location), p.message) for p in parsed.problems] == [
        ("junk.xml:1", "broken XML: error parsing attribute name")
    ]


def test_end_to_end_the_files_report_names_the_format(tmp_path: Path) -> None:
    for name in (CS_LG, "atom-cs-cl.xml", "rss-announce-types.xml"):
        shutil.copy(LISTING / name, tmp_path / name)
    result = read_digests(tmp_path, relative_to=tmp_path)
    assert {(f.path, f.format, f.papers) for f in result.files} == {
        (CS_LG, "arXiv listing feed (RSS/Atom)", 3),
        ("atom-cs-cl.xml", "arXiv listing feed (RSS/Atom)", 3),
        ("rss-announce-types.xml", "arXiv listing feed (RSS/Atom)", 3),
    }
    dates = {issue.source: issue.date for issue in result.issues}
    assert dates[CS_LG] == dt.date(2026, 4, 27)
    assert dates["rss-announce-types.xml"] == dt.date(2026, 4, 28)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<feed xmlns="http://www.w3.org/2005/Atom"><id>http://rss.arxiv.org/atom/cs.CL</id>', "L"),
        ("<feed><entry><id>oai:arXiv.org:2604.22002v1</id>", "L"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"><title>A journal</title><entry>', "L"),
        ("<feed><entry>\n  <id>http://arxiv.org/abs/2607.01234v2</id>", "A"),
        ("<feed><entry><id>http://arxiv.org/api/errors#bad</id>", "A"),
    ],
)
def test_detect_tells_atom_listings_from_api_answers(head: str, expected: str) -> None:
    assert detect(head + "</entry></feed>") is (ARXIV_LISTING if expected == "L" else ARXIV_API)


def test_the_old_rss1_listing_reads_ids_from_titles_and_leaves_updated_items_out() -> None:
    """arXiv's listings before 2024: "Title. (arXiv:ID [cat])", HTML abstracts and authors."""
    from generator.sources.arxiv_listing import read_listing
    from generator.sources.formats import ARXIV_LISTING, Source, detect

    text = (LISTING / "old-rss1-cs-lg.rdf").read_text()
    assert detect(text) == ARXIV_LISTING
    listing = read_listing(Source("cs.LG.rdf", text))
    assert listing.replaced == 1
    [entry] = listing.parsed.entries
    assert entry.title == "Sparse Mixtures of Experts at Scale"
    assert entry.arxiv_id == "2301.00001"
    assert entry.abstract.startswith("We study sparse mixtures of experts")
    assert "$k < 4$" in entry.abstract
    assert entry.authors == ("Jane Smith", "John Doe")
    assert listing.parsed.date is not None and listing.parsed.date.isoformat() == "2023-01-03"
