"""Small inline SVG charts (line and bar) for self-contained HTML reports: no JavaScript, nothing fetched.

Amounts on axes and bars are written by the caller's `amount` function (the report's currency). Charts scale
with their container (a viewBox), so a page can shrink them to fit a printed page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

_LEFT, _RIGHT, _TOP, _BOTTOM = 84, 30, 34, 44
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_BAR_ROW = 22  # height of one horizontal bar's row
_CHAR_WIDTH = 6.6  # of an 11 px label, about: how wide the label column must be
Amount = Callable[[float], str]


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]
    color: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^n steps) covering [low, high], including zero when it is inside."""
    if high <= low:
        high, low = low + 1, low - 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


class _Frame:
    """Maps data values to SVG coordinates and draws the y grid."""

    def __init__(self, width: int, height: int, values: Sequence[float], amount: Amount) -> None:
        self.width, self.height = width, height
        self.amount = amount
        low, high = min([0.0, *values]), max([0.0, *values])
        self.ticks = nice_ticks(low, high)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.plot_width = width - _LEFT - _RIGHT
        self.plot_height = height - _TOP - _BOTTOM

    def y(self, value: float) -> float:
        return _TOP + (self.high - value) / (self.high - self.low) * self.plot_height

    def grid(self) -> list[str]:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            stroke = "#444" if tick == 0 else "#ddd"
            parts.append(f'<line x1="{_LEFT}" x2="{self.width - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="{stroke}" stroke-width="1"/>')
            parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT} fill="#333">'
                         f'{escape(self.amount(tick))}</text>')
        return parts


def _open(width: int, height: int, title: str, css_class: str) -> list[str]:
    return [f'<svg class="chart {css_class}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text x="{_LEFT}" y="20" font-family="system-ui, sans-serif" font-size="13" font-weight="600" '
            f'fill="#111">{escape(title)}</text>']


def _x_labels(labels: Sequence[str], xs: Sequence[float], height: int) -> list[str]:
    every = max(1, math.ceil(len(labels) / 12))
    return [f'<text x="{x:.1f}" y="{height - _BOTTOM + 16}" text-anchor="middle" {_FONT} fill="#333">'
            f"{escape(label)}</text>" for i, (label, x) in enumerate(zip(labels, xs, strict=True)) if i % every == 0]


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, css_class: str, amount: Amount,
               width: int = 760, height: int = 300) -> str:
    """Lines over shared x labels (e.g. cumulative cash per month), with a zero line and a legend."""
    frame = _Frame(width, height, [v for s in series for v in s.values], amount)
    step = frame.plot_width / max(1, len(labels) - 1)
    xs = [_LEFT + i * step for i in range(len(labels))]
    parts = _open(width, height, title, css_class) + frame.grid() + _x_labels(labels, xs, height)
    for index, line in enumerate(series):
        points = " L ".join(f"{x:.1f},{frame.y(v):.1f}" for x, v in zip(xs, line.values, strict=True))
        parts.append(f'<path class="series" data-series="{escape(line.name)}" d="M {points}" fill="none" '
                     f'stroke="{line.color}" stroke-width="2.5" stroke-linejoin="round"/>')
        for x, v in zip(xs, line.values, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{frame.y(v):.1f}" r="2.5" fill="{line.color}"/>')
        legend_x = width - _RIGHT - 130 * (len(series) - index)
        parts.append(f'<rect x="{legend_x}" y="10" width="14" height="4" fill="{line.color}"/>'
                     f'<text x="{legend_x + 20}" y="16" {_FONT} fill="#111">{escape(line.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, css_class: str, amount: Amount,
              width: int = 760, positive: str = "#2e7d32", negative: str = "#c62828") -> str:
    """Horizontal bars from zero (green right, red left), one row per label, each row labelled on the left and
    its amount written beside its bar: every category stays readable however many there are (the chart grows
    in height instead)."""
    label_width = min(260, max(40, round(max((len(label) for label in labels), default=0) * _CHAR_WIDTH) + 12))
    left, right, top, bottom = label_width, 84, _TOP + 4, 30
    height = top + _BAR_ROW * max(1, len(values)) + bottom
    low, high = min([0.0, *values]), max([0.0, *values])
    ticks = nice_ticks(low, high, 4)
    low, high = ticks[0], ticks[-1]
    plot = width - left - right

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * plot

    parts = _open(width, height, title, css_class)
    axis_y = top + _BAR_ROW * len(values)
    for tick in ticks:
        stroke = "#444" if tick == 0 else "#ddd"
        parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{axis_y + 2}" '
                     f'stroke="{stroke}" stroke-width="1"/>'
                     f'<text x="{x(tick):.1f}" y="{axis_y + 16}" text-anchor="middle" {_FONT} fill="#333">'
                     f"{escape(amount(tick))}</text>")
    zero = x(0.0)
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row * _BAR_ROW
        end = x(value)
        size = max(abs(end - zero), 1.0)
        colour = positive if value >= 0 else negative
        text = f"{label}: {amount(value)}"
        parts.append(f'<text class="bar-label" x="{left - 8}" y="{y + 15}" text-anchor="end" {_FONT} '
                     f'fill="#111">{escape(label)}</text>'
                     f'<rect class="bar" x="{min(zero, end):.1f}" y="{y + 4}" width="{size:.1f}" '
                     f'height="{_BAR_ROW - 8}" fill="{colour}"><title>{escape(text)}</title></rect>'
                     # The amount right of the bar, or right of zero for a loss: never over the labels.
                     f'<text class="bar-value" x="{(end if value >= 0 else zero) + 4:.1f}" y="{y + 15}" '
                     f'{_FONT} fill="#333">{escape(amount(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)
