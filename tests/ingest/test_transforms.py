"""The cleaning transforms, calendars and plausibility checks of the mapping language.

Files written with each clerk's habit (titles, nicknames, `?` for nothing, ages with
units, approximate years, Buddhist-Era dates in Thai digits and month names) import
through mappings that use the transforms, with the stored values checked on SQLite
and PostgreSQL; docs/mappings.md's examples run as written.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from tests.ingest.conftest import count, load_reference_data, people
from tipdata.ingest import import_file, parse_mapping
from tipdata.ingest.dates import DateParser, month_number, two_digit_year
from tipdata.ingest.expressions import CellError, _Compiler
from tipdata.ingest.lookups import Lookups, lookups_for
from tipdata.ingest.mapping import MappingError
from tipdata.ingest.transforms import (
    fold_diacritics,
    parse_age,
    parse_approximate_year,
    split_nickname,
    strip_titles,
    title_lists,
)
from tipdata.store import Database, metadata

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"


def _example(marker: str) -> str:
    """The fenced block that follows ``<!-- MARKER -->`` in docs/mappings.md."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {re.escape(marker)}[^>]*-->\n```\w*\n(.*?)```", text, re.S)
    assert match is not None, f"no block after <!-- {marker} --> in docs/mappings.md"
    return match.group(1)


MINIMAL = """\
source: steps_test
name: steps
agency: MOI
file: {type: csv}
recognise: {pattern: "x*.csv", required_columns: [X]}
record_id: X
open_columns: [X]
records: []
"""


def _evaluate(expression: str, cell: str, **options: Any) -> Any:
    """An expression of the mapping language, compiled as an import compiles it, on one cell."""
    data = yaml.safe_load(MINIMAL)
    data.update(options)
    data["records"] = [
        {"kind": "event", "fields": {"place": yaml.safe_load(expression) or expression}}
    ]
    mapping = parse_mapping(yaml.safe_dump(data, allow_unicode=True), "steps.yaml")
    expr = mapping.records[0].fields["place"]
    nothing = Lookups(lambda _t: None, lambda _t: None, lambda _t: None, lambda _t: None)
    compiled = _Compiler(mapping, nothing).compile(expr)
    return compiled({"X": cell})


def _docs_examples() -> list[dict[str, Any]]:
    examples = yaml.safe_load(_example("examples"))
    assert isinstance(examples, list) and len(examples) >= 25
    return examples


@pytest.mark.parametrize("example", _docs_examples(), ids=lambda e: f"{e['write']} {e['cell']}")
def test_each_documented_step_gives_what_the_docs_say(example: dict[str, Any]) -> None:
    assert _evaluate(example["write"], example["cell"]) == example["gives"]


def test_every_step_has_a_documented_example() -> None:
    written = " ".join(e["write"] for e in _docs_examples())
    steps = ["trim", "upper", "lower", "title", "nfc", "nfkc", "fold_diacritics", "digits"]
    steps += ["replace", "extract", "strip_titles", "nickname: name", "nickname: alias"]
    steps += ["{age:", "{year:", "calendar: buddhist", "century_pivot", "%b"]
    assert [step for step in steps if step not in written] == []


def test_titles_are_stripped_only_at_the_start_and_never_to_nothing() -> None:
    assert strip_titles("Mr. Dr. KEO Dara") == "KEO Dara"
    assert strip_titles("MRS SOK") == "SOK"
    assert strip_titles("Mrs") == "Mrs"  # a name that is only a title stays
    assert strip_titles("Misra Dara") == "Misra Dara"  # a title must be a whole word
    assert strip_titles("Sok Mr Dara") == "Sok Mr Dara"
    assert strip_titles("លោកស្រីសុខ ដារា", ("km",)) == "សុខ ដារា"
    assert strip_titles("ด.ญ. สมใจ", ("th",)) == "สมใจ"
    assert strip_titles("Bà Lan", ("en",)) == "Bà Lan"  # only the languages asked for
    # Given names that are also forms of address are not titles: Kanha (កញ្ញា, "Miss")
    # is a girl's name, Nang the Thai lists' spelling of the Khmer given name Neang.
    assert strip_titles("Kanha Sokha") == "Kanha Sokha"
    assert strip_titles("កញ្ញា សុខា") == "កញ្ញា សុខា"
    assert strip_titles("Nang Sophea") == "Nang Sophea"
    assert strip_titles("Lok Srey Kanha Sokha") == "Kanha Sokha"
    assert {"en", "km", "th", "vi"} <= set(title_lists())
    assert all(entry.source for entry in title_lists().values())


