"""UNODC / SDG 16.2.2 aggregates and the HTCDS export (k-anonymous for publication)."""

from __future__ import annotations

from datetime import date

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
