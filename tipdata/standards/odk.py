"""Offline entry of the provincial bi-weekly report with ODK Collect or KoboToolbox.

:func:`xlsform` generates the report's XLSForm from the data set definition
(``provincial/datasets/pwg_biweekly.yaml``): the province (a list of the code list's
provinces, English and Khmer labels), the bi-week (``2009BW27``), and one whole-number
question per leaf value of the data set (``victims_identified_female_child``, ...; the
margins are derived, never entered, so every value has a leaf category option combo as
in DHIS2). :func:`xform` converts it with ``pyxform`` (the converter ODK and Kobo use);
a form that does not convert is an error.

:func:`read_submissions` reads a submission export of that form, as ODK Central (CSV:
``SubmissionDate``, the field names, ``meta-instanceID``, ``ReviewState``...) or
KoboToolbox (CSV or XLSX: ``_submission_time``, ``_uuid``...) writes it, and
:func:`import_submissions` stores the reports through the provincial workflow
(:func:`tipdata.provincial.store_reports`): the same parsing of counts and the
same validation rules as the web form and the other files, each accepted submission a
submitted report, all or nothing. Two submissions of one province and bi-week in an
export are an error naming both rows (never the last one winning), and a report already
received with other values must be reopened first: the optimistic-locking rule of the
workflow.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tipdata.access.policy import Acting
from tipdata.errors import DataFileError
from tipdata.periods import Period, PeriodError, parse_period
from tipdata.provincial import (
    TOTAL,
    DataSet,
    ImportSummary,
    IncomingReport,
    ReportImportError,
    ValueKey,
    Workflow,
    default_workflow,
    parse_count,
    store_reports,
)

FORM_ID = "tipdata_pwg_biweekly"
PERIOD_PATTERN = "^[0-9]{4}BW[0-9]{2}$"
SUBMITTED_COLUMNS = ("SubmissionDate", "_submission_time")
"""Where ODK Central and KoboToolbox write when a submission reached the server."""
INSTANCE_COLUMNS = ("meta-instanceID", "instanceID", "_uuid", "KEY")
REVIEW_COLUMNS = ("ReviewState", "_validation_status")
"""Where ODK Central and KoboToolbox write a reviewer's decision on a submission."""
REJECTED_REVIEWS = frozenset({"rejected", "not_approved"})
"""Reviews of a submission a reviewer rejected (Central ``rejected``, Kobo "Not
Approved"): not imported."""
DRAFT_REVIEWS = frozenset({"hasissues", "has_issues", "on_hold"})
"""Reviews that hold a submission back (Central ``hasIssues``, Kobo "On Hold"): stored as
a draft report, which the province corrects and submits in tipdata."""


class OdkError(DataFileError):
    """The form cannot be generated or converted, or a submission export cannot be read."""


def leaf_keys(data_set: DataSet) -> list[ValueKey]:
    """Every value a form enters: the crossing of all categories of each element (or
    its total when it has none), in the data set's order."""
    keys: list[ValueKey] = []
    for element in data_set.elements:
        categories = data_set.categories_of(element.code)
        if not categories:
            keys.append((element.code, TOTAL))
            continue
        for options in itertools.product(*(c.options for c in categories)):
            keys.append((element.code, "_".join(options)))
    return keys


def field_name(key: ValueKey) -> str:
    """The form field of a value, as the wide-file column (``victims_identified_female_child``)."""
    element, disaggregation = key
    return element if disaggregation == TOTAL else f"{element}_{disaggregation}"


@dataclass(frozen=True)
class XlsForm:
    """An XLSForm as its three sheets' rows (header first)."""

    survey: list[list[str]]
    choices: list[list[str]]
    settings: list[list[str]]

    def to_xlsx(self) -> bytes:
        """The form as an ``.xlsx`` workbook."""
        from openpyxl import Workbook

        workbook = Workbook()
        first = workbook.active
        assert first is not None
        workbook.remove(first)
        for title, rows in (("survey", self.survey), ("choices", self.choices),
                            ("settings", self.settings)):  # fmt: skip
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def xlsform(workflow: Workflow | None = None, *, version: str = "1") -> XlsForm:
    """The XLSForm of the provincial report, generated from its data set definition."""
    flow = workflow or default_workflow()
    data_set = flow.data_set
    en, km = "label::English (en)", "label::Khmer (km)"
    survey = [
        ["type", "name", en, km, "hint::English (en)", "required", "constraint",
         "constraint_message::English (en)"],
        ["select_one province", "province", "Province", "ខេត្ត", "", "yes", "", ""],
        ["text", "period", "Bi-week (e.g. 2009BW27)", "ពីរសប្តាហ៍", "ISO year, BW, number",
         "yes", f"regex(., '{PERIOD_PATTERN}')", "Write the bi-week as 2009BW27"],
    ]  # fmt: skip
    for key in leaf_keys(data_set):
        element = data_set.element(key[0])
        label = element.name if key[1] == TOTAL else f"{element.name}: {_words(key[1])}"
        survey.append(
            ["integer", field_name(key), label, "", element.description or "", "",
             ". >= 0", "A count: 0 or more"]
        )  # fmt: skip
    survey.append(["start", "start", "", "", "", "", "", ""])
    survey.append(["end", "end", "", "", "", "", "", ""])
    choices = [["list_name", "name", en, km]]
    for province in data_set.codelists.provinces:
        choices.append(["province", province.code, province.name_en, province.name_km])
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [data_set.name, FORM_ID, version, "English (en)"],
    ]
    return XlsForm(survey, choices, settings)


