"""HTCDS 2.0: the standard's fields and picklists, read from its own files, and the export.

The Human Trafficking Case Data Standard 2.0 (IOM / UNMigration, CC BY 4.0) is kept in
``standards/data/htcds/`` exactly as published (``SOURCE.md`` says where from):
:func:`load_standard` reads the field list and picklists from ``HTCDS Field Standards
2.0.ods`` and the ISO 3166 alpha-2 country codes from the toolkit's ``htcds_xlsform.xml``.
``from_tipdata.yaml`` says how tipdata's code lists are written in it, and is checked
against the picklists when loaded.

:func:`htcds_victims` writes one row per victim with the standard's field names and
value names: ``prs_Gender`` (``Feminine``, ``Masculine``, ...), ``prs_Citizenship``
(alpha-2), ``vic_TraffickingStatus`` (from the latest recorded screening
determination), ``vic_TypeOfExploitation`` and ``vic_TypeOfSexExploitation``
(multi-select, every form the person's cases name, ``;``-separated as the HTCDS Excel
toolkit writes them), ``vic_ForcedLabourIndustry`` (ISIC section; single-valued in
the standard, so left blank when a person's cases name two industries) and one
historic trafficking event, ``hte_Type`` ``Exploitation`` in ``hte_Country`` (alpha-2),
the country of destination of the person's cases (blank when they name two).
:func:`check_rows` validates rows against the standard (every column a 2.0 field,
every value in its picklist).
"""

from __future__ import annotations

import csv
import functools
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import sqlalchemy as sa
from defusedxml import ElementTree as SafeET

from tipdata.codelists.datafiles import read_yaml
from tipdata.errors import DataFileError
from tipdata.reporting.engine import person_key
from tipdata.store import Database, metadata

HTCDS_DIR = Path(__file__).resolve().parent / "data" / "htcds"
FIELD_STANDARDS = HTCDS_DIR / "HTCDS Field Standards 2.0.ods"
XLSFORM = HTCDS_DIR / "htcds_xlsform.xml"
FROM_TIPDATA = HTCDS_DIR / "from_tipdata.yaml"
MULTI_SEPARATOR = ";"
"""Between the values of a multi-select field, as the HTCDS Excel toolkit writes them."""

EXPORT_FIELDS = (
    "prs_Gender",
    "prs_Citizenship",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "vic_TypeOfSexExploitation",
    "vic_ForcedLabourIndustry",
    "vic_MethodsOfControl",
    "hte_Type",
    "hte_Country",
    "con_Consent",
    "cas_Status",
    "cas_ReferredOrganisation",
    "cas_OutgoingReferralDate",
)
"""The HTCDS 2.0 fields of the victim-level export, in column order."""

EXPLOITATION_EVENT = "Exploitation"
"""The ``hte_Type`` value of the one trafficking event tipdata holds: where the person was
exploited (the country of destination of the person's cases)."""
COUNTRY_FIELDS = ("prs_Citizenship", "prs_MailingCountry", "org_ShippingCountry", "hte_Country")
"""Fields whose values are the toolkit's alpha-2 country codes (``hte_Country`` is text in
the standard; tipdata writes alpha-2 there too and checks it against the same list)."""

_XFORMS = "{http://www.w3.org/2002/xforms}"


class HtcdsError(DataFileError):
    """The standard's files, the mapping to it, or an export does not fit HTCDS 2.0."""


@dataclass(frozen=True)
class HtcdsField:
    """One field of HTCDS 2.0.

    Attributes:
        name: the field name with its prefix, e.g. ``vic_TypeOfExploitation``.
        section: the section it is listed under (Person, Case, ...).
        status: ``DRAFT``, ``DEPRECATED`` or ``N/A`` as the standard says.
        core: whether it is one of the standard's core fields.
        type: the field type as written (``Picklist``, ``Multiselect Picklist``, ...).
        values: the picklist's value names (empty when not a fixed list).
        labels: the picklist's value labels, in the same order (as the toolkit's Excel
            templates write them).
    """

    name: str
    section: str
    status: str
    core: bool
    type: str
    values: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def multi_select(self) -> bool:
        """Whether several values may be given (``Multiselect Picklist``)."""
        return self.type.lower().startswith("multiselect")


