"""TeX on the demo's paper pages: how much is written back as math, and how much a reader still
sees raw or garbled.

Two figures:

- the repair (`tex.repair_tex`, `tex.plain_tex`): the demo digests read with and without it,
  the papers whose abstract changed and the formulas (`$…$` pairs) written back;
- the scan: every paper page of a built site opened in headless Chromium, once KaTeX has typeset
  it, and its rendered text searched for TeX a reader should not see (`RAW_TEX`: a backslash
  command, an escaped character, a script's brace, a command's name without its backslash,
  "sim!2times"), plus KaTeX's errors and formulas whose letters spell a command's name in
  italics ("R^{ntimes d}"). Pages are split in two by a hash of their address: the repair was
  worked out looking at the first part only ("dev", 4 in 5), and the second ("held out") is the
  figure to trust.

    python -m benchmarks.tex                   # builds the demo (stand-in vectors), scans it
    python -m benchmarks.tex --site DIR        # scans a site already built
    python -m benchmarks.tex --list held-out   # names each page found, with what was found
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"
CHROMIUM = os.environ.get("PAPER_DIGEST_CHROMIUM", "/usr/bin/chromium")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# TeX that shows as such in a page's text (formulas typeset by KaTeX are taken out first).
COMMAND_NAMES = (
    "mathcal|mathbb|mathbf|mathrm|mathit|mathsf|textbf|textit|texttt|textrm|emph|frac|sqrt|"
    "cdot|cdots|ldots|leq|geq|neq|infty|varepsilon|widetilde|widehat|boldsymbol|operatorname|"
    "propto|overline|rightarrow|leftarrow|Rightarrow|mathop|lfloor|rfloor|lceil|rceil"
)
RAW_TEX = (
    ("backslash command", re.compile(r"\\[A-Za-z]+")),
    ("escaped character", re.compile(r"\\[%&#_$\"'`^~{}]")),
    ("script brace", re.compile(r"[\^_]\{")),
    ("caret", re.compile(r"\w\^[\w(*]")),
    ("command name", re.compile(rf"(?<![A-Za-z])[A-Za-z]?(?:{COMMAND_NAMES})(?![a-z])")),
    ("spacing debris", re.compile(r"[a-z]![0-9a-z]")),  # "sim!2times"; not "Need!Next"
)
# In a formula's TeX: a run of letters (not a command, not \text{...}'s) holding a command's name.
ITALIC_NAMES = re.compile(
    r"times|cdot|infty|leq|geq|neq|sqrt|frac|math|alpha|beta|gamma|delta|epsilon|lambda|"
    r"sigma|theta|omega|approx|partial|nabla|ell"
)
_MATH_COMMAND = re.compile(r"\\[A-Za-z]+")
_MATH_TEXT = re.compile(r"\\(?:text\w*|mathrm|operatorname)\s*\{[^{}]*\}")
_LETTER_RUN = re.compile(r"[A-Za-z]{3,}")
HELD_OUT_EVERY = 5

# Run in the page once it is typeset: KaTeX's errors, each formula's TeX, and the text left
# when each formula is put aside.
READ_PAGE = """() => {
  const article = document.querySelector('article.md-content__inner') || document.body;
  const errors = article.querySelectorAll('.katex-error').length;
  const formulas = [...article.querySelectorAll('.katex annotation')].map((a) => a.textContent);
  article.querySelectorAll('.katex').forEach((k) => k.replaceWith(' '));
  return { errors, formulas, text: article.innerText };
}"""
TYPESET = """() => [...document.querySelectorAll('.arithmatex')]
  .every((el) => el.querySelector('.katex, .katex-error'))"""


@dataclass(frozen=True)
class Finding:
    """What the scan found on one page."""

    path: str
    held_out: bool
    found: tuple[str, ...]


def is_held_out(path: str) -> bool:
    """Tell whether a page is in the held-out part (a fifth of pages, by its address)."""
    return int(hashlib.sha256(path.encode("utf-8")).hexdigest(), 16) % HELD_OUT_EVERY == 0


def text_findings(text: str) -> list[str]:
    """Name the raw TeX in a page's text, each with what it is: "backslash command: \\url"."""
    return [f"{name}: {m.group()}" for name, pattern in RAW_TEX for m in pattern.finditer(text)]


