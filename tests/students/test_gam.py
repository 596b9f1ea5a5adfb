import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from risk_models.evaluation.metrics import auc
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import ShapeTable


@pytest.fixture(scope="module")
def fitted(additive_frame):
    X, y, p = additive_frame
    model = GAMStudent(n_estimators=400, learning_rate=0.2, monotone={"b": 1}).fit(
        X, y, soft_target=p
    )
    return model, X, y, p


def test_table_scores_match_booster_margins_to_1e6(fitted) -> None:
    model, X, _, _ = fitted
    table_scores = model.decision_function(X)
    np.testing.assert_allclose(table_scores, model.booster_margin(X), rtol=0, atol=1e-6)
    # XGBoost's own float32 accumulation agrees to float32 precision.
    np.testing.assert_allclose(
        table_scores, model.booster_margin(X, exact=False), rtol=0, atol=1e-4
    )


def test_table_matches_booster_on_unseen_levels_and_missing(fitted) -> None:
    model, X, _, _ = fitted
    X2 = X.head(50).copy()
    X2["c"] = X2["c"].astype(object)
    X2.loc[:9, "c"] = "never-seen"
    X2.loc[10:19, "a"] = np.nan
    np.testing.assert_allclose(
        model.decision_function(X2), model.booster_margin(X2), rtol=0, atol=1e-6
    )


def test_recovers_the_additive_signal(fitted) -> None:
    model, X, y, p = fitted
    z = model.decision_function(X)
    assert np.corrcoef(z, np.log(p / (1 - p)))[0, 1] > 0.97
    assert auc(y, z) > 0.7


def test_monotone_constraint_holds_on_exported_table(fitted) -> None:
    model, *_ = fitted
    values = model.shape_table_.term("b").values[:-1]  # drop the missing bin
    assert np.all(np.diff(values) >= -1e-12)


def test_table_is_readable_json_and_scores_without_xgboost(fitted, tmp_path) -> None:
    model, X, _, _ = fitted
    path = model.explain().save(tmp_path / "gam.json")
    table = ShapeTable.load(path)
    np.testing.assert_array_equal(table.predict_logit(X), model.decision_function(X))
    assert [t.name for t in table.terms] == ["a", "b", "c"]
    assert table.term("c").axes[0].levels == ("x", "y", "z")


def test_hard_labels_and_early_stopping(additive_frame) -> None:
    X, y, _ = additive_frame
    model = GAMStudent(n_estimators=2000, learning_rate=0.3, early_stopping_rounds=10)
    model.fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    assert model.n_trees_ < 2000
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert clone(model).get_params() == model.get_params()


def test_monotone_on_categorical_is_refused(additive_frame) -> None:
    X, y, _ = additive_frame
    with pytest.raises(ValueError, match=re.escape("monotone constraints given for ['c']")):
        GAMStudent(monotone={"c": 1}).fit(X, y)


def test_soft_target_must_be_probabilities(additive_frame) -> None:
    X, y, _ = additive_frame
    with pytest.raises(ValueError, match=re.escape("soft_target must be probabilities in [0, 1]")):
        GAMStudent().fit(X, y, soft_target=np.full(len(X), 1.5))


def test_predict_before_fit_is_refused() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GAMStudent().predict(pd.DataFrame({"a": [1.0]}))
