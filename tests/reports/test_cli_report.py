"""``riskdistill report --run-id``: the same report from a fresh process, and logged to the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from risk_models.cli import main
from risk_models.reports import build_audit_report
from tests.reports.fake_run import FakeRun

REPO = Path(__file__).resolve().parents[2]
TAG = "risk_models.audit_report"


def _client(run: FakeRun):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=run.uri, registry_uri=run.uri)


def _without_report_tags(doc: dict) -> dict:
    for v in doc["versions"]:
        v["tags"].pop(TAG, None)
    return doc


def test_fresh_process_rebuilds_the_same_report(fake_run: FakeRun, tmp_path: Path) -> None:
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "risk_models.cli",
            "report",
            "--run-id",
            fake_run.run_id,
            "--tracking-uri",
            fake_run.uri,
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"wrote {out / 'audit_report.html'}",
        f"wrote {out / 'audit_report.json'}",
    ]
    doc = json.loads((out / "audit_report.json").read_text(encoding="utf-8"))
    here = build_audit_report(fake_run.run_id, client=_client(fake_run)).to_dict()
    assert _without_report_tags(doc) == _without_report_tags(here)


def test_log_flag_logs_both_files_and_tags_run_and_versions(fake_run: FakeRun, tmp_path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--run-id",
            fake_run.run_id,
            "--tracking-uri",
            fake_run.uri,
            "--log",
            "-o",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    client = _client(fake_run)
    names = {a.path for a in client.list_artifacts(fake_run.run_id)}
    assert {"audit_report.html", "audit_report.json"} <= names
    location = f"runs:/{fake_run.run_id}/audit_report.html"
    assert client.get_run(fake_run.run_id).data.tags[TAG] == location
    for v in client.search_model_versions("name = 'report-test-student'"):
        assert v.tags[TAG] == location


def test_unknown_run_exits_2_naming_it(fake_run: FakeRun) -> None:
    result = CliRunner().invoke(
        main, ["report", "--run-id", "nope", "--tracking-uri", fake_run.uri]
    )
    assert result.exit_code == 2
    assert f"error: run 'nope' not found at tracking URI '{fake_run.uri}'" in result.output
