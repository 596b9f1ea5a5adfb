"""Gates declared over metric names."""

from __future__ import annotations

import re

import pytest

from risk_models.errors import RiskModelsError
from risk_models.evaluation.gate_policy import (
    GateRule,
    UnknownMetricError,
    evaluate_policy,
    parse_rules,
)


def test_parse_and_evaluate_rules() -> None:
    rules = parse_rules({"auc": {"min": 0.7}, "psi": {"max": 0.25}, "ece": {"min": 0, "max": 0.05}})
    assert [(r.metric, r.op, r.threshold) for r in rules] == [
        ("auc", ">=", 0.7),
        ("psi", "<=", 0.25),
        ("ece", ">=", 0.0),
        ("ece", "<=", 0.05),
    ]
    report = evaluate_policy("gam", {"auc": 0.75, "psi": 0.31, "ece": 0.01}, rules)
    assert not report.passed
    assert [(c.name, c.passed) for c in report.checks] == [
        ("auc", True),
        ("psi", False),
        ("ece", True),
        ("ece", True),
    ]
    assert report.to_dict()["checks"][1] == {
        "name": "psi",
        "value": 0.31,
        "threshold": 0.25,
        "comparison": "<=",
        "passed": False,
    }


def test_nan_fails_and_unknown_metrics_are_named() -> None:
    rules = (GateRule("auc", ">=", 0.7), GateRule("ks", ">=", 0.2), GateRule("lift", ">=", 2))
    assert not evaluate_policy("s", {"auc": float("nan"), "ks": 0.3, "lift": 3}, rules).passed
    with pytest.raises(UnknownMetricError, match=re.escape("name metric(s) ['ks', 'lift']")) as e:
        evaluate_policy("s", {"auc": 0.8}, rules)
    assert isinstance(e.value, RiskModelsError) and isinstance(e.value, KeyError)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("gate on 'auc': op must be one of")):
        GateRule("auc", ">", 0.5)
    with pytest.raises(ValueError, match=re.escape("gate on 'auc': give 'min' and/or 'max'")):
        parse_rules({"auc": {"above": 0.5}})
