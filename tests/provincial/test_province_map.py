"""The province map: one shape per province of the code list and the reverse; shades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tipdata.codelists import load_codelists
from tipdata.errors import DataFileError
from tipdata.provincial.province_map import BOUNDARIES, choropleth, province_shapes


def test_every_province_has_exactly_one_shape_and_every_shape_a_province() -> None:
    codes = sorted(p.code for p in load_codelists().all_provinces)
    shapes = province_shapes()
    assert [s.code for s in shapes.shapes] == codes
    assert all(s.path.startswith("M") and s.path.endswith("Z") for s in shapes.shapes)
    assert 0 < shapes.height < shapes.width  # Cambodia is wider than tall
    names = {f["properties"]["code"]: f["properties"]["name"] for f in
             json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]}  # fmt: skip
    assert names["12"] == "Phnom Penh" and names["25"] == "Tbong Khmum"


def test_phnom_penh_is_drawn_inside_kandal_where_it_lies() -> None:
    shapes = {s.code: s for s in province_shapes().shapes}
    capital, kandal = shapes["12"], shapes["08"]
    assert abs(capital.label_x - kandal.label_x) < 40 and abs(capital.label_y - kandal.label_y) < 40


def test_shades_rank_the_provinces_with_a_figure_and_leave_the_others_grey() -> None:
    shaded = {s.shape.code: (s.value, s.shade) for s in choropleth({"01": 0, "02": 5, "03": 5})}
    assert shaded["01"] == (0, 1)
    assert shaded["02"] == shaded["03"] == (5, 4)  # ties share a shade
    assert shaded["12"] == (None, 0)


def test_a_broken_boundaries_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken\.geojson"):
        province_shapes(broken)
