"""Write the audit report (HTML and its JSON twin) atomically, and log both to the run."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from risk_models.atomic import atomic_write_text
from risk_models.reports.build import AuditReport
from risk_models.reports.render import render_html

__all__ = ["HTML_NAME", "JSON_NAME", "log_audit_report", "write_audit_report"]

HTML_NAME = "audit_report.html"
JSON_NAME = "audit_report.json"
#: Tag set on the run and on its registered versions: where the HTML report lives.
REPORT_TAG = "risk_models.audit_report"


def write_audit_report(
    report: AuditReport | dict[str, Any], out_dir: str | os.PathLike[str]
) -> tuple[Path, Path]:
    """Write ``audit_report.html`` and ``audit_report.json`` into ``out_dir`` atomically.

    Parameters
    ----------
    report:
        The report, or its ``to_dict()`` document.
    out_dir:
        Folder to write to (created if needed).

    Returns
    -------
    tuple of Path
        The HTML and JSON paths. The HTML is rendered from the JSON document written.
    """
    doc = report.to_dict() if isinstance(report, AuditReport) else report
    text = json.dumps(doc, indent=1, allow_nan=False)
    folder = Path(out_dir)
    html = render_html(json.loads(text))
    json_path = atomic_write_text(folder / JSON_NAME, text + "\n")
    html_path = atomic_write_text(folder / HTML_NAME, html)
    return html_path, json_path


def log_audit_report(
    report: AuditReport,
    *,
    client: Any = None,
    out_dir: str | os.PathLike[str] | None = None,
) -> tuple[Path, Path]:
    """Write the report and log both files to its run; tag the run and its versions.

    Parameters
    ----------
    report:
        The report of run ``report.run_id``.
    client:
        An ``mlflow.MlflowClient`` (``None``: the default client).
    out_dir:
        Where to keep the files (default: a temporary folder, removed after logging).

    Returns
    -------
    tuple of Path
        The local HTML and JSON paths (gone when ``out_dir`` is None).
    """
    import mlflow

    client = client or mlflow.MlflowClient()
    with tempfile.TemporaryDirectory(prefix="risk_models_report_") as tmp:
        html_path, json_path = write_audit_report(report, out_dir or tmp)
        client.log_artifact(report.run_id, str(html_path))
        client.log_artifact(report.run_id, str(json_path))
    location = f"runs:/{report.run_id}/{HTML_NAME}"
    client.set_tag(report.run_id, REPORT_TAG, location)
    for v in report.sections.get("versions", []):
        client.set_model_version_tag(v["name"], v["version"], REPORT_TAG, location)
    return html_path, json_path
