"""Pagination of lists: ``limit`` and an opaque ``cursor``, the same for pages and the API.

A cursor is the key of the last item of the previous page (keyset pagination:
stable while rows are added, no ``OFFSET`` scans), encoded so that clients treat
it as opaque. It holds only a row id, never personal data, and is checked on
the way back in: a cursor the app did not issue is answered with 400.

Examples:
    >>> params = PageParams(limit=2, cursor=None)
    >>> page = page_of([9, 8, 7], params, key=lambda item: item)
    >>> page.items, decode_cursor(page.next_cursor)
    ([9, 8], 8)
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from tipdata.store import MAX_INTEGER
from tipdata.web.context import web_context
from tipdata.web.errors import BadCursor

T = TypeVar("T")
_PREFIX = "k1:"


def encode_cursor(key: int) -> str:
    """The opaque cursor continuing after the item with this key."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{int(key)}".encode("ascii")).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The key a cursor continues after; None for the first page.

    Raises:
        BadCursor: the cursor was not issued by :func:`encode_cursor`.
    """
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor() from None
    digits = text[len(_PREFIX) :]
    if not text.startswith(_PREFIX) or not digits.isdigit() or len(digits) > 12:
        raise BadCursor()
    key = int(digits)
    if key > MAX_INTEGER:  # no row has such a key; the database could not even compare it
        raise BadCursor()
    return key


@dataclass(frozen=True)
class PageParams:
    """What the client asked for.

    Attributes:
        limit: items per page.
        cursor: the cursor of the previous page's ``next_cursor``, or None.
    """

    limit: int
    cursor: str | None

    @property
    def after(self) -> int | None:
        """The key the page continues after (decoded cursor)."""
        return decode_cursor(self.cursor)


def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Items per page.")] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=64, description="The `next_cursor` of the previous page; empty: first."),
    ] = None,
) -> PageParams:
    """Dependency: the ``limit`` (capped by the app's maximum) and ``cursor`` query parameters."""
    options = web_context(request).options
    chosen = min(limit or options.page_limit_default, options.page_limit_max)
    params = PageParams(limit=chosen, cursor=cursor or None)
    params.after  # noqa: B018 - validate the cursor now, so a bad one is a 400 before any query
    return params


Pagination = Annotated[PageParams, Depends(page_params)]
"""Declare on list routes: ``page: Pagination``."""


class Page(BaseModel, Generic[T]):
    """One page of a list, as the API returns it.

    Attributes:
        items: the items of this page.
        limit: the page size used.
        next_cursor: pass as ``cursor`` for the next page; null on the last page.
    """

    items: list[T]
    limit: int
    next_cursor: str | None = Field(default=None)


def page_of(items: Sequence[T], params: PageParams, key: Callable[[T], int]) -> Page[T]:
    """Cut one page from items fetched with ``limit + 1`` (the extra one shows there is more).

    Args:
        items: up to ``params.limit + 1`` items, in page order.
        params: the request's page parameters.
        key: the keyset key of an item (its id).

    Returns:
        The page, with ``next_cursor`` set when more items follow.
    """
    shown = list(items[: params.limit])
    more = len(items) > params.limit and bool(shown)
    return Page[T](
        items=shown,
        limit=params.limit,
        next_cursor=encode_cursor(key(shown[-1])) if more else None,
    )


def page_after(
    items: Sequence[T], params: PageParams, key: Callable[[T], int], *, descending: bool = True
) -> Page[T]:
    """One page of a complete list in key order (for services that return whole lists).

    Args:
        items: every item, ordered by key (descending by default).
        params: the request's page parameters.
        key: the keyset key of an item.
        descending: whether the list is newest (largest key) first.

    Returns:
        The page after the cursor.
    """
    after = params.after
    if after is not None:
        items = [item for item in items if (key(item) < after if descending else key(item) > after)]
    return page_of(items[: params.limit + 1], params, key)
