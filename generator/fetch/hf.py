"""Hugging Face's daily papers: one day's list, saved as the API sent it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from generator.fetch.client import Client, FetchError
from generator.fetch.save import Fetched, papers_in, save
from generator.sources import display_path
from generator.sources.formats import HF_API

HF_ENDPOINT = "https://huggingface.co/api/daily_papers"
# Papers per answer: the API's default is 50 and its most 100; a day's list fits in one answer.
HF_LIMIT = 100


def hf_url(endpoint: str, date: dt.date) -> str:
    """Return the address of one day's list."""
    return f"{endpoint}?{urlencode({'date': date.isoformat(), 'limit': HF_LIMIT})}"


def count_hf_papers(body: bytes, host: str, date: dt.date) -> int:
    """Return how many papers a daily-papers answer lists (as the build will read them);
    FetchError if it is not such a list."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise FetchError(
            f"{host} sent JSON nested too deeply to be a list of papers; nothing written"
        ) from None
    except ValueError as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        if not isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
            why = "a number too long"  # Python's limit on digits in an int
        raise FetchError(
            f"{host} sent something that is not JSON ({why}); nothing written"
        ) from None
    if not isinstance(data, list):
        raise FetchError(
            f"{host} sent JSON that is not a list of papers ({type(data).__name__}); "
            "nothing written",
            "check --endpoint",
        )
    papers = papers_in(body, HF_API)
    if not papers:
        raise FetchError(
            f"{host} lists no paper for {date.isoformat()}; nothing written",
            "Hugging Face lists papers on weekdays: try another --date",
        )
    return papers


def fetch_hf(
    digests_dir: Path,
    date: dt.date,
    *,
    client: Client,
    endpoint: str = HF_ENDPOINT,
    force: bool = False,
    root: Path | None = None,
) -> Fetched:
    """Fetch one day's daily papers into <digests>/<date>-hf.json, the body unchanged."""
    url = hf_url(endpoint, date)
    body = client.get(url, accept="application/json")
    papers = count_hf_papers(body, urlsplit(url).hostname or url, date)
    path = digests_dir / f"{date.isoformat()}-hf.json"
    return save(path, body, papers, force=force, shown=display_path(path, root))
