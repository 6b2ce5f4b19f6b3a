"""DHIS2's aggregate data formats, read and written: dataValueSets JSON and CSV, and ADX.

The formats as DHIS2's documentation describes them (Web API, "Data values" and "ADX
data format"):

* **JSON**: ``{"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo",
  "dataValues": [{"dataElement", "categoryOptionCombo", "value", "comment"}]}``; for
  bulks, ``period`` and ``orgUnit`` go on each data value instead.
* **CSV**: one value a row, read by position: ``dataelement, period, orgunit,
  categoryoptioncombo, attributeoptioncombo, value, storedby, lastupdated, comment,
  followup``; a first row starting ``dataelement`` is the header.
* **ADX** (IHE QRPH, namespace ``urn:ihe:qrph:adx:2015``): ``<group orgUnit period
  dataSet completeDate>`` elements holding ``<dataValue dataElement value>``, the
  disaggregation written as one attribute per category (its code) with the option's
  code, and the period as ``start/duration`` (``2009-12-28/P14D`` for a bi-week).

These functions know nothing of tipdata's data sets: they move :class:`Dhis2Value`
rows in and out of files. :mod:`tipdata.standards.dhis2_exchange` maps them.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from defusedxml import ElementTree as SafeET

from tipdata.errors import DataFileError
from tipdata.periods import Period, PeriodError, dhis2_code, parse_period, period_of

Dhis2Format = Literal["json", "csv", "adx"]
"""The file formats of the exchange."""

DHIS2_FORMATS: tuple[Dhis2Format, ...] = ("json", "csv", "adx")
ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
CSV_HEADER = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
# ADX period durations DHIS2 reads (dhis2-core AdxPeriod), with the tipdata period type.
_ADX_DURATIONS = {"P7D": "week", "P14D": "bi_week", "P1M": "month", "P3M": "quarter", "P1Y": "year"}
_ADX_GROUP_ATTRIBUTES = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}


class Dhis2FormatError(DataFileError):
    """A DHIS2 file cannot be read; the message names the file, the row and the field."""


@dataclass(frozen=True)
class Dhis2Value:
    """One data value as a DHIS2 file states it, identifiers as written.

    Attributes:
        data_element: data element id.
        period: DHIS2 ISO period code (ADX periods are converted, ``2009BiW27``).
        org_unit: org unit id.
        value: the value as written.
        category_option_combo: category option combo id; None when left out.
        attribute_option_combo: attribute option combo id; None when left out.
        categories: ADX only: category code → option code.
        comment: the comment, if any.
        line: where it was read (row, or position of the value in the file), for errors.
    """

    data_element: str
    period: str
    org_unit: str
    value: str
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None
    categories: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    line: int | None = None


@dataclass
class DataValueSet:
    """The content of one DHIS2 file.

    Attributes:
        values: the data values.
        data_set: the data set id, when the file names one.
        complete_dates: ``(org unit, period)`` → completion date, when stated.
    """

    values: list[Dhis2Value] = field(default_factory=list)
    data_set: str | None = None
    complete_dates: dict[tuple[str, str], date] = field(default_factory=dict)


# --- writing ---------------------------------------------------------------------------


def write_json(content: DataValueSet) -> str:
    """Return ``content`` as a dataValueSets JSON document.

    One org unit and period with a completion date: the documented single-set form
    (``dataSet``, ``completeDate``, ``period``, ``orgUnit`` at the top). Otherwise the
    bulk form, ``period`` and ``orgUnit`` on each value (completion dates are not
    representable there; ADX carries them).
    """
    document: dict[str, Any] = {}
    if content.data_set is not None:
        document["dataSet"] = content.data_set
    keys = {(v.org_unit, v.period) for v in content.values}
    single = len(keys) == 1 and next(iter(keys)) in content.complete_dates
    if single:
        org_unit, period = next(iter(keys))
        document["completeDate"] = content.complete_dates[(org_unit, period)].isoformat()
        document["period"] = period
        document["orgUnit"] = org_unit
    values = []
    for value in content.values:
        item: dict[str, str] = {"dataElement": value.data_element}
        if not single:
            item["period"] = value.period
            item["orgUnit"] = value.org_unit
        if value.category_option_combo is not None:
            item["categoryOptionCombo"] = value.category_option_combo
        if value.attribute_option_combo is not None:
            item["attributeOptionCombo"] = value.attribute_option_combo
        item["value"] = value.value
        if value.comment:
            item["comment"] = value.comment
        values.append(item)
    document["dataValues"] = values
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_csv(content: DataValueSet) -> str:
    """Return ``content`` as dataValueSets CSV, with DHIS2's header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for value in content.values:
        writer.writerow(
            [
                value.data_element,
                value.period,
                value.org_unit,
                value.category_option_combo or "",
                value.attribute_option_combo or "",
                value.value,
                "",
                "",
                value.comment or "",
                "false",
            ]
        )
    return buffer.getvalue()


