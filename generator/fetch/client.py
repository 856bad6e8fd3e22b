"""An HTTP client that behaves: it names itself, spaces its requests and retries what is passing.

The only code of the package that touches the network. Each request has a timeout; a 429 or a
5xx gateway answer, a dropped connection, a timeout or a body cut short is retried after a wait
that doubles each time (or the server's Retry-After, capped), a few times, then the fetch fails
with one line. Anything else (no network, a name that does not resolve, a refused connection,
another HTTP status) fails at once: retrying would not change the answer.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator import __version__
from generator.errors import PaperDigestError
from generator.sources.fields import parse_count

USER_AGENT = f"paper-digest/{__version__}"


def user_agent(site_url: str = "", contact: str = "") -> str:
    """Name the program, and the newsletter and its editor, so an API's operators know whom to ask.

    "paper-digest/0.1.0 (+https://news.example.org/; editor@example.org)"
    """
    parts = [f"+{site_url}" if site_url else "", contact]
    said = "; ".join(part for part in parts if part)
    return f"{USER_AGENT} ({said})" if said else USER_AGENT


# Statuses that say "not now": Too Many Requests, Bad Gateway, Service Unavailable, Gateway Timeout.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BODY = 64 * 1024 * 1024  # a day's listing is well under 1 MB; more is not a listing

Report = Callable[[str], None]


class FetchError(PaperDigestError):
    """A listing could not be fetched or saved; nothing was written."""


class _Passing(Exception):
    """A failure worth another attempt; `retry_after` is the server's wish, in seconds."""

    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.retry_after = retry_after


def _silent(_line: str) -> None:
    pass


@dataclass
class Client:
    """GET with a User-Agent, at least `interval` seconds between requests, and retries.

    `interval` is counted from the end of one request to the start of the next (arXiv asks for
    3 s); `backoff` is the first wait after a failure, doubled at each further one; waits are
    capped at `max_wait`. `report` is told of each request and each retry.
    """

    user_agent: str = USER_AGENT
    interval: float = 3.0
    attempts: int = 4
    backoff: float = 2.0
    max_wait: float = 60.0
    timeout: float = 30.0
    report: Report = _silent
    _last: float | None = field(default=None, init=False, repr=False)

    def get(self, url: str, accept: str = "*/*") -> bytes:
        """Return the body of a 200 answer to GET `url`; raise FetchError when there is none."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise FetchError(f"not an http:// or https:// address: {url}", "check --endpoint")
        host = parts.hostname
        delay = 0.0
        for attempt in range(1, self.attempts + 1):
            self._wait(delay)
            more = f" (attempt {attempt} of {self.attempts})" if attempt > 1 else ""
            self.report(f"GET {url}{more}")
            try:
                return self._once(url, accept, host)
            except _Passing as failure:
                if attempt == self.attempts:
                    raise FetchError(
                        f"{host}: {failure.why}, {self.attempts} times", "try again later"
                    ) from None
                wanted = failure.retry_after
                if wanted is None:
                    wanted = self.backoff * 2 ** (attempt - 1)
                delay = max(min(wanted, self.max_wait), self.interval)
                self.report(f"{host}: {failure.why}; retrying in {delay:g} s")
            finally:
                self._last = time.monotonic()
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, wanted: float) -> None:
        """Sleep until `wanted` seconds, and at least `interval`, have passed since the last."""
        if self._last is None:
            return
        remaining = max(wanted, self.interval) - (time.monotonic() - self._last)
        if remaining > 0:
            time.sleep(remaining)

    def _once(self, url: str, accept: str, host: str) -> bytes:
        """One request: the body, or _Passing for what a retry may cure, or FetchError."""
        request = urllib.request.Request(
            url, headers={"User-Agent": self.user_agent, "Accept": accept}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _read_body(response, host)
        except urllib.error.HTTPError as exc:
            raise _http_failure(exc, host) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Passing(f"no answer within {self.timeout:g} s") from None
            raise _unreachable(host, exc.reason) from None
        except http.client.IncompleteRead as exc:
            raise _Passing(f"the answer was cut short ({_cut_short(exc)})") from None
        except ConnectionError:
            raise _Passing("the connection was dropped before the answer was complete") from None
        except TimeoutError:
            raise _Passing(f"no answer within {self.timeout:g} s") from None
        except http.client.HTTPException as exc:
            raise FetchError(f"{host}: not a valid HTTP answer ({type(exc).__name__})") from None
        except OSError as exc:
            raise _unreachable(host, exc) from None


def _read_body(response: http.client.HTTPResponse, host: str) -> bytes:
    """Read the whole body; a body shorter than its Content-Length is _Passing."""
    body = response.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise FetchError(f"{host}: the answer is over {MAX_BODY // 2**20} MB; not a listing")
    declared = parse_count(response.headers.get("Content-Length", ""))
    if declared is not None and len(body) < declared:
        raise _Passing(f"the answer was cut short ({len(body)} of {declared} bytes)")
    return body


def _cut_short(exc: http.client.IncompleteRead) -> str:
    got = len(exc.partial)
    return f"{got} bytes, {exc.expected} more expected" if exc.expected else f"{got} bytes"


def _http_failure(exc: urllib.error.HTTPError, host: str) -> Exception:
    """_Passing for a status worth a retry, else FetchError naming the status."""
    status = f"HTTP {exc.code} {exc.reason}".rstrip()
    with exc:
        detail = _error_detail(exc)
    if exc.code in RETRY_STATUSES:
        return _Passing(f"answered {status}", _retry_after(exc.headers.get("Retry-After")))
    return FetchError(f"{host} answered {status}{detail}", "check the date or category asked for")


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The short message an API puts in an error body ({"error": "..."}), if any."""
    try:
        data = json.loads(exc.read(4096) or b"null")
    except (ValueError, RecursionError, OSError, http.client.HTTPException):
        return ""
    message = data.get("error") if isinstance(data, dict) else None
    return f": {' '.join(message.split())[:200]}" if isinstance(message, str) else ""


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from APIs: back-off is used instead).

    Digits 0-9 only: "²" or 5,000 digits is no wish, and back-off is used.
    """
    seconds = parse_count(value or "")
    return float(seconds) if seconds is not None else None


def _unreachable(host: str, reason: object) -> FetchError:
    """No connection at all: offline, a name that does not resolve, a refused connection."""
    if isinstance(reason, socket.gaierror):
        why = f"name not found: {reason.strerror}" if reason.strerror else "name not found"
    elif isinstance(reason, OSError) and reason.strerror:
        why = reason.strerror.lower()
    else:
        why = str(reason)
    return FetchError(f"cannot reach {host} ({why}); check the network connection")
