"""Provincial reports exchanged with DHIS2: dataValueSets JSON and CSV, and ADX.

**Export.** Each received report (submitted or accepted) becomes one value per
*leaf* category option combo: ``female_child``, ``female_adult``, ``male_child``,
``male_adult`` for the elements broken down by sex × age, DHIS2's ``default`` combo for
the others. A leaf left blank in tipdata but implied by the report (``female`` and
``female_child`` entered → ``female_adult`` is their difference) is sent as derived;
a margin or total that the leaves cannot reproduce (``female`` entered with neither
of its parts) has no category option combo in DHIS2 and is **refused**, naming the
province, period and value, rather than dropped or guessed. Blank stays blank:
nothing is sent for a leaf nobody entered or implied.

**Import.** Every value must name a mapped data element, a leaf category option combo
(or, in ADX, one option of each category), a mapped org unit, a bi-week and the mapped
attribute option combo; values of one org unit and period form one report, stored
through the provincial workflow (:func:`tipdata.provincial.store_reports`):
a report with a completion date is submitted on that day, one without is a draft; all
or nothing, with the same validation rules as the web form.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from tipdata.access.policy import Acting
from tipdata.errors import DataFileError, TipdataError
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period, PeriodError, dhis2_code, parse_period
from tipdata.provincial import (
    CAMBODIA_TIME,
    RECEIVED_STATUSES,
    TOTAL,
    DataSet,
    ImportSummary,
    IncomingReport,
    ValueKey,
    Workflow,
    default_workflow,
    report_values,
    store_reports,
)
from tipdata.standards.dhis2_formats import (
    DataValueSet,
    Dhis2Format,
    Dhis2Value,
    read_file,
    write_adx,
    write_csv,
    write_json,
)
from tipdata.standards.dhis2_mapping import UNALLOCATED, Dhis2Mapping, IdScheme, load_mapping
from tipdata.store.reports import ProvincialReport

log = logging.getLogger(__name__)

_FILE_FORMATS = {"json": "dhis2_json", "csv": "dhis2_csv", "adx": "adx"}


class PartialMarginError(TipdataError):
    """A report holds a margin or total that no set of leaf values reproduces.

    Attributes:
        province: the province.
        period: the period code.
        key: ``(data element, disaggregation)`` of the value that cannot be sent.
    """

    def __init__(self, province: str, period: str, key: ValueKey, reason: str) -> None:
        self.province = province
        self.period = period
        self.key = key
        element, disaggregation = key
        super().__init__(
            f"province {province}, {period}: {element}.{disaggregation} has no category option "
            f"combo in DHIS2 and {reason}; enter its parts (sex × age) to send it"
        )


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        text: the file content.
        reports: reports exported.
        values: data values written.
    """

    text: str
    reports: int
    values: int


def leaf_values(
    data_set: DataSet,
    mapping: Dhis2Mapping,
    values: Mapping[ValueKey, int | None],
    *,
    province: str = "?",
    period: str = "?",
) -> dict[ValueKey, int]:
    """The leaf values DHIS2 can store that reproduce every value of a report.

    Args:
        data_set: the report's data set.
        mapping: the DHIS2 mapping (which leaves exist).
        values: the report's values as stored (margins, totals and leaves).
        province: for the error message.
        period: for the error message.

    Returns:
        ``(element, leaf)`` → value, for every leaf entered or implied.

    Raises:
        PartialMarginError: an entered margin or total is not the sum of known leaves
            (some are unknown, or they add up to something else).
    """
    result: dict[ValueKey, int] = {}
    for element in data_set.elements:
        leaves = mapping.leaves(element.code)
        known = _derive_leaves(data_set, element.code, leaves, values)
        for key, entered in values.items():
            if key[0] != element.code or entered is None or key[1] in leaves:
                continue
            parts = [leaf for leaf in leaves if _is_part(key[1], leaf)]
            missing = [leaf for leaf in parts if (element.code, leaf) not in known]
            total = sum(known.get((element.code, leaf), 0) for leaf in parts)
            unallocated = mapping.unallocated_element_id(element.code, "code")
            if missing and key[1] == TOTAL and unallocated is not None and entered >= total:
                result[(element.code, UNALLOCATED)] = entered - total
                continue
            if missing:
                reason = f"its part(s) {', '.join(missing)} are not known"
                raise PartialMarginError(province, period, key, reason)
            if total != entered:
                raise PartialMarginError(
                    province, period, key, f"is {entered} while its parts add up to {total}"
                )
        result.update(known)
    return result


