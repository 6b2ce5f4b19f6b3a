"""Security of the web layer: response headers, request size limits, cookie flags.

Pure ASGI middleware (no ``BaseHTTPMiddleware``), so streaming bodies are counted
as they arrive and a too-large upload is refused before it is read whole.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""The pages use no script at all, so none may run; styles and images come from the app only."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
"""Headers sent with every response."""

NO_STORE = "no-store"
STATIC_CACHE = "public, max-age=3600"
HSTS = "max-age=31536000; includeSubDomains"

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback_host(host: str | None) -> bool:
    """Whether a host name or address is this machine (cookies may then lack ``Secure``).

    Examples:
        >>> is_loopback_host("127.0.0.1"), is_loopback_host("localhost"), is_loopback_host("a.kh")
        (True, True, False)
    """
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def cookie_secure(connection: HTTPConnection) -> bool:
    """Whether cookies must be ``Secure``: from configuration (``TIPDATA_PUBLIC_URL``).

    Never from the request's ``Host`` header or scheme, which a client or a misconfigured
    proxy chooses (review finding 14).
    """
    settings = connection.app.state.web.system.settings
    return bool(settings.https)


def relative_location(location: str) -> str:
    """A redirect target without scheme and host, so a spoofed ``Host`` cannot steer it.

    The app only ever redirects within itself; Starlette builds some redirects (a
    trailing slash) from the request's ``Host`` header.

    Examples:
        >>> relative_location("http://evil.example/cases?page=2")
        '/cases?page=2'
        >>> relative_location("/login")
        '/login'
    """
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location
    path = "/" + parts.path.lstrip("/")
    return f"{path}?{parts.query}" if parts.query else path


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every response and sets its caching.

    Everything the app generates is ``Cache-Control: no-store`` (pages and API
    answers may hold personal data, and a shared provincial computer must not
    keep them); only files under ``static_prefix`` may be cached. Redirects are
    made relative (:func:`relative_location`).

    Args:
        app: the wrapped ASGI app.
        static_prefix: the path prefix of the static files.
        hsts: send ``Strict-Transport-Security`` (configuration says people use HTTPS).
    """

    def __init__(self, app: ASGIApp, static_prefix: str = "/static/", hsts: bool = False) -> None:
        self.app = app
        self.static_prefix = static_prefix
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["Cache-Control"] = STATIC_CACHE if is_static else NO_STORE
                if not is_static:
                    headers["Pragma"] = "no-cache"
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS
                if "location" in headers:
                    headers["Location"] = relative_location(headers["location"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """The request body exceeds the limit (raised while it streams in)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request body larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuses request bodies over the limit with ``413``, counting the bytes as they arrive.

    ``multipart/form-data`` (file uploads) has its own, larger limit. A declared
    ``Content-Length`` over the limit is refused before any byte is read; a
    chunked body (no length declared) is cut off as soon as it passes the limit,
    and answered 413 too, whatever the route's body parser made of the cut.

    Args:
        app: the wrapped ASGI app.
        max_body_bytes: limit for every other body.
        max_upload_bytes: limit for ``multipart/form-data`` bodies.
        api_prefixes: paths answered with problem details rather than plain text.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        api_prefixes: Iterable[str] = ("/api/",),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.api_prefixes = tuple(api_prefixes)

    def limit_for(self, headers: Headers) -> int:
        """The limit that applies to a request with these headers."""
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith("multipart/form-data"):
            return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        started = False
        exceeded = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            # FastAPI turns any error while it parses a JSON or form body into its own
            # 400; once the limit was passed, that answer is replaced by the 413.
            nonlocal started, refused
            if exceeded and (refused or not started):
                if not refused and message["type"] == "http.response.start":
                    started = refused = True
                    await self._refuse(scope, send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if refused:
                return
            if started:
                raise
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        """Answer 413: problem details under the API, a short text elsewhere."""
        path = str(scope.get("path", ""))
        detail = f"The request body is larger than the limit of {limit:,} bytes."
        if path.startswith(self.api_prefixes):
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": "Content Too Large",
                    "status": 413,
                    "detail": detail,
                    "instance": path,
                }
            ).encode("utf-8")
            content_type = b"application/problem+json"
        else:
            body = detail.encode("utf-8")
            content_type = b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
