"""Monotonicity checks on hand-built tables and rule sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.monotone_checks import monotonicity_checks
from risk_models.students.rules import Condition, Rule, RuleSet
from risk_models.students.shape_table import Axis, ShapeTable, Term


def _table() -> ShapeTable:
    x = Axis("x", "numeric", edges=(1.0, 2.0))  # bins < 1, [1, 2), >= 2, missing
    z = Axis("z", "numeric", edges=(0.0,))
    return ShapeTable(
        0.0,
        (
            Term("x", (x,), np.array([0.0, 0.5, 0.2, 9.0])),
            Term("z", (z,), np.array([1.0, 0.0, 5.0])),
        ),
        ("x", "z", "unused"),
    )


def test_table_checks_name_the_breaking_bins_and_exempt_missing() -> None:
    out = monotonicity_checks(_table(), {"x": 1, "z": -1, "unused": 1, "ignored": 0})
    by = {c["feature"]: c for c in out}
    assert set(by) == {"x", "z", "unused"}
    assert not by["x"]["passed"] and by["x"]["n_violations"] == 1
    assert by["x"]["violations"] == [
        "feature 'x' declared +1 (risk rises with the value) but the contribution falls from "
        "bin '[1, 2)' (0.5) to bin '>= 2' (0.2)"
    ]
    assert by["z"]["passed"] and by["z"]["method"] == "table"  # missing bin (5.0) is exempt
    assert by["unused"] == {
        "feature": "unused",
        "direction": 1,
        "method": "table",
        "used": False,
        "passed": True,
        "n_violations": 0,
        "violations": [],
    }


def _rules() -> RuleSet:
    return RuleSet(
        rules=(
            Rule((Condition("x", "<", 5.0),), 1.0),
            Rule((Condition("x", ">=", 5.0),), 0.0),
        ),
        intercept=0.5,
        default=0.0,
        features=("x", "y"),
    )


def test_rule_set_checked_ceteris_paribus() -> None:
    X = pd.DataFrame({"x": np.arange(10.0), "y": np.zeros(10)})
    out = monotonicity_checks(_rules(), {"x": 1, "y": 1}, X)
    by = {c["feature"]: c for c in out}
    assert by["x"]["method"] == "ceteris_paribus" and not by["x"]["passed"]
    assert by["x"]["violations"][0].startswith(
        "feature 'x' declared +1 but the score falls for 10 of 10 sampled row(s)"
    )
    assert by["y"]["used"] is False and by["y"]["passed"]
    assert monotonicity_checks(_rules(), {"x": -1}, X)[0]["passed"]


def test_rule_set_needs_rows() -> None:
    with pytest.raises(ValueError, match="monotonicity_checks: a rule set is checked on rows"):
        monotonicity_checks(_rules(), {"x": 1})
