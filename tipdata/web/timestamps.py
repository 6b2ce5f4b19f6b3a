"""Timestamps in API answers: always timezone-aware UTC (RFC 3339 ``date-time``).

SQLite stores timestamps without their zone and gives them back naive (they are UTC);
PostgreSQL gives them back aware. Every datetime field of an API output schema is a
:data:`UtcDateTime`, so the JSON always carries the offset whatever the engine.

Examples:
    >>> from datetime import datetime
    >>> from pydantic import TypeAdapter
    >>> adapter = TypeAdapter(UtcDateTime)
    >>> adapter.dump_json(adapter.validate_python(datetime(2008, 4, 1, 9, 30)))
    b'"2008-04-01T09:30:00Z"'
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from tipdata.access import as_utc

UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""A datetime made aware in UTC on validation (a naive value is taken as UTC)."""

__all__ = ["UtcDateTime"]
