"""What a reader meets on a built site: page heights in Chromium, page bytes, bytes per paper.

    python -m benchmarks.reader SITE [SITE ...]

Each SITE is a built site folder (e.g. `site/` after `make site`); give two (before, after) to
compare them side by side. Pages: the home page, issue 2, the biggest topic (from
api/catalog.json), at 1280×800 and 390×844; heights are the document's scroll height in CSS
pixels, and "first title" is where the home page's first paper title starts on the phone.
Needs headless Chromium (PAPER_DIGEST_CHROMIUM, else /usr/bin/chromium). Not part of `make
bench`: it measures a site, it does not build one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.search import CHROMIUM, serving
from benchmarks.site import site_size
from generator.site.export import read_export

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def reader_pages(catalog: dict[str, Any]) -> dict[str, str]:
    """Name the measured pages by their site-relative URL: home, issue 2, the biggest topic."""
    issue = next(i for i in catalog["issues"] if i["number"] == 2)
    topic = max(catalog["topics"], key=lambda t: (len(t["paper_ids"]), t["slug"]))
    return {
        "home": "",
        "issue 2": f"issues/{issue['slug']}/",
        "biggest topic": f"topics/{topic['slug']}/",
    }


def measure(site: Path, browser: Any) -> dict[str, Any]:
    """Return heights, the phone's first title and bytes of the reader's pages of one site."""
    catalog = read_export(site / "api")
    total = site_size(site)[0]
    figures: dict[str, Any] = {
        "papers": len(catalog["papers"]),
        "site_bytes": total,
        "site_bytes_per_paper": round(total / len(catalog["papers"])),
        "pages": {},
    }
    with serving(site) as (base, _sent):
        for name, path in reader_pages(catalog).items():
            html = site / path / "index.html"
            page_figures: dict[str, Any] = {"html_bytes": html.stat().st_size}
            for label, (width, height) in VIEWPORTS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(base + path, wait_until="load")
                page_figures[f"{label}_height"] = page.evaluate(
                    "document.documentElement.scrollHeight"
                )
                if name == "home":
                    page_figures[f"{label}_first_title_y"] = page.evaluate(
                        "(() => { const t = document.querySelector('.pd-paper__title');"
                        " return t ? Math.round(t.getBoundingClientRect().top) : null; })()"
                    )
                page_figures[f"{label}_katex"] = page.evaluate("typeof katex !== 'undefined'")
                context.close()
            figures["pages"][name] = page_figures
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.reader")
    parser.add_argument("sites", type=Path, nargs="+")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for site in args.sites:
            results[str(site)] = measure(site, browser)
        browser.close()
    for site, figures in results.items():
        print(
            f"{site}: {figures['papers']} papers, {figures['site_bytes'] / 1e6:.1f} MB, "
            f"{figures['site_bytes_per_paper']:,} bytes per paper"
        )
        for name, page in figures["pages"].items():
            cells = ", ".join(f"{key} {value}" for key, value in page.items())
            print(f"  {name}: {cells}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
