"""The victim screening form for ODK Collect / KoboToolbox, and its submissions as a source.

:func:`screening_xlsform` generates the XLSForm from the screening definitions: one
required yes / no / unknown question per indicator of ``screening/indicators.yaml`` (the
same questions, in the same order, as the web form), the person screened (names, sex from
tipdata's codes, date of birth or age, nationality from the country code list) and the
screener's determination (optional: a person decides, as on the web form). Questions sit
in groups (``person``, ``screening``, ``outcome``), so a server's export names them
``person-given_name`` (ODK Central) or ``person/given_name`` (KoboToolbox). The form is
converted with ``pyxform`` (the converter ODK and Kobo use); one that does not convert is
an error. Kobo exports as XLSX or as CSV (``;`` between fields by default, groups joined by
``/``); both are read.

:func:`screening_mapping` writes the source mapping (``docs/mappings.md``) that reads such
an export through the ordinary import: a person record, the screening with its answers,
and a ``screened`` event, each row validated, all or nothing, with provenance; the
submission's instance id is the row id, so an export imported twice changes nothing. A
submission a reviewer rejected is not imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml

from tipdata.codelists import load_codelists
from tipdata.ingest.mapping import Mapping as SourceMapping
from tipdata.ingest.mapping import parse_mapping
from tipdata.model.enums import Determination, IndicatorAnswer, Sex
from tipdata.screening.indicators import IndicatorSet, indicator_set
from tipdata.standards.odk import XlsForm, xform

SCREENING_FORM_ID = "tipdata_victim_screening"
Server = Literal["central", "kobo", "kobo-csv"]
"""Whose export a mapping reads: ODK Central (CSV), KoboToolbox XLSX or KoboToolbox CSV."""

_SERVERS: dict[str, dict[str, Any]] = {
    "central": {
        "separator": "-",
        "record_id": "meta-instanceID",
        "review": "ReviewState",
        "rejected": ["rejected"],
        "file": {"type": "csv", "encoding": "utf-8", "delimiter": ","},
        "suffix": "csv",
        "title": "ODK Central",
    },
    "kobo": {
        "separator": "/",
        "record_id": "_uuid",
        "review": "_validation_status",
        "rejected": ["Not Approved", "validation_status_not_approved"],
        "file": {"type": "xlsx", "sheet": 0, "header_row": 1},
        "suffix": "xlsx",
        "title": "KoboToolbox",
    },
    # Kobo's CSV export: ";" between fields by default (the export's setting), values
    # quoted, groups joined by "/" ("Include groups in headers", group separator "/")
    "kobo-csv": {
        "separator": "/",
        "record_id": "_uuid",
        "review": "_validation_status",
        "rejected": ["Not Approved", "validation_status_not_approved"],
        "file": {"type": "csv", "encoding": "utf-8", "delimiter": ";"},
        "suffix": "csv",
        "title": "KoboToolbox CSV",
    },
}
_WORDS = {"possible_victim": "Possible victim", "not_victim": "Not a victim"}


def _label(code: str) -> str:
    return _WORDS.get(code, code.replace("_", " ").capitalize())


def screening_xlsform(indicators: IndicatorSet | None = None, *, version: str = "1") -> XlsForm:
    """The victim screening XLSForm, generated from the indicators and code lists."""
    chosen = indicators or indicator_set()
    header = ["type", "name", "label", "hint", "required", "constraint", "constraint_message",
              "relevant"]  # fmt: skip

    def row(kind: str, name: str, label: str = "", **extra: str) -> list[str]:
        return [kind, name, label, extra.get("hint", ""), extra.get("required", ""),
                extra.get("constraint", ""), extra.get("constraint_message", ""),
                extra.get("relevant", "")]  # fmt: skip

    survey = [
        header,
        row("begin_group", "person", "Person screened"),
        row("text", "given_name", "Given name", required="yes"),
        row("text", "family_name", "Family name"),
        row("select_one sex", "sex", "Sex", required="yes"),
        row("date", "birth_date", "Date of birth", hint="Leave empty if not known"),
        row("integer", "age", "Age in years", relevant="${birth_date} = ''",
            constraint=". >= 0 and . <= 110", constraint_message="An age from 0 to 110"),
        row("select_one country", "nationality", "Nationality"),
        row("end_group", "person"),
        row("begin_group", "screening", "Indicators"),
        row("date", "screening_date", "Date of the screening", required="yes",
            constraint=". <= today()", constraint_message="Not in the future"),
    ]  # fmt: skip
    for indicator in chosen.indicators:
        survey.append(row("select_one answer", indicator.code, indicator.name_en, required="yes"))
    survey += [
        row("end_group", "screening"),
        row("begin_group", "outcome", "Determination"),
        row("select_one determination", "final_determination", "Final determination",
            hint="Made by a person; leave empty if not yet decided"),
        row("text", "determined_by", "Determined by", relevant="${final_determination} != ''"),
        row("end_group", "outcome"),
        row("start", "start"),
        row("end", "end"),
    ]  # fmt: skip
    choices = [["list_name", "name", "label"]]
    choices += [["sex", sex.value, _label(sex.value)] for sex in Sex]
    choices += [["answer", answer.value, _label(answer.value)] for answer in IndicatorAnswer]
    choices += [["determination", d.value, _label(d.value)] for d in Determination]
    countries = sorted(load_codelists().countries.by_iso3.values(), key=lambda c: c.name)
    choices += [["country", country.iso3, country.name] for country in countries]
    settings = [["form_title", "form_id", "version"],
                ["Victim screening", SCREENING_FORM_ID, version]]  # fmt: skip
    return XlsForm(survey, choices, settings)


def write_screening_xlsform(path: Path) -> Path:
    """Write the screening XLSForm, after checking that pyxform converts it."""
    form = screening_xlsform()
    xform(form)
    path.write_bytes(form.to_xlsx())
    return path


def screening_mapping(
    agency: str, *, server: Server = "central", indicators: IndicatorSet | None = None
) -> dict[str, Any]:
    """A source mapping reading a server's export of :func:`screening_xlsform`.

    Args:
        agency: the screening agency's code (``tipdata codelists agencies``).
        server: ``central`` (ODK Central CSV: ``person-given_name``, ``meta-instanceID``)
            ``kobo`` (KoboToolbox XLSX: ``person/given_name``, ``_uuid``) or ``kobo-csv``
            (KoboToolbox CSV, the same columns, ``;`` between fields as Kobo's export
            writes by default).
        indicators: the indicator set (default: the shipped one).

    Returns:
        The mapping as data (``yaml.safe_dump`` it, or give it to ``import_file``).
    """
    chosen = indicators or indicator_set()
    spec = _SERVERS[server]

    def col(group: str, name: str) -> str:
        return f"{group}{spec['separator']}{name}"

    code = agency.lower().replace("-", "_")
    screening_date = {"date": col("screening", "screening_date")}
    not_rejected = {"column": spec["review"], "not_in": spec["rejected"]}
    return {
        "source": f"odk_screening_{code}_{server.replace('-', '_')}",
        "name": f"Victim screening form of {agency} ({spec['title']} export)",
        "description": (
            "Generated by tipdata from the victim screening XLSForm (docs/provincial-reporting.md)."
        ),
        "agency": agency,
        "file": spec["file"],
        "recognise": {
            "pattern": f"{SCREENING_FORM_ID}*.{spec['suffix']}",
            "required_columns": [
                spec["record_id"],
                col("person", "given_name"),
                col("screening", "screening_date"),
            ],
        },
        "record_id": spec["record_id"],
        "date_formats": ["%Y-%m-%d"],
        "value_maps": {
            "sex": {sex.value: sex.value for sex in Sex},
            "answer": {answer.value: answer.value for answer in IndicatorAnswer},
            "determination": {d.value: d.value for d in Determination},
            "role": {"victim": "victim", "possible_victim": "returnee", "not_victim": "returnee"},
        },
        "open_columns": [col("outcome", "determined_by")],
        "records": [
            {
                "kind": "person_record",
                "name": "person",
                "when": not_rejected,
                "fields": {
                    "role": {
                        "column": col("outcome", "final_determination"),
                        "map": "role",
                        "default": "returnee",
                    },
                    "given_name": col("person", "given_name"),
                    "family_name": col("person", "family_name"),
                    "sex": {"column": col("person", "sex"), "map": "sex", "default": "unknown"},
                    "birth": {
                        "birth": {"first_of": [col("person", "birth_date"), col("person", "age")]},
                        "at": screening_date,
                    },
                    "nationality": {"lookup": "country", "value": col("person", "nationality")},
                },
            },
            {
                "kind": "screening",
                "when": not_rejected,
                "fields": {
                    "person_record_id": {"ref": "person"},
                    "screening_date": screening_date,
                    "final_determination": {
                        "column": col("outcome", "final_determination"),
                        "map": "determination",
                    },
                    "determined_by": col("outcome", "determined_by"),
                },
                "answers": {
                    i.code: {"column": col("screening", i.code), "map": "answer"}
                    for i in chosen.indicators
                },
            },
            {
                "kind": "event",
                "when": not_rejected,
                "fields": {
                    "person_record_id": {"ref": "person"},
                    "event_type": {"const": "screened"},
                    "event_date": screening_date,
                },
            },
        ],
    }


def _yaml(agency: str, server: Server) -> str:
    return (
        "# A tipdata source mapping for exports of the victim screening XLSForm\n"
        "# (docs/provincial-reporting.md), generated from the screening definitions;\n"
        "# regenerate it with the form.\n"
        + yaml.safe_dump(screening_mapping(agency, server=server), sort_keys=False,
                         allow_unicode=True)
    )  # fmt: skip


def screening_source_mapping(agency: str, *, server: Server = "central") -> SourceMapping:
    """:func:`screening_mapping` validated by the mapping loader, ready for ``import_file``."""
    return parse_mapping(_yaml(agency, server), f"<screening mapping of {agency}>")


def write_screening_mapping(path: Path, agency: str, *, server: Server = "central") -> Path:
    """Write :func:`screening_mapping` as a YAML mapping file (checked by the loader)."""
    text = _yaml(agency, server)
    parse_mapping(text, path)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = [
    "SCREENING_FORM_ID",
    "screening_mapping",
    "screening_source_mapping",
    "screening_xlsform",
    "write_screening_mapping",
    "write_screening_xlsform",
]
