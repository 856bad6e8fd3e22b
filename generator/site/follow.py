"""What the home page needs to show "New in your topics": each topic's newest papers, small.

A reader follows topics on their pages (a Follow button); the list stays in the browser
(localStorage), nothing is sent anywhere. The home page then fetches `api/follow.json` from
the site itself and shows the papers of the followed topics listed since the reader's last
visit (templates/overrides/assets/javascripts/paper-digest-follow.js). The file holds, for
each topic, its `PAPERS_PER_TOPIC` newest papers among the `RECENT_ISSUES` newest issues:
its size grows with the number of topics, not with the archive.
"""

from __future__ import annotations

import json
from typing import Any

from generator.model import Catalog, Paper
from generator.site.urls import page_url, paper_doc, topic_doc

FOLLOW_FILE = "api/follow.json"
PAPERS_PER_TOPIC = 8
RECENT_ISSUES = 4


def follow_json(catalog: Catalog) -> bytes:
    """Serialize each topic's newest papers, sorted, so a catalog always gives the same bytes."""
    latest = catalog.latest.number if catalog.latest is not None else 0
    recent = latest - RECENT_ISSUES

    def newest(paper: Paper) -> int:
        return max(catalog.issue(slug).number for slug in paper.issues)

    topics: dict[str, Any] = {}
    for topic in sorted(catalog.topics, key=lambda t: t.slug):
        papers = [p for p in catalog.papers_of_topic(topic) if newest(p) > recent]
        papers.sort(key=lambda p: (-newest(p), p.title.casefold(), p.id))
        topics[topic.slug] = {
            "label": topic.label,
            "url": page_url(topic_doc(topic)),
            "papers": [
                {"title": p.title, "url": page_url(paper_doc(p)), "issue": newest(p)}
                for p in papers[:PAPERS_PER_TOPIC]
            ],
        }
    data = {"latest": latest, "topics": topics}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
