"""The recruitment company as one key: a departure's licence and the name a caller uses.

The built-in LMIS departures (company by licence) and hotline log (company as the caller
names it) are imported; the calls that give the worker's passport tie the name to the
licence, and linkage reads every record's company as its group's key.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.ingest.conftest import load_reference_data
from tipdata.ingest import import_file
from tipdata.ingest.mapping import get_mapping
from tipdata.linkage.companies import aliases_from_documents, company_aliases
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.store import Database

LICENCE, NAME = "MOLVT/LIC/003", "Rumduol Overseas Employment Co., Ltd."
OTHER_LICENCE, OTHER_NAME = "MOLVT/LIC/001", "Kanhchana Workforce Co., Ltd."


def test_a_name_is_tied_to_the_licence_it_usually_shares_documents_with() -> None:
    rows = [(f"p{i}", c) for i in range(4) for c in (LICENCE, "Rumduol Overseas Employment")]
    # one family names the wrong company: not enough to tie it, nor to untie the others
    rows += [("p9", LICENCE), ("p9", "Kanhchana Workforce")]
    rows += [(f"q{i}", c) for i in range(3) for c in (OTHER_LICENCE, OTHER_NAME)]
    aliases = aliases_from_documents(rows)
    assert aliases["rumduol overseas employment"] == aliases["molvt lic 003"]
    assert aliases["kanhchana workforce"] == aliases["molvt lic 001"]
    assert aliases["molvt lic 003"] != aliases["molvt lic 001"]


def test_a_tie_needs_three_documents_and_most_of_a_companys_ties() -> None:
    two = [(f"p{i}", c) for i in range(2) for c in (LICENCE, NAME)]
    assert aliases_from_documents(two) == {}
    # a licence whose workers' families name another company now and then
    mixed = [(f"a{i}", c) for i in range(3) for c in (LICENCE, NAME)]
    mixed += [(f"b{i}", c) for i in range(2) for c in (LICENCE, OTHER_NAME)]
    mixed += [(f"c{i}", c) for i in range(5) for c in (OTHER_LICENCE, OTHER_NAME)]
    aliases = aliases_from_documents(mixed)
    assert aliases["rumduol overseas employment"] == aliases["molvt lic 003"]
    assert aliases["kanhchana workforce"] == aliases["molvt lic 001"]
    assert aliases["molvt lic 003"] != aliases["molvt lic 001"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_linkage_reads_the_licence_and_the_callers_name_as_one_company(
    db: Database, tmp_path: Path
) -> None:
    load_reference_data(db)
    workers = [(f"N{7000000 + i}", f"Sok Dara{'abc'[i]}") for i in range(3)]
    departures = _write(
        tmp_path / "molvt_lmis_departures_2008.csv",
        ["LMIS ID", "Worker Name", "Sex", "Date of Birth", "Passport No", "Agency Licence No",
         "Agency Name", "Destination", "Sector", "Departure Date"],
        [[f"LMIS-{i}", name, "F", "1990-01-02", passport, LICENCE, NAME, "Malaysia",
          "domestic work", "2008-01-10"] for i, (passport, name) in enumerate(workers)]
        + [["LMIS-9", "Chan Thy", "M", "1985-03-04", "N7999999", OTHER_LICENCE, OTHER_NAME,
            "Malaysia", "manufacturing", "2008-02-01"]],
    )  # fmt: skip
    calls = _write(
        tmp_path / "migrant_hotline_log_2008.csv",
        ["Call ID", "Call Date", "Caller", "Worker Name", "Sex", "Age", "Home Province",
         "Passport No", "Company", "Country", "Complaint"],
        [[f"HL-{i}", "2008-05-01", "mother", name, "F", "18", "Takeo", passport, NAME,
          "Malaysia", "wages not paid"] for i, (passport, name) in enumerate(workers)]
        # a call without the passport names the company as families say it
        + [["HL-9", "2008-06-01", "father", "Dara Sok", "F", "18", "Takeo", "",
            "Rumduol Overseas Employment", "Malaysia", "cannot contact worker"]],
    )  # fmt: skip
    for path, source in ((departures, "molvt_lmis_departures"), (calls, "migrant_hotline_log")):
        assert import_file(db, path, mapping=get_mapping(source)).status == "committed"

    assert company_aliases(db) == {
        "molvt lic 003": "molvt lic 003",
        "rumduol overseas employment": "molvt lic 003",
    }
    table = linkage_table(load_person_records(db))
    by_source = table.groupby("source")["company_key"].apply(set).to_dict()
    assert by_source == {
        "molvt_lmis_departures": {"molvt lic 003", "molvt lic 001"},
        "migrant_hotline_log": {"molvt lic 003"},
    }
