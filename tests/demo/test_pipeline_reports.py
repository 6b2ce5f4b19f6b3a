"""`make demo` writes the pathway and findings reports beside the TIP report and prints where."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import TEST_MASTER_KEY
from tipdata.access.keys import master_key_path, write_key_file
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System


def test_demo_writes_the_pathway_and_findings_reports(sqlite_db: Database, tmp_path: Path) -> None:
    from tipdata.demo.pipeline import run_demo

    settings = load_settings(home=tmp_path / "home", database_url=str(sqlite_db.url))
    write_key_file(master_key_path(settings), TEST_MASTER_KEY)  # the key of the test database
    system = System(settings=settings, _db=sqlite_db)
    said: list[str] = []
    summary = run_demo(system, scale=0.02, seed=1, say=said.append)
    reports = tmp_path / "home" / "reports"
    assert sorted(summary.check_reports) == [
        "findings_csv",
        "findings_html",
        "pathways_csv",
        "pathways_html",
    ]
    assert {path.parent for path in summary.check_reports.values()} == {reports}
    assert all(path.stat().st_size > 0 for path in summary.check_reports.values())
    printed = "\n".join(said)
    for path in summary.check_reports.values():
        assert str(path) in printed
    with summary.check_reports["findings_csv"].open(encoding="utf-8") as handle:
        totals = {
            row["row"]: int(row["value"])
            for row in csv.DictReader(handle)
            if row["table"] == "findings_by_rule" and row["column"] == "Total"
        }
    assert totals.pop("Total") == summary.findings
    assert totals == summary.findings_by_rule
    # the standards' files beside the TIP report, each printed (issue 17)
    assert sorted(summary.standard_files) == ["ctdc", "dhis2_adx", "dhis2_json", "htcds", "sdmx"]
    tip_folder = summary.tip_report["html"].parent
    for path in summary.standard_files.values():
        assert path.parent == tip_folder and path.stat().st_size > 0
        assert str(path) in printed
    from tipdata.standards.htcds import check_rows

    with summary.standard_files["htcds"].open(encoding="utf-8") as handle:
        check_rows(csv.DictReader(handle), summary.standard_files["htcds"])
    from tipdata.reporting.kanonymity import check_k_anonymity
    from tipdata.standards.ctdc import check_ctdc_rows
    from tipdata.standards.sdmx import check_sdmx_rows

    with summary.standard_files["ctdc"].open(encoding="utf-8", newline="") as handle:
        ctdc_rows = list(csv.DictReader(handle))
    check_ctdc_rows(ctdc_rows, summary.standard_files["ctdc"])
    assert check_k_anonymity(ctdc_rows, None, 11) == []

    with summary.standard_files["sdmx"].open(encoding="utf-8", newline="") as handle:
        check_sdmx_rows(csv.DictReader(handle), summary.standard_files["sdmx"])
    # the DHIS2 files read back by the strict reader, naming only mapped metadata
    from tipdata.standards.dhis2_formats import read_file
    from tipdata.standards.dhis2_mapping import load_mapping

    mapping = load_mapping()
    for name in ("dhis2_json", "dhis2_adx"):
        content = read_file(summary.standard_files[name])
        assert content.values and mapping.is_data_set(content.data_set or ""), name
        assert all(mapping.lookup("org unit", v.org_unit) for v in content.values), name
