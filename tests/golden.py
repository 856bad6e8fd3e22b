"""Golden output: the small fixture digests rendered to Markdown, kept under tests/golden/.

`make golden` (python -m tests.golden) rewrites the expected tree after a deliberate change;
review the diff before committing it.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

from generator.build import SilentProgress, annotate, read_catalog
from generator.config import Settings, load_settings
from generator.site.pages import render_pages
from tests.stand_in import StandInEmbedder

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOLDEN = HERE / "golden" / "small"
DIGESTS = HERE / "fixtures" / "digests" / "small"


def golden_settings() -> Settings:
    """Use the repository's real settings and templates with the fixture digests."""
    return replace(load_settings(REPO / "mkdocs.yml"), digests_dir=DIGESTS, root=DIGESTS.parent)


def render_golden() -> dict[str, str]:
    """Render the fixture digests as the build would: {docs-relative path: Markdown}."""
    settings = golden_settings()
    catalog, _ = read_catalog(settings)
    # Keyphrases from the stand-in embedder: deterministic, and no model to load. No cache.
    catalog, _ = annotate(
        catalog, replace(settings, cache_dir=None), SilentProgress(), StandInEmbedder()
    )
    return render_pages(catalog, replace(settings, cache_dir=None))  # nothing kept


def main() -> int:
    """Rewrite tests/golden/small/ from the current code and templates."""
    pages = render_golden()
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for relative, text in pages.items():
        target = GOLDEN / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(pages)} pages to {GOLDEN.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
