"""Ground truth: every data row covered once, persons linked across sources, anomalies real."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tipdata.demo import GenerationSummary
from tipdata.demo.targets import read_rows

# The column holding each file's own record id, and the column(s) holding a name.
ID_COLUMN = {
    "moi_police_register": "Person Ref",
    "mosavy_victims": "Ref No",
    "court_outcomes": "Row Ref",
    "ngo_cwcc_intake": "Case No",
    "ngo_afesip_intake": "Ref No",
    "ngo_whi_intake": "Client ID",
    "ngo_hcc_intake": "ID",
    "iom_poipet_screening": "Screening No",
    "molvt_lmis_departures": "LMIS ID",
    "pwg_biweekly": "Report ID",
    "police_srp_arrests": "Log No",
    "ngo_network_intake": "Intake Ref",
    "company_worker_status": "Report No",
    "malaysia_deportation_list": "No Rujukan",
    "migrant_hotline_log": "Call ID",
    "lscw_migrant_cases": "Case No",
    "th_msdhs_handover": "No",
    "ngo_cwcc_followup": "Case No",
}
NAME_COLUMNS = {
    "moi_police_register": ("Name",),
    "mosavy_victims": ("Name", "Name (Khmer)"),
    "court_outcomes": ("Victim Name",),
    "ngo_cwcc_intake": ("Full Name",),
    "ngo_afesip_intake": ("Family Name", "Given Name"),
    "ngo_whi_intake": ("Client name",),
    "ngo_hcc_intake": ("Name",),
    "iom_poipet_screening": ("Name",),
    "police_srp_arrests": ("Name",),
    "ngo_network_intake": ("Name",),
    "th_msdhs_handover": ("Name",),
    "ngo_cwcc_followup": ("Client",),
}


def data_files(out: Path) -> list[Path]:
    """The agency files of a run (not the ground truth)."""
    return sorted(p for p in out.iterdir() if p.is_file())


def _stem(name: str) -> str:
    return name.rsplit("_", 1)[0]


def _truth(out: Path, name: str) -> list[dict[str, str]]:
    with (out / "ground_truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_data_row_is_covered_exactly_once(small_run: GenerationSummary) -> None:
    records = _truth(small_run.out, "records.csv")
    by_file: dict[str, dict[int, str]] = defaultdict(dict)
    for record in records:
        row = int(record["row"])
        assert row not in by_file[record["file"]], (record["file"], row)
        by_file[record["file"]][row] = record["source_record_id"]
    persons = {p["true_person_id"] for p in _truth(small_run.out, "persons.csv")}
    for path in data_files(small_run.out):
        ids = [row[ID_COLUMN[_stem(path.stem)]] for row in read_rows(path)]
        assert len(ids) == small_run.files[path.name]
        assert by_file[path.name] == {i: source_id for i, source_id in enumerate(ids, start=1)}
        assert len(set(ids)) == len(ids), path.name
    assert all(r["true_person_id"] in persons for r in records if r["true_person_id"])


def test_khmer_script_names_are_present(small_run: GenerationSummary) -> None:
    khmer = [
        row["Name (Khmer)"]
        for row in read_rows(small_run.out / "mosavy_victims_2008.xlsx")
        if row["Name (Khmer)"]
    ]
    assert khmer
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in name) for name in khmer)


def test_anomalies_point_at_existing_rows(small_run: GenerationSummary) -> None:
    anomalies = _truth(small_run.out, "anomalies.csv")
    kinds = Counter(a["kind"] for a in anomalies)
    assert {
        "conviction_under_scope_article",
        "indecent_acts_instead_of_child_prostitution",
        "sheltered_before_rescued",
        "identified_not_referred",
    } <= set(kinds)
    for anomaly in anomalies:
        rows = list(read_rows(small_run.out / anomaly["file"]))
        row = rows[int(anomaly["row"]) - 1]
        assert row[ID_COLUMN[_stem(anomaly["file"].split(".")[0])]] == anomaly["source_record_id"]
    total_rows = sum(small_run.files.values())
    assert len(anomalies) < 0.03 * total_rows


@pytest.mark.slow
def test_victims_appear_in_several_sources_spelt_differently(
    full_run: GenerationSummary,
) -> None:
    summary = full_run
    out = summary.out
    sources: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    wanted: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
    for record in _truth(out, "records.csv"):
        stem = _stem(record["file"].split(".")[0])
        if stem not in NAME_COLUMNS:
            continue
        person = record["true_victim_person_id"] or record["true_person_id"]
        if not person:
            continue
        sources[person].add(record["agency"] if stem != "court_outcomes" else "COURT")
        wanted[record["file"]][int(record["row"])] = (person, stem)
    for file, rows in wanted.items():
        if file.startswith(("iom_", "molvt_")):
            continue  # only victims matter below; the big logs are read for victims only
        for number, row in enumerate(read_rows(out / file), start=1):
            if number in rows:
                person, stem = rows[number]
                names[person].add(" ".join(row[c] for c in NAME_COLUMNS[stem]).lower())
    victims = [p["true_person_id"] for p in _truth(out, "persons.csv") if p["is_victim"] == "1"]
    in_three = [v for v in victims if len(sources[v]) >= 3]
    assert len(in_three) >= 0.15 * len(victims)
    spelt_differently = [v for v in in_three if len(names[v]) >= 2]
    assert len(spelt_differently) >= 0.6 * len(in_three)
