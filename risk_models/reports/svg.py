"""Small self-contained SVG charts for the audit report: lines, bars, scatter, heatmap, graph.

Every function returns one ``<svg>`` element as a string, with no script, no external
reference and every piece of text escaped (a feature named ``<script>`` is drawn as text).
Charts are sized by ``viewBox`` so they scale with the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["PALETTE", "bar_chart", "cut", "heatmap", "line_chart", "scatter_chart", "shape_chart"]

PALETTE = (
    "#222222",
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
)
W, H = 380, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 28, 40


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def cut(text: Any, n: int) -> str:
    """``text`` shortened to ``n`` characters (with an ellipsis), before any escaping."""
    t = str(text)
    return t if len(t) <= n else t[: n - 1] + "…"


def _num(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.2g}"
    return f"{v:.3g}"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [round(start + i * step, 12) for i in range(int((hi - start) / step + 1e-9) + 1)]


def _extent(values: Sequence[float], pad: float = 0.05) -> tuple[float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    if hi == lo:
        return lo - 0.5, hi + 0.5
    span = hi - lo
    return lo - pad * span, hi + pad * span


class _Frame:
    """Maps data to pixels inside the plotting area and draws axes."""

    def __init__(self, xr: tuple[float, float], yr: tuple[float, float], w: int, h: int) -> None:
        self.xr, self.yr, self.w, self.h = xr, yr, w, h

    def x(self, v: float) -> float:
        lo, hi = self.xr
        return LEFT + (v - lo) / (hi - lo) * (self.w - LEFT - RIGHT)

    def y(self, v: float) -> float:
        lo, hi = self.yr
        return self.h - BOTTOM - (v - lo) / (hi - lo) * (self.h - TOP - BOTTOM)

    def axes(self, x_label: str, y_label: str, *, x_ticks: bool = True) -> list[str]:
        out = [
            f'<rect x="{LEFT}" y="{TOP}" width="{self.w - LEFT - RIGHT}" '
            f'height="{self.h - TOP - BOTTOM}" fill="none" stroke="#999"/>'
        ]
        for t in _ticks(*self.yr):
            y = self.y(t)
            out.append(
                f'<line x1="{LEFT - 3}" x2="{LEFT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999"/>'
            )
            out.append(f'<text x="{LEFT - 5}" y="{y + 3:.1f}" text-anchor="end">{_num(t)}</text>')
        if x_ticks:
            for t in _ticks(*self.xr):
                x = self.x(t)
                out.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.h - BOTTOM}" '
                    f'y2="{self.h - BOTTOM + 3}" stroke="#999"/>'
                )
                out.append(
                    f'<text x="{x:.1f}" y="{self.h - BOTTOM + 14}" text-anchor="middle">'
                    f"{_num(t)}</text>"
                )
        out.append(
            f'<text x="{(LEFT + self.w - RIGHT) / 2:.1f}" y="{self.h - 6}" '
            f'text-anchor="middle">{_e(x_label)}</text>'
        )
        out.append(
            f'<text transform="translate(12 {(TOP + self.h - BOTTOM) / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle">{_e(y_label)}</text>'
        )
        return out


def _svg(body: list[str], title: str, w: int = W, h: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="img" aria-label="{_e(title)}" class="chart" '
        f'font-family="sans-serif" font-size="10"><title>{_e(title)}</title>'
        f'<text x="{w / 2:.1f}" y="16" text-anchor="middle" font-size="12" font-weight="bold">'
        f"{_e(title)}</text>" + "".join(body) + "</svg>"
    )


def _legend(names: Sequence[str], colors: Sequence[str], w: int) -> list[str]:
    out = []
    for i, (name, color) in enumerate(zip(names, colors, strict=True)):
        y = TOP + 10 + 12 * i
        out.append(f'<rect x="{w - RIGHT - 90}" y="{y - 7}" width="8" height="8" fill="{color}"/>')
        out.append(f'<text x="{w - RIGHT - 78}" y="{y}">{_e(cut(name, 22))}</text>')
    return out


def _path(frame: _Frame, xs: Sequence[float], ys: Sequence[float]) -> str:
    pts = [
        f"{frame.x(x):.1f},{frame.y(y):.1f}"
        for x, y in zip(xs, ys, strict=True)
        if x is not None and y is not None
    ]
    return "M" + " L".join(pts) if pts else ""


def line_chart(
    series: Sequence[dict[str, Any]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    diagonal: bool = False,
) -> str:
    """Lines (one per series: ``name``, ``x``, ``y``, optional ``low``/``high`` band).

    Parameters
    ----------
    series:
        The lines, drawn in :data:`PALETTE` order (first = teacher, black).
    title, x_label, y_label:
        Text of the chart (escaped).
    x_range, y_range:
        Axis ranges; default the data's extent.
    diagonal:
        Draw the dashed ``y = x`` reference (ROC, calibration).

    Returns
    -------
    str
        One ``<svg>`` element.
    """
    xs = [v for s in series for v in s["x"]]
    ys = [v for s in series for v in [*s["y"], *s.get("low", []), *s.get("high", [])]]
    frame = _Frame(x_range or _extent(xs), y_range or _extent(ys), W, H)
    body = frame.axes(x_label, y_label)
    if diagonal:
        lo = max(frame.xr[0], frame.yr[0])
        hi = min(frame.xr[1], frame.yr[1])
        body.append(
            f'<path d="{_path(frame, [lo, hi], [lo, hi])}" stroke="#aaa" stroke-dasharray="4 3" '
            'fill="none"/>'
        )
    colors = [s.get("color") or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    for s, color in zip(series, colors, strict=True):
        if s.get("low") and s.get("high"):
            upper = _path(frame, s["x"], s["high"])
            lower = _path(frame, list(reversed(s["x"])), list(reversed(s["low"])))
            body.append(f'<path d="{upper} L{lower[1:]} Z" fill="{color}" opacity="0.15"/>')
        body.append(
            f'<path d="{_path(frame, s["x"], s["y"])}" stroke="{color}" stroke-width="1.6" '
            'fill="none"/>'
        )
    body += _legend([s["name"] for s in series], colors, W)
    return _svg(body, title)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[dict[str, Any]],
    *,
    title: str,
    x_label: str,
    y_label: str,
) -> str:
    """Grouped bars: one group per category, one bar per series (``name``, ``values``)."""
    values = [v for s in series for v in s["values"] if v is not None]
    frame = _Frame((0.0, float(len(categories))), (0.0, _extent([*values, 0.0])[1]), W, H)
    body = frame.axes(x_label, y_label, x_ticks=False)
    width = 0.8 / max(len(series), 1)
    colors = [s.get("color") or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    for j, (s, color) in enumerate(zip(series, colors, strict=True)):
        for i, v in enumerate(s["values"]):
            if v is None:
                continue
            x0 = frame.x(i + 0.1 + j * width)
            x1 = frame.x(i + 0.1 + (j + 1) * width)
            y = frame.y(v)
            body.append(
                f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
                f'height="{frame.y(0) - y:.1f}" fill="{color}"/>'
            )
    for i, c in enumerate(categories):
        body.append(
            f'<text x="{frame.x(i + 0.5):.1f}" y="{H - BOTTOM + 12}" text-anchor="middle">'
            f"{_e(cut(c, 10))}</text>"
        )
    body += _legend([s["name"] for s in series], colors, W)
    return _svg(body, title)


def shape_chart(
    labels: Sequence[str],
    values: Sequence[float],
    counts: Sequence[int],
    *,
    title: str,
    y_label: str = "log-odds contribution",
) -> str:
    """A term's shape: contribution per bin (bars from zero) over the bins' training counts."""
    n = len(values)
    h = 270
    frame = _Frame((0.0, float(max(n, 1))), _extent([*values, 0.0]), W, h - 50)
    body = frame.axes("", y_label, x_ticks=False)
    zero = frame.y(0.0)
    body.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#666"/>'
    )
    cmax = max([c for c in counts if c is not None] + [1])
    for i, (v, c) in enumerate(zip(values, counts, strict=True)):
        x0, x1 = frame.x(i + 0.1), frame.x(i + 0.9)
        y = frame.y(v)
        color = "#d62728" if v > 0 else "#1f77b4"
        body.append(
            f'<rect x="{x0:.1f}" y="{min(y, zero):.1f}" width="{x1 - x0:.1f}" '
            f'height="{max(abs(zero - y), 0.5):.1f}" fill="{color}"><title>{_e(labels[i])}: '
            f"{_num(v)} log-odds, {c} rows</title></rect>"
        )
        bar = 34 * (c or 0) / cmax
        body.append(
            f'<rect x="{x0:.1f}" y="{h - 12 - bar:.1f}" width="{x1 - x0:.1f}" height="{bar:.1f}" '
            'fill="#bbb"/>'
        )
    body.append(f'<text x="{LEFT - 5}" y="{h - 14}" text-anchor="end">rows</text>')
    step = max(1, math.ceil(n / 6))
    for i in range(0, n, step):
        body.append(
            f'<text x="{frame.x(i + 0.5):.1f}" y="{h - 50 - BOTTOM + 14}" text-anchor="middle">'
            f"{_e(cut(labels[i], 11))}</text>"
        )
    return _svg(body, title, W, h)


def scatter_chart(
    x: Sequence[float],
    y: Sequence[float],
    *,
    line: Mapping[str, Sequence[float]] | None = None,
    title: str,
    x_label: str,
    y_label: str,
) -> str:
    """Grey points, an optional binned line (``x``, ``y``, ``low``, ``high``) and ``y = x``."""
    extra_x = list(line["x"]) if line else []
    extra_y = [*line["y"], *line.get("low", []), *line.get("high", [])] if line else []
    lo, hi = _extent([*x, *y, *extra_x, *extra_y])
    frame = _Frame((lo, hi), (lo, hi), W, H)
    body = frame.axes(x_label, y_label)
    body.append(
        f'<path d="{_path(frame, [lo, hi], [lo, hi])}" stroke="#aaa" stroke-dasharray="4 3" '
        'fill="none"/>'
    )
    for a, b in zip(x, y, strict=True):
        body.append(f'<circle cx="{frame.x(a):.1f}" cy="{frame.y(b):.1f}" r="1.6" fill="#888"/>')
    if line:
        if line.get("low") and line.get("high"):
            upper = _path(frame, line["x"], line["high"])
            lower = _path(frame, list(reversed(line["x"])), list(reversed(line["low"])))
            body.append(f'<path d="{upper} L{lower[1:]} Z" fill="#1f77b4" opacity="0.2"/>')
        body.append(
            f'<path d="{_path(frame, line["x"], line["y"])}" stroke="#1f77b4" stroke-width="1.8" '
            'fill="none"/>'
        )
    return _svg(body, title)


def heatmap(
    values: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    row_name: str,
    col_name: str,
) -> str:
    """A pair term's table: red for risk-raising cells, blue for risk-lowering, white at 0."""
    n_r, n_c = len(values), len(values[0]) if values else 0
    vmax = max([abs(v) for row in values for v in row if v is not None] + [1e-12])
    frame = _Frame((0.0, float(max(n_c, 1))), (0.0, float(max(n_r, 1))), W, H)
    body = frame.axes(col_name, row_name, x_ticks=False)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            t = 0.0 if v is None else max(-1.0, min(1.0, v / vmax))
            r, g, b = (
                (255, int(255 * (1 - t)), int(255 * (1 - t)))
                if t > 0
                else (int(255 * (1 + t)), int(255 * (1 + t)), 255)
            )
            x0, x1 = frame.x(j), frame.x(j + 1)
            y0, y1 = frame.y(i + 1), frame.y(i)
            body.append(
                f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0 + 0.3:.1f}" '
                f'height="{y1 - y0 + 0.3:.1f}" fill="rgb({r},{g},{b})"><title>'
                f"{_e(row_labels[i])} × {_e(col_labels[j])}: {_num(v or 0.0)}</title></rect>"
            )
    body.append(
        f'<text x="{W - RIGHT}" y="{H + 8}" text-anchor="end">colour scale ±{_num(vmax)} '
        "log-odds; hover a cell for its bins</text>"
    )
    return _svg(body, title, W, H + 14)
