"""A GA2M takes a GAM's additive stage only when it would have fitted the same one."""

import numpy as np
import pandas as pd
import pytest

from risk_models.students._main_effects import MainEffects
from risk_models.students.ga2m import GA2MStudent
from risk_models.students.gam import GAMStudent

KW = {"n_estimators": 200, "learning_rate": 0.2, "early_stopping_rounds": 20}
PAIRS = {"n_pairs": 2, "pair_rounds": 100, "pair_learning_rate": 0.2}


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 2500
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(4)})
    X["c"] = rng.choice(["a", "b", "c", "d"], n).astype(object)
    X.loc[rng.random(n) < 0.05, "x1"] = np.nan
    z = X.x0 - X.x1.fillna(0) + 1.5 * X.x2 * X.x3 + (X.c == "b") - 0.5
    p = 1 / (1 + np.exp(-z.to_numpy()))
    y = (rng.random(n) < p).astype(int)
    return X, y, p


def _fit_gam(book) -> GAMStudent:
    X, y, p = book
    return GAMStudent(**KW).fit(
        X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], p[2000:])
    )


def test_ga2m_with_the_gams_stage_is_the_ga2m_without(book) -> None:
    X, y, p = book
    gam = _fit_gam(book)
    assert isinstance(gam.main_effects_, MainEffects)
    args = (X[:2000], y[:2000])
    kw = {"soft_target": p[:2000], "eval_set": (X[2000:], p[2000:])}
    alone = GA2MStudent(**KW, **PAIRS).fit(*args, **kw)
    shared = GA2MStudent(**KW, **PAIRS).fit(*args, **kw, reuse=[object(), gam])
    assert shared.booster_ is gam.booster_  # taken, not refitted
    assert alone.booster_ is not gam.booster_
    assert shared.main_effects_.key == alone.main_effects_.key == gam.main_effects_.key
    assert shared.pairs_ == alone.pairs_
    np.testing.assert_array_equal(shared.decision_function(X), alone.decision_function(X))
    assert shared.export().to_dict() == alone.export().to_dict()
    # the GAM keeps its own table (the GA2M's pairs are added to a new one)
    assert all(len(t.axes) == 1 for t in gam.export().terms)


@pytest.mark.parametrize(
    "change",
    [
        {"params": {"max_bin": 32}},
        {"params": {"reg_lambda": 2.0}},
        {"rows": slice(1, 2000)},
        {"soft": 0.01},
        {"weight": True},
        {"eval": "hard"},
    ],
)
def test_a_stage_from_other_params_or_data_is_not_taken(book, change) -> None:
    X, y, p = book
    gam = _fit_gam(book)
    rows = change.get("rows", slice(0, 2000))
    soft = np.clip(p[rows] + change.get("soft", 0.0), 0, 1)
    kw = {
        "soft_target": soft,
        "eval_set": (X[2000:], y[2000:] if change.get("eval") == "hard" else p[2000:]),
        "sample_weight": np.full(len(soft), 2.0) if change.get("weight") else None,
    }
    params = {**KW, **PAIRS, **change.get("params", {})}
    model = GA2MStudent(**params).fit(X[rows], y[rows], **kw, reuse=[gam])
    assert model.booster_ is not gam.booster_
    assert model.main_effects_.key != gam.main_effects_.key


def test_a_gam_takes_the_stage_of_a_ga2m(book) -> None:
    X, y, p = book
    ga2m = GA2MStudent(**KW, **PAIRS).fit(
        X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], p[2000:])
    )
    gam = GAMStudent(**KW).fit(
        X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], p[2000:]), reuse=[ga2m]
    )
    assert gam.booster_ is ga2m.booster_
    np.testing.assert_array_equal(gam.decision_function(X), _fit_gam(book).decision_function(X))
    assert all(len(t.axes) == 1 for t in gam.export().terms)
