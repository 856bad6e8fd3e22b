"""Mangled TeX in Hugging Face page text: written back as math where unambiguous, else kept."""

from __future__ import annotations

import pytest

from generator.site.prose import split_math
from generator.sources.hf_text import parse_text
from generator.sources.tex import repair_tex
from tests.conftest import DEMO_DIGESTS

# Cases as the demo's page text has them (tests/fixtures/digests/demo/).
REPAIRED = [
    ("rate of mathcal{O}(T^{2/3}) for", r"rate of $\mathcal{O}(T^{2/3})$ for"),
    ("a lower bound of Omega(T^{2/3}), and", r"a lower bound of $\Omega(T^{2/3})$, and"),
    ("in widetildeTheta(d^4).", r"in $\widetilde\Theta(d^4)$."),
    ("where C_Phi, C_Psi are", r"where $C_\Phi$, $C_\Psi$ are"),
    ("the value Q^{pi_{sft}} of", r"the value $Q^{\pi_{sft}}$ of"),
    ("with (d^2/Delta) samples", r"with $(d^2/\Delta)$ samples"),
    ("the ell_infty norm", r"the $\ell_\infty$ norm"),
    (
        "of mathcal{O}(mathcal{C_Phi/m} + mathcal{C_Psi/n}) for",
        r"of $\mathcal{O}(\mathcal{C_\Phi/m} + \mathcal{C_\Psi/n})$ for",
    ),
    ("up to 20^{X} configurations", "up to $20^{X}$ configurations"),
    ("and mathcal{O}(KL^* + K) regret", r"and $\mathcal{O}(KL^* + K)$ regret"),
    ("of Theta(T/B_{mathrm{ex}}), where", r"of $\Theta(T/B_{\mathrm{ex}})$, where"),
    # A command and one letter run together: "ntimes" is n times, "mright" m right.
    ("the R^{ntimes d} matrix", r"the $R^{n\times d}$ matrix"),
    ("bounded by proptoleft(d/mright)^{1/2}.", r"bounded by $\propto\left(d/m\right)^{1/2}$."),
    (
        "with m=epsilon^{-2}dlog^3(n/delta) such",
        r"with $m=\epsilon^{-2}d\log^3(n/\delta)$ such",
    ),
]
# TeX that cannot be math, written as the text it stands for (tex_plain).
PLAIN = [
    ("a sim!2times speed-up", "a ∼2× speed-up"),
    ("the L_2^2-loss and", "the L₂²-loss and"),
    ("which we call ReST^{EM}, where", "which we call ReSTᴱᴹ, where"),  # a name, raised
    ("O(varepsilon)-optimal action", "O(ε)-optimal action"),
    ("guarantees mathcal O(sqrt T) regret", "guarantees O(√ T) regret"),
    ("for any alphain[1/2, 1].", "for any α∈[1/2, 1]."),
    ("For deltageq 1, we", "For δ≥ 1, we"),
    ("as n/drightarrow 0.", "as n/d→ 0."),
    ("attains mathcal $O(T)$ regret", "attains $O(T)$ regret"),
    ("of only 39.9\\% (43.7\\% when", "of only 39.9% (43.7% when"),
    ('we introduce T\\"ULU 3, a family', "we introduce TÜLU 3, a family"),
    ('an apparently na\\"{\\i}ve ensembling', "an apparently naïve ensembling"),
    ("we call \\`a-la-carte learning", "we call à-la-carte learning"),
    ("Lion (Evo\\textbf{Lved Sign Momentum}).", "Lion (EvoLved Sign Momentum)."),
    ("at \\url{https://github.com/x/y}.", "at https://github.com/x/y."),
    ("{\\em does not} help", "does not help"),
    ("the \\GitChameleon{} benchmark", "the GitChameleon benchmark"),
    ("our \\model{} works, \\ie it", "our model works, i.e. it"),
]
KEPT = [
    "Inference Scaling scriptsizeFLaws",
    "go into the sometimes three times",  # commands run together, and words
    "see https://github.com/rtaori/data_feedback.",
    "top_k and snake_case names",
    "already $\\mathcal{O}(n)$ and $x_1$ math",
]


@pytest.mark.parametrize(("mangled", "repaired"), REPAIRED)
def test_unambiguous_tex_becomes_math(mangled: str, repaired: str) -> None:
    assert repair_tex(mangled) == repaired
    assert repair_tex(repaired) == repaired  # once repaired, left alone


@pytest.mark.parametrize(("mangled", "plain"), PLAIN)
def test_tex_that_cannot_be_math_becomes_plain_text(mangled: str, plain: str) -> None:
    assert repair_tex(mangled) == plain
    assert repair_tex(plain) == plain


@pytest.mark.parametrize("text", KEPT)
def test_ambiguous_text_is_left_as_it_came(text: str) -> None:
    assert repair_tex(text) == text


def test_the_demo_abstracts_hold_no_raw_mathcal_and_every_repair_is_math() -> None:
    """Every paper of the demo: no "mathcal{" outside math, every repair typeset as math."""
    repaired = 0
    for path in sorted(DEMO_DIGESTS.iterdir()):
        for line in path.read_text("utf-8").splitlines():
            fixed = repair_tex(line)
            added = (fixed.count("$") - line.count("$")) // 2
            before = sum(s.math for s in split_math(line))
            assert sum(s.math for s in split_math(fixed)) == before + added, line
            repaired += added > 0
        parsed = parse_text(path.read_text("utf-8").splitlines(), path.name)
        for entry in parsed.entries:
            prose = "".join(s.text for s in split_math(entry.abstract) if not s.math)
            assert "mathcal{" not in prose, entry.title
    assert repaired >= 30  # the issue counted ~43 papers with raw TeX in the demo


def test_keyphrases_of_the_demo_are_never_built_from_tex_debris() -> None:
    """The keyphrases read the repaired abstracts (read_digests gives them) and titles as
    written: no candidate phrase of any demo paper holds TeX or its debris."""
    import re

    from generator.keyphrases.candidates import find_candidates
    from generator.sources import read_digests

    debris = re.compile(r"[\\$^{}]|\b[A-Za-z]in\b|\bmatrix sin\b|_infty|mathcal|varepsilon")
    result = read_digests(DEMO_DIGESTS)
    entries = [entry for issue in result.issues for entry in issue.entries]
    assert any("$A\\in R^{n\\times d}$" in entry.abstract for entry in entries)  # was "Ain"
    found = [
        (entry.title, candidate.text)
        for entry in entries
        if any(char in entry.abstract + entry.title for char in "$\\^_{}")
        for candidate in find_candidates(entry.title, entry.abstract, 4, True, 200)
        if debris.search(candidate.text)
    ]
    assert found == []


def test_a_title_shows_its_tex_as_text_and_keeps_its_url() -> None:
    from generator.catalog import build_catalog
    from generator.sources import read_digests

    catalog = build_catalog(read_digests(DEMO_DIGESTS).issues)
    paper = next(p for p in catalog.papers if p.slug.endswith("-with-ell-infty-273cdb"))
    assert paper.title == "A Nearly-Optimal Bound for Fast Regression with ℓ_∞ Guarantee"
