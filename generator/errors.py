"""One family of exceptions for mistakes a user can fix: each names where and what to do."""

from __future__ import annotations

import errno

from generator.model import Location, Problem

# What a write answers when the disk, the user's quota or the process's file size limit is
# full; and SQLite's code for "database or disk is full".
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
SQLITE_FULL = 13
NO_SPACE_HINT = "the previous site is intact; free some space, then build again"


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


class NoSpaceError(BuildError):
    """The disk filled up while the site was built: nothing was published."""


def says_no_space(error: BaseException) -> bool:
    """Tell whether an error is a write that found no room: a full disk, quota or size limit."""
    if isinstance(error, OSError):
        return error.errno in NO_SPACE_ERRNOS
    # sqlite3.Error carries SQLite's code ("database or disk is full").
    return getattr(error, "sqlite_errorcode", None) == SQLITE_FULL


def no_space(where: object, error: BaseException | None = None) -> NoSpaceError:
    """Return the one-line error of a build that ran out of room writing in `where`."""
    if isinstance(error, OSError) and error.errno == errno.EFBIG:
        what = f"a write to {where} passed the file size limit (ulimit -f)"
    else:
        what = f"no space left on the device of {where}"
    return NoSpaceError(what, NO_SPACE_HINT)
