"""HTCDS 2.0 files imported as a source, through the ordinary mapping machinery.

An NGO that keeps its cases in the HTCDS toolkit's Excel template (``Toolkit/Excel``:
a sheet ``Case Sheet`` whose hidden first row holds the field names, the second the
labels, one row per case numbered in an unnamed first column) or in any file whose
header is HTCDS 2.0 field names delivers it as it is: :func:`htcds_mapping` writes a
source mapping (``docs/mappings.md``) for that partner, and ``tipdata import FILE
--mapping`` reads it like any agency's export, validated row by row, all or nothing,
with provenance.

The mapping is generated from the standard's own files, not typed: its value maps hold
every picklist value of the fields it reads under both the value name (``ForcedLabour``)
and the label the toolkit's templates write (``Forced labour``), translated to tipdata's
codes by reading ``from_tipdata.yaml`` backwards (a value several tipdata codes give,
such as the ISIC section A of fishing and of agriculture, is read as their parent form).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from tipdata.ingest.mapping import Mapping as SourceMapping
from tipdata.ingest.mapping import parse_mapping
from tipdata.standards.htcds import (
    EXPLOITATION_EVENT,
    MULTI_SEPARATOR,
    HtcdsStandard,
    load_mapping,
    load_standard,
)

Layout = Literal["toolkit", "csv"]
"""``toolkit``: the HTCDS Excel template; ``csv``: a CSV file with field names as header."""

TOOLKIT_SHEET = "Case Sheet"
TOOLKIT_ROW_NUMBER = "column A"
"""The toolkit's unnamed first column, numbering the rows (its only row identifier)."""

_EXPLOITATION_FIELDS = ("vic_TypeOfExploitation", "vic_TypeOfSexExploitation",
                        "vic_ForcedLabourIndustry")  # fmt: skip
_REQUIRED = ["prs_Gender", "vic_TypeOfExploitation", "vic_TraffickingStatus"]


def _both_spellings(standard: HtcdsStandard, name: str, to: Mapping[str, str | None]) -> dict:
    """A value map of field ``name``: each value name and its label -> tipdata's code."""
    field = standard.fields[name]
    result: dict[str, str | None] = {}
    for index, value in enumerate(field.values):
        if value not in to:
            continue
        result[value] = to[value]
        if index < len(field.labels):
            result[field.labels[index]] = to[value]
    return result


def _exploitation_codes(standard: HtcdsStandard) -> dict[str, str | None]:
    """Each value of the three exploitation fields -> the tipdata code it is read as."""
    from tipdata.codelists import load_codelists

    parents = {t.code: t.parent or t.code for t in load_codelists().exploitation_types}
    mapping = load_mapping()
    given: dict[tuple[str, str], set[str]] = {}
    for code, targets in mapping.exploitation.items():
        for field_name, value in targets.items():
            given.setdefault((field_name, value), set()).add(code)
    result: dict[str, str | None] = {}
    for field_name in _EXPLOITATION_FIELDS:
        for value in standard.fields[field_name].values:
            codes = given.get((field_name, value), set())
            read_as: str | None
            if field_name != "vic_TypeOfExploitation":
                # a sub-type only when exactly one tipdata code gives it; else its parent
                # is already given by vic_TypeOfExploitation
                read_as = next(iter(codes)) if len(codes) == 1 else None
            else:
                tops = {parents[c] for c in codes}
                read_as = next(iter(tops)) if len(tops) == 1 else "other"
            result[value] = read_as
    return result


def _method_answers(standard: HtcdsStandard, read_as: Mapping[str, str]) -> dict[str, Any]:
    """Screening answers: ``yes`` to an indicator when the multi-select cell names its value."""
    field = standard.fields["vic_MethodsOfControl"]
    answers: dict[str, Any] = {}
    for index, value in enumerate(field.values):
        if value not in read_as:
            continue
        spellings = [value, *([field.labels[index]] if index < len(field.labels) else [])]
        item = "|".join(re.escape(spelling) for spelling in spellings)
        pattern = f"(?i)(?:^|{MULTI_SEPARATOR})\\s*({item})\\s*(?:{MULTI_SEPARATOR}|$)"
        answers[read_as[value]] = {
            "map": "method",
            "value": {"text": "vic_MethodsOfControl", "steps": [{"extract": pattern}]},
        }
    return answers


