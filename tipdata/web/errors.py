"""Errors the web layer raises itself; :mod:`tipdata.web.problems` turns each into a response."""

from __future__ import annotations

from tipdata.errors import TipdataError


class WebError(TipdataError):
    """An error answered with an HTTP status and a message fit to show to the user.

    Attributes:
        status: the HTTP status code.
        title: the short, fixed summary of the problem type (RFC 9457 ``title``).
    """

    status = 400
    title = "Bad Request"


class NotAuthenticated(WebError):
    """No valid session (pages) or bearer token (API): sign in first."""

    status = 401
    title = "Unauthorized"

    def __init__(self, message: str = "Sign in to continue.") -> None:
        super().__init__(message)


class CsrfError(WebError):
    """A form arrived without the CSRF token of the user's session."""

    status = 403
    title = "Forbidden"

    def __init__(self) -> None:
        super().__init__(
            "The form has expired or did not come from this site. Reload the page and try again."
        )


class BadCursor(WebError):
    """A pagination cursor that this app did not issue."""

    status = 400
    title = "Bad Request"

    def __init__(self) -> None:
        super().__init__("The cursor is not valid: start again from the first page.")


class UploadRejected(WebError):
    """An uploaded file of a type that is not accepted, or empty."""

    status = 415
    title = "Unsupported Media Type"


class NotInScope(WebError):
    """No such object in the user's scope: absent, or another agency's (never told apart).

    The web app audits it as a refused access (``access.denied``, reason ``not_found``)
    unless the service already recorded the refusal.

    Args:
        message: what to tell the user.
        object_type: the kind of object asked for, e.g. ``"case"``.
        object_id: its id as the user gave it (an opaque id or an integer, never a name).
    """

    status = 404
    title = "Not Found"

    def __init__(self, message: str, object_type: str, object_id: str | int) -> None:
        super().__init__(message)
        self.object_type = object_type
        self.object_id = object_id
