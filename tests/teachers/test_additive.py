"""The EBM-style additive teacher member (issue 9, item 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.metrics import auc
from risk_models.params import ParameterError
from risk_models.teachers.additive import AdditiveTeacher
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher, teacher_class


def _book(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Additive risk plus one planted interaction; returns X, y and the true log-odds."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.uniform(-2, 2, size=n),
            "c": rng.normal(size=n),
            "grade": pd.Categorical(rng.choice(["A", "B", "C", "D"], size=n)),
        }
    )
    grade = X["grade"].map({"A": -1.0, "B": -0.3, "C": 0.4, "D": 1.2}).astype(float)
    z = 0.8 * X["a"] + np.sin(2 * X["b"]) + grade + 1.2 * np.sign(X["a"] * X["c"]) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).to_numpy().astype(int)
    return X, y, z.to_numpy()


def test_fits_shapes_and_pairs_on_hard_labels() -> None:
    X, y, z = _book()
    tr, va, te = slice(0, 2500), slice(2500, 3200), slice(3200, None)
    gam = AdditiveTeacher(n_pairs=0, learning_rate=0.05).fit(X[tr], y[tr], eval_set=(X[va], y[va]))
    ga2m = AdditiveTeacher(n_pairs=4, learning_rate=0.05).fit(X[tr], y[tr], eval_set=(X[va], y[va]))
    assert gam.n_pairs_ == 0
    assert ga2m.n_pairs_ >= 1
    assert "a x c" in [t.name for t in ga2m.table_.terms]
    truth = auc(y[te], z[te])
    assert auc(y[te], ga2m.decision_function(X[te])) > auc(y[te], gam.decision_function(X[te]))
    assert auc(y[te], ga2m.decision_function(X[te])) > truth - 0.03


def test_save_load_round_trip_scores_identically(tmp_path) -> None:
    X, y, _ = _book(2000)
    model = AdditiveTeacher(n_pairs=2, learning_rate=0.1).fit(
        X[:1500], y[:1500], eval_set=(X[1500:], y[1500:])
    )
    model.save(tmp_path / "m")
    back = teacher_class("additive").load(tmp_path / "m")
    np.testing.assert_array_equal(back.decision_function(X), model.decision_function(X))
    assert back.get_params() == model.get_params()
    assert not list(tmp_path.rglob("*.pkl"))


def test_bad_params_are_refused_by_name() -> None:
    X, y, _ = _book(500)
    with pytest.raises(ParameterError, match="learning_rate"):
        AdditiveTeacher(learning_rate=0.0).fit(X, y)


def test_cross_fitted_member_in_an_ensemble(tmp_path) -> None:
    X, y, _ = _book(3000, seed=1)
    members = [
        ("lgbm", build_teacher("lightgbm", {"n_estimators": 200}, 0)),
        ("additive", build_teacher("additive", {"n_pairs": 2, "learning_rate": 0.1}, 0)),
    ]
    ens = TeacherEnsemble(members=members, cv_folds=3, random_state=0)
    ens.fit(X[:2000], y[:2000], eval_set=(X[2000:2500], y[2000:2500]))
    assert np.isfinite(ens.cross_fitted_logit_).all()
    assert ens.weights_[1] > 0.05  # the additive member earns weight on additive data
    ens.save(tmp_path / "t")
    back = TeacherEnsemble.load(tmp_path / "t")
    np.testing.assert_allclose(
        back.decision_function(X[2500:]), ens.decision_function(X[2500:]), atol=1e-12
    )
