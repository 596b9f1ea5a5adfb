"""Student capacity is chosen on validation rows only: test labels never change it (issue 9)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from risk_models.config import StudentConfig
from risk_models.steps.students import fit_student


def test_shuffled_test_labels_give_the_same_pair_path(tiny_cfg, tiny_run) -> None:
    state, _ = tiny_run
    scfg = StudentConfig(
        name="ga2m",
        kind="ga2m",
        params={"n_estimators": 80, "learning_rate": 0.3, "n_pairs": 6, "pair_rounds": 40},
    )
    fit = fit_student(scfg, tiny_cfg, state.data, state.soft_labels, state.teachers)
    splits = state.data.splits
    rng = np.random.default_rng(0)
    shuffled_test = replace(splits.test, y=rng.permutation(splits.test.y))
    assert not np.array_equal(shuffled_test.y, splits.test.y)
    data = replace(state.data, splits=replace(splits, test=shuffled_test))
    again = fit_student(scfg, tiny_cfg, data, state.soft_labels, state.teachers)
    assert fit.model.pair_path_ is not None  # the path ran, on the validation rows
    assert again.model.pairs_ == fit.model.pairs_
    assert again.model.pair_path_ == fit.model.pair_path_
    assert again.exported.to_dict() == fit.exported.to_dict()
    assert again.metrics["auc"] != fit.metrics["auc"]  # the test rows did change


def test_shuffled_test_labels_give_the_same_scorecard_bins(tiny_cfg, tiny_run) -> None:
    state, _ = tiny_run
    scfg = StudentConfig(name="card", kind="scorecard", params={"max_bins": 10})
    fit = fit_student(scfg, tiny_cfg, state.data, state.soft_labels, state.teachers)
    splits = state.data.splits
    rng = np.random.default_rng(1)
    shuffled_test = replace(splits.test, y=rng.permutation(splits.test.y))
    data = replace(state.data, splits=replace(splits, test=shuffled_test))
    again = fit_student(scfg, tiny_cfg, data, state.soft_labels, state.teachers)
    assert [r["max_bins"] for r in fit.model.bins_path_] == [4, 6, 8, 10]  # ran on validation
    assert again.model.bins_path_ == fit.model.bins_path_
    assert again.model.max_bins_ == fit.model.max_bins_
    assert again.exported.to_dict() == fit.exported.to_dict()
    assert again.metrics["auc"] != fit.metrics["auc"]