@dataclass(frozen=True)
class HtcdsStandard:
    """The fields of HTCDS 2.0 and the alpha-2 country codes its toolkit lists."""

    fields: Mapping[str, HtcdsField]
    countries: frozenset[str]
    consent: Mapping[str, str] = field(default_factory=dict)
    """The toolkit form's ``con_Consent`` choices by label: ``Yes`` ``TRUE``, ``No`` ``FALSE``."""

    def allowed(self, name: str) -> frozenset[str] | None:
        """The values field ``name`` accepts, or None when it is free (text, number, ...)."""
        entry = self.fields[name]
        if entry.values:
            return frozenset(entry.values)
        if name in COUNTRY_FIELDS:
            return self.countries
        if entry.type == "Checkbox" and self.consent:
            return frozenset(self.consent.values())
        return None


@functools.cache
def load_standard() -> HtcdsStandard:
    """Read HTCDS 2.0 from its own files (the field list and the toolkit's form).

    Raises:
        HtcdsError: a file is missing or not as published.
    """
    from python_calamine import CalamineWorkbook

    try:
        rows = (
            CalamineWorkbook.from_path(str(FIELD_STANDARDS))
            .get_sheet_by_name("Field_Standards")
            .to_python()
        )
    except Exception as error:
        raise HtcdsError(FIELD_STANDARDS, f"cannot read the field list: {error}") from None
    header = [str(cell).strip() for cell in rows[0]]
    needed = ("Section", "Status", "Core", "Field Name including Prefix", "Field Type")
    for name in (*needed, "Value Names (if picklist)"):
        if name not in header:
            raise HtcdsError(FIELD_STANDARDS, "column missing", line=1, field=name)
    column = {name: header.index(name) for name in header}
    fields: dict[str, HtcdsField] = {}
    section = ""
    for row in rows[1:]:
        cells = [str(cell).strip() for cell in row]
        if cells[column["Section"]]:
            section = " ".join(cells[column["Section"]].split())
        name = cells[column["Field Name including Prefix"]]
        if not name or name == "N/A":
            continue
        raw = str(row[column["Value Names (if picklist)"]])
        values = tuple(v.strip() for v in raw.splitlines() if v.strip())
        if any(" " in v for v in values):  # a sentence ("Use ISO 3166 ..."), not a list
            values = ()
        labels: tuple[str, ...] = ()
        if values and "Value Labels (if picklist)" in column:
            raw_labels = str(row[column["Value Labels (if picklist)"]])
            found = tuple(" ".join(v.split()) for v in raw_labels.splitlines() if v.strip())
            labels = found if len(found) == len(values) else ()
        fields[name] = HtcdsField(
            name=name,
            section=section,
            status=cells[column["Status"]],
            core=cells[column["Core"]].lower() == "core",
            type=cells[column["Field Type"]],
            values=values,
            labels=labels,
        )
    countries = _form_list("prs_Citizenship")
    return HtcdsStandard(fields, frozenset(countries.values()), _form_list("con_Consent"))


def _form_list(name: str) -> dict[str, str]:
    """The choices of question ``name`` of the toolkit's form: label → value."""
    try:
        root = SafeET.parse(XLSFORM).getroot()
    except (OSError, ET.ParseError) as error:
        raise HtcdsError(XLSFORM, f"cannot read the form: {error}") from None
    for select in root.iter(f"{_XFORMS}select1"):
        if select.get("ref") == f"/data/{name}":
            return {
                (item.findtext(f"{_XFORMS}label") or "").strip(): value.strip()
                for item in select.iter(f"{_XFORMS}item")
                if (value := item.findtext(f"{_XFORMS}value")) is not None
            }
    raise HtcdsError(XLSFORM, f"no {name} list in the form")


