"""The CTDC profile: victims in the columns of the Counter Trafficking Data Collaborative.

The columns, their order and their categories are those of CTDC's Global Synthetic Data
Codebook (version 2, February 2024), kept as data in ``standards/data/ctdc/fields.yaml``
with its source (``SOURCE.md``); ``from_tipdata.yaml`` says how tipdata's code lists are
written in them and is checked against the field list when loaded.

:func:`ctdc_victims` gives one row per victim (a person with a victim record that has an
event in the period): the year of the earliest such event, gender, the age band at that
event, citizenship and country of exploitation (ISO 3166 alpha-3, as CTDC writes them),
and the binary columns of every form of exploitation the person's cases name. the means
of control recorded as screening indicators answered "yes" set their merged columns.
tipdata holds no trafficking duration and no recruiter relation, so those columns are
NULL.

:func:`publish_ctdc` makes the rows k-anonymous over every column (k = 11 by default):
a column is withheld (written NULL, as CTDC writes suppressed values) before rows are
dropped, and the result is checked again. :func:`check_ctdc_rows` validates any rows
against the field list: exactly its columns, in order, every value in its category list
or format.
"""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pycountry
import sqlalchemy as sa

from tipdata.codelists.datafiles import read_yaml
from tipdata.errors import DataFileError
from tipdata.reporting.engine import age_at, person_key
from tipdata.reporting.kanonymity import DEFAULT_K, WITHHELD, check_k_anonymity, enforce_k_anonymity
from tipdata.screening.indicators import indicator_set
from tipdata.store import Database, metadata

CTDC_DIR = Path(__file__).resolve().parent / "data" / "ctdc"
FIELDS_FILE = CTDC_DIR / "fields.yaml"
FROM_TIPDATA = CTDC_DIR / "from_tipdata.yaml"
FORMATS = ("year", "iso3166_alpha3")


class CtdcError(DataFileError):
    """The CTDC field list, the mapping to it, or an export does not fit the profile."""


@dataclass(frozen=True)
class CtdcField:
    """One column of the CTDC dataset.

    Attributes:
        name: the variable name, e.g. ``isForcedLabour``.
        label: the codebook's label.
        type: ``numeric``, ``string`` or ``binary numeric``.
        values: the categories (empty when a format applies instead).
        format: ``year`` or ``iso3166_alpha3``, or None.
    """

    name: str
    label: str
    type: str
    values: tuple[str, ...]
    format: str | None


@dataclass(frozen=True)
class CtdcProfile:
    """The field list: columns in order, and how missing data is written."""

    fields: tuple[CtdcField, ...]
    missing: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in the codebook's order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> CtdcField:
        """The column called ``name``."""
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)


@functools.cache
def load_profile(path: Path = FIELDS_FILE) -> CtdcProfile:
    """The CTDC field list read from ``fields.yaml``.

    Raises:
        CtdcError: a field without name, type or categories, or named twice (file, line).
    """
    document = read_yaml(path)
    data = document.data or {}
    fields: list[CtdcField] = []
    for index, raw in enumerate(data.get("fields") or []):
        line = document.line_of(("fields", index))
        name = str(raw.get("name") or "")
        if not name or not raw.get("type"):
            raise CtdcError(path, "a field needs a name and a type", line=line)
        if any(f.name == name for f in fields):
            raise CtdcError(path, "field listed twice", line=line, field=name)
        values = tuple(str(v) for v in raw.get("values") or ())
        fmt = raw.get("format")
        if bool(values) == bool(fmt) or (fmt and fmt not in FORMATS):
            raise CtdcError(
                path, f"give either values or a format ({', '.join(FORMATS)})", line=line,
                field=name,
            )  # fmt: skip
        fields.append(CtdcField(name, str(raw.get("label", "")), str(raw["type"]), values, fmt))
    return CtdcProfile(tuple(fields), str(data.get("missing", "")))


@dataclass(frozen=True)
class TipdataToCtdc:
    """tipdata's codes in CTDC columns: gender, the binary columns of each form, and the
    column of each means of control (None: no column)."""

    gender: Mapping[str, str]
    exploitation: Mapping[str, tuple[str, ...]]
    means: Mapping[str, str | None]


