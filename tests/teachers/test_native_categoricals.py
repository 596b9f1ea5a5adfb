"""The boosted teachers split categoricals natively (issue 9, item 1), never as numbers."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.teachers.boosted import LGBMTeacher, XGBTeacher


def _frame(n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    """A 30-level string column whose effect is not ordered by the level names."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 30, size=n)
    effect = np.where(codes % 2 == 0, 1.5, -1.5)  # alternating: no threshold on codes fits
    X = pd.DataFrame({"c": pd.Series([f"L{c:02d}" for c in codes], dtype=object)})
    X["x"] = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(effect + 0.3 * X["x"])))).astype(int)
    return X, np.asarray(y)


def test_lightgbm_teacher_uses_categorical_splits() -> None:
    X, y = _frame()
    teacher = LGBMTeacher(n_estimators=20).fit(X, y)
    model = teacher.booster_.dump_model()
    assert model["feature_names"] == ["c", "x"]
    decisions: set[str] = set()

    def walk(node: dict) -> None:
        if "split_feature" in node:
            if node["split_feature"] == 0:
                decisions.add(node["decision_type"])
            walk(node["left_child"])
            walk(node["right_child"])

    for tree in model["tree_info"]:
        walk(tree["tree_structure"])
    assert decisions == {"=="}  # set membership over levels, not a threshold


def test_xgboost_teacher_uses_categorical_splits() -> None:
    X, y = _frame()
    teacher = XGBTeacher(n_estimators=20, device="cpu").fit(X, y)
    trees = json.loads(teacher.booster_.save_raw("json"))["learner"]["gradient_booster"]
    split_types = {
        t["split_type"][i]
        for t in trees["model"]["trees"]
        for i, f in enumerate(t["split_indices"])
        if t["left_children"][i] != -1 and f == 0
    }
    assert split_types == {1}


def test_lightgbm_capacity_search_picks_on_the_eval_set_and_records_it() -> None:
    from risk_models.teachers.boosted import capacity_candidates

    assert capacity_candidates(24, 200, 1000) == [
        {},
        {"num_leaves": 15, "min_child_samples": 20},
        {"num_leaves": 4, "min_child_samples": 20},
    ]
    assert capacity_candidates(4, 10, 100) == [{}]  # already small: nothing else to try
    X, y = _frame(2000)
    params = {"n_estimators": 200, "num_leaves": 24, "min_child_samples": 800}
    teacher = LGBMTeacher(**params, capacity_search=True)
    teacher.fit(X[:1500], y[:1500], eval_set=(X[1500:], y[1500:]))
    choice = teacher.capacity_choice_
    losses = [c["valid_loss"] for c in choice["candidates"]]
    assert len(losses) == 3 and choice["chosen"] == int(np.argmin(losses))
    # 800 rows per leaf on 1,500 rows allow no split at all: a smaller capacity wins
    assert choice["chosen"] != 0
    plain = LGBMTeacher(**params).fit(X[:1500], y[:1500], eval_set=(X[1500:], y[1500:]))
    assert plain.capacity_choice_ is None


def test_capacity_search_can_also_try_extremely_randomised_splits() -> None:
    from risk_models.teachers.boosted import capacity_candidates

    base = capacity_candidates(24, 200, 1000)
    assert capacity_candidates(24, 200, 1000, extra_trees=True) == [
        *base,
        {"num_leaves": 4, "min_child_samples": 20, "extra_trees": True},
    ]
    assert capacity_candidates(4, 10, 100, extra_trees=True) == [{}, {"extra_trees": True}]
    X, y = _frame(2000)
    params = {"n_estimators": 100, "num_leaves": 24, "min_child_samples": 50}
    fit = {"eval_set": (X[1500:], y[1500:])}
    teacher = LGBMTeacher(**params, capacity_search=True, capacity_extra_trees=True)
    choice = teacher.fit(X[:1500], y[:1500], **fit).capacity_choice_
    assert len(choice["candidates"]) == 4 and choice["candidates"][3]["extra_trees"] is True
    losses = [c["valid_loss"] for c in choice["candidates"]]
    assert choice["chosen"] == int(np.argmin(losses))
    assert len(set(losses)) == 4  # the randomised splits fit a different model
    # a member that already uses extra trees searches only the capacities
    already = LGBMTeacher(
        **params, extra_trees=True, capacity_search=True, capacity_extra_trees=True
    )
    assert len(already.fit(X[:1500], y[:1500], **fit).capacity_choice_["candidates"]) == 3


def test_capacity_search_must_be_a_boolean() -> None:
    X, y = _frame(200)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "invalid LGBMTeacher parameter(s): capacity_search: must be true or false, got 'yes'"
        ),
    ):
        LGBMTeacher(capacity_search="yes").fit(X, y)


def _rare_level_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Three common levels without effect and one 4 % level ('R') with a strong one."""
    rng = np.random.default_rng(seed)
    rare = rng.random(n) < 0.04
    level = np.where(rare, "R", np.array(["A", "B", "C"])[rng.integers(0, 3, n)])
    X = pd.DataFrame({"c": pd.Series(level, dtype=object), "x": rng.normal(size=n)})
    logit = -1.5 + 3.0 * rare + 0.3 * X["x"].to_numpy()
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def test_small_category_levels_get_their_own_branch_on_a_small_book() -> None:
    """LightGBM's fixed ``min_data_per_group=100`` holds back a 40-row level's own branch;
    the project's default caps it at the rows a leaf may hold."""
    from sklearn.metrics import log_loss

    from risk_models.teachers.boosted import group_rows

    assert group_rows(None, 12) == 12 and group_rows(None, 500) == 100
    assert group_rows(50, 12) == 50  # given: kept
    X, y = _rare_level_frame(1000, 0)
    Xt, yt = _rare_level_frame(20000, 1)
    rare = (Xt["c"] == "R").to_numpy()
    params = {"n_estimators": 300, "num_leaves": 4, "min_child_samples": 12}
    fit = {"eval_set": (X[800:], y[800:])}
    result = {}
    for name, group in (("capped", None), ("lightgbm", 100)):
        model = LGBMTeacher(**params, min_data_per_group=group).fit(X[:800], y[:800], **fit)
        z = model.decision_function(Xt)
        contrast = z[rare].mean() - z[~rare].mean()  # the true one is 3.0
        result[name] = (log_loss(yt, 1 / (1 + np.exp(-z))), contrast)
    assert result["capped"][0] < result["lightgbm"][0] - 0.005, result
    assert result["capped"][1] > result["lightgbm"][1] + 0.4, result
    # the capacity search hands each candidate its own leaf size as the group size
    searched = LGBMTeacher(
        n_estimators=50, num_leaves=24, min_child_samples=200, capacity_search=True
    ).fit(X[:900], y[:900], eval_set=(X[900:], y[900:]))
    groups = [c.get("min_data_per_group") for c in searched.capacity_choice_["candidates"]]
    assert groups == [None, 18, 18]  # configured: group_rows(None, 200) = 100 in fit
