"""Errors of the case-file services; the web layer answers them with 404, 409 and 422."""

from __future__ import annotations

from tipdata.errors import TipdataError


class CaseFileError(TipdataError):
    """A request the case-file services cannot carry out (says what is wrong)."""


class NotFoundError(CaseFileError):
    """No such object, or none the actor may see (the two are not told apart, on purpose).

    Args:
        kind: what was asked for, e.g. ``"person"``.
        key: its id as the caller gave it (an opaque id or an integer, never a name).
    """

    def __init__(self, kind: str, key: str | int) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"There is no {kind} {key} that you may see.")


class ConflictError(CaseFileError):
    """The object changed since the caller looked at it (e.g. a pair already decided)."""
