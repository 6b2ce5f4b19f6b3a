"""Tests for tipdata.linkage.features (the linkage table) and the blocking rules on it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipdata.linkage.ages import InvalidAgeError, birth_year_range_from_fields
from tipdata.linkage.blocking import count_pairs_by_rule
from tipdata.linkage.engines import DuckDBEngine
from tipdata.linkage.features import linkage_table
from tipdata.linkage.romanise import key_word, load_key_rules
from tipdata.linkage.settings import BLOCKING_RULES


def records(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Person records as the loader returns them (missing columns are empty)."""
    frame = pd.DataFrame(rows)
    frame["record_id"] = range(1, len(frame) + 1)
    frame["source_record_id"] = frame["record_id"] + 100
    frame["source"] = frame.get("source", "police")
    frame["role"] = frame.get("role", "victim")
    return frame


def test_birth_year_ranges_follow_the_most_precise_field() -> None:
    table = linkage_table(
        records(
            [
                {"full_name": "Sok Dara", "birth_date": date(1990, 5, 1), "birth_year": 1989},
                {"full_name": "Sok Dara", "birth_year": 1989, "age_years": 30},
                {"full_name": "Sok Dara", "age_years": 16, "age_reference_date": date(2008, 3, 7)},
                {
                    "full_name": "Sok Dara",
                    "age_years": 16,
                    "age_reference_date": date(2008, 12, 31),
                },
                {"full_name": "Sok Dara", "age_years": 16},
                {"full_name": "Sok Dara"},
            ]
        )
    )

    ranges = list(zip(table["birth_year_low"], table["birth_year_high"], strict=True))
    assert ranges[:4] == [(1990, 1990), (1989, 1989), (1991, 1992), (1992, 1992)]
    assert [pd.isna(low) and pd.isna(high) for low, high in ranges[4:]] == [True, True]
    assert table["birth_year"].tolist()[:4] == [1990, 1989, 1992, 1992]
    assert table["birth_decade"].tolist()[:4] == [199, 198, 199, 199]


