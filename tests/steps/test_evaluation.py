"""Step ``evaluation``: pure compute on a small fitted set, then the JSON logged to MLflow."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from risk_models.evaluation.gate_policy import evaluate_policy, parse_rules
from risk_models.evaluation.metrics import classification_metrics
from risk_models.steps.evaluation import (
    EVALUATION_ARTIFACT,
    EvaluationSettings,
    compute_evaluation,
    log_evaluation,
)
from tests.reports.fake_run import fit_inputs

GATE_METRICS = {
    "auc",
    "auc_ci_low",
    "auc_ci_high",
    "gini",
    "ks",
    "auprc",
    "brier",
    "log_loss",
    "ece",
    "psi",
    "teacher_psi",
    "csi_max",
    "auc_gap",
    "auprc_gap",
    "logit_correlation",
    "spearman",
    "logit_r2",
    "agreement",
    "top_k_agreement",
    "prob_mae",
    "auc_gap_p_value",
    "monotone_violations",
}


@pytest.fixture(scope="module")
def fitted():
    splits, models, inputs = fit_inputs()
    return splits, models, inputs, compute_evaluation(inputs)


def test_result_is_strict_json_with_every_section(fitted) -> None:
    _, _, inputs, result = fitted
    d = result.to_dict()
    json.dumps(d, allow_nan=False)
    assert (d["format"], d["version"]) == ("risk_models.evaluation", 1)
    assert set(d["outcomes"]) == {"teacher", "gam", "tree"}
    assert set(d["fidelity"]) == set(d["conceptual"]) == set(d["monotonicity"]) == {"gam", "tree"}
    teacher = d["outcomes"]["teacher"]
    assert {"metrics", "roc", "pr", "reliability", "lift", "segments", "role", "kind"} <= set(
        teacher
    )
    assert len(teacher["lift"]) == 10 and set(teacher["segments"]) == {"region"}
    assert d["samples"]["n_rows"] == {"train": len(inputs.y_train), "test": len(inputs.y_test)}
    assert d["distill_compare"]["n_boot"] == 3


def test_outcome_metrics_equal_the_summary_metrics(fitted) -> None:
    _, models, inputs, result = fitted
    for name, model in models["students"].items():
        p = model.predict_proba(inputs.X_test)[:, 1]
        expected = classification_metrics(inputs.y_test, p)
        got = result.outcomes[name]["metrics"]
        for k, v in expected.items():
            assert got[k] == pytest.approx(v, abs=1e-12), (name, k)
        assert got["auc_ci_low"] < got["auc"] < got["auc_ci_high"]


def test_gate_metrics_carry_the_gate_names(fitted) -> None:
    _, _, _, result = fitted
    assert set(result.gate_metrics) == {"gam", "tree"}
    for figures in result.gate_metrics.values():
        assert set(figures) == GATE_METRICS
    gam = result.gate_metrics["gam"]
    assert gam["auc_gap"] == pytest.approx(result.fidelity["gam"]["metrics"]["auc_gap"])
    assert gam["monotone_violations"] == 0


def test_stability_by_period_covers_the_test_rows(fitted) -> None:
    _, _, inputs, result = fitted
    periods = result.stability["over_time"]
    assert [p["period"] for p in periods] == [1, 2, 3, 4]
    assert sum(p["n"] for p in periods) == len(inputs.y_test)
    assert set(periods[0]["psi"]) == {"teacher", "gam", "tree"}


def test_a_shifted_test_sample_fails_its_psi_gate(fitted) -> None:
    _, models, inputs, result = fitted
    rules = parse_rules({"psi": {"max": 0.25}})
    assert evaluate_policy("gam", result.gate_metrics["gam"], rules).passed
    X = inputs.X_test.copy()
    X["debt_to_income"] = X["debt_to_income"] + 0.3
    X["n_delinquencies"] = X["n_delinquencies"] + 2
    shifted = replace(
        inputs,
        X_test=X,
        teacher_test_logit=models["teacher"].decision_function(X),
        student_test_logits={k: m.decision_function(X) for k, m in models["students"].items()},
        settings=EvaluationSettings(compare=None),
    )
    out = compute_evaluation(shifted)
    assert out.gate_metrics["gam"]["psi"] > 0.25
    assert out.stability["score_psi"]["gam"]["band"] == "shift"
    report = evaluate_policy("gam", out.gate_metrics["gam"], rules)
    assert not report.passed and report.checks[0].name == "psi"
    assert out.distill_compare is None
    csi = {c["feature"]: c["band"] for c in out.stability["csi"]}
    assert csi["debt_to_income"] == "shift" and csi["age"] == "stable"


def test_students_must_match_their_exported_models(fitted) -> None:
    _, _, inputs, _ = fitted
    bad = replace(inputs, student_test_logits={"gam": inputs.student_test_logits["gam"]})
    with pytest.raises(ValueError, match=re.escape("only one of them has ['tree']")):
        compute_evaluation(bad)


def test_log_evaluation_writes_the_json_and_metrics(fitted, mlflow_uri) -> None:
    import mlflow

    _, _, _, result = fitted
    client = mlflow.MlflowClient(tracking_uri=mlflow_uri)
    exp = client.create_experiment("eval")
    run_id = client.create_run(exp).info.run_id
    assert log_evaluation(result, client=client, run_id=run_id) == EVALUATION_ARTIFACT
    text = mlflow.artifacts.load_text(
        f"{client.get_run(run_id).info.artifact_uri}/{EVALUATION_ARTIFACT}"
    )
    assert json.loads(text) == result.to_dict()
    metrics = client.get_run(run_id).data.metrics
    assert metrics["eval.gam.auc"] == pytest.approx(result.gate_metrics["gam"]["auc"])
    assert np.isfinite(metrics["eval.tree.psi"])
