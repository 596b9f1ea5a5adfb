import re

import numpy as np
import pandas as pd
import pytest

from risk_models.errors import MonotonicityError
from risk_models.students.ga2m import GA2MStudent
from risk_models.students.gam import GAMStudent
from risk_models.students.monotonicity import check_monotone, verify_monotone
from risk_models.students.shape_table import Axis, ShapeTable, Term

INCOME = Axis("income", "numeric", edges=(1000.0, 2000.0, 3000.0))
AGE = Axis("age", "numeric", edges=(30.0, 50.0))
REGION = Axis("region", "categorical", levels=("n", "s"))


def _table(*terms: Term) -> ShapeTable:
    feats = tuple(dict.fromkeys(f for t in terms for f in t.features))
    return ShapeTable(0.0, terms, feats)


def test_one_axis_violation_names_feature_and_bins() -> None:
    # the missing bin (last, 9.0) is exempt
    table = _table(Term("income", (INCOME,), np.array([0.5, 0.12, 0.31, 0.0, 9.0])))
    expected = (
        "feature 'income' declared -1 (risk falls as the value rises) but the contribution "
        "rises from bin '[1000, 2000)' (0.12) to bin '[2000, 3000)' (0.31)"
    )
    assert check_monotone(table, {"income": -1}) == [expected]
    with pytest.raises(MonotonicityError, match=f"^{re.escape(expected)}$"):
        verify_monotone(table, {"income": -1})
    assert check_monotone(table, {"income": 0}) == []


def test_pair_violation_names_the_term_and_the_other_cell() -> None:
    values = np.zeros((AGE.size, REGION.size))
    values[:3, 0] = [-0.5, 0.0, 0.5]  # region n: rising
    values[:3, 1] = [0.2, -0.1, 0.4]  # region s: falls then rises
    values[3, :] = -5.0  # age missing: exempt
    table = _table(Term("age x region", (AGE, REGION), values))
    expected = (
        "feature 'age' declared +1 (risk rises with the value) but in term 'age x region' at "
        "region = 's' the contribution falls from bin '< 30' (0.2) to bin '[30, 50)' (-0.1)"
    )
    assert check_monotone(table, {"age": 1}) == [expected]
    with pytest.raises(MonotonicityError, match=re.escape(expected)):
        verify_monotone(table, {"age": 1})


def test_several_violations_are_listed_together() -> None:
    table = _table(
        Term("income", (INCOME,), np.array([0.0, 1.0, 0.5, 2.0, 0.0])),
        Term("age", (AGE,), np.array([1.0, 0.0, 2.0, 0.0])),
    )
    with pytest.raises(MonotonicityError, match=r"^2 monotonicity violations:\n  - feature 'inc"):
        verify_monotone(table, {"income": 1, "age": 1})
    try:
        verify_monotone(table, {"income": 1, "age": 1})
    except MonotonicityError as err:
        assert len(err.problems) == 2  # type: ignore[attr-defined]


def test_tolerance_categorical_axes_and_unused_features() -> None:
    table = _table(
        Term("income", (INCOME,), np.array([0.0, -1e-12, 0.5, 0.5, 0.0])),
        Term("region", (REGION,), np.array([0.0, 1.0, 0.0, 0.0])),
    )
    assert check_monotone(table, {"income": 1, "not_in_table": -1}) == []
    assert check_monotone(table, {"region": 1}) == [
        "feature 'region' declared +1 (risk rises with the value) but term 'region' has a "
        "categorical axis for it"
    ]
    with pytest.raises(ValueError, match=re.escape("monotone direction of 'income' must be")):
        check_monotone(table, {"income": 2})


@pytest.fixture(scope="module")
def u_shaped() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """logit = x^2 - 1 (U-shaped in x) + 0.5 w; x declared +1 breaks the truth on x < 0."""
    rng = np.random.default_rng(3)
    n = 2000
    X = pd.DataFrame({"x": rng.uniform(-2, 2, n), "w": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "x"] = np.nan
    z = X["x"].fillna(0.0).to_numpy() ** 2 - 1 + 0.5 * X["w"].to_numpy()
    p = 1 / (1 + np.exp(-z))
    return X, (rng.random(n) < p).astype(int), p


def test_enforcement_holds_where_the_unconstrained_fit_violates(u_shaped) -> None:
    X, y, p = u_shaped
    kw = {"n_estimators": 150, "learning_rate": 0.2}
    free = GAMStudent(**kw).fit(X, y, soft_target=p)
    assert len(check_monotone(free.export(), {"x": 1})) > 3
    constrained = GAMStudent(monotone={"x": 1}, **kw).fit(X, y, soft_target=p)
    assert check_monotone(constrained.export(), {"x": 1}) == []
    values = constrained.export().term("x").values[:-1]
    assert np.ptp(values) > 0.5  # rising on x > 0, flat where the truth falls


def test_fit_refuses_a_table_that_breaks_a_declared_direction(u_shaped, monkeypatch) -> None:
    """With enforcement switched off, the verification at the end of fit must catch it."""
    import risk_models.students.gam as gam_module

    X, y, p = u_shaped
    monkeypatch.setattr(gam_module, "monotone_param", lambda design, monotone: {})
    with pytest.raises(
        MonotonicityError, match=r"feature 'x' declared \+1 \(risk rises with the value\) but"
    ):
        GAMStudent(n_estimators=150, learning_rate=0.2, monotone={"x": 1}).fit(X, y, soft_target=p)


def test_ga2m_pair_tables_are_monotone_along_declared_axis() -> None:
    rng = np.random.default_rng(4)
    n = 2500
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "d"])
    z = (X.a + 2 * X.a * X.b + 0.5 * X.d).to_numpy()
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(n) < p).astype(int)
    kw = {"n_estimators": 150, "learning_rate": 0.2, "n_pairs": 1, "pair_rounds": 150}
    free = GA2MStudent(**kw).fit(X, y, soft_target=p)
    assert free.pairs_ == [("a", "b")]
    assert any("in term 'a x b'" in m for m in check_monotone(free.export(), {"a": 1}))
    constrained = GA2MStudent(monotone={"a": 1}, **kw).fit(X, y, soft_target=p)
    assert constrained.pairs_ == [("a", "b")]
    assert check_monotone(constrained.export(), {"a": 1}) == []
    np.testing.assert_allclose(
        constrained.decision_function(X), constrained.booster_margin(X), rtol=0, atol=1e-6
    )
