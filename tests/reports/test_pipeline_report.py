"""Acceptance: ``riskdistill run`` itself leaves the evaluation and the audit report in MLflow.

Fails until the pipeline calls ``compute_evaluation`` / ``log_evaluation`` and
``log_audit_report`` on its parent run (see risk_models/steps/evaluation.py and
risk_models/reports/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from risk_models.config import MlflowConfig, parse_pipeline_config
from risk_models.pipeline import run_pipeline
from risk_models.reports import build_audit_report
from tests.steps.conftest import tiny_raw

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_pipeline_run(tmp_path_factory):
    import mlflow

    tmp = tmp_path_factory.mktemp("pipeline_report")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    mcfg = MlflowConfig(tracking_uri=uri, experiment="report", artifact_location=str(tmp / "a"))
    result = run_pipeline(parse_pipeline_config(tiny_raw()), mcfg, tmp / "out")
    return result, mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri), tmp


def test_run_logs_the_report_whose_numbers_equal_summary_json(tiny_pipeline_run) -> None:
    result, client, tmp = tiny_pipeline_run
    names = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"audit_report.html", "audit_report.json", "evaluation"} <= names
    local = client.download_artifacts(result.run_id, "audit_report.json", str(tmp))
    logged = json.loads(Path(local).read_text(encoding="utf-8"))
    assert logged["consistency"]["mismatches"] == []
    assert logged["consistency"]["checked"] >= 7 * (1 + len(result.summary["students"]))
    for name, student in result.summary["students"].items():
        assert logged["students"][name]["test"] == student["test"]
    rebuilt = build_audit_report(result.run_id, client=client).to_dict()
    for doc in (logged, rebuilt):
        for v in doc["versions"]:
            v["tags"].pop("risk_models.audit_report", None)
    assert rebuilt == logged
