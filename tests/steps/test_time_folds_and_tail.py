"""The steps pass time folds and the tail focus to the library (issue 13).

An out-of-time split makes the teachers cross-fit over forward-chaining time folds (and the
soft-label refits use them too): no soft label of a training row comes from a model that was
trained on a later row. ``distill.tail`` reaches the training set, and its row weights reach
the student's ``fit``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from risk_models.config import parse_pipeline_config
from risk_models.errors import ConfigError
from risk_models.evaluation.metrics import auc
from risk_models.pipeline import STEPS, PipelineState, run_steps
from risk_models.steps.base import Reporter
from risk_models.steps.data import compute_data
from risk_models.steps.students import student_params
from risk_models.steps.teachers import compute_teachers
from risk_models.students.registry import student_class
from tests.steps.conftest import Recorder, tiny_raw

UNTIL_GATES = STEPS[: [s.name for s in STEPS].index("gates") + 1]


def _oot_raw(**changes: Any) -> dict[str, Any]:
    raw = tiny_raw(split={"method": "out_of_time"})
    raw["ensemble"] = {"weighting": "fitted", "calibration": "temperature", "cv_folds": 3}
    raw["distill"] = {"transfer": {"n_rows": 0}}
    raw["students"] = [{"name": "tree", "kind": "tree", "params": {"max_depth": 3}}]
    raw.update(changes)
    return raw


def _run(raw: dict[str, Any]) -> tuple[PipelineState, Recorder]:
    rec = Recorder()
    state, _ = run_steps(parse_pipeline_config(raw), UNTIL_GATES, Reporter(rec, rec))
    return state, rec


@pytest.fixture(scope="module")
def cross_fit_run() -> tuple[PipelineState, Recorder]:
    """Out-of-time split, 3-block cross-fitted teachers, tail focus on the student rows."""
    tail = {"share": 0.05, "weight": 3.0, "keep_rest": 0.5}
    return _run(_oot_raw(distill={"transfer": {"n_rows": 0}, "tail": tail}))


def _assert_past_only(times: np.ndarray, fold: np.ndarray, train_index: tuple[Any, ...]) -> None:
    """Every labelled row's teacher trained on rows no later than the row itself."""
    t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    for k in range(1, int(fold.max()) + 1):
        held = np.flatnonzero(fold == k)
        seen = np.asarray(train_index[k])
        assert len(seen) and len(held)
        assert np.intersect1d(seen, held).size == 0
        assert t[seen].max() <= t[held].min(), f"block {k} labelled by a model that saw later rows"


def test_out_of_time_teachers_cross_fit_over_time_blocks(cross_fit_run) -> None:
    state, rec = cross_fit_run
    ens = state.teachers.ensemble
    assert ens.fold_order == "time"
    sp = state.data.splits
    pool_times = np.r_[sp.train.times, sp.valid.times]
    folds = np.asarray(ens.folds_)
    # The pooled blocks chain forward: each block starts no earlier than the last one ended.
    t = pool_times.astype("datetime64[ns]").astype(np.int64)
    for k in range(1, 3):
        assert t[folds < k].max() <= t[folds == k].min()
    assert np.isnan(ens.cross_fitted_logit_[folds == 0]).all()
    assert np.isfinite(ens.cross_fitted_logit_[folds >= 1]).all()
    assert any("3-block time cross-fit" in m for _, m in rec.messages)


def test_soft_labels_come_from_models_that_saw_only_the_past(cross_fit_run) -> None:
    state, _ = cross_fit_run
    soft = state.soft_labels.soft
    train = state.data.splits.train
    np.testing.assert_array_equal(soft.fold, state.teachers.ensemble.folds_[: train.n_rows])
    assert not soft.mask[soft.fold == 0].any() and soft.mask[soft.fold >= 1].all()
    _assert_past_only(train.times, soft.fold, soft.train_index)
    mask = soft.mask
    assert state.soft_labels.oof_auc == auc(train.y[mask], soft.proba[mask])
    assert np.isfinite(state.soft_labels.oof_auc)


