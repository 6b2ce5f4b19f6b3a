"""Charts drawn on the server with matplotlib, as inline SVG (no CDN, small, readable offline).

Drawing one chart costs 0.2-1 s of CPU (text layout), more than the figures behind it, and
a dashboard shows several on every visit. A chart is a pure function of its title, labels
and values, so each function keeps the SVG of the last :data:`CACHED_CHARTS` inputs it
drew (:func:`_remembered`); and as pyplot is not thread-safe, one chart is drawn at a time.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt

_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#404040")
STATUS_COLOURS = {
    "on_time": "#548235",
    "late": "#ffc000",
    "missing": "#c00000",
    "not_due": "#d9d9d9",
}


CACHED_CHARTS = 128
"""How many drawn charts each chart function keeps (a few kB of SVG each)."""

_DRAWING = threading.Lock()
_P = ParamSpec("_P")


def _frozen(value: Any) -> Any:
    """A hashable copy of a chart argument (sequences and mappings, nested)."""
    if isinstance(value, str | int | float | None):  # most of a grid's cells: no ABC check
        return value
    if isinstance(value, Mapping):
        return tuple((key, _frozen(item)) for key, item in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(_frozen(item) for item in value)
    return value


def _remembered(draw: Callable[_P, str]) -> Callable[_P, str]:
    """Keep the SVG of the last :data:`CACHED_CHARTS` distinct inputs of a chart function."""
    drawn: OrderedDict[Any, str] = OrderedDict()

    @functools.wraps(draw)
    def remembered(*args: _P.args, **kwargs: _P.kwargs) -> str:
        key = (_frozen(args), _frozen(sorted(kwargs.items())))
        with _DRAWING:
            if key in drawn:
                drawn.move_to_end(key)
                return drawn[key]
            svg = draw(*args, **kwargs)
            drawn[key] = svg
            if len(drawn) > CACHED_CHARTS:
                drawn.popitem(last=False)
        return svg

    return remembered


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


@_remembered
def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    naive: Sequence[int] | None = None,
    horizontal: bool = False,
) -> str:
    """A bar chart as SVG text; ``naive`` adds a lighter bar for the naive sum of agency records.

    Suppressed values (None) are drawn as empty bars marked "x".
    """
    figure, axes = plt.subplots(figsize=(7, max(2.5, 0.35 * len(labels)) if horizontal else 3.2))
    positions = list(range(len(labels)))
    shown = [v or 0 for v in values]
    width = 0.4 if naive is not None else 0.7
    draw = axes.barh if horizontal else axes.bar
    draw(positions, shown, width, color=_COLOURS[0], label="persons (de-duplicated)")
    if naive is not None:
        shifted = [p + width for p in positions]
        draw(shifted, list(naive), width, color="#9dc3e6", label="agency records (naive sum)")
        axes.legend(fontsize=8)
    for position, value in zip(positions, values, strict=True):
        if value is None:
            if horizontal:
                axes.text(0, position, " x", va="center")
            else:
                axes.text(position, 0, "x", ha="center", va="bottom")
    ticks = [p + (width / 2 if naive is not None else 0) for p in positions]
    if horizontal:
        axes.set_yticks(ticks, labels, fontsize=8)
        axes.invert_yaxis()
    else:
        axes.set_xticks(
            ticks, labels, rotation=45 if len(labels) > 6 else 0, ha="right", fontsize=8
        )
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


@_remembered
def line_chart(title: str, labels: Sequence[str], values: Sequence[int | None]) -> str:
    """A line chart (trend by month) as SVG text; suppressed months are gaps."""
    figure, axes = plt.subplots(figsize=(7, 3))
    axes.plot(
        list(labels),
        [float("nan") if v is None else v for v in values],
        marker="o",
        color=_COLOURS[0],
    )
    axes.set_title(title, fontsize=10)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


@_remembered
def funnel_chart(title: str, stages: Sequence[str], values: Sequence[int | None]) -> str:
    """The victim pathway funnel (identified → ... → reintegrated) as SVG text."""
    figure, axes = plt.subplots(figsize=(7, 0.6 * len(stages) + 1))
    top = max((v or 0) for v in values) or 1
    for index, (stage, value) in enumerate(zip(stages, values, strict=True)):
        width = (value or 0) / top
        axes.barh(index, width, left=(1 - width) / 2, color=_COLOURS[index % len(_COLOURS)])
        axes.text(
            0.5,
            index,
            f"{stage}: {'x' if value is None else value}",
            ha="center",
            va="center",
            color="white" if width > 0.4 else "black",
            fontsize=9,
        )
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.axis("off")
    axes.set_title(title, fontsize=10)
    return _svg(figure)


@_remembered
def completeness_grid(title: str, grid: Mapping[str, Mapping[str, str]]) -> str:
    """Provinces × periods, each square coloured by status (on_time, late, missing, not_due)."""
    provinces = list(grid)
    periods = sorted({p for row in grid.values() for p in row})
    figure, axes = plt.subplots(
        figsize=(max(6, 0.28 * len(periods) + 2), 0.28 * len(provinces) + 1)
    )
    for y, province in enumerate(provinces):
        for x, period in enumerate(periods):
            status = grid[province].get(period, "not_due")
            axes.add_patch(
                plt.Rectangle((x, y), 0.9, 0.9, color=STATUS_COLOURS.get(status, "#d9d9d9"))
            )
    axes.set_xlim(0, len(periods))
    axes.set_ylim(len(provinces), 0)
    axes.set_xticks([x + 0.45 for x in range(len(periods))], periods, rotation=90, fontsize=6)
    axes.set_yticks([y + 0.45 for y in range(len(provinces))], provinces, fontsize=7)
    axes.set_title(title + " (green on time, yellow late, red missing)", fontsize=10)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    return _svg(figure)
