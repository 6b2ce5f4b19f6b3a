"""Volume targets: load ``targets.yaml`` and measure a generated directory against it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from tipdata.errors import DataFileError

TARGETS_YAML = Path(__file__).resolve().parent / "targets.yaml"


@dataclass(frozen=True, slots=True)
class Target:
    """One volume target: a figure from the report and the rows that count toward it."""

    name: str
    value: int
    file: str
    count: str = "rows"
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    where_not: dict[str, tuple[str, ...]] = field(default_factory=dict)
    between: dict[str, str] = field(default_factory=dict)
    scales: bool = True
    seed_line: int | None = None
    note: str = ""

    def expected(self, scale: float) -> float:
        """The expected value at a scale."""
        return self.value * scale if self.scales else float(self.value)


@dataclass(frozen=True, slots=True)
class Measurement:
    """A target and the value measured in a generated directory."""

    target: Target
    expected: float
    actual: int

    @property
    def relative_error(self) -> float:
        """|actual - expected| / expected (0 when both are 0)."""
        if self.expected == 0:
            return 0.0 if self.actual == 0 else 1.0
        return abs(self.actual - self.expected) / self.expected


def load_targets(path: Path = TARGETS_YAML) -> list[Target]:
    """Load and validate the targets file.

    Args:
        path: the YAML file.

    Returns:
        The targets in file order.

    Raises:
        DataFileError: when an entry lacks a field or has a wrong type.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    targets: list[Target] = []
    for index, entry in enumerate(data.get("targets", []), start=1):
        try:
            targets.append(
                Target(
                    name=str(entry["name"]),
                    value=int(entry["value"]),
                    file=str(entry["file"]),
                    count=str(entry.get("count", "rows")),
                    where={
                        str(k): tuple(str(x) for x in v)
                        for k, v in (entry.get("where") or {}).items()
                    },
                    where_not={
                        str(k): tuple(str(x) for x in v)
                        for k, v in (entry.get("where_not") or {}).items()
                    },
                    between={str(k): str(v) for k, v in (entry.get("between") or {}).items()},
                    scales=bool(entry.get("scales", True)),
                    seed_line=entry.get("seed_line"),
                    note=str(entry.get("note", "")),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise DataFileError(path, f"target {index} is malformed: {error}", line=None) from error
    return targets


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """The data rows of a generated CSV or XLSX file as dicts of text values."""
    if path.suffix == ".xlsx":
        workbook = load_workbook(path, read_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        for values in rows:
            yield {h: _text(v) for h, v in zip(header, values, strict=False)}
        workbook.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        if first.startswith("\ufeff"):
            handle.read(1)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        yield from csv.DictReader(handle, delimiter=delimiter)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@cache
def _parse_iso(text: str) -> date:
    return date.fromisoformat(text)


def measure(target: Target, out: Path, year: int) -> int:
    """Count the rows (or distinct values) of a generated file that a target selects."""
    path = out / target.file.format(year=year)
    distinct: set[str] = set()
    rows = 0
    between = target.between
    low = _parse_iso(between["from"].format(year=year)) if between else None
    high = _parse_iso(between["to"].format(year=year)) if between else None
    for row in read_rows(path):
        if any(row.get(column, "") not in values for column, values in target.where.items()):
            continue
        if any(row.get(column, "") in values for column, values in target.where_not.items()):
            continue
        if between:
            text = row.get(between["column"], "")
            try:
                when = datetime.strptime(text, between["format"]).date()
            except ValueError:
                continue
            assert low is not None and high is not None
            if not low <= when <= high:
                continue
        rows += 1
        if target.count.startswith("distinct:"):
            distinct.add(row.get(target.count.split(":", 1)[1], ""))
    return len(distinct) if target.count.startswith("distinct:") else rows


def measure_all(out: Path, year: int, scale: float) -> list[Measurement]:
    """Measure every target in a generated directory.

    Args:
        out: the generator's output directory.
        year: the reporting year it was generated for.
        scale: the scale it was generated at.

    Returns:
        One measurement per target.
    """
    return [Measurement(t, t.expected(scale), measure(t, out, year)) for t in load_targets()]
