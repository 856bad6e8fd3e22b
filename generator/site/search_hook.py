"""A MkDocs hook that indexes each build for search: `paper-digest serve` adds it to MkDocs' own.

`paper-digest build` indexes its staging folder itself (generator/build.py); MkDocs' live-reload
server builds into a folder of its own, after every change, so there the index is written by
this hook, after each build, from the records of the catalog `serve` made last
(`search.Served`; its index is kept in the build's cache, so a rebuild whose records are
the same, as after a template edit, unpacks it). A failure there is a warning: the preview
goes on, without search.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from generator.errors import BuildError
from generator.site.search import Served, index_records

log = logging.getLogger("mkdocs.plugins.paper_digest.search")


def on_post_build(config: Any, **_kwargs: Any) -> None:
    """Write the search index of the site MkDocs has just built."""
    if Served.records is None:
        log.warning("search is off in this preview: no catalog was made for it")
        return
    try:
        count = index_records(Served.records, Path(config["site_dir"]), cache_dir=Served.cache_dir)
    except BuildError as exc:
        log.warning("search is off in this preview: %s", exc)
        return
    log.info("Indexed %d papers and topics for search", count)