def write_adx(content: DataValueSet, *, exported: str) -> str:
    """Return ``content`` as an ADX message, one group per org unit and period.

    Args:
        content: the values; each must carry its ``categories`` (an empty tuple for
            an element without a breakdown).
        exported: the ``exported`` timestamp (ISO 8601), passed in so output is
            reproducible.

    Raises:
        Dhis2FormatError: a data set is needed (ADX groups name one).
    """
    if content.data_set is None:
        raise Dhis2FormatError("<adx>", "an ADX message needs a data set", field="dataSet")
    ET.register_namespace("", ADX_NAMESPACE)
    root = ET.Element(f"{{{ADX_NAMESPACE}}}adx", {"exported": exported})
    groups: dict[tuple[str, str], ET.Element] = {}
    for value in content.values:
        key = (value.org_unit, value.period)
        group = groups.get(key)
        if group is None:
            attributes = {
                "orgUnit": value.org_unit,
                "period": adx_period(parse_period(value.period)),
                "dataSet": content.data_set,
            }
            if key in content.complete_dates:
                attributes["completeDate"] = content.complete_dates[key].isoformat()
            if value.attribute_option_combo is not None:
                attributes["attributeOptionCombo"] = value.attribute_option_combo
            group = ET.SubElement(root, f"{{{ADX_NAMESPACE}}}group", attributes)
            groups[key] = group
        ET.SubElement(
            group,
            f"{{{ADX_NAMESPACE}}}dataValue",
            {"dataElement": value.data_element, **dict(value.categories), "value": value.value},
        )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def adx_period(period: Period) -> str:
    """The ADX ``start/duration`` of a period, e.g. ``2009-12-28/P14D``.

    Raises:
        Dhis2FormatError: ADX has no duration for the period's type.
    """
    for duration, period_type in _ADX_DURATIONS.items():
        if period.type == period_type:
            return f"{period.start.isoformat()}/{duration}"
    raise Dhis2FormatError("<adx>", "ADX has no duration for this period", value=period.code)


# --- reading ---------------------------------------------------------------------------


def detect_format(path: Path) -> Dhis2Format:
    """The format of a DHIS2 file from its name (``.json``, ``.csv``, ``.xml``/``.adx``).

    Raises:
        Dhis2FormatError: another extension.
    """
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    if suffix in (".xml", ".adx"):
        return "adx"
    raise Dhis2FormatError(path, "expected a .json, .csv or .xml (ADX) file", value=path.name)


