import json
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.students.compress import (
    integer_points,
    model_footprint,
    quantise_table,
    round_table,
    scoring_latency,
)
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import Axis, ShapeTable, Term


@pytest.fixture
def table() -> ShapeTable:
    a = Axis("a", "numeric", edges=(0.0, 1.0))
    c = Axis("c", "categorical", levels=("x", "y"))
    return ShapeTable(
        -1.23456,
        (
            Term("a", (a,), np.array([0.1234, -0.5, 0.25, 0.0])),
            Term("c", (c,), np.array([0.3333, -0.1, 0.0, 0.0])),
            Term("a x c", (a, c), np.arange(16, dtype=float).reshape(4, 4) / 7),
        ),
        ("a", "c"),
        {"student": "hand"},
    )


def test_footprint_of_a_hand_made_table(table) -> None:
    fp = model_footprint(table)
    assert fp["n_cells"] == 1 + 4 + 4 + 16
    assert fp["n_terms"] == 3
    assert fp["n_pair_terms"] == 1
    assert fp["n_features"] == 2
    compact = json.dumps(table.to_dict(), separators=(",", ":"))
    assert fp["size_bytes"] == len(compact) == 771
    assert fp["size_bytes"] < len(table.to_json())


def test_size_bytes_is_the_compact_json_length() -> None:
    tiny = ShapeTable(
        -1.5,
        (Term("a", (Axis("a", "numeric", edges=(0.0,)),), np.array([0.25, -0.5, 0.0])),),
        ("a",),
    )
    literal = (
        '{"format":"risk_models.shape_table","version":1,"link":"logit","intercept":-1.5,'
        '"features":["a"],"terms":[{"name":"a","axes":[{"feature":"a","kind":"numeric",'
        '"edges":[0.0]}],"values":[0.25,-0.5,0.0]}],"metadata":{}}'
    )
    assert model_footprint(tiny) == {
        "size_bytes": len(literal),
        "n_cells": 4,
        "n_terms": 1,
        "n_pair_terms": 0,
        "n_features": 1,
    }
    assert len(literal) == 215


def test_rounding_moves_scores_by_at_most_half_a_unit_per_term(table) -> None:
    X = pd.DataFrame({"a": [-1.0, 0.0, 0.5, 1.0, np.nan], "c": ["x", "y", None, "q", "x"]})
    rounded = round_table(table, decimals=2)
    assert rounded.intercept == -1.23
    np.testing.assert_array_equal(rounded.term("a").values, [0.12, -0.5, 0.25, 0.0])
    assert rounded.term("a x c").values[0, 1] == 0.14
    bound = (len(table.terms) + 1) * 0.005  # the intercept is rounded too
    diff = np.abs(rounded.predict_logit(X) - table.predict_logit(X))
    assert diff.max() <= bound + 1e-12
    assert table.intercept == -1.23456  # the input is left unchanged
    assert rounded.metadata == {"student": "hand", "rounded_decimals": 2}
    assert model_footprint(rounded)["size_bytes"] < model_footprint(table)["size_bytes"]
    with pytest.raises(ValueError, match=re.escape("decimals must be a non-negative integer")):
        round_table(table, decimals=-1)


def test_integer_points_agree_with_the_quantised_table(table) -> None:
    X = pd.DataFrame({"a": [-1.0, 0.5, np.nan], "c": ["x", "y", "zz"]})
    quant = quantise_table(table, points_per_logit=20)
    points = integer_points(table, points_per_logit=20)
    assert points["intercept"] == -25
    np.testing.assert_array_equal(points["terms"]["a"], [2, -10, 5, 0])
    idx_a = quant.term("a").axes[0].index(X["a"])
    idx_c = quant.term("c").axes[0].index(X["c"])
    score = (
        points["intercept"]
        + points["terms"]["a"][idx_a]
        + points["terms"]["c"][idx_c]
        + points["terms"]["a x c"][idx_a, idx_c]
    )
    np.testing.assert_allclose(score / 20, quant.predict_logit(X), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=re.escape("points_per_logit must be > 0, got 0")):
        quantise_table(table, 0)


def test_scoring_latency_times_the_function(table) -> None:
    X = pd.DataFrame({"a": np.linspace(-2, 2, 500), "c": ["x", "y"] * 250})
    calls = []

    def score(frame: pd.DataFrame) -> np.ndarray:
        calls.append(len(frame))
        return table.predict_logit(frame)

    out = scoring_latency(score, X, repeats=3)
    assert calls == [500] * 4  # one warm-up call
    assert out["n_rows"] == 500 and out["repeats"] == 3
    assert out["seconds_per_call"] > 0
    assert out["seconds_per_1k_rows"] == pytest.approx(out["seconds_per_call"] * 2)


def test_compressing_a_fitted_gam(additive_frame) -> None:
    X, y, p = additive_frame
    model = GAMStudent(n_estimators=100, learning_rate=0.2).fit(X, y, soft_target=p)
    table = model.export()
    rounded = round_table(table, decimals=2)
    diff = np.abs(rounded.predict_logit(X) - model.decision_function(X))
    assert diff.max() <= (len(table.terms) + 1) * 0.005 + 1e-12
    assert model_footprint(rounded)["n_cells"] == model_footprint(table)["n_cells"]
    assert model_footprint(rounded)["size_bytes"] < model_footprint(table)["size_bytes"]
