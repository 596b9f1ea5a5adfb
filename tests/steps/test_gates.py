"""Step ``gates`` without MLflow: a declared policy over named metrics."""

from __future__ import annotations

import math

import pytest

from risk_models.config import parse_pipeline_config
from risk_models.errors import ConfigError
from risk_models.evaluation.gate_policy import GATE_METRICS
from risk_models.steps.gates import compute_gates, gate_metrics
from tests.steps.conftest import tiny_raw


def test_every_declared_gate_metric_is_produced_for_every_student(tiny_run) -> None:
    state, _ = tiny_run
    for fit in state.students.fits:
        assert set(gate_metrics(fit, state.evaluation)) == set(GATE_METRICS)


def test_each_student_gets_every_check_with_value_and_threshold(tiny_cfg, tiny_run) -> None:
    state, _ = tiny_run
    reports = state.gates.by_student()
    assert list(reports) == ["gam", "tree"]
    gam = state.students.by_name()["gam"]
    checks = {c.name: c for c in reports["gam"].checks}
    assert list(checks) == ["auc", "auc_gap", "logit_correlation"]
    assert checks["auc"].value == pytest.approx(gam.metrics["auc"], abs=1e-12)
    assert (checks["auc"].threshold, checks["auc"].comparison) == (0.6, ">=")
    assert checks["auc_gap"].value == pytest.approx(gam.fidelity["auc_gap"], abs=1e-12)
    assert checks["auc_gap"].comparison == "<="


def test_any_evaluation_metric_can_gate_and_nan_fails(tiny_run) -> None:
    state, _ = tiny_run
    cfg = parse_pipeline_config(
        tiny_raw(gates={"auc": {"min": 0.999}, "psi": {"max": 0.25}, "ks": {"min": 0.0}})
    )
    result = compute_gates(cfg, state.students, state.evaluation)
    assert [r.passed for r in result.reports] == [False, False]
    for report in result.reports:
        checks = {c.name: c for c in report.checks}
        assert not checks["auc"].passed and checks["ks"].passed
        assert checks["psi"].value == state.evaluation.gate_metrics[report.student]["psi"]
    tree = state.students.by_name()["tree"]
    assert math.isnan(gate_metrics(tree, state.evaluation)["latency_ratio"]) or (
        tree.compression["latency_ratio"] is not None
    )


def test_unknown_gate_metrics_are_refused_at_load_by_yaml_path() -> None:
    with pytest.raises(ConfigError, match=r"gates: unknown gate metric\(s\) \['aucc'\]; known: "):
        parse_pipeline_config(tiny_raw(gates={"aucc": {"min": 0.7}}))
    with pytest.raises(ConfigError) as info:
        parse_pipeline_config(tiny_raw(gates={"ks": {}, "psi": {"min": 0.3, "max": 0.1}}))
    assert info.value.problems == [
        "gates.ks: give 'min' and/or 'max'",
        "gates.psi: min 0.3 is above max 0.1",
    ]
    with pytest.raises(ConfigError, match=r"registry.champion_gates: unknown champion gate"):
        parse_pipeline_config(
            tiny_raw(registry={"model_name": "m", "champion_gates": {"auc": {"min": 0}}})
        )
