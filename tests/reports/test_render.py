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
