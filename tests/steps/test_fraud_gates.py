"""Fraud yardsticks in the evaluation step, its gate metrics and the config (issue 13).

The tiny credit book stands in for fraud data here (the yardsticks work on any binary
outcome, and it runs in seconds); ``loan_amount`` plays the amount.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from risk_models.config import parse_pipeline_config
from risk_models.errors import ConfigError, DataValidationError
from risk_models.evaluation.fraud import fraud_metrics, fraud_retention
from risk_models.evaluation.gate_policy import GATE_METRICS
from risk_models.pipeline import STEPS, PipelineState, build_summary, run_steps
from risk_models.steps.base import Reporter
from risk_models.steps.data import compute_data
from risk_models.steps.gates import compute_gates, gate_metrics
from tests.steps.conftest import tiny_raw

FRAUD = {"alert_rates": [0.02, 0.1], "amount_column": "loan_amount"}
COSTS = {"cost_missed": 1.0, "cost_alert": 50.0}
GATES = {
    "auc": {"min": 0.6},
    "auprc_retention": {"min": 0.5},
    "recall_retention_at_2pct": {"min": 0.0},
}


def _raw(**changes: Any) -> dict[str, Any]:
    return tiny_raw(**{"fraud": {**FRAUD, **COSTS}, "gates": GATES, **changes})


@pytest.fixture(scope="module")
def fraud_run() -> PipelineState:
    state, _ = run_steps(parse_pipeline_config(_raw()), STEPS, Reporter())
    return state


def test_fraud_section_holds_every_model_on_the_test_rows(fraud_run) -> None:
    state = fraud_run
    fr = state.evaluation.fraud
    test = state.data.splits.test
    assert list(fr["models"]) == ["teacher", "gam", "tree"]
    amount = test.X["loan_amount"].to_numpy()
    for fit in state.students.fits:
        expected = fraud_metrics(test.y, fit.test_logit, amount=amount, alert_rates=(0.02, 0.1))
        assert fr["models"][fit.name]["recall_at_2pct"] == pytest.approx(expected["recall_at_2pct"])
        assert fr["models"][fit.name]["value_recall_at_10pct"] == pytest.approx(
            expected["value_recall_at_10pct"]
        )
        kept = fraud_retention(test.y, fit.test_logit, state.teachers.test.logit, alert_rate=0.1)
        assert fr["retention"][fit.name]["recall_retention_at_10pct"] == pytest.approx(
            kept["recall_retention_at_10pct"]
        )
    assert fr["n_frauds"] == {
        "test": int(test.y.sum()),
        "valid": int(state.data.splits.valid.y.sum()),
    }
    assert 0 < fr["models"]["teacher"]["cost_alert_rate"] <= 1
    assert "fraud" in state.evaluation.to_dict()


def test_gate_metrics_are_the_generic_ones_plus_the_sections(fraud_run) -> None:
    state = fraud_run
    cfg = parse_pipeline_config(_raw())
    expected = set(GATE_METRICS) | set(cfg.fraud.gate_metrics())
    for fit in state.students.fits:
        assert set(gate_metrics(fit, state.evaluation)) == expected


def test_fraud_yardsticks_gate_a_run(fraud_run) -> None:
    state = fraud_run
    figures = state.evaluation.gate_metrics
    tree = figures["tree"]["auprc_retention"]
    strict = {**GATES, "auprc_retention": {"min": tree + 1e-9}}
    cfg = parse_pipeline_config(_raw(gates=strict))
    reports = compute_gates(cfg, state.students, state.evaluation).by_student()
    check = {c.name: c for c in reports["tree"].checks}["auprc_retention"]
    assert not reports["tree"].passed and not check.passed and check.value == tree
    loose = parse_pipeline_config(_raw(gates={**GATES, "auprc_retention": {"min": tree}}))
    checks = compute_gates(loose, state.students, state.evaluation).by_student()["tree"].checks
    assert {c.name: c for c in checks}["auprc_retention"].passed


def test_summary_carries_the_fraud_section(fraud_run) -> None:
    from risk_models.config import MlflowConfig

    cfg = parse_pipeline_config(_raw())
    summary = build_summary(cfg, MlflowConfig(), "0", "r", "h", fraud_run, {})
    assert summary["fraud"]["retention"]["gam"] == fraud_run.evaluation.fraud["retention"]["gam"]


def test_credit_runs_have_no_fraud_figures(tiny_run) -> None:
    state, _ = tiny_run
    assert state.evaluation.fraud is None
    assert "fraud" not in state.evaluation.to_dict()
    assert not any(k.startswith("recall_at_") for k in state.evaluation.gate_metrics["gam"])


def test_fraud_gates_without_a_fraud_section_are_refused_with_a_hint() -> None:
    with pytest.raises(ConfigError) as info:
        parse_pipeline_config(tiny_raw(gates={"auprc_retention": {"min": 0.9}}))
    (problem,) = info.value.problems
    assert problem.startswith("gates: unknown gate metric(s) ['auprc_retention']; known: ")
    assert "they exist with a 'fraud:' section" in problem
    # A rate the section does not list is unknown too.
    with pytest.raises(ConfigError, match=r"unknown gate metric\(s\) \['recall_at_5pct'\]"):
        parse_pipeline_config(_raw(gates={"recall_at_5pct": {"min": 0.1}}))
    # Cost figures need both costs.
    with pytest.raises(ConfigError, match=r"unknown gate metric\(s\) \['cost_saving'\]"):
        parse_pipeline_config(tiny_raw(fraud=FRAUD, gates={"cost_saving": {"min": 0.1}}))


def test_fraud_section_errors_name_their_yaml_path() -> None:
    with pytest.raises(ConfigError) as info:
        parse_pipeline_config(
            tiny_raw(fraud={"alert_rates": [0.0, 0.5], "cost_alert": 1.0, "amount_column": "amt"})
        )
    problems = info.value.problems
    assert any(p.startswith("fraud.alert_rates: alert rates are shares of rows") for p in problems)
    with pytest.raises(ConfigError, match=r"fraud: give both cost_missed and cost_alert"):
        parse_pipeline_config(tiny_raw(fraud={"cost_alert": 1.0}))
    with pytest.raises(ConfigError, match=r"fraud.amount_column: 'amt' is not a feature; features"):
        parse_pipeline_config(tiny_raw(fraud={"amount_column": "amt"}))
    with pytest.raises(ConfigError, match=r"fraud.amount_column: 'region' is categorical"):
        parse_pipeline_config(tiny_raw(fraud={"amount_column": "region"}))
    with pytest.raises(ConfigError, match=r"fraud.alert_rates: alert rates must differ"):
        parse_pipeline_config(tiny_raw(fraud={"alert_rates": [0.01, 0.01]}))


def test_an_amount_column_the_data_lacks_is_refused_before_training(tmp_path) -> None:
    from risk_models.data.synthetic import make_credit_book

    path = tmp_path / "book.parquet"
    make_credit_book(n_rows=400, seed=0).frame.drop(columns=["loan_amount"]).to_parquet(path)
    raw = tiny_raw(fraud={"amount_column": "loan_amount"})
    raw["data"] = {"path": str(path), "target": "default_12m", "id_column": "application_id"}
    with pytest.raises(DataValidationError, match=r"fraud.amount_column 'loan_amount' is not a"):
        compute_data(parse_pipeline_config(raw))
    raw["fraud"] = {"amount_column": "age"}
    assert np.isfinite(compute_data(parse_pipeline_config(raw)).data.X["age"]).all()