def _is_part(disaggregation: str, leaf: str) -> bool:
    if disaggregation == TOTAL:
        return True
    return set(disaggregation.split("_")) <= set(leaf.split("_"))


def _derive_leaves(
    data_set: DataSet,
    element: str,
    leaves: Sequence[str],
    values: Mapping[ValueKey, int | None],
) -> dict[ValueKey, int]:
    """Leaves entered, plus those implied: a known whole minus its other known parts."""
    known: dict[ValueKey, int] = {
        (element, leaf): v for leaf in leaves if (v := values.get((element, leaf))) is not None
    }
    if leaves == (TOTAL,):
        return known
    progress = True
    while progress:
        progress = False
        for partition in data_set.partitions(element):
            whole = values.get((element, partition.whole))
            if whole is None:
                continue
            leaf_parts = {
                part: [leaf for leaf in leaves if _is_part(part, leaf)] for part in partition.parts
            }
            unknown = [
                leaf
                for part in partition.parts
                for leaf in leaf_parts[part]
                if (element, leaf) not in known
            ]
            if len(unknown) != 1:
                continue
            rest = sum(
                known[(element, leaf)]
                for part in partition.parts
                for leaf in leaf_parts[part]
                if (element, leaf) in known
            )
            if whole - rest >= 0:
                known[(element, unknown[0])] = whole - rest
                progress = True
    return known


# --- export ----------------------------------------------------------------------------


def export_reports(
    session: Session,
    *,
    file_format: Dhis2Format,
    id_scheme: IdScheme = "uid",
    year: int | None = None,
    periods: Iterable[Period] | None = None,
    statuses: Iterable[ReportStatus] = RECEIVED_STATUSES,
    mapping: Dhis2Mapping | None = None,
    exported: datetime | None = None,
) -> ExportResult:
    """Export received provincial reports as a DHIS2 file.

    Args:
        session: an open session.
        file_format: ``json`` (dataValueSets), ``csv`` (dataValueSets) or ``adx``.
        id_scheme: name DHIS2 objects by ``uid`` or by ``code`` (ADX categories and
            options are always codes, as ADX requires).
        year: only the bi-weeks of this ISO year.
        periods: only these periods (with ``year``, both must hold).
        statuses: report statuses exported; submitted and accepted by default.
        mapping: the DHIS2 mapping; the shipped example by default.
        exported: the ADX ``exported`` time; now by default.

    Returns:
        The file content and counts.

    Raises:
        PartialMarginError: a report holds a value DHIS2 cannot store (nothing is written).
    """
    chosen = mapping or load_mapping()
    data_set = chosen.data_set
    query = (
        sa.select(ProvincialReport)
        .where(
            ProvincialReport.data_set_code == data_set.code,
            ProvincialReport.status.in_(list(statuses)),
        )
        .options(selectinload(ProvincialReport.values))
        .order_by(ProvincialReport.period_start, ProvincialReport.province_code)
    )
    wanted = None if periods is None else {p.code for p in periods}
    content = DataValueSet(data_set=chosen.data_set_id(id_scheme))
    aoc = chosen.attribute_option_combo_id(id_scheme)
    reports = 0
    for report in session.scalars(query):
        period = parse_period(report.period_code)
        if wanted is not None and period.code not in wanted:
            continue
        if year is not None and not period.code.startswith(f"{year:04d}"):
            continue
        code = dhis2_code(period)
        org_unit = chosen.org_unit_id(report.province_code, id_scheme)
        leaves = leaf_values(
            data_set, chosen, report_values(report), province=report.province_code, period=code
        )
        reports += 1
        if report.submitted_at is not None:
            submitted = report.submitted_at
            if submitted.tzinfo is None:
                submitted = submitted.replace(tzinfo=UTC)
            content.complete_dates[(org_unit, code)] = submitted.astimezone(CAMBODIA_TIME).date()
        for element in data_set.elements:
            remainder = leaves.get((element.code, UNALLOCATED))
            unallocated_id = chosen.unallocated_element_id(element.code, id_scheme)
            if remainder is not None and unallocated_id is not None:
                content.values.append(
                    Dhis2Value(
                        data_element=unallocated_id,
                        period=code,
                        org_unit=org_unit,
                        value=str(remainder),
                        category_option_combo=chosen.combo_id(TOTAL, id_scheme),
                        attribute_option_combo=aoc,
                    )
                )
            for leaf in chosen.leaves(element.code):
                value = leaves.get((element.code, leaf))
                if value is None:
                    continue
                options = chosen.leaf_options(element.code, leaf)
                content.values.append(
                    Dhis2Value(
                        data_element=chosen.element_id(element.code, id_scheme),
                        period=code,
                        org_unit=org_unit,
                        value=str(value),
                        category_option_combo=chosen.combo_id(leaf, id_scheme),
                        attribute_option_combo=aoc,
                        categories=tuple(
                            (chosen.category_code(c), chosen.option_code(c, o))
                            for c, o in options.items()
                        ),
                    )
                )
    if file_format == "json":
        text = write_json(content)
    elif file_format == "csv":
        text = write_csv(content)
    else:
        moment = exported or datetime.now(UTC)
        text = write_adx(content, exported=moment.isoformat(timespec="seconds"))
    log.info(
        "exported %d reports, %d values as DHIS2 %s", reports, len(content.values), file_format
    )
    return ExportResult(text, reports, len(content.values))


