"""SDG indicator 16.2.2 as SDMX-CSV, checked against the SDG global data structure.

The structure is the IAEG-SDGs data structure definition ``SDG(1.14)`` with its code
lists, kept in ``standards/data/sdmx/`` as published (``SOURCE.md`` says where from) and
read with an SDMX library (:mod:`pysdmx`): the dimensions and attributes of a row, and
every code written (series, sex, age, unit, ...) come from it, nothing is retyped here.

The figures are the national counts of detected victims by sex and age group, for all
forms of exploitation (``VC_HTF_DETV``) and for each of UNODC's groupings
(``unodc_forms.yaml``: sexual exploitation, forced labour, other purposes, organ
removal), and the rates per 100,000 population (the same series with ``R``) where the
population of that year, sex and age is known (``population.csv``, with its source).

Published like every public figure: the counts go through the release gate
(:func:`tipdata.reporting.releases.release_report`: suppression, the audit against
earlier releases, the stored release) as the two-way margins of the form x sex x age
table (:func:`sdg_report`); a rate is computed from the published count only and is withheld
(``OBS_STATUS`` ``Q``, "missing value; suppressed") when the count is.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from tipdata.access.policy import Actor
from tipdata.codelists.datafiles import read_csv, read_yaml
from tipdata.errors import DataFileError
from tipdata.reporting.indicators import Catalogue, Indicator, default_catalogue
from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.releases import Released, attach_release_file, release_report
from tipdata.reporting.report import (
    TOTAL,
    CellSource,
    Crosstab,
    Report,
    ReportTable,
    build_tables,
)
from tipdata.reporting.suppression import DEFAULT_THRESHOLD
from tipdata.store import Database

log = logging.getLogger(__name__)

SDMX_DIR = Path(__file__).resolve().parent / "data" / "sdmx"
STRUCTURE_FILE = SDMX_DIR / "IAEG-SDGs_SDG_1.14.xml.gz"
FORMS_FILE = SDMX_DIR / "unodc_forms.yaml"
POPULATION_FILE = SDMX_DIR / "population.csv"
STRUCTURE_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=IAEG-SDGs:SDG(1.14)"
STRUCTURE_ID = "IAEG-SDGs:SDG(1.14)"
CAMBODIA_M49 = "116"
"""Cambodia in CL_AREA (UN M49), checked against the code list when written."""

SDMX_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
"""The media type the SDMX REST API gives SDMX-CSV 2.0 data."""

RATE_PLACES = Decimal("0.001")
"""Rates per 100,000 are written with three decimals (0.012 is 12 victims in 100 million)."""

SEX_CODES = {"female": "F", "male": "M", "other": "_O", "unknown": "_U", TOTAL: "_T"}
AGE_CODES = {"child": "Y0T17", "adult": "Y_GE18", "unknown": "_U", TOTAL: "_T"}
"""tipdata's sex and age-group codes in CL_SEX and CL_AGE (the age groups are the law's
minor/adult split, ``codelists/age_groups.yaml``: under 18, 18 and over)."""

NOT_RECORDED = "not_recorded"
"""The slice of victims whose form of exploitation no record states (in no form series)."""


class SdmxError(DataFileError):
    """The SDG structure, a data file of this export, or a written row does not fit."""


@dataclass(frozen=True)
class SdgStructure:
    """What the SDG global DSD allows.

    Attributes:
        dimensions: the dimension ids in key order (TIME_PERIOD last).
        attributes: the attribute ids.
        mandatory: the attributes the DSD marks mandatory.
        codes: the allowed codes of each coded component.
        series_names: the English name of each series code.
    """

    dimensions: tuple[str, ...]
    attributes: tuple[str, ...]
    mandatory: frozenset[str]
    codes: Mapping[str, frozenset[str]]
    series_names: Mapping[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        """The SDMX-CSV 2.0 header: structure columns, dimensions, measure, attributes."""
        return ("STRUCTURE", "STRUCTURE_ID", "ACTION", *self.dimensions, "OBS_VALUE",
                *self.attributes)  # fmt: skip


@functools.cache
def sdg_structure() -> SdgStructure:
    """The SDG global DSD and its code lists, read from the file kept in the repository.

    Raises:
        SdmxError: the file cannot be read as an SDMX structure message holding SDG(1.14).
    """
    from pysdmx.io import read_sdmx
    from pysdmx.model import Role

    try:
        with gzip.open(STRUCTURE_FILE, "rt", encoding="utf-8") as handle:
            message = read_sdmx(handle.read())
    except Exception as error:  # the library raises its own types; name the file
        raise SdmxError(
            STRUCTURE_FILE, f"not a readable SDMX structure message: {error}"
        ) from error
    found = [
        d for d in message.get_data_structure_definitions() if d.short_urn.endswith(STRUCTURE_ID)
    ]
    if not found:
        raise SdmxError(STRUCTURE_FILE, f"holds no data structure {STRUCTURE_ID}")
    dsd = found[0]
    dimensions: list[str] = []
    attributes: list[str] = []
    mandatory: set[str] = set()
    codes: dict[str, frozenset[str]] = {}
    series_names: dict[str, str] = {}
    for component in dsd.components:
        if component.role == Role.DIMENSION:
            dimensions.append(component.id)
        elif component.role == Role.ATTRIBUTE:
            attributes.append(component.id)
            if component.required:
                mandatory.add(component.id)
        if component.enumeration is not None:
            codes[component.id] = frozenset(code.id for code in component.enumeration)
            if component.id == "SERIES":
                series_names = {code.id: str(code.name) for code in component.enumeration}
    # TIME_PERIOD is a dimension of the DSD; SDMX-CSV writes it with the others
    return SdgStructure(
        tuple(dimensions), tuple(attributes), frozenset(mandatory), codes, series_names
    )


@dataclass(frozen=True)
class FormSeries:
    """UNODC's groupings of the forms of exploitation, as SDG series codes.

    Attributes:
        all_forms: the series of all detected victims.
        rate_suffix: appended to a count series to name its rate series.
        forms: tipdata's top-level exploitation code -> count series.
    """

    all_forms: str
    rate_suffix: str
    forms: Mapping[str, str]

    @property
    def groups(self) -> tuple[str, ...]:
        """The form series, in the order first named."""
        return tuple(dict.fromkeys(self.forms.values()))

    def rate(self, series: str) -> str:
        """The rate series of a count series."""
        return series + self.rate_suffix


@functools.cache
def form_series() -> FormSeries:
    """UNODC's groupings read from ``unodc_forms.yaml``, checked against CL_SERIES and
    against tipdata's top-level exploitation types.

    Raises:
        SdmxError: a series the DSD does not have, or an exploitation type left out.
    """
    from tipdata.codelists import load_codelists

    document = read_yaml(FORMS_FILE)
    data = document.data or {}
    structure = sdg_structure()
    known = structure.codes["SERIES"]
    forms = {str(k): str(v) for k, v in (data.get("forms") or {}).items()}
    result = FormSeries(str(data.get("all_forms", "")), str(data.get("rate_suffix", "")), forms)
    for key, series in [("all_forms", result.all_forms), *forms.items()]:
        for code in (series, result.rate(series)):
            if code not in known:
                raise SdmxError(
                    FORMS_FILE, "not a series of the SDG DSD (CL_SERIES)",
                    line=document.line_of(("forms", key) if key in forms else (key,)),
                    field=key, value=code,
                )  # fmt: skip
    top = {t.code for t in load_codelists().exploitation_types if t.parent is None}
    missing = sorted(top - set(forms))
    if missing:
        raise SdmxError(FORMS_FILE, f"exploitation types with no series: {', '.join(missing)}")
    extra = sorted(set(forms) - top)
    if extra:
        line = document.line_of(("forms", extra[0]))
        raise SdmxError(FORMS_FILE, "not a top-level exploitation type", line=line, field=extra[0])
    return result


@dataclass(frozen=True)
class Population:
    """One population figure (the denominator of a rate).

    Attributes:
        year: the year it is the population of.
        sex: ``female``, ``male`` or ``total``.
        age: ``child``, ``adult`` or ``total``.
        population: persons.
        kind: ``census``, ``projection`` or ``estimate``.
        source: who published it, where.
    """

    year: int
    sex: str
    age: str
    population: int
    kind: str
    source: str


POPULATION_KINDS = ("census", "projection", "estimate")


def load_population(path: Path = POPULATION_FILE) -> tuple[Population, ...]:
    """The population figures of ``path``, validated (errors name the file, line and field).

    Raises:
        SdmxError: a row with an unknown sex, age or kind, a count that is not a positive
            whole number, no source, or a figure given twice.
    """
    rows: list[Population] = []
    seen: set[tuple[int, str, str]] = set()
    for line, row in read_csv(path):
        try:
            year = int(row.get("year", ""))
        except ValueError:
            raise SdmxError(
                path, "year is not a year", line=line, field="year", value=row.get("year")
            ) from None
        sex, age, kind = row.get("sex", ""), row.get("age", ""), row.get("kind", "")
        if sex not in ("female", "male", "total"):
            raise SdmxError(
                path, "sex must be female, male or total", line=line, field="sex", value=sex
            )
        if age not in ("child", "adult", "total"):
            raise SdmxError(
                path, "age must be child, adult or total", line=line, field="age", value=age
            )
        if kind not in POPULATION_KINDS:
            raise SdmxError(path, f"kind must be one of {', '.join(POPULATION_KINDS)}", line=line,
                            field="kind", value=kind)  # fmt: skip
        text = row.get("population", "")
        if not text.isdigit() or int(text) <= 0:
            raise SdmxError(path, "population must be a positive whole number", line=line,
                            field="population", value=text)  # fmt: skip
        if not row.get("source"):
            raise SdmxError(path, "every figure needs its source", line=line, field="source")
        if (year, sex, age) in seen:
            raise SdmxError(path, "figure given twice", line=line, field="year", value=str(year))
        seen.add((year, sex, age))
        rows.append(Population(year, sex, age, int(text), kind, row["source"]))
    return tuple(rows)


def population_for(year: int, figures: Iterable[Population]) -> dict[tuple[str, str], Population]:
    """The denominators used for ``year``: that year's figures if there are any (a
    projection or estimate), else the latest census before it.

    Returns:
        ``(sex, age)`` -> figure; empty when no figure is of ``year`` or earlier.
    """
    figures = tuple(figures)
    same = [f for f in figures if f.year == year]
    if not same:
        censuses = sorted({f.year for f in figures if f.kind == "census" and f.year < year})
        same = [f for f in figures if censuses and f.year == censuses[-1] and f.kind == "census"]
    return {(f.sex, f.age): f for f in same}


def _victims_of(base: Indicator, code: str, name: str, forms: Sequence[str]) -> Indicator:
    """``base`` (victims identified) restricted to persons of the given forms."""
    data = base.model_dump()
    data["code"] = code
    data["name"] = name
    for part in data["numerator"]["any_of"]:
        part["filters"] = {**part.get("filters", {}), "exploitation_type": list(forms)}
    return Indicator.model_validate(data)


def sdg_report(db: Database, year: int, *, catalogue: Catalogue | None = None) -> Report:
    """The counts of SDG 16.2.2 for a calendar year, as tables the release gate can audit.

    Tables: ``sdg_victims`` (all forms, sex x age group), ``sdg_forms_by_age`` (UNODC's
    groupings x age group, both sexes) and ``sdg_forms_by_sex`` (groupings x sex, all
    ages): the two-way margins of the form x sex x age table, each adding up to the
    all-forms figures (a row ``not_recorded`` holds the victims whose form no record
    states), the shared figures linked so a cell suppressed in one is suppressed in all.
    The three-way cells themselves are not released: with a few hundred victims a year
    nearly all of them are small, and the gate, which audits two-way tables, would have
    to withhold every figure to protect them.

    Args:
        db: the database.
        year: the calendar year.
        catalogue: the indicator catalogue (default: the built-in one).
    """
    catalogue = catalogue or default_catalogue()
    series = form_series()
    names = sdg_structure().series_names
    base = catalogue["victims_identified"]
    groups: dict[str, list[str]] = {}
    for form, code in series.forms.items():
        groups.setdefault(code, []).append(form)
    groups[NOT_RECORDED] = ["unknown"]
    extra = {
        f"victims_identified_{key.lower()}": _victims_of(
            base,
            f"victims_identified_{key.lower()}",
            f"Victims identified ({names.get(key, 'form not recorded')})",
            forms,
        )
        for key, forms in groups.items()
    }
    catalogue = Catalogue({**catalogue.indicators, **extra}, catalogue.files)
    start, end = date(year, 1, 1), date(year, 12, 31)
    (overall,) = build_tables(
        db, catalogue,
        [Crosstab("sdg_victims", "SDG 16.2.2: detected victims by sex and age group",
                  "victims_identified", rows="sex", columns="age_group",
                  row_order=("female", "male"), column_order=("child", "adult"))],
        start, end,
    )  # fmt: skip
    sexes = tuple(r for r in overall.rows if r != TOTAL)
    ages = tuple(c for c in overall.columns if c != TOTAL)
    specs = [
        Crosstab(f"sdg_form_{key.lower()}", f"SDG 16.2.2: detected victims, {key}, by sex and age",
                 f"victims_identified_{key.lower()}", rows="sex", columns="age_group",
                 row_order=sexes, column_order=ages)
        for key in groups
    ]  # fmt: skip
    by_form = dict(zip(groups, build_tables(db, catalogue, specs, start, end), strict=True))
    for key, table in by_form.items():
        if set(table.rows) != set(overall.rows) or set(table.columns) != set(overall.columns):
            raise AssertionError(f"form table {key} has other rows or columns than the total")
    return Report(
        title=f"SDG 16.2.2: detected victims of trafficking, {year}",
        start=start,
        end=end,
        tables=(
            overall,
            _forms_by(overall, by_form, "age"),
            _forms_by(overall, by_form, "sex"),
        ),
        generated_at=datetime.now(UTC),
    )


def _forms_by(overall: ReportTable, by_form: Mapping[str, ReportTable], way: str) -> ReportTable:
    """Form x age group (both sexes) or form x sex (all ages), from the form tables."""
    columns = overall.columns if way == "age" else overall.rows
    cells = {}
    sources: dict[tuple[str, str], CellSource] = {}

    def key(column: str) -> tuple[str, str]:
        return (TOTAL, column) if way == "age" else (column, TOTAL)

    for form, table in (*by_form.items(), (TOTAL, overall)):
        for column in columns:
            cells[(form, column)] = table.cell(*key(column))
            if key(column) in table.sources:
                sources[(form, column)] = table.sources[key(column)]
    return ReportTable(
        name=f"sdg_forms_by_{way}",
        title=f"SDG 16.2.2: detected victims by form of exploitation and {way}",
        definitions=overall.definitions,
        row_header="Form of exploitation",
        rows=(*by_form, TOTAL),
        columns=columns,
        cells=cells,
        sources=sources,
        unit=overall.unit,
    )


def release_sdg(
    db: Database,
    year: int,
    out: Path,
    *,
    actor: Actor | None,
    threshold: int = DEFAULT_THRESHOLD,
    population: Sequence[Population] | None = None,
) -> tuple[Path, Released]:
    """Release the SDG 16.2.2 counts through the gate and write them as SDMX-CSV.

    Args:
        db: the database (the release is stored in it).
        year: the calendar year.
        out: the folder; the SDMX file is ``sdg-16-2-2-<year>.sdmx.csv``, the gate's own
            CSV of the published tables beside it.
        actor: the releasing user; None for the local operator.
        threshold: counts ``1 <= n < threshold`` are suppressed.
        population: the denominators (default: ``population.csv``).

    Returns:
        The SDMX-CSV file and the release.

    Raises:
        DisclosureError: the release is unsafe; nothing is written.
        SdmxError: a written row does not fit the SDG structure.
    """
    report = sdg_report(db, year)
    released = release_report(
        db, report, out, actor=actor, threshold=threshold, report_kind="sdg_16_2_2",
        stem=f"sdg-16-2-2-{year}-published", formats=("csv",),
    )  # fmt: skip
    figures = population_for(year, population if population is not None else load_population())
    rows = sdmx_rows(released.published, year, figures)
    check_sdmx_rows(rows)
    path = Path(out) / f"sdg-16-2-2-{year}.sdmx.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    stored = attach_release_file(db, released.release.release_id, path, SDMX_CSV_MEDIA_TYPE)
    return path, replace(released, release=stored)


def sdmx_rows(
    published: PublishedReport, year: int, population: Mapping[tuple[str, str], Population]
) -> list[dict[str, str]]:
    """The SDMX-CSV rows of the published counts and, where a denominator exists, rates.

    Only published figures are read: a suppressed count is written with no value and
    ``OBS_STATUS`` ``Q``, and so is its rate.
    """
    structure = sdg_structure()
    series = form_series()
    rows: list[dict[str, str]] = []
    tables = {t.table.name: t for t in published.tables}
    cells: list[tuple[str, str, str, int | None]] = []  # series, sex, age, published value
    overall = tables.get("sdg_victims")
    if overall is not None:
        cells += [
            (series.all_forms, sex, age, overall.cell(sex, age).value)
            for sex in overall.table.rows
            for age in overall.table.columns
        ]
    for way in ("age", "sex"):
        table = tables.get(f"sdg_forms_by_{way}")
        if table is None:
            continue
        for code in series.groups:
            if code not in table.table.rows:
                continue
            for column in table.table.columns:
                if column == TOTAL and way == "sex":
                    continue  # the form's total is written once, from the table by age
                sex, age = (TOTAL, column) if way == "age" else (column, TOTAL)
                cells.append((code, sex, age, table.cell(code, column).value))
    for code, sex, age, value in cells:
        rows.append(_row(structure, code, year, sex, age, value, "NUMBER", None))
        denominator = population.get((_population_key(sex), _population_key(age)))
        if denominator is None:
            continue
        rate = (
            None if value is None
            else (Decimal(value) * 100_000 / denominator.population).quantize(
                RATE_PLACES, ROUND_HALF_EVEN)
        )  # fmt: skip
        rows.append(
            _row(structure, series.rate(code), year, sex, age, rate, "PER_100000_POP", denominator)
        )
    return rows


def _population_key(code: str) -> str:
    return "total" if code == TOTAL else code


def _row(
    structure: SdgStructure,
    series: str,
    year: int,
    sex: str,
    age: str,
    value: int | Decimal | None,
    unit: str,
    denominator: Population | None,
) -> dict[str, str]:
    row = dict.fromkeys(structure.columns, "")
    row.update(
        STRUCTURE="datastructure", STRUCTURE_ID=STRUCTURE_ID, ACTION="I",
        FREQ="A", REPORTING_TYPE="N", SERIES=series, REF_AREA=CAMBODIA_M49,
        SEX=SEX_CODES.get(sex, "_U"), AGE=AGE_CODES.get(age, "_U"), TIME_PERIOD=str(year),
        OBS_VALUE="" if value is None else str(value),
        OBS_STATUS="Q" if value is None else "A",
        UNIT_MEASURE=unit, UNIT_MULT="0", NATURE="C",
    )  # fmt: skip
    for dimension in structure.dimensions:
        if not row.get(dimension) and dimension != "TIME_PERIOD":
            row[dimension] = "_T"  # no breakdown by this dimension
    detail = "Victims: persons de-duplicated across agencies (tipdata), disclosure-controlled"
    if denominator is not None:
        detail += (
            f"; population {denominator.population} ({denominator.kind} {denominator.year}: "
            f"{denominator.source})"
        )
    row["SOURCE_DETAIL"] = detail
    return row


def check_sdmx_rows(rows: Iterable[Mapping[str, str]], file: str | Path = "SDMX-CSV") -> None:
    """Every row has the DSD's columns, every coded value is in its code list, and every
    mandatory attribute is given.

    Raises:
        SdmxError: names the row (1-based, after the header) and the column.
    """
    structure = sdg_structure()
    expected = set(structure.columns)
    for number, row in enumerate(rows, start=1):
        if set(row) != expected:
            raise SdmxError(file, "columns differ from the SDG DSD's", line=number,
                            value=", ".join(sorted(set(row) ^ expected)))  # fmt: skip
        for column, allowed in structure.codes.items():
            value = row.get(column, "")
            if value and value not in allowed:
                raise SdmxError(file, f"not a code of {column}'s code list", line=number,
                                field=column, value=value)  # fmt: skip
        for dimension in structure.dimensions:
            if not row.get(dimension):
                raise SdmxError(file, "dimension left empty", line=number, field=dimension)
        for attribute in structure.mandatory:
            if not row.get(attribute):
                raise SdmxError(
                    file, "mandatory attribute left empty", line=number, field=attribute
                )


def to_csv(rows: Sequence[Mapping[str, str]]) -> str:
    """SDMX-CSV 2.0 text (RFC 4180, header row of component ids)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(sdg_structure().columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


__all__ = [
    "SdgStructure",
    "SdmxError",
    "check_sdmx_rows",
    "form_series",
    "load_population",
    "population_for",
    "release_sdg",
    "sdg_report",
    "sdg_structure",
    "sdmx_rows",
    "to_csv",
]
