"""The unseen evaluation sets: deterministic, truthful, importable; the metrics give known values.

Tiny versions of both sets (scale 0.05, about 100 and 75 records) keep this fast; the
figures themselves are the benchmark's (``benchmarks/bench_linkage.py unseen``).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from benchmarks.unseen import SET_NAMES, GeneratedSet, drafts, generate, read_truth
from benchmarks.unseen.clerk import Clerk, Habits, TrueName
from benchmarks.unseen.evaluate import (
    fresh_system,
    import_set,
    load_records,
    per_source_counts,
    plain_key,
    plain_rule,
    truth_of,
)
from tipdata.access.documents import read_documents
from tipdata.linkage.evaluation import clustering_accuracy
from tipdata.system import System

TINY = 0.05


@pytest.mark.parametrize("name", SET_NAMES)
def test_the_generator_is_deterministic_and_seeds_differ(name: str) -> None:
    first = [(d.header, d.rows, d.truth) for d in drafts(name, seed=3, scale=TINY)]
    again = [(d.header, d.rows, d.truth) for d in drafts(name, seed=3, scale=TINY)]
    other = [(d.header, d.rows, d.truth) for d in drafts(name, seed=4, scale=TINY)]

    assert first == again
    assert first != other


def _file_rows(path: Path, *, header: bool = False) -> list[list[str]]:
    skip = 0 if header else 1
    if path.suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True).worksheets[0]
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ][skip:]
    delimiter = ";" if "shelter" in path.name else ","
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))[skip:]


@pytest.mark.parametrize("name", SET_NAMES)
def test_the_ground_truth_matches_the_files(name: str, tmp_path: Path) -> None:
    made = generate(name, tmp_path / name, seed=2, scale=TINY)
    truth = read_truth(made.folder)
    rows_in_files = sum(len(_file_rows(made.exports / f)) for f in made.files)

    assert len(truth) == made.records == rows_in_files
    assert len(set(truth.values())) == made.true_persons
    assert sorted(p.name for p in (made.folder / "mappings").iterdir()) == sorted(
        made.files.values()
    )


@pytest.mark.parametrize("name", SET_NAMES)
def test_registers_repeat_people_only_where_they_do(name: str) -> None:
    # At scale 1 (in memory, well under a second): registers that do not repeat people
    # hold each true person once; different people share a written name in one register.
    homonyms = 0
    for draft in drafts(name, seed=1, scale=1.0):
        people = Counter(pid for _, _, pid in draft.truth)
        if not draft.register.repeats_people:
            assert max(people.values()) == 1, draft.register.file
        name_column = next(
            i
            for i, h in enumerate(draft.header)
            if h
            in ("Full name", "Name", "Worker Name", "Nama", "Name of person abroad", "Family name")
        )
        persons_of_name: dict[tuple[str, ...], set[str]] = {}
        for row, (_, _, pid) in zip(draft.rows, draft.truth, strict=True):
            written = (
                tuple(row[name_column : name_column + 2])
                if draft.header[name_column] == "Family name"
                else (row[name_column],)
            )
            persons_of_name.setdefault(written, set()).add(pid)
        homonyms += sum(1 for pids in persons_of_name.values() if len(pids) > 1)
    assert homonyms >= 5


def test_the_user_mappings_import_through_the_real_pipeline(tmp_path: Path) -> None:
    for name in SET_NAMES:
        made = generate(name, tmp_path / name, seed=1, scale=TINY)
        system = fresh_system(tmp_path / f"home-{name}")

        summaries = import_set(system, made)

        records = load_records(system)
        truth = truth_of(records, made, system.keyring())
        assert len(summaries) == len(made.files)
        assert len(records) == made.records == len(truth)
        assert set(truth.values()) == set(read_truth(made.folder).values())
        _the_new_mapped_fields_are_stored(system, made, records)
        system.db.dispose()


def _the_new_mapped_fields_are_stored(
    system: System, made: GeneratedSet, records: pd.DataFrame
) -> None:
    """Buddhist-Era dates, ages with units, passports and events land where they belong."""
    from tipdata.ingest.privacy import keyed_source_key

    keyring = system.keyring()
    # A record id built from a name is stored as a keyed hash: index the rows both ways.
    rows = {
        file: {
            stored: row
            for key, row in _keyed_rows(made, file)
            for stored in (key, keyed_source_key(keyring, key))
        }
        for file in made.files
    }
    with system.db.connect() as connection:
        events = {
            int(pr): (kind, str(day), country)
            for pr, kind, day, country in connection.execute(
                sa.text(
                    "select person_record_id, event_type, event_date, destination_country"
                    " from event"
                )
            )
        }
    by_source = {source: group for source, group in records.groupby("source")}
    if made.name == "trafficking-2009":
        thai = by_source["thai_handover_list"]
        for record_id, key, at in zip(
            thai.record_id, thai.source_key, thai.age_reference_date, strict=True
        ):
            day, month, be_year = rows["thai_handover_2552.csv"][key]["Date of hand-over"].split(
                "/"
            )
            handed = f"{int(be_year) - 543}-{month}-{day}"
            # 2552 BE is 2009: the age is at the hand-over date, which is the event's date
            assert str(at) == handed and handed.startswith("2009-")
            assert events[int(record_id)] == ("repatriated", handed, "THA")
        shelter = by_source["joint_shelter_file"]
        with_units = 0
        for key, year, age in zip(
            shelter.source_key, shelter.birth_year, shelter.age_years, strict=True
        ):
            row = rows["joint_shelter_file_2009.csv"][key]
            if not row["Year of birth"]:  # the age, as typed ("14 yrs", "approx 15"), is read
                assert int(age) == int(re.sub(r"\D", "", row["Age"]))
                with_units += not row["Age"].isdigit()
            else:
                assert int(year) == int(row["Year of birth"])
        assert with_units > 0
        assert not shelter.full_name.str.contains(
            r"\(|^(?:Ms|Mr|Miss|Mrs|Master|Lok|Neang)\b"
        ).any()
        return
    passports = {
        record_id: [(view.kind, view.number, view.issuing_country) for view in views]
        for record_id, views in read_documents(
            system.db, list(records.record_id), actor=None
        ).items()
    }
    for source, file, column, event in (
        ("company_departure_list", "departures_malaysia_2009.csv", "Passport No.", "departed"),
        ("malaysia_deportation_list", "senarai_hantar_pulang_2010.xlsx", "No. Pasport", "deported"),
        ("migrant_hotline_log", "hotline_log_2010.csv", None, "hotline_report"),
    ):
        group = by_source[source]
        for record_id, key in zip(group.record_id, group.source_key, strict=True):
            if column is not None:
                cell = rows[file][key][column]
                assert passports.get(int(record_id), []) == (
                    [("passport", cell, "KHM")] if cell else []
                )
            assert events[int(record_id)][0] == event and events[int(record_id)][2] == "MYS"
    assert sum(len(numbers) for numbers in passports.values()) > len(
        by_source["company_departure_list"]
    )


def _keyed_rows(made: GeneratedSet, file: str) -> list[tuple[str, dict[str, str]]]:
    """(record id as the truth names it, row by column) for every row of one export file."""
    header, *body = _file_rows(made.exports / file, header=True)
    truth_keys = [
        key
        for draft in drafts(made.name, seed=1, scale=TINY)
        if draft.register.file == file
        for _, key, _ in draft.truth
    ]
    return [
        (key, dict(zip(header, row, strict=True)))
        for key, row in zip(truth_keys, body, strict=True)
    ]


def test_the_clerk_writes_the_habits_it_is_given() -> None:
    import random

    hoa = TrueName(family="Dang", middle="Thi", given="Hoa", vietnamese=True)
    abbreviating = Clerk(
        random.Random(1), Habits(romanise=0, typo=0, vn_abbreviate=1.0, vn_drop_middle=0)
    )
    dropping = Clerk(random.Random(1), Habits(romanise=0, typo=0, vn_drop_middle=1.0))
    joining = Clerk(random.Random(1), Habits(romanise=0, typo=0, join_given=0, join_all=1.0))

    assert abbreviating.full_name(hoa, female=True) == "Dang T. Hoa"
    assert dropping.full_name(hoa, female=True) == "Dang Hoa"
    assert joining.full_name(TrueName("Sim", "Sokny"), female=True) == "SimSokny"
    romanising = Clerk(random.Random(1), Habits(romanise=1.0))
    assert {romanising.romanise("Chea") for _ in range(50)} == {"Jea", "Chia", "Cheah"}


def test_metrics_on_a_hand_made_example() -> None:
    # Five records of three true people; predicted: {1,2,3} {4} {5}.
    predicted = {1: "a", 2: "a", 3: "a", 4: "b", 5: "c"}
    truth = {1: "x", 2: "x", 3: "y", 4: "y", 5: "z"}
    source = {1: "police", 2: "shelter", 3: "police", 4: "shelter", 5: "police"}

    acc = clustering_accuracy(predicted, truth)
    counts = per_source_counts(predicted, truth, source)

    # predicted pairs 3 (12, 13, 23), true pairs 2 (12, 34), correct 1 (12)
    assert (acc.predicted_pairs, acc.true_pairs, acc.correct_pairs) == (3, 2, 1)
    assert (round(acc.pairwise_precision, 4), acc.pairwise_recall) == (0.3333, 0.5)
    assert round(acc.pairwise_f1, 4) == 0.4
    assert (acc.predicted_entities, acc.true_entities) == (3, 3)
    # B-cubed precision: (2/3 + 2/3 + 1/3 + 1 + 1) / 5; recall: (1 + 1 + 1/2 + 1/2 + 1) / 5
    assert round(acc.bcubed_precision, 4) == round((2 / 3 + 2 / 3 + 1 / 3 + 2) / 5, 4)
    assert acc.bcubed_recall == 0.8
    assert counts == {"police": (2, 3), "shelter": (2, 2)}


def test_the_plain_rule() -> None:
    records = pd.DataFrame(
        {
            "record_id": [1, 2, 3, 4, 5],
            "full_name": ["Sok Dara", "Ms. Dara Sok (A Dara)", "Sok Dara", None, "Sok Dara"],
            "family_name": [None, None, None, "Sok", None],
            "given_name": [None, None, None, "Dara", None],
            "sex": ["female", "female", "male", "female", None],
            "birth_date": [None, None, None, None, None],
            "birth_year": [1990, None, 1990, 1992, 1999],
            "age_years": [None, 19, None, None, None],
            "age_reference_date": [None, "2009-07-01", None, None, None],
        }
    )

    clusters = plain_rule(records)

    assert plain_key("Ms. Dara Sok (A Dara)") == plain_key("Sok Dara")
    # 1, 2 (1990 from an age) and 4 (1992) are one person; 3 differs in sex, 5 by 9 years.
    assert clusters[1] == clusters[2] == clusters[4]
    assert len({clusters[1], clusters[3], clusters[5]}) == 3


def test_the_bench_command_prints_every_linkage_side_by_side(tmp_path: Path) -> None:
    # The function behind `benchmarks/bench_linkage.py unseen`, on a tiny set (the
    # documented command at scale 1 takes about 20 s on this machine: not run here).
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_linkage.py"
    spec = importlib.util.spec_from_file_location("bench_linkage_unseen", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines: list[str] = []

    (result,) = bench.unseen(
        seeds=[1],
        scale=TINY,
        thresholds=[0.8],
        sets=["migration-malaysia"],
        root=tmp_path,
        say=lines.append,
    )

    text = "\n".join(lines)
    assert list(result.accuracy) == ["tipdata", "plain rule", "bare Splink 0.80"]
    for name in (
        "tipdata",
        "plain rule",
        "bare Splink 0.80",
        "company_departure_list",
        "malaysia_deportation_list",
        "migrant_hotline_log",
        "court_recruitment_register",
    ):
        assert name in text
    assert all(acc.records == result.records for acc in result.accuracy.values())
