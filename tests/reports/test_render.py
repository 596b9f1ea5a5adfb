"""The HTML is drawn from the JSON alone, self-contained, with every name escaped."""

from __future__ import annotations

import json
import re

from risk_models.reports import render_html, write_audit_report
from risk_models.reports.render import MAX_SHAPES
from tests.reports.fake_run import HOSTILE

SECTION_IDS = (
    "purpose",
    "lineage",
    "conceptual",
    "outcomes",
    "stability",
    "compare",
    "gates",
    "compression",
    "reasons",
    "limitations",
)


def expected_charts(report: dict) -> int:
    """Charts the page must hold: lineage, 5 outcome charts, one scatter per student, shapes
    and pair tables, one per distill-and-compare finding, and the by-period PSI."""
    ev = report["evaluation"]
    shapes = sum(
        min(len(d["shapes"]), MAX_SHAPES) + len(d["interaction_tables"])
        for d in ev["conceptual"].values()
        if d["type"] == "shape_table"
    )
    findings = len((ev["distill_compare"] or {}).get("disagreeing", []))
    return 1 + 5 + len(ev["fidelity"]) + shapes + findings + bool(ev["stability"]["over_time"])


def test_hostile_feature_name_renders_as_text(report_dict: dict) -> None:
    html = render_html(report_dict)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE in json.dumps(report_dict)  # the data keeps the real name


def test_page_is_self_contained_with_every_section(report_dict: dict) -> None:
    html = render_html(report_dict)
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!#)""", html) == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert html.count("<svg ") == expected_charts(report_dict)


def test_html_and_json_twin_written_atomically_agree(report_dict: dict, tmp_path) -> None:
    html_path, json_path = write_audit_report(report_dict, tmp_path / "out")
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc == report_dict
    assert html_path.read_text(encoding="utf-8") == render_html(doc)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "audit_report.html",
        "audit_report.json",
    ]


def test_fraud_yardsticks_appear_in_the_outcomes_section(report_dict: dict) -> None:
    import copy

    import numpy as np

    from risk_models.evaluation.fraud_suite import FraudInputs, fraud_section
    from risk_models.evaluation.jsonable import to_jsonable

    assert "Fraud yardsticks" not in render_html(report_dict)  # none without a fraud section
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(int)
    z = {n: rng.normal(size=300) + 2 * y for n in ["teacher", *report_dict["students"]]}
    students = {n: v for n, v in z.items() if n != "teacher"}
    inputs = FraudInputs(
        alert_rates=(0.005, 0.01),
        amount_column="amount",
        amount_test=rng.random(300) * 100,
        amount_valid=rng.random(300) * 100,
        cost_missed=1.0,
        cost_alert=5.0,
        y_valid=y,
        teacher_valid_logit=z["teacher"],
        student_valid_logits=students,
    )
    doc = copy.deepcopy(report_dict)
    doc["evaluation"]["fraud"] = to_jsonable(fraud_section(y, z["teacher"], students, inputs))
    html = render_html(doc)
    outcomes = html[html.index('<section id="outcomes">') : html.index('<section id="stability">')]
    assert f"Fraud yardsticks (test: {int(y.sum())} frauds)" in outcomes
    assert "<th>recall at 0.5 %</th>" in outcomes and "<th>value recall at 1.0 %</th>" in outcomes
    kept = doc["evaluation"]["fraud"]["retention"]
    first = next(iter(kept))
    assert f"{100 * kept[first]['auprc_retention']:.1f} %" in outcomes
    assert "an alert costs 5.000" in outcomes