# --- import ----------------------------------------------------------------------------


def read_reports(
    path: Path,
    *,
    file_format: Dhis2Format | None = None,
    mapping: Dhis2Mapping | None = None,
) -> tuple[Dhis2Format, list[IncomingReport]]:
    """Read a DHIS2 file into tipdata reports, checking every identifier against the mapping.

    Raises:
        DataFileError: a value names something unmapped, a margin, a period of another
            type, the wrong data set or attribute option combo, or is not a whole number
            of at least 0; or a leaf is given twice. Every problem names the file, the
            row (or value position) and the field.
    """
    from tipdata.standards.dhis2_formats import detect_format

    chosen = mapping or load_mapping()
    data_set = chosen.data_set
    kind = file_format or detect_format(path)
    content = read_file(path, kind)
    if content.data_set is not None and not chosen.is_data_set(content.data_set):
        raise DataFileError(
            path,
            f"not the mapped data set {chosen.definition.dhis2_data_set.code}",
            field="dataSet",
            value=content.data_set,
        )
    reports: dict[tuple[str, str], IncomingReport] = {}
    for value in content.values:
        province, period, key, number = _read_value(path, chosen, data_set, value)
        report = reports.get((province, period.code))
        if report is None:
            complete = content.complete_dates.get((value.org_unit, value.period))
            submitted_at = (
                datetime.combine(complete, time(12, 0), tzinfo=CAMBODIA_TIME) if complete else None
            )
            report = IncomingReport(value.line or 0, province, period, submitted_at)
            reports[(province, period.code)] = report
        if key in report.values:
            raise DataFileError(
                path,
                "the same value is given twice",
                line=value.line,
                field="dataElement",
                value=".".join(key),
            )
        report.values[key] = number
        report.fields[key] = (
            f"{value.data_element}/{value.category_option_combo or dict(value.categories)}"
        )
    for report in reports.values():
        _allocate(chosen, report)
    return kind, list(reports.values())


def _allocate(mapping: Dhis2Mapping, report: IncomingReport) -> None:
    """Turn an unallocated remainder back into the element's total: remainder + its leaves."""
    for key in [k for k in report.values if k[1] == UNALLOCATED]:
        element = key[0]
        remainder = report.values.pop(key) or 0
        leaves = [report.values.get((element, leaf)) for leaf in mapping.leaves(element)]
        report.values[(element, TOTAL)] = remainder + sum(v for v in leaves if v is not None)
        report.fields[(element, TOTAL)] = report.fields.pop(key, element)


