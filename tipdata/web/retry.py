"""Trying a request again when the database was busy, with backoff, before answering 503.

SQLite has one writer at a time. Each connection waits for the write lock
(``busy_timeout``, :mod:`tipdata.store.database`), but a writer can still lose:
the wait runs out behind a long transaction, or a transaction that read first finds
its snapshot outdated (SQLite then refuses at once, waiting cannot help). PostgreSQL
answers lock timeouts, deadlocks and serialisation failures likewise. Either way the
unit of work was rolled back (:class:`tipdata.errors.DatabaseBusy`), so the whole
request can run again: the review saw concurrent writers answered 503 "database busy"
(finding 18).

:class:`BusyRetryMiddleware` keeps the request body, runs the request, and when the
answer is the 503 of a busy database (marked by the error handler in
``request.state``) it waits and runs it again: 0.05 s, then doubling, up to
:data:`RETRY_DELAYS`. Only the last answer reaches the client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
"""Seconds to wait before each new attempt (about 6 s in all, beside each attempt's own
lock wait); then the 503 goes out with ``Retry-After``."""

BUSY_MARK = "database_busy"
"""``request.state`` attribute the storage error handler sets on a busy database."""


class BusyRetryMiddleware:
    """Runs a request again, after a pause, while its answer is "database busy".

    Args:
        app: the wrapped ASGI app.
        delays: the pauses before each new attempt.
    """

    def __init__(self, app: ASGIApp, delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.app = app
        self.delays = tuple(delays)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body once, then try the request until it is not busy or time is up."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        state = dict(scope.get("state") or {})
        for attempt, delay in enumerate(self.delays):
            if not await self._attempt(scope, state, body, receive, send, may_retry=True):
                return
            log.info(
                "database busy on %s %s (attempt %d): trying again in %.2f s",
                scope.get("method"), scope.get("path"), attempt + 1, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
        await self._attempt(scope, state, body, receive, send, may_retry=False)

    async def _attempt(
        self,
        scope: Scope,
        state: dict[str, Any],
        body: bytes,
        receive: Receive,
        send: Send,
        *,
        may_retry: bool,
    ) -> bool:
        """Run the request once; True if it was busy and its answer was held back."""
        attempt_scope: dict[str, Any] = dict(scope)
        attempt_scope["state"] = dict(state)  # nothing cached from a failed attempt
        busy = False
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go away

        async def hold_if_busy(message: Message) -> None:
            nonlocal busy
            if message["type"] == "http.response.start":
                busy = (
                    may_retry
                    and message["status"] == 503
                    and bool(attempt_scope["state"].get(BUSY_MARK))
                )
            if not busy:
                await send(message)

        await self.app(attempt_scope, replay, hold_if_busy)
        return busy


async def _read_body(receive: Receive) -> bytes:
    """The whole request body (the body limit is enforced by the middleware around this)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
