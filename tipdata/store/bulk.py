"""Bulk writes through the driver: one INSERT or UPDATE for many rows, on any dialect.

SQLAlchemy's ``connection.execute(statement, rows)`` converts every parameter of every
row in Python (about 10 µs a row). Linkage writes hundreds of thousands of rows whose
typed values repeat (one timestamp, a handful of enum values), so :func:`executemany`
compiles the statement once, converts each distinct value of a typed parameter once
with its type's bind processor, and hands the rows to the driver's ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any]


def executemany(
    connection: sa.Connection,
    statement: sa.Insert | sa.Update | sa.Delete,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Run ``statement`` once per row, in the connection's transaction.

    Args:
        connection: an open connection (``session.connection()`` inside a session).
        statement: an INSERT (its values given by the rows' keys) or an UPDATE/DELETE
            with named ``bindparam`` values.
        rows: parameter sets, all with the keys of the first.
    """
    if not rows:
        return
    dialect = connection.dialect
    keys = list(rows[0])
    if isinstance(statement, sa.Insert):
        statement = statement.inline()  # no implicit RETURNING of the new ids
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    names: Sequence[str] = (
        compiled.positiontup
        if compiled.positional and compiled.positiontup
        else list(compiled.params)
    )
    missing = sorted(set(names) - set(keys))
    if missing:
        # Column defaults are not applied here: give every value.
        raise ValueError(f"rows lack values for {missing}")
    converters = [
        # The dialect's own type (SQLite stores date-times as text in its own format).
        _memoised(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in names
    ]
    if compiled.positional:
        params: list[Any] = [
            tuple(
                value if convert is None else convert(value)
                for value, convert in zip((row[name] for name in names), converters, strict=True)
            )
            for row in rows
        ]
    else:
        params = [
            {
                name: row[name] if convert is None else convert(row[name])
                for name, convert in zip(names, converters, strict=True)
            }
            for row in rows
        ]
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _memoised(processor: Processor | None) -> Processor | None:
    """The processor, converting each distinct (hashable) value once."""
    if processor is None:
        return None
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            converted = done[value] = processor(value)
            return converted
        except TypeError:  # unhashable
            return processor(value)

    return convert
