"""The model-risk audit report: built from MLflow alone, rendered to HTML from its JSON."""

from __future__ import annotations

from risk_models.reports.build import AuditReport, build_audit_report, report_from_collected
from risk_models.reports.render import render_html
from risk_models.reports.write import log_audit_report, write_audit_report

__all__ = [
    "AuditReport",
    "build_audit_report",
    "log_audit_report",
    "render_html",
    "report_from_collected",
    "write_audit_report",
]
