"""Make HTML harmless for feed readers: allowed tags only, absolute links, XML-safe text."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import nh3

# Characters XML 1.0 does not allow at all (section 2.2): C0 controls but tab, LF and CR,
# lone surrogates, U+FFFE and U+FFFF. lxml refuses them, and readers would choke on them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HTML_TAGS = {"a", "p", "h2", "h3", "ol", "ul", "li", "strong", "em", "br", "small", "span"}
_URL_SCHEMES = {"https", "http", "mailto"}


def xml_text(text: str) -> str:
    """Strip the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def sanitize_html(html: str, base: str) -> str:
    """Keep only harmless HTML, its links absolute (resolved against `base`), XML-safe."""

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in {"href", "src"}:
            return value
        resolved = urljoin(base, value.strip())
        return resolved if urlsplit(resolved).scheme in _URL_SCHEMES else None

    cleaned = nh3.clean(
        xml_text(html),
        tags=_HTML_TAGS,
        attributes={"a": {"href", "title"}},
        attribute_filter=absolute,
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
    )
    return xml_text(cleaned)