@dataclass(frozen=True)
class TipdataToHtcds:
    """How tipdata's codes are written in HTCDS 2.0 (``from_tipdata.yaml``, validated)."""

    gender: Mapping[str, str]
    trafficking_status: Mapping[str, str]
    exploitation: Mapping[str, Mapping[str, str]]
    methods_read_as: Mapping[str, str] = field(default_factory=dict)
    """``vic_MethodsOfControl`` value → the screening indicator the import answers yes."""
    case_status: Mapping[str, str] = field(default_factory=dict)
    """``active``, ``closed``, ``closed_referred`` → the ``cas_Status`` value."""


@functools.cache
def load_mapping(path: Path = FROM_TIPDATA) -> TipdataToHtcds:
    """Load ``from_tipdata.yaml`` and check every value against the standard's picklists.

    Raises:
        HtcdsError: a value is not in its field's picklist, or a field is not HTCDS 2.0;
            the message names the file and line.
    """
    document = read_yaml(path)
    data = document.data or {}
    standard = load_standard()

    def check(field_name: str, value: object, loc: tuple[str | int, ...]) -> str:
        allowed = standard.allowed(field_name) if field_name in standard.fields else None
        if field_name not in standard.fields or allowed is None:
            raise HtcdsError(
                path,
                "not an HTCDS 2.0 picklist field",
                line=document.line_of(loc),
                field=field_name,
            )
        if not isinstance(value, str) or value not in allowed:
            raise HtcdsError(
                path,
                f"not a value of {field_name} in HTCDS 2.0",
                line=document.line_of(loc),
                field=".".join(map(str, loc)),
                value=value,
            )
        return value

    def section(name: str) -> dict[str, Any]:
        entry = data.get(name)
        if not isinstance(entry, dict):
            raise HtcdsError(path, "expected a mapping", line=document.line_of((name,)), field=name)
        return entry

    gender = {
        k: check("prs_Gender", v, ("prs_Gender", k)) for k, v in section("prs_Gender").items()
    }
    status = {
        k: check("vic_TraffickingStatus", v, ("vic_TraffickingStatus", k))
        for k, v in section("vic_TraffickingStatus").items()
    }
    exploitation: dict[str, dict[str, str]] = {}
    for code, targets in section("exploitation_types").items():
        if not isinstance(targets, dict):
            raise HtcdsError(
                path, "expected field: value", line=document.line_of(("exploitation_types", code))
            )
        exploitation[code] = {
            f: check(f, v, ("exploitation_types", code, f)) for f, v in targets.items()
        }
    methods = {
        check("vic_MethodsOfControl", k, ("vic_MethodsOfControl", k)): v
        for k, v in section("vic_MethodsOfControl").items()
    }
    given = methods_given()
    for value, indicator in methods.items():
        if given.get(indicator) != value:
            raise HtcdsError(
                path,
                f"indicator {indicator!r} is not one whose means of control HTCDS writes "
                f"{value} (see codelists/means_of_control.yaml)",
                line=document.line_of(("vic_MethodsOfControl", value)),
                field=f"vic_MethodsOfControl.{value}",
                value=indicator,
            )
    case_status = {
        k: check("cas_Status", v, ("cas_Status", k)) for k, v in section("cas_Status").items()
    }
    return TipdataToHtcds(gender, status, exploitation, methods, case_status)


@functools.cache
def methods_given() -> dict[str, str]:
    """Each screening indicator with a means of control → its ``vic_MethodsOfControl`` value.

    Raises:
        HtcdsError: a means' ``htcds`` value is not in HTCDS 2.0's picklist.
    """
    import tipdata.codelists
    from tipdata.codelists import load_codelists
    from tipdata.codelists.vocabularies import MEANS_OF_CONTROL_FILE
    from tipdata.screening.indicators import indicator_set

    allowed = load_standard().allowed("vic_MethodsOfControl") or frozenset()
    means = {term.code: term.htcds for term in load_codelists().means_of_control}
    for code, value in means.items():
        if value not in allowed:
            raise HtcdsError(
                Path(tipdata.codelists.__file__).with_name(MEANS_OF_CONTROL_FILE),
                "not a value of vic_MethodsOfControl in HTCDS 2.0",
                field=f"{code}.htcds",
                value=value,
            )
    return {i.code: means[i.means] for i in indicator_set().indicators if i.means}


