"""A chart is drawn once per distinct input: the same figures give the kept SVG, new ones a new."""

from __future__ import annotations

from unittest import mock

from tipdata.reporting.render import charts


def test_the_same_chart_is_drawn_once_and_new_figures_are_drawn_again() -> None:
    labels, values = ["Jan", "Feb"], [3, None]
    with mock.patch.object(charts, "_svg", wraps=charts._svg) as drawn:
        first = charts.line_chart("Trend of a test", labels, values)
        again = charts.line_chart("Trend of a test", list(labels), list(values))
        assert drawn.call_count == 1 and again == first
        changed = charts.line_chart("Trend of a test", labels, [3, 4])
        assert drawn.call_count == 2 and changed != first
        grid = charts.completeness_grid("Grid of a test", {"01": {"BW01": "late"}})
        other = charts.completeness_grid("Grid of a test", {"01": {"BW01": "on_time"}})
        assert drawn.call_count == 4 and grid != other
        assert charts.completeness_grid("Grid of a test", {"01": {"BW01": "late"}}) == grid
        assert drawn.call_count == 4


def test_the_kept_charts_are_bounded() -> None:
    with mock.patch.object(charts, "_svg", return_value="<svg/>") as drawn:
        for number in range(charts.CACHED_CHARTS + 1):
            charts.funnel_chart(f"Funnel {number}", ["a"], [number])
        charts.funnel_chart("Funnel 0", ["a"], [0])  # the oldest was dropped: drawn again
        assert drawn.call_count == charts.CACHED_CHARTS + 2
