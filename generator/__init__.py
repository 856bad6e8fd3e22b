"""Paper Digest: research-paper digests in, a website, feeds and an email newsletter out."""

from __future__ import annotations

__version__ = "0.1.0"