def formula_findings(tex: str) -> list[str]:
    """Name the runs of letters of a formula that spell a command without its backslash."""
    letters = _MATH_COMMAND.sub(" ", _MATH_TEXT.sub(" ", tex))
    return [
        f"italic command name: {run.group()}"
        for run in _LETTER_RUN.finditer(letters)
        if ITALIC_NAMES.search(run.group())
    ]


def scan_page(page: Any, url: str) -> list[str]:
    """Open a page, let KaTeX typeset it, and name the TeX a reader sees raw or garbled."""
    page.goto(url, wait_until="load")
    page.wait_for_function(TYPESET, timeout=10_000)
    seen = page.evaluate(READ_PAGE)
    found = [f"KaTeX error ({seen['errors']})"] if seen["errors"] else []
    found += text_findings(seen["text"])
    for tex in seen["formulas"]:
        found += formula_findings(tex)
    return found


def paper_paths(site: Path) -> list[str]:
    """Return the site-relative paths of the paper pages, sorted."""
    return sorted(f"papers/{p.parent.name}/" for p in (site / "papers").glob("*/index.html"))


def scan_site(site: Path) -> Iterator[Finding]:
    """Scan every paper page of a built site in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from benchmarks.search import serving

    with serving(site) as (base, _sent), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        for path in paper_paths(site):
            yield Finding(path, is_held_out(path), tuple(scan_page(page, base + path)))
        browser.close()


def abstracts(repair: bool) -> dict[str, str]:
    """Return the demo's abstracts by title, read with or without the repair."""
    import generator.sources.hf_text as hf_text
    from generator.sources import read_digests

    kept = hf_text.repair_tex
    if not repair:
        hf_text.repair_tex = lambda text: text
    try:
        result = read_digests(DEMO)
    finally:
        hf_text.repair_tex = kept
    return {entry.title: entry.abstract for issue in result.issues for entry in issue.entries}


def _build_demo(scratch: Path) -> Path:
    """Build the demo digests into `scratch` with stand-in vectors (the TeX does not depend on
    them; the keyphrases' words come from the same repaired text)."""
    from generator.build import build
    from generator.config import load_settings
    from tests.conftest import served_project
    from tests.stand_in import StandInEmbedder

    config, _port = served_project(scratch, DEMO)
    settings = load_settings(config)
    build(settings, embedder=StandInEmbedder())
    return settings.site_dir


def report(findings: list[Finding], listed: str | None) -> None:
    for part, held_out in (("dev", False), ("held out", True)):
        pages = [f for f in findings if f.held_out == held_out]
        bad = [f for f in pages if f.found]
        share = 100 * len(bad) / len(pages) if pages else 0.0
        print(f"  {part:9} {len(bad):3} of {len(pages):3} paper pages with raw TeX ({share:.1f} %)")
        if listed is not None and listed.replace("-", " ") == part:
            for finding in bad:
                print(f"    {finding.path}: {'; '.join(finding.found[:4])}")
    bad_all = sum(1 for f in findings if f.found)
    total = len(findings)
    print(f"  all       {bad_all:3} of {total:3} ({100 * bad_all / max(total, 1):.1f} %)")


def main(argv: list[str] | None = None) -> int:
    """Print the figures (`--quick`, passed by `make bench`, is accepted and ignored)."""
    parser = argparse.ArgumentParser(prog="benchmarks.tex")
    parser.add_argument("--site", type=Path, help="a built site (default: build the demo)")
    parser.add_argument("--list", choices=["dev", "held-out"], help="list the pages found")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repaired, raw = abstracts(True), abstracts(False)
    changed = [title for title in raw if raw[title] != repaired[title]]
    formulas = sum((repaired[t].count("$") - raw[t].count("$")) // 2 for t in changed)
    print(f"TeX repair on the demo: {len(changed)} papers, {formulas} formulas written back")
    if not Path(CHROMIUM).exists():
        print(f"TeX scan: no Chromium at {CHROMIUM} (make system-deps installs it)")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site or _build_demo(Path(scratch))
        findings = list(scan_site(site))
    print(f"TeX a reader sees on paper pages ({site if args.site else 'demo'}):")
    report(findings, args.list)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
