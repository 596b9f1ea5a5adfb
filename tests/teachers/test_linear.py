"""The ridge-penalised spline logistic teacher member (issue 9, item 2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from risk_models.errors import ModelFormatError
from risk_models.evaluation.metrics import auc
from risk_models.params import ParameterError
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher, teacher_class
from risk_models.teachers.linear import MODEL_FILE, LinearTeacher


def _book(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A curved numeric effect, a linear one, a categorical and missing values."""
    rng = np.random.default_rng(seed)
    grade = rng.choice(["A", "B", "C", "D", "rare"], size=n, p=[0.3, 0.3, 0.2, 0.197, 0.003])
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.uniform(-2, 2, size=n),
            "grade": pd.Categorical(grade),
        }
    )
    X.loc[rng.random(n) < 0.05, "a"] = np.nan
    effect = X["grade"].map({"A": -1.0, "B": -0.3, "C": 0.4, "D": 1.2, "rare": 0.0}).astype(float)
    z = 0.8 * X["a"].fillna(1.0) + 1.5 * np.abs(X["b"]) + effect - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).to_numpy().astype(int)
    return X, y, z.to_numpy()


def test_learns_curved_and_categorical_effects_near_the_truth() -> None:
    X, y, z = _book(6000)
    tr, va, te = slice(0, 3500), slice(3500, 4500), slice(4500, None)
    model = LinearTeacher().fit(X[tr], y[tr], eval_set=(X[va], y[va]))
    truth = auc(y[te], z[te])
    assert auc(y[te], model.decision_function(X[te])) > truth - 0.01
    # |b| is V-shaped: the spline bends, a straight line in b would score no better than chance
    b = pd.DataFrame({"a": 0.0, "b": [-1.8, 0.0, 1.8], "grade": pd.Categorical(["A"] * 3)})
    s = model.decision_function(b)
    assert s[0] > s[1] + 1.0 and s[2] > s[1] + 1.0
    assert len(model.path_loss_) == model.n_strengths
    assert (
        pytest.approx(
            np.geomspace(model.c_min, model.c_max, model.n_strengths)[
                int(np.argmin(model.path_loss_))
            ]
        )
        == model.C_
    )


def test_strength_is_chosen_on_the_stop_rows() -> None:
    """Noise labels on the stop rows favour the strongest penalty; true labels a weaker one."""
    X, y, _ = _book(4000)
    rng = np.random.default_rng(5)
    tr, va = slice(0, 3000), slice(3000, None)
    honest = LinearTeacher().fit(X[tr], y[tr], eval_set=(X[va], y[va]))
    noise = rng.integers(0, 2, size=1000)
    fooled = LinearTeacher().fit(X[tr], y[tr], eval_set=(X[va], noise))
    assert fooled.C_ < honest.C_
    assert pytest.approx(fooled.c_min) == fooled.C_


def test_unseen_rare_and_missing_levels_share_the_reference() -> None:
    X, y, _ = _book()
    model = LinearTeacher(min_level_count=20).fit(X, y)
    rows = pd.DataFrame(
        {"a": [0.0] * 3, "b": [0.5] * 3, "grade": pd.Categorical(["rare", "never-seen", None])}
    )
    s = model.decision_function(rows)
    assert np.isfinite(s).all()
    assert s[0] == pytest.approx(s[1]) and s[1] == pytest.approx(s[2])


def test_save_load_round_trip_scores_identically(tmp_path) -> None:
    X, y, _ = _book(2000)
    model = LinearTeacher().fit(X[:1500], y[:1500], eval_set=(X[1500:], y[1500:]))
    model.save(tmp_path / "m")
    back = teacher_class("linear").load(tmp_path / "m")
    np.testing.assert_array_equal(back.decision_function(X), model.decision_function(X))
    assert back.get_params() == model.get_params() and back.C_ == model.C_
    assert not list(tmp_path.rglob("*.pkl"))


def test_a_tampered_file_is_refused_by_path(tmp_path) -> None:
    X, y, _ = _book(1500)
    LinearTeacher().fit(X, y).save(tmp_path / "m")
    path = tmp_path / "m" / MODEL_FILE
    state = json.loads(path.read_text())
    state["coef"] = state["coef"][:-1]
    path.write_text(json.dumps(state))
    with pytest.raises(ModelFormatError, match="coefficients for a"):
        LinearTeacher.load(tmp_path / "m")


def test_bad_params_are_refused_by_name() -> None:
    X, y, _ = _book(500)
    with pytest.raises(ParameterError, match="n_bins"):
        LinearTeacher(n_bins=1).fit(X, y)
    with pytest.raises(ValueError, match="c_max"):
        LinearTeacher(c_min=1.0, c_max=0.1).fit(X, y)


def test_cross_fitted_member_in_an_ensemble(tmp_path) -> None:
    X, y, _ = _book(3000, seed=1)
    members = [
        ("lgbm", build_teacher("lightgbm", {"n_estimators": 200}, 0)),
        ("linear", build_teacher("linear", {}, 0)),
    ]
    ens = TeacherEnsemble(members=members, cv_folds=3, random_state=0)
    ens.fit(X[:2000], y[:2000], eval_set=(X[2000:2500], y[2000:2500]))
    assert np.isfinite(ens.cross_fitted_logit_).all()
    assert ens.weights_[1] > 0.05  # a near-true additive model earns weight on additive data
    ens.save(tmp_path / "t")
    back = TeacherEnsemble.load(tmp_path / "t")
    np.testing.assert_allclose(
        back.decision_function(X[2500:]), ens.decision_function(X[2500:]), atol=1e-12
    )