def _words(disaggregation: str) -> str:
    return disaggregation.replace("_", ", ")


def xform(form: XlsForm) -> str:
    """The ODK XForm (XML) of an XLSForm, converted by pyxform.

    Raises:
        OdkError: pyxform refuses the form.
    """
    from pyxform.xls2xform import convert

    try:
        return convert(xlsform=io.BytesIO(form.to_xlsx()), file_type=".xlsx").xform
    except Exception as error:  # pyxform raises its own error types
        raise OdkError("<xlsform>", f"pyxform cannot convert the form: {error}") from error


def write_xlsform(path: Path, workflow: Workflow | None = None) -> Path:
    """Write the report's XLSForm, after checking that pyxform converts it."""
    form = xlsform(workflow)
    xform(form)
    path.write_bytes(form.to_xlsx())
    return path


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The export's rows with their spreadsheet row number (header = row 1)."""
    if path.suffix.lower() == ".xlsx":
        from python_calamine import CalamineWorkbook

        try:
            table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        except Exception as error:
            raise OdkError(path, f"not a readable XLSX export: {error}") from error
        if not table:
            return []
        header = [str(cell).strip() for cell in table[0]]
        return [
            (number, {h: _cell(v) for h, v in zip(header, row, strict=False)})
            for number, row in enumerate(table[1:], start=2)
            if any(_cell(v) for v in row)
        ]
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
                    for row in reader]  # fmt: skip
    except (OSError, UnicodeDecodeError) as error:
        raise OdkError(path, f"cannot read the export: {error}") from error


def review_of(text: str) -> str:
    """A review decision as one word: ``hasIssues`` -> ``hasissues``, Kobo's
    ``validation_status_on_hold`` or its label "On Hold" -> ``on_hold``."""
    word = text.strip().lower().removeprefix("validation_status_")
    return "_".join(word.split())


