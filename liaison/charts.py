"""Small server-drawn SVG charts (no JavaScript, no CDN); each comes with its numbers."""

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
    """Grouped bars: one group per label, one bar per series (None counts as no bar)."""
    values = [v for _name, data in series for v in data if v is not None]
    top = max(values + [1])
    nice = _nice(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars = []
    for s, (_name, data) in enumerate(series):
        for i, value in enumerate(data):
            if value is None:
                continue
            h = plot_h * value / nice
            x = LEFT + group_w * i + group_w * 0.1 + bar_w * s
            y = round(TOP + plot_h - h, 1)
            bars.append(Bar(round(x, 1), y, round(bar_w, 1), round(h, 1), value, labels[i], s))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), _fmt(nice * k / 4)) for k in range(5)]
    return Chart(title, labels, series, bars, ticks)


def _nice(value: float) -> float:
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
