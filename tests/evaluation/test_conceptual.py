"""What the report shows of an exported model: shapes with counts, pairs, points, rules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from risk_models.evaluation.conceptual import describe_exported
from risk_models.students.rules import Condition, Rule, RuleSet
from risk_models.students.shape_table import Axis, ShapeTable, Term


def test_shape_table_description_counts_rows_per_bin_and_ranks_terms() -> None:
    a = Axis("a", "numeric", edges=(1.0,))
    c = Axis("c", "categorical", levels=("u", "v"))
    table = ShapeTable(
        -1.0,
        (
            Term("a", (a,), np.array([0.0, 1.0, 0.5])),
            Term("c", (c,), np.array([0.1, -0.1, 0.0, 0.0])),
            Term("a x c", (a, c), np.zeros((3, 4)) + np.arange(4)),
        ),
        ("a", "c"),
        {"points": {"a": [0, 20, 10]}, "points_base": 600, "pdo": 20},
    )
    X = pd.DataFrame({"a": [0.0, 2.0, 3.0, np.nan], "c": ["u", "u", "v", "w"]})
    d = describe_exported(table, X)
    json.dumps(d, allow_nan=False)
    assert [s["feature"] for s in d["shapes"]] == ["a", "c"]  # std 0.41 > 0.087
    a_shape = d["shapes"][0]
    assert a_shape["labels"] == ["< 1", ">= 1", "missing"]
    assert a_shape["counts"] == [1, 2, 1]
    assert a_shape["points"] == [0, 20, 10]
    assert d["shapes"][1]["counts"] == [2, 1, 0, 1]  # u, v, missing, unknown
    assert d["interactions"][0]["features"] == ["a", "c"]
    assert np.asarray(d["interaction_tables"][0]["counts"]).sum() == 4
    assert d["scorecard"]["rows"][0] == {"feature": "a", "bin": "< 1", "points": 0, "n_train": 1}
    assert d["n_cells"] == 1 + 3 + 4 + 12


def test_rule_set_description_counts_rows_per_rule() -> None:
    rules = RuleSet(
        (
            Rule((Condition("x", "<", 5.0),), 1.0, support=0.5),
            Rule((Condition("x", ">=", 5.0),), 0.0),
        ),
        intercept=0.5,
        default=-1.0,
        features=("x",),
    )
    d = describe_exported(rules, pd.DataFrame({"x": [1.0, 2.0, 7.0]}))
    assert d["type"] == "rule_set" and d["n_rules"] == 2
    assert [r["n_train"] for r in d["rules"]] == [2, 1]
    assert d["features_used"] == ["x"]
    assert d["text"].startswith("IF x < 5 THEN")