@dataclass(frozen=True)
class HtcdsVictims:
    """The victim-level export.

    Attributes:
        rows: one mapping per victim, keys :data:`EXPORT_FIELDS`, blank as ``""``.
        industries_left_blank: victims whose cases name two or more industries
            (the standard's ``vic_ForcedLabourIndustry`` holds one).
        countries_left_blank: victims whose cases name two or more countries of
            destination (the row holds one ``hte_*`` event, so none is written).
    """

    rows: list[dict[str, str]]
    industries_left_blank: int = 0
    countries_left_blank: int = 0
    """Victims whose cases name two or more countries of destination (one event is written)."""


@dataclass
class _Victim:
    sex: str | None = None
    nationality: str | None = None
    determination: tuple[date, str] | None = None
    forms: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)
    referral: tuple[date, int, str, bool] | None = None  # date, id, agency code, consent
    cases: dict[int, bool] = field(default_factory=dict)  # case id -> closed
    countries: set[str] = field(default_factory=set)  # the cases' destination countries
    closed_event: bool = False


def htcds_victims(db: Database, start: date, end: date) -> HtcdsVictims:
    """One HTCDS 2.0 row per victim with an event in ``start``..``end``.

    Args:
        db: the database.
        start: first day.
        end: last day (inclusive).

    Returns:
        The rows (unscoped: for authorised exports only; they hold no name, date or
        identifier, but are case-level) and how many industries were left blank.
    """
    t = metadata.tables
    event, record, person = t["event"], t["person_record"], t["person"]
    link, exploitation, screening = t["case_person"], t["case_exploitation"], t["screening"]
    key = person_key(record, person)
    # the victims: persons with a victim record that has an event in the period
    in_period = (
        sa.select(key.label("k"))
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id).outerjoin(
                person, person.c.id == record.c.person_id
            )
        )
        .where(
            sa.cast(record.c.role, sa.String) == "victim",
            event.c.event_date.between(start, end),
        )
        .distinct()
    )
    victims: dict[int, _Victim] = {}
    records: dict[int, int] = {}
    with db.connect() as connection:
        wanted = {k for (k,) in connection.execute(in_period)}
        # every victim record of those persons: what any agency knows of them
        every_record = (
            sa.select(key, sa.cast(record.c.sex, sa.String), record.c.nationality, record.c.id)
            .select_from(record.outerjoin(person, person.c.id == record.c.person_id))
            .where(sa.cast(record.c.role, sa.String) == "victim")
        )
        for k, sex, nationality, record_id in connection.execute(every_record):
            if k not in wanted:
                continue
            victim = victims.setdefault(k, _Victim())
            records[record_id] = k
            if victim.sex in (None, "unknown") and sex:
                victim.sex = sex
            victim.nationality = victim.nationality or nationality
        ids = sorted(records)
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            forms = (
                sa.select(link.c.person_record_id, exploitation.c.exploitation_type)
                .join(exploitation, exploitation.c.case_id == link.c.case_id)
                .where(link.c.person_record_id.in_(chunk))
            )
            for record_id, form in connection.execute(forms):
                victims[records[record_id]].forms.add(form)
            decided = sa.select(
                screening.c.person_record_id,
                screening.c.screening_date,
                sa.cast(screening.c.final_determination, sa.String),
            ).where(
                screening.c.person_record_id.in_(chunk),
                screening.c.final_determination.is_not(None),
            )
            for record_id, day, determination in connection.execute(decided):
                victim = victims[records[record_id]]
                stamp = (day or date.min, determination)
                if victim.determination is None or stamp > victim.determination:
                    victim.determination = stamp
            _read_case_work(connection, chunk, records, victims)
    mapping = load_mapping()
    standard = load_standard()
    rows: list[dict[str, str]] = []
    blank_industries = blank_countries = 0
    for k in sorted(victims):
        victim = victims[k]
        targets: dict[str, set[str]] = {}
        for form in victim.forms:
            for field_name, value in mapping.exploitation.get(form, {}).items():
                targets.setdefault(field_name, set()).add(value)
        industries = targets.get("vic_ForcedLabourIndustry", set())
        if len(industries) > 1:
            blank_industries += 1
        countries = {c for c in map(_alpha_2, victim.countries) if c}
        if len(countries) > 1:
            blank_countries += 1
        country = next(iter(countries)) if len(countries) == 1 else ""
        rows.append(
            {
                "prs_Gender": mapping.gender.get(victim.sex or "unknown", "NonSpecifiedUnknown"),
                "prs_Citizenship": _alpha_2(victim.nationality),
                "vic_TraffickingStatus": (
                    mapping.trafficking_status[victim.determination[1]]
                    if victim.determination
                    else ""
                ),
                "vic_TypeOfExploitation": _multi(standard, "vic_TypeOfExploitation", targets),
                "vic_TypeOfSexExploitation": _multi(standard, "vic_TypeOfSexExploitation", targets),
                "vic_ForcedLabourIndustry": next(iter(industries)) if len(industries) == 1 else "",
                "vic_MethodsOfControl": _multi(
                    standard, "vic_MethodsOfControl", {"vic_MethodsOfControl": victim.methods}
                ),
                "hte_Type": EXPLOITATION_EVENT if country else "",
                "hte_Country": country,
                **_case_fields(standard, mapping, victim),
            }
        )
    return HtcdsVictims(rows, blank_industries, blank_countries)


