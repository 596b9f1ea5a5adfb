"""Build the audit report's data from MLflow alone: one JSON-ready :class:`AuditReport`.

Compute first, render second: :func:`build_audit_report` collects the run's MLflow records
(:func:`~risk_models.reports.collect.collect_run`) and arranges them into sections; the HTML
(:func:`risk_models.reports.render.render_html`) is drawn from :meth:`AuditReport.to_dict`
only, so the HTML and its JSON twin cannot disagree. ``consistency`` cross-checks the
evaluation's figures against ``summary.json``'s.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from risk_models.evaluation.jsonable import to_json_dict
from risk_models.reports.collect import collect_run
from risk_models.reports.limitations import known_limitations
from risk_models.reports.lineage import lineage_graph

__all__ = ["FORMAT_NAME", "AuditReport", "build_audit_report", "report_from_collected"]

FORMAT_NAME = "risk_models.audit_report"
FORMAT_VERSION = 1
#: Metrics compared between ``summary.json`` and ``evaluation.json`` (absolute tolerance).
CHECKED_METRICS = ("auc", "gini", "ks", "auprc", "brier", "log_loss", "ece")
TOLERANCE = 1e-9
_COMPRESSION_PREFIXES = (
    "compression",
    "teacher_",
    "student_",
    "latency",
    "n_cells",
    "n_rules",
    "n_terms",
)


@dataclass(frozen=True)
class AuditReport:
    """The audit report of one run: its sections as plain JSON."""

    run_id: str
    sections: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The report document (``audit_report.json``)."""
        return to_json_dict({"format": FORMAT_NAME, "version": FORMAT_VERSION, **self.sections})


def _ms_to_iso(ms: int | None) -> str | None:
    if not ms:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def _purpose(c: dict[str, Any]) -> dict[str, Any]:
    cfg, tags = c["config"], c["run"]["tags"]
    data = cfg.get("data", {})
    return {
        "pipeline": cfg.get("name"),
        "target": data.get("target"),
        "positive_label": data.get("positive_label"),
        "source": c["summary"].get("data", {}).get("source"),
        "time_column": data.get("time_column"),
        "segment_columns": c["evaluation"].get("samples", {}).get("segments", []),
        "split": cfg.get("split", {}),
        "teachers": [
            {"name": t.get("name"), "kind": t.get("kind")} for t in cfg.get("teachers", [])
        ],
        "students": [
            {"name": s.get("name"), "kind": s.get("kind")} for s in cfg.get("students", [])
        ],
        "gates": cfg.get("gates", {}),
        "registered_model": (cfg.get("registry") or {}).get("model_name"),
        "config_hash": tags.get("risk_models.config_hash"),
        "git_commit": tags.get("risk_models.git_commit"),
        "versions": {
            k.removeprefix("risk_models.version."): v
            for k, v in sorted(tags.items())
            if k.startswith("risk_models.version.")
        },
    }


def _data(c: dict[str, Any]) -> dict[str, Any]:
    splits = c["summary"].get("data", {}).get("splits", {})
    samples = c["evaluation"].get("samples", {})
    data_run = c["children"].get("data", {})
    return {
        "splits": [{"name": name, **info} for name, info in splits.items()],
        "params": data_run.get("params", {}),
        "datasets": data_run.get("datasets", []),
        "time_range": samples.get("time_range", {}),
        "features": samples.get("features", []),
        "monotone": samples.get("monotone", {}),
    }


def _teachers(c: dict[str, Any]) -> dict[str, Any]:
    members = []
    for name, rec in c["children"].items():
        if name.startswith("teachers."):
            members.append(
                {
                    "name": name.removeprefix("teachers."),
                    "run_id": rec["run_id"],
                    "kind": rec["params"].get("kind"),
                    "device": rec["tags"].get("risk_models.device"),
                    "metrics": {
                        k.removeprefix("test."): v
                        for k, v in rec["metrics"].items()
                        if k.startswith("test.")
                    },
                }
            )
    return {"members": members, "summary": c["summary"].get("teachers", {})}


