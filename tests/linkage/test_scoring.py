"""Scoring a full run: a small database's candidate pairs are blocked once, and forgotten."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.linkage.conftest import LinkedPeople
from tipdata.linkage.engines import DuckDBEngine
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.scoring import _score

NO_LABELS = pd.DataFrame(columns=["unique_id_l", "unique_id_r"])


@pytest.mark.parametrize("linked_people", ["sqlite"], indirect=True)  # no storage here
def test_an_engine_kept_between_runs_scores_each_runs_own_records(
    linked_people: LinkedPeople,
) -> None:
    """``train_small`` leaves its candidate pairs in Splink's cache for the run's predict;
    the next run on the same engine (a Spark session is kept so) must block its own."""
    table = linkage_table(load_person_records(linked_people.db))
    first_half = table[table["unique_id"].isin(linked_people.ids[:5])]
    second_half = table[table["unique_id"].isin(linked_people.ids[5:])]
    engine = DuckDBEngine()

    first, _model, _labelled = _score(engine, first_half, 0.1, 1, lambda *_: None, NO_LABELS)
    second, _model, _labelled = _score(engine, second_half, 0.1, 1, lambda *_: None, NO_LABELS)

    engine.close()
    ids = linked_people.ids
    pairs = {
        run: {(int(a), int(b)) for a, b in scored[["unique_id_l", "unique_id_r"]].to_numpy()}
        for run, scored in (("first", first), ("second", second))
    }
    # P-1, M-1, S-1 (Sok Chanthy) and P-2, M-2 (Nguyen Lan) are in the first half;
    # P-4, S-4 (Keo Sreymom) in the second, with P-3, P-5 and M-6 alone.
    assert {(ids[0], ids[1]), (ids[0], ids[2]), (ids[3], ids[4])} <= pairs["first"]
    assert (ids[6], ids[7]) in pairs["second"]
    assert all(a in ids[5:] and b in ids[5:] for a, b in pairs["second"])