def test_soft_label_refits_use_time_folds_too() -> None:
    raw = _oot_raw(
        ensemble={"weighting": "equal", "cv_folds": 0},
        distill={"n_folds": 3, "transfer": {"n_rows": 0}},
    )
    state, rec = _run(raw)
    soft = state.soft_labels.soft
    train = state.data.splits.train
    assert soft.n_folds == 3 and not soft.mask.all()
    _assert_past_only(train.times, soft.fold, soft.train_index)
    # The unlabelled first block keeps its hard labels as the students' targets.
    training = state.soft_labels.training
    np.testing.assert_array_equal(training.teacher_proba[~soft.mask], train.y[~soft.mask])
    refits = [e for e in rec.bar_events if e[1] == "soft_labels" and e[0] == "start"]
    assert refits == [("start", "soft_labels", 2)]  # blocks 1 and 2: two refits
    counts = state.soft_labels.row_counts()
    assert counts["n_hard_label_only"] == int((~soft.mask).sum()) > 0


def test_random_split_keeps_random_folds(tiny_run) -> None:
    state, _ = tiny_run
    assert state.teachers.ensemble.fold_order == "random"
    assert state.soft_labels.soft.mask.all()
    assert state.students.fits[0].facts.get("training_weight_sum") is None


def test_time_folds_without_a_time_column_are_refused_by_yaml_path() -> None:
    raw = _oot_raw(split={"method": "random"})
    del raw["data"]["time_column"]
    raw["ensemble"]["fold_order"] = "time"
    cfg = parse_pipeline_config(raw)
    with pytest.raises(ConfigError, match=r"ensemble\.fold_order: time folds need the event"):
        compute_teachers(cfg, compute_data(cfg))


def test_tail_focus_reaches_the_training_set_and_its_weights_the_student_fit(
    cross_fit_run,
) -> None:
    state, rec = cross_fit_run
    sp = state.data.splits
    result = state.soft_labels
    training = result.training
    assert training.weight is not None
    assert training.n_real < sp.train.n_rows  # keep_rest 0.5 dropped ordinary rows
    assert set(np.round(np.unique(training.weight), 6)) <= {1.0, 2.0, 3.0}
    assert result.row_counts()["n_dropped_by_tail"] == sp.train.n_rows - training.n_real
    assert any("tail focus (share 0.05, weight 3" in m for _, m in rec.messages)
    fit = state.students.fits[0]
    assert fit.facts["n_train_rows"] == training.n_real
    assert fit.facts["training_weight_sum"] == pytest.approx(float(training.weight.sum()))
    # Refit the same student on the same rows: with the weights it reproduces the step's fit,
    # without them it does not, so the weights reached the step's fit call.
    cfg = parse_pipeline_config(
        _oot_raw(distill={"transfer": {"n_rows": 0}, "tail": {"share": 0.05}})
    )
    cls = student_class("tree")

    def refit(weight: Any) -> np.ndarray:
        model = cls(**student_params(cfg.students[0], cfg, sp.train.spec, cls.distill_params))
        model.fit(
            training.X,
            training.y,
            soft_target=training.teacher_proba,
            eval_set=(sp.valid.X, sp.valid.y),
            sample_weight=weight,
        )
        return np.asarray(model.decision_function(sp.test.X))

    np.testing.assert_allclose(refit(training.weight), fit.test_logit, atol=1e-12)
    assert not np.allclose(refit(None), fit.test_logit)


def test_the_evaluation_and_gates_run_on_time_fold_soft_labels(cross_fit_run) -> None:
    state, _ = cross_fit_run
    soft = state.soft_labels.soft
    psi = state.evaluation.stability["score_psi"]["teacher"]
    assert np.isfinite(psi["psi"])
    assert sum(b["expected_n"] for b in psi["bins"]) == int(soft.mask.sum())
    assert state.gates is not None and len(state.gates.reports) == 1
