"""Geometry of the dashboard's server-rendered SVG charts; templates/dashboard/_charts.html draws them.

Charts use a fixed viewBox and scale to the page width, so they read on a phone
and print on A4 without any script.
"""

import math
from dataclasses import dataclass, field

LINE_W, LINE_H = 480, 250
PAD_L, PAD_R, PAD_T, PAD_B = 56, 12, 14, 40
CELL = 24
HEAT_PAD_L, HEAT_PAD_T = 56, 26


def nice_max(value: int) -> int:
    """Return a round axis maximum at or above a value (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


@dataclass
class LineChart:
    width: int = LINE_W
    height: int = LINE_H
    points: list[dict] = field(default_factory=list)
    path: str = ""
    area: str = ""
    y_ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    base_y: float = 0.0


def line_chart(series: list[tuple[str, str, int]]) -> LineChart:
    """Return the geometry of a line chart of (key, label, value) points in order."""
    chart = LineChart()
    plot_w, plot_h = LINE_W - PAD_L - PAD_R, LINE_H - PAD_T - PAD_B
    top = nice_max(max((v for _k, _l, v in series), default=0))
    n = len(series)
    chart.base_y = PAD_T + plot_h

    def x(i):
        return PAD_L + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v):
        return PAD_T + plot_h - plot_h * v / top

    for i, (key, label, value) in enumerate(series):
        chart.points.append(
            {"x": round(x(i), 1), "y": round(y(value), 1), "key": key, "label": label, "value": value}
        )
    if chart.points:
        coords = " ".join(f"{p['x']},{p['y']}" for p in chart.points)
        chart.path = "M" + coords.replace(" ", " L")
        first, last = chart.points[0], chart.points[-1]
        chart.area = f"{chart.path} L{last['x']},{chart.base_y} L{first['x']},{chart.base_y} Z"
    for step in range(5):
        value = top * step / 4
        chart.y_ticks.append(
            {"y": round(y(value), 1), "label": f"{value:,.0f}" if top >= 4 else f"{value:g}"}
        )
    if n:
        # Four or five labels fit a phone's width without touching.
        every = max(1, math.ceil(n / 4))
        picks = sorted({*range(0, n, every), n - 1})
        if len(picks) > 2 and picks[-1] - picks[-2] < every * 0.8:
            picks.pop(-2)
        anchors = {picks[0]: "start", picks[-1]: "end"} if len(picks) > 1 else {}
        chart.x_labels = [
            {"x": round(x(i), 1), "label": series[i][1], "anchor": anchors.get(i, "middle")} for i in picks
        ]
    return chart


@dataclass
class Heatmap:
    width: int
    height: int
    cells: list[dict]
    rows: list[dict]
    columns: list[dict]
    top: int


def heatmap(matrix: list[list[int]], row_labels: list[str]) -> Heatmap:
    """Return the geometry of a weekday × hour heatmap; darker cells hold more check-ins."""
    top = max((v for row in matrix for v in row), default=0)
    cells = []
    for r, row in enumerate(matrix):
        for h, value in enumerate(row):
            share = value / top if top else 0
            cells.append(
                {
                    "x": HEAT_PAD_L + h * CELL,
                    "y": HEAT_PAD_T + r * CELL,
                    "value": value,
                    "row": row_labels[r],
                    "hour": h,
                    # Never fully transparent: an empty hour still shows as a pale cell on paper.
                    "opacity": round(0.06 + 0.94 * share, 3),
                    "dark": share > 0.55,
                }
            )
    rows = [{"y": HEAT_PAD_T + r * CELL + CELL / 2, "label": label} for r, label in enumerate(row_labels)]
    columns = [{"x": HEAT_PAD_L + h * CELL + CELL / 2, "label": f"{h:02d}"} for h in range(0, 24, 3)]
    return Heatmap(HEAT_PAD_L + 24 * CELL + 4, HEAT_PAD_T + 7 * CELL + 4, cells, rows, columns, top)


def share(value: int, total: int) -> float:
    """Return value as a percentage of total (0 when total is 0), for bar widths."""
    return round(100.0 * value / total, 1) if total else 0.0