def test_nicknames_are_split_from_the_name() -> None:
    assert split_nickname("Sreymom (A Mom)") == ("Sreymom", "A Mom")
    assert split_nickname('Sok Dara "Mao"') == ("Sok Dara", "Mao")
    assert split_nickname("Sok Dara alias Mao") == ("Sok Dara", "Mao")
    assert split_nickname("Sok (Mao) Dara") == ("Sok Dara", "Mao")
    assert split_nickname("Sok Dara") == ("Sok Dara", None)
    assert split_nickname("(Mao)") == ("(Mao)", None)


def test_ages_years_digits_and_diacritics() -> None:
    cells = ["14", "14 yrs", "28y", "12y", "១២ ឆ្នាំ", "12 ปี", "7 tuổi", "6 months", "14 yrs old"]
    assert [parse_age(t) for t in cells] == [14, 14, 28, 12, 12, 12, 7, 0, 14]
    assert parse_age("fourteen") is None and parse_age("14 km") is None
    approximate = ["c. 1995", "ca 1995", "circa 1995", "~1995", "1995?", "ប្រហែល ១៩៩៥"]
    assert [parse_approximate_year(t) for t in approximate] == [1995] * 6
    assert parse_approximate_year("1995") is None
    assert fold_diacritics("Nguyễn Thị Đào") == "Nguyen Thi Dao"
    assert fold_diacritics("សុខ") == "សុខ"  # Khmer vowel signs are kept


def test_calendars_month_names_and_two_digit_years() -> None:
    buddhist = DateParser(["%d/%m/%Y", "%d %b %Y"], calendar="buddhist")
    assert buddhist.parse("12/03/2552") == date(2009, 3, 12)
    assert buddhist.parse("๑๒/๐๓/๒๕๕๒") == date(2009, 3, 12)
    assert buddhist.parse("2 เม.ย. 2552") == date(2009, 4, 2)
    assert buddhist.parse("2009-04-02") == date(2009, 4, 2)  # an Excel date cell
    assert DateParser(["%d/%m/%y"], calendar="buddhist").parse("12/03/52") == date(2009, 3, 12)
    gregorian = DateParser(["%d %B %Y"])
    assert gregorian.parse("12 ខែមីនា 2009") == date(2009, 3, 12)
    assert gregorian.parse("12 March 2009") == date(2009, 3, 12)
    assert gregorian.parse("12 Mars 2009") is None
    assert [month_number(m) for m in ("មករា", "ធ្នូ", "มกราคม", "ธ.ค.", "Tháng 12")] == [
        1,
        12,
        1,
        12,
        12,
    ]
    today = date(2026, 6, 1)
    assert two_digit_year(26, None, today) == 2026
    assert two_digit_year(27, None, today) == 1927
    assert two_digit_year(49, 1950) == 2049 and two_digit_year(50, 1950) == 1950


def test_messages_name_a_year_a_year_and_an_empty_sum_is_no_value() -> None:
    with pytest.raises(CellError, match=r"^year 'about then' not understood"):
        _evaluate("{year: X}", "about then")
    with pytest.raises(CellError, match=r"year 2552 is in the future.*Buddhist Era"):
        _evaluate("{year: {date: X, formats: ['%d/%m/%Y']}}", "01/01/2552")
    # the old trick of subtracting 543 no longer makes "age -543" of an empty cell
    assert _evaluate("{sum: [{number: X}, -543]}", "") is None
    assert _evaluate("{sum: [{number: X}, -543]}", "2552") == 2009
    with pytest.raises(CellError, match="is not a whole number of years"):
        _evaluate("{age: X}", "old")


