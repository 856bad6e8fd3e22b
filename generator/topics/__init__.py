"""Topics: keyphrases merged into concepts (`concepts`), concepts into topics (`grouping`)."""

from __future__ import annotations

from generator.topics.concepts import TopicSettings
from generator.topics.grouping import build_topics, topic_slug

__all__ = ["TopicSettings", "build_topics", "topic_slug"]
