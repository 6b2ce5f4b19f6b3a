"""A map of Cambodia's provinces for figures per province, drawn as SVG on the server.

The boundaries are data: ``boundaries/khm_adm1.geojson`` (geoBoundaries, CC BY 4.0,
simplified; ``boundaries/SOURCE.md`` says where from and how). :func:`province_shapes`
projects them once (equirectangular, longitude scaled by the cosine of the middle
latitude) into SVG path data in a fixed view box; :func:`choropleth` puts a figure per
province into five classes (quantiles of the provinces with a figure), so a page sends
a few kilobytes of paths and no script.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tipdata.errors import DataFileError

BOUNDARIES = Path(__file__).resolve().parent / "boundaries" / "khm_adm1.geojson"
"""The simplified province boundaries shipped with tipdata."""

ATTRIBUTION = "Boundaries: geoBoundaries (CC BY 4.0), simplified"
"""Shown under every map, as the licence asks."""

WIDTH = 600
"""Width of the SVG view box; the height follows the country's shape."""

CLASSES = 5
"""Number of shades of a choropleth."""


@dataclass(frozen=True)
class Shape:
    """One province drawn: its code, SVG path data and where its label goes."""

    code: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Shapes:
    """Every province drawn in one view box."""

    width: int
    height: int
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Shaded:
    """A province with its figure and shade (0 = no figure, 1..5 low to high)."""

    shape: Shape
    value: int | None
    shade: int


def _rings(feature: Mapping[str, object], path: Path) -> list[list[list[float]]]:
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "MultiPolygon":
        raise DataFileError(path, "every feature must be a MultiPolygon")
    return [polygon[0] for polygon in geometry["coordinates"]]


@functools.cache
def province_shapes(path: Path = BOUNDARIES) -> Shapes:
    """The provinces as SVG paths (read and projected once per process).

    Raises:
        DataFileError: the file is not the expected GeoJSON; the message names it.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        features = document["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataFileError(path, f"cannot read the boundaries: {error}") from None
    rings = {str(f["properties"]["code"]): _rings(f, path) for f in features}
    points = [p for shapes in rings.values() for ring in shapes for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * stretch)
    height = round((north - south) * scale)

    def xy(point: Sequence[float]) -> tuple[float, float]:
        return (point[0] - west) * stretch * scale, (north - point[1]) * scale

    shapes = []
    for code, polygons in sorted(rings.items()):
        parts = []
        for ring in polygons:
            coords = [xy(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in coords) + "Z")
        largest = max(polygons, key=len)
        xs, ys = zip(*(xy(p) for p in largest[:-1]), strict=True)
        shapes.append(Shape(code, "".join(parts), sum(xs) / len(xs), sum(ys) / len(ys)))
    return Shapes(WIDTH, height, tuple(shapes))


def choropleth(values: Mapping[str, int | None], shapes: Shapes | None = None) -> list[Shaded]:
    """Every province with its figure and a shade from 1 (lowest) to :data:`CLASSES`.

    Shades are quantile classes of the provinces that have a figure; a province without
    one (no report received, or it did not exist) has shade 0.

    Examples:
        >>> shaded = choropleth({"01": 0, "02": 10, "12": 40})
        >>> {s.shape.code: s.shade for s in shaded if s.value is not None}
        {'01': 1, '02': 3, '12': 5}
    """
    drawn = shapes or province_shapes()
    known = sorted(v for v in values.values() if v is not None)
    shaded = []
    for shape in drawn.shapes:
        value = values.get(shape.code)
        if value is None:
            shaded.append(Shaded(shape, None, 0))
            continue
        below = sum(1 for v in known if v < value)
        same = sum(1 for v in known if v == value)
        rank = (below + (same - 1) / 2) / max(len(known) - 1, 1)  # 0..1, ties share
        shaded.append(Shaded(shape, value, 1 + min(CLASSES - 1, int(rank * CLASSES))))
    return shaded


__all__ = ["ATTRIBUTION", "CLASSES", "Shaded", "Shape", "Shapes", "choropleth", "province_shapes"]
