"""An unterminated quote must not overwrite a victim's record (issue 15, item 4).

The attack: a corrected export whose first row has a stray opening quote in the name.
The CSV reader swallowed the rest of the file into that name cell, the row validated
(its other fields are optional), and the import committed: the stored record lost its
sex, age, province and admission date, its case was deleted, and the next row vanished.
Now the file is refused naming the file, row and column; an update may not blank a
filled cell unless the import says the source cleared it; a mapping can mark fields
``required``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import count
from tipdata.ingest import import_file, parse_mapping
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping
from tipdata.ingest.readers import ImportFileError
from tipdata.store import Database, metadata

MAPPING = """\
source: shelter_register
name: Shelter register
agency: CWCC
file:
  type: csv
recognise:
  pattern: "shelter_register*.csv"
  required_columns: [ID, Name]
record_id: ID
date_formats: ["%d/%m/%Y"]
value_maps:
  sex: {F: female, M: male}
records:
  - kind: case
    when: {column: Case, empty: false}
    fields:
      case_number: Case
      kind: {const: assistance}
  - kind: person_record
    name: person
    fields:
      role: {const: victim}
      full_name: Name
      sex: {column: Sex, map: sex}
      birth: {birth: Age, at: {date: Admitted}}
      province_code: Province
      case: {ref: case}
"""
HEADER = "ID,Name,Sex,Age,Province,Case,Admitted\n"
FIRST = HEADER + (
    "R1,Sok Dara,F,16,Kampot,C-1,03/04/2019\nR2,Keo Lina,F,19,Kandal,C-2,05/04/2019\n"
)
BROKEN = HEADER + (
    'R1,"Sok Dara,F,16,Kampot,C-1,03/04/2019\nR2,Keo Lina,F,20,Kandal,C-2,05/04/2019\n'
)


def _mapping(tmp_path: Path, text: str = MAPPING) -> Mapping:
    return parse_mapping(text, tmp_path / "shelter_register.yaml")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(db: Database) -> list[tuple[object, ...]]:
    t = metadata.tables
    with db.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(
                    t["source_record"].c.source_key,
                    t["person_record"].c.sex,
                    t["person_record"].c.age_years,
                    t["person_record"].c.province_code,
                    t["person_record"].c.age_reference_date,
                )
                .join(
                    t["source_record"],
                    t["source_record"].c.id == t["person_record"].c.source_record_id,
                )
                .order_by(t["source_record"].c.source_key)
            )
        ]


def test_an_unterminated_quote_is_refused_and_the_stored_record_is_kept(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping = _mapping(tmp_path)
    first = import_file(
        ref_db, _write(tmp_path, "shelter_register_1.csv", FIRST), mapping=mapping, lookups=lookups
    )
    assert first.status == "committed", [str(i) for i in first.issues]
    before = _stored(ref_db)
    broken = _write(tmp_path, "shelter_register_2.csv", BROKEN)

    with pytest.raises(ImportFileError) as caught:
        import_file(ref_db, broken, mapping=mapping, lookups=lookups)

    error = caught.value
    assert (error.file, error.line, error.field) == (str(broken), 2, "Name")
    assert "unterminated quote" in error.message and "another row" in error.message
    assert _stored(ref_db) == before
    assert count(ref_db, "case") == 2 and count(ref_db, "import_run") == 1


def test_a_row_spanning_many_lines_is_refused(tmp_path: Path) -> None:
    from tipdata.ingest.readers import open_csv

    path = _write(tmp_path, "x.csv", HEADER + 'R1,"Sok' + "\nmore" * 60 + '",F\n')
    fmt = _mapping(tmp_path).file
    with pytest.raises(ImportFileError, match="spans 61 lines"), open_csv(path, fmt) as table:  # type: ignore[arg-type]
        list(table.rows)


def test_a_multi_line_note_is_still_read(tmp_path: Path) -> None:
    from tipdata.ingest.readers import open_csv

    path = _write(tmp_path, "x.csv", HEADER + 'R1,"Sok\nDara, called Da",F,16,Kampot,C-1,\n')
    with open_csv(path, _mapping(tmp_path).file) as table:  # type: ignore[arg-type]
        assert [values["Name"] for _row, values in table.rows] == ["Sok\nDara, called Da"]


def test_an_update_never_blanks_filled_values_unless_allowed(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping = _mapping(tmp_path)
    import_file(
        ref_db, _write(tmp_path, "shelter_register_1.csv", FIRST), mapping=mapping, lookups=lookups
    )
    before = _stored(ref_db)
    blanked = _write(
        tmp_path,
        "shelter_register_2.csv",
        HEADER + "R1,Sok Dara,,,,,\nR2,Keo Lina,F,20,Kandal,C-2,05/04/2019\n",
    )

    refused = import_file(ref_db, blanked, mapping=mapping, lookups=lookups)

    assert refused.status == "rejected"
    assert sorted((i.row, i.column) for i in refused.issues) == [
        (2, "Admitted"), (2, "Age"), (2, "Case"), (2, "Province"), (2, "Sex"),
    ]  # fmt: skip
    assert "--allow-clearing" in refused.issues[0].message
    assert _stored(ref_db) == before and count(ref_db, "case") == 2

    allowed = import_file(ref_db, blanked, mapping=mapping, lookups=lookups, allow_clearing=True)
    assert allowed.status == "committed" and allowed.rows_updated == 2
    assert {w.column for w in allowed.warnings if "would clear" in w.message} == {
        "Sex", "Age", "Province", "Case", "Admitted",
    }  # fmt: skip
    assert _stored(ref_db)[0][0] == "R1" and _stored(ref_db)[0][2:] == (None, None, None)


def test_a_mapping_can_mark_fields_required(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    strict = MAPPING.replace(
        "    name: person\n", "    name: person\n    required: [sex, birth, province_code]\n"
    )
    path = _write(
        tmp_path, "shelter_register_1.csv", HEADER + "R1,Sok Dara,F,,Kampot,,\nR2,Keo,,19,,,\n"
    )

    result = import_file(ref_db, path, mapping=_mapping(tmp_path, strict), lookups=lookups)

    assert result.status == "rejected"
    assert sorted((i.row, i.column) for i in result.issues) == [
        (2, "Age"), (3, "Province"), (3, "Sex"),
    ]  # fmt: skip
    assert all("is required but empty" in i.message for i in result.issues)
    with pytest.raises(Exception, match="'nickname', not a field of this record"):
        _mapping(tmp_path, strict.replace("province_code]", "nickname]"))
