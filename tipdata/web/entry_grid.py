"""The provincial report form as DHIS2 draws it: one sex × age grid per data element.

Each broken-down element is a grid: a column per option of its first category (female,
male), a row per option of its second (child, adult), an entry box per crossing, and the
row, column and grand totals worked out on the server from what was typed
(:meth:`~tipdata.provincial.datasets.DataSet.value`: a total only from a complete set of
parts, never reading a blank as 0). The element's own total stays an entry box for a
province that counts only totals; beside it, the total its parts add up to. No script:
the page is re-drawn with the totals on every save or "Work out totals".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tipdata.codelists import Province
from tipdata.provincial import TOTAL, DataSet, ValueKey


@dataclass(frozen=True)
class Grid:
    """One data element's entry grid.

    Attributes:
        element: the element's code.
        name: its English name (translated by the page).
        total_field: the form field of its total.
        columns: the options across (empty for an element without breakdown).
        rows: the options down (``("",)`` for an element broken down by one category).
        fields: (row, column) → the form field of that crossing.
        row_sums: row option → the total of its crossings (None unless all are known).
        column_sums: column option → the same down the column.
        parts_total: what the parts add up to (None unless a complete set is known).
    """

    element: str
    name: str
    total_field: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    fields: Mapping[tuple[str, str], str]
    row_sums: Mapping[str, int | None]
    column_sums: Mapping[str, int | None]
    parts_total: int | None


def field_of(element: str, disaggregation: str) -> str:
    """The form field of a value: ``element`` or ``element.disaggregation``."""
    return element if disaggregation == TOTAL else f"{element}.{disaggregation}"


def typed_values(shown: Mapping[str, str], data_set: DataSet) -> dict[ValueKey, int | None]:
    """The counts as typed (a box that is not a count is left out, the rules say so)."""
    values: dict[ValueKey, int | None] = {}
    for name, text in shown.items():
        cleaned = text.strip()
        if cleaned.isdigit():
            values[data_set.parse_key(name)] = int(cleaned)
    return values


def entry_grids(data_set: DataSet, values: Mapping[ValueKey, int | None]) -> list[Grid]:
    """Every element's grid with the totals of ``values``."""
    grids = []
    for element in data_set.elements:
        code = element.code
        categories = data_set.categories_of(code)
        without_total = {k: v for k, v in values.items() if k != (code, TOTAL)}
        parts_total = data_set.value(without_total, (code, TOTAL)) if categories else None
        if not categories:
            grids.append(Grid(code, element.name, code, (), (), {}, {}, {}, None))
            continue
        across = categories[0].options
        down = categories[1].options if len(categories) > 1 else ("",)
        fields = {
            (row, column): field_of(code, f"{column}_{row}" if row else column)
            for row in down
            for column in across
        }
        row_sums = {
            row: data_set.value(without_total, (code, row)) if row else parts_total for row in down
        }
        column_sums = {column: data_set.value(without_total, (code, column)) for column in across}
        grids.append(
            Grid(code, element.name, code, across, down, fields, row_sums, column_sums, parts_total)
        )
    return grids


def province_label(province: Province, language: str) -> str:
    """A province's name in the page's language (Khmer when known)."""
    if language == "km" and province.name_km:
        return province.name_km
    return province.name_en


__all__ = ["Grid", "entry_grids", "field_of", "province_label", "typed_values"]