def test_a_mapping_with_a_bad_step_names_its_line(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    data["records"] = [
        {"kind": "event", "fields": {"place": {"text": "X", "steps": [{"extract": "("}]}}}
    ]
    with pytest.raises(MappingError, match="not a valid regular expression"):
        parse_mapping(yaml.safe_dump(data), tmp_path / "bad.yaml")
    data["records"][0]["fields"]["place"]["steps"] = ["shout"]
    with pytest.raises(MappingError, match=r"records\[0\]\.fields\.place"):
        parse_mapping(yaml.safe_dump(data), tmp_path / "bad.yaml")


@pytest.fixture
def real_ref_db(db: Database) -> Database:
    """``db`` with the real code lists (the partner agencies among them)."""
    load_reference_data(db)
    return db


def _handover(tmp_path: Path, data: str | None = None) -> Path:
    path = tmp_path / "msdhs_handover_2009.csv"
    path.write_text(data or _example("example: msdhs_handover_2009.csv"), encoding="utf-8")
    return path


def test_the_partner_handover_example_imports_as_the_docs_say(
    real_ref_db: Database, tmp_path: Path
) -> None:
    db = real_ref_db
    mapping = parse_mapping(_example("example: msdhs_handover.yaml"), "msdhs_handover.yaml")
    path = _handover(tmp_path)

    result = import_file(db, path, mapping=mapping)

    assert result.status == "committed", [str(i) for i in result.issues]
    assert result.warnings == []
    assert result.date_ranges == {"Handed over": (date(2009, 3, 12), date(2009, 4, 2))}
    assert people(
        db, "full_name", "sex", "age_years", "age_reference_date", "birth_year", "province_code"
    ) == [
        ("Sok Sreymom", "female", 14, date(2009, 3, 12), None, "01"),
        ("Keo Dara", "male", 28, date(2009, 3, 15), None, "02"),
        ("Chan Thida", "female", None, None, 1995, "14"),
    ]
    t = metadata.tables
    with db.connect() as connection:
        events = connection.execute(
            sa.select(t["event"].c.event_type, t["event"].c.event_date).order_by(t["event"].c.id)
        ).all()
        referrals = connection.execute(
            sa.select(t["agency"].c.code)
            .join(t["referral"], t["referral"].c.to_agency_id == t["agency"].c.id)
            .order_by(t["referral"].c.id)
        ).scalars()
        owner = connection.execute(
            sa.select(t["agency"].c.code)
            .join(t["source"], t["source"].c.agency_id == t["agency"].c.id)
            .where(t["source"].c.code == "msdhs_handover")
        ).scalar_one()
        assert [tuple(e) for e in events] == [
            ("repatriated", date(2009, 3, 12)),
            ("repatriated", date(2009, 3, 15)),
            ("repatriated", date(2009, 4, 2)),
        ]
        assert list(referrals) == ["MOSAVY", "IOM", "MOSAVY"]
    assert owner == "THA-MSDHS"
    # the value maps are no longer than the code list they map (sex: 2 codes)
    assert max(len(values) for values in mapping.value_maps.values()) <= 2


def test_a_buddhist_era_file_read_as_gregorian_is_refused(
    real_ref_db: Database, tmp_path: Path
) -> None:
    text = _example("example: msdhs_handover.yaml").replace("calendar: buddhist\n", "")
    mapping = parse_mapping(text, "plain.yaml")
    path = _handover(tmp_path)

    for dry_run in (True, False):
        result = import_file(real_ref_db, path, mapping=mapping, dry_run=dry_run)
        assert result.status == "rejected"
        messages = [(i.row, i.column, i.message) for i in result.issues]
        assert (
            2,
            "Handed over",
            "date 2552-03-12 is in the future; if the file dates in the Buddhist Era "
            "(2552 BE = 2009), add calendar: buddhist to the mapping",
        ) in messages
    assert count(real_ref_db, "event") == 0 and count(real_ref_db, "import_run") == 0


def test_event_dates_outside_the_delivery_window(real_ref_db: Database, tmp_path: Path) -> None:
    mapping = parse_mapping(_example("example: msdhs_handover.yaml"), "handover.yaml")
    rows = _example("example: msdhs_handover_2009.csv").splitlines()
    old = rows[0] + "\n" + rows[2].replace("15/03/2552", "15/03/2530") + "\n"
    result = import_file(real_ref_db, _handover(tmp_path, old), mapping=mapping)
    assert result.status == "rejected"
    assert result.issues[0].message == (
        "date 1987-03-15 is before 1990-01-01: not plausible for this delivery "
        "(the mapping's earliest_date)"
    )
    later = rows[0] + "\n" + rows[2].replace("15/03/2552", "15/03/2555") + "\n"
    result = import_file(real_ref_db, _handover(tmp_path, later), mapping=mapping)
    assert result.status == "committed"
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (
            2,
            "Handed over",
            "date 2012-03-15 is more than a year after the file's period (2009, from its name)",
        )
    ]


