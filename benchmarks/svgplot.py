"""A small SVG line chart, for benchmark plots when matplotlib is not installed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = (
    "#3f51b5",
    "#e91e63",
    "#009688",
    "#ff9800",
    "#795548",
    "#9c27b0",
    "#607d8b",
    "#8bc34a",
    "#f44336",
    "#000000",
)
WIDTH, HEIGHT, MARGIN = 460, 300, 56


def _panel(
    x0: int, title: str, unit: str, xs: Sequence[float], series: dict[str, Sequence[float]]
) -> list[str]:
    """Draw one chart of several series against the same x values, at horizontal offset x0."""
    top = max((max(v) for v in series.values() if v), default=1) * 1.1 or 1
    right = max(xs) * 1.05 or 1
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + MARGIN + plot_w * x / right, MARGIN + plot_h * (1 - y / top)

    out = [
        f'<text x="{x0 + WIDTH / 2}" y="24" text-anchor="middle" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="{x0 + MARGIN}" y1="{MARGIN + plot_h}" x2="{x0 + MARGIN + plot_w}" '
        f'y2="{MARGIN + plot_h}" stroke="#444"/>',
        f'<line x1="{x0 + MARGIN}" y1="{MARGIN}" x2="{x0 + MARGIN}" y2="{MARGIN + plot_h}" '
        f'stroke="#444"/>',
        f'<text x="{x0 + WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">papers</text>',
        f'<text x="{x0 + 14}" y="{MARGIN - 10}">{escape(unit)}</text>',
    ]
    for tick in range(5):
        value = top * tick / 4
        _, y = at(0, value)
        out.append(
            f'<text x="{x0 + MARGIN - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{value:,.0f}</text>"
        )
    for x in xs:
        px, _ = at(x, 0)
        out.append(
            f'<text x="{px:.1f}" y="{MARGIN + plot_h + 16}" text-anchor="middle" '
            f'font-size="11">{x:,.0f}</text>'
        )
    for index, (name, ys) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(
            f"{a:.1f},{b:.1f}" for a, b in (at(x, y) for x, y in zip(xs, ys, strict=True))
        )
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for a, b in (at(x, y) for x, y in zip(xs, ys, strict=True)):
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>')
        out.append(
            f'<text x="{x0 + MARGIN + 8}" y="{MARGIN + 14 + 15 * index}" fill="{colour}" '
            f'font-size="12">{escape(name)}</text>'
        )
    return out


def line_charts(
    panels: Sequence[tuple[str, str, Sequence[float], dict[str, Sequence[float]]]],
) -> str:
    """Return an SVG of charts side by side: each (title, unit, xs, {name: ys})."""
    body = []
    for index, (title, unit, xs, series) in enumerate(panels):
        body += _panel(index * WIDTH, title, unit, xs, series)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(panels)}" '
        f'height="{HEIGHT}" font-family="sans-serif" font-size="13">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )
