"""UNODC / SDG 16.2.2 aggregates and the HTCDS export (k-anonymous for publication)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.reporting.international import HTCDS_COLUMNS, htcds_export, unodc_report
from tipdata.reporting.kanonymity import check_k_anonymity
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import tip_report

START, END = date(2008, 1, 1), date(2008, 12, 31)


def test_unodc_matches_tip_tables(sqlite_demo_db) -> None:  # noqa: F811
    database, _truth, _delivery = sqlite_demo_db
    unodc = unodc_report(database, START, END, population=100_000)
    tip = tip_report(database, START, END)
    victims = unodc.table("unodc_victims_sex_age").cell(TOTAL, TOTAL)
    assert victims == tip.table("victims_by_sex_age").cell(TOTAL, TOTAL)
    # per 100,000 of a population of 100,000, × 1000
    assert unodc.table("sdg_16_2_2").cell(TOTAL, TOTAL).value == victims.value * 1000


def test_htcds_export_internal_and_public(sqlite_demo_db) -> None:  # noqa: F811
    database, _truth, _delivery = sqlite_demo_db
    internal = htcds_export(database, START, END)
    victims = tip_report(database, START, END).table("victims_by_sex_age").cell(TOTAL, TOTAL)
    assert len(internal.rows) == victims.value
    assert set(internal.rows[0]) == {"case_ref", *HTCDS_COLUMNS}
    public = htcds_export(database, START, END, for_publication=True)
    assert public.for_publication and public.k == 11
    assert "case_ref" not in (public.rows[0] if public.rows else {})
    assert not check_k_anonymity(public.rows, None, 11)
    assert len(public.rows) + public.dropped == len(internal.rows)


def test_htcds_files_internal_is_owner_only(tmp_path: Path) -> None:
    from tipdata.reporting.international import HtcdsExport, write_htcds

    rows = [{"case_ref": "c1", "sex": "female", "age_group": "child"}]
    internal = write_htcds(
        HtcdsExport(rows=rows, for_publication=False, k=None, dropped=0, levels={}), tmp_path
    )
    assert internal.name == "htcds-internal.csv"
    assert internal.stat().st_mode & 0o777 == 0o600
    assert internal.read_text(encoding="utf-8").splitlines() == [
        "case_ref,sex,age_group",
        "c1,female,child",
    ]
    public = write_htcds(
        HtcdsExport(rows=[], for_publication=True, k=11, dropped=3, levels={}), tmp_path
    )
    assert public.name == "htcds-public.csv"
    assert public.read_text(encoding="utf-8") == ""
