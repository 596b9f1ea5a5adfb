"""``riskdistill run pipelines/fraud.yaml --quick``: frauds in the validation and test months,
the fraud yardsticks in summary.json, gated (issue 13). About 1.5 minutes on 2 cores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from risk_models.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_fraud_run_has_frauds_to_measure_and_gates_on_them(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(
        main,
        [
            "run",
            str(REPO / "pipelines" / "fraud.yaml"),
            "--quick",
            "--output-dir",
            str(out),
            "--tracking-uri",
            f"sqlite:///{tmp_path}/mlflow.db",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "fraud: AUPRC" in res.output
    summary = json.loads((out / "summary.json").read_text())
    splits = summary["data"]["splits"]
    for part in ("valid", "test"):
        assert splits[part]["n_rows"] * splits[part]["positive_rate"] >= 30
    fraud = summary["fraud"]
    assert fraud["n_frauds"]["test"] >= 30 and fraud["n_frauds"]["valid"] >= 30
    gam = summary["students"]["gam"]
    checks = {c["name"]: c for c in gam["gates"]["checks"]}
    kept = fraud["retention"]["gam"]
    assert checks["auprc_retention"]["value"] == pytest.approx(kept["auprc_retention"])
    assert checks["recall_retention_at_0_5pct"]["value"] == pytest.approx(
        kept["recall_retention_at_0_5pct"]
    )
    assert fraud["models"]["teacher"]["auprc"] > 0.3  # well above the ~0.25 % base rate
    report = json.loads((out / "audit_report.json").read_text())
    assert report["evaluation"]["fraud"]["retention"] == fraud["retention"]