def _read_case_work(
    connection: sa.Connection,
    chunk: list[int],
    records: Mapping[int, int],
    victims: Mapping[int, _Victim],
) -> None:
    """Methods of control, the latest referral, the cases' closure and countries of
    destination of ``chunk``'s records."""
    t = metadata.tables
    screening, answer, referral = t["screening"], t["screening_answer"], t["referral"]
    agency, provider, event = t["agency"], t["service_provider"], t["event"]
    link, case = t["case_person"], t["case"]
    given = methods_given()
    answered = (
        sa.select(screening.c.person_record_id, answer.c.indicator_code)
        .join(answer, answer.c.screening_id == screening.c.id)
        .where(
            screening.c.person_record_id.in_(chunk),
            sa.cast(answer.c.answer, sa.String) == "yes",
        )
    )
    for record_id, indicator in connection.execute(answered):
        if indicator in given:
            victims[records[record_id]].methods.add(given[indicator])
    to_agency = agency.alias("to_agency")
    provider_agency = agency.alias("provider_agency")
    referred = (
        sa.select(
            referral.c.person_record_id,
            referral.c.referral_date,
            referral.c.id,
            sa.func.coalesce(to_agency.c.code, provider_agency.c.code),
            referral.c.consent_recorded,
        )
        .select_from(
            referral.outerjoin(to_agency, to_agency.c.id == referral.c.to_agency_id)
            .outerjoin(provider, provider.c.id == referral.c.to_provider_id)
            .outerjoin(provider_agency, provider_agency.c.id == provider.c.agency_id)
        )
        .where(referral.c.person_record_id.in_(chunk))
    )
    for record_id, day, referral_id, code, consent in connection.execute(referred):
        victim = victims[records[record_id]]
        stamp = (day or date.min, referral_id, code or "", bool(consent))
        if victim.referral is None or stamp[:2] > victim.referral[:2]:
            victim.referral = stamp
    cases = (
        sa.select(
            link.c.person_record_id,
            case.c.id,
            case.c.closed_date.is_not(None),
            case.c.destination_country,
        )
        .join(case, case.c.id == link.c.case_id)
        .where(link.c.person_record_id.in_(chunk))
    )
    for record_id, case_id, closed, country in connection.execute(cases):
        victim = victims[records[record_id]]
        victim.cases[case_id] = bool(closed)
        if country:
            victim.countries.add(country)
    closures = sa.select(event.c.person_record_id).where(
        event.c.person_record_id.in_(chunk),
        sa.cast(event.c.event_type, sa.String) == "case_closed",
    )
    for (record_id,) in connection.execute(closures):
        victims[records[record_id]].closed_event = True