def _read_value(
    path: Path, mapping: Dhis2Mapping, data_set: DataSet, value: Dhis2Value
) -> tuple[str, Period, ValueKey, int]:
    def fail(message: str, field: str, found: object) -> DataFileError:
        return DataFileError(path, message, line=value.line, field=field, value=found)

    element = mapping.lookup("data element", value.data_element)
    unallocated = mapping.lookup("unallocated element", value.data_element)
    if element is None and unallocated is None:
        raise fail("data element not in the mapping", "dataElement", value.data_element)
    province = mapping.lookup("org unit", value.org_unit)
    if province is None:
        raise fail("org unit not in the mapping", "orgUnit", value.org_unit)
    try:
        period = data_set.parse_period(value.period)
    except (PeriodError, DataFileError) as error:
        raise fail(str(getattr(error, "message", error)), "period", value.period) from None
    if value.attribute_option_combo is not None and not mapping.is_attribute_option_combo(
        value.attribute_option_combo
    ):
        raise fail(
            "attribute option combo not in the mapping",
            "attributeOptionCombo",
            value.attribute_option_combo,
        )
    if unallocated is not None:
        if _leaf_of(mapping, unallocated, value, default_only=True) != TOTAL:
            raise fail(
                "an unallocated total takes the default combo",
                "categoryOptionCombo",
                value.category_option_combo,
            )
        element = unallocated
        leaf: str | None = UNALLOCATED
    else:
        assert element is not None
        leaf = _leaf_of(mapping, element, value)
    if leaf is None or (leaf != UNALLOCATED and leaf not in mapping.leaves(element)):
        shown = value.category_option_combo or dict(value.categories) or "(none)"
        raise fail(
            f"not a leaf category option combo of {element} (margins and totals of broken-down "
            "elements are not DHIS2 values)",
            "categoryOptionCombo",
            shown,
        )
    text = value.value.strip()
    if not text.isdigit():
        raise fail("expected a whole number, 0 or more", "value", value.value)
    return province, period, (element, leaf), int(text)


def _leaf_of(
    mapping: Dhis2Mapping, element: str, value: Dhis2Value, *, default_only: bool = False
) -> str | None:
    if default_only:
        if value.categories:
            return None
        if value.category_option_combo is None:
            return TOTAL
        return mapping.lookup("category option combo", value.category_option_combo)
    if value.categories:
        options: dict[str, str] = {}
        for category_code, option_code in value.categories:
            category = mapping.lookup("category", category_code)
            option = mapping.lookup(f"category {category_code}", option_code)
            if category is None or option is None:
                return None
            options[category] = option
        wanted = [c.code for c in mapping.data_set.categories_of(element)]
        if set(options) != set(wanted):
            return None
        return "_".join(options[c] for c in wanted)
    if value.category_option_combo is None:
        return TOTAL  # DHIS2 takes a missing combo as the default one
    return mapping.lookup("category option combo", value.category_option_combo)


def import_file(
    session: Session,
    path: str | Path,
    actor: Acting,
    *,
    file_format: Dhis2Format | None = None,
    mapping: Dhis2Mapping | None = None,
    workflow: Workflow | None = None,
) -> ImportSummary:
    """Import a DHIS2 file of provincial reports, all or nothing.

    Args:
        session: an open session (not committed here).
        path: the dataValueSets JSON or CSV file, or the ADX message.
        actor: who imports.
        file_format: the format; from the file name by default.
        mapping: the DHIS2 mapping; the shipped example by default.
        workflow: the data set and rules; the PWG bi-weekly report by default.

    Returns:
        The counts, as :func:`tipdata.provincial.import_reports` gives them.

    Raises:
        DataFileError: the file or one of its values is wrong (nothing imported).
    """
    file = Path(path)
    kind, incoming = read_reports(file, file_format=file_format, mapping=mapping)
    flow = workflow or default_workflow()
    return store_reports(session, file, _FILE_FORMATS[kind], incoming, actor, workflow=flow)  # type: ignore[arg-type]
