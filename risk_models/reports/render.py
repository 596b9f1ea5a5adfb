"""Render the audit report's JSON as one self-contained HTML page (no script, no network).

:func:`render_html` reads nothing but the report dictionary: the charts are drawn here as
inline SVG (:mod:`risk_models.reports.svg`) and the page comes from the Jinja2 template
``risk_models/resources/audit_report.html.j2`` with autoescaping on, so every name and value
from the data is shown as text.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from markupsafe import Markup

from risk_models.reports.lineage import lineage_svg
from risk_models.reports.svg import (
    bar_chart,
    heatmap,
    line_chart,
    scatter_chart,
    shape_chart,
)

__all__ = ["MAX_SHAPES", "render_html"]

TEMPLATE = "audit_report.html.j2"
#: Shape plots drawn per student (the most important terms; all are in the JSON).
MAX_SHAPES = 12


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * float(value):.{digits}f} %"


def _outcome_charts(ev: dict[str, Any]) -> dict[str, Markup]:
    out = ev["outcomes"]
    names = list(out)
    roc = [{"name": n, "x": out[n]["roc"]["fpr"], "y": out[n]["roc"]["tpr"]} for n in names]
    pr = [{"name": n, "x": out[n]["pr"]["recall"], "y": out[n]["pr"]["precision"]} for n in names]
    cal = [
        {
            "name": n,
            "x": [r["mean_predicted"] for r in out[n]["reliability"]],
            "y": [r["observed_rate"] for r in out[n]["reliability"]],
        }
        for n in names
    ]
    top = max([v for s in cal for v in s["x"] + s["y"] if v is not None] + [0.05])
    lift_groups = [str(r["group"]) for r in out[names[0]]["lift"]]
    lift = [{"name": n, "values": [r["bad_rate"] for r in out[n]["lift"]]} for n in names]
    capture = [
        {
            "name": n,
            "x": [0.0] + [r["cum_share"] for r in out[n]["lift"]],
            "y": [0.0] + [r["cum_bad_capture"] for r in out[n]["lift"]],
        }
        for n in names
    ]
    unit = (0.0, 1.0)
    return {
        "roc": Markup(
            line_chart(
                roc,
                title="ROC (test)",
                x_label="false positive rate",
                y_label="true positive rate",
                x_range=unit,
                y_range=unit,
                diagonal=True,
            )
        ),
        "pr": Markup(
            line_chart(
                pr,
                title="Precision-recall (test)",
                x_label="recall",
                y_label="precision",
                x_range=unit,
                y_range=unit,
            )
        ),
        "calibration": Markup(
            line_chart(
                cal,
                title="Calibration (test)",
                x_label="mean predicted PD",
                y_label="observed bad rate",
                x_range=(0.0, top),
                y_range=(0.0, top),
                diagonal=True,
            )
        ),
        "lift": Markup(
            bar_chart(
                lift_groups,
                lift,
                title="Bad rate by decile (1 = riskiest)",
                x_label="decile",
                y_label="bad rate",
            )
        ),
        "capture": Markup(
            line_chart(
                capture,
                title="Cumulative bads captured",
                x_label="share of rows declined",
                y_label="share of bads",
                x_range=unit,
                y_range=unit,
                diagonal=True,
            )
        ),
    }


def _fidelity_charts(ev: dict[str, Any]) -> dict[str, Markup]:
    charts = {}
    for name, fid in ev["fidelity"].items():
        sc = fid["scatter"]
        line = {
            "x": [b["teacher_mean"] for b in sc["bins"]],
            "y": [b["student_mean"] for b in sc["bins"]],
            "low": [b["student_p10"] for b in sc["bins"]],
            "high": [b["student_p90"] for b in sc["bins"]],
        }
        charts[name] = Markup(
            scatter_chart(
                sc["sample"]["teacher"],
                sc["sample"]["student"],
                line=line,
                title=f"{name} vs teacher (test logits)",
                x_label="teacher log-odds",
                y_label=f"{name} log-odds",
            )
        )
    return charts


def _conceptual_charts(ev: dict[str, Any]) -> dict[str, dict[str, list[Markup]]]:
    charts: dict[str, dict[str, list[Markup]]] = {}
    for name, desc in ev["conceptual"].items():
        shapes, pairs = [], []
        if desc["type"] == "shape_table":
            for s in desc["shapes"][:MAX_SHAPES]:
                shapes.append(
                    Markup(
                        shape_chart(
                            s["labels"], s["values"], s["counts"], title=f"{name}: {s['feature']}"
                        )
                    )
                )
            for p in desc["interaction_tables"]:
                pairs.append(
                    Markup(
                        heatmap(
                            p["values"],
                            p["labels"][0],
                            p["labels"][1],
                            title=f"{name}: {p['features'][0]} × {p['features'][1]}",
                            row_name=p["features"][0],
                            col_name=p["features"][1],
                        )
                    )
                )
        charts[name] = {"shapes": shapes, "pairs": pairs}
    return charts


def _band(mean: list[float], se: list[float], k: float = 2.0) -> tuple[list[float], list[float]]:
    """``mean -/+ k * se``, point by point (about a 95 % band for ``k = 2``)."""
    pairs = list(zip(mean, se, strict=True))
    return [m - k * s for m, s in pairs], [m + k * s for m, s in pairs]


def _compare_charts(ev: dict[str, Any]) -> list[Markup]:
    dc = ev.get("distill_compare") or {}
    out = []
    for t in dc.get("terms", []):
        if not t["disagrees"]:
            continue
        x = list(range(len(t["grid"])))
        t_lo, t_hi = _band(t["teacher"], t["teacher_se"])
        o_lo, o_hi = _band(t["outcome"], t["outcome_se"])
        series = [
            {"name": "mimic of teacher", "x": x, "y": t["teacher"], "low": t_lo, "high": t_hi},
            {
                "name": "outcome model",
                "x": x,
                "y": t["outcome"],
                "low": o_lo,
                "high": o_hi,
                "color": "#d62728",
            },
        ]
        out.append(
            Markup(
                line_chart(
                    series,
                    title=f"{t['feature']}: teacher vs outcomes",
                    x_label=f"grid point ({t['grid'][0]} … {t['grid'][-1]})",
                    y_label="centred log-odds",
                )
            )
        )
    return out


def _time_chart(ev: dict[str, Any]) -> Markup | None:
    periods = ev["stability"].get("over_time") or []
    if not periods:
        return None
    names = list(periods[0]["psi"])
    series = [
        {"name": n, "x": [p["period"] for p in periods], "y": [p["psi"][n] for p in periods]}
        for n in names
    ]
    top = max([0.3] + [v for s in series for v in s["y"] if v is not None])
    return Markup(
        line_chart(
            series,
            title="Score PSI by test period vs train",
            x_label="period",
            y_label="PSI",
            y_range=(0.0, top),
        )
    )


def render_html(report: dict[str, Any]) -> str:
    """The audit report as one self-contained HTML page, drawn from the report JSON only.

    Parameters
    ----------
    report:
        :meth:`AuditReport.to_dict` output (or the same document read back from
        ``audit_report.json``).

    Returns
    -------
    str
        HTML with inline SVG charts, inline CSS, no script and no external reference.
    """
    import jinja2

    ev = report["evaluation"]
    charts = {
        "lineage": Markup(lineage_svg(report["lineage"])),
        "outcomes": _outcome_charts(ev),
        "fidelity": _fidelity_charts(ev),
        "conceptual": _conceptual_charts(ev),
        "compare": _compare_charts(ev),
        "over_time": _time_chart(ev),
    }
    text = (resources.files("risk_models") / "resources" / TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    return env.from_string(text).render(r=report, ev=ev, charts=charts, max_shapes=MAX_SHAPES)
