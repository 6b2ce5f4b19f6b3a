"""Court articles as written resolve to the law catalogue; unknown ones are kept and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import load_reference_data, write_csv
from tipdata.ingest import import_file
from tipdata.ingest.lookups import lookups_for, parse_article_text
from tipdata.store import Database, metadata

TRAFFICKING_LAW = "lshtse-2008"
LABOUR_LAW = "labour-1997"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Art. 15", (None, 15)),
        ("Art 15", (None, 15)),
        ("Art.15", (None, 15)),
        ("article 15", (None, 15)),
        ("Article 15", (None, 15)),
        ("15", (None, 15)),
        (" 15 ", (None, 15)),
        ("ម15", (None, 15)),
        ("មាត្រា ១៥", (None, 15)),
        ("មាត្រា15", (None, 15)),
        ("15 LSHTSE", (TRAFFICKING_LAW, 15)),
        ("LSHTSE Art. 15", (TRAFFICKING_LAW, 15)),
        ("Art 15 LSHTSE 2008", (TRAFFICKING_LAW, 15)),
        ("Art 3 of 2008 law", (TRAFFICKING_LAW, 3)),
        ("Art. 3 of the 2008 Law", (TRAFFICKING_LAW, 3)),
        ("Article 15 of the Law on Suppression of Human Trafficking", (TRAFFICKING_LAW, 15)),
        ("lshtse-2008/15", (TRAFFICKING_LAW, 15)),
        ("Art. 15(2)", (None, 15)),
        ("Art. 15 para 2", (None, 15)),
        ("Labour Law Art. 363", (LABOUR_LAW, 363)),
        ("Art. 363 of the Labour Law", (LABOUR_LAW, 363)),
        ("art 177 labor code", (LABOUR_LAW, 177)),
        ("labour-1997/369", (LABOUR_LAW, 369)),
        ("Art. 15 and Art. 16", None),
        ("Arts 15, 16", None),
        ("Criminal Code Art 239", None),
        ("theft", None),
        ("", None),
    ],
)
def test_articles_as_courts_write_them(
    written: str, expected: tuple[str | None, int] | None
) -> None:
    assert parse_article_text(written) == expected


def _article_ids(db: Database) -> dict[tuple[str, str], int]:
    t = metadata.tables
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(t["law"].c.code, t["law_article"].c.article, t["law_article"].c.id).join(
                t["law"], t["law"].c.id == t["law_article"].c.law_id
            )
        ).all()
    return {(law, str(article)): article_id for law, article, article_id in rows}


def test_written_articles_resolve_to_the_catalogue(db: Database) -> None:
    load_reference_data(db)
    ids = _article_ids(db)
    resolve = lookups_for(db).law_article
    assert {
        text: resolve(text)
        for text in ("មាត្រា ១៥", "Art 3 of 2008 law", "15 LSHTSE", "Labour Law Art. 363", "363")
    } == {
        "មាត្រា ១៥": ids[(TRAFFICKING_LAW, "15")],
        "Art 3 of 2008 law": ids[(TRAFFICKING_LAW, "3")],
        "15 LSHTSE": ids[(TRAFFICKING_LAW, "15")],
        "Labour Law Art. 363": ids[(LABOUR_LAW, "363")],
        "363": ids[(LABOUR_LAW, "363")],  # a bare number only one law has
    }
    # a number the named law does not have is not taken from the other law
    assert resolve("Labour Law Art. 15") is None
    assert resolve("Art. 999") is None


HEADER = [
    "Row Ref", "Court", "Case No", "Judgment Date", "Defendant No", "Defendant Name",
    "Defendant Sex", "Defendant Age", "Offence", "Article Charged", "Article Convicted",
    "Verdict", "Sentence Years", "Sentence Months", "Suspended Months", "Fine (Riel)",
    "Compensation (Riel)", "Appeal", "Victim Name", "Victim Age",
]  # fmt: skip


def _row(ref: str, charged: str, convicted: str) -> list[str]:
    return [ref, "Phnom Penh Municipal Court", "001/2008", "29/12/2008", "D1", "Ly Thida", "F",
            "43", "trafficking in persons", charged, convicted, "convicted", "7", "0", "0", "", "",
            "N", "", ""]  # fmt: skip


def test_an_unknown_article_is_stored_as_written_and_counted(db: Database, tmp_path: Path) -> None:
    load_reference_data(db)
    ids = _article_ids(db)
    rows = [
        _row("R1", "ម3", "មាត្រា ១៥"),
        _row("R2", "Art 3 of 2008 law", ""),
        _row("R3", "", "Criminal Code Art 239"),
        _row("R4", "Labour Law Art. 363", ""),
    ]
    path = write_csv(tmp_path / "court_outcomes_2008.csv", rows, HEADER)
    result = import_file(db, path, source="court_outcomes")

    assert result.status == "committed", [str(i) for i in result.issues]
    assert (result.rows_stored, result.rows_rejected, result.warning_count) == (4, 0, 1)
    (warning,) = result.warnings
    assert (warning.row, warning.column, warning.value, warning.severity) == (
        4,
        "Article Convicted",
        "Criminal Code Art 239",
        "warning",
    )
    assert "1 warnings" in result.summary()
    charge = metadata.tables["charge"]
    with db.connect() as connection:
        stored = connection.execute(
            sa.select(charge.c.article_text, charge.c.law_article_id).order_by(charge.c.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("មាត្រា ១៥", ids[(TRAFFICKING_LAW, "15")]),
        ("Art 3 of 2008 law", ids[(TRAFFICKING_LAW, "3")]),
        ("Criminal Code Art 239", None),
        ("Labour Law Art. 363", ids[(LABOUR_LAW, "363")]),
    ]
