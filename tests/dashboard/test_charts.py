"""Chart geometry: round axes, labels that fit, heat that follows the counts."""

from stationfinder.dashboard import charts


def test_axis_tops_are_round_numbers():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 10, 11, 180, 2001)] == [1, 1, 5, 10, 10, 20, 200, 5000]


def test_line_chart_maps_values_into_the_plot_and_keeps_labels_apart():
    series = [(f"2025-03-{d:02d}", f"03-{d:02d}", d) for d in range(1, 31)]
    chart = charts.line_chart(series)
    ys = [p["y"] for p in chart.points]
    assert ys == sorted(ys, reverse=True)  # bigger values higher up
    assert chart.points[0]["x"] == charts.PAD_L and chart.points[-1]["x"] == charts.LINE_W - charts.PAD_R
    xs = [label["x"] for label in chart.x_labels]
    assert len(xs) <= 5 and min(b - a for a, b in zip(xs[:-1], xs[1:], strict=True)) >= 60
    assert chart.x_labels[-1]["label"] == "03-30" and chart.x_labels[-1]["anchor"] == "end"
    assert charts.line_chart([]).path == ""


def test_heatmap_shades_by_share_of_the_busiest_cell():
    matrix = [[0] * 24 for _ in range(7)]
    matrix[0][12] = 10
    matrix[6][23] = 5
    heat = charts.heatmap(matrix, ["一", "二", "三", "四", "五", "六", "日"])
    cells = {(c["row"], c["hour"]): c for c in heat.cells}
    assert len(cells) == 168 and heat.top == 10
    assert cells[("一", 12)]["opacity"] == 1.0 and cells[("一", 12)]["dark"]
    assert 0.5 < cells[("日", 23)]["opacity"] < 0.6
    assert cells[("三", 3)]["opacity"] > 0  # empty hours still print as pale cells
