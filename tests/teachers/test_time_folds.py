"""Time-ordered folds: no fold model learns from the future of the rows it labels."""

from __future__ import annotations

import re
import typing

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from risk_models.data.time_folds import forward_folds, latest_slice, time_blocks
from risk_models.distill.soft_labels import make_soft_labels, soft_labels_from_cross_fit
from risk_models.teachers.bagging import cross_fit_member
from risk_models.teachers.ensemble import TeacherEnsemble


class TimeRecorder(BaseEstimator):
    """Scores a row by its ``signal``; remembers the latest time it trained or stopped on and
    refuses to score a row that is not later than that."""

    kind = "time_recorder"
    device_ = "cpu"
    fits: typing.ClassVar[list[tuple[float, float, float]]] = []

    def fit(self, X, y, *, eval_set=None, soft_target=None, sample_weight=None):
        fit_t, stop_t = X["t"].to_numpy(), eval_set[0]["t"].to_numpy()
        self.latest_ = max(fit_t.max(), stop_t.max())
        TimeRecorder.fits.append((fit_t.max(), stop_t.min(), self.latest_))
        return self

    def decision_function(self, X):
        return X["signal"].to_numpy(dtype=float)

    def check_future(self, X) -> None:
        assert (X["t"].to_numpy() > self.latest_).all(), "scored a row from its own past"


def _frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.permutation(n).astype(float)  # distinct times, rows not in time order
    y = (rng.random(n) < 0.3).astype(int)
    signal = y * 1.5 + rng.normal(0, 1, n)
    return pd.DataFrame({"t": t, "signal": signal}), y


def test_time_blocks_are_contiguous_balanced_and_keep_ties_together() -> None:
    t = np.array([5, 1, 3, 3, 3, 9, 7, 2, 8, 6, 4, 0], dtype=float)
    blocks = time_blocks(t, 3)
    for k in range(2):  # every time in block k is earlier than every time in block k + 1
        assert t[blocks == k].max() < t[blocks == k + 1].min()
    # Sorted: 0 1 2 3 | 3 3 4 5 | 6 7 8 9; the rows at t=3 join the block of the first one.
    assert np.bincount(blocks).tolist() == [6, 2, 4]
    dates = np.array(["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04"], "datetime64[ns]")
    np.testing.assert_array_equal(time_blocks(dates, 2), [1, 0, 0, 1])


def test_time_block_errors() -> None:
    with pytest.raises(ValueError, match="time folds need n_blocks >= 2, got 1"):
        time_blocks(np.arange(10.0), 1)
    with pytest.raises(ValueError, match="need at least 3 distinct times, got 2"):
        time_blocks(np.array([1.0, 1.0, 2.0, 2.0]), 3)
    with pytest.raises(ValueError, match=re.escape("times has 1 missing value(s) (NaN)")):
        time_blocks(np.array([1.0, np.nan, 2.0]), 2)
    with pytest.raises(ValueError, match="leave only 2 of 3 blocks"):
        time_blocks(np.r_[np.zeros(8), 1.0, 2.0], 3)


def test_forward_folds_and_latest_slice() -> None:
    blocks = np.array([0, 0, 1, 1, 2, 2])
    folds = [(k, tr.tolist(), ho.tolist()) for k, tr, ho in forward_folds(blocks)]
    assert folds == [(1, [0, 1], [2, 3]), (2, [0, 1, 2, 3], [4, 5])]
    t = np.array([10.0, 40.0, 20.0, 30.0, 50.0])
    fit, stop = latest_slice(np.array([0, 1, 2, 3]), t, 0.25)
    assert fit.tolist() == [0, 2, 3] and stop.tolist() == [1]


def test_cross_fit_member_in_time_order() -> None:
    X, y = _frame(600)
    blocks = time_blocks(X["t"], 4)
    TimeRecorder.fits = []
    member, oof = cross_fit_member(
        TimeRecorder(), X, y, blocks, times=X["t"].to_numpy(), early_stopping_fraction=0.2
    )
    assert np.isnan(oof[blocks == 0]).all()
    np.testing.assert_allclose(oof[blocks > 0], X["signal"][blocks > 0])
    assert len(TimeRecorder.fits) == 4  # three forward folds and the final model
    for k, (fit_max, stop_min, latest) in enumerate(TimeRecorder.fits[:3], start=1):
        assert latest < X["t"][blocks == k].min()  # trained and stopped on the past only
        assert fit_max < stop_min  # early stopping on the latest slice of that past
    assert TimeRecorder.fits[3][2] == X["t"].max()  # the final model saw every row
    assert len(member.fold_models_) == 1


def test_ensemble_time_folds_leave_the_first_block_unlabelled() -> None:
    X, y = _frame(800, seed=1)
    Xtr, ytr, Xva, yva = X.iloc[:600], y[:600], X.iloc[600:], y[600:]
    ens = TeacherEnsemble(
        members=[("a", TimeRecorder()), ("b", TimeRecorder())],
        weighting="fitted",
        calibration="temperature",
        cv_folds=4,
        fold_order="time",
    )
    with pytest.raises(ValueError, match="fold_order='time' with cv_folds >= 2 needs the event"):
        ens.fit(Xtr, ytr, eval_set=(Xva, yva))
    ens.fit(Xtr, ytr, eval_set=(Xva, yva), times=Xtr["t"], eval_times=Xva["t"])
    z = ens.cross_fitted_logit_
    first = ens.folds_ == 0
    assert np.isnan(z[first]).all() and np.isfinite(z[~first]).all()
    # Block 1 has no earlier scores: equal weights, no calibration.
    second = ens.folds_ == 1
    np.testing.assert_allclose(z[second], np.r_[Xtr["signal"], Xva["signal"]][second])
    soft = soft_labels_from_cross_fit(ens, 600)
    np.testing.assert_array_equal(soft.mask, ens.folds_[:600] >= 1)
    for k, rows in enumerate(soft.train_index):
        assert (ens.folds_[rows] < k).all()


def test_time_ordered_soft_labels_never_see_the_future() -> None:
    X, y = _frame(500, seed=2)
    TimeRecorder.fits = []
    teachers: list[TimeRecorder] = []

    def make() -> TimeRecorder:
        teachers.append(TimeRecorder())
        return teachers[-1]

    soft = make_soft_labels(make, X, y, n_folds=5, times=X["t"].to_numpy(), fold_order="time")
    assert len(teachers) == 4 and soft.n_folds == 5
    blocks = soft.fold
    for k, teacher in enumerate(teachers, start=1):
        teacher.check_future(X[blocks == k])
        assert set(soft.train_index[k]) == set(np.flatnonzero(blocks < k))
    assert np.isnan(soft.logit[~soft.mask]).all() and (blocks[~soft.mask] == 0).all()
    assert soft.mask.sum() == (blocks >= 1).sum()
    with pytest.raises(ValueError, match="fold_order='time' needs the event time of every row"):
        make_soft_labels(make, X, y, fold_order="time")
    with pytest.raises(ValueError, match="fold_order must be 'random' or 'time', got 'later'"):
        make_soft_labels(make, X, y, fold_order="later")
