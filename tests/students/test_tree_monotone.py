"""The tree student enforces declared monotone directions, and its rules stay exact."""

import re

import numpy as np
import pandas as pd
import pytest

from risk_models.students.tree import TreeStudent


@pytest.fixture(scope="module")
def wiggly() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A teacher whose log-odds rise and fall in ``a`` (sin), rise in ``b``; NaNs in ``a``."""
    rng = np.random.default_rng(1)
    n = 3000
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 10, n).astype(float),
            "c": pd.Categorical(rng.choice(["x", "y", "z"], n)),
        }
    )
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    z = np.sin(2 * X["a"].fillna(0.3).to_numpy()) + 0.3 * X["b"].to_numpy() - 1
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(n) < p).astype(int)
    return X, y, p


def _worst_drop(model: TreeStudent, X: pd.DataFrame, feature: str, direction: int) -> float:
    """Largest fall of ``direction * logit`` as ``feature`` grows, others fixed, over rows."""
    grid = np.linspace(-3.0, 10.0, 131)
    rows = X.dropna().head(60)
    worst = 0.0
    for _, row in rows.iterrows():
        G = pd.DataFrame([row] * len(grid)).reset_index(drop=True)
        G[feature] = grid
        G["c"] = pd.Categorical(G["c"], categories=X["c"].cat.categories)
        score = direction * model.decision_function(G)
        worst = max(worst, float(np.max(-np.diff(score))))
    return worst


def test_without_constraint_the_tree_follows_the_wiggle(wiggly) -> None:
    X, y, p = wiggly
    free = TreeStudent().fit(X, y, soft_target=p)
    assert _worst_drop(free, X, "a", +1) > 0.5 and _worst_drop(free, X, "a", -1) > 0.5
    assert "monotone" not in free.export().metadata


@pytest.mark.parametrize("soft", [True, False])
@pytest.mark.parametrize("monotone", [{"a": 1}, {"a": -1, "b": 1}])
def test_declared_directions_are_enforced_and_rules_match_the_tree(wiggly, monotone, soft) -> None:
    X, y, p = wiggly
    model = TreeStudent(monotone=monotone).fit(X, y, soft_target=p if soft else None)
    for feature, direction in monotone.items():
        assert _worst_drop(model, X, feature, direction) == 0.0
    rules = model.export()
    assert rules.metadata["monotone"] == monotone
    np.testing.assert_array_equal(model.decision_function(X), model.trainer_logit(X))
    with_nan = X.head(200).assign(a=np.nan)
    np.testing.assert_array_equal(model.decision_function(with_nan), model.trainer_logit(with_nan))


def test_zero_direction_is_no_constraint(wiggly) -> None:
    X, y, p = wiggly
    a = TreeStudent().fit(X, y, soft_target=p)
    b = TreeStudent(monotone={"a": 0}).fit(X, y, soft_target=p)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert "monotone" not in b.export().metadata


@pytest.mark.parametrize(
    ("monotone", "message"),
    [
        ({"c": 1}, "monotone constraints given for ['c'], which are not numeric features of X"),
        ({"zz": -1}, "monotone constraints given for ['zz'], which are not numeric features of X"),
        ({"a": 2}, "invalid TreeStudent parameter(s): monotone.a: must be -1, 0 or +1, got 2"),
    ],
)
def test_bad_monotone_is_refused(wiggly, monotone, message) -> None:
    X, y, p = wiggly
    with pytest.raises(ValueError, match=re.escape(message)):
        TreeStudent(monotone=monotone).fit(X, y, soft_target=p)


def test_the_pipeline_hands_the_declared_directions_to_the_tree() -> None:
    # students take data.monotone when they list it in distill_params (steps/students.py)
    assert "monotone" in TreeStudent.distill_params