def _compression(entry: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k.startswith(_COMPRESSION_PREFIXES)}
    out.update(
        {
            k.removeprefix("compression."): v
            for k, v in run.get("metrics", {}).items()
            if k.startswith("compression.")
        }
    )
    return out


def _students(c: dict[str, Any]) -> dict[str, Any]:
    out = {}
    summary = c["summary"].get("students", {})
    versions = {v["tags"].get("risk_models.student"): v for v in c["versions"]}
    for name, entry in summary.items():
        run = c["children"].get(f"students.{name}", {})
        version = versions.get(name)
        out[name] = {
            "kind": entry.get("kind"),
            "run_id": entry.get("run_id") or run.get("run_id"),
            "params": run.get("params", {}),
            "test": entry.get("test", {}),
            "fidelity": entry.get("fidelity", {}),
            "registered_model": version["name"] if version else entry.get("registered_model"),
            "version": version["version"] if version else entry.get("version"),
            "aliases": version["aliases"] if version else [],
            "gates": c["gate_reports"].get(name) or entry.get("gates"),
            "compression": _compression(entry, run),
            "reason_examples": c["reason_examples"].get(name, []),
        }
    return out


def _consistency(c: dict[str, Any]) -> dict[str, Any]:
    outcomes = c["evaluation"].get("outcomes", {})
    summary = c["summary"]
    pairs = [("teacher", summary.get("teachers", {}).get("ensemble", {}))]
    pairs += [(n, s.get("test", {})) for n, s in summary.get("students", {}).items()]
    checked, mismatches = 0, []
    for name, figures in pairs:
        evaluated = outcomes.get(name, {}).get("metrics", {})
        for k in CHECKED_METRICS:
            a, b = figures.get(k), evaluated.get(k)
            if a is None or b is None:
                continue
            checked += 1
            if not math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=TOLERANCE):
                mismatches.append({"model": name, "metric": k, "summary": a, "evaluation": b})
    return {"checked": checked, "tolerance": TOLERANCE, "mismatches": mismatches}


def report_from_collected(collected: dict[str, Any]) -> AuditReport:
    """Arrange collected MLflow records into the report's sections (no I/O).

    Parameters
    ----------
    collected:
        The output of :func:`~risk_models.reports.collect.collect_run`.

    Returns
    -------
    AuditReport
    """
    run = collected["run"]
    sections: dict[str, Any] = {
        "meta": {
            "run_id": run["run_id"],
            "run_name": run["run_name"],
            "status": run["status"],
            "started": _ms_to_iso(run["start_time"]),
            "ended": _ms_to_iso(run["end_time"]),
            "experiment": collected["experiment"],
            "tracking_uri": collected["tracking_uri"],
        },
        "purpose": _purpose(collected),
        "data": _data(collected),
        "lineage": lineage_graph(collected),
        "teachers": _teachers(collected),
        "students": _students(collected),
        "evaluation": collected["evaluation"],
        "versions": collected["versions"],
        "consistency": _consistency(collected),
    }
    sections["limitations"] = known_limitations(sections)
    return AuditReport(run["run_id"], sections)


def build_audit_report(run_id: str, *, client: Any = None) -> AuditReport:
    """The audit report of a ``riskdistill run``, rebuilt from its MLflow records only.

    Parameters
    ----------
    run_id:
        The run's parent run id.
    client:
        An ``mlflow.MlflowClient`` (``None``: the default client of the current tracking URI).

    Returns
    -------
    AuditReport
        ``to_dict()`` is the JSON twin; :func:`~risk_models.reports.render.render_html`
        draws the HTML from it.

    Raises
    ------
    risk_models.errors.TrackingError
        If the run is missing or lacks ``config.json``, ``summary.json`` or
        ``evaluation/evaluation.json``.
    """
    return report_from_collected(collect_run(run_id, client=client))
