"""What a reader's first search costs: bytes fetched and time to the first results, in Chromium.

`python -m benchmarks.search` builds the demo (digests/) into a scratch folder and measures it;
`--site DIR` measures a site already built (say, one built by an older version, to compare);
`--index-time mkdocs.yml` times the search index of a project whose keyphrases are cached
(its records made from the catalog, Pagefind, the cache kept and unpacked); `--site DIR
--compare OTHER` compares Pagefind's ten best results on two builds of the same digests, for
the 20 largest topics' names and the 20 commonest keyphrases of the issues after the 40th.
The site is served on 127.0.0.1 by a server that counts the bytes of every file it sends. A
fresh browser (empty cache) opens the home page, clicks the header's search box and types the
query; the figures are:

- search bytes: every file fetched for search, from the page's load to the first results, HTML
  excluded: Pagefind's script, WASM, index chunks and result fragments (or Material's search
  worker, its lunr files and search_index.json); raw and gzip-compressed (as a host serving
  gzip would send it; Pagefind's index files are compressed already);
- time to first results: from the click in the box to the first result on screen;
- the results: the first's title and kind, how tall the first ten are, and their lines.

Then what the dialog answers to words the site does not hold and to misspellings (`ANSWERS`):
how many results Pagefind itself gives, how many the dialog shows, and its "did you mean".
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import resource
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PAPER_DIGEST_CHROMIUM", "/usr/bin/chromium")
# What a page fetches for search, whichever search the site has.
SEARCH_PATHS = ("/pagefind/", "search_index.json", "/workers/search", "/lunr/", "-search.js")
FIRST_RESULT = ".md-search-result__item"
# Queries whose words the demo does not hold, misspellings, and known words, to answer.
ANSWERS = ("GRPO", "Kaiming", "xyzzyq", "ViT", "difusion", "transfomer", "Muon optimizer")
# What Pagefind alone answers, its parts merged as the dialog merges them (pagefind/parts.json).
PAGEFIND_COUNT = """async (q) => {
  const at = (path) => new URL('pagefind/' + path, document.baseURI).href;
  const pf = await import(at('pagefind.js'));
  const listed = await fetch(at('parts.json')).then((r) => r.ok ? r.json() : { parts: [] });
  for (const part of listed.parts) await pf.mergeIndex(at(part));
  return (await pf.search(q)).results.length; }"""
# The first ten results: height and lines (rows of text) of each, title and kind of the first.
READ_RESULTS = """() => {
  const items = [...document.querySelectorAll('.md-search-result__item')].slice(0, 10);
  const lines = (el) => [...el.querySelectorAll('h1, p, .pd-search-result__title')]
    .filter((t) => !t.parentElement.closest('h1, p'))
    .reduce((sum, t) => sum + Math.round(t.getBoundingClientRect().height /
      parseFloat(getComputedStyle(t).lineHeight)), 0);
  return items.map((el) => ({
    height: el.getBoundingClientRect().height,
    lines: lines(el),
    title: (el.querySelector('h1') || el).innerText.split('\\n')[0],
    href: (el.querySelector('a') || {}).href || '',
  }));
}"""


class _Counting(http.server.SimpleHTTPRequestHandler):
    sent: list[tuple[str, bytes]]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            self.sent.append((self.path, path.read_bytes()))
        return super().send_head()


@contextmanager
def serving(folder: Path) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """Serve a folder on 127.0.0.1 while the block runs; yield its base URL and a list of the
    (path, bytes) it sends."""
    sent: list[tuple[str, bytes]] = []
    handler = type("Counting", (_Counting,), {"sent": sent})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", sent
    finally:
        server.shutdown()
        server.server_close()


def first_query(browser: Any, site: Path, query: str, viewport: dict[str, int]) -> dict[str, Any]:
    """Open the home page in a fresh context, search `query`, return what it cost and showed."""
    with serving(site) as (base, sent):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(base, wait_until="load")
        page.locator("input.md-search__input").click()
        page.evaluate("() => { window.__pdStart = performance.now(); }")
        page.keyboard.type(query)
        page.locator(FIRST_RESULT).first.wait_for(timeout=30_000)
        seconds = page.evaluate("() => (performance.now() - window.__pdStart) / 1000")
        page.wait_for_load_state("networkidle")
        results = page.evaluate(READ_RESULTS)
        context.close()
    files = [(p, data) for p, data in sent if any(s in p for s in SEARCH_PATHS)]
    return {
        "query": query,
        "seconds_to_first_results": round(seconds, 3),
        "search_files": len(files),
        "search_bytes": sum(len(data) for _, data in files),
        "search_bytes_gzip": sum(len(gzip.compress(data, 6, mtime=0)) for _, data in files),
        "first_result": results[0]["title"] if results else None,
        "first_result_url": results[0]["href"].replace(base, "/") if results else None,
        "ten_results_px": round(sum(r["height"] for r in results)),
        "tallest_result_lines": max((r["lines"] for r in results), default=0),
    }


def answers(browser: Any, site: Path, queries: tuple[str, ...]) -> list[dict[str, Any]]:
    """Ask the dialog each query; return what Pagefind alone found and what the dialog shows."""
    rows = []
    with serving(site) as (base, _sent):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base, wait_until="load")
        for query in queries:
            pagefind = page.evaluate(PAGEFIND_COUNT, query)
            page.goto(base + "?q=" + query, wait_until="load")
            page.wait_for_function(
                "(q) => document.querySelector('[data-pd-search-results]').dataset.pdQuery === q",
                arg=query,
            )
            page.wait_for_load_state("networkidle")
            offer = page.locator(".pd-search-suggest")
            rows.append(
                {
                    "query": query,
                    "pagefind_results": pagefind,
                    "shown": page.locator(".md-search-result__meta").inner_text(),
                    "did_you_mean": offer.inner_text() if offer.count() else None,
                }
            )
        page.close()
    return rows


def measure(site: Path, queries: list[str], runs: int) -> list[dict[str, Any]]:
    """Measure each query `runs` times in a fresh browser context; keep the median time."""
    from playwright.sync_api import sync_playwright

    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for query in queries:
            viewport = {"width": 1280, "height": 800}
            tries = [first_query(browser, site, query, viewport) for _ in range(max(runs, 1))]
            best = dict(tries[0])
            best["seconds_to_first_results"] = statistics.median(
                t["seconds_to_first_results"] for t in tries
            )
            figures.append(best)
        figures.append({"answers": answers(browser, site, ANSWERS)})
        browser.close()
    return figures


# Pagefind's ten best results for a query, with the dialog's ranking options: (count, URLs).
TOP_TEN = """async (q) => { const pf = await import(new URL('pagefind/pagefind.js',
  document.baseURI).href); await pf.options({ranking: {metaWeights: {title: 8, topic: 40}}});
  const found = await pf.search(q);
  const ten = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
  return [found.results.length, ten.map((d) => d.url)]; }"""


def ranking_queries(site: Path, held_out_from: int = 40) -> list[str]:
    """The names of the 20 largest topics, and the 20 commonest keyphrases of the papers of
    the issues after the first `held_out_from` (days not tuned on)."""
    from generator.site.export import read_export

    whole = json.loads((site / "api" / "catalog.json").read_bytes())
    catalog = whole if "papers" in whole else read_export(site / "api")  # before version 3: whole
    topics = sorted(catalog["topics"], key=lambda t: (-len(t["paper_ids"]), t["slug"]))[:20]
    issues = sorted(catalog["issues"], key=lambda i: (i.get("date") or "", i["slug"]))
    held = {pid for issue in issues[held_out_from:] for pid in issue["paper_ids"]}
    counts = Counter(k for p in catalog["papers"] if p["id"] in held for k in p["keyphrases"])
    phrases = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]
    return [topic["label"] for topic in topics] + [phrase for phrase, _count in phrases]


def compare(site: Path, other: Path) -> dict[str, Any]:
    """Pagefind's ten best results on two builds of the same digests, query by query."""
    from playwright.sync_api import sync_playwright

    queries = ranking_queries(site)
    found: dict[Path, list[Any]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for folder in (site, other):
            with serving(folder) as (url, _sent):
                page = browser.new_page()
                page.goto(url)
                found[folder] = [page.evaluate(TOP_TEN, query) for query in queries]
                page.close()
        browser.close()
    pairs = list(zip(found[site], found[other], strict=True))
    return {
        "queries": len(queries),
        "same_count": sum(a[0] == b[0] for a, b in pairs),
        "same_first": sum(a[1][:1] == b[1][:1] for a, b in pairs),
        "same_ten_in_order": sum(a[1] == b[1] for a, b in pairs),
        "ten_overlap": round(
            sum(len(set(a[1]) & set(b[1])) for a, b in pairs)
            / max(sum(len(a[1]) for a, _ in pairs), 1),
            3,
        ),
    }


def index_time(config: Path, scratch: Path) -> dict[str, float]:
    """Time the search index of a project whose keyphrases are cached: its records made from
    the catalog, Pagefind's index of them with no cache, then with an empty cache (indexed,
    and the archive kept), then with that cache (unpacked); and Pagefind's peak memory."""
    from generator.build import SilentProgress, annotate, read_inputs
    from generator.config import load_settings
    from generator.site.search import index_records, search_records, site_language

    settings = load_settings(config)
    catalog, _ = read_inputs(settings, SilentProgress())
    catalog, _ = annotate(catalog, settings, SilentProgress())
    started = time.perf_counter()
    records = search_records(catalog, site_language(config))
    figures = {"records": len(records), "records_s": time.perf_counter() - started}
    for label, cache in (("no_cache_s", None), ("miss_kept_s", scratch), ("hit_s", scratch)):
        started = time.perf_counter()
        index_records(records, scratch / "site", cache_dir=cache)
        figures[label] = time.perf_counter() - started
    figures["pagefind_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {key: round(value, 2) for key, value in figures.items()}


def _build_demo(scratch: Path) -> Path:
    from generator.build import build
    from generator.config import load_settings

    settings = replace(load_settings(REPO / "mkdocs.yml"), site_dir=scratch / "site")
    build(settings)
    return settings.site_dir


def main(argv: list[str] | None = None) -> int:
    """Measure the first query on a built site (or the demo, built now) and print it."""
    parser = argparse.ArgumentParser(prog="benchmarks.search")
    parser.add_argument("--site", type=Path, help="a built site (default: build the demo)")
    parser.add_argument("--query", action="append", help="default: RLHF and Muon optimizer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--index-time", type=Path, metavar="MKDOCS_YML", help="time the index of a project"
    )
    parser.add_argument(
        "--compare", type=Path, metavar="DIR", help="with --site: another build to rank against"
    )
    args = parser.parse_args(argv)
    if args.compare and args.site:
        print(json.dumps(compare(args.site, args.compare)))
        return 0
    if args.index_time:
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(index_time(args.index_time, Path(scratch))))
        return 0
    if not Path(CHROMIUM).exists():
        print(f"search benchmark: no Chromium at {CHROMIUM} (make system-deps installs it)")
        return 0
    queries = args.query or ["RLHF", "Muon optimizer"]
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site or _build_demo(Path(scratch))
        figures = measure(site, queries, args.runs)
    print(f"first search query ({site if args.site else 'demo'})")
    for row in figures:
        for key, value in row.items():
            if key == "answers":
                for answer in value:
                    print(
                        f"  {answer['query']!r:18} Pagefind {answer['pagefind_results']:4} · "
                        f"shown: {answer['shown']}"
                    )
                continue
            print(f"  {key:26} {value}")
        print()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
