"""Text as it comes from the web, made plain: one line, no invisible control characters."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (white-space controls are folded before this), lone surrogates,
# and the noncharacters U+FFFE and U+FFFF: never part of a title or an abstract, and each one
# breaks some reader downstream (YAML front matter, XML feeds, terminals, mail).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(raw: str) -> str:
    """Fold runs of white space (no-break spaces too) into one space; drop control characters."""
    return " ".join(_INVISIBLE.sub("", " ".join(raw.split())).split())
