"""k-anonymity for case-level exports.

A case-level export is k-anonymous over a set of quasi-identifiers when every
combination of their values that appears in it appears in at least ``k`` rows,
so no published row can be narrowed down to fewer than ``k`` people. The default
``k = 11`` is the one the Counter Trafficking Data Collaborative uses for its
public global dataset (see ``docs/disclosure-control.md``).

:func:`enforce_k_anonymity` makes an export k-anonymous by coarsening whole
columns one level at a time (age → age band → child/adult, province → region,
date → month → year, then the value is withheld as ``"*"``), choosing each time
the column whose coarsening leaves the fewest rows at risk, and finally drops
the rows that are still in groups smaller than ``k``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tipdata.errors import TipdataError

DEFAULT_K = 11
WITHHELD = "*"
"""The value of a quasi-identifier that is no longer published."""
UNKNOWN = "unknown"
ADULT_AGE = 18

Row = Mapping[str, Any]
Generaliser = Callable[[Any], Any]
"""Maps an original value to a coarser one; ``None`` stays ``None``."""

# Age bands that never straddle 18, so they also generalise to child/adult.
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 11),
    (12, 14),
    (15, 17),
    (18, 24),
    (25, 34),
    (35, 49),
    (50, None),
)


class KAnonymityError(TipdataError, ValueError):
    """k-anonymity was asked for with impossible settings."""


@dataclass(frozen=True)
class Violation:
    """A combination of quasi-identifier values shared by fewer than ``k`` rows.

    Attributes:
        values: the quasi-identifier values, in the order the identifiers were given.
        count: how many rows share them.
        rows: 0-based indices of those rows in the input.
    """

    values: tuple[Any, ...]
    count: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class KAnonymityResult:
    """An export made k-anonymous.

    Attributes:
        rows: the published rows (coarsened, residual rows removed).
        levels: the generalisation level used per quasi-identifier
            (0 = as recorded; the last level is withheld, ``"*"``).
        level_names: a readable name for each chosen level.
        dropped: 0-based indices of the input rows that were removed.
        k: the k the rows satisfy.
    """

    rows: list[dict[str, Any]]
    levels: dict[str, int]
    level_names: dict[str, str]
    dropped: tuple[int, ...]
    k: int


def check_k_anonymity(
    rows: Sequence[Row], quasi_identifiers: Sequence[str] | None = None, k: int = DEFAULT_K
) -> list[Violation]:
    """Return every combination of quasi-identifier values shared by fewer than ``k`` rows.

    Args:
        rows: the export, one mapping per row.
        quasi_identifiers: the columns an intruder could know; None means every
            column of the export (the rule for published exports).
        k: the smallest group size allowed.

    Returns:
        The violations, smallest groups first; empty if the export is k-anonymous.

    Examples:
        >>> check_k_anonymity([{"sex": "F"}] * 11 + [{"sex": "M"}], ["sex"])
        [Violation(values=('M',), count=1, rows=(11,))]
    """
    if k < 1:
        raise KAnonymityError(f"k must be at least 1, not {k}")
    columns = _columns(rows, quasi_identifiers)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(row.get(c) for c in columns), []).append(index)
    violations = [
        Violation(values, len(members), tuple(members))
        for values, members in groups.items()
        if len(members) < k
    ]
    return sorted(violations, key=lambda v: (v.count, v.rows))


def enforce_k_anonymity(
    rows: Sequence[Row],
    quasi_identifiers: Sequence[str],
    k: int = DEFAULT_K,
    hierarchies: Mapping[str, Sequence[tuple[str, Generaliser]]] | None = None,
    *,
    max_dropped_share: float = 0.05,
) -> KAnonymityResult:
    """Coarsen quasi-identifiers, then drop residual rows, until the export is k-anonymous.

    Each quasi-identifier has levels: 0 is the value as recorded, then the named
    generalisers of its hierarchy in order (each applied to the recorded value),
    then ``"*"`` (withheld). Greedily, while more than ``max_dropped_share`` of
    the rows are in groups smaller than ``k``, the quasi-identifier whose next
    level leaves the fewest such rows is moved up one level. The rows still at
    risk are then dropped.

    Args:
        rows: the export, one mapping per row; other columns are kept as they are.
        quasi_identifiers: the columns to make k-anonymous.
        k: the smallest group size allowed.
        hierarchies: generalisation levels per quasi-identifier, e.g.
            ``{"age": age_hierarchy(), "province": province_hierarchy(regions)}``;
            a column without one goes straight from recorded to withheld.
        max_dropped_share: share of rows that may be dropped instead of coarsening more.

    Returns:
        The published rows, the levels chosen and the rows dropped.
    """
    if k < 1:
        raise KAnonymityError(f"k must be at least 1, not {k}")
    if not 0 <= max_dropped_share <= 1:
        raise KAnonymityError("max_dropped_share is a share between 0 and 1")
    hierarchies = hierarchies or {}
    unknown = set(hierarchies) - set(quasi_identifiers)
    if unknown:
        raise KAnonymityError(f"hierarchies for columns that are not quasi-identifiers: {unknown}")
    ladders = {column: _ladder(hierarchies.get(column, ())) for column in quasi_identifiers}
    levels = dict.fromkeys(quasi_identifiers, 0)
    allowed = int(max_dropped_share * len(rows))

    def at_risk(candidate: Mapping[str, int]) -> int:
        keys = [
            tuple(_generalise(ladders[c], candidate[c], row.get(c)) for c in quasi_identifiers)
            for row in rows
        ]
        sizes = Counter(keys)
        return sum(size for size in sizes.values() if size < k)

    risk = at_risk(levels)
    while risk > allowed:
        options = [
            (at_risk({**levels, column: levels[column] + 1}), position, column)
            for position, column in enumerate(quasi_identifiers)
            if levels[column] + 1 < len(ladders[column])
        ]
        if not options:
            break
        risk, _, column = min(options)
        levels[column] += 1

    coarse = [
        {
            **row,
            **{c: _generalise(ladders[c], levels[c], row.get(c)) for c in quasi_identifiers},
        }
        for row in rows
    ]
    residual = {index for v in check_k_anonymity(coarse, quasi_identifiers, k) for index in v.rows}
    return KAnonymityResult(
        rows=[row for index, row in enumerate(coarse) if index not in residual],
        levels=levels,
        level_names={c: ladders[c][levels[c]][0] for c in quasi_identifiers},
        dropped=tuple(sorted(residual)),
        k=k,
    )


# --- hierarchies ----------------------------------------------------------------------


def age_band(age: int) -> str:
    """Return the age band of ``age`` in years, e.g. ``"12-14"`` or ``"50+"``."""
    for low, high in AGE_BANDS:
        if high is None or age <= high:
            return f"{low}+" if high is None else f"{low}-{high}"
    raise KAnonymityError(f"no age band for {age}")  # unreachable: the last band is open


def child_or_adult(age: int) -> str:
    """Return ``"child"`` below 18 years and ``"adult"`` from 18."""
    return "child" if age < ADULT_AGE else "adult"


def age_hierarchy() -> list[tuple[str, Generaliser]]:
    """Age in years → age band → child/adult."""
    return [("age band", age_band), ("child or adult", child_or_adult)]


def province_hierarchy(region_of: Mapping[str, str]) -> list[tuple[str, Generaliser]]:
    """Province code → region (from ``region_of``; unlisted provinces become ``"unknown"``)."""
    return [("region", lambda code: region_of.get(code, UNKNOWN))]


def date_hierarchy() -> list[tuple[str, Generaliser]]:
    """Date (``date``, ``datetime`` or ISO text) → month ``yyyy-mm`` → year ``yyyy``."""
    return [
        ("month", lambda value: _as_date(value).strftime("%Y-%m")),
        ("year", lambda value: f"{_as_date(value).year:04d}"),
    ]


# --- internals ------------------------------------------------------------------------


def _ladder(hierarchy: Iterable[tuple[str, Generaliser]]) -> list[tuple[str, Generaliser]]:
    """Levels of a column: recorded, the hierarchy's levels, withheld."""
    return [("recorded", _identity), *hierarchy, ("withheld", _identity)]


def _generalise(ladder: Sequence[tuple[str, Generaliser]], level: int, value: Any) -> Any:
    """The value at ``level``; a missing value stays missing until the column is withheld."""
    if level == len(ladder) - 1:
        return WITHHELD
    if value is None:
        return None
    return ladder[level][1](value)


def _identity(value: Any) -> Any:
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _columns(rows: Sequence[Row], quasi_identifiers: Sequence[str] | None) -> list[str]:
    if quasi_identifiers is not None:
        return list(quasi_identifiers)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)
