"""Ground truth of the demo data, joined to person records (for accuracy measurement).

The generator writes ``ground_truth/records.csv``: one line per agency row with its
record id and the true person. Court rows name two people: the defendant
(``true_person_id``, role suspect) and the victim (``true_victim_person_id``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

SUSPECT_ROLES = frozenset({"suspect", "convicted"})


def read_true_persons(ground_truth_dir: Path) -> dict[str, tuple[str, str]]:
    """Agency record id -> (true person id, true victim person id) from ``records.csv``.

    Args:
        ground_truth_dir: the ``ground_truth`` folder of a demo delivery.

    Returns:
        The mapping; ids are empty strings where the generator left them blank.
    """
    found: dict[str, tuple[str, str]] = {}
    with (ground_truth_dir / "records.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["source_record_id"]] = (
                row["true_person_id"],
                row.get("true_victim_person_id") or "",
            )
    return found


def true_person_of_records(records: pd.DataFrame, ground_truth_dir: Path) -> dict[int, str]:
    """Person-record id -> true person id, for the records the ground truth knows.

    Args:
        records: person records with ``record_id``, ``source_key``, ``source`` and
            ``role`` (as :func:`tipdata.linkage.features.load_person_records` gives).
        ground_truth_dir: the ``ground_truth`` folder of the delivery they came from.

    Returns:
        The mapping (records without a true person are left out).
    """
    truth = read_true_persons(ground_truth_dir)
    found: dict[int, str] = {}
    for record_id, key, source, role in zip(
        records["record_id"],
        records["source_key"],
        records["source"],
        records["role"],
        strict=True,
    ):
        ids = truth.get(str(key))
        if ids is None:
            continue
        person, victim = ids
        if str(source).startswith("court") and str(role) not in SUSPECT_ROLES:
            person = victim
        if person:
            found[int(record_id)] = person
    return found
