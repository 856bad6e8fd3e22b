"""DOIs as sources give them: a link to doi.org for a plausible one, an arXiv id for arXiv's own.

A DOI is "10.<registrant>/<suffix>"; sources write it bare, with a "doi:" prefix or as a
doi.org address, and arXiv's metadata sometimes lists two, separated by a space. The link
is made from the DOI (never from the text as given), its suffix percent-encoded.
"""

from __future__ import annotations

import re
import urllib.parse

from generator.model import Link, LinkKind
from generator.sources.fields import arxiv_id, link

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
# DataCite DOIs arXiv registers for every paper: 10.48550/arXiv.2501.01234
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)


def clean_doi(value: object) -> str | None:
    """The first DOI in a value ("doi:10.1000/x", a doi.org URL, "10.1/a 10.1/b"), or None."""
    if not isinstance(value, str):
        return None
    first = next(iter(value.split()), "")
    doi = _PREFIX.sub("", first.strip())
    return doi if _DOI.match(doi) else None


def doi_link(value: object) -> Link | None:
    """A DOI link (https://doi.org/...) for a plausible DOI; None for anything else."""
    doi = clean_doi(value)
    if doi is None:
        return None
    return link(LinkKind.DOI, "https://doi.org/" + urllib.parse.quote(doi, safe="/"))


def arxiv_id_of_doi(value: object) -> str | None:
    """The arXiv id of an arXiv DOI (10.48550/arXiv.2501.01234), else None."""
    doi = clean_doi(value)
    match = _ARXIV_DOI.match(doi) if doi else None
    return arxiv_id(match["id"]) if match else None