def read_file(path: Path, file_format: Dhis2Format | None = None) -> DataValueSet:
    """Read a dataValueSets JSON or CSV file or an ADX message.

    Raises:
        Dhis2FormatError: the file cannot be read; the message names the row and field.
    """
    chosen = file_format or detect_format(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise Dhis2FormatError(path, f"cannot read the file: {error}") from None
    if chosen == "json":
        return read_json(text, path)
    if chosen == "csv":
        return read_csv(text, path)
    return read_adx(text, path)


def read_json(text: str, source: str | Path = "<json>") -> DataValueSet:
    """Read a dataValueSets JSON document (single-set or bulk form)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise Dhis2FormatError(source, f"not valid JSON: {error.msg}", line=error.lineno) from None
    if not isinstance(document, dict) or not isinstance(document.get("dataValues"), list):
        raise Dhis2FormatError(
            source, "expected an object with a dataValues list", field="dataValues"
        )
    top_period = _optional_text(document, "period", source, "")
    top_org_unit = _optional_text(document, "orgUnit", source, "")
    top_aoc = _optional_text(document, "attributeOptionCombo", source, "")
    content = DataValueSet(data_set=_optional_text(document, "dataSet", source, ""))
    complete = _optional_text(document, "completeDate", source, "")
    for number, item in enumerate(document["dataValues"], start=1):
        where = f"dataValues[{number - 1}]"
        if not isinstance(item, dict):
            raise Dhis2FormatError(source, "expected an object", line=number, field=where)
        period = _optional_text(item, "period", source, where, number) or top_period
        org_unit = _optional_text(item, "orgUnit", source, where, number) or top_org_unit
        element = _optional_text(item, "dataElement", source, where, number)
        raw = item.get("value")
        value = str(raw) if isinstance(raw, (int, str)) and not isinstance(raw, bool) else None
        for name, found in (
            ("dataElement", element),
            ("period", period),
            ("orgUnit", org_unit),
            ("value", value),
        ):
            if not found:
                raise Dhis2FormatError(source, "missing", line=number, field=f"{where}.{name}")
        assert element and period and org_unit and value is not None
        content.values.append(
            Dhis2Value(
                data_element=element,
                period=period,
                org_unit=org_unit,
                value=value,
                category_option_combo=_optional_text(
                    item, "categoryOptionCombo", source, where, number
                ),
                attribute_option_combo=_optional_text(
                    item, "attributeOptionCombo", source, where, number
                )
                or top_aoc,
                comment=_optional_text(item, "comment", source, where, number),
                line=number,
            )
        )
    if complete:
        if not (top_period and top_org_unit):
            raise Dhis2FormatError(
                source, "completeDate needs the set's period and orgUnit", field="completeDate"
            )
        content.complete_dates[(top_org_unit, top_period)] = _date(
            complete, source, None, "completeDate"
        )
    return content


def read_csv(text: str, source: str | Path = "<csv>") -> DataValueSet:
    """Read dataValueSets CSV by column position; a ``dataelement`` first row is the header."""
    content = DataValueSet()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(cell.strip() == "" for cell in row):
            continue
        if number == 1 and row[0].strip().lower() == "dataelement":
            continue
        if len(row) < 6:
            raise Dhis2FormatError(
                source,
                "expected at least 6 columns (dataelement .. value)",
                line=number,
                value=len(row),
            )
        cells = [cell.strip() for cell in row]
        for index in (0, 1, 2, 5):
            if cells[index] == "":
                raise Dhis2FormatError(source, "missing", line=number, field=CSV_HEADER[index])
        content.values.append(
            Dhis2Value(
                data_element=cells[0],
                period=cells[1],
                org_unit=cells[2],
                value=cells[5],
                category_option_combo=cells[3] or None,
                attribute_option_combo=cells[4] or None,
                comment=(cells[8] or None) if len(cells) > 8 else None,
                line=number,
            )
        )
    return content


def read_adx(text: str, source: str | Path = "<adx>") -> DataValueSet:
    """Read an ADX message; periods become DHIS2 ISO codes (``2009-12-28/P14D`` → ``2009BiW27``)."""
    try:
        root = SafeET.fromstring(text)
    except ET.ParseError as error:
        raise Dhis2FormatError(source, f"not valid XML: {error}", line=error.position[0]) from None
    except Exception as error:  # defusedxml refuses entities and DTDs
        raise Dhis2FormatError(source, f"refused XML: {type(error).__name__}") from None
    if root.tag != f"{{{ADX_NAMESPACE}}}adx":
        raise Dhis2FormatError(
            source, f"expected an <adx> root in namespace {ADX_NAMESPACE}", value=root.tag
        )
    content = DataValueSet()
    position = 0
    for group_number, group in enumerate(root.findall(f"{{{ADX_NAMESPACE}}}group"), start=1):
        where = f"group {group_number}"
        for name in ("orgUnit", "period", "dataSet"):
            if not group.get(name):
                raise Dhis2FormatError(
                    source, "missing", line=group_number, field=f"{where}.{name}"
                )
        data_set = group.get("dataSet", "")
        if content.data_set not in (None, data_set):
            raise Dhis2FormatError(
                source,
                "every group must name the same data set",
                line=group_number,
                field=f"{where}.dataSet",
            )
        content.data_set = data_set
        org_unit = group.get("orgUnit", "")
        period = _period_from_adx(group.get("period", ""), source, group_number)
        if group.get("completeDate"):
            content.complete_dates[(org_unit, period)] = _date(
                group.get("completeDate", ""), source, group_number, f"{where}.completeDate"
            )
        for item in group.findall(f"{{{ADX_NAMESPACE}}}dataValue"):
            position += 1
            element = item.get("dataElement")
            value = item.get("value")
            if not element or value is None:
                raise Dhis2FormatError(
                    source, "a dataValue needs dataElement and value", line=position, field=where
                )
            categories = tuple(
                sorted(
                    (k, v)
                    for k, v in item.attrib.items()
                    if k not in ("dataElement", "value", "categoryOptionCombo")
                )
            )
            content.values.append(
                Dhis2Value(
                    data_element=element,
                    period=period,
                    org_unit=org_unit,
                    value=value,
                    category_option_combo=item.get("categoryOptionCombo"),
                    attribute_option_combo=group.get("attributeOptionCombo"),
                    categories=categories,
                    line=position,
                )
            )
    return content


def _period_from_adx(text: str, source: str | Path, line: int) -> str:
    start_text, _, duration = text.partition("/")
    period_type = _ADX_DURATIONS.get(duration)
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        start = None
    if period_type is None or start is None:
        raise Dhis2FormatError(
            source,
            "expected an ADX period start/duration, e.g. 2009-12-28/P14D",
            line=line,
            value=text,
        )
    try:
        period = period_of(start, period_type)  # type: ignore[arg-type]
    except PeriodError as error:
        raise Dhis2FormatError(source, error.message, line=line, value=text) from None
    if period.start != start:
        raise Dhis2FormatError(
            source,
            f"the period does not start on {start_text} (it starts {period.start})",
            line=line,
            value=text,
        )
    return dhis2_code(period)


def _optional_text(
    item: dict[str, Any], name: str, source: str | Path, where: str, line: int | None = None
) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Dhis2FormatError(
            source, "expected text", line=line, field=f"{where}.{name}".lstrip("."), value=value
        )
    return value.strip()


def _date(text: str, source: str | Path, line: int | None, name: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Dhis2FormatError(
            source, "expected a date yyyy-mm-dd", line=line, field=name, value=text
        ) from None


__all__: Sequence[str] = (
    "ADX_NAMESPACE",
    "CSV_HEADER",
    "DHIS2_FORMATS",
    "DataValueSet",
    "Dhis2Format",
    "Dhis2FormatError",
    "Dhis2Value",
    "adx_period",
    "detect_format",
    "read_adx",
    "read_csv",
    "read_file",
    "read_json",
    "write_adx",
    "write_csv",
    "write_json",
)