def test_null_tokens_are_declared_once(real_ref_db: Database, tmp_path: Path) -> None:
    text = _example("example: msdhs_handover.yaml")
    rows = _example("example: msdhs_handover_2009.csv").splitlines()
    data = rows[0] + "\n" + rows[3].replace(",F,", ",ไม่ทราบ,") + "\n"
    result = import_file(real_ref_db, _handover(tmp_path, data), mapping=parse_mapping(text, "a"))
    assert result.status == "committed", [str(i) for i in result.issues]
    assert people(real_ref_db, "sex", "birth_year") == [("unknown", 1995)]
    without = text.replace('null_tokens: ["?", "-", "n/a", "unknown", "មិនដឹង", "ไม่ทราบ"]\n', "")
    result = import_file(
        real_ref_db, _handover(tmp_path, data), mapping=parse_mapping(without, "b"), dry_run=True
    )
    assert result.status == "rejected"
    assert {i.column for i in result.issues} == {"Sex"}


def test_a_referral_without_destination_is_one_line_in_dry_run_and_import(
    real_ref_db: Database, tmp_path: Path
) -> None:
    text = _example("example: msdhs_handover.yaml").replace(
        "to_agency_id: {lookup: agency, value: Received by}",
        "to_agency_id: {lookup: agency, value: {column: Received by, map: destination}}",
    )
    text = text.replace(
        "  sex: {F: female, M: male}\n",
        "  sex: {F: female, M: male}\n  destination: {MOSAVY: MOSAVY, IOM: IOM, NGO: null}\n",
    )
    rows = _example("example: msdhs_handover_2009.csv").splitlines()
    data = "\n".join([rows[0], rows[1], rows[2].replace(",IOM,", ",NGO,")]) + "\n"
    mapping = parse_mapping(text, "handover.yaml")
    outcomes = [
        import_file(real_ref_db, _handover(tmp_path, data), mapping=mapping, dry_run=dry_run)
        for dry_run in (True, False)
    ]
    for result in outcomes:
        assert result.status == "rejected"
        assert [str(i) for i in result.issues] == [
            "msdhs_handover_2009.csv, row 3, column 'Received by': a referral needs a "
            "destination: to_agency_id (an agency code) or to_provider_id (a service "
            "provider); the row gives neither"
        ]
    assert count(real_ref_db, "referral") == 0


def test_lookups_for_real_db_knows_partner_agencies(real_ref_db: Database) -> None:
    found = lookups_for(real_ref_db)
    assert found.agency("THA-MSDHS") is not None
    assert found.agency("VNM-MOLISA") is not None
    assert found.agency("MYS-POLICE") is not None