def htcds_mapping(
    agency: str,
    *,
    layout: Layout = "toolkit",
    source: str | None = None,
    pattern: str | None = None,
) -> dict[str, Any]:
    """A source mapping reading a partner's HTCDS 2.0 file.

    Args:
        agency: the partner's agency code (``tipdata codelists agencies``).
        layout: ``toolkit`` (the Excel template) or ``csv`` (field names as header,
            ``row_id`` or ``cas_CaseId`` as the row's id).
        source: the mapping's source code (default ``htcds_<agency>``).
        pattern: the file-name glob it recognises (default ``htcds_<agency>*.xlsx``/``.csv``).

    Returns:
        The mapping as data (``yaml.safe_dump`` it to a file, or give it to
        :func:`tipdata.ingest.import_file`).
    """
    standard = load_standard()
    mapping = load_mapping()
    code = agency.lower().replace("-", "_")
    gender = {v: k for k, v in mapping.gender.items()}
    gender.update({"TransgenderFeminine": "other", "TransgenderMasculine": "other"})
    status = {v: k for k, v in mapping.trafficking_status.items()}
    exploitation: dict[str, str | None] = {}
    codes = _exploitation_codes(standard)
    for field_name in _EXPLOITATION_FIELDS:
        exploitation.update(_both_spellings(standard, field_name, codes))
    suffix = "xlsx" if layout == "toolkit" else "csv"
    file: dict[str, Any] = (
        {"type": "xlsx", "sheet": TOOLKIT_SHEET, "header_row": 1, "first_data_row": 3,
         "unnamed_columns": "letter"}
        if layout == "toolkit" else {"type": "csv", "encoding": "utf-8", "delimiter": ","}
    )  # fmt: skip
    record_id = TOOLKIT_ROW_NUMBER if layout == "toolkit" else "row_id"
    joined = "".join(f"{{{name}}}{MULTI_SEPARATOR}" for name in _EXPLOITATION_FIELDS)
    first_citizenship = {"text": "prs_Citizenship", "steps": [{"extract": "^([^;]+)"}, "trim"]}
    # an Exploitation event's country is where the person was taken: the case's
    # destination country (other event types and an event without country give none)
    exploited_in = {
        "text": {"template": "{hte_Type}:{hte_Country}"},
        "steps": [{"extract": f"(?i)^\\s*{EXPLOITATION_EVENT}\\s*:\\s*(\\S.*?)\\s*$"}],
    }
    # the toolkit's Excel template has no columns of the historic trafficking events
    event_fields = {} if layout == "toolkit" else {
        "destination_country": {"lookup": "country", "value": exploited_in}}  # fmt: skip
    event_types = list(standard.fields["hte_Type"].values)
    # true for every row whose hte_Type is empty or in the picklist; any other value stops
    # the value map with an error naming the row and the column, so no event is guessed
    event_type_known = {
        "any": [
            {"column": "hte_Type", "empty": True},
            {"column": "hte_Type", "map": "event_type", "in": event_types},
        ]
    }
    records: list[dict[str, Any]] = [
        {
            "kind": "case",
            "name": "case",
            **({} if layout == "toolkit" else {"when": event_type_known}),
            "fields": {
                "case_number": {"template": f"HTCDS-{{{record_id}}}"},
                "kind": {"const": "assistance"},
                "opened_date": {"date": "cas_IncomingReferralDate"},
                **event_fields,
                "exploitation_types": {
                    "split": {"template": joined},
                    "separator": MULTI_SEPARATOR,
                    "map": "exploitation",
                },
            },
        },
        {
            "kind": "person_record",
            "name": "victim",
            "fields": {
                "role": {"const": "victim"},
                "given_name": "prs_FirstName",
                "family_name": "prs_SecondName",
                "sex": {"column": "prs_Gender", "map": "gender", "default": "unknown"},
                "birth_date": {"date": "prs_Birthdate"},
                "nationality": {"lookup": "country", "value": first_citizenship},
                "case": {"ref": "case"},
            },
        },
        {
            "kind": "event",
            "name": "identified",
            "fields": {
                "person_record_id": {"ref": "victim"},
                "case_id": {"ref": "case"},
                "event_type": {"const": "identified"},
                "event_date": {"date": "cas_IncomingReferralDate"},
            },
        },
        {
            "kind": "screening",
            "name": "status",
            "when": {
                "any": [
                    {"column": "vic_TraffickingStatus", "empty": False},
                    {"column": "vic_MethodsOfControl", "empty": False},
                ]
            },
            "fields": {
                "person_record_id": {"ref": "victim"},
                "screening_date": {"date": "cas_IncomingReferralDate"},
                "final_determination": {"column": "vic_TraffickingStatus", "map": "status"},
            },
            "answers": _method_answers(standard, mapping.methods_read_as),
        },
        {
            "kind": "referral",
            "name": "referral",
            "when": {"column": "cas_ReferredOrganisation", "empty": False},
            "fields": {
                "person_record_id": {"ref": "victim"},
                "to_agency_id": {"lookup": "agency", "value": "cas_ReferredOrganisation"},
                "referral_date": {"date": "cas_OutgoingReferralDate"},
                "consent_recorded": {"column": "con_Consent", "map": "consent"},
            },
        },
        {
            # HTCDS gives no closing date: the event is undated ("date not recorded")
            "kind": "event",
            "name": "closed",
            "when": {"column": "cas_Status", "map": "case_status", "equals": "closed"},
            "fields": {
                "person_record_id": {"ref": "victim"},
                "case_id": {"ref": "case"},
                "event_type": {"const": "case_closed"},
            },
        },
    ]
    choices = standard.consent.items()
    consent = {value: "yes" if label == "Yes" else "no" for label, value in choices}
    consent.update({label: consent[value] for label, value in choices})
    case_status = {
        value: "closed" if key.startswith("closed") else key
        for key, value in mapping.case_status.items()
    }
    return {
        "source": source or f"htcds_{code}",
        "name": f"HTCDS 2.0 cases of {agency}",
        "description": (
            "Generated by tipdata from HTCDS 2.0 (UNMigration/HTCDS, CC BY 4.0): the "
            "standard's field names, and each picklist value by name and by label."
        ),
        "agency": agency,
        "file": file,
        "recognise": {
            "pattern": pattern or f"htcds_{code}*.{suffix}",
            "required_columns": [*_REQUIRED, *([] if layout == "toolkit" else ["row_id"])],
        },
        "record_id": record_id,
        "date_formats": ["%Y-%m-%d", "%d/%m/%Y"],
        "null_tokens": ["NonSpecifiedUnknown", "Not Specified/Unknown"],
        "value_maps": {
            "gender": _both_spellings(standard, "prs_Gender", gender),
            "status": _both_spellings(standard, "vic_TraffickingStatus", status),
            "exploitation": exploitation,
            "method": _both_spellings(
                standard, "vic_MethodsOfControl", dict.fromkeys(mapping.methods_read_as, "yes")
            ),
            "consent": consent,
            "case_status": _both_spellings(standard, "cas_Status", case_status),
            **(
                {}
                if layout == "toolkit"
                else {
                    "event_type": _both_spellings(standard, "hte_Type", {v: v for v in event_types})
                }
            ),
        },
        "records": records,
    }


def _yaml(agency: str, layout: Layout) -> str:
    return (
        "# A tipdata source mapping for HTCDS 2.0 files (docs/htcds.md), generated from the\n"
        "# standard's own field list; regenerate it rather than editing the value maps.\n"
        + yaml.safe_dump(htcds_mapping(agency, layout=layout), sort_keys=False, allow_unicode=True)
    )


def htcds_source_mapping(agency: str, *, layout: Layout = "toolkit") -> SourceMapping:
    """:func:`htcds_mapping` validated by the mapping loader, ready for ``import_file``."""
    return parse_mapping(_yaml(agency, layout), f"<htcds mapping of {agency}>")


def write_htcds_mapping(path: Path, agency: str, *, layout: Layout = "toolkit") -> Path:
    """Write :func:`htcds_mapping` as a YAML mapping file (checked by the mapping loader)."""
    text = _yaml(agency, layout)
    parse_mapping(text, path)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["TOOLKIT_SHEET", "htcds_mapping", "htcds_source_mapping", "write_htcds_mapping"]