def test_a_negative_age_names_the_record() -> None:
    frame = records(
        [
            {"full_name": "Sok Dara", "age_years": 3, "age_reference_date": date(2008, 1, 1)},
            {"full_name": "Keo Mom", "age_years": -2, "age_reference_date": date(2008, 1, 1)},
        ]
    )

    with pytest.raises(InvalidAgeError, match="person record 2: age must be 0 or more, got -2"):
        linkage_table(frame)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.none() | st.dates(date(1930, 1, 1), date(2010, 12, 31)),
            st.none() | st.integers(1930, 2010),
            st.none() | st.integers(0, 90),
            st.none() | st.dates(date(2000, 1, 1), date(2010, 12, 31)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_ranges_equal_the_rule_of_ages(
    rows: list[tuple[date | None, int | None, int | None, date | None]],
) -> None:
    frame = records(
        [
            {
                "full_name": "Sok Dara",
                "birth_date": b,
                "birth_year": y,
                "age_years": a,
                "age_reference_date": r,
            }
            for b, y, a, r in rows
        ]
    )

    table = linkage_table(frame)

    expected = [
        birth_year_range_from_fields(birth_date=b, birth_year=y, age=a, reference_date=r)
        for b, y, a, r in rows
    ]
    found = [
        None if pd.isna(low) else (int(low), int(high))
        for low, high in zip(table["birth_year_low"], table["birth_year_high"], strict=True)
    ]
    assert found == expected


def test_cached_word_keys_equal_the_rule_table() -> None:
    rules = load_key_rules()
    words = ["sokhar", "chanthy", "chantey", "sreymom", "nguyen", "pech"]

    assert [key_word(w) for w in words] == [key_word(w, rules) for w in words]


def test_blocking_pairs_victims_with_anyone_but_never_two_returnees() -> None:
    table = linkage_table(
        records(
            [
                {"full_name": "Sok Dara", "role": "returnee", "province_code": "01"},
                {"full_name": "Sok Dara", "role": "returnee", "province_code": "01"},
                {"full_name": "Sok Dara", "role": "migrant_worker", "province_code": "01"},
                {"full_name": "Dara Sok", "role": "victim", "province_code": "01"},
                # Courts record no province: suspects pair on one word key alone.
                {"full_name": "Yem Makara", "role": "suspect"},
                {"full_name": "Yim Makara", "role": "suspect", "province_code": "12"},
            ]
        )
    )
    engine = DuckDBEngine()
    try:
        counted = count_pairs_by_rule(engine.register(table, "records"))
    finally:
        engine.close()

    assert len(counted) == len(BLOCKING_RULES)
    # The victim pairs with each of the three others; returnee and worker pairs never;
    # the two suspects through their shared given name.
    assert counted[-1]["cumulative"] == 4


def test_a_departed_worker_meets_the_deportation_list_on_the_country_of_migration() -> None:
    table = linkage_table(
        records(
            [
                # The departure list records no province; the deportation list swaps
                # the name's order. Both name Malaysia.
                {
                    "full_name": "SOK DARA",
                    "role": "migrant_worker",
                    "birth_date": date(1985, 3, 2),
                    "destination_country": "MYS",
                },
                {
                    "full_name": "DARA SOK",
                    "role": "returnee",
                    "birth_date": date(1985, 3, 2),
                    "province_code": "01",
                    "destination_country": "MYS",
                },
                # Another Sok Dara of that year who left for Thailand, and a border
                # returnee who names no country: neither meets the two.
                {
                    "full_name": "Sok Dara",
                    "role": "migrant_worker",
                    "birth_date": date(1985, 7, 9),
                    "destination_country": "THA",
                },
                {"full_name": "Sok Dara", "role": "returnee", "birth_year": 1985},
            ]
        )
    )
    engine = DuckDBEngine()
    try:
        counted = count_pairs_by_rule(engine.register(table, "records"))
    finally:
        engine.close()

    assert table["destination_country"].tolist()[:3] == ["MYS", "MYS", "THA"]
    assert table["birth_date"].tolist()[:3] == ["1985-03-02", "1985-03-02", "1985-07-09"]
    assert counted[-1]["cumulative"] == 1


@pytest.mark.parametrize(
    ("left", "right", "key"),
    [
        # Vietnamese middle names and their initials say little: left out of 3+ words.
        ("Bui Thi Lan", "Bui Lan", "name_sorted_key"),
        ("Dang T. Hoa", "Dang Thi Hoa", "name_sorted_key"),
        ("Tran Van Minh", "Tran V. Minh", "name_sorted_key"),
        # Joined or split words, in any order: the same letters.
        ("Prum Srei Leak", "Prum Sreyleak", "name_letters_key"),
        ("Tep Sam Nang", "Samnang Tep", "name_letters_key"),
        ("SimSokny", "Sim Sokny", "name_compact_key"),
        # Syllables joined or split, keyed as one word (`mal` alone keys as `man`).
        ("Keo Chan Ny", "Keo Channy", "name_compact_key"),
        ("Seng Mal Is", "Seng Malis", "name_compact_key"),
        ("Hor Van Na", "Haur Vanna", "name_compact_key"),
        ("Nget Dany", "Ngetdany", "name_letters_key"),
        # Vowels, a lengthening `r`, aspiration and b/p differ between romanisations.
        ("Pech Srei Neang", "Sreyneang Pich", "name_skeleton_key"),
        ("Lorng Srey Pov", "Loung Sreipov", "name_skeleton_key"),
        ("Korng Bopha", "Kong Popha", "name_skeleton_key"),
    ],
)
def test_name_keys_absorb_how_clerks_write_one_name(left: str, right: str, key: str) -> None:
    table = linkage_table(records([{"full_name": left}, {"full_name": right}]))

    assert table[key][0] == table[key][1]


def test_a_two_word_name_keeps_van_as_a_given_name() -> None:
    table = linkage_table(records([{"full_name": "Sok Van"}, {"full_name": "Sok Vanna"}]))

    assert list(table["name_sorted_key"]) == ["suk van", "suk vana"]


def test_the_record_date_is_the_first_event_of_the_record() -> None:
    table = linkage_table(records([{"full_name": "Sok Dara", "record_date": date(2008, 3, 9)}]))

    assert table["record_date"][0] == pd.Timestamp("2008-03-09")