@functools.cache
def load_mapping(path: Path = FROM_TIPDATA) -> TipdataToCtdc:
    """The mapping, checked against the field list and tipdata's exploitation types.

    Raises:
        CtdcError: a column CTDC does not have, a value outside its categories, or an
            exploitation type of tipdata left out (file, line, key).
    """
    from tipdata.codelists import load_codelists

    profile = load_profile()
    document = read_yaml(path)
    data = document.data or {}
    gender = {str(k): str(v) for k, v in (data.get("gender") or {}).items()}
    for key, value in gender.items():
        if value not in profile.field("gender").values:
            line = document.line_of(("gender", key))
            raise CtdcError(
                path, "not a gender category of the codebook", line=line, field=key, value=value
            )
    exploitation: dict[str, tuple[str, ...]] = {}
    binary = {f.name for f in profile.fields if f.type == "binary numeric"}
    for key, columns in (data.get("exploitation") or {}).items():
        for column in columns:
            if column not in binary:
                raise CtdcError(path, "not a binary column of the codebook",
                                line=document.line_of(("exploitation", key)), field=key,
                                value=str(column))  # fmt: skip
        exploitation[str(key)] = tuple(str(c) for c in columns)
    codes = set(load_codelists().exploitation_types.codes())
    missing = sorted(codes - set(exploitation))
    if missing:
        raise CtdcError(path, f"exploitation types not mapped: {', '.join(missing)}")
    means: dict[str, str | None] = {}
    for key, column in (data.get("means_of_control") or {}).items():
        if column is not None and column not in binary:
            line = document.line_of(("means_of_control", key))
            raise CtdcError(path, "not a binary column of the codebook", line=line, field=key,
                            value=str(column))  # fmt: skip
        means[str(key)] = None if column is None else str(column)
    missing = sorted(set(load_codelists().means_of_control.codes()) - set(means))
    if missing:
        raise CtdcError(path, f"means of control not mapped: {', '.join(missing)}")
    return TipdataToCtdc(gender, exploitation, means)


def age_broad(age: int | None) -> str:
    """The CTDC age band (``ageBroad``) of an age in completed years; empty when unknown."""
    if age is None or age < 0:
        return ""
    for band in load_profile().field("ageBroad").values:
        low, _, high = band.rstrip("+").partition("--")
        if age >= int(low) and (not high or age <= int(high)):
            return band
    return ""


@dataclass
class _Victim:
    first: date | None = None
    age: int | None = None
    sex: str | None = None
    nationality: str | None = None
    countries: set[str] | None = None
    forms: set[str] | None = None
    means: set[str] | None = None


