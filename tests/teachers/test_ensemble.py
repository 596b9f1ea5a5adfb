import numpy as np

from risk_models.evaluation.metrics import auc
from risk_models.teachers.boosted import LGBMTeacher, XGBTeacher
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher

FAST = {"n_estimators": 200, "learning_rate": 0.1, "early_stopping_rounds": 20}


def _ensemble(**kw) -> TeacherEnsemble:
    return TeacherEnsemble(
        members=[("xgb", XGBTeacher(**FAST)), ("lgbm", LGBMTeacher(**FAST))], **kw
    )


def test_equal_weights_average_member_logits(credit_data) -> None:
    s = credit_data
    ens = _ensemble().fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
    z = ens.member_logits(s.test.X)
    np.testing.assert_allclose(ens.decision_function(s.test.X), z.mean(axis=1))
    assert ens.member_names == ["xgb", "lgbm"]
    assert auc(s.test.y, ens.decision_function(s.test.X)) > 0.7


def test_fitted_weights_and_calibration_round_trip(credit_data, tmp_path) -> None:
    s = credit_data
    ens = _ensemble(weighting="fitted", calibration="temperature")
    ens.fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
    assert np.all(ens.weights_ >= 0) and abs(ens.weights_.sum() - 1) < 1e-9
    ens.save(tmp_path / "ens")
    back = TeacherEnsemble.load(tmp_path / "ens")
    np.testing.assert_allclose(back.decision_function(s.test.X), ens.decision_function(s.test.X))
    assert back.calibration == "temperature"


def test_build_teacher_sets_seed() -> None:
    t = build_teacher("xgboost", {"max_depth": 3}, seed=9)
    assert t.random_state == 9 and t.max_depth == 3


def test_cross_fitted_members_and_out_of_fold_ensemble(credit_data, tmp_path) -> None:
    s = credit_data
    ens = _ensemble(weighting="fitted", calibration="temperature", cv_folds=3)
    ens.fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
    n_pool = s.train.n_rows + s.valid.n_rows
    assert ens.cross_fitted_logit_.shape == (n_pool,)
    assert np.isfinite(ens.cross_fitted_logit_).all()
    assert sorted(np.unique(ens.folds_).tolist()) == [0, 1, 2]
    member = ens.fitted_members_[0][1]
    assert len(member.fold_models_) == 3
    # a bagged member predicts the mean of its fold models
    z = np.mean([m.decision_function(s.test.X) for m in member.fold_models_], axis=0)
    np.testing.assert_allclose(member.decision_function(s.test.X), z)
    # every out-of-fold member score comes from the fold model that did not see the row
    held = ens.folds_ == 1
    pool_X = __import__("pandas").concat([s.train.X, s.valid.X], ignore_index=True)
    np.testing.assert_allclose(
        ens.oof_member_logits_[held, 0], member.fold_models_[1].decision_function(pool_X[held])
    )
    assert auc(s.test.y, ens.decision_function(s.test.X)) > 0.7
    ens.save(tmp_path / "ens")
    back = TeacherEnsemble.load(tmp_path / "ens")
    np.testing.assert_allclose(back.decision_function(s.test.X), ens.decision_function(s.test.X))


def test_weight_l2_shrinks_fitted_weights_towards_equal(credit_data, tmp_path) -> None:
    s = credit_data
    members = [
        ("xgb", XGBTeacher(**FAST)),
        ("lgbm", LGBMTeacher(**FAST)),
        ("weak", XGBTeacher(**{**FAST, "n_estimators": 3})),
    ]
    spread = {}
    for l2 in (0.0, 0.05):
        ens = TeacherEnsemble(members=members, weighting="fitted", weight_l2=l2)
        ens.fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
        assert np.all(ens.weights_ >= 0) and abs(ens.weights_.sum() - 1) < 1e-9
        spread[l2] = float(np.sum((ens.weights_ - 1 / 3) ** 2))
    assert spread[0.05] < spread[0.0]
    ens.save(tmp_path / "ens")
    back = TeacherEnsemble.load(tmp_path / "ens")
    assert back.weight_l2 == 0.05
    np.testing.assert_allclose(back.weights_, ens.weights_)


def test_row_budget_cuts_the_folds_of_a_large_book(credit_data, tmp_path) -> None:
    ens = _ensemble(cv_folds=10, cv_row_budget=300_000)
    assert ens.folds_for(22_500) == 10  # UCI Taiwan's pooled rows: unchanged
    assert ens.folds_for(37_500) == 8
    assert ens.folds_for(112_500) == 3  # 150,000 rows: 3 folds
    assert ens.folds_for(5_000_000) == 3  # never under 3
    assert _ensemble(cv_folds=2, cv_row_budget=10).folds_for(10**6) == 2  # nor over cv_folds
    assert _ensemble(cv_folds=10).folds_for(10**7) == 10  # no budget: cv_folds
    timed = _ensemble(cv_folds=10, cv_row_budget=1000, fold_order="time")
    assert timed.folds_for(10**6) == 10  # time blocks keep their count
    s = credit_data
    n_pool = s.train.n_rows + s.valid.n_rows
    budget = 4 * n_pool + 1  # room for 4 folds, not 5
    ens = _ensemble(cv_folds=5, cv_row_budget=budget)
    ens.fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
    assert ens.n_folds_ == 4 and sorted(np.unique(ens.folds_).tolist()) == [0, 1, 2, 3]
    assert all(len(m.fold_models_) == 4 for _, m in ens.fitted_members_)
    back = TeacherEnsemble.load(ens.save(tmp_path / "ens"))
    assert back.n_folds_ == 4 and back.cv_folds == 5 and back.cv_row_budget == budget