def resolve_columns(
    path: Path, header: Iterable[str], wanted: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """Each wanted question's column in an export whose questions may sit in groups.

    ODK Central writes a question of group ``victims`` as ``victims-name``, KoboToolbox as
    ``victims/name`` (nested groups repeat the separator); ungrouped questions keep their
    name. A question is found under its own name or under any groups.

    Returns:
        Question -> column, and the questions not found.

    Raises:
        OdkError: two columns give the same question (two groups with one name).
    """
    columns = list(header)
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in wanted:
        matches = [c for c in columns if c == name or c.endswith((f"-{name}", f"/{name}"))]
        if len(matches) > 1:
            raise OdkError(path, f"columns {', '.join(matches)} all give question {name}",
                           line=1, field=name)  # fmt: skip
        if matches:
            found[name] = matches[0]
        else:
            missing.append(name)
    return found, missing


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Submissions:
    """The reports of an export, and the submissions left out.

    Attributes:
        reports: the submissions to store; one held back by a reviewer has no
            ``submitted_at`` and is stored as a draft.
        rejected_by_review: submissions a reviewer rejected (not imported).
        held_by_review: submissions a reviewer held back (stored as drafts).
    """

    reports: list[IncomingReport]
    rejected_by_review: int
    held_by_review: int = 0


def read_submissions(path: Path, workflow: Workflow | None = None) -> Submissions:
    """Read an ODK Central or KoboToolbox export of the form into reports.

    Raises:
        ReportImportError: every problem, each with file, row and column: a missing
            column, an unknown province, a bi-week not written as the form asks, a count
            the web form would refuse, or a second submission of one province and bi-week.
    """
    flow = workflow or default_workflow()
    rows = _rows(path)
    problems: list[DataFileError] = []
    keys = leaf_keys(flow.data_set)
    header = list(rows[0][1]) if rows else []
    submitted_column = next((c for c in SUBMITTED_COLUMNS if c in header), None)
    review_column = next((c for c in REVIEW_COLUMNS if c in header), None)
    column, missing = resolve_columns(path, header, ("province", "period", *map(field_name, keys)))
    if rows and (missing or submitted_column is None):
        names = missing + ([] if submitted_column else [" or ".join(SUBMITTED_COLUMNS)])
        raise ReportImportError(path, [OdkError(path, f"columns missing: {', '.join(names)}",
                                                line=1)])  # fmt: skip
    reports: list[IncomingReport] = []
    seen: dict[tuple[str, str], int] = {}
    rejected = held = 0
    for number, cells in rows:
        review = review_of(cells.get(review_column, "")) if review_column else ""
        if review in REJECTED_REVIEWS:
            rejected += 1
            continue
        row = {name: cells[where] for name, where in column.items()}
        found = flow.data_set.codelists.resolve_province(row["province"])
        if found is None:
            problems.append(OdkError(path, "unknown province", line=number,
                                     field=column["province"], value=row["province"]))  # fmt: skip
        period: Period | None = None
        try:
            period = parse_period(row["period"])
        except PeriodError as error:
            problems.append(OdkError(path, str(error), line=number, field=column["period"],
                                     value=row["period"]))  # fmt: skip
        if period is not None and period.type != flow.data_set.period_type:
            problems.append(OdkError(path, "not a bi-week", line=number,
                                     field=column["period"], value=row["period"]))  # fmt: skip
            period = None
        assert submitted_column is not None
        submitted_at = _submitted(cells[submitted_column])
        if submitted_at is None:
            problems.append(OdkError(path, "not a date and time", line=number,
                                     field=submitted_column,
                                     value=cells[submitted_column]))  # fmt: skip
        values: dict[ValueKey, int | None] = {}
        fields: dict[ValueKey, str] = {}
        for key in keys:
            name = field_name(key)
            fields[key] = column[name]
            try:
                values[key] = parse_count(row[name], name)
            except Exception as error:  # InvalidValueError: the web form's own message
                problems.append(OdkError(path, str(getattr(error, "message", error)),
                                         line=number, field=column[name],
                                         value=row[name]))  # fmt: skip
        if found is None or period is None or submitted_at is None:
            continue
        first = seen.setdefault((found.code, period.code), number)
        if first != number:
            problems.append(OdkError(
                path, f"a second submission of this province and bi-week (row {first}); "
                "keep one, or import the other after reopening the report",
                line=number, field="period", value=period.code,
            ))  # fmt: skip
            continue
        if review in DRAFT_REVIEWS:
            held += 1
            reports.append(IncomingReport(number, found.code, period, None, values, fields))
            continue
        reports.append(IncomingReport(number, found.code, period, submitted_at, values, fields))
    if problems:
        raise ReportImportError(path, problems)
    return Submissions(reports, rejected, held)


def _submitted(text: str) -> datetime | None:
    """ODK Central writes ``2009-12-30T08:15:00.000Z``, Kobo ``2009-12-30T08:15:00``."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment


def import_submissions(
    session: Any, path: Path, actor: Acting, *, workflow: Workflow | None = None
) -> tuple[ImportSummary, int]:
    """Store an export's submissions as submitted reports, through the workflow.

    Returns:
        The import summary and how many submissions a reviewer had rejected (skipped).

    Raises:
        ReportImportError: a problem of the file or of a report (nothing stored).
    """
    flow = workflow or default_workflow()
    read = read_submissions(path, flow)
    summary = store_reports(session, path, "wide_csv", read.reports, actor, workflow=flow)
    return summary, read.rejected_by_review


def submission_export(
    rows: Iterable[dict[str, str]], workflow: Workflow | None = None, *, kobo: bool = False
) -> str:
    """An export in ODK Central's CSV layout (KoboToolbox's with ``kobo``), for samples
    and tests: each row gives ``province``, ``period``, the submission time and values."""
    flow = workflow or default_workflow()
    names = [field_name(k) for k in leaf_keys(flow.data_set)]
    if kobo:
        header: Sequence[str] = ["start", "end", "province", "period", *names, "_id", "_uuid",
                                 "_submission_time", "_validation_status"]  # fmt: skip
    else:
        header = ["SubmissionDate", "start", "end", "province", "period", *names,
                  "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                  "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
                  "FormVersion"]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), extrasaction="ignore",
                            lineterminator="\r\n")  # fmt: skip
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    return buffer.getvalue()


__all__ = [
    "FORM_ID",
    "OdkError",
    "Submissions",
    "field_name",
    "import_submissions",
    "leaf_keys",
    "read_submissions",
    "resolve_columns",
    "review_of",
    "submission_export",
    "write_xlsform",
    "xform",
    "xlsform",
]
