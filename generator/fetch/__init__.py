"""Fetch a day's listing from Hugging Face or arXiv into the digests folder.

The only stage that touches the network, and only when `paper-digest fetch` is run: the build
reads the saved file like any other digest.
"""

from __future__ import annotations

from generator.fetch.arxiv import ARXIV_ENDPOINT, MAX_PAPERS, check_category, fetch_arxiv
from generator.fetch.client import USER_AGENT, Client, FetchError, user_agent
from generator.fetch.hf import HF_ENDPOINT, fetch_hf
from generator.fetch.save import Fetched, Outcome

__all__ = [
    "ARXIV_ENDPOINT",
    "HF_ENDPOINT",
    "MAX_PAPERS",
    "USER_AGENT",
    "Client",
    "FetchError",
    "Fetched",
    "Outcome",
    "check_category",
    "fetch_arxiv",
    "fetch_hf",
    "user_agent",
]