def ctdc_victims(db: Database, start: date, end: date) -> list[dict[str, str]]:
    """One CTDC row per victim with an event in ``start``..``end`` (unscoped, case-level:
    for :func:`publish_ctdc` or authorised use only).

    Args:
        db: the database.
        start: first day.
        end: last day (inclusive).

    Returns:
        Rows with exactly the profile's columns, in its order.
    """
    t = metadata.tables
    event, record, person = t["event"], t["person_record"], t["person"]
    link, case, exploitation = t["case_person"], t["case"], t["case_exploitation"]
    key = person_key(record, person)
    victim_events = (
        sa.select(
            key.label("k"),
            event.c.event_date,
            age_at(record, event.c.event_date),
            sa.cast(record.c.sex, sa.String),
            record.c.nationality,
        )
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id).outerjoin(
                person, person.c.id == record.c.person_id
            )
        )
        .where(
            sa.cast(record.c.role, sa.String) == "victim",
            event.c.event_date.between(start, end),
        )
        .order_by(key, event.c.event_date)
    )
    forms = (
        sa.select(key, exploitation.c.exploitation_type, case.c.destination_country)
        .select_from(
            record.outerjoin(person, person.c.id == record.c.person_id)
            .join(link, link.c.person_record_id == record.c.id)
            .join(case, case.c.id == link.c.case_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
        )
        .where(sa.cast(record.c.role, sa.String) == "victim")
    )
    screening, answer = t["screening"], t["screening_answer"]
    means_of = {i.code: i.means for i in indicator_set().indicators if i.means}
    answered = (
        sa.select(key, answer.c.indicator_code)
        .select_from(
            answer.join(screening, screening.c.id == answer.c.screening_id)
            .join(record, record.c.id == screening.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
        )
        .where(sa.cast(answer.c.answer, sa.String) == "yes")
    )
    victims: dict[int, _Victim] = {}
    with db.connect() as connection:
        for k, day, age, sex, nationality in connection.execute(victim_events):
            victim = victims.setdefault(k, _Victim(forms=set(), means=set(), countries=set()))
            if victim.first is None:
                victim.first, victim.age = day, None if age is None else int(age)
            if victim.sex in (None, "unknown") and sex:
                victim.sex = sex
            victim.nationality = victim.nationality or nationality
        for k, form, country in connection.execute(forms):
            known = victims.get(k)
            if known is None:
                continue
            if form and known.forms is not None:
                known.forms.add(form)
            if country and known.countries is not None:
                known.countries.add(country)
        for k, indicator in connection.execute(answered):
            known = victims.get(k)
            if known is not None and known.means is not None and indicator in means_of:
                known.means.add(means_of[indicator])
    mapping = load_mapping()
    profile = load_profile()
    rows = []
    for k in sorted(victims):
        victim = victims[k]
        row = dict.fromkeys(profile.columns, profile.missing)
        row["yearOfRegistration"] = str(victim.first.year) if victim.first else ""
        row["gender"] = mapping.gender.get(victim.sex or "unknown", profile.missing)
        row["ageBroad"] = age_broad(victim.age)
        row["citizenship"] = _alpha_3(victim.nationality)
        # one country of exploitation; NULL when the person's cases name two (as HTCDS's
        # hte_Country), not whichever the query gave first
        countries = sorted(victim.countries or ())
        row["CountryOfExploitation"] = _alpha_3(countries[0] if len(countries) == 1 else None)
        for form in sorted(victim.forms or ()):
            for column in mapping.exploitation.get(form, ()):
                row[column] = "1"
        for means in sorted(victim.means or ()):
            means_column = mapping.means.get(means)
            if means_column:
                row[means_column] = "1"
        rows.append(row)
    return rows


def _alpha_3(code: str | None) -> str:
    """An ISO 3166 alpha-3 code as CTDC writes it; empty when unknown or not a country."""
    if not code or pycountry.countries.get(alpha_3=code.upper()) is None:
        return ""
    return code.upper()


@dataclass(frozen=True)
class CtdcRelease:
    """A k-anonymous CTDC-profile file's rows.

    Attributes:
        rows: the published rows (withheld values written NULL).
        k: the k they satisfy over every column.
        dropped: rows removed to reach it.
        withheld: the columns withheld for every row.
    """

    rows: list[dict[str, str]]
    k: int
    dropped: int
    withheld: tuple[str, ...]


def publish_ctdc(rows: Sequence[Mapping[str, str]], k: int = DEFAULT_K) -> CtdcRelease:
    """Make the rows k-anonymous over every column; withheld values become NULL.

    Raises:
        CtdcError: the result is not k-anonymous (never expected: checked, not assumed).
    """
    profile = load_profile()
    result = enforce_k_anonymity(rows, list(profile.columns), k)
    published = [
        {c: profile.missing if row[c] == WITHHELD else str(row[c]) for c in profile.columns}
        for row in result.rows
    ]
    # writing a withheld value as NULL merges groups, which keeps every group at k or more
    if check_k_anonymity(published, None, k):
        raise CtdcError("<ctdc>", f"the rows are not {k}-anonymous after publication")
    withheld = tuple(c for c in profile.columns if result.level_names.get(c) == "withheld")
    return CtdcRelease(published, k, len(result.dropped), withheld)


def check_ctdc_rows(rows: Iterable[Mapping[str, str]], source: str | Path = "<ctdc>") -> None:
    """Every row has exactly the CTDC columns in order, every value in its categories.

    Raises:
        CtdcError: names the row (1-based, after the header) and the column.
    """
    profile = load_profile()
    for number, row in enumerate(rows, start=1):
        if tuple(row) != profile.columns:
            raise CtdcError(source, "columns are not the CTDC codebook's, in its order",
                            line=number, value=", ".join(row))  # fmt: skip
        for item in profile.fields:
            value = row[item.name] or ""
            if value == profile.missing:
                continue
            if item.values and value not in item.values:
                raise CtdcError(source, "not a category of the codebook", line=number,
                                field=item.name, value=value)  # fmt: skip
            if item.format == "year" and not (value.isdigit() and len(value) == 4):
                raise CtdcError(source, "not a year", line=number, field=item.name, value=value)
            if item.format == "iso3166_alpha3" and (
                pycountry.countries.get(alpha_3=value) is None or value != value.upper()
            ):
                raise CtdcError(source, "not an ISO 3166 alpha-3 code", line=number,
                                field=item.name, value=value)  # fmt: skip


def write_ctdc(release: CtdcRelease, path: Path) -> Path:
    """Write a published CTDC-profile file (CSV, header of the codebook's variable names).

    Raises:
        CtdcError: a row does not fit the profile (nothing is written).
    """
    check_ctdc_rows(release.rows, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(load_profile().columns)
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(release.rows)
    temporary.replace(path)
    return path


__all__ = [
    "CtdcError",
    "CtdcRelease",
    "age_broad",
    "check_ctdc_rows",
    "ctdc_victims",
    "load_mapping",
    "load_profile",
    "publish_ctdc",
    "write_ctdc",
]
