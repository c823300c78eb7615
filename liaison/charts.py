"""Small server-drawn SVG charts (no JavaScript, no CDN); each comes with its numbers."""

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    series: int


@dataclass
class Chart:
    title: str
    labels: list[str]
    series: list[tuple[str, list]]
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    label_y: float = HEIGHT - 10

    @property
    def label_positions(self):
        step = (self.width - LEFT - RIGHT) / max(len(self.labels), 1)
        return [(LEFT + step * (i + 0.5), label) for i, label in enumerate(self.labels)]


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list]]) -> Chart:
    """Grouped bars: one group per label, one bar per series (None counts as no bar).

    Counts (every value an int) get whole-number ticks; measures may have fractional ones.
    """
    values = [v for _name, data in series for v in data if v is not None]
    integer = all(isinstance(v, int) for v in values)
    top, step = _scale(max(values + [0]), integer=integer)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars = []
    for s, (_name, data) in enumerate(series):
        for i, value in enumerate(data):
            if value is None:
                continue
            h = plot_h * value / top
            x = LEFT + group_w * i + group_w * 0.1 + bar_w * s
            y = round(TOP + plot_h - h, 1)
            bars.append(Bar(round(x, 1), y, round(bar_w, 1), round(h, 1), value, labels[i], s))
    ticks = [
        (round(TOP + plot_h - plot_h * k * step / top, 1), _fmt(k * step))
        for k in range(round(top / step) + 1)
    ]
    return Chart(title, labels, series, bars, ticks)


def _scale(highest: float, *, integer: bool) -> tuple[float, float]:
    """A round top for the axis and the step between its ticks (at most five steps).

    For counts the step is a whole number, so no tick reads 1.2 or 3.8.
    """
    highest = highest if highest > 0 else 1
    raw = highest / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = round(multiple * magnitude, 10)
        if integer and (candidate < 1 or not float(candidate).is_integer()):
            continue
        if candidate >= raw:
            step = candidate
            break
    if integer:
        step = max(1, int(step))
    return step * math.ceil(highest / step - 1e-9), step


def top_series(
    rows: list[tuple[object, list[int]]], *, keep: int, other: str
) -> list[tuple[str, list[int]]]:
    """Every row as a series when they fit; else the `keep` largest and one "other" series
    that sums the rest, so that no category goes missing from the chart. A row already
    named like "other" (the 其他 category) joins that series rather than standing twice."""
    if len(rows) <= keep + 1:
        return [(str(name), values) for name, values in rows]
    ranked = sorted((row for row in rows if str(row[0]) != other), key=lambda row: -sum(row[1]))
    rest = [values for _name, values in ranked[keep:]]
    rest += [values for name, values in rows if str(name) == other]
    return [(str(name), values) for name, values in ranked[:keep]] + [
        (other, [sum(month) for month in zip(*rest, strict=True)])
    ]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
