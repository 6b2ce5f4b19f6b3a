"""Every indicator of the catalogue for one period: the internal overview of the NTF.

The indicators page shows each indicator's de-duplicated value beside the naive sum of
agency records (or, for a rate, the ratio), with its definition, so a data officer sees
the whole catalogue at once, and breaks one indicator down by any disaggregation it
allows. Values are internal (not disclosure-controlled): only roles that may publish see
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tipdata.access.policy import Actor, require
from tipdata.reporting.engine import ZERO, EngineError, evaluate, evaluate_rate
from tipdata.reporting.indicators import Catalogue, default_catalogue
from tipdata.store import Database

INTERNAL_PERMISSION = "reports:publish"
"""Unsuppressed figures are for the roles that decide what is released."""


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator's figure for a period.

    Attributes:
        code: the indicator's code.
        name: its short name.
        definition: what is counted.
        unit: canonical persons, cases or charges.
        value: distinct units (the numerator, for a rate).
        naive: distinct agency records behind them.
        rate: numerator over denominator times the factor, for a rate (None otherwise,
            or when the denominator is 0).
        disaggregations: the breakdowns the indicator allows.
    """

    code: str
    name: str
    definition: str
    unit: str
    value: int
    naive: int
    rate: float | None
    disaggregations: tuple[str, ...] = ()


@dataclass(frozen=True)
class BreakdownRow:
    """One category of a breakdown: its value and the agency records behind it."""

    category: str
    value: int
    naive: int


@dataclass(frozen=True)
class Breakdown:
    """One indicator broken down by one disaggregation (categories in order; "unknown"
    gathers the units with no value for it)."""

    code: str
    name: str
    by: str
    rows: list[BreakdownRow]


def indicator_values(
    db: Database,
    start: date,
    end: date,
    *,
    actor: Actor | None,
    catalogue: Catalogue | None = None,
) -> list[IndicatorValue]:
    """Every indicator of the catalogue for a period, in catalogue order.

    Args:
        db: the database.
        start: first day of the period.
        end: last day (inclusive).
        actor: the reader (needs ``reports:publish``); None for the local operator.
        catalogue: the indicators (default: the built-in catalogue).

    Returns:
        One value per indicator.

    Raises:
        AccessDenied: the actor may not read internal figures.
    """
    if actor is not None:
        require(actor, INTERNAL_PERMISSION)
    values = []
    for indicator in catalogue or default_catalogue():
        cell = evaluate(db, indicator, start, end).get((), ZERO)
        rate = (
            evaluate_rate(db, indicator, start, end).get(())
            if indicator.denominator is not None
            else None
        )
        values.append(
            IndicatorValue(
                code=indicator.code,
                name=indicator.name,
                definition=indicator.definition,
                unit=str(indicator.unit),
                value=cell.value,
                naive=cell.naive,
                rate=rate,
                disaggregations=tuple(indicator.disaggregations),
            )
        )
    return values


def indicator_breakdown(
    db: Database,
    code: str,
    by: str,
    start: date,
    end: date,
    *,
    actor: Actor | None,
    catalogue: Catalogue | None = None,
) -> Breakdown:
    """One indicator for a period, by one of its disaggregations.

    Raises:
        AccessDenied: the actor may not read internal figures.
        EngineError: no such indicator, or it cannot be broken down by ``by``.
    """
    if actor is not None:
        require(actor, INTERNAL_PERMISSION)
    indicator = next((i for i in catalogue or default_catalogue() if i.code == code), None)
    if indicator is None:
        raise EngineError(f"no indicator {code!r} in the catalogue")
    cells = evaluate(db, indicator, start, end, by=[by])
    rows = [
        BreakdownRow("unknown" if key[0] is None else str(key[0]), cell.value, cell.naive)
        for key, cell in cells.items()
        if key
    ]
    rows.sort(key=lambda row: (row.category == "unknown", row.category))
    return Breakdown(indicator.code, indicator.name, by, rows)
