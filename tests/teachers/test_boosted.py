import re

import numpy as np
import pandas as pd
import pytest

from risk_models.errors import ModelFormatError
from risk_models.evaluation.metrics import auc
from risk_models.teachers.boosted import LGBMTeacher, XGBTeacher

FAST = {"n_estimators": 300, "learning_rate": 0.1, "early_stopping_rounds": 20}


@pytest.mark.parametrize("cls", [XGBTeacher, LGBMTeacher])
def test_fits_with_early_stopping_and_round_trips(cls, additive_frame, tmp_path) -> None:
    X, y, _ = additive_frame
    model = cls(**FAST).fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    assert 0 < model.n_trees_ < 300
    z = model.decision_function(X[2000:])
    assert auc(y[2000:], z) > 0.7
    assert model.predict_proba(X).shape == (len(X), 2)
    model.save(tmp_path / "m")
    back = cls.load(tmp_path / "m")
    np.testing.assert_array_equal(back.decision_function(X), model.decision_function(X))
    assert back.get_params() == model.get_params()


@pytest.mark.parametrize("cls", [XGBTeacher, LGBMTeacher])
def test_accepts_soft_labels(cls, additive_frame) -> None:
    X, _, p = additive_frame
    model = cls(**FAST).fit(X, np.zeros(len(X)), soft_target=p)
    z = model.decision_function(X)
    assert np.corrcoef(z, np.log(p / (1 - p)))[0, 1] > 0.9


@pytest.mark.parametrize("cls", [XGBTeacher, LGBMTeacher])
def test_unseen_levels_and_object_columns_score(cls, additive_frame) -> None:
    X, y, _ = additive_frame
    model = cls(**FAST).fit(X, y)
    X2 = X.head(5).copy()
    X2["c"] = ["x", "new", None, "y", "z"]
    assert np.isfinite(model.decision_function(X2)).all()
    same = X.head(5).copy()
    same["c"] = same["c"].astype(object)
    np.testing.assert_allclose(model.decision_function(same), model.decision_function(X.head(5)))


def test_seeded_fits_are_deterministic(additive_frame) -> None:
    X, y, _ = additive_frame
    a = XGBTeacher(**FAST, random_state=3).fit(X, y).decision_function(X)
    b = XGBTeacher(**FAST, random_state=3).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)


def test_missing_column_at_predict_is_named(additive_frame) -> None:
    X, y, _ = additive_frame
    model = LGBMTeacher(**FAST).fit(X, y)
    with pytest.raises(
        ValueError, match=re.escape("X is missing feature column(s) ['c'] seen in fit")
    ):
        model.decision_function(X.drop(columns="c"))


def test_load_refuses_wrong_or_missing_files(additive_frame, tmp_path) -> None:
    X, y, _ = additive_frame
    XGBTeacher(**FAST).fit(X, y).save(tmp_path / "x")
    with pytest.raises(ModelFormatError, match="holds a 'xgboost' teacher, not 'lightgbm'"):
        LGBMTeacher.load(tmp_path / "x")
    with pytest.raises(
        ModelFormatError, match=r"teacher\.json: teacher metadata file not found; check the path"
    ):
        XGBTeacher.load(tmp_path / "empty")
    (tmp_path / "x" / "model.ubj").write_bytes(b"garbage")
    with pytest.raises(ModelFormatError, match="cannot load"):
        XGBTeacher.load(tmp_path / "x")


def test_frame_input_is_required_shape(additive_frame) -> None:
    X, y, _ = additive_frame
    with pytest.raises(ValueError, match=re.escape("X has 3000 rows but y has 10")):
        XGBTeacher(**FAST).fit(X, y[:10])
    with pytest.raises(ValueError, match="y has a single class"):
        XGBTeacher(**FAST).fit(X, np.zeros(len(X), dtype=int))
    assert isinstance(X, pd.DataFrame)


def test_lightgbm_diversity_params_reach_the_booster(additive_frame) -> None:
    X, y, _ = additive_frame
    model = LGBMTeacher(**FAST, extra_trees=True, path_smooth=5.0, max_bin=63, random_state=3).fit(
        X, y
    )
    text = model.booster_.model_to_string()
    assert "[extra_trees: 1]" in text
    assert "[path_smooth: 5]" in text
    assert "[max_bin: 63]" in text
    plain = LGBMTeacher(**FAST, random_state=3).fit(X, y)
    assert not np.allclose(plain.decision_function(X), model.decision_function(X))


def test_xgboost_lossguide_params_reach_the_booster(additive_frame) -> None:
    import json

    X, y, _ = additive_frame
    model = XGBTeacher(
        **FAST, grow_policy="lossguide", max_leaves=7, colsample_bynode=0.5, gamma=0.1
    ).fit(X, y)
    cfg = json.loads(model.booster_.save_config())
    tree = cfg["learner"]["gradient_booster"]["tree_train_param"]
    assert tree["grow_policy"] == "lossguide"
    assert tree["max_leaves"] == "7"
    assert float(tree["colsample_bynode"]) == 0.5
    assert float(tree["gamma"]) == pytest.approx(0.1)


def test_large_fits_learn_at_the_large_rate_and_small_ones_do_not(additive_frame) -> None:
    X, y, _ = additive_frame
    kw = {"n_estimators": 3000, "learning_rate": 0.01, "early_stopping_rounds": 50}
    big = {"large_rows": 2000, "large_learning_rate": 0.1}
    eval_set = (X[2000:], y[2000:])
    slow = LGBMTeacher(**kw).fit(X[:2000], y[:2000], eval_set=eval_set)
    fast = LGBMTeacher(**kw, **big).fit(X[:2000], y[:2000], eval_set=eval_set)
    small = LGBMTeacher(**kw, **big).fit(X[:1999], y[:1999], eval_set=eval_set)
    assert slow.learning_rate_ == 0.01 and small.learning_rate_ == 0.01
    assert fast.learning_rate_ == 0.1
    assert fast.booster_.params["learning_rate"] == 0.1
    assert fast.n_trees_ < slow.n_trees_ / 3
    assert (
        abs(
            auc(y[2000:], fast.decision_function(X[2000:]))
            - auc(y[2000:], slow.decision_function(X[2000:]))
        )
        < 0.01
    )
    with pytest.raises(ValueError, match=r"large_rows .* and large_learning_rate .* go together"):
        LGBMTeacher(**kw, large_rows=2000).fit(X[:2000], y[:2000], eval_set=eval_set)
