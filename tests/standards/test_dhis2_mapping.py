"""The DHIS2 mapping file: the shipped one covers the data set; mistakes name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.standards.dhis2_mapping import DEFAULT_MAPPING, MappingError, load_mapping


def test_the_shipped_mapping_covers_every_element_leaf_and_province() -> None:
    mapping = load_mapping()
    assert mapping.leaves("victims_identified") == (
        "female_child",
        "female_adult",
        "male_child",
        "male_adult",
    )
    assert mapping.leaves("suspects_arrested") == ("total",)
    assert len(mapping.definition.org_units) == 25
    assert mapping.lookup("org unit", "KH_PROV_25") == "25"
    assert (
        mapping.lookup("category option combo", mapping.combo_id("male_adult", "uid"))
        == "male_adult"
    )
    assert mapping.lookup("category option combo", "FEMALE") is None  # margins have none


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_MAPPING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mapping.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  male_adult: {uid:",
            "  male: {uid:",
            "leaf disaggregation has no category option combo",
        ),
        ('  "25": {uid:', '  "99": {uid:', "province has no org unit"),
        ("code: TIP_VICTIMS_REFERRED", "code: TIP_VICTIMS_IDENTIFIED", "code also used by"),
        ("{uid: oJFmlveYn63", "{uid: 1bad", "String should match pattern"),
    ],
)
def test_mistakes_are_refused_naming_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(Exception) as caught:
        load_mapping(path)
    assert isinstance(caught.value, MappingError) or type(caught.value).__name__ == "CodelistError"
    assert str(path) in str(caught.value) and "line" in str(caught.value)
    assert message in str(caught.value)
