"""Merging papers across issues; ids and slugs that never change."""

from __future__ import annotations

from pathlib import Path

from generator.catalog import build_catalog, normalize_title, paper_id, paper_slug
from generator.sources import read_digests
from tests.conftest import SMALL_DIGESTS, paper, write_digests


def test_normalized_title_folds_unicode_case_space_and_punctuation() -> None:
    variants = [
        "Scaling Laws for Neural Language Models",
        "  scaling laws  for neural language models. ",
        "Scaling Laws for Neural-Language Models",
        "ＳＣＡＬＩＮＧ Laws for Neural Language Models",  # full-width letters (NFKC)
        "Scaling\u00a0Laws for Neural Language Models!",
    ]
    assert len({normalize_title(v) for v in variants}) == 1
    assert len({paper_id(v) for v in variants}) == 1
    assert normalize_title("Scaling Laws for Neural Language Models") != normalize_title(
        "Scaling Laws for Neural Language Model"
    )


def test_paper_in_two_issues_is_one_paper_listed_in_both() -> None:
    catalog = build_catalog(read_digests(SMALL_DIGESTS).issues)
    [merged] = [p for p in catalog.papers if len(p.issues) > 1]
    assert merged.title == "Scaling Laws for Neural Language Models"  # the first listing's title
    assert merged.issues == ("01-first", "02-second")
    # The first listing's abstract is kept: a later issue never rewrites a published paper's
    # text (its keyphrases, topics and related papers follow from it).
    assert merged.abstract.endswith("more than seven orders of magnitude.")
    assert "stopping significantly before convergence" not in merged.abstract
    assert [str(loc) for loc in merged.locations] == [
        f"{SMALL_DIGESTS}/01-first.txt:15",
        f"{SMALL_DIGESTS}/02-second.txt:5",
    ]
    assert [merged.id in issue.paper_ids for issue in catalog.issues] == [False, True, True]
    assert catalog.merged_count == 1
    assert [i.number for i in catalog.issues] == [3, 2, 1]  # newest first


def test_a_later_listing_completes_an_abstract_cut_short_and_changes_no_other(
    tmp_path: Path,
) -> None:
    words = " ".join(f"word{i}" for i in range(40))
    cut = f"We study alpha models on many benchmarks with great care. {words} and find that…"
    full = cut.removesuffix("…") + " they work well. Code is released for everyone."
    beta = f"We study beta models on many benchmarks in depth, and they work well. {words}."
    retyped = beta.replace("in depth,", "in depth ,")  # a relisting that differs by a character
    write_digests(
        tmp_path,
        {
            "1.txt": f"Alpha Paper\n{cut}\n\nBeta Paper\n{beta}\n",
            "2.txt": f"Alpha Paper\n{full}\n\nBeta Paper\n{retyped}\n",
        },
    )
    papers = {p.title: p for p in build_catalog(read_digests(tmp_path).issues).papers}
    assert papers["Alpha Paper"].abstract == full  # the first was cut short: completed
    assert papers["Beta Paper"].abstract == beta  # as first published


def test_ids_and_slugs_do_not_change_when_a_digest_arrives(tmp_path: Path) -> None:
    write_digests(tmp_path, {"1.txt": paper("Alpha Paper") + paper("Beta Paper")})
    before = {p.id: p.slug for p in build_catalog(read_digests(tmp_path).issues).papers}
    # The new digest sorts first, repeats a paper and brings a title that slugifies alike.
    write_digests(tmp_path, {"0.txt": paper("Beta Paper") + paper("Alpha: Paper?")})
    catalog = build_catalog(read_digests(tmp_path).issues)
    after = {p.id: p.slug for p in catalog.papers}
    assert {pid: after[pid] for pid in before} == before
    # "Alpha: Paper?" is "Alpha Paper" listed again: same paper, same URL, now in two issues.
    assert len(catalog.papers) == 2
    assert all(len(p.issues) == 2 for p in catalog.papers)


def test_titles_that_slugify_alike_get_distinct_stable_slugs() -> None:
    titles = [
        "C++ for Data Science",
        "C for Data Science",
        "Über Data Science",
        "Uber Data Science",
    ]
    slugs = [paper_slug(t, paper_id(t)) for t in titles]
    assert len(set(slugs)) == 4
    assert [s.rsplit("-", 1)[0] for s in slugs] == ["c-for-data-science"] * 2 + [
        "uber-data-science"
    ] * 2
    assert slugs == [paper_slug(t, paper_id(t)) for t in titles]


def test_digest_listing_a_paper_twice_shows_it_once(tmp_path: Path) -> None:
    write_digests(tmp_path, {"1.txt": paper("Alpha Paper") + paper("Alpha Paper")})
    catalog = build_catalog(read_digests(tmp_path).issues)
    assert len(catalog.papers) == 1
    assert len(catalog.issues[0].paper_ids) == 1


def test_catalog_does_not_depend_on_issue_order() -> None:
    issues = read_digests(SMALL_DIGESTS).issues
    assert build_catalog(issues) == build_catalog(tuple(reversed(issues)))