def _case_fields(
    standard: HtcdsStandard, mapping: TipdataToHtcds, victim: _Victim
) -> dict[str, str]:
    """``con_Consent``, ``cas_Status`` and the outgoing referral of one victim."""
    closed = victim.closed_event or (bool(victim.cases) and all(victim.cases.values()))
    referral = victim.referral
    status = "active" if not closed else "closed_referred" if referral else "closed"
    consent = ""
    if referral is not None:
        consent = standard.consent["Yes" if referral[3] else "No"]
    return {
        "con_Consent": consent,
        "cas_Status": mapping.case_status[status],
        "cas_ReferredOrganisation": referral[2] if referral else "",
        "cas_OutgoingReferralDate": (
            referral[0].isoformat() if referral and referral[0] != date.min else ""
        ),
    }


def _multi(standard: HtcdsStandard, name: str, targets: Mapping[str, set[str]]) -> str:
    """Values of a multi-select field in the standard's picklist order, ``;``-joined."""
    chosen = targets.get(name, set())
    return MULTI_SEPARATOR.join(v for v in standard.fields[name].values if v in chosen)


def _alpha_2(alpha_3: str | None) -> str:
    if not alpha_3:
        return ""
    country = pycountry.countries.get(alpha_3=alpha_3.upper())
    return country.alpha_2 if country is not None else ""


def check_rows(rows: Iterable[Mapping[str, str]], source: str | Path = "<htcds>") -> None:
    """Check rows against HTCDS 2.0: every column a 2.0 field, every value in its picklist.

    Raises:
        HtcdsError: naming the row (1 = first data row), the field and the value.
    """
    standard = load_standard()
    for number, row in enumerate(rows, start=1):
        for name, cell in row.items():
            entry = standard.fields.get(name)
            if entry is None or entry.status == "DEPRECATED":
                raise HtcdsError(source, "not an HTCDS 2.0 field", line=number, field=name)
            if entry.type == "Date" and cell != "":
                try:
                    date.fromisoformat(cell)
                except ValueError:
                    raise HtcdsError(
                        source, "not a date (YYYY-MM-DD)", line=number, field=name, value=cell
                    ) from None
            allowed = standard.allowed(name)
            if allowed is None or cell == "":
                continue
            values = cell.split(MULTI_SEPARATOR) if entry.multi_select else [cell]
            for value in values:
                if value not in allowed:
                    raise HtcdsError(
                        source,
                        f"not a value of {name} in HTCDS 2.0",
                        line=number,
                        field=name,
                        value=value,
                    )


def write_htcds_victims(export: HtcdsVictims, path: Path) -> Path:
    """Write the export as CSV (owner-readable only: it is case-level), after checking it.

    Raises:
        HtcdsError: a row does not fit the standard (nothing is written).
    """
    check_rows(export.rows, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EXPORT_FIELDS))
        writer.writeheader()
        writer.writerows(export.rows)
    return path


__all__: Sequence[str] = (
    "COUNTRY_FIELDS",
    "EXPLOITATION_EVENT",
    "EXPORT_FIELDS",
    "HtcdsError",
    "HtcdsField",
    "HtcdsStandard",
    "HtcdsVictims",
    "check_rows",
    "htcds_victims",
    "load_mapping",
    "load_standard",
    "methods_given",
    "write_htcds_victims",
)
