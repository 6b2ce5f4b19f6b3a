"""Code lists and the law catalogue load into the reference tables, idempotently."""

from __future__ import annotations

import sqlalchemy as sa

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model.enums import AgencyKind, LawArticleKind
from tipdata.store import Database
from tipdata.store.backup import table_fingerprints
from tipdata.store.refdata import sync_reference_data
from tipdata.store.reference import Agency, Law, LawArticle, PenaltyRange, Province


def _sync(db: Database) -> dict[str, int]:
    return sync_reference_data(db, load_codelists(), load_law_catalogue())


def test_reference_data_loads_and_is_idempotent(db: Database) -> None:
    counts = _sync(db)
    assert counts["province"] == 25
    assert counts["agency"] == len(load_codelists().agencies)
    assert counts["law_article"] == len(load_law_catalogue().articles)
    before = table_fingerprints(db)
    assert _sync(db) == counts
    assert table_fingerprints(db) == before


def test_law_facts_of_the_2009_report_are_in_the_tables(db: Database) -> None:
    _sync(db)
    with db.session() as session:

        def article(number: str) -> LawArticle:
            return session.scalars(
                sa.select(LawArticle)
                .join(Law)
                .where(Law.code == "lshtse-2008", LawArticle.article == number)
            ).one()

        assert article("3").kind == LawArticleKind.SCOPE
        assert article("3").penalty_ranges == []
        ranges = sorted(
            (p.condition, p.min_months, p.max_months) for p in article("15").penalty_ranges
        )
        assert ranges == [
            ("aggravated:victim_minor|public_official|organized_group", 180, 240),
            ("base", 84, 180),
        ]
        soliciting = session.scalars(
            sa.select(PenaltyRange).where(PenaltyRange.law_article_id == article("24").id)
        ).one()
        assert (soliciting.min_fine, soliciting.max_fine, soliciting.fine_unit) == (
            3000,
            10000,
            "riel",
        )


def test_agency_hierarchy_and_provinces(db: Database) -> None:
    _sync(db)
    with db.session() as session:
        skk = session.scalars(sa.select(Agency).where(Agency.code == "SKK")).one()
        assert skk.parent_code == "MOSAVY"
        dosavy = session.scalars(sa.select(Agency).where(Agency.code == "DOSAVY-02")).one()
        assert dosavy.province_code == "02"
        assert session.get(Province, "25") is not None


def test_a_sync_completes_rows_added_before_it_and_restores_changed_penalties(
    db: Database,
) -> None:
    # The web's first user is made before the code lists are loaded: its agency (NTF)
    # exists without its parent (HLWG), which the sync adds and links it to.
    with db.session() as session:
        session.add(Agency(code="NTF", name="NTF secretariat", kind=AgencyKind.GOVERNMENT))
    counts = _sync(db)
    assert counts["agency"] == len(load_codelists().agencies)
    with db.session() as session:
        ntf = session.scalars(sa.select(Agency).where(Agency.code == "NTF")).one()
        assert (ntf.parent_code, ntf.kind, ntf.name) == (
            "HLWG",
            AgencyKind.WORKING_GROUP,
            "National Task Force to Eliminate Trafficking in Persons",
        )
        # a penalty range changed by hand is put back as the catalogue says
        article_15 = session.scalars(
            sa.select(LawArticle).join(Law).where(LawArticle.article == "15")
        ).first()
        assert article_15 is not None
        for penalty in article_15.penalty_ranges:
            penalty.max_months = penalty.min_months
    before = table_fingerprints(db)
    _sync(db)
    with db.session() as session:
        months = session.scalars(
            sa.select(PenaltyRange.max_months)
            .join(LawArticle)
            .join(Law)
            .where(Law.code == "lshtse-2008", LawArticle.article == "15")
            .order_by(PenaltyRange.max_months)
        ).all()
    assert months == [180, 240]
    assert table_fingerprints(db) != before
