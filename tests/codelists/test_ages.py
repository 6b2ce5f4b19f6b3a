"""Age groups: every age falls in exactly one band of every scheme."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipdata.codelists import Codelists, age_group, bands


# no deadline: the first example loads the code lists (over a second on the loaded
# machine, which Hypothesis reported as a flaky failure); the bands are what is tested
@settings(deadline=None)
@given(st.integers(min_value=0, max_value=120))
def test_every_age_falls_in_exactly_one_band_per_scheme(age: int) -> None:
    from tipdata.codelists import load_codelists

    groups = load_codelists().age_groups
    for scheme, scheme_bands in groups.schemes.items():
        matching = [b.code for b in scheme_bands if b.contains(age)]
        assert len(matching) == 1, (scheme, age, matching)
    assert age_group(age) == ("child" if age < 18 else "adult")
    assert bands(age)["child_adult"] == age_group(age)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (0, {"child_adult": "child", "band": "0-11", "legal": "under_15"}),
        (11, {"child_adult": "child", "band": "0-11", "legal": "under_15"}),
        (14, {"child_adult": "child", "band": "12-14", "legal": "under_15"}),
        (15, {"child_adult": "child", "band": "15-17", "legal": "15_17"}),
        (17, {"child_adult": "child", "band": "15-17", "legal": "15_17"}),
        (18, {"child_adult": "adult", "band": "18-24", "legal": "adult"}),
        (34, {"child_adult": "adult", "band": "25-34", "legal": "adult"}),
        (49, {"child_adult": "adult", "band": "35-49", "legal": "adult"}),
        (50, {"child_adult": "adult", "band": "50+", "legal": "adult"}),
        (120, {"child_adult": "adult", "band": "50+", "legal": "adult"}),
    ],
)
def test_bands(age: int, expected: dict[str, str]) -> None:
    assert bands(age) == expected


def test_negative_age_is_refused(codelists: Codelists) -> None:
    with pytest.raises(ValueError, match="negative"):
        codelists.age_groups.age_group(-1)
