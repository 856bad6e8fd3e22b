"""One family of exceptions for mistakes a user can fix: each names where and what to do."""

from __future__ import annotations

from generator.model import Location, Problem


class PaperDigestError(Exception):
    """A user-facing failure: printed as one line, never as a traceback."""

    def __init__(self, message: str, hint: str = "", location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"


class ConfigError(PaperDigestError):
    """A setting is missing or has a value of the wrong kind."""


class BuildError(PaperDigestError):
    """The site could not be built; the previous site is left as it was."""


class InputError(BuildError):
    """The digests would publish no paper, or lose a digest whole: nothing is published.

    Carries the problems found, so that they are shown before the one-line refusal.
    """

    def __init__(self, message: str, hint: str = "", problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message, hint)
        self.problems = problems


class ModelUnavailableError(PaperDigestError):
    """The embedding model or a package it needs is not installed."""


class SendError(PaperDigestError):
    """Mail could not be sent: the server, the connection or the ledger failed."""
