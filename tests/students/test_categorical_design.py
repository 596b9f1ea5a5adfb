"""Categoricals as native level codes in the GAM/GA2M students (issue 9, item 1)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from risk_models.students.design import OTHER_LEVEL, AdditiveDesign
from risk_models.students.ga2m import GA2MStudent
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import ShapeTable


def _frame(
    n: int = 4000, n_levels: int = 300, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A numeric and a many-level string column (Zipf-like, some NaN); true probability and
    the planted log-odds effect of level ``L{i}``."""
    rng = np.random.default_rng(seed)
    freq = 1.0 / np.arange(1, n_levels + 1)
    codes = rng.choice(n_levels, size=n, p=freq / freq.sum())
    effect = np.linspace(-1.5, 1.5, n_levels)[rng.permutation(n_levels)]
    cat = pd.Series([f"L{c}" for c in codes], dtype=object)
    cat[rng.random(n) < 0.05] = None
    x = rng.normal(size=n)
    logit = -1.0 + 0.7 * x + np.where(cat.isna(), 1.0, effect[codes])
    return pd.DataFrame({"x": x, "cat": cat}), expit(logit), effect


def test_design_has_one_column_per_feature_and_pools_rare_levels() -> None:
    X = pd.DataFrame({"c": ["a", "a", "a", "b", None, "z"], "v": [1.0, 2, 3, 4, 5, 6]})
    design = AdditiveDesign.fit(X, min_level_count=2)
    assert design.column_names == ["c", "v"] and design.feature_types == ["c", "q"]
    assert design.categorical["c"] == ("a",) and design.pooled == {"c": 2}
    new = pd.DataFrame({"c": ["a", "b", None, "never-seen"], "v": [0.0, 0, 0, 0]})
    codes = design.transform(new)[:, 0]
    # a -> 0; rare b and the unseen level -> the pooled code 1; missing -> NaN
    assert codes[:2].tolist() == [0.0, 1.0] and np.isnan(codes[2]) and codes[3] == 1.0


def test_gam_categorical_table_matches_booster_with_rare_and_unseen_levels() -> None:
    X, p, _ = _frame()
    model = GAMStudent(n_estimators=200, min_level_count=20, device="cpu")
    model.fit(X, (p > 0.5).astype(int), soft_target=p)
    term = next(t for t in model.shape_table_.terms if t.name == "cat")
    axis = term.axes[0]
    assert 0 < len(axis.levels) < 300 and model.design_.pooled["cat"] > 0
    # the booster never saw more than one column for the 300-level feature
    assert model.booster_.num_features() == 2
    test = X.copy()
    test.loc[:9, "cat"] = [f"unseen{i}" for i in range(10)]
    for frame in (X, test):
        np.testing.assert_allclose(
            model.decision_function(frame), model.booster_margin(frame), rtol=0, atol=1e-6
        )
    # unseen and rare training levels score as the pooled (unknown) cell
    counts = X["cat"].value_counts()
    rare = counts.index[counts.to_numpy() < 20][0]
    idx = axis.index(pd.Series(["unseen0", rare, None], dtype=object))
    assert idx.tolist() == [axis.unknown_index, axis.unknown_index, axis.missing_index]
    # the table survives its JSON form, unknown cell included
    again = ShapeTable.from_dict(model.shape_table_.to_dict())
    np.testing.assert_allclose(again.predict_logit(test), model.decision_function(test), atol=0)


def test_gam_learns_a_shape_over_levels() -> None:
    X, p, effect = _frame(n=20000, n_levels=20, seed=1)
    model = GAMStudent(n_estimators=300, device="cpu").fit(X, (p > 0.5).astype(int), soft_target=p)
    term = next(t for t in model.shape_table_.terms if t.name == "cat")
    levels = term.axes[0].levels
    learned = term.values[: len(levels)]
    planted = np.array([effect[int(lv[1:])] for lv in levels])
    assert np.corrcoef(learned, planted)[0, 1] > 0.95
    assert OTHER_LEVEL not in levels


def test_ga2m_categorical_pair_table_matches_boosters() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    cat = rng.choice(["a", "b", "c", "d"], size=n)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    logit = 0.5 * z + np.where(cat == "b", 2.0 * x, -0.5 * x)  # planted cat x x interaction
    X = pd.DataFrame({"cat": pd.Series(cat, dtype=object), "x": x, "z": z})
    p = expit(logit)
    model = GA2MStudent(n_estimators=200, n_pairs=1, pair_rounds=100, device="cpu")
    model.fit(X, (p > 0.5).astype(int), soft_target=p)
    assert model.pairs_ == [("cat", "x")]
    test = X.iloc[:200].copy()
    test.loc[:19, "cat"] = "e"  # a level never seen in training
    np.testing.assert_allclose(
        model.decision_function(test), model.booster_margin(test), rtol=0, atol=1e-6
    )


def test_min_level_count_is_checked() -> None:
    X, p, _ = _frame(n=200, n_levels=5)
    with pytest.raises(
        ValueError,
        match=re.escape("invalid GAMStudent parameter(s): min_level_count: must be >= 1, got 0"),
    ):
        GAMStudent(min_level_count=0).fit(X, (p > 0.5).astype(int), soft_target=p)
