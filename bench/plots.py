"""The report's pictures: every target and baseline of one run on the same axes, as PNG.

Drawn by the bench from the figures it just measured (never edited by hand), with matplotlib's
Agg backend chosen when a plot is made rather than at import time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: (x, y) points of one line; a missing y (a run that failed) leaves a gap.
Points = Sequence[tuple[float, float | None]]
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plot:
    """One chart: labelled lines over a shared x axis."""

    title: str
    xlabel: str
    ylabel: str
    series: Mapping[str, Points]
    logx: bool = True
    logy: bool = False
    #: Horizontal lines with a label, such as a target.
    marks: Mapping[str, float] = field(default_factory=dict)


def draw(plot: Plot, path: Path) -> Path | None:
    """Write the chart to path as PNG; return it, or None when there is nothing to draw."""
    lines = {
        label: [(x, y) for x, y in points if y is not None] for label, points in plot.series.items()
    }
    lines = {label: points for label, points in lines.items() if points}
    if not lines:
        return None
    import matplotlib  # noqa: PLC0415 (no backend is chosen at import time)

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, axes = pyplot.subplots(figsize=(7.5, 4.5), dpi=100)
    try:
        for index, (label, points) in enumerate(lines.items()):
            xs, ys = zip(*sorted(points), strict=True)
            axes.plot(xs, ys, marker=MARKERS[index % len(MARKERS)], label=label, linewidth=1.5)
        for label, value in plot.marks.items():
            axes.axhline(value, linestyle="--", linewidth=1, color="grey")
            axes.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), fontsize=8,
                          va="bottom", color="grey")  # fmt: skip
        if plot.logx:
            axes.set_xscale("log")
        if plot.logy:
            axes.set_yscale("log")
        xs_all = sorted({x for points in lines.values() for x, _ in points})
        axes.set_xticks(xs_all, [f"{x:,.0f}" for x in xs_all])
        axes.minorticks_off()
        axes.set_title(plot.title, fontsize=11)
        axes.set_xlabel(plot.xlabel)
        axes.set_ylabel(plot.ylabel)
        axes.grid(True, which="major", alpha=0.3)
        axes.legend(fontsize=8, loc="best")
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png", metadata={"Software": None})
    finally:
        pyplot.close(figure)
    return path


def markdown(path: Path, relative_to: Path, alt: str) -> str:
    """Return the Markdown that shows the picture from a file in relative_to."""
    try:
        shown = path.relative_to(relative_to)
    except ValueError:
        shown = path
    return f"![{alt}]({shown.as_posix()})"


def from_table(
    rows: Mapping[str, Mapping[int, float | None]], *, scale: float = 1.0
) -> dict[str, list[tuple[float, float | None]]]:
    """Return series from {label: {x: y}} figures, y multiplied by scale (s -> ms, say)."""
    return {
        label: [(float(x), None if y is None else y * scale) for x, y in sorted(points.items())]
        for label, points in rows.items()
    }
